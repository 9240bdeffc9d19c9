import { randomUUID } from 'node:crypto';
import type { Alert } from './alerts/model';
import { sleep } from './concurrency';
import { evaluateConditions } from './conditions';
import type { MailServer } from './config/model';
import type { ConfigReader } from './config/reader';
import { DeliveryFailedError } from './errors';
import { isFiringDue, isInFlight, isResolvedDue, parseDuration } from './interval';
import type { Logger } from './log';
import type { Notifier } from './notifier';
import type { Claim, IngestSnapshotReader, NotificationState, NotificationStateStore } from './ports';
import type { IngestResult } from './schemas';

export interface IngestDeps {
  readonly config: ConfigReader;
  /** The first read of each request: config and states in one round trip. */
  readonly snapshot: IngestSnapshotReader;
  readonly state: NotificationStateStore;
  readonly notifier: Notifier;
  readonly clock: () => Date;
  readonly log: Logger;
}

const DEFAULT_REPEAT_INTERVAL_MS = 12 * 3_600_000;
/**
 * How long a request waits for another invocation's claim on the same alerts (concurrent identical
 * posts, Alertmanager HA pairs) before answering 503 so its sender retries. Kept short: the ingest
 * function's own sends must still fit its 30 s timeout.
 */
export const IN_FLIGHT_WAIT_MS = 5_000;
const IN_FLIGHT_POLL_MS = 200;
/** Bounds the wait even under a clock that does not move (tests inject one). */
const MAX_ROUNDS = Math.ceil(IN_FLIGHT_WAIT_MS / IN_FLIGHT_POLL_MS) + 1;

/**
 * The hot path: conditions, the enabled toggle, then the repeat interval.
 * Steady state (everything already notified) costs one batched read of the
 * config and the states per request, and no write. While nothing can be mailed (disabled, or no
 * server or recipient), only resolved alerts with a sent state are written: their state is cleared. Counts add up:
 * `received = matched + suppressed.conditions` and
 * `matched = notified + suppressed.repeatInterval + suppressed.disabled + suppressed.notConfigured`.
 */
export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  /** The service's clock: payloads are parsed against it, so "endsAt in the past" and the repeat interval agree. */
  now(): Date {
    return this.deps.clock();
  }

  async ingest(received: readonly Alert[]): Promise<IngestResult> {
    // Steady state: this one read (config and every state, in one round trip) is the request's only store access.
    const snapshot = await this.deps.snapshot.read(received.map((alert) => alert.fingerprint));
    const config = this.deps.config.withDefaults(snapshot.config);
    const result = {
      received: received.length,
      matched: 0,
      notified: 0,
      suppressed: { conditions: 0, repeatInterval: 0, disabled: 0, notConfigured: 0 },
      deliveryId: null as string | null,
    };

    // One alert per fingerprint: the last occurrence in the request wins, as in a re-send.
    const byFingerprint = new Map<string, Alert>();
    for (const alert of received) {
      if (evaluateConditions(config.conditions, alert.labels).matched) {
        result.matched++;
        byFingerprint.delete(alert.fingerprint);
        byFingerprint.set(alert.fingerprint, alert);
      } else {
        result.suppressed.conditions++;
      }
    }
    if (result.matched === 0) return result;
    if (!config.enabled || !config.server || config.recipients.length === 0) {
      if (!config.enabled) result.suppressed.disabled += result.matched;
      else result.suppressed.notConfigured += result.matched;
      // Nobody is mailed now, but an alert that resolves meanwhile still ends its episode: clear
      // its state, or once delivery is back a new firing would wait out the old repeat interval.
      const nowMs = this.deps.clock().getTime();
      const ended = [...byFingerprint.values()]
        .filter((alert) => alert.status === 'resolved' && isResolvedDue(snapshot.states.get(alert.fingerprint), nowMs))
        .map((alert) => alert.fingerprint);
      if (ended.length > 0) await this.deps.state.clear(ended);
      return result;
    }
    const matched = [...byFingerprint.values()];
    // Repeats of one alert inside one request: the kept occurrence stands for them.
    result.suppressed.repeatInterval += result.matched - matched.length;

    const intervalMs = parseDuration(config.repeatInterval) ?? DEFAULT_REPEAT_INTERVAL_MS;
    const deadline = this.deps.clock().getTime() + IN_FLIGHT_WAIT_MS;
    let server: MailServer | null | undefined;
    let candidates = matched;
    for (let round = 1; ; round++) {
      const now = this.deps.clock();
      const nowMs = now.getTime();
      // Later rounds (waiting on another invocation's claims) re-read just those states.
      const states: Map<string, NotificationState> =
        round === 1 ? snapshot.states : await this.deps.state.getMany(candidates.map((alert) => alert.fingerprint));

      const dueClaims: Claim[] = [];
      const toClear: string[] = [];
      const waiting = new Set<string>();
      for (const alert of candidates) {
        const state = states.get(alert.fingerprint);
        if (alert.status === 'firing') {
          if (isFiringDue(state, nowMs, intervalMs)) dueClaims.push({ fingerprint: alert.fingerprint, kind: 'firing' });
          else if (isInFlight(state, 'firing', nowMs)) waiting.add(alert.fingerprint);
          else result.suppressed.repeatInterval++;
        } else if (isResolvedDue(state, nowMs)) {
          if (config.sendResolved) dueClaims.push({ fingerprint: alert.fingerprint, kind: 'resolved' });
          else {
            // No notice wanted, but the state is cleared so a new firing is emailed at once.
            toClear.push(alert.fingerprint);
            result.suppressed.repeatInterval++;
          }
        } else if (isInFlight(state, 'resolved', nowMs)) {
          waiting.add(alert.fingerprint);
        } else {
          // Resolved and nothing to tell: never notified, already cleared, or expired.
          result.suppressed.repeatInterval++;
        }
      }
      if (toClear.length > 0) await this.deps.state.clear(toClear);

      if (dueClaims.length > 0) {
        const claimId = randomUUID();
        const won = await this.deps.state.claim(dueClaims, claimId, now, intervalMs);
        const wonKeys = new Set(won.map((claim) => claim.fingerprint));
        // A lost claim: another invocation took it between our read and our write. Look again.
        for (const claim of dueClaims) if (!wonKeys.has(claim.fingerprint)) waiting.add(claim.fingerprint);
        if (won.length > 0) {
          server ??= await this.deps.config.mailServer(config);
          await this.send(won, claimId, byFingerprint, config.recipients, server, intervalMs, result);
        }
      }

      if (waiting.size === 0) return result;
      if (round >= MAX_ROUNDS || this.deps.clock().getTime() >= deadline) {
        // Another invocation holds these claims and has not finished (or has crashed, and its short
        // window has not passed yet). Answering 202 could lose them: the sender's retry sends.
        throw new DeliveryFailedError(
          `${waiting.size} alert(s) are being delivered by another request that has not finished; retry to make sure they are delivered`,
          new Error('claims in flight elsewhere'),
        );
      }
      await sleep(IN_FLIGHT_POLL_MS);
      candidates = candidates.filter((alert) => waiting.has(alert.fingerprint));
    }
  }

  /** Sends the won claims, one mail per kind, and records them; on failure gives back what was not sent. */
  private async send(
    won: readonly Claim[],
    claimId: string,
    byFingerprint: ReadonlyMap<string, Alert>,
    recipients: readonly string[],
    server: MailServer | null,
    intervalMs: number,
    result: { notified: number; deliveryId: string | null },
  ): Promise<void> {
    let pending = won;
    try {
      if (!server) throw new Error('no mail server is configured');
      for (const kind of ['firing', 'resolved'] as const) {
        const claims = won.filter((claim) => claim.kind === kind);
        if (claims.length === 0) continue;
        const alerts = claims.map((claim) => byFingerprint.get(claim.fingerprint) as Alert);
        const delivery = await this.deps.notifier.deliverAlerts(kind, alerts, recipients, server);
        pending = pending.filter((claim) => claim.kind !== kind);
        result.notified += alerts.length;
        result.deliveryId ??= delivery.id;
        await this.completeAfterSend(claims, claimId, intervalMs);
      }
    } catch (error) {
      // Give back every claim whose mail did not go out, so the sender's retry sends.
      await this.deps.state.release(pending, claimId).catch((releaseError: unknown) => {
        // The claims lapse by themselves after the in-progress window.
        this.deps.log.error('releasing claims failed', { claims: pending.length, message: messageOf(releaseError) });
      });
      throw new DeliveryFailedError(
        `Delivery failed; nothing was marked as sent, so a retry will deliver: ${messageOf(error)}`,
        error instanceof Error ? error : new Error(String(error)),
      );
    }
  }

  /**
   * The mail is out: record it. A failure here must not turn a sent mail into a 5xx (the retry
   * would find the claim still in its window and send nothing anyway); the claim lapses after its
   * short window and at worst the alert is emailed again at a later re-post.
   */
  private async completeAfterSend(claims: readonly Claim[], claimId: string, intervalMs: number): Promise<void> {
    try {
      await this.deps.state.complete(claims, claimId, this.deps.clock(), intervalMs);
    } catch (error) {
      this.deps.log.error('recording sent notifications failed', { claims: claims.length, message: messageOf(error) });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
