import { randomUUID } from 'node:crypto';
import type { Alert } from './alerts/model';
import { evaluateConditions } from './conditions';
import type { ConfigService } from './config/service';
import { DeliveryFailedError } from './errors';
import { isFiringDue, isResolvedDue, parseDuration } from './interval';
import type { Logger } from './log';
import type { Notifier } from './notifier';
import type { Claim, NotificationStateStore } from './ports';
import type { IngestResult } from './schemas';

export interface IngestDeps {
  readonly config: ConfigService;
  readonly state: NotificationStateStore;
  readonly notifier: Notifier;
  readonly clock: () => Date;
  readonly log: Logger;
}

const DEFAULT_REPEAT_INTERVAL_MS = 12 * 3_600_000;

/**
 * The hot path: conditions, the enabled toggle, then the repeat interval.
 * Steady state (everything already notified) costs one config read and one
 * batched state read per request, and no write. Counts add up:
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
    const config = await this.deps.config.get();
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
    if (!config.enabled) {
      result.suppressed.disabled += result.matched;
      return result;
    }
    if (!config.server || config.recipients.length === 0) {
      result.suppressed.notConfigured += result.matched;
      return result;
    }
    const matched = [...byFingerprint.values()];
    // Repeats of one alert inside one request: the kept occurrence stands for them.
    result.suppressed.repeatInterval += result.matched - matched.length;

    const now = this.deps.clock();
    const nowMs = now.getTime();
    const intervalMs = parseDuration(config.repeatInterval) ?? DEFAULT_REPEAT_INTERVAL_MS;
    const states = await this.deps.state.getMany(matched.map((alert) => alert.fingerprint));

    const dueClaims: Claim[] = [];
    const toClear: string[] = [];
    for (const alert of matched) {
      const state = states.get(alert.fingerprint);
      if (alert.status === 'firing') {
        if (isFiringDue(state, nowMs, intervalMs)) dueClaims.push({ fingerprint: alert.fingerprint, kind: 'firing' });
        else result.suppressed.repeatInterval++;
      } else if (isResolvedDue(state, nowMs)) {
        if (config.sendResolved) dueClaims.push({ fingerprint: alert.fingerprint, kind: 'resolved' });
        else {
          // No notice wanted, but the state is cleared so a new firing is emailed at once.
          toClear.push(alert.fingerprint);
          result.suppressed.repeatInterval++;
        }
      } else {
        // Resolved and nothing to tell: never notified, already cleared, or its firing notice still in flight.
        result.suppressed.repeatInterval++;
      }
    }
    if (toClear.length > 0) await this.deps.state.clear(toClear);
    if (dueClaims.length === 0) return result;

    const claimId = randomUUID();
    const won = await this.deps.state.claim(dueClaims, claimId, now, intervalMs);
    // Lost claims: another invocation is sending (or has just sent) the same alert.
    result.suppressed.repeatInterval += dueClaims.length - won.length;
    if (won.length === 0) return result;

    let pending = won;
    try {
      const server = await this.deps.config.mailServer(config);
      if (!server) throw new Error('no mail server is configured');
      for (const kind of ['firing', 'resolved'] as const) {
        const claims = won.filter((claim) => claim.kind === kind);
        if (claims.length === 0) continue;
        const alerts = claims.map((claim) => byFingerprint.get(claim.fingerprint) as Alert);
        const delivery = await this.deps.notifier.deliverAlerts(kind, alerts, config.recipients, server);
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
    return result;
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
