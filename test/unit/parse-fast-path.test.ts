/**
 * The fast path of parseAlertPayload against the schemas alone (parseAlertPayloadWithSchemas):
 * for every generated payload, the same alerts (deep-equal, keys in the same order) or the same
 * refusal (class, message and details). The payloads derive from the captured fixtures, mutated
 * at every rule the schemas check: types, each ALERT_LIMITS edge (N and N+1), label names,
 * timestamps, status, URLs, missing and extra fields.
 */
import fc from 'fast-check';
import { ALERT_LIMITS } from '../../lib/domain/alerts/model';
import { fastPathStats, parseAlertPayload, parseAlertPayloadWithSchemas } from '../../lib/domain/alerts/parse';
import { alertmanagerFiring, grafanaFiring, prometheusV2 } from '../fixtures';
import { clone, NOW, oddEnvelope, payload } from './formats/arbitraries';

const L = ALERT_LIMITS;

// ---------------------------------------------------------------------------------------------
// Comparing results

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function outcome(parse: () => unknown): Outcome {
  try {
    return { ok: true, value: ordered(parse()) };
  } catch (error) {
    const e = error as Error & { details?: unknown };
    return { ok: false, error: { class: e.constructor?.name, message: e.message, details: e.details } };
  }
}

/** Objects as [key, value] entries, so that key order (labels render in it) is compared too. */
function ordered(v: unknown): unknown {
  if (v instanceof Date) return { date: v.getTime() };
  if (Array.isArray(v)) return v.map(ordered);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, ordered(x)]);
  return v;
}

/** Asserts both paths agree on `body`, as built and as decoded from JSON; true when it parsed. */
function agree(body: unknown, now = NOW): boolean {
  const viaJson = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  let parsed = false;
  for (const input of [body, viaJson]) {
    const fast = outcome(() => parseAlertPayload(input, now));
    const slow = outcome(() => parseAlertPayloadWithSchemas(input, now));
    expect(fast).toStrictEqual(slow);
    parsed = fast.ok;
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------

describe('parseAlertPayload: the fast path gives what the schemas give', () => {
  it('valid payloads of every shape: the same alerts, and the fast path parsed every accepted one', () => {
    let runs = 0;
    let accepted = 0;
    const before = fastPathStats.parsed;
    fc.assert(
      fc.property(payload(false), (body) => {
        runs++;
        if (agree(body)) accepted++;
      }),
      { numRuns: 1500 },
    );
    // Built from valid parts, a payload may still cross a limit (N+1, a refused name or timestamp):
    // those fall back. Every accepted one, as built and via JSON, took the fast path.
    expect(accepted).toBeGreaterThan(runs / 3);
    expect(fastPathStats.parsed - before).toBe(2 * accepted);
  });

  it('payloads with wrong types and refused values mixed in: the same alerts or the same refusal', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: payload(true) }, oddEnvelope), (body) => {
        agree(body);
      }),
      { numRuns: 2500 },
    );
  });

  it('takes the fast path for the captured payloads', () => {
    for (const body of [
      prometheusV2.firing.body,
      prometheusV2.resolved.body,
      alertmanagerFiring.body,
      grafanaFiring,
      { alerts: [{ labels: { alertname: 'x' } }] },
    ]) {
      const before = fastPathStats.parsed;
      expect(agree(body)).toBe(true);
      expect(fastPathStats.parsed - before).toBe(2); // as built and via JSON
    }
  });

  it('agrees at the alert-count limit, N and N+1, and on `now` at endsAt', () => {
    const alert = prometheusV2.resolved.body[0];
    for (const n of [L.maxAlertsPerRequest, L.maxAlertsPerRequest + 1]) {
      const alerts = Array.from({ length: n }, () => clone(alert));
      agree(alerts);
      agree({ alerts });
      agree({ ...clone(alertmanagerFiring.body), alerts });
    }
    const endsAt = new Date(prometheusV2.resolved.body[0]?.endsAt ?? '');
    for (const ms of [-1, 0, 1]) agree(prometheusV2.resolved.body, new Date(endsAt.getTime() + ms));
  });

  it('falls back on what JSON cannot make (symbol keys, non-plain objects) and on __proto__ own keys', () => {
    const labels = { alertname: 'x' };
    const proto = JSON.parse('{"alerts": [{"labels": {"__proto__": "x", "a": "b"}}]}');
    const before = fastPathStats.parsed;
    for (const body of [
      { alerts: [{ labels: { ...labels, [Symbol('s')]: 'v' } }] },
      { alerts: [{ labels: Object.assign(Object.create(null), labels) }] },
      { alerts: [Object.assign(Object.create(null), { labels })] },
      { alerts: [{ labels: structuredClone(labels) }] }, // another realm's Object.prototype
      proto,
    ]) {
      expect(outcome(() => parseAlertPayload(body, NOW))).toStrictEqual(
        outcome(() => parseAlertPayloadWithSchemas(body, NOW)),
      );
    }
    expect(fastPathStats.parsed).toBe(before);
    // A non-enumerable name is skipped by both, as the record schema skips it.
    agree({ alerts: [{ labels: Object.defineProperty({ ...labels }, 'hidden', { value: 'v', enumerable: false }) }] });
  });
});
