/** Messages between bench/run.ts and bench/runtime-child.ts over the fork IPC channel. */
import type { PhaseMark } from '../lib/phases';

export type ParentMessage =
  | { readonly type: 'mem-reset' }
  | { readonly type: 'mem-read' }
  | { readonly type: 'profile-start' }
  | { readonly type: 'profile-stop'; readonly file: string }
  /** Record the phase marks of lib/phases.ts from now on (the latency row), or stop and send them. */
  | { readonly type: 'phases-start' }
  | { readonly type: 'phases-stop' }
  | { readonly type: 'stop' };

export interface MemoryReport {
  readonly type: 'mem';
  /** Highest RSS sampled (every 100 ms) since the last mem-reset, bytes. */
  readonly peakRss: number;
  readonly peakHeapUsed: number;
  readonly rss: number;
  /** getrusage maxrss over the whole life of the process (start-up included), bytes. */
  readonly lifetimeMaxRss: number;
}

export type ChildMessage =
  | {
      readonly type: 'ready';
      readonly url: string;
      readonly adminToken: string;
      readonly ingestToken: string;
      readonly dataDir: string;
      readonly startupRss: number;
    }
  | MemoryReport
  | { readonly type: 'profile-started' }
  | { readonly type: 'profile-done'; readonly file: string }
  | { readonly type: 'phases-started' }
  | { readonly type: 'phases'; readonly marks: readonly PhaseMark[] }
  | { readonly type: 'error'; readonly message: string };

export function isChildMessage(value: unknown): value is ChildMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
