import { type $ZodIssue, type $ZodType, type output, safeParse } from 'zod/v4/core';
import { type ErrorDetail, ValidationError } from './errors';

/** Renders a zod issue path as the dotted field name our errors carry: `server.port`, `alerts[3].labels.severity`. */
export function fieldName(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(body)' : out;
}

/**
 * One detail per offending field. zod reports unknown fields as one issue on the enclosing
 * object; each becomes its own detail on the unknown field (`server.tlsVerify`), so the
 * caller sees which field was refused.
 */
export function issuesToDetails(issues: readonly $ZodIssue[], root = ''): ErrorDetail[] {
  return issues
    .flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a known field' }))
        : [issue],
    )
    .slice(0, 20)
    .map((issue) => ({ field: fieldName(issue.path, root), message: issue.message }));
}

/**
 * Validates `input` against `schema` or throws a ValidationError naming each offending field.
 * Typed on zod's core, so it takes classic and `zod/mini` schemas alike.
 */
export function parseWith<S extends $ZodType>(schema: S, input: unknown, root = '', what = 'request body'): output<S> {
  const result = safeParse(schema, input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues, root);
  const first = details[0];
  throw new ValidationError(first ? `Invalid ${what}: ${first.field}: ${first.message}` : `Invalid ${what}`, details);
}
