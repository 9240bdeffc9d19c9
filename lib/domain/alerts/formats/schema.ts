/**
 * The schema path's tools for every format: its schemas built with zod on first use, the refusal of
 * a body by its schema (naming the field), and a refusal made before any schema runs.
 */
import type { $ZodType, output } from 'zod/v4/core';
import { type ErrorDetail, ValidationError } from '../../../errors';
import type * as Validation from '../../../validation';
import type * as ZodParts from './zod-parts';

let loadedZod: typeof ZodParts | undefined;

/**
 * zod (the parts in zod-parts.ts), loaded with the first schema: well-formed payloads take the fast
 * path and never need it. Loaded with the ingest bundle and building every schema, it added 5 ms to
 * the ingest's cold `require()` on an idle machine and 12-33 ms under load (interleaved A/B runs of
 * bench/cold-start.ts). The formats' one lazy device: esbuild bundles the module behind the
 * `require`, so its top level runs once, here.
 */
function zod(): typeof ZodParts {
  loadedZod ??= require('./zod-parts') as typeof ZodParts;
  return loadedZod;
}

/** A schema (or a set of them) built with zod on the first call, then the same one every time. */
export function lazySchema<S>(build: (z: typeof ZodParts) => S): () => S {
  let built: S | undefined;
  return () => {
    built ??= build(zod());
    return built;
  };
}

/** lib/validation.ts's parseWith (it loads zod's core), loaded with the schemas. */
export function parseWith<S extends $ZodType>(schema: S, input: unknown, root: string, what: string): output<S> {
  return (require('../../../validation') as typeof Validation).parseWith(schema, input, root, what);
}

/** A refusal made before (or instead of) a schema, as parseWith words its own. */
export function refusal(field: string, message: string): ValidationError {
  const detail: ErrorDetail = { field, message };
  return new ValidationError(`Invalid alert payload: ${field}: ${message}`, [detail]);
}
