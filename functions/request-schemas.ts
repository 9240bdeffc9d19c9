/**
 * The request schemas (classic zod, functions/schemas.ts) for the config API's writes, loaded with the
 * first write instead of at a cold start: zod's module set-up and building the schemas cost the
 * api function ~18 ms of its cold start, and its commonest requests (reads) need none of it.
 * esbuild bundles the module behind this `require`, so its top level runs once, on first use.
 */
import type * as Schemas from './schemas';

let loaded: typeof Schemas | undefined;

export function requestSchemas(): typeof Schemas {
  loaded ??= require('./schemas') as typeof Schemas;
  return loaded;
}
