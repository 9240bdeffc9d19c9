/**
 * Wiring: the adapters each function needs, built once per process (cold start)
 * from the validated deployment environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { CachedTokenSource, parseTokenDocument } from '../lib/auth';
import { ConfigService } from '../lib/config/service';
import { IngestService } from '../lib/ingest';
import { jsonLogger, type Logger } from '../lib/log';
import { SesMailer } from '../lib/mail/ses-mailer';
import { SmtpMailer } from '../lib/mail/smtp-mailer';
import { Notifier } from '../lib/notifier';
import type { DeliveryLog, Mailer, SecretStore, TokenSource } from '../lib/ports';
import { FileSecretStore } from '../lib/secrets/file-secret-store';
import { SecretsManagerSecretStore } from '../lib/secrets/secrets-manager-store';
import { DynamoConfigStore } from '../lib/store/dynamo-config-store';
import { DynamoDeliveryLog } from '../lib/store/dynamo-delivery-log';
import { DynamoNotificationStateStore } from '../lib/store/dynamo-state-store';
import { type DeploymentEnv, readEnv } from './env';

export interface App {
  readonly env: DeploymentEnv;
  readonly config: ConfigService;
  readonly ingest: IngestService;
  readonly notifier: Notifier;
  readonly deliveries: DeliveryLog;
  readonly tokens: TokenSource;
  readonly log: Logger;
}

export function createApp(env: DeploymentEnv, options: { log?: Logger; clock?: () => Date } = {}): App {
  const log = options.log ?? jsonLogger();
  const clock = options.clock ?? (() => new Date());
  const local = env.ALERTMAIL_DYNAMODB_ENDPOINT !== undefined;
  // Local endpoints accept any credentials; on AWS the SDK's default chain (the Lambda role) applies.
  const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({
    endpoint: env.ALERTMAIL_DYNAMODB_ENDPOINT,
    ...(local ? { region: process.env.AWS_REGION ?? 'us-east-1', credentials: localCredentials } : {}),
    maxAttempts: 5,
  });

  const secrets: SecretStore =
    env.ALERTMAIL_SECRETS_BACKEND === 'secretsmanager'
      ? new SecretsManagerSecretStore(new SecretsManagerClient({}), {
          'smtp-password': env.ALERTMAIL_SMTP_SECRET_ID ?? '',
          'api-tokens': env.ALERTMAIL_TOKENS_SECRET_ID ?? '',
        })
      : new FileSecretStore(env.ALERTMAIL_DATA_DIR ?? '.data');
  const loadTokens = async () => parseTokenDocument((await secrets.get('api-tokens')) ?? '{}');

  const mailer: Mailer =
    env.ALERTMAIL_TRANSPORT === 'ses'
      ? new SesMailer(
          new SESClient({
            endpoint: env.ALERTMAIL_SES_ENDPOINT,
            ...(env.ALERTMAIL_SES_ENDPOINT ? { region: 'us-east-1', credentials: localCredentials } : {}),
          }),
        )
      : new SmtpMailer();

  const config = new ConfigService({
    store: new DynamoConfigStore(dynamo, env.ALERTMAIL_CONFIG_TABLE),
    secrets,
    clock,
    defaultRepeatInterval: env.ALERTMAIL_DEFAULT_REPEAT_INTERVAL,
  });
  const deliveries = new DynamoDeliveryLog(dynamo, env.ALERTMAIL_DELIVERIES_TABLE);
  const notifier = new Notifier({ mailer, deliveries, clock, log, transport: env.ALERTMAIL_TRANSPORT });
  const state = new DynamoNotificationStateStore(dynamo, env.ALERTMAIL_STATE_TABLE);
  return {
    env,
    config,
    ingest: new IngestService({ config, state, notifier, clock, log }),
    notifier,
    deliveries,
    tokens: new CachedTokenSource(loadTokens, env.ALERTMAIL_TOKEN_CACHE_SECONDS * 1000),
    log,
  };
}

let processApp: App | undefined;
/** The process-wide app, built at the first import of a function module (the Lambda cold start). */
export function appFromEnvironment(): App {
  processApp ??= createApp(readEnv());
  return processApp;
}
