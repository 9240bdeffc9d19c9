/**
 * `npx tsx bench/parse-micro.ts`: parseAlertPayload on the steady-state payload (a 100-alert
 * Alertmanager API v2 array, as bench/run.ts posts it), with the fast path and without it
 * (`parseAlertPayloadWithSchemas`). Prints µs per alert, the median of several rounds.
 *
 * lib/domain/alerts/parse.ts is bundled by esbuild first, as bench/run.ts bundles the runtime: tsx keeps
 * function names (a `__name(…)` call for every local arrow function it creates), which would add
 * a cost the deployed code does not have.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSync } from 'esbuild';
import { makeAlert } from './payloads';

type ParseModule = typeof import('../lib/domain/alerts/parse');

const REPO_ROOT = path.resolve(__dirname, '..');
const bundle = path.join(REPO_ROOT, 'node_modules', '.cache', 'alertmail-bench', 'parse-micro.js');
buildSync({
  entryPoints: [path.join(REPO_ROOT, 'lib', 'alerts', 'parse.ts')],
  absWorkingDir: REPO_ROOT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  outfile: bundle,
  logLevel: 'error',
});
const { fastPathStats, parseAlertPayload, parseAlertPayloadWithSchemas } = require(bundle) as ParseModule;

const BATCH = 100;
const ROUNDS = 15;
const PARSES_PER_ROUND = 200;

function batch(id: string): unknown {
  const now = Date.now();
  const startsAt = new Date(now - 600_000).toISOString();
  const endsAt = new Date(now + 3_600_000).toISOString();
  const alerts = Array.from({ length: BATCH }, (_, i) => makeAlert(id, i, startsAt, endsAt));
  // As the runtime receives it: decoded from the request body.
  return JSON.parse(JSON.stringify(alerts));
}

/** µs per alert: the median over ROUNDS rounds of PARSES_PER_ROUND parses (distinct bodies, reused). */
function measure(parse: (body: unknown, now: Date) => unknown): number {
  const bodies = Array.from({ length: 8 }, (_, b) => batch(`b${b}`));
  const now = new Date();
  const perAlert: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < PARSES_PER_ROUND; i++) parse(bodies[i % bodies.length], now);
    perAlert.push(((performance.now() - start) * 1000) / (PARSES_PER_ROUND * BATCH));
  }
  perAlert.sort((a, b) => a - b);
  return perAlert[Math.floor(perAlert.length / 2)] ?? Number.NaN;
}

// Warm both paths up (JIT) before timing either; then alternate to spread the machine's noise.
measure(parseAlertPayloadWithSchemas);
measure(parseAlertPayload);
const before = fastPathStats.parsed;
const schemas: number[] = [];
const fast: number[] = [];
for (let i = 0; i < 3; i++) {
  schemas.push(measure(parseAlertPayloadWithSchemas));
  fast.push(measure(parseAlertPayload));
}
if (fastPathStats.parsed === before) throw new Error('the fast path parsed nothing: it always fell back');
const best = (xs: number[]) => Math.min(...xs);
console.log(`schemas only (fast path off): ${best(schemas).toFixed(2)} µs/alert`);
console.log(`fast path on:                 ${best(fast).toFixed(2)} µs/alert`);
console.log(`speed-up: ${(best(schemas) / best(fast)).toFixed(2)}×`);
