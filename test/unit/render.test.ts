import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert, Labels } from '../../lib/domain/alerts/model';
import {
  escapeHtml,
  formatDuration,
  formatUtc,
  renderAlertMail,
  renderTestMail,
  SUBJECT_MAX_LENGTH,
  safeHttpUrl,
} from '../../lib/domain/mail/render';
import firingFixture from '../fixtures/alertmanager-0.25-webhook-firing.json';
import resolvedFixture from '../fixtures/alertmanager-0.25-webhook-resolved.json';

const NOW = new Date('2026-11-24T13:29:00Z');

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** The fixture's alerts as the parser would produce them (built here: this test does not depend on the parser). */
function fromWebhook(alerts: readonly WebhookAlert[]): Alert[] {
  return alerts.map((a) => ({
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    status: a.status === 'resolved' ? 'resolved' : 'firing',
    startsAt: new Date(a.startsAt),
    ...(a.endsAt.startsWith('0001-') ? {} : { endsAt: new Date(a.endsAt) }),
    generatorURL: a.generatorURL,
    source: 'alertmanager',
  }));
}

let counter = 0;
function alert(labels: Labels, overrides: Partial<Alert> = {}): Alert {
  counter += 1;
  return {
    fingerprint: counter.toString(16).padStart(16, '0'),
    labels,
    annotations: {},
    status: 'firing',
    startsAt: new Date('2026-11-24T11:00:00Z'),
    source: 'generic',
    ...overrides,
  };
}

/** The HTML without the renderer's zero-width break opportunities, to look for values in it. */
function visible(html: string): string {
  return html.replaceAll('&#8203;', '');
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('renderAlertMail subject', () => {
  it('matches the DESIGN example for the Alertmanager 0.25 firing fixture', () => {
    // Arrange
    const alerts = fromWebhook(firingFixture.body.alerts);

    // Act
    const mail = renderAlertMail('firing', alerts, NOW);

    // Assert
    expect(mail.subject).toBe('[FIRING:2] KubePodCrashLooping (payments, warning)');
  });

  it('says RESOLVED with the count for the resolved fixture', () => {
    const alerts = fromWebhook(resolvedFixture.body.alerts);

    const mail = renderAlertMail('resolved', alerts, NOW);

    expect(mail.subject).toBe('[RESOLVED:2] KubePodCrashLooping (payments, warning)');
  });

  it('names the first two alert names and counts the rest', () => {
    const alerts = ['HighCPU', 'DiskFull', 'HighCPU', 'Latency', 'Errors'].map((name) =>
      alert({ alertname: name, cluster: 'prod-eu', severity: 'critical' }),
    );

    const mail = renderAlertMail('firing', alerts, NOW);

    expect(mail.subject).toBe('[FIRING:5] HighCPU, DiskFull +2 (prod-eu, critical)');
  });

  it('shows only the priority labels common to the batch, in priority order', () => {
    const alerts = [
      alert({ alertname: 'A', severity: 'critical', service: 'checkout', namespace: 'shop', pod: 'p1' }),
      alert({ alertname: 'A', severity: 'critical', service: 'checkout', namespace: 'shop', pod: 'p2' }),
    ];

    const mail = renderAlertMail('firing', alerts, NOW);

    expect(mail.subject).toBe('[FIRING:2] A (shop, checkout, critical)');
  });

  it('omits the parenthesis when no priority label is common', () => {
    const alerts = [alert({ alertname: 'A', severity: 'critical' }), alert({ alertname: 'A', severity: 'info' })];

    const mail = renderAlertMail('firing', alerts, NOW);

    expect(mail.subject).toBe('[FIRING:2] A');
  });

  it('is bounded to SUBJECT_MAX_LENGTH characters with an ellipsis', () => {
    const alerts = [alert({ alertname: 'X'.repeat(400), namespace: 'n'.repeat(100) })];

    const mail = renderAlertMail('firing', alerts, NOW);

    expect(Array.from(mail.subject)).toHaveLength(SUBJECT_MAX_LENGTH);
    expect(mail.subject.endsWith('…')).toBe(true);
    expect(mail.subject.startsWith('[FIRING:1] XXX')).toBe(true);
  });

  it('replaces CR, LF and other control characters in label values so nothing can start a header', () => {
    const alerts = [
      alert({
        alertname: 'Evil\r\nBcc: victim@example.com',
        namespace: 'ns\nX-Injected: 1\u0000\u2028',
        severity: 'warning',
      }),
    ];

    const mail = renderAlertMail('firing', alerts, NOW);

    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(mail.subject).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
    expect(mail.subject).toBe('[FIRING:1] Evil Bcc: victim@example.com (ns X-Injected: 1, warning)');
  });
});

describe('renderAlertMail body', () => {
  it('shows labels common to all alerts once and only the differing labels per alert', () => {
    const alerts = fromWebhook(firingFixture.body.alerts);

    const { html, text } = renderAlertMail('firing', alerts, NOW);

    // common labels: one row each in the HTML, one line each in the text
    for (const name of ['alertname', 'container', 'job', 'namespace', 'severity']) {
      expect(count(html, `>${name}</td>`)).toBe(1);
    }
    expect(count(text, 'job = kube-state-metrics')).toBe(1);
    expect(count(text, 'namespace = payments')).toBe(1);
    // the differing label: once per alert, under each alert
    expect(count(html, '>pod</td>')).toBe(2);
    expect(count(text, 'pod = api-7d9f-0')).toBe(1);
    expect(count(text, 'pod = api-7d9f-1')).toBe(1);
    const commonSection = text.slice(0, text.indexOf('[1/2]'));
    expect(commonSection).toContain('container = api');
    expect(commonSection).not.toContain('pod =');
  });

  it('puts summary as headline and description under it in both parts, for every alert', () => {
    const alerts = fromWebhook(firingFixture.body.alerts);

    const mail = renderAlertMail('firing', alerts, NOW);

    for (const part of [visible(mail.html), mail.text.replace(/\n {4}/g, ' ')]) {
      expect(count(part, 'Pod is crash looping.')).toBeGreaterThanOrEqual(2);
      expect(part).toContain('Pod payments/api-7d9f-0 (api) is in waiting state (reason: CrashLoopBackOff).');
      expect(part).toContain('Pod payments/api-7d9f-1 (api) is in waiting state (reason: CrashLoopBackOff).');
      expect(part.indexOf('Pod is crash looping.')).toBeLessThan(part.indexOf('Pod payments/api-7d9f-0'));
    }
  });

  it('falls back to the alert name as headline when there is no summary', () => {
    const alerts = [
      alert({ alertname: 'DiskFull', severity: 'critical' }, { annotations: { description: 'Disk is full.' } }),
    ];

    const { html, text } = renderAlertMail('firing', alerts, NOW);

    expect(text).toContain('[1/1] CRITICAL | firing for 2h 29m\nDiskFull\n    Disk is full.');
    expect(html).toContain('>DiskFull</div>');
  });

  it('shows start time, duration and source link in both parts', () => {
    const alerts = fromWebhook(firingFixture.body.alerts);
    const source = firingFixture.body.alerts[0]?.generatorURL ?? '';

    const { html, text } = renderAlertMail('firing', alerts, NOW);

    for (const part of [html, text]) {
      expect(part).toContain('2026-11-24 11:15:51 UTC');
      expect(count(part, 'firing for 2h 13m')).toBe(2);
    }
    expect(text).toContain(`Source:\n    ${source}\n`); // a URL too long for the line goes on its own
    expect(html).toContain(`href="${escapeHtml(source)}"`);
  });

  it('says how long a resolved alert lasted and when it ended', () => {
    const alerts = fromWebhook(resolvedFixture.body.alerts);

    const { html, text } = renderAlertMail('resolved', alerts, NOW);

    for (const part of [html, text]) {
      expect(count(part, 'lasted 9m 55s')).toBe(2);
      expect(part).toContain('2026-11-24 11:25:46 UTC');
      expect(part).not.toContain('firing for');
    }
    expect(html).toContain('<td bgcolor="#15803d" style="padding:16px 18px;'); // green header band
    expect(html).not.toContain('<td bgcolor="#b91c1c"'); // no red band
  });

  it('colors the header band red for firing mails', () => {
    const { html } = renderAlertMail('firing', fromWebhook(firingFixture.body.alerts), NOW);

    expect(html).toContain('<td bgcolor="#b91c1c" style="padding:16px 18px;');
  });

  it('shows a severity badge per alert and orders the most severe first', () => {
    const alerts = [
      alert({ alertname: 'Slow', severity: 'info' }, { annotations: { summary: 'slow thing' } }),
      alert({ alertname: 'Down', severity: 'critical' }, { annotations: { summary: 'down thing' } }),
      alert({ alertname: 'Warm', severity: 'warning' }, { annotations: { summary: 'warm thing' } }),
    ];

    const { html, text, subject } = renderAlertMail('firing', alerts, NOW);

    const line = (severity: string, headline: string): number =>
      text.indexOf(`${severity} | firing for 2h 29m\n${headline}\n`);
    expect(line('CRITICAL', 'down thing')).toBeGreaterThan(0);
    expect(line('CRITICAL', 'down thing')).toBeLessThan(line('WARNING', 'warm thing'));
    expect(line('WARNING', 'warm thing')).toBeLessThan(line('INFO', 'slow thing'));
    expect(html.indexOf('>CRITICAL</span>')).toBeLessThan(html.indexOf('>WARNING</span>'));
    expect(html).toContain('>INFO</span>');
    expect(subject).toBe('[FIRING:3] Down, Warm +1');
  });

  it('links other annotations that are http(s) URLs, such as runbook_url', () => {
    const alerts = [
      alert(
        { alertname: 'A' },
        { annotations: { summary: 's', runbook_url: 'https://runbooks.example/a?x=1&y=2', team: 'payments-oncall' } },
      ),
    ];

    const { html, text } = renderAlertMail('firing', alerts, NOW);

    expect(html).toContain('href="https://runbooks.example/a?x=1&amp;y=2"');
    expect(html).toContain('payments-oncall');
    expect(text).toContain('runbook_url: https://runbooks.example/a?x=1&y=2');
    expect(text).toContain('team: payments-oncall');
  });

  it('uses "Labels" rather than "common to all" for a single alert and lists no per-alert labels', () => {
    const alerts = [alert({ alertname: 'A', pod: 'p1' })];

    const { html, text } = renderAlertMail('firing', alerts, NOW);

    expect(text).toContain('Labels:\n  alertname = A\n  pod = p1\n');
    expect(text).not.toContain('common to all');
    expect(count(html, '>pod</td>')).toBe(1);
  });

  it('treats a label missing from some alerts as differing', () => {
    const alerts = [alert({ alertname: 'A', node: 'n1' }), alert({ alertname: 'A' })];

    const { text } = renderAlertMail('firing', alerts, NOW);

    const commonSection = text.slice(0, text.indexOf('[1/2]'));
    expect(commonSection).toContain('alertname = A');
    expect(commonSection).not.toContain('node');
    expect(count(text, 'node = n1')).toBe(1);
  });

  it('keeps a 100-alert mail compact: shared cell styles are set once per table', () => {
    // Arrange: a storm of alerts with the label and annotation sets Prometheus rules commonly carry.
    const alerts = Array.from({ length: 100 }, (_, i) =>
      alert(
        {
          alertname: `KubePodCrashLooping${i % 10}`,
          severity: i % 3 === 0 ? 'critical' : 'warning',
          namespace: `team-${i % 7}`,
          pod: `api-${i}`,
          container: 'server',
          instance: `10.1.0.${i}:9100`,
          job: 'kube-state-metrics',
        },
        {
          annotations: {
            summary: `Pod api-${i} is crash looping`,
            description: 'The container restarted 5 times in the last 10 minutes.',
            runbook_url: 'https://runbooks.example.com/KubePodCrashLooping',
          },
          generatorURL: 'http://prometheus.example.com/graph?g0.expr=kube_pod_container_status_restarts_total',
        },
      ),
    );

    // Act
    const { html } = renderAlertMail('firing', alerts, NOW);

    // Assert: about 3.2 KB per alert (4.5 KB when every cell repeated its styles).
    expect(html.length / alerts.length).toBeLessThan(3_300);
    expect(html.match(/line-height:1\.45/g)?.length).toBeLessThanOrEqual(alerts.length * 2 + 1);
  });

  it('refuses an empty batch', () => {
    expect(() => renderAlertMail('firing', [], NOW)).toThrow(RangeError);
  });
});

describe('renderAlertMail safety', () => {
  const hostile = alert(
    { alertname: '<script>alert(1)</script>', pod: `"><img src=x onerror='alert(2)'>`, team: 'a&b' },
    {
      annotations: {
        summary: '<b>bold</b> "quoted" \'single\'',
        description: '<iframe src="https://evil.example"></iframe>',
        runbook_url: 'javascript:alert(3)',
        dashboard: ' JaVaScRiPt:alert(4)',
        other: 'data:text/html,<script>alert(5)</script>',
      },
      generatorURL: 'javascript:alert(6)',
    },
  );
  const calm = alert({ alertname: 'Calm', pod: 'p2', team: 'a&b' });

  it('HTML-escapes every label and annotation value', () => {
    const html = visible(renderAlertMail('firing', [hostile, calm], NOW).html);

    expect(html).not.toMatch(/<script|<img|<iframe|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=&#39;alert(2)&#39;&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot; &#39;single&#39;');
    expect(html).toContain('&lt;iframe src=&quot;https://evil.example&quot;&gt;&lt;/iframe&gt;');
    expect(html).toContain('a&amp;b');
  });

  it('never links javascript:, data: or other non-http(s) URLs', () => {
    const mail = renderAlertMail('firing', [hostile], NOW, { consoleUrl: 'javascript:alert(7)' });
    const [html, text] = [visible(mail.html), mail.text];

    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual([]);
    expect(html).not.toMatch(/href\s*=\s*["']?\s*(javascript|data):/i);
    // still shown, as inert text
    expect(html).toContain('javascript:alert(3)');
    expect(text).toContain('Source (not a web link): javascript:alert(6)');
    expect(text).not.toContain('Console:');
  });

  it('keeps terminal escapes and other control characters out of the text part', () => {
    const a = alert({ alertname: 'A\u001b[31mRED' }, { annotations: { description: 'line 1\r\nline 2\u0007' } });

    const { text, html } = renderAlertMail('firing', [a], NOW);

    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(text).toContain('    line 1\n    line 2\n');
    expect(html).not.toContain('\u001b');
  });

  it('contains no scripts, remote images or external CSS, and one style sheet: the font and the dark mode', () => {
    const { html } = renderAlertMail('firing', fromWebhook(firingFixture.body.alerts), NOW, {
      consoleUrl: 'https://alertmail.example/',
    });

    expect(html).not.toMatch(/<script|<img|<link|@import|url\(|<iframe|<object|<embed|\son[a-z]+=/i);
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(html).toMatch(
      /<style>table,td\{font-family:[^}]+\}@media \(prefers-color-scheme:dark\)\{[^<]+\}\}<\/style>/,
    );
    expect(html).toContain('max-width:640px');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('href="https://alertmail.example/"');
  });
});

describe('helpers', () => {
  it.each([
    [0, '0s'],
    [-5_000, '0s'],
    [45_000, '45s'],
    [45 * 60_000, '45m'],
    [(9 * 60 + 55) * 1000, '9m 55s'],
    [(2 * 3600 + 13 * 60 + 8) * 1000, '2h 13m'],
    [3 * 3600_000, '3h'],
    [(3 * 86_400 + 4 * 3600 + 59 * 60) * 1000, '3d 4h'],
    [2 * 86_400_000, '2d'],
  ])('formatDuration(%d) is %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('formats times as readable UTC', () => {
    expect(formatUtc(new Date('2026-11-24T11:15:51.467921Z'))).toBe('2026-11-24 11:15:51 UTC');
  });

  it.each([
    ['https://a.example/x', 'https://a.example/x'],
    ['HTTP://A.example', 'http://a.example/'],
    ['javascript:alert(1)', undefined],
    ['java\nscript:alert(1)', undefined],
    ['//evil.example', undefined],
    ['ftp://a.example', undefined],
    ['https://', undefined],
  ])('safeHttpUrl(%j) is %j', (input, expected) => {
    expect(safeHttpUrl(input)).toBe(expected);
  });
});

describe('renderTestMail', () => {
  it('says the SMTP settings work and names the server, escaped in HTML', () => {
    const mail = renderTestMail(NOW, { host: 'smtp.<example>.com', port: 587, security: 'starttls' });

    expect(mail.subject).toBe('alertmail test message');
    expect(mail.text).toContain('Your email settings work');
    expect(mail.text).toContain('smtp.<example>.com on port 587, upgraded to TLS with STARTTLS');
    expect(mail.html).toContain('smtp.&lt;example&gt;.com on port 587');
    expect(mail.html).not.toContain('<example>');
    expect(mail.text).toContain('2026-11-24 13:29:00 UTC');
  });

  it('names SES when the transport is SES', () => {
    const mail = renderTestMail(NOW, { transport: 'ses' });

    expect(mail.text).toContain('Amazon SES');
    expect(mail.html).toContain('Amazon SES');
  });
});

describe('visual check artifact', () => {
  it('writes the fixture batch as test-artifacts/email-firing.html for a person to open', () => {
    const alerts = fromWebhook(firingFixture.body.alerts);
    const { html } = renderAlertMail('firing', alerts, NOW, { consoleUrl: 'https://alertmail.example/' });
    const dir = join(__dirname, '..', '..', 'test-artifacts');

    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'email-firing.html'), html);

    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });
});
