/**
 * Render time per mail: the built-in renderer (the fast path of an unedited `default`), the shipped
 * `default` template through LiquidJS (what an edited `default` costs, edits aside), and a small
 * custom template, at 1 and 100 alerts. Also the first render of a process (LiquidJS loaded and the
 * template parsed) and a warm render of an already parsed template.
 *
 *   npx tsx bench/render.ts
 */
import { performance } from 'node:perf_hooks';
import type { Alert } from '../lib/domain/alerts/model';
import { renderAlertMail } from '../lib/domain/mail/render';
import { templateContext } from '../lib/domain/mail/templates/context';
import { SHIPPED_DEFAULT_TEMPLATE } from '../lib/domain/mail/templates/default-template';
import type { MailTemplate } from '../lib/domain/mail/templates/model';
import { hundredAlerts, MAIL_NOW, mailSets } from '../test/fixtures/mail-sets';

const CUSTOM: MailTemplate = {
  subject: '[{{ status | upcase }}] {{ alerts.size }} × {{ commonLabels.alertname | default: "alerts" }}',
  text: '{% for alert in alerts %}* {{ alert | headline }} ({{ alert | duration }}) {{ alert.silenceURL }}\n{% endfor %}',
  html: '<ul>{% for alert in alerts %}<li style="color:{{ alert | severity_color }}">{{ alert | headline }} <a href="{{ alert.silenceURL }}">Silence</a></li>{% endfor %}</ul>',
};
const CONSOLE = 'https://alertmail.example.com/';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(runs: number, fn: () => void): { median: number; p95: number } {
  for (let i = 0; i < Math.min(20, runs); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: median(samples), p95: samples[Math.floor(samples.length * 0.95)] ?? Number.NaN };
}

async function main(): Promise<void> {
  const one: Alert[] = [
    ...(mailSets()
      .find((s) => s.name === 'alertmanager-firing')
      ?.alerts.slice(0, 1) ?? []),
  ];
  const hundred = hundredAlerts();
  const loadStart = performance.now();
  const { renderTemplate, compileTemplate } = await import('../lib/domain/mail/templates/liquid-engine');
  const loadMs = performance.now() - loadStart;
  const parseStart = performance.now();
  compileTemplate(SHIPPED_DEFAULT_TEMPLATE);
  const parseMs = performance.now() - parseStart;

  const rows: string[] = [];
  for (const [label, alerts] of [
    ['1 alert', one],
    ['100 alerts', hundred],
  ] as const) {
    const runs = alerts.length === 1 ? 500 : 50;
    const builtIn = time(runs, () => renderAlertMail('firing', alerts, MAIL_NOW, { consoleUrl: CONSOLE }));
    const liquidDefault = time(runs, () =>
      renderTemplate(SHIPPED_DEFAULT_TEMPLATE, templateContext('firing', alerts, MAIL_NOW, { consoleUrl: CONSOLE })),
    );
    const custom = time(runs, () =>
      renderTemplate(CUSTOM, templateContext('firing', alerts, MAIL_NOW, { consoleUrl: CONSOLE })),
    );
    const f = (t: { median: number; p95: number }) => `${t.median.toFixed(3)} ms (p95 ${t.p95.toFixed(3)})`;
    rows.push(`| ${label} | ${f(builtIn)} | ${f(liquidDefault)} | ${f(custom)} |`);
  }
  console.log(
    `node ${process.version}; LiquidJS engine load ${loadMs.toFixed(1)} ms, parse of the shipped default ${parseMs.toFixed(1)} ms (once per process)`,
  );
  console.log('| mail | built-in renderer | shipped default via LiquidJS | small custom template |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
