/**
 * The shipped `default` template and the built-in renderer make the same mail (whitespace aside):
 * over every fixture and generated set of test/fixtures/mail-sets.ts, with and without a console
 * URL, and over alert sets fast-check generates (hostile values included). The built-in renderer
 * is the fast path for an unedited `default` (BENCHMARKS.md, issue 18); this test is why the two
 * copies may exist.
 */
import fc from 'fast-check';
import type { Alert } from '../../lib/domain/alerts/model';
import { renderAlertMail } from '../../lib/domain/mail/render';
import { templateContext } from '../../lib/domain/mail/templates/context';
import { SHIPPED_DEFAULT_TEMPLATE } from '../../lib/domain/mail/templates/default-template';
import { renderTemplate } from '../../lib/domain/mail/templates/liquid-engine';
import { MAIL_NOW, mailSets } from '../fixtures/mail-sets';

/** Whitespace aside: none beside a tag, runs of it one space, none at the ends of lines. */
function normalized(value: string): string {
  return value
    .replace(/\s*(<[^>]*>)\s*/g, '$1')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\s+/g, ' ')
    .trim();
}

function both(kind: 'firing' | 'resolved', alerts: readonly Alert[], now: Date, consoleUrl?: string) {
  const builtIn = renderAlertMail(kind, alerts, now, { consoleUrl });
  const liquid = renderTemplate(SHIPPED_DEFAULT_TEMPLATE, templateContext(kind, alerts, now, { consoleUrl }));
  return { builtIn, liquid };
}

describe('the shipped default template renders the built-in mail', () => {
  for (const set of mailSets()) {
    for (const consoleUrl of [undefined, 'https://alertmail.example.com/']) {
      test(`${set.name}${consoleUrl ? ', with the console URL' : ''}`, () => {
        const { builtIn, liquid } = both(set.kind, set.alerts, MAIL_NOW, consoleUrl);
        expect(liquid.subject).toBe(builtIn.subject);
        expect(liquid.text).toBe(builtIn.text);
        expect(normalized(liquid.html)).toBe(normalized(builtIn.html));
      });
    }
  }

  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      'critical',
      'warning',
      'info',
      'https://grafana.example.com/d/x?a=1&b=<2>',
      '{{ now }}',
      '{% raw %}',
      '<b>x</b>\r\nBcc: x@example.com',
      'a'.repeat(90),
    ),
  );
  const labelName = fc.constantFrom(
    'alertname',
    'severity',
    'namespace',
    'pod',
    'instance',
    'job',
    'cluster',
    'service',
    'x-y',
  );
  const annotationName = fc.constantFrom('summary', 'description', 'message', 'runbook_url', 'dashboard');
  const alert = fc.record({
    labels: fc.dictionary(labelName, value, { maxKeys: 6 }),
    annotations: fc.dictionary(annotationName, value, { maxKeys: 4 }),
    resolved: fc.boolean(),
    startsMinutesAgo: fc.integer({ min: -5, max: 10_000 }),
    generatorURL: fc.option(fc.oneof(fc.webUrl(), value), { nil: undefined }),
  });

  test('generated alert sets (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(alert, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('firing', 'resolved'),
        fc.boolean(),
        (drafts, kind, withConsole) => {
          const alerts: Alert[] = drafts.map((d, i) => ({
            fingerprint: i.toString(16).padStart(16, '0'),
            labels: d.labels,
            annotations: d.annotations,
            status: d.resolved ? 'resolved' : 'firing',
            startsAt: new Date(MAIL_NOW.getTime() - d.startsMinutesAgo * 60_000),
            ...(d.resolved ? { endsAt: new Date(MAIL_NOW.getTime() - 60_000) } : {}),
            ...(d.generatorURL === undefined ? {} : { generatorURL: d.generatorURL }),
            source: 'generic',
          }));
          const { builtIn, liquid } = both(
            kind,
            alerts,
            MAIL_NOW,
            withConsole ? 'https://console.example.com/' : undefined,
          );
          expect(liquid.subject).toBe(builtIn.subject);
          expect(liquid.text).toBe(builtIn.text);
          expect(normalized(liquid.html)).toBe(normalized(builtIn.html));
        },
      ),
      { numRuns: 150 },
    );
  });
});
