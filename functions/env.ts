/**
 * The deployment environment, read once at cold start: a missing or malformed variable fails the
 * import loudly, naming the variable, instead of the first request. One reader: a getter per
 * variable (as Powertools' examples read theirs) and the few checks a value needs.
 */
import { DEFAULT_REPEAT_INTERVAL, parseDuration } from '../lib/domain/durations';

export interface DeploymentEnv {
  readonly ALERTMAIL_CONFIG_TABLE: string;
  readonly ALERTMAIL_STATE_TABLE: string;
  readonly ALERTMAIL_DELIVERIES_TABLE: string;
  /** `secretsmanager` on AWS, `file` for the local runtime (0600 files in ALERTMAIL_DATA_DIR). */
  readonly ALERTMAIL_SECRETS_BACKEND: 'secretsmanager' | 'file';
  /** Secrets Manager secret holding the SMTP password (secretsmanager backend). */
  readonly ALERTMAIL_SMTP_SECRET_ID?: string | undefined;
  /** Secrets Manager secret holding `{"admin":["…"],"ingest":["…"]}` (secretsmanager backend). */
  readonly ALERTMAIL_TOKENS_SECRET_ID?: string | undefined;
  readonly ALERTMAIL_DATA_DIR?: string | undefined;
  readonly ALERTMAIL_TRANSPORT: 'smtp' | 'ses';
  /** The verified SES identity (domain or address) the ses transport sends as. */
  readonly ALERTMAIL_SES_IDENTITY?: string | undefined;
  readonly ALERTMAIL_DEFAULT_REPEAT_INTERVAL: string;
  /** Seconds a token list is cached: rotation takes effect within this time. */
  readonly ALERTMAIL_TOKEN_CACHE_SECONDS: number;
  /** The console's URL (the HTTP API's, ending in `/`): mails link to it ("Silence this", the footer). */
  readonly ALERTMAIL_CONSOLE_URL?: string | undefined;
  /** Local runtime only: the DynamoDB Local endpoint. */
  readonly ALERTMAIL_DYNAMODB_ENDPOINT?: string | undefined;
  /** Local runtime / tests only: the SES endpoint (aws-ses-v2-local). */
  readonly ALERTMAIL_SES_ENDPOINT?: string | undefined;
  /** Tests (or a sovereign cloud) only: Microsoft's login base URL, Google's token URL and the Graph base URL (lib/domain/mail-sign-in.ts). */
  readonly ALERTMAIL_MICROSOFT_LOGIN_URL?: string | undefined;
  readonly ALERTMAIL_GOOGLE_TOKEN_URL?: string | undefined;
  readonly ALERTMAIL_GRAPH_URL?: string | undefined;
}

/** Seconds a token list is cached when ALERTMAIL_TOKEN_CACHE_SECONDS is unset, and the most it may be. */
export const DEFAULT_TOKEN_CACHE_SECONDS = 60;
const MAX_TOKEN_CACHE_SECONDS = 3600;

export function readEnv(env: NodeJS.ProcessEnv = process.env): DeploymentEnv {
  const problems: string[] = [];
  /** The variable's value; undefined when unset; a problem (and undefined) when set but empty. */
  const get = (name: string): string | undefined => {
    const value = env[name];
    if (value === '') problems.push(`${name}: must not be empty`);
    return value || undefined;
  };
  const required = (name: string): string => {
    const value = get(name);
    if (value === undefined && env[name] !== '') problems.push(`${name}: required`);
    return value ?? '';
  };
  const oneOf = <const Value extends string>(name: string, values: readonly Value[], fallback?: Value): Value => {
    const value = fallback === undefined ? required(name) : (get(name) ?? fallback);
    if (value !== '' && !(values as readonly string[]).includes(value))
      problems.push(`${name}: must be one of ${values.join(', ')}, got ${JSON.stringify(value.slice(0, 40))}`);
    return value as Value;
  };
  const url = (name: string): string | undefined => {
    const value = get(name);
    if (value !== undefined && !URL.canParse(value)) problems.push(`${name}: must be a URL`);
    return value;
  };

  const backend = oneOf('ALERTMAIL_SECRETS_BACKEND', ['secretsmanager', 'file']);
  const repeatInterval = get('ALERTMAIL_DEFAULT_REPEAT_INTERVAL') ?? DEFAULT_REPEAT_INTERVAL;
  if (parseDuration(repeatInterval) === undefined)
    problems.push('ALERTMAIL_DEFAULT_REPEAT_INTERVAL: must be a duration like 30m, 12h or 1d');
  const cacheSeconds = get('ALERTMAIL_TOKEN_CACHE_SECONDS') ?? String(DEFAULT_TOKEN_CACHE_SECONDS);
  if (!/^\d{1,4}$/.test(cacheSeconds) || Number(cacheSeconds) > MAX_TOKEN_CACHE_SECONDS)
    problems.push(
      `ALERTMAIL_TOKEN_CACHE_SECONDS: must be a whole number of seconds from 0 to ${MAX_TOKEN_CACHE_SECONDS}`,
    );

  const read: DeploymentEnv = {
    ALERTMAIL_CONFIG_TABLE: required('ALERTMAIL_CONFIG_TABLE'),
    ALERTMAIL_STATE_TABLE: required('ALERTMAIL_STATE_TABLE'),
    ALERTMAIL_DELIVERIES_TABLE: required('ALERTMAIL_DELIVERIES_TABLE'),
    ALERTMAIL_SECRETS_BACKEND: backend,
    ALERTMAIL_SMTP_SECRET_ID: get('ALERTMAIL_SMTP_SECRET_ID'),
    ALERTMAIL_TOKENS_SECRET_ID: get('ALERTMAIL_TOKENS_SECRET_ID'),
    ALERTMAIL_DATA_DIR: get('ALERTMAIL_DATA_DIR'),
    ALERTMAIL_TRANSPORT: oneOf('ALERTMAIL_TRANSPORT', ['smtp', 'ses'], 'smtp'),
    ALERTMAIL_SES_IDENTITY: get('ALERTMAIL_SES_IDENTITY'),
    ALERTMAIL_DEFAULT_REPEAT_INTERVAL: repeatInterval,
    ALERTMAIL_TOKEN_CACHE_SECONDS: Number(cacheSeconds),
    ALERTMAIL_CONSOLE_URL: url('ALERTMAIL_CONSOLE_URL'),
    ALERTMAIL_DYNAMODB_ENDPOINT: url('ALERTMAIL_DYNAMODB_ENDPOINT'),
    ALERTMAIL_SES_ENDPOINT: url('ALERTMAIL_SES_ENDPOINT'),
    ALERTMAIL_MICROSOFT_LOGIN_URL: url('ALERTMAIL_MICROSOFT_LOGIN_URL'),
    ALERTMAIL_GOOGLE_TOKEN_URL: url('ALERTMAIL_GOOGLE_TOKEN_URL'),
    ALERTMAIL_GRAPH_URL: url('ALERTMAIL_GRAPH_URL'),
  };
  // What each secrets backend needs beside it.
  const companions =
    backend === 'secretsmanager' ? (['ALERTMAIL_SMTP_SECRET_ID', 'ALERTMAIL_TOKENS_SECRET_ID'] as const) : [];
  for (const name of companions)
    if (env[name] === undefined) problems.push(`${name}: required with the secretsmanager backend`);
  if (backend === 'file' && env.ALERTMAIL_DATA_DIR === undefined)
    problems.push('ALERTMAIL_DATA_DIR: required with the file backend');

  if (problems.length > 0) throw new Error(`alertmail: invalid environment: ${problems.join('; ')}`);
  return read;
}
