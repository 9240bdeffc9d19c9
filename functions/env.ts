/**
 * Deployment configuration, read and validated once at cold start: a missing
 * or malformed variable fails the import loudly instead of the first request.
 *
 * The schema (functions/env-schema.ts) is the definition. Loading zod, building the schema and
 * running it for the first time cost several milliseconds of a cold start, so a well-formed
 * environment (every deployment's) is checked by hand against the same rules and returned as the
 * schema returns it; anything else, a problem or merely something unusual, goes through the
 * schema, which words the refusal. Falling back costs time, never a different result
 * (test/unit/env-fast-path.test.ts compares both).
 */
import { parseDuration } from '../lib/domain/durations';
import type * as z from '../lib/zod';
import type * as EnvSchemaModule from './env-schema';
import type { buildEnvSchema } from './env-schema';

let envSchema: ReturnType<typeof buildEnvSchema> | undefined;

export type DeploymentEnv = z.output<ReturnType<typeof buildEnvSchema>>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): DeploymentEnv {
  const fast = wellFormedEnv(env);
  if (fast) return fast;
  return readEnvWithSchema(env);
}

/** `readEnv` without the fast path: always the schema. Same results; for the differential test. */
export function readEnvWithSchema(env: NodeJS.ProcessEnv = process.env): DeploymentEnv {
  // Loaded here, on first use: esbuild bundles it behind the `require` (zod loads with it).
  envSchema ??= (require('./env-schema') as typeof EnvSchemaModule).buildEnvSchema();
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`alertmail: invalid environment: ${problems}`);
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// The fast path

/** Every key of the schema, in its order (zod writes the output in the order of the shape). */
const KEYS = [
  'ALERTMAIL_CONFIG_TABLE',
  'ALERTMAIL_STATE_TABLE',
  'ALERTMAIL_DELIVERIES_TABLE',
  'ALERTMAIL_SECRETS_BACKEND',
  'ALERTMAIL_SMTP_SECRET_ID',
  'ALERTMAIL_TOKENS_SECRET_ID',
  'ALERTMAIL_DATA_DIR',
  'ALERTMAIL_TRANSPORT',
  'ALERTMAIL_SES_IDENTITY',
  'ALERTMAIL_DEFAULT_REPEAT_INTERVAL',
  'ALERTMAIL_TOKEN_CACHE_SECONDS',
  'ALERTMAIL_DYNAMODB_ENDPOINT',
  'ALERTMAIL_SES_ENDPOINT',
] as const satisfies ReadonlyArray<keyof DeploymentEnv>;

type Key = (typeof KEYS)[number];

/** What the schema's `z.url()` accepts and returns unchanged: a parseable URL with nothing to trim or strip. */
function plainUrl(value: string): boolean {
  if (value !== value.trim() || /[\t\n\r]/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** A cache time the schema turns into the same number: plain decimal digits, 0-3600. */
const CACHE_SECONDS = /^(?:0|[1-9]\d{0,3})$/;

/**
 * The environment as the schema returns it when every variable is well formed; undefined on
 * anything else (a missing or invalid variable, a value that is not a string, a known key present
 * with the value undefined) so that the schema decides. It checks every rule of the schema. Exported for
 * the differential test.
 */
export function wellFormedEnv(env: NodeJS.ProcessEnv): DeploymentEnv | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const raw: Partial<Record<Key, string>> = {};
  for (const key of KEYS) {
    if (!(key in env)) continue;
    const value: unknown = env[key];
    // An own key holding undefined, a number, …: the schema's business.
    if (typeof value !== 'string') return undefined;
    raw[key] = value;
  }
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = raw[key];
    switch (key) {
      case 'ALERTMAIL_CONFIG_TABLE':
      case 'ALERTMAIL_STATE_TABLE':
      case 'ALERTMAIL_DELIVERIES_TABLE':
        if (!value) return undefined;
        out[key] = value;
        break;
      case 'ALERTMAIL_SECRETS_BACKEND':
        if (value !== 'secretsmanager' && value !== 'file') return undefined;
        out[key] = value;
        break;
      case 'ALERTMAIL_SMTP_SECRET_ID':
      case 'ALERTMAIL_TOKENS_SECRET_ID':
      case 'ALERTMAIL_DATA_DIR':
      case 'ALERTMAIL_SES_IDENTITY':
        if (value === undefined) break;
        if (value === '') return undefined;
        out[key] = value;
        break;
      case 'ALERTMAIL_TRANSPORT':
        if (value === undefined) out[key] = 'smtp';
        else if (value === 'smtp' || value === 'ses') out[key] = value;
        else return undefined;
        break;
      case 'ALERTMAIL_DEFAULT_REPEAT_INTERVAL': {
        const interval = value ?? '12h';
        if (parseDuration(interval) === undefined) return undefined;
        out[key] = interval;
        break;
      }
      case 'ALERTMAIL_TOKEN_CACHE_SECONDS':
        if (value === undefined) out[key] = 60;
        else if (CACHE_SECONDS.test(value) && Number(value) <= 3600) out[key] = Number(value);
        else return undefined;
        break;
      case 'ALERTMAIL_DYNAMODB_ENDPOINT':
      case 'ALERTMAIL_SES_ENDPOINT':
        if (value === undefined) break;
        if (!plainUrl(value)) return undefined;
        out[key] = value;
        break;
    }
  }
  // The schema's cross-field rule.
  if (out.ALERTMAIL_SECRETS_BACKEND === 'secretsmanager') {
    if (!out.ALERTMAIL_SMTP_SECRET_ID || !out.ALERTMAIL_TOKENS_SECRET_ID) return undefined;
  } else if (!out.ALERTMAIL_DATA_DIR) {
    return undefined;
  }
  return out as DeploymentEnv;
}
