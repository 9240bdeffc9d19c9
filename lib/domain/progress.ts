/**
 * Exactly once per recipient: who is still owed a notice, and what a delivery's outcome makes of
 * each claim. Pure functions over the claims, their states (the progress an earlier, partly failed
 * try recorded) and the delivery reports; the ingest applies them.
 */
import type { MailDeliveryError } from '../errors';
import type { Claim, NotificationState } from '../ports';
import type { DeliveryReport } from '../usecases/mail-delivery';

/** One mail to send: these alerts, to these recipients. */
export interface OwedMail {
  readonly fingerprints: readonly string[];
  readonly recipients: readonly string[];
}

/** What one mail did, for the alerts it carried. */
export interface SendOutcome {
  readonly fingerprints: readonly string[];
  readonly report: DeliveryReport;
}

export interface Settlement {
  /** Every recipient has the notice, or refused it for good: mark as sent. */
  readonly complete: readonly Claim[];
  /** Some recipients may still get it on a retry: give back, with who has it. */
  readonly incomplete: readonly Claim[];
  /** For each incomplete claim, the recipients done with it (have it, or refused it for good). */
  readonly sentTo: ReadonlyMap<string, readonly string[]>;
  /** Completed claims whose notice someone has. */
  readonly notified: number;
  /** Completed claims whose notice nobody has: every recipient refused it for good. */
  readonly undeliverable: number;
  /** Why claims are incomplete: the first failure. */
  readonly failure?: MailDeliveryError;
}

/** Addresses compare case-insensitively, as recipients are de-duplicated. */
const addressKey = (address: string): string => address.toLowerCase();

/** Who already has the notice a claim is for: recorded by an earlier try that reached only some recipients. */
export function alreadyDone(claim: Claim, state: NotificationState | undefined): ReadonlySet<string> {
  const recorded = claim.kind === 'firing' ? (claim.resume ? state?.firingSentTo : undefined) : state?.resolvedSentTo;
  return new Set((recorded ?? []).map(addressKey));
}

/**
 * The mails to send: recipients grouped by the alerts they are still owed. Without an earlier
 * partial try (the common case) that is one mail, every alert to every recipient.
 */
export function recipientsOwed(
  claims: readonly Claim[],
  states: ReadonlyMap<string, NotificationState>,
  recipients: readonly string[],
): OwedMail[] {
  const done = claims.map((claim) => [claim.fingerprint, alreadyDone(claim, states.get(claim.fingerprint))] as const);
  const mails = new Map<string, { fingerprints: string[]; recipients: string[] }>();
  for (const recipient of recipients) {
    const owed = done.filter(([, has]) => !has.has(addressKey(recipient))).map(([fingerprint]) => fingerprint);
    if (owed.length === 0) continue;
    const key = owed.join(',');
    const mail = mails.get(key) ?? { fingerprints: owed, recipients: [] };
    mail.recipients.push(recipient);
    mails.set(key, mail);
  }
  return [...mails.values()];
}

/** Settles each claim from what its mails did: complete, or incomplete with who is done. */
export function settleDeliveries(
  claims: readonly Claim[],
  states: ReadonlyMap<string, NotificationState>,
  recipients: readonly string[],
  outcomes: readonly SendOutcome[],
): Settlement {
  const complete: Claim[] = [];
  const incomplete: Claim[] = [];
  const sentTo = new Map<string, string[]>();
  let notified = 0;
  let undeliverable = 0;
  const carried = outcomes.map((outcome) => ({ carries: new Set(outcome.fingerprints), report: outcome.report }));
  for (const claim of claims) {
    const done = new Set(alreadyDone(claim, states.get(claim.fingerprint)));
    let someoneHasIt = done.size > 0;
    for (const { carries, report } of carried) {
      if (!carries.has(claim.fingerprint)) continue;
      for (const address of report.accepted) done.add(addressKey(address));
      for (const refused of report.rejected) if (refused.permanent) done.add(addressKey(refused.address));
      someoneHasIt ||= report.accepted.length > 0;
    }
    if (recipients.every((recipient) => done.has(addressKey(recipient)))) {
      complete.push(claim);
      if (someoneHasIt) notified++;
      else undeliverable++;
    } else {
      incomplete.push(claim);
      sentTo.set(claim.fingerprint, [...done]);
    }
  }
  const failure = outcomes.find((outcome) => outcome.report.failure)?.report.failure;
  return { complete, incomplete, sentTo, notified, undeliverable, ...(failure ? { failure } : {}) };
}
