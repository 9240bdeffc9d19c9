import type { z } from 'zod';
import { ValidationError } from '../errors';
import { issuesToDetails } from '../validation';

/**
 * Validates a request body against one of the shared schemas, or throws a ValidationError whose
 * details name every offending field. zod reports unknown fields as one issue on the enclosing
 * object; here each becomes its own issue on the unknown field (`server.tlsVerify`), so an admin
 * sees which field was refused.
 */
export function parseBody<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue): z.core.$ZodIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ ...issue, path: [...issue.path, key], message: 'is not a known field' }))
      : [issue],
  );
  const details = issuesToDetails(issues, root);
  const first = details[0];
  throw new ValidationError(
    first ? `Invalid request body: ${first.field}: ${first.message}` : 'Invalid request body',
    details,
  );
}
