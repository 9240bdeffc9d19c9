/**
 * An opt-in recorder of where a request's milliseconds go (BENCHMARKS.md "Latency, phase by phase").
 * Off unless something calls `recordPhases` (bench/runtime-child.ts does; nothing in a Lambda or
 * `npm start` does): then each `phase(name)` is one no-op test. Marks carry no alert data, only names.
 */
import { performance } from 'node:perf_hooks';

export interface PhaseMark {
  readonly name: string;
  /** Epoch milliseconds with sub-millisecond resolution (performance.timeOrigin + now()), comparable across processes. */
  readonly at: number;
}

let recorder: ((mark: PhaseMark) => void) | undefined;

/** Turns the recorder on (a callback) or off (undefined). */
export function recordPhases(onMark: ((mark: PhaseMark) => void) | undefined): void {
  recorder = onMark;
}

/** Notes that the named step of the current request was reached (only while recording). */
export function phase(name: string): void {
  if (recorder) recorder({ name, at: performance.timeOrigin + performance.now() });
}
