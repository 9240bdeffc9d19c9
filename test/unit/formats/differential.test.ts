/**
 * Each payload format's two paths against each other: the fast path (`format.parse`) and the schema
 * (`format.parseWithSchema`). For the captured payloads and for generated ones, valid and invalid,
 * both accept with deep-equal alerts (keys in the same order), or both refuse and the fast path's
 * refusal names the field the schema's first detail names. Bodies are decoded from JSON, as the
 * runtime decodes them: on those the fast path always decides (it is unsure only of objects
 * JSON.parse never makes).
 */
import fc from 'fast-check';
import { alertmanagerV2 } from '../../../lib/domain/alerts/formats/alertmanager-v2';
import { alertmanagerWebhook } from '../../../lib/domain/alerts/formats/alertmanager-webhook';
import { cloudwatchEvent } from '../../../lib/domain/alerts/formats/cloudwatch-event';
import { cloudwatchSns, cloudwatchSnsRaw } from '../../../lib/domain/alerts/formats/cloudwatch-sns';
import { type PayloadFormat, Refused } from '../../../lib/domain/alerts/formats/format';
import { generic } from '../../../lib/domain/alerts/formats/generic';
import { grafana } from '../../../lib/domain/alerts/formats/grafana';
import { PAYLOAD_FORMATS } from '../../../lib/domain/alerts/parse';
import { ValidationError } from '../../../lib/errors';
import { fieldName } from '../../../lib/validation';
import * as fixtures from '../../fixtures';
import { clone, NOW, oddEnvelope, prometheusFamily, wrongType } from './arbitraries';
import {
  mutated,
  oddSnsMessage,
  snsWithMutatedMessage,
  validCloudWatchEvent,
  validCloudWatchSns,
  validCloudWatchSnsMessage,
} from './cloudwatch-arbitraries';

/** Objects as [key, value] entries, so that key order (labels render in it) is compared too. */
function ordered(v: unknown): unknown {
  if (v instanceof Date) return { date: v.getTime() };
  if (Array.isArray(v)) return v.map(ordered);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, ordered(x)]);
  return v;
}

type Verdict = 'accepted' | 'refused' | 'not this format';

/** Asserts both paths of `format` agree on `body` (as JSON decodes it) and says how. */
function agree(format: PayloadFormat, body: unknown, now = NOW): Verdict {
  const input: unknown = clone(body);
  if (!format.matches(input)) return 'not this format';
  const fast = format.parse(input, now);
  let slow: { alerts: unknown } | { error: ValidationError };
  try {
    slow = { alerts: ordered(format.parseWithSchema(input, now)) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    slow = { error };
  }
  if (Array.isArray(fast)) {
    expect(slow).toStrictEqual({ alerts: ordered(fast) });
    return 'accepted';
  }
  expect(fast).toBeInstanceOf(Refused); // never unsure of what JSON.parse makes
  expect('error' in slow).toBe(true);
  if (!(fast instanceof Refused) || !('error' in slow)) return 'refused';
  expect(fieldName(fast.path)).toBe(slow.error.details?.[0]?.field);
  return 'refused';
}

const family = { valid: prometheusFamily(false), invalid: prometheusFamily(true) };

interface Case {
  format: PayloadFormat;
  captures: readonly unknown[];
  valid: fc.Arbitrary<unknown>;
  invalid: fc.Arbitrary<unknown>;
}

const CASES: Case[] = [
  {
    format: alertmanagerV2,
    captures: [fixtures.prometheusV2.firing.body, fixtures.prometheusV2.resolved.body],
    valid: family.valid.alertmanagerV2,
    invalid: fc.oneof(family.invalid.alertmanagerV2, fc.array(wrongType, { maxLength: 3 })),
  },
  {
    format: alertmanagerWebhook,
    captures: [fixtures.alertmanagerFiring.body, fixtures.alertmanagerResolved.body],
    valid: family.valid.alertmanagerWebhook,
    invalid: fc.oneof(family.invalid.alertmanagerWebhook, oddEnvelope),
  },
  {
    format: grafana,
    captures: [fixtures.grafanaFiring],
    valid: family.valid.grafanaOrGeneric,
    invalid: fc.oneof(family.invalid.grafanaOrGeneric, oddEnvelope),
  },
  {
    format: generic,
    captures: [{ alerts: [{ labels: { alertname: 'x' } }] }, { alerts: fixtures.alertmanagerFiring.body.alerts }],
    valid: fc.oneof(family.valid.generic, family.valid.grafanaOrGeneric),
    invalid: fc.oneof(family.invalid.generic, family.invalid.grafanaOrGeneric, oddEnvelope),
  },
  {
    format: cloudwatchEvent,
    captures: [fixtures.cloudwatchEvent],
    valid: validCloudWatchEvent,
    invalid: mutated(validCloudWatchEvent),
  },
  {
    format: cloudwatchSns,
    captures: [fixtures.cloudwatchSns],
    valid: validCloudWatchSns,
    invalid: fc.oneof(mutated(validCloudWatchSns), snsWithMutatedMessage, oddSnsMessage),
  },
  {
    format: cloudwatchSnsRaw,
    captures: [fixtures.cloudwatchSnsMessage],
    valid: validCloudWatchSnsMessage,
    invalid: mutated(validCloudWatchSnsMessage),
  },
];

/** Counts the verdicts over `runs` generated bodies of `arbitrary`. */
function verdictsOver(format: PayloadFormat, arbitrary: fc.Arbitrary<unknown>, numRuns: number) {
  const counts: Record<Verdict, number> = { accepted: 0, refused: 0, 'not this format': 0 };
  fc.assert(
    fc.property(arbitrary, (body) => {
      counts[agree(format, body)]++;
    }),
    { numRuns },
  );
  return counts;
}

it('covers every format of the table', () => {
  expect(CASES.map((c) => c.format.name).sort()).toStrictEqual(PAYLOAD_FORMATS.map((f) => f.name).sort());
});

describe.each(CASES)('$format.name: the fast path and the schema agree', ({ format, captures, valid, invalid }) => {
  it('on the real captures: both accept, with the same alerts', () => {
    for (const body of captures) expect(agree(format, body)).toBe('accepted');
  });

  it('on generated bodies of the format: the same alerts, or both refuse naming the same field', () => {
    const counts = verdictsOver(format, valid, 400);
    // Built from valid parts, a body may still cross a limit (N+1 labels, a refused name): most pass.
    expect(counts.accepted).toBeGreaterThan((400 - counts['not this format']) / 3);
  });

  it('with wrong types, missing fields, out-of-range times and oversized values: both refuse alike', () => {
    const counts = verdictsOver(format, invalid, 800);
    expect(counts.refused).toBeGreaterThan((800 - counts['not this format']) / 4);
  });
});

describe('what JSON.parse never makes', () => {
  it('leaves objects of another prototype to the schema (the fast path is unsure)', () => {
    const labels = Object.assign(Object.create(null), { alertname: 'x' });
    expect(generic.parse({ alerts: [{ labels }] }, NOW)).toBeUndefined();
    expect(cloudwatchEvent.parse({ ...clone(fixtures.cloudwatchEvent), detail: Object.create(null) }, NOW)).toBe(
      undefined,
    );
  });
});
