/**
 * The send and complete stages: mail the won claims (one mail per kind, per set of alerts owed),
 * then settle each claim: marked as sent when every recipient has it or refused it for good, given
 * back with who has it otherwise, so the sender's retry sends to the others only (lib/domain/progress.ts).
 */

import { retryBounded } from '../../concurrency';
import type { Alert } from '../../domain/alerts/model';
import type { MailServer } from '../../domain/config';
import { recipientsOwed, type SendOutcome, settleDeliveries } from '../../domain/progress';
import { DeliveryFailedError, messageOf } from '../../errors';
import type { Claim, DeliveryProgress } from '../../ports';
import type { IngestRequest, Settled } from './stages';

/** Tries at recording sent notices (the `sent` marks) or giving claims back, within the request's deadline. */
const STATE_WRITE_ATTEMPTS = 4;

export interface Delivered {
  readonly settled: readonly Settled[];
  /** The first delivery someone received, for the answer's `deliveryId`. */
  readonly deliveryId: string | null;
}

export async function deliver(
  request: IngestRequest,
  won: readonly Claim[],
  claimId: string,
  byFingerprint: ReadonlyMap<string, Alert>,
  server: MailServer | null,
): Promise<Delivered> {
  if (won.length === 0) return { settled: [], deliveryId: null };
  if (!server) {
    await release(request, won, claimId, undefined);
    throw new DeliveryFailedError(
      'Delivery failed; nothing was marked as sent, so a retry will deliver: no mail server is configured',
      new Error('no mail server is configured'),
    );
  }
  const { recipients } = request.config;
  const outcomes: SendOutcome[] = [];
  let deliveryId: string | null = null;
  for (const kind of ['firing', 'resolved'] as const) {
    const claims = won.filter((c) => c.kind === kind);
    for (const owed of recipientsOwed(claims, request.states, recipients)) {
      const alerts = owed.fingerprints.map((fingerprint) => byFingerprint.get(fingerprint) as Alert);
      const report = await request.deps.mailDelivery.deliverAlerts(
        kind,
        alerts,
        owed.recipients,
        server,
        request.deadlines,
      );
      outcomes.push({ fingerprints: owed.fingerprints, report });
      if (report.accepted.length > 0) deliveryId ??= report.delivery.id;
    }
  }
  const settled = settleDeliveries(won, request.states, recipients, outcomes);
  const now = request.deps.clock();
  await Promise.all([
    ...outcomes.map((outcome) => outcome.report.recorded),
    complete(request, settled.complete, claimId),
    release(request, settled.incomplete, claimId, {
      sentTo: settled.sentTo,
      now,
      repeatIntervalMs: request.policy.repeatIntervalMs,
    }),
  ]);
  if (settled.incomplete.length > 0) {
    const failure = settled.failure;
    throw new DeliveryFailedError(
      `Delivery failed for ${settled.incomplete.length} alert(s); a retry will send to the recipients who did not get them: ${failure ? `${failure.code}: ${failure.message}` : 'recipients deferred'}`,
      failure ?? new Error('recipients deferred'),
    );
  }
  return {
    settled: [
      { reason: 'notified', count: settled.notified },
      { reason: 'undeliverable', count: settled.undeliverable },
    ],
    deliveryId,
  };
}

/** Gives claims back (bounded retries); if that fails too they lapse by themselves after their window. */
export async function release(
  request: IngestRequest,
  claims: readonly Claim[],
  claimId: string,
  progress: DeliveryProgress | undefined,
): Promise<void> {
  if (claims.length === 0) return;
  try {
    await retryBounded(
      () => request.deps.state.release(claims, claimId, progress),
      STATE_WRITE_ATTEMPTS,
      request.deadlines.request,
    );
  } catch (error) {
    request.deps.log.error('releasing claims failed', {
      claims: claims.length,
      alerts: claims.map((c) => c.fingerprint),
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
async function complete(request: IngestRequest, claims: readonly Claim[], claimId: string): Promise<void> {
  if (claims.length === 0) return;
  const { deps, policy } = request;
  try {
    await retryBounded(
      () => deps.state.complete(claims, claimId, deps.clock(), policy.repeatIntervalMs),
      STATE_WRITE_ATTEMPTS,
      request.deadlines.request,
    );
  } catch (error) {
    deps.log.warn('sent, but recording it failed: these alerts may be emailed again', {
      alerts: claims.map((c) => c.fingerprint),
      message: messageOf(error),
    });
  }
}
