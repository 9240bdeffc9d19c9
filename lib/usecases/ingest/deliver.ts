/**
 * The send and complete stages: mail the won claims (one mail per kind, per set of alerts owed),
 * then settle each claim: marked as sent when every recipient has it or refused it for good, given
 * back with who has it otherwise, so the sender's retry sends to the others only (lib/domain/progress.ts).
 */

import { retryBounded } from '../../concurrency';
import type { MailServer } from '../../domain/config';
import { addressKey, recipientsOwed, type SendOutcome, settleDeliveries } from '../../domain/progress';
import type { RoutePlan } from '../../domain/routes';
import { DeliveryFailedError, messageOf } from '../../errors';
import type { Claim, DeliveryProgress } from '../../ports';
import type { IngestRequest, Settled, Target } from './stages';

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
  targets: ReadonlyMap<string, Target>,
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
  const owedTo = recipientsPerClaim(won, targets, request.plans);
  const outcomes: SendOutcome[] = [];
  let deliveryId: string | null = null;
  for (const kind of ['firing', 'resolved'] as const) {
    for (const route of request.plans) {
      const claims = won.filter((c) => c.kind === kind && targets.get(c.key)?.route === route);
      for (const owed of recipientsOwed(claims, request.states, (c) => owedTo.get(c.key) ?? [])) {
        const alerts = owed.claims.map((c) => (targets.get(c.key) as Target).alert);
        const report = await request.deps.mailDelivery.deliverAlerts(
          kind,
          alerts,
          owed.recipients,
          server,
          request.deadlines,
          { route: route.name, template: route.template },
        );
        outcomes.push({ kind, fingerprints: alerts.map((alert) => alert.fingerprint), report });
        if (report.accepted.length > 0) deliveryId ??= report.delivery.id;
      }
    }
  }
  const settled = settleDeliveries(won, request.states, (c) => owedTo.get(c.key) ?? [], outcomes);
  const now = request.deps.clock();
  await Promise.all([
    ...outcomes.map((outcome) => outcome.report.recorded),
    complete(request, settled.complete, claimId),
    release(request, settled.incomplete, claimId, { sentTo: settled.sentTo, now }),
  ]);
  if (settled.incomplete.length > 0) {
    const failure = settled.failure;
    throw new DeliveryFailedError(
      `Delivery failed for ${settled.incomplete.length} alert(s); a retry will send to the recipients who did not get them: ${failure ? `${failure.code}: ${failure.message}` : 'recipients deferred'}`,
      failure ?? new Error('recipients deferred'),
    );
  }
  const byClaim = (reason: 'notified' | 'undeliverable', claims: readonly Claim[]) =>
    claims.map((c) => ({ reason, fingerprint: c.fingerprint }));
  return {
    settled: [...byClaim('notified', settled.notified), ...byClaim('undeliverable', settled.undeliverable)],
    deliveryId,
  };
}

/**
 * Whom each claim's mail goes to: its route's recipients, less those an earlier route of this
 * request already mails the same notice to, so a recipient listed on several routes gets each
 * alert once per request. Each route settles only its own share: if the earlier route's mail
 * fails for someone, that route's claim is the one given back, and its retry reaches them.
 */
function recipientsPerClaim(
  won: readonly Claim[],
  targets: ReadonlyMap<string, Target>,
  plans: readonly RoutePlan[],
): Map<string, string[]> {
  const routeIndex = (c: Claim): number => {
    const route = targets.get(c.key)?.route;
    return route ? plans.indexOf(route) : plans.length;
  };
  const covered = new Map<string, Set<string>>();
  const owed = new Map<string, string[]>();
  const inRouteOrder = [...won].sort((a, b) => routeIndex(a) - routeIndex(b) || a.kind.localeCompare(b.kind));
  for (const c of inRouteOrder) {
    const notice = `${c.kind}|${c.fingerprint}`;
    const already = covered.get(notice) ?? new Set<string>();
    const recipients = (targets.get(c.key)?.route.recipients ?? []).filter((r) => !already.has(addressKey(r)));
    for (const r of recipients) already.add(addressKey(r));
    covered.set(notice, already);
    owed.set(c.key, recipients);
  }
  return owed;
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
  const { deps } = request;
  try {
    await retryBounded(
      () => deps.state.complete(claims, claimId, deps.clock()),
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
