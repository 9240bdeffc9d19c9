import { randomUUID } from 'node:crypto';
import type { Alert } from './alerts/model';
import { retryBounded, sleep } from './concurrency';
import { evaluateConditions } from './conditions';
import type { MailServer } from './config/model';
import type { ConfigReader } from './config/reader';
import { type RequestDeadlines, requestDeadlines } from './deadlines';
import { DeliveryFailedError } from './errors';
import { isFiringDue, isInFlight, isResolvedDue, parseDuration, resumesFiringNotice } from './interval';
import type { Logger } from './log';
import type { Notifier } from './notifier';
import type { Claim, IngestSnapshotReader, NotificationState, NotificationStateStore } from './ports';
import { recipientsOwed, type SendOutcome, settleDeliveries } from './progress';
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
/** Tries at recording sent notices (the `sent` marks) or giving claims back, within the request's deadline. */
const STATE_WRITE_ATTEMPTS = 4;
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
    const deadlines = requestDeadlines();
    // Steady state: this one read (config and every state, in one round trip) is the request's only store access.
    const snapshot = await this.deps.snapshot.read(received.map((alert) => alert.fingerprint));
    const config = this.deps.config.withDefaults(snapshot.config);
    const result = {
      received: received.length,
      matched: 0,
      notified: 0,
      suppressed: { conditions: 0, repeatInterval: 0, disabled: 0, notConfigured: 0, undeliverable: 0 },
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
          if (isFiringDue(state, nowMs, intervalMs)) {
            const resume = resumesFiringNotice(state, nowMs, intervalMs);
            dueClaims.push({ fingerprint: alert.fingerprint, kind: 'firing', ...(resume ? { resume } : {}) });
          } else if (isInFlight(state, 'firing', nowMs)) waiting.add(alert.fingerprint);
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
          await this.send(
            won,
            claimId,
            { byFingerprint, states },
            config.recipients,
            server,
            intervalMs,
            deadlines,
            result,
          );
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

  /**
   * Sends the won claims, one mail per kind (per set of alerts owed, when an earlier try reached some
   * recipients), then settles each claim: completed when every recipient has it or refused it for
   * good, given back with who has it otherwise, so the sender's retry sends to the others only.
   */
  private async send(
    won: readonly Claim[],
    claimId: string,
    known: { byFingerprint: ReadonlyMap<string, Alert>; states: ReadonlyMap<string, NotificationState> },
    recipients: readonly string[],
    server: MailServer | null,
    intervalMs: number,
    deadlines: RequestDeadlines,
    result: IngestResult,
  ): Promise<void> {
    if (!server) {
      await this.release(won, claimId, undefined, deadlines);
      throw new DeliveryFailedError(
        'Delivery failed; nothing was marked as sent, so a retry will deliver: no mail server is configured',
        new Error('no mail server is configured'),
      );
    }
    const outcomes: SendOutcome[] = [];
    for (const kind of ['firing', 'resolved'] as const) {
      const claims = won.filter((claim) => claim.kind === kind);
      for (const owed of recipientsOwed(claims, known.states, recipients)) {
        const alerts = owed.fingerprints.map((fingerprint) => known.byFingerprint.get(fingerprint) as Alert);
        const report = await this.deps.notifier.deliverAlerts(kind, alerts, owed.recipients, server, deadlines);
        outcomes.push({ fingerprints: owed.fingerprints, report });
        if (report.accepted.length > 0) result.deliveryId ??= report.delivery.id;
      }
    }
    const settled = settleDeliveries(won, known.states, recipients, outcomes);
    result.notified += settled.notified;
    result.suppressed.undeliverable += settled.undeliverable;
    const now = this.deps.clock();
    await Promise.all([
      this.completeAfterSend(settled.complete, claimId, now, intervalMs, deadlines),
      this.release(
        settled.incomplete,
        claimId,
        { sentTo: settled.sentTo, now, repeatIntervalMs: intervalMs },
        deadlines,
      ),
    ]);
    if (settled.incomplete.length > 0) {
      const failure = settled.failure;
      throw new DeliveryFailedError(
        `Delivery failed for ${settled.incomplete.length} alert(s); a retry will send to the recipients who did not get them: ${failure ? `${failure.code}: ${failure.message}` : 'recipients deferred'}`,
        failure ?? new Error('recipients deferred'),
      );
    }
  }

  /** Gives claims back (bounded retries); if that fails too they lapse by themselves after their window. */
  private async release(
    claims: readonly Claim[],
    claimId: string,
    progress: Parameters<NotificationStateStore['release']>[2],
    deadlines: RequestDeadlines,
  ): Promise<void> {
    if (claims.length === 0) return;
    try {
      await retryBounded(
        () => this.deps.state.release(claims, claimId, progress),
        STATE_WRITE_ATTEMPTS,
        deadlines.request,
      );
    } catch (error) {
      this.deps.log.error('releasing claims failed', {
        claims: claims.length,
        alerts: claims.map((claim) => claim.fingerprint),
        message: messageOf(error),
      });
    }
  }

  /**
   * The mail is out: record it, retried with backoff within the request's deadline. A failure that
   * outlasts the retries must not turn a sent mail into a 5xx (the retry would find the claim still
   * in its window and send nothing anyway): the claim lapses after its short window and the alert may
   * be emailed again at a later re-post; the warning names the alerts, so an operator sees why.
   */
  private async completeAfterSend(
    claims: readonly Claim[],
    claimId: string,
    now: Date,
    intervalMs: number,
    deadlines: RequestDeadlines,
  ): Promise<void> {
    if (claims.length === 0) return;
    try {
      await retryBounded(
        () => this.deps.state.complete(claims, claimId, now, intervalMs),
        STATE_WRITE_ATTEMPTS,
        deadlines.request,
      );
    } catch (error) {
      this.deps.log.warn('sent, but recording it failed: these alerts may be emailed again', {
        alerts: claims.map((claim) => claim.fingerprint),
        message: messageOf(error),
      });
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
