/**
 * Exactly once per recipient: who is still owed a notice, and what a delivery's outcome makes of
 * each claim. Pure functions over the claims, their states (the progress an earlier, partly failed
 * try recorded) and the delivery reports; the ingest applies them.
 */
import type { MailDeliveryError } from '../errors';
import type { Claim, ClaimKind, NotificationState } from '../ports';
import type { DeliveryReport } from '../usecases/mail-delivery';

/** One mail to send: the notices of these claims, to these recipients. */
export interface OwedMail {
  readonly claims: readonly Claim[];
  readonly recipients: readonly string[];
}

/** What one mail did, for the alerts (fingerprints) whose notice of this kind it carried. */
export interface SendOutcome {
  readonly kind: ClaimKind;
  readonly fingerprints: readonly string[];
  readonly report: DeliveryReport;
}

export interface Settlement {
  /** Every recipient has the notice, or refused it for good: mark as sent. */
  readonly complete: readonly Claim[];
  /** Some recipients may still get it on a retry: give back, with who has it. */
  readonly incomplete: readonly Claim[];
  /** For each incomplete claim (by state key), the recipients done with its notice (have it, or refused it for good), whichever route's mail reached them. */
  readonly sentTo: ReadonlyMap<string, readonly string[]>;
  /** Completed claims whose notice someone has. */
  readonly notified: readonly Claim[];
  /** Completed claims whose notice nobody has: every recipient refused it for good. */
  readonly undeliverable: readonly Claim[];
  /** Why claims are incomplete: the first failure. */
  readonly failure?: MailDeliveryError;
}

/** Addresses compare case-insensitively, as recipients are de-duplicated. */
export const addressKey = (address: string): string => address.toLowerCase();

/** Who already has the notice a claim is for: recorded by an earlier try that reached only some recipients. */
export function alreadyDone(claim: Claim, state: NotificationState | undefined): ReadonlySet<string> {
  const recorded = claim.kind === 'firing' ? (claim.resume ? state?.firingSentTo : undefined) : state?.resolvedSentTo;
  return new Set((recorded ?? []).map(addressKey));
}

/**
 * The mails to send for one route's claims: recipients grouped by the notices they are still owed
 * (`owedTo(claim)`: the route's recipients, less those another route's mail of this request
 * already carries the alert to). Without an earlier partial try (the common case) that is one
 * mail, every alert to every recipient.
 */
export function recipientsOwed(
  claims: readonly Claim[],
  states: ReadonlyMap<string, NotificationState>,
  owedTo: (claim: Claim) => readonly string[],
): OwedMail[] {
  const owedBy = claims.map((claim) => {
    const done = alreadyDone(claim, states.get(claim.key));
    return { claim, owed: owedTo(claim).filter((recipient) => !done.has(addressKey(recipient))) };
  });
  // In the routes' own order of recipients.
  const recipients = new Map<string, string>();
  for (const claim of claims) {
    for (const recipient of owedTo(claim)) {
      if (!recipients.has(addressKey(recipient))) recipients.set(addressKey(recipient), recipient);
    }
  }
  const mails = new Map<string, { claims: Claim[]; recipients: string[] }>();
  for (const [address, recipient] of recipients) {
    const owed = owedBy.filter((o) => o.owed.some((r) => addressKey(r) === address)).map((o) => o.claim);
    if (owed.length === 0) continue;
    const key = owed.map((claim) => claim.key).join(',');
    const mail = mails.get(key) ?? { claims: owed, recipients: [] };
    mail.recipients.push(recipient);
    mails.set(key, mail);
  }
  return [...mails.values()];
}

/**
 * Settles each claim from what the request's mails did: complete when each of its route's
 * recipients (`recipientsOf`) has the alert's notice (from any mail of this request, whichever
 * route's) or refused it for good; incomplete with who is done otherwise.
 */
export function settleDeliveries(
  claims: readonly Claim[],
  states: ReadonlyMap<string, NotificationState>,
  recipientsOf: (claim: Claim) => readonly string[],
  outcomes: readonly SendOutcome[],
): Settlement {
  const delivered = new Map<string, Set<string>>();
  const received = new Set<string>();
  for (const { kind, fingerprints, report } of outcomes) {
    for (const fingerprint of fingerprints) {
      const notice = `${kind}|${fingerprint}`;
      const done = delivered.get(notice) ?? new Set<string>();
      for (const address of report.accepted) done.add(addressKey(address));
      for (const refused of report.rejected) if (refused.permanent) done.add(addressKey(refused.address));
      delivered.set(notice, done);
      if (report.accepted.length > 0) received.add(notice);
    }
  }
  const complete: Claim[] = [];
  const incomplete: Claim[] = [];
  const sentTo = new Map<string, string[]>();
  const notified: Claim[] = [];
  const undeliverable: Claim[] = [];
  for (const claim of claims) {
    const notice = `${claim.kind}|${claim.fingerprint}`;
    const earlier = alreadyDone(claim, states.get(claim.key));
    const now = delivered.get(notice) ?? new Set<string>();
    const recipients = recipientsOf(claim).map(addressKey);
    const done = recipients.filter((address) => earlier.has(address) || now.has(address));
    if (done.length === recipients.length) {
      complete.push(claim);
      if (earlier.size > 0 || received.has(notice)) notified.push(claim);
      else undeliverable.push(claim);
    } else {
      incomplete.push(claim);
      // Everyone who has the notice, from this route or from another route's mail of this request, so
      // the retry, which may find the other route not due, does not send them a second copy.
      sentTo.set(claim.key, [...new Set([...earlier, ...now])]);
    }
  }
  const failure = outcomes.find((outcome) => outcome.report.failure)?.report.failure;
  return { complete, incomplete, sentTo, notified, undeliverable, ...(failure ? { failure } : {}) };
}
