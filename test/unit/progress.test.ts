import { alreadyDone, recipientsOwed, settleDeliveries } from '../../lib/domain/progress';
import { MailDeliveryError } from '../../lib/errors';
import type { Claim, NotificationState } from '../../lib/ports';
import type { DeliveryReport } from '../../lib/usecases/mail-delivery';

const HOUR = 3_600_000;
const firing = (fingerprint: string, resume?: boolean, route?: string): Claim => ({
  key: route ? `${route}/${fingerprint}` : fingerprint,
  fingerprint,
  kind: 'firing',
  repeatIntervalMs: HOUR,
  ...(resume ? { resume } : {}),
});
const partial = (key: string, firingSentTo: string[]): NotificationState => ({
  key,
  status: 'partial',
  expiresAt: 4_000_000_000,
  firingSentTo,
  firingProgressAt: 1_000,
});

function report(accepted: string[], rejected: DeliveryReport['rejected'] = [], pending: string[] = []): DeliveryReport {
  return {
    delivery: {
      id: 'd',
      at: '2026-12-02T00:00:00.000Z',
      kind: 'firing',
      alerts: [],
      recipients: [],
      outcome: 'sent',
      error: null,
    },
    accepted,
    rejected,
    pending,
    ...(pending.length > 0 ? { failure: new MailDeliveryError('SMTP_CONNECTION_FAILED', 'refused') } : {}),
  };
}

/** The mails as fingerprints and recipients, for reading. */
const owedMails = (mails: ReturnType<typeof recipientsOwed>) =>
  mails.map((mail) => ({ fingerprints: mail.claims.map((c) => c.fingerprint), recipients: mail.recipients }));

describe('who is still owed a notice', () => {
  it('is everyone, in one mail, when no earlier try reached anyone', () => {
    const owed = owedMails(
      recipientsOwed([firing('a'), firing('b')], new Map(), () => ['x@example.com', 'y@example.com']),
    );

    expect(owed).toEqual([{ fingerprints: ['a', 'b'], recipients: ['x@example.com', 'y@example.com'] }]);
  });

  it('leaves out, per alert, the recipients a resumed notice already reached (case-insensitively)', () => {
    const states = new Map([['a', partial('a', ['x@example.com'])]]);

    const owed = owedMails(
      recipientsOwed([firing('a', true), firing('b')], states, () => ['X@example.com', 'y@example.com']),
    );

    expect(owed).toEqual([
      { fingerprints: ['b'], recipients: ['X@example.com'] },
      { fingerprints: ['a', 'b'], recipients: ['y@example.com'] },
    ]);
  });

  it('ignores recorded progress when the claim starts the notice afresh', () => {
    const states = new Map([['a', partial('a', ['x@example.com'])]]);

    expect(alreadyDone(firing('a'), states.get('a')).size).toBe(0);
    expect([...alreadyDone(firing('a', true), states.get('a'))]).toEqual(['x@example.com']);
  });

  it('reads a resolved notice progress from resolvedSentTo', () => {
    const state: NotificationState = {
      key: 'a',
      status: 'sent',
      expiresAt: 1,
      resolvedSentTo: ['y@example.com'],
    };

    expect([...alreadyDone({ key: 'a', fingerprint: 'a', kind: 'resolved', repeatIntervalMs: HOUR }, state)]).toEqual([
      'y@example.com',
    ]);
  });
});

describe('settling claims from what the mails did', () => {
  const everyone = ['x@example.com', 'y@example.com', 'z@example.com'];

  it('completes a claim every recipient has', () => {
    const settled = settleDeliveries([firing('a')], new Map(), () => everyone, [
      { kind: 'firing', fingerprints: ['a'], report: report(everyone) },
    ]);

    expect(settled).toMatchObject({
      complete: [firing('a')],
      incomplete: [],
      notified: [expect.anything()],
      undeliverable: [],
    });
  });

  it('completes a claim whose only misses are refused for good, and keeps pending ones for a retry', () => {
    const refused = { address: 'z@example.com', reply: '550 no such user', permanent: true };
    const deferred = { address: 'z@example.com', reply: '450 busy', permanent: false };

    const forGood = settleDeliveries([firing('a')], new Map(), () => everyone, [
      { kind: 'firing', fingerprints: ['a'], report: report(['x@example.com', 'y@example.com'], [refused]) },
    ]);
    const forNow = settleDeliveries([firing('a')], new Map(), () => everyone, [
      {
        kind: 'firing',
        fingerprints: ['a'],
        report: report(['x@example.com', 'y@example.com'], [deferred], ['z@example.com']),
      },
    ]);

    expect(forGood).toMatchObject({ complete: [firing('a')], notified: [expect.anything()] });
    expect(forNow).toMatchObject({ complete: [], incomplete: [firing('a')], notified: [] });
    expect(forNow.sentTo.get('a')).toEqual(['x@example.com', 'y@example.com']);
    expect(forNow.failure?.code).toBe('SMTP_CONNECTION_FAILED');
  });

  it('counts a claim nobody accepted and everybody refused for good as undeliverable', () => {
    const refusals = everyone.map((address) => ({ address, reply: '550 gone', permanent: true }));

    const settled = settleDeliveries([firing('a')], new Map(), () => everyone, [
      { kind: 'firing', fingerprints: ['a'], report: report([], refusals) },
    ]);

    expect(settled).toMatchObject({ complete: [firing('a')], notified: [], undeliverable: [expect.anything()] });
  });

  it('adds what a resumed try reached to what the earlier one had, and completes when they cover everyone', () => {
    const states = new Map([['a', partial('a', ['x@example.com', 'y@example.com'])]]);

    const settled = settleDeliveries([firing('a', true)], states, () => everyone, [
      { kind: 'firing', fingerprints: ['a'], report: report(['z@example.com']) },
    ]);

    expect(settled).toMatchObject({ complete: [firing('a', true)], notified: [expect.anything()] });
  });

  it('settles each alert by the mails that carried it', () => {
    const settled = settleDeliveries([firing('a'), firing('b')], new Map(), () => ['x@example.com', 'y@example.com'], [
      { kind: 'firing', fingerprints: ['a', 'b'], report: report(['x@example.com']) },
      { kind: 'firing', fingerprints: ['b'], report: report(['y@example.com']) },
    ]);

    expect(settled.complete).toEqual([firing('b')]);
    expect(settled.incomplete).toEqual([firing('a')]);
    expect(settled.sentTo.get('a')).toEqual(['x@example.com']);
  });

  it('counts a notice another route of the request delivered, but settles each claim on its own share', () => {
    const payments = firing('a', false, 'payments');
    const database = firing('a', false, 'database');
    const shares = new Map([
      [payments.key, ['x@example.com', 'y@example.com']],
      [database.key, ['z@example.com']],
    ]);
    const owedTo = (c: Claim) => shares.get(c.key) ?? [];

    const settled = settleDeliveries([payments, database], new Map(), owedTo, [
      { kind: 'firing', fingerprints: ['a'], report: report(['x@example.com'], [], ['y@example.com']) },
      { kind: 'firing', fingerprints: ['a'], report: report(['z@example.com']) },
    ]);

    expect(settled.complete).toEqual([database]);
    expect(settled.incomplete).toEqual([payments]);
    // z@ has it from the database route's mail: a retry of payments must not send it again.
    expect(settled.sentTo.get(payments.key)).toEqual(['x@example.com', 'z@example.com']);
  });

  it('does not count a resolved notice as the firing one', () => {
    const settled = settleDeliveries([firing('a')], new Map(), () => ['x@example.com'], [
      { kind: 'resolved', fingerprints: ['a'], report: report(['x@example.com']) },
    ]);

    expect(settled.incomplete).toEqual([firing('a')]);
  });
});
