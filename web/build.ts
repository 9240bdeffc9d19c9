/**
 * Builds the console into web/dist: main.tsx (Preact, TSX) bundled and
 * minified by esbuild (browser, iife), styles.css minified, icon.svg copied,
 * and index.html pre-rendered from the same components (web/prerender.tsx),
 * written to web/index.html too so the markup is in the repository to read.
 * `functions/console.ts` serves exactly these files; the CDK bundle copies
 * web/dist to `<bundle>/web`. Prints the sizes (raw and gzip) it produced.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { renderDocument } from './prerender';

const webDir = __dirname;
const outDir = path.join(webDir, 'dist');
/** What the console's CSP and the browsers we support allow. */
const target = ['es2022', 'chrome111', 'firefox113', 'safari16.4'];

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(webDir, 'main.tsx')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    format: 'iife',
    platform: 'browser',
    target,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [path.join(webDir, 'styles.css')],
    outfile: path.join(outDir, 'styles.css'),
    bundle: true,
    minify: true,
    target,
    logLevel: 'warning',
  });
  writeFileSync(path.join(webDir, 'index.html'), renderDocument());
  for (const file of ['index.html', 'icon.svg']) copyFileSync(path.join(webDir, file), path.join(outDir, file));

  const sizes = ['app.js', 'styles.css', 'index.html', 'icon.svg'].map((file) => {
    const bytes = readFileSync(path.join(outDir, file));
    return `${file} ${bytes.length} B (gzip ${gzipSync(bytes, { level: 9 }).length} B)`;
  });
  console.log(`web/dist: ${sizes.join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
