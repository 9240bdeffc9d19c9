/**
 * What every payload format exports (lib/domain/alerts/formats/*.ts), and the one way a body is parsed with
 * one: the fast path first, the schema when the fast path refuses or is unsure.
 */
import type * as Zod from '../../../zod';
import type { Alert, AlertSource } from '../model';
import { isPlainObject, isRecord } from './rules';

/**
 * The fast path's verdict on a body it cannot accept: the path of the first offending field, as the
 * schema's first issue names it. The schema then words the 400 (the fast path writes no message).
 */
export class Refused {
  constructor(readonly path: PropertyKey[]) {}

  /** This refusal, one level down: `(labels) → alerts[3].labels`. */
  under(...prefix: PropertyKey[]): Refused {
    this.path.unshift(...prefix);
    return this;
  }
}

/**
 * The fast path's view of an object in a body: the object when JSON.parse could have made it, refused
 * at `path` when it is no object at all, undefined (not sure) for any other object.
 */
export function objectAt(v: unknown, path: PropertyKey[]): Record<string, unknown> | Refused | undefined {
  if (isPlainObject(v)) return v;
  return isRecord(v) ? undefined : new Refused(path);
}

/** `v`, or its refusal one level down. */
export function within<T>(v: T | Refused, ...prefix: PropertyKey[]): T | Refused {
  return v instanceof Refused ? v.under(...prefix) : v;
}

/**
 * The fast path's answer: the alerts, a refusal, or undefined when the body holds what JSON.parse
 * never makes (another prototype, a symbol key) and only the schema can say what it means.
 */
export type FastVerdict = Alert[] | Refused | undefined;

export interface PayloadFormat {
  /** The name of the file under lib/domain/alerts/formats/ that defines it (`-raw`: SNS raw message delivery). */
  readonly name: string;
  /** What the alerts' `source` says. */
  readonly source: AlertSource;
  /** Whether `body` is meant to be this format (cheap: the envelope's marks only, never the alerts). */
  matches(body: unknown): boolean;
  /** The fast path: straight-line checks of every rule of `schema`, then the alert model. */
  parse(body: unknown, now: Date): FastVerdict;
  /** The slow, exact path: the schema, whose first issue names the offending field in the 400. */
  parseWithSchema(body: unknown, now: Date): Alert[];
  /** The exact shape of the format, built on first use (renders as JSON Schema: lib/domain/alerts/parse.ts `alertPayloadSchema`). */
  readonly schema: () => Zod.ZodMiniType;
}

/** How many payloads the fast path parsed (the others went through the schemas): read by tests and benchmarks. */
export const fastPathStats = { parsed: 0 };

/** `format`'s alerts in `body`: the fast path's when it accepts, else the schema's (or its refusal). */
export function parseAs(format: PayloadFormat, body: unknown, now: Date): Alert[] {
  const fast = format.parse(body, now);
  if (Array.isArray(fast)) {
    fastPathStats.parsed++;
    return fast;
  }
  return format.parseWithSchema(body, now);
}
