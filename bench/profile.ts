/** Summarises a V8 CPU profile (.cpuprofile, as `node --cpu-prof` writes) by self time. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Share of the window the thread was busy (not idle). */
  readonly busyShare: number;
  readonly functions: readonly ProfileEntry[];
  readonly groups: readonly ProfileEntry[];
}

/** Where a frame's code lives: a package, node internals, our own folders, or a V8 pseudo-frame. */
function groupOf(frame: ProfileNode['callFrame'], repoRoot: string): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native/V8 builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const local = url.replace(/^file:\/\//, '');
  const modules = local.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = local.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? local);
  }
  const relative = local.startsWith(repoRoot) ? local.slice(repoRoot.length + 1) : local;
  return `alertmail ${relative.split('/')[0] ?? relative}/`;
}

function shortLocation(url: string, repoRoot: string): string {
  const local = url.replace(/^file:\/\//, '');
  const modules = local.lastIndexOf('node_modules/');
  if (modules >= 0) return local.slice(modules + 'node_modules/'.length);
  return local.startsWith(repoRoot) ? local.slice(repoRoot.length + 1) : local;
}

/**
 * A non-minified esbuild bundle of our own code: esbuild writes a `// lib/usecases/ingest/service.ts` comment
 * where each module starts, so a line of the bundle maps back to its source file.
 */
export interface BundleMap {
  readonly file: string;
  /** Ascending: the 0-based line where each source file's code starts. */
  readonly modules: ReadonlyArray<{ readonly line: number; readonly source: string }>;
}

export function bundleMap(file: string): BundleMap {
  const modules: Array<{ line: number; source: string }> = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const match = /^\/\/ (\S+\.(?:ts|js|cjs|mjs|json))$/.exec(text);
      if (match?.[1]) modules.push({ line, source: match[1] });
    });
  return { file, modules };
}

function sourceOf(map: BundleMap, line: number): string {
  let source = 'bundle';
  for (const module of map.modules) {
    if (module.line > line) break;
    source = module.source;
  }
  return source;
}

export function summarizeProfile(file: string, repoRoot: string, top = 15, bundle?: BundleMap): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i];
    if (id === undefined) continue;
    // A sample's time is the gap to the next one (DevTools' convention).
    const us = deltas[i + 1] ?? deltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  }
  const functions = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const raw = node.callFrame;
    // Frames of our bundled code: point them at the source file they come from.
    const frame =
      bundle && raw.url.replace(/^file:\/\//, '') === bundle.file
        ? { ...raw, url: `${repoRoot}/${sourceOf(bundle, raw.lineNumber)}`, lineNumber: -1 }
        : raw;
    if (frame.functionName === '(idle)') idle += us;
    const line = frame.lineNumber >= 0 ? `:${frame.lineNumber + 1}` : '';
    const where = frame.url ? ` ${shortLocation(frame.url, repoRoot)}${line}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const group = groupOf(frame, repoRoot);
    groups.set(group, (groups.get(group) ?? 0) + us);
  }
  const entries = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, share: total > 0 ? us / total : 0 }));
  return {
    totalMs: total / 1000,
    busyShare: total > 0 ? (total - idle) / total : 0,
    functions: entries(functions)
      .filter((entry) => entry.name !== '(idle)')
      .slice(0, top),
    groups: entries(groups),
  };
}
