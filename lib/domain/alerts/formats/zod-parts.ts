/**
 * The parts of zod (lib/zod.ts: zod/mini with English messages) the formats' schemas are built
 * with, loaded by `lazySchema` (format.ts) with the first schema. Named, because a `require` of the
 * whole zod namespace would keep all of zod/mini (every locale) in the bundle.
 */
export {
  array,
  enum,
  globalRegistry,
  literal,
  maxLength,
  minLength,
  nullish,
  object,
  optional,
  pipe,
  record,
  refine,
  string,
  superRefine,
  transform,
  union,
} from '../../../zod';
