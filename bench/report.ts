/**
 * The bench's tables, and their place in BENCHMARKS.md. The file is read, only the sections the
 * bench owns (AUTO_SECTIONS) are replaced, and every other section (`## Bundle sizes`, the
 * hand-written analysis) is kept byte for byte.
 */

import { promises as fs } from 'node:fs';
import { INGEST_BUNDLE_BUDGET_BYTES as INGEST_BUDGET } from '../cdk/function';
import type { ColdStartRow } from './cold-start';
import { alertmanagerMonthly, type CountedShape, costOf, PRICES_AS_OF } from './cost';
import type { InboxLatency } from './latency';
import { type LoopResult, median } from './load';
import type { ProfileSummary } from './profile';

export interface BenchReport {
  readonly date: string;
  readonly command: string;
  readonly machine: { nproc: string; cpuModel: string; memoryGiB: number; node: string; os: string };
  readonly commit: string;
  readonly alertmanagerVersion: string;
  readonly store: string;
  readonly options: {
    reps: number;
    warmupSeconds: number;
    durationSeconds: number;
    connections: number;
    batch: number;
    poolAlerts: number;
  };
  readonly steady: Series;
  readonly batchGet: Series;
  /** Steady state at Prometheus's batch size (64), against 64-key batch reads. */
  readonly steady64: Series;
  /** The multi-route row: the same steady state with the one default route, and with 10 routes (interleaved). */
  readonly oneRoute: Series;
  readonly tenRoutes: Series;
  readonly batchGet64: Series;
  readonly alertmanager: Series;
  readonly steadyAnomalies: number;
  readonly newAlerts: Series;
  readonly rawPut: Series;
  /** The same conditional puts, 100 per TransactWriteItems (the form alertmail's claims take). */
  readonly rawTransact: Series;
  readonly newAnomalies: number;
  readonly newMails: number;
  readonly latency: {
    posts: number;
    errors: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    responseP50Ms: number;
    /** POST → the SMTP connection arriving at the server. */
    untilConnectP50Ms: number;
    /** The SMTP session: connection → message accepted. */
    sessionP50Ms: number;
    /** Mails sent over a connection kept from an earlier one (no split for those). */
    keptConnections: number;
  };
  /** Alertmail and Alertmanager to the same aiosmtpd, one run (bench/latency.ts); absent when not measured. */
  readonly inbox?: InboxLatency;
  /** The cost pass's counts per request shape (bench/store-counts.ts); empty when not measured. */
  readonly counted?: readonly CountedShape[];
  readonly coldStarts: readonly ColdStartRow[];
  readonly bundlingSource: string;
  readonly memory: {
    peakRss: number;
    peakRssMedian: number;
    peakHeapUsed: number;
    lifetimeMaxRss: number;
    startupRss: number;
    others: Readonly<Record<string, number>>;
  };
  readonly profile: ProfileSummary;
  readonly coldProfile?: ProfileSummary;
  readonly profileFile: string;
  readonly elapsedSeconds: number;
}

interface Series {
  readonly runs: readonly LoopResult[];
  readonly cpu: ReadonlyArray<Readonly<Record<string, number>>>;
}

export const RESULTS_HEADING = '## Results (`npm run bench`)';
export const PROFILE_HEADING = '## Profile: steady-state ingest (`npm run bench`)';
const AUTO_SECTIONS = [RESULTS_HEADING, PROFILE_HEADING];
/** Where new auto sections go: before the first of these that exists, else at the end. */
const BEFORE = ['## Bundle sizes'];

const COLD_START_LIMIT = 3;

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;
const mb = (bytes: number) => `${fmt(bytes / 1024 ** 2, 0)} MB`;
const ms = (value: number) => `${fmt(value, value < 10 ? 1 : 0)} ms`;
const verdict = (pass: boolean) => (pass ? '**PASS**' : '**FAIL**');

function rate(series: Series): number {
  return median(series.runs.map((run) => run.rate));
}

function reps(series: Series): string {
  return series.runs.map((run) => fmt(run.rate)).join(' / ');
}

/** Ratio of two series repetition by repetition (they ran seconds apart), then the median: robust to drift in machine load. */
function paired(a: Series, b: Series): { ratio: number; list: string } {
  const ratios = a.runs.map((run, i) => run.rate / (b.runs[i]?.rate ?? Number.NaN));
  return { ratio: median(ratios), list: ratios.map((x) => fmt(x, 2)).join(' / ') };
}

function errors(series: Series): number {
  return series.runs.reduce((sum, run) => sum + run.errors, 0);
}

/** Cores each process used, and its CPU time per 1000 units (cores ÷ rate): steadier than rates on a shared machine. */
function cpu(series: Series): string {
  const names = Object.keys(series.cpu[0] ?? {});
  return names
    .map((name) => ({
      name,
      cores: median(series.cpu.map((c) => c[name] ?? 0)),
      perK: median(series.cpu.map((c, i) => ((c[name] ?? 0) / (series.runs[i]?.rate ?? Number.NaN)) * 1e6)),
    }))
    .filter((entry) => entry.cores >= 0.02)
    .map((entry) => `${entry.name} ${fmt(entry.cores, 2)} (${fmt(entry.perK, 0)} ms/1k)`)
    .join(', ');
}

export interface RenderedReport {
  readonly table: string;
  readonly profile: string;
}

export function renderReport(r: BenchReport): RenderedReport {
  const steady = rate(r.steady);
  const keys = rate(r.batchGet);
  const am = rate(r.alertmanager);
  const fresh = rate(r.newAlerts);
  const puts = rate(r.rawPut);
  const bare = r.coldStarts[0];
  const ingest = r.coldStarts.find((row) => row.name === 'ingest');
  // The budget counts everything the function ships: index.js and the chunk it loads on first use (nodemailer).
  // The budget is what every cold start loads (index.js); the chunks load with the first request needing each.
  const ingestBytes = ingest?.bytes ?? Number.NaN;
  const vsKeys = paired(r.steady, r.batchGet);
  const vsAm = paired(r.steady, r.alertmanager);
  const vs64 = paired(r.steady64, r.batchGet64);
  const vsRoutes = paired(r.tenRoutes, r.oneRoute);
  const vsPuts = paired(r.newAlerts, r.rawPut);
  const vsTransact = paired(r.newAlerts, r.rawTransact);
  const coldRatio = (row: ColdStartRow | undefined) => (row && bare ? row.wallMs / bare.wallMs : Number.NaN);

  const lines: string[] = [];
  lines.push(RESULTS_HEADING, '');
  lines.push(
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC at commit ${r.commit}, command \`${r.command}\`` +
      ` (${fmt(r.elapsedSeconds)} s). Machine: \`nproc\` ${r.machine.nproc} (${r.machine.cpuModel}),` +
      ` ${fmt(r.machine.memoryGiB, 1)} GiB RAM, Node ${r.machine.node}, ${r.machine.os}; DynamoDB Local (Java, ${r.store}) and` +
      ` Alertmanager ${r.alertmanagerVersion} (Debian) on the same 2 cores as alertmail and the load generator.`,
    '',
    `Method: one unmeasured warm-up run of every variant (DynamoDB Local's JIT warms per code path), then` +
      ` ${r.options.reps} repetitions, interleaved in alternating order (alertmail, then its references; then the` +
      ' references, then alertmail; ...),' +
      ` each ${r.options.warmupSeconds} s warm-up + ${r.options.durationSeconds} s measured, ${r.options.connections}` +
      ` keep-alive connections (or ${r.options.connections} concurrent SDK calls) in a closed loop, batches of` +
      ` ${r.options.batch} alerts (the Alertmanager API v2 array Prometheus posts, byte-identical for both).` +
      ' Rates are the **median of the repetitions**; a ratio is the median of the per-repetition ratios' +
      ' (alertmail and its reference ran seconds apart; each repetition in parentheses).' +
      ' The machine is shared with other engineers running tests, so single figures move by ±15 %;' +
      ' the ratios compare runs taken seconds apart.',
    '',
    '| # | measure | alertmail | reference (same run) | ratio | target | |',
    '|---|---|---:|---:|---:|---|---|',
  );
  lines.push(
    `| 1 | steady-state ingest, alerts/s (${fmt(r.options.poolAlerts)} alerts, all notified, re-sent) | ${fmt(steady)} | raw \`BatchGetItem\` (consistent, 100 keys, 8 concurrent): ${fmt(keys)} keys/s | ${fmt(vsKeys.ratio, 2)} (${vsKeys.list}) | ≥ 0.70 | ${verdict(vsKeys.ratio >= 0.7)} |`,
    `| 1 | steady-state ingest at Prometheus's batch size (64 alerts per post: config and states in one call) | ${fmt(rate(r.steady64))} | raw \`BatchGetItem\` (consistent, 64 keys, 8 concurrent): ${fmt(rate(r.batchGet64))} keys/s | ${fmt(vs64.ratio, 2)} (${vs64.list}) | (no target) | |`,
    ...(r.tenRoutes.runs.length > 0
      ? [
          `| 1 | steady-state ingest with 10 routes, 100 silences and 10 mute windows configured (through \`POST /v1/routes\`, \`POST /v1/silences\`, \`PUT /v1/mute-windows/{name}\`; none holds an alert now) | ${fmt(rate(r.tenRoutes))} | the same with the default route only: ${fmt(rate(r.oneRoute))} alerts/s | ${fmt(vsRoutes.ratio, 2)} (${vsRoutes.list}) | ≥ 0.80 | ${verdict(vsRoutes.ratio >= 0.8)} |`,
        ]
      : []),
    `| 1 | steady-state ingest vs Alertmanager | ${fmt(steady)} | Alertmanager \`POST /api/v2/alerts\`: ${fmt(am)} alerts/s | ${fmt(vsAm.ratio, 2)} (${vsAm.list}) | ≥ 0.25 | ${verdict(vsAm.ratio >= 0.25)} |`,
    `| 2 | new-alert ingest, alerts/s (100 new per request: claims + 1 email) | ${fmt(fresh)} | raw conditional \`PutItem\` (8 concurrent): ${fmt(puts)} writes/s | ${fmt(vsPuts.ratio, 2)} (${vsPuts.list}) | ≥ 0.70 | ${verdict(vsPuts.ratio >= 0.7)} |`,
    `| 2 | new-alert ingest vs the batched conditional write its claims use | ${fmt(fresh)} | raw \`TransactWriteItems\` (100 conditional puts per call, 8 concurrent): ${fmt(rate(r.rawTransact))} writes/s | ${fmt(vsTransact.ratio, 2)} (${vsTransact.list}) | (no target) | |`,
    `| 3 | POST → SMTP server accepts the email (1 alert, sequential, n=${r.latency.posts}) | p50 ${ms(r.latency.p50Ms)}, p99 ${ms(r.latency.p99Ms)} | max ${ms(r.latency.maxMs)}; HTTP answer p50 ${ms(r.latency.responseP50Ms)}; ${r.latency.keptConnections} of ${r.latency.posts} over a kept connection; p50 split of the others: POST → SMTP connection ${ms(r.latency.untilConnectP50Ms)}, SMTP session ${ms(r.latency.sessionP50Ms)} (smtp-server in-process, its 100 ms greeting pause switched off) | | | |`,
    ...inboxRows(r.inbox),
    `| 4 | ingest bundle (minified index.js, what every cold start loads; beside it the chunks loaded on first use: nodemailer, re2js, LiquidJS, luxon) | ${kb(ingestBytes)} | chunks ${kb(ingest?.lazyBytes ?? 0)} | | < ${kb(INGEST_BUDGET)} | ${verdict(ingestBytes < INGEST_BUDGET)} |`,
  );
  for (const row of r.coldStarts.slice(1)) {
    const ratio = coldRatio(row);
    lines.push(
      `| 4 | cold start ${row.name} (fresh node, require + 1 request) | ${row.error ? 'error' : ms(row.wallMs)} | bare \`node -e 0\`: ${ms(bare?.wallMs ?? Number.NaN)} | ${fmt(ratio, 2)}× | ${
        // The rows of the bundles have the target; the deployed-shape rows (tokens from Secrets Manager) show it as on Lambda.
        row.bytes === undefined ? '(no target) | ' : `< 3× | ${verdict(!row.error && ratio < COLD_START_LIMIT)}`
      } |`,
    );
  }
  lines.push(
    `| 5 | peak RSS of the runtime under steady load | ${mb(r.memory.peakRss)} | at start ${mb(r.memory.startupRss)}; heap used ≤ ${mb(r.memory.peakHeapUsed)} | | | |`,
    '',
  );

  lines.push(...inboxPhases(r.inbox), ...costTables(r.counted ?? []));
  lines.push('### Details', '');
  lines.push(
    '| run | median | repetitions | errors | request p50 / p99 | CPU: cores used (CPU ms per 1000 units), medians |',
    '|---|---:|---|---:|---|---|',
  );
  const detail = (name: string, unit: string, series: Series) => {
    const run = series.runs[Math.floor(series.runs.length / 2)];
    const latencies = series.runs.map((x) => `${ms(x.p50Ms)} / ${ms(x.p99Ms)}`);
    lines.push(
      `| ${name} | ${fmt(rate(series))} ${unit} | ${reps(series)} | ${errors(series)} | ${run ? latencies.join('; ') : ''} | ${cpu(series)} |`,
    );
  };
  detail('alertmail steady state', 'alerts/s', r.steady);
  detail('raw BatchGetItem', 'keys/s', r.batchGet);
  detail('alertmail steady state, 64 per post', 'alerts/s', r.steady64);
  detail('raw BatchGetItem, 64 keys', 'keys/s', r.batchGet64);
  detail('Alertmanager v2 POST', 'alerts/s', r.alertmanager);
  if (r.tenRoutes.runs.length > 0) {
    detail('alertmail steady state, 1 route', 'alerts/s', r.oneRoute);
    detail('alertmail steady state, 10 routes, 100 silences, 10 windows', 'alerts/s', r.tenRoutes);
  }
  detail('alertmail new alerts', 'alerts/s', r.newAlerts);
  detail('raw conditional PutItem', 'writes/s', r.rawPut);
  detail('raw TransactWriteItems (100 puts)', 'writes/s', r.rawTransact);
  lines.push('');
  lines.push(
    `Checks: steady-state answers with \`notified\` ≠ 0: ${r.steadyAnomalies}; new-alert answers with \`notified\` ≠ 100:` +
      ` ${r.newAnomalies}; emails the SMTP sink accepted in the new-alert runs: ${fmt(r.newMails)};` +
      ` latency posts that failed: ${r.latency.errors}.`,
    '',
  );
  lines.push(
    `Cold starts (median of ${bare?.runs ?? 0} fresh processes each, interleaved; bundles built by esbuild with ${r.bundlingSource};` +
      ' the event is served against DynamoDB Local with file secrets, and in the "as deployed" rows with the API tokens read from a Secrets Manager stand-in (bench/cold-start.ts), as a Lambda reads them; ingest posts one already-notified alert, api is' +
      ' `GET /v1/config`, console is `GET /`):',
    '',
    '| function | bundle | cold start | ÷ bare node | require() | first request | with `--enable-source-maps` (as deployed) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const row of r.coldStarts) {
    if (row === bare) {
      lines.push(`| ${row.name} | | ${ms(row.wallMs)} | 1.00× | | | |`);
      continue;
    }
    lines.push(
      `| ${row.name} | ${row.bytes === undefined ? '' : kb(row.bytes)}${row.lazyBytes ? ` + ${kb(row.lazyBytes)} lazy` : ''} | ${row.error ? `error: ${row.error.replace(/\|/g, '/')}` : ms(row.wallMs)} | ${fmt(coldRatio(row), 2)}× | ${ms(row.requireMs ?? Number.NaN)} | ${ms(row.requestMs ?? Number.NaN)} | ${row.wallMsSourceMaps === undefined ? '' : `${ms(row.wallMsSourceMaps)} (${fmt(row.wallMsSourceMaps / (bare?.wallMs ?? Number.NaN), 2)}×)`} |`,
    );
  }
  lines.push('');
  const others = Object.entries(r.memory.others)
    .map(([name, bytes]) => `${name} ${mb(bytes)}`)
    .join(', ');
  lines.push(
    `Memory: the runtime runs in its own process (bench/runtime-child.ts) and samples its RSS every` +
      ` 100 ms (the heap every 500 ms); peak RSS over the steady-state windows ${mb(r.memory.peakRss)} (median of the repetitions'` +
      ` peaks ${mb(r.memory.peakRssMedian)}); getrusage max RSS over its whole life, start-up and the new-alert` +
      ` runs excluded, ${mb(r.memory.lifetimeMaxRss)} at the last steady-state read. Peak RSS of the other processes` +
      ` over the run: ${others}.`,
    '',
  );

  const p = r.profile;
  const profile: string[] = [PROFILE_HEADING, ''];
  profile.push(
    `V8 CPU profile of the runtime process (the same sampling profiler as \`node --cpu-prof\`, 1 ms interval,` +
      ` started through \`node:inspector\` for the load window only, so start-up is not in it) over` +
      ` ${fmt(p.totalMs / 1000, 1)} s of the steady-state load; the main thread was busy ${fmt(p.busyShare * 100)} % of` +
      ` the window. Raw profile: \`${r.profileFile}\` (open in Chrome DevTools or speedscope). Self time:`,
    '',
    '| where | self ms | share |',
    '|---|---:|---:|',
  );
  for (const group of p.groups.slice(0, 14))
    profile.push(`| ${group.name} | ${fmt(group.ms)} | ${fmt(group.share * 100, 1)} % |`);
  profile.push('', 'Top functions by self time:', '', '| function | self ms | share |', '|---|---:|---:|');
  for (const fn of p.functions)
    profile.push(`| \`${fn.name.replace(/\|/g, '\\|')}\` | ${fmt(fn.ms)} | ${fmt(fn.share * 100, 1)} % |`);
  profile.push('');
  const c = r.coldProfile;
  if (c) {
    profile.push(
      `Cold start of ingest under \`node --cpu-prof\` (0.1 ms sampling; the same bundle as deployed but not` +
        ` minified, so frames keep names and map to their package): ${fmt(c.totalMs)} ms profiled, busy` +
        ` ${fmt(c.busyShare * 100)} %. Raw profile: \`cdk.out/bench/ingest-cold-start.cpuprofile\`. Self time by package:`,
      '',
      '| where | self ms | share |',
      '|---|---:|---:|',
    );
    for (const group of c.groups.slice(0, 12))
      profile.push(`| ${group.name} | ${fmt(group.ms, 1)} | ${fmt(group.share * 100, 1)} % |`);
    profile.push('');
  }
  return { table: lines.join('\n'), profile: profile.join('\n') };
}

interface Section {
  readonly heading: string;
  readonly text: string;
}

function splitSections(markdown: string): { preamble: string; sections: Section[] } {
  const parts = markdown.split(/^(?=## )/m);
  const preamble = parts[0]?.startsWith('## ') ? '' : (parts.shift() ?? '');
  return {
    preamble,
    sections: parts.map((text) => ({ heading: text.split('\n', 1)[0]?.trim() ?? '', text })),
  };
}

/** Replaces the bench's own sections in BENCHMARKS.md; every other section stays as it is. */
export async function updateBenchmarksFile(file: string, report: RenderedReport): Promise<void> {
  let current = '# Benchmarks\n\n';
  try {
    current = await fs.readFile(file, 'utf8');
  } catch {
    // a new file
  }
  const { preamble, sections } = splitSections(current);
  const fresh: Record<string, string> = {
    [RESULTS_HEADING]: `${report.table.trimEnd()}\n\n`,
    [PROFILE_HEADING]: `${report.profile.trimEnd()}\n\n`,
  };
  const out = [...sections];
  for (const heading of AUTO_SECTIONS) {
    const text = fresh[heading] ?? '';
    const index = out.findIndex((section) => section.heading === heading);
    if (index >= 0) {
      out[index] = { heading, text };
      continue;
    }
    // New: after our other auto sections, else before the first BEFORE section, else at the end.
    const lastOwn = out.map((s) => AUTO_SECTIONS.includes(s.heading)).lastIndexOf(true);
    const before = out.findIndex((s) => BEFORE.includes(s.heading));
    const at = lastOwn >= 0 ? lastOwn + 1 : before >= 0 ? before : out.length;
    out.splice(at, 0, { heading, text });
  }
  const body = out.map((section) => (section.text.endsWith('\n') ? section.text : `${section.text}\n`)).join('');
  const head = preamble.trim() ? `${preamble.trimEnd()}\n\n` : '# Benchmarks\n\n';
  await fs.writeFile(file, `${head}${body.trimEnd()}\n`);
}

/** Row 3b: alertmail beside Alertmanager, both to Debian's aiosmtpd, in one run. */
function inboxRows(inbox: InboxLatency | undefined): string[] {
  if (!inbox) return [];
  const { alertmail: a, alertmanager: m } = inbox;
  const reused = a.reusedConnections > 0 ? `; ${a.reusedConnections} of ${a.posts} over a kept connection` : '';
  return [
    `| 3 | POST → aiosmtpd accepts the email (1 alert, sequential, n=${a.posts} each, alternating) | p50 ${ms(a.p50Ms)}, p90 ${ms(a.p90Ms)}, p99 ${ms(a.p99Ms)}; HTTP answer p50 ${ms(a.answerP50Ms ?? Number.NaN)}${reused} | Alertmanager (email receiver, \`group_wait: 0s\`): p50 ${ms(m.p50Ms)}, p90 ${ms(m.p90Ms)}, p99 ${ms(m.p99Ms)} | p50 ${fmt(inbox.ratioP50, 2)}×, p90 ${fmt(inbox.ratioP90, 2)}× | p50 ≤ 2× | ${verdict(inbox.ratioP50 <= 2)} |`,
  ];
}

/** Where alertmail's milliseconds go, step by step (lib/phases.ts marks and aiosmtpd's arrival times). */
function inboxPhases(inbox: InboxLatency | undefined): string[] {
  if (!inbox) return [];
  const table = (rows: InboxLatency['alertmailPhases']) => [
    '| step | p50 | p90 | posts |',
    '|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row.step} | ${fmt(row.p50Ms, 2)} ms | ${fmt(row.p90Ms, 2)} ms | ${row.count} |`),
  ];
  return [
    '### Latency, phase by phase',
    '',
    `alertmail, one alert to aiosmtpd (n=${inbox.alertmail.posts}): consecutive events of each post, the runtime's phase marks (lib/phases.ts, on for this row only) and the mail server's own arrival times (bench/aiosmtpd_arrivals.py), on one clock:`,
    '',
    ...table(inbox.alertmailPhases),
    '',
    `Alertmanager, the same alert to the same aiosmtpd (n=${inbox.alertmanager.posts}):`,
    '',
    ...table(inbox.alertmanagerPhases),
    '',
  ];
}

const usd = (value: number) => (value >= 100 ? `$${fmt(value)}` : `$${value.toFixed(value >= 1 ? 2 : 3)}`);

/** The counts per request, and what a million alerts of each shape cost at list prices (bench/cost.ts). */
function costTables(counted: readonly CountedShape[]): string[] {
  if (counted.length === 0) return [];
  const single = counted.find((c) => c.batch === 1 && c.emails > 0);
  // The deliveries log's write units per mail: a lone new alert writes its claim (1) and its `sent` mark (1) besides.
  const deliveryUnits = single ? Math.max(1, (single.writeUnits - 2 * single.alerts) / single.emails) : 1;
  const costs = counted.map((shape) => costOf(shape, deliveryUnits));
  const lines = [
    '### Counts per request, and a million alerts on AWS',
    '',
    "Counted in this run by a proxy in front of DynamoDB Local that asks every call for `ReturnConsumedCapacity` (bench/store-counts.ts; a runtime child of its own, sequential posts). Lambda duration: the request's p50 here (POST → answer), billed at the ingest function's 512 MB on arm64. Prices: " +
      `${PRICES_AS_OF}.`,
    '',
    '| shape | requests | read units / alert | write units / alert | calls per request | emails | request p50 |',
    '|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const c of counted) {
    const calls = Object.entries(c.calls)
      .map(([op, n]) => `${op} ${fmt(n / c.requests, 2)}`)
      .join(', ');
    lines.push(
      `| ${c.name} | ${c.requests} | ${fmt(c.readUnits / c.alerts, 3)} | ${fmt(c.writeUnits / c.alerts, 3)} | ${calls} | ${c.emails} | ${ms(c.requestP50Ms)} |`,
    );
  }
  lines.push(
    '',
    '| shape | HTTP API | Lambda | DynamoDB | SES (ses stacks only) | **per million alerts** (smtp stack) | with SES | first limit to bind (alerts/s) | the next | with SES: its 14 mails/s bind at |',
    '|---|---:|---:|---:|---:|---:|---:|---|---|---:|',
  );
  for (const cost of costs) {
    const [first, second] = Object.entries(cost.limits).sort((a, b) => a[1] - b[1]);
    const m = cost.perMillion;
    const limit = (entry: [string, number] | undefined) => (entry ? `${fmt(entry[1])}: ${entry[0]}` : '');
    lines.push(
      `| ${cost.shape.name} | ${usd(m.api)} | ${usd(m.lambda)} | ${usd(m.dynamo)} | ${usd(m.ses)} | **${usd(m.totalSmtp)}** | ${usd(m.total)} | ${limit(first)} | ${limit(second)} | ${Number.isFinite(cost.sesLimit) ? fmt(cost.sesLimit) : ''} |`,
    );
  }
  lines.push(
    '',
    `Alertmanager as an HA pair on two t4g.small (on demand, 8 GB gp3 each): ${usd(alertmanagerMonthly())} a month at any rate it keeps up with.`,
    '',
  );
  return lines;
}
