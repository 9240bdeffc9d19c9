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
import type { PreparedMail } from '../mail-delivery';
import type { IngestRequest, Settled, Target } from './stages';

/** Tries at recording sent notices (the `sent` marks) or giving claims back, within the request's deadline. */
const STATE_WRITE_ATTEMPTS = 4;

export interface Delivered {
  readonly settled: readonly Settled[];
  /** The first delivery someone received, for the answer's `deliveryId`. */
  readonly deliveryId: string | null;
}

/** One mail the won claims owe: the notices of one kind on one route, to the recipients who do not have them yet. */
export interface MailJob {
  readonly kind: 'firing' | 'resolved';
  readonly route: RoutePlan;
  readonly claims: readonly Claim[];
  readonly recipients: readonly string[];
}

/** The mails of a set of claims, in order (firing first, then route by route), and whom each claim's notice goes to. */
export function mailJobs(
  request: IngestRequest,
  claims: readonly Claim[],
  targets: ReadonlyMap<string, Target>,
): { readonly jobs: MailJob[]; readonly owedTo: Map<string, string[]> } {
  const owedTo = recipientsPerClaim(claims, targets, request.plans);
  const jobs: MailJob[] = [];
  for (const kind of ['firing', 'resolved'] as const) {
    for (const route of request.plans) {
      const ofRoute = claims.filter((c) => c.kind === kind && targets.get(c.key)?.route === route);
      for (const owed of recipientsOwed(ofRoute, request.states, (c) => owedTo.get(c.key) ?? [])) {
        jobs.push({ kind, route, claims: owed.claims, recipients: owed.recipients });
      }
    }
  }
  return { jobs, owedTo };
}

/** The mails a set of claims owes, rendered and composed (lib/usecases/mail-delivery.ts `PreparedMail`), not sent. */
export interface PreparedJobs {
  readonly claims: readonly Claim[];
  readonly jobs: readonly MailJob[];
  readonly owedTo: ReadonlyMap<string, string[]>;
  readonly mails: readonly PreparedMail[];
}

/** Plans, renders and composes the claims' mails, their templates from those the process keeps where it has them. */
export async function prepareJobs(
  request: IngestRequest,
  claims: readonly Claim[],
  targets: ReadonlyMap<string, Target>,
  server: MailServer,
): Promise<PreparedJobs> {
  const { jobs, owedTo } = mailJobs(request, claims, targets);
  const mails = await Promise.all(
    jobs.map((job) =>
      request.deps.mailDelivery.prepareAlerts(job.kind, alertsOf(job, targets), job.recipients, server, {
        route: job.route.name,
        template: job.route.template,
        templates: request.templates,
      }),
    ),
  );
  return { claims, jobs, owedTo, mails };
}

const alertsOf = (job: MailJob, targets: ReadonlyMap<string, Target>) =>
  job.claims.map((c) => (targets.get(c.key) as Target).alert);

/**
 * Whether mails prepared for some claims are the won claims' mails: the same claims (the mails are
 * a function of the claims and of the request's states and routes, which a round does not change).
 */
function sameClaims(prepared: readonly Claim[], won: readonly Claim[]): boolean {
  if (prepared.length !== won.length) return false;
  const keys = new Set(prepared.map((c) => c.key));
  return won.every((c) => keys.has(c.key));
}

/**
 * Sends the won claims' mails, in turn, and settles the claims. `early`: mails prepared while the
 * claims were being written, for the claims due; used when those are the claims won (every claim
 * won, the common case), else the mails are prepared again from what was won.
 */
export async function deliver(
  request: IngestRequest,
  won: readonly Claim[],
  claimId: string,
  targets: ReadonlyMap<string, Target>,
  server: MailServer | null,
  early?: PreparedJobs,
): Promise<Delivered> {
  if (won.length === 0) return { settled: [], deliveryId: null };
  if (!server) {
    await release(request, won, claimId, undefined);
    throw new DeliveryFailedError(
      'Delivery failed; nothing was marked as sent, so a retry will deliver: no mail server is configured',
      new Error('no mail server is configured'),
    );
  }
  const prepared = early && sameClaims(early.claims, won) ? early : await prepareJobs(request, won, targets, server);
  const { jobs, owedTo } = prepared;
  const outcomes: SendOutcome[] = [];
  let deliveryId: string | null = null;
  for (const [i, job] of jobs.entries()) {
    const mail = prepared.mails[i] as PreparedMail;
    const report = await request.deps.mailDelivery.send(mail, server, request.deadlines);
    outcomes.push({ kind: job.kind, fingerprints: mail.alerts.map((alert) => alert.fingerprint), report });
    if (report.accepted.length > 0) deliveryId ??= report.delivery.id;
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
  claims: readonly Claim[],
  targets: ReadonlyMap<string, Target>,
  plans: readonly RoutePlan[],
): Map<string, string[]> {
  const routeIndex = (c: Claim): number => {
    const route = targets.get(c.key)?.route;
    return route ? plans.indexOf(route) : plans.length;
  };
  const covered = new Map<string, Set<string>>();
  const owed = new Map<string, string[]>();
  // Firing before resolved within a route (the kinds' own order; no locale needed).
  const kindOrder = (c: Claim): number => (c.kind === 'firing' ? 0 : 1);
  const inRouteOrder = [...claims].sort((a, b) => routeIndex(a) - routeIndex(b) || kindOrder(a) - kindOrder(b));
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
