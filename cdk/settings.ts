/**
 * Deployment settings read from CDK context (`cdk.json` or `-c key=value`), validated
 * before any construct is made: a bad value fails `cdk synth` with every problem listed,
 * instead of deploying something that breaks at the first alert.
 */
import {
  DEFAULT_REPEAT_INTERVAL,
  MAX_REPEAT_INTERVAL_MS,
  MIN_REPEAT_INTERVAL_MS,
  parseDuration,
} from '../lib/domain/durations';

export type Transport = 'smtp' | 'ses';

export interface AlertmailSettings {
  /** `alertmail:transport`: `smtp` (any server, password in Secrets Manager) or `ses` (the Lambda role). */
  readonly transport: Transport;
  /** `alertmail:sesIdentity`: verified SES identity (domain or address); required with `ses`. */
  readonly sesIdentity?: string;
  /** `alertmail:defaultRepeatInterval`: repeat interval until the admin sets one, e.g. `12h`. */
  readonly defaultRepeatInterval: string;
  /** `alertmail:retainData`: keep tables and secrets on `cdk destroy`, with deletion protection (default true). */
  readonly retainData: boolean;
  /** `alertmail:cloudwatchAlarms`: EventBridge rule sending CloudWatch alarm state changes to ingest (default false). */
  readonly cloudwatchAlarms: boolean;
  /** `alertmail:throttleRate`: steady-state requests per second for the whole API (default 50). */
  readonly throttleRate: number;
  /** `alertmail:throttleBurst`: burst capacity in requests (default 100). */
  readonly throttleBurst: number;
  /** `alertmail:alarmEmail`: address subscribed to a new SNS topic that receives the stack's own alarms. */
  readonly alarmEmail?: string;
  /** `alertmail:alarmTopicArn`: an existing SNS topic for the stack's own alarms. */
  readonly alarmTopicArn?: string;
  /** `alertmail:logRetentionDays`: retention of every log group (default 30). */
  readonly logRetentionDays: number;
  /** `alertmail:adoptConfigTable`: name of a retained config table to use instead of creating one. */
  readonly adoptConfigTable?: string;
  /** `alertmail:adoptStateTable`: name of a retained notification-state table to use. */
  readonly adoptStateTable?: string;
  /** `alertmail:adoptDeliveriesTable`: name of a retained deliveries table to use. */
  readonly adoptDeliveriesTable?: string;
  /** `alertmail:adoptSmtpSecret`: complete ARN of a retained SMTP password secret to use. */
  readonly adoptSmtpSecret?: string;
  /** `alertmail:adoptTokensSecret`: complete ARN of a retained tokens secret to use (no new tokens are generated). */
  readonly adoptTokensSecret?: string;
}

export const CONTEXT_KEYS = {
  transport: 'alertmail:transport',
  sesIdentity: 'alertmail:sesIdentity',
  defaultRepeatInterval: 'alertmail:defaultRepeatInterval',
  retainData: 'alertmail:retainData',
  cloudwatchAlarms: 'alertmail:cloudwatchAlarms',
  throttleRate: 'alertmail:throttleRate',
  throttleBurst: 'alertmail:throttleBurst',
  alarmEmail: 'alertmail:alarmEmail',
  alarmTopicArn: 'alertmail:alarmTopicArn',
  logRetentionDays: 'alertmail:logRetentionDays',
  adoptConfigTable: 'alertmail:adoptConfigTable',
  adoptStateTable: 'alertmail:adoptStateTable',
  adoptDeliveriesTable: 'alertmail:adoptDeliveriesTable',
  adoptSmtpSecret: 'alertmail:adoptSmtpSecret',
  adoptTokensSecret: 'alertmail:adoptTokensSecret',
} as const satisfies Record<keyof AlertmailSettings, string>;

/** Log retentions CloudWatch Logs accepts (days). */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A domain (`example.com`) or an address (`alerts@example.com`). */
const SES_IDENTITY = /^(?:[^\s@:/]+@)?(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z]{2,}$/;
/** DynamoDB's table-name rule: a name, not an ARN (the stack builds the ARN in its own account and region). */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/**
 * A secret's complete ARN, with the 6-character suffix Secrets Manager appends: the grants then
 * name exactly that secret (a name or partial ARN would need a `-??????` wildcard).
 */
const SECRET_COMPLETE_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** `tryGetContext` as used here: `-c key=value` always yields strings, cdk.json may yield JSON types. */
export type ContextReader = (key: string) => unknown;

export class InvalidSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`alertmail: invalid CDK context:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidSettingsError';
  }
}

export function readSettings(context: ContextReader): AlertmailSettings {
  const problems: string[] = [];

  const str = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') {
      problems.push(`${key}: must be a string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value.trim();
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`${key}: must be true or false, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return fallback;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${key}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return parsed;
  };

  const transportRaw = str(CONTEXT_KEYS.transport) ?? 'smtp';
  let transport: Transport = 'smtp';
  if (transportRaw === 'smtp' || transportRaw === 'ses') transport = transportRaw;
  else problems.push(`${CONTEXT_KEYS.transport}: must be smtp or ses, got ${JSON.stringify(transportRaw)}`);

  const sesIdentity = str(CONTEXT_KEYS.sesIdentity);
  if (sesIdentity !== undefined && !SES_IDENTITY.test(sesIdentity)) {
    problems.push(
      `${CONTEXT_KEYS.sesIdentity}: must be a domain or an email address, got ${JSON.stringify(sesIdentity)}`,
    );
  }
  if (transport === 'ses' && sesIdentity === undefined) {
    problems.push(
      `${CONTEXT_KEYS.sesIdentity}: required with ${CONTEXT_KEYS.transport}=ses (the verified domain or address to send as)`,
    );
  }

  const defaultRepeatInterval = str(CONTEXT_KEYS.defaultRepeatInterval) ?? DEFAULT_REPEAT_INTERVAL;
  const repeatMs = parseDuration(defaultRepeatInterval);
  if (repeatMs === undefined || repeatMs < MIN_REPEAT_INTERVAL_MS || repeatMs > MAX_REPEAT_INTERVAL_MS) {
    problems.push(
      `${CONTEXT_KEYS.defaultRepeatInterval}: must be a duration from 1m to 30d like 30m, 12h or 1d, got ${JSON.stringify(defaultRepeatInterval)}`,
    );
  }

  const throttleRate = int(CONTEXT_KEYS.throttleRate, 50, 1, 10_000);
  const throttleBurst = int(CONTEXT_KEYS.throttleBurst, 100, 1, 5_000);
  if (throttleBurst < throttleRate) {
    problems.push(
      `${CONTEXT_KEYS.throttleBurst} (${throttleBurst}) must be at least ${CONTEXT_KEYS.throttleRate} (${throttleRate})`,
    );
  }

  const alarmEmail = str(CONTEXT_KEYS.alarmEmail);
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.push(`${CONTEXT_KEYS.alarmEmail}: must be an email address, got ${JSON.stringify(alarmEmail)}`);
  }
  const alarmTopicArn = str(CONTEXT_KEYS.alarmTopicArn);
  if (alarmTopicArn !== undefined && !SNS_TOPIC_ARN.test(alarmTopicArn)) {
    problems.push(`${CONTEXT_KEYS.alarmTopicArn}: must be an SNS topic ARN, got ${JSON.stringify(alarmTopicArn)}`);
  }
  if (alarmEmail !== undefined && alarmTopicArn !== undefined) {
    problems.push(`${CONTEXT_KEYS.alarmEmail} and ${CONTEXT_KEYS.alarmTopicArn}: set one, not both`);
  }

  const logRetentionDays = int(CONTEXT_KEYS.logRetentionDays, 30, 1, 3653);
  if (!RETENTION_DAYS.includes(logRetentionDays)) {
    problems.push(
      `${CONTEXT_KEYS.logRetentionDays}: must be one of ${RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`,
    );
  }

  const tableName = (key: string): string | undefined => {
    const value = str(key);
    if (value !== undefined && !TABLE_NAME.test(value)) {
      problems.push(`${key}: must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -), got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const secretArn = (key: string): string | undefined => {
    const value = str(key);
    if (value !== undefined && !SECRET_COMPLETE_ARN.test(value)) {
      problems.push(
        `${key}: must be a secret's complete ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const adoptConfigTable = tableName(CONTEXT_KEYS.adoptConfigTable);
  const adoptStateTable = tableName(CONTEXT_KEYS.adoptStateTable);
  const adoptDeliveriesTable = tableName(CONTEXT_KEYS.adoptDeliveriesTable);
  const adopted = [adoptConfigTable, adoptStateTable, adoptDeliveriesTable].filter((name) => name !== undefined);
  if (new Set(adopted).size !== adopted.length) {
    problems.push(
      `${CONTEXT_KEYS.adoptConfigTable}, ${CONTEXT_KEYS.adoptStateTable}, ${CONTEXT_KEYS.adoptDeliveriesTable}: each must name a different table`,
    );
  }
  const adoptSmtpSecret = secretArn(CONTEXT_KEYS.adoptSmtpSecret);
  const adoptTokensSecret = secretArn(CONTEXT_KEYS.adoptTokensSecret);
  if (adoptSmtpSecret !== undefined && adoptSmtpSecret === adoptTokensSecret) {
    problems.push(`${CONTEXT_KEYS.adoptSmtpSecret} and ${CONTEXT_KEYS.adoptTokensSecret}: must be different secrets`);
  }

  const settings: AlertmailSettings = {
    transport,
    sesIdentity,
    defaultRepeatInterval,
    retainData: bool(CONTEXT_KEYS.retainData, true),
    cloudwatchAlarms: bool(CONTEXT_KEYS.cloudwatchAlarms, false),
    throttleRate,
    throttleBurst,
    alarmEmail,
    alarmTopicArn,
    logRetentionDays,
    adoptConfigTable,
    adoptStateTable,
    adoptDeliveriesTable,
    adoptSmtpSecret,
    adoptTokensSecret,
  };
  if (problems.length > 0) throw new InvalidSettingsError(problems);
  return settings;
}
