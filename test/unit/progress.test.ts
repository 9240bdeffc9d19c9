import { alreadyDone, recipientsOwed, settleDeliveries } from '../../lib/domain/progress';
import { MailDeliveryError } from '../../lib/errors';
import type { Claim, NotificationState } from '../../lib/ports';
import type { DeliveryReport } from '../../lib/usecases/mail-delivery';

const firing = (fingerprint: string, resume?: boolean): Claim => ({
  fingerprint,
  kind: 'firing',
  ...(resume ? { resume } : {}),
});
const partial = (fingerprint: string, firingSentTo: string[]): NotificationState => ({
  fingerprint,
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

describe('who is still owed a notice', () => {
  it('is everyone, in one mail, when no earlier try reached anyone', () => {
    const owed = recipientsOwed([firing('a'), firing('b')], new Map(), ['x@example.com', 'y@example.com']);

    expect(owed).toEqual([{ fingerprints: ['a', 'b'], recipients: ['x@example.com', 'y@example.com'] }]);
  });

  it('leaves out, per alert, the recipients a resumed notice already reached (case-insensitively)', () => {
    const states = new Map([['a', partial('a', ['x@example.com'])]]);

    const owed = recipientsOwed([firing('a', true), firing('b')], states, ['X@example.com', 'y@example.com']);

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
      fingerprint: 'a',
      status: 'sent',
      expiresAt: 1,
      resolvedSentTo: ['y@example.com'],
    };

    expect([...alreadyDone({ fingerprint: 'a', kind: 'resolved' }, state)]).toEqual(['y@example.com']);
  });
});

describe('settling claims from what the mails did', () => {
  const everyone = ['x@example.com', 'y@example.com', 'z@example.com'];

  it('completes a claim every recipient has', () => {
    const settled = settleDeliveries([firing('a')], new Map(), everyone, [
      { fingerprints: ['a'], report: report(everyone) },
    ]);

    expect(settled).toMatchObject({ complete: [firing('a')], incomplete: [], notified: 1, undeliverable: 0 });
  });

  it('completes a claim whose only misses are refused for good, and keeps pending ones for a retry', () => {
    const refused = { address: 'z@example.com', reply: '550 no such user', permanent: true };
    const deferred = { address: 'z@example.com', reply: '450 busy', permanent: false };

    const forGood = settleDeliveries([firing('a')], new Map(), everyone, [
      { fingerprints: ['a'], report: report(['x@example.com', 'y@example.com'], [refused]) },
    ]);
    const forNow = settleDeliveries([firing('a')], new Map(), everyone, [
      { fingerprints: ['a'], report: report(['x@example.com', 'y@example.com'], [deferred], ['z@example.com']) },
    ]);

    expect(forGood).toMatchObject({ complete: [firing('a')], notified: 1 });
    expect(forNow).toMatchObject({ complete: [], incomplete: [firing('a')], notified: 0 });
    expect(forNow.sentTo.get('a')).toEqual(['x@example.com', 'y@example.com']);
    expect(forNow.failure?.code).toBe('SMTP_CONNECTION_FAILED');
  });

  it('counts a claim nobody accepted and everybody refused for good as undeliverable', () => {
    const refusals = everyone.map((address) => ({ address, reply: '550 gone', permanent: true }));

    const settled = settleDeliveries([firing('a')], new Map(), everyone, [
      { fingerprints: ['a'], report: report([], refusals) },
    ]);

    expect(settled).toMatchObject({ complete: [firing('a')], notified: 0, undeliverable: 1 });
  });

  it('adds what a resumed try reached to what the earlier one had, and completes when they cover everyone', () => {
    const states = new Map([['a', partial('a', ['x@example.com', 'y@example.com'])]]);

    const settled = settleDeliveries([firing('a', true)], states, everyone, [
      { fingerprints: ['a'], report: report(['z@example.com']) },
    ]);

    expect(settled).toMatchObject({ complete: [firing('a', true)], notified: 1 });
  });

  it('settles each alert by the mails that carried it', () => {
    const settled = settleDeliveries(
      [firing('a'), firing('b')],
      new Map(),
      ['x@example.com', 'y@example.com'],
      [
        { fingerprints: ['a', 'b'], report: report(['x@example.com']) },
        { fingerprints: ['b'], report: report(['y@example.com']) },
      ],
    );

    expect(settled.complete).toEqual([firing('b')]);
    expect(settled.incomplete).toEqual([firing('a')]);
    expect(settled.sentTo.get('a')).toEqual(['x@example.com']);
  });
});
