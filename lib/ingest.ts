import { randomUUID } from 'node:crypto';
import type { Alert } from './alerts/model';
import { evaluateConditions } from './conditions';
import type { ConfigService } from './config/service';
import { DeliveryFailedError } from './errors';
import { isFiringDue, parseDuration } from './interval';
import type { Logger } from './log';
import type { Notifier } from './notifier';
import type { Claim, NotificationState, NotificationStateStore } from './ports';
import type { IngestResult } from './schemas';

export interface IngestDeps {
  readonly config: ConfigService;
  readonly state: NotificationStateStore;
  readonly notifier: Notifier;
  readonly clock: () => Date;
  readonly log: Logger;
}

/**
 * The hot path: conditions, the enabled toggle, then the repeat interval.
 * Steady state (everything already notified) costs one config read and one
 * batched state read per request, and no write.
 */
export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

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
    const matched = [...byFingerprint.values()];
    result.suppressed.repeatInterval += result.matched - matched.length;
    if (matched.length === 0) return result;
    if (!config.enabled) {
      result.suppressed.disabled += matched.length;
      return result;
    }
    if (!config.server || config.recipients.length === 0) {
      result.suppressed.notConfigured += matched.length;
      return result;
    }

    const now = this.deps.clock();
    const nowMs = now.getTime();
    const intervalMs = parseDuration(config.repeatInterval) ?? 12 * 3_600_000;
    const states = await this.deps.state.getMany(matched.map((alert) => alert.fingerprint));

    const dueClaims: Claim[] = [];
    const toClear: string[] = [];
    for (const alert of matched) {
      const state = states.get(alert.fingerprint);
      if (alert.status === 'firing') {
        if (isFiringDue(state, nowMs, intervalMs)) dueClaims.push({ fingerprint: alert.fingerprint, kind: 'firing' });
        else result.suppressed.repeatInterval++;
      } else if (state && isResolvedDue(state, nowMs)) {
        if (config.sendResolved) dueClaims.push({ fingerprint: alert.fingerprint, kind: 'resolved' });
        else {
          // No notice wanted, but the state is cleared so a new firing is emailed at once.
          toClear.push(alert.fingerprint);
          result.suppressed.repeatInterval++;
        }
      } else {
        // Resolved and nothing to tell: never notified, or the resolved notice already went out.
        result.suppressed.repeatInterval++;
      }
    }
    if (toClear.length > 0) await this.deps.state.clear(toClear);
    if (dueClaims.length === 0) return result;

    const claimId = randomUUID();
    const won = await this.deps.state.claim(dueClaims, claimId, now, intervalMs);
    result.suppressed.repeatInterval += dueClaims.length - won.length;
    if (won.length === 0) return result;

    const server = await this.deps.config.mailServer(config);
    if (!server) throw new Error('unreachable: server checked above');
    for (const kind of ['firing', 'resolved'] as const) {
      const claims = won.filter((claim) => claim.kind === kind);
      if (claims.length === 0) continue;
      const alerts = claims.map((claim) => byFingerprint.get(claim.fingerprint) as Alert);
      try {
        const delivery = await this.deps.notifier.deliverAlerts(kind, alerts, config.recipients, server);
        await this.deps.state.complete(claims, claimId, this.deps.clock(), intervalMs);
        result.notified += alerts.length;
        result.deliveryId ??= delivery.id;
      } catch (error) {
        // Give back every claim not yet completed, so the sender's retry sends.
        const pending = won.filter((claim) => claim.kind === kind || (kind === 'firing' && claim.kind === 'resolved'));
        await this.deps.state.release(pending, claimId);
        throw new DeliveryFailedError(
          `Delivery failed; nothing was marked as sent, so a retry will deliver: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error : new Error(String(error)),
        );
      }
    }
    return result;
  }
}

function isResolvedDue(state: NotificationState, nowMs: number): boolean {
  if (state.status !== 'sent') return false;
  return state.resolvingUntil === undefined || state.resolvingUntil * 1000 <= nowMs;
}
