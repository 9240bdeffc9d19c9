/**
 * Minified size of each Lambda bundle, built with esbuild's API and the very options the
 * CDK stack uses (cdk/function.ts BUNDLING), plus what is biggest inside each.
 *
 *   npx tsx bench/bundle-size.ts                   # table
 *   npx tsx bench/bundle-size.ts --top 15          # and the 15 biggest packages per bundle
 *
 * The lazily loaded chunks beside index.js (cdk/function.ts LAZY_CHUNKS: nodemailer, needed only to
 * send a mail) are listed apart. Exits 1 when the ingest's index.js (what every cold start loads) exceeds its budget (cdk/function.ts INGEST_BUNDLE_BUDGET_BYTES).
 */
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLING,
  chunkReference,
  ESBUILD_SUPPORTED,
  INGEST_BUNDLE_BUDGET_BYTES as INGEST_BUDGET,
  LAZY_CHUNKS,
  REPO_ROOT,
} from '../cdk/function';

const FUNCTIONS = [
  { name: 'api', entry: 'functions/api.ts' },
  { name: 'ingest', entry: 'functions/ingest.ts' },
  { name: 'console', entry: 'functions/console.ts' },
] as const;

/** `node_modules/@aws-sdk/client-ses/dist-es/x.js` → `@aws-sdk/client-ses`; own code → its top folder. */
function packageOf(input: string): string {
  const parts = input.split('node_modules/');
  const tail = parts[parts.length - 1] ?? input;
  if (parts.length === 1) return tail.split('/').slice(0, 1).join('/') || tail;
  const segments = tail.split('/');
  return tail.startsWith('@') ? segments.slice(0, 2).join('/') : (segments[0] ?? tail);
}

function biggestPackages(metafile: Metafile): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      totals.set(pkg, (totals.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1] ?? 10) : 0;
  const rows: Array<{
    name: string;
    bytes: number;
    chunks: Array<[string, number]>;
    packages: Array<[string, number]>;
  }> = [];
  for (const fn of FUNCTIONS) {
    // What index.js and the chunks beside it are built with, as the stack builds them.
    const common = {
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: 'node' as const,
      write: false as const,
      logLevel: 'error' as const,
      minify: BUNDLING.minify,
      target: BUNDLING.target,
      format: BUNDLING.format,
      mainFields: [...BUNDLING.mainFields],
      external: [...BUNDLING.externalModules],
      supported: { ...ESBUILD_SUPPORTED },
    };
    const result = await build({
      ...common,
      entryPoints: [path.join(REPO_ROOT, fn.entry)],
      outfile: path.join(REPO_ROOT, 'cdk.out', 'bench', fn.name, 'index.js'),
      metafile: true,
      sourcemap: BUNDLING.sourceMap,
      sourcesContent: BUNDLING.sourcesContent,
    });
    const js = result.outputFiles.find((file) => file.path.endsWith('index.js'));
    // The lazily loaded chunks it refers to, built beside index.js by the stack (cdk/function.ts LAZY_CHUNKS).
    const chunks: Array<[string, number]> = [];
    for (const chunk of LAZY_CHUNKS) {
      if (!js?.text.includes(chunkReference(chunk))) continue;
      const built = await build({
        ...common,
        entryPoints: [path.join(REPO_ROOT, chunk.entry)],
        outfile: path.join(REPO_ROOT, 'cdk.out', 'bench', fn.name, chunk.file),
      });
      chunks.push([chunk.file, built.outputFiles.find((file) => file.path.endsWith('.js'))?.contents.byteLength ?? 0]);
    }
    rows.push({
      name: fn.name,
      bytes: js?.contents.byteLength ?? 0,
      chunks,
      packages: biggestPackages(result.metafile),
    });
  }

  console.log('| function | minified index.js | bytes | beside it, loaded on first use only |');
  console.log('|---|---:|---:|---|');
  for (const row of rows) {
    const chunks = row.chunks.map(([file, bytes]) => `${file} ${kb(bytes)}`).join(', ');
    console.log(`| ${row.name} | ${kb(row.bytes)} | ${row.bytes} | ${chunks} |`);
  }
  if (top > 0) {
    for (const row of rows) {
      console.log(`\n${row.name}: biggest inputs by bytes in the minified output`);
      for (const [pkg, bytes] of row.packages.slice(0, top)) console.log(`  ${kb(bytes).padStart(10)}  ${pkg}`);
    }
  }
  // The budget is what every cold start loads, index.js; each chunk loads with the first request that needs it.
  const ingest = rows.find((row) => row.name === 'ingest');
  const ingestBytes = ingest?.bytes ?? 0;
  const chunkBytes = (ingest?.chunks ?? []).reduce((sum, [, bytes]) => sum + bytes, 0);
  console.log(`\ningest index.js: ${kb(ingestBytes)} (budget ${kb(INGEST_BUDGET)}); its chunks: ${kb(chunkBytes)}`);
  if (ingestBytes > INGEST_BUDGET) {
    console.error(`ingest bundle ${kb(ingestBytes)} exceeds its ${kb(INGEST_BUDGET)} budget`);
    process.exitCode = 1;
  }
}

void main();
