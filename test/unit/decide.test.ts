import {
  isExpired,
  isFiringDue,
  isInFlight,
  isResolvedDue,
  SENT_STATE_RETENTION_MS,
  sentStateExpiresAt,
} from '../../lib/domain/decide';
import { MAX_REPEAT_INTERVAL_MS, MIN_REPEAT_INTERVAL_MS, parseDuration } from '../../lib/domain/durations';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['30s', 30 * S],
    ['1m', M],
    ['30m', 30 * M],
    ['12h', 12 * H],
    ['1d', D],
    ['2w', 14 * D],
    ['1h30m', 90 * M],
    ['1d12h', 36 * H],
    ['1w2d3h4m5s', 7 * D + 2 * D + 3 * H + 4 * M + 5 * S],
    ['0s', 0],
    ['90m', 90 * M],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '12', 'h', '1.5h', '-1h', ' 1h', '1h ', '1H', '30m1h', '1h1h', '1y', '123456h', 'P1D', '1h 30m'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('bounds the repeat interval between 1m and 30d', () => {
    expect(MIN_REPEAT_INTERVAL_MS).toBe(parseDuration('1m'));
    expect(MAX_REPEAT_INTERVAL_MS).toBe(parseDuration('30d'));
  });
});

describe('isFiringDue', () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  const interval = 12 * H;
  const sec = (ms: number) => Math.floor(ms / 1000);
  const sent = (sentAt: number) => ({
    status: 'sent' as const,
    sentAt,
    expiresAt: sentStateExpiresAt(sentAt, interval),
  });

  it('is due when the alert was never notified (or its state was cleared)', () => {
    expect(isFiringDue(undefined, now, interval)).toBe(true);
  });

  it('is due exactly one interval after the last notice, not a millisecond before', () => {
    expect(isFiringDue(sent(now - interval), now, interval)).toBe(true);
    expect(isFiringDue(sent(now - interval + 1), now, interval)).toBe(false);
    expect(isFiringDue(sent(now - interval - 1), now, interval)).toBe(true);
    expect(isFiringDue(sent(now), now, interval)).toBe(false);
  });

  it('uses the current interval: shortening it makes earlier notices due at once', () => {
    const state = sent(now - 2 * H);
    expect(isFiringDue(state, now, 12 * H)).toBe(false);
    expect(isFiringDue(state, now, 1 * H)).toBe(true);
  });

  it('treats an expired item as absent, whether or not TTL has deleted it', () => {
    expect(isFiringDue({ status: 'sent', sentAt: now, expiresAt: sec(now) }, now, interval)).toBe(true);
    expect(isFiringDue({ status: 'sent', sentAt: now, expiresAt: sec(now) - 3600 }, now, interval)).toBe(true);
  });

  it('blocks while a claim is in flight, and frees it when the claim window has passed (a crashed sender)', () => {
    expect(isFiringDue({ status: 'pending', expiresAt: sec(now) + 1 }, now, interval)).toBe(false);
    expect(isFiringDue({ status: 'pending', expiresAt: sec(now) }, now, interval)).toBe(true);
    expect(isFiringDue({ status: 'pending', expiresAt: sec(now) - 1 }, now, interval)).toBe(true);
  });
});

describe('isResolvedDue', () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  const nowSec = Math.floor(now / 1000);

  it('is due once for an alert whose firing notice went out', () => {
    expect(isResolvedDue({ status: 'sent', sentAt: now - H, expiresAt: nowSec + 60 }, now)).toBe(true);
  });

  it('is not due for an alert never notified, still pending, or expired', () => {
    expect(isResolvedDue(undefined, now)).toBe(false);
    expect(isResolvedDue({ status: 'pending', expiresAt: nowSec + 60 }, now)).toBe(false);
    expect(isResolvedDue({ status: 'sent', sentAt: now - H, expiresAt: nowSec }, now)).toBe(false);
  });

  it('waits for a resolved notice in flight elsewhere, and takes over when its window has passed', () => {
    const state = { status: 'sent' as const, sentAt: now - H, expiresAt: nowSec + 60 };
    expect(isResolvedDue({ ...state, resolvingUntil: nowSec + 1 }, now)).toBe(false);
    expect(isResolvedDue({ ...state, resolvingUntil: nowSec }, now)).toBe(true);
  });
});

describe('sent state expiry', () => {
  it('outlives the repeat interval so a late resolved notice still goes out', () => {
    const sentAt = Date.UTC(2026, 0, 1);
    const expiresAt = sentStateExpiresAt(sentAt, 12 * H);
    expect(expiresAt * 1000).toBe(sentAt + 12 * H + SENT_STATE_RETENTION_MS);
    expect(isExpired({ expiresAt }, sentAt + 12 * H + 1)).toBe(false);
    expect(isExpired({ expiresAt }, expiresAt * 1000)).toBe(true);
  });
});

describe('isInFlight', () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  const nowSec = Math.floor(now / 1000);

  it('sees a pending claim inside its window, for either kind, and not once the window has passed', () => {
    expect(isInFlight({ status: 'pending', expiresAt: nowSec + 1 }, 'firing', now)).toBe(true);
    expect(isInFlight({ status: 'pending', expiresAt: nowSec + 1 }, 'resolved', now)).toBe(true);
    expect(isInFlight({ status: 'pending', expiresAt: nowSec }, 'firing', now)).toBe(false);
  });

  it('sees a resolved notice in flight only for resolved alerts', () => {
    const state = { status: 'sent' as const, sentAt: now - H, expiresAt: nowSec + 60, resolvingUntil: nowSec + 1 };
    expect(isInFlight(state, 'resolved', now)).toBe(true);
    expect(isInFlight(state, 'firing', now)).toBe(false);
    expect(isInFlight({ ...state, resolvingUntil: nowSec }, 'resolved', now)).toBe(false);
    expect(isInFlight(undefined, 'firing', now)).toBe(false);
  });
});
