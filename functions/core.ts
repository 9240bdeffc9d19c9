/**
 * Wiring of what the ingest path needs: the adapters, built once per process (cold start) from
 * the validated deployment environment. This module imports no request schema (classic zod):
 * the configuration object comes from `makeConfig`. functions/app.ts passes the full
 * ConfigService (the config API and the local runtime write the configuration); the ingest
 * Lambda needs only a ConfigReader (lib/config/reader.ts), which keeps classic zod out of its bundle.
 */

import { AwsSdk } from '../lib/aws-sdk';
import { ConfigReader } from '../lib/config/reader';
import type { ConfigServiceDeps } from '../lib/config/service';
import { type IngestDeps, IngestService } from '../lib/ingest/service';
import { jsonLogger, type Logger } from '../lib/log';
import { SesMailer } from '../lib/mail/ses-mailer';
import { SmtpMailer } from '../lib/mail/smtp-mailer';
import { Notifier } from '../lib/notifier';
import type { DeliveryLog, Mailer, SecretStore, TokenSource } from '../lib/ports';
import { FileSecretStore } from '../lib/secrets/file-secret-store';
import { DynamoIngestSnapshotReader } from '../lib/store/dynamo-ingest-snapshot';
import { DynamoReadClient, type ReadCredentials } from '../lib/store/dynamo-read-client';
import { CachedTokenSource, parseTokenDocument } from '../lib/tokens';
import { type DeploymentEnv, readEnv } from './env';

/** What the ingest service reads the configuration through: a ConfigReader is all it needs. */
type IngestConfig = IngestDeps['config'];

export interface CoreApp<Config extends IngestConfig = IngestConfig> {
  readonly env: DeploymentEnv;
  readonly config: Config;
  readonly ingest: IngestService;
  readonly notifier: Notifier;
  readonly deliveries: DeliveryLog;
  readonly tokens: TokenSource;
  readonly log: Logger;
}

export interface AppOptions {
  readonly log?: Logger;
  readonly clock?: () => Date;
}

export function createCoreApp<Config extends IngestConfig>(
  env: DeploymentEnv,
  options: AppOptions,
  makeConfig: (deps: ConfigServiceDeps) => Config,
): CoreApp<Config> {
  const log = options.log ?? jsonLogger();
  const clock = options.clock ?? (() => new Date());
  const local = env.ALERTMAIL_DYNAMODB_ENDPOINT !== undefined;
  // Local endpoints accept any credentials; on AWS the SDK's default chain (the Lambda role) applies.
  const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const region = local ? (process.env.AWS_REGION ?? 'us-east-1') : process.env.AWS_REGION;
  if (!region) throw new Error('alertmail: AWS_REGION is not set (the Lambda runtime sets it)');
  const secretsManager = env.ALERTMAIL_SECRETS_BACKEND === 'secretsmanager';
  // The SDK's clients load with the first write or secret (lib/aws-sdk.ts); reads go through the
  // lean read client, so a steady-state ingest with local secrets never loads them.
  const sdk = new AwsSdk({
    dynamo: {
      endpoint: env.ALERTMAIL_DYNAMODB_ENDPOINT,
      ...(local ? { region, credentials: localCredentials } : {}),
      tables: {
        config: env.ALERTMAIL_CONFIG_TABLE,
        state: env.ALERTMAIL_STATE_TABLE,
        deliveries: env.ALERTMAIL_DELIVERIES_TABLE,
      },
    },
    ...(env.ALERTMAIL_TRANSPORT === 'ses'
      ? {
          ses: {
            endpoint: env.ALERTMAIL_SES_ENDPOINT,
            ...(env.ALERTMAIL_SES_ENDPOINT ? { region: 'us-east-1', credentials: localCredentials } : {}),
          },
        }
      : {}),
    ...(secretsManager
      ? {
          secretIds: {
            'smtp-password': env.ALERTMAIL_SMTP_SECRET_ID ?? '',
            'api-tokens': env.ALERTMAIL_TOKENS_SECRET_ID ?? '',
          },
        }
      : {}),
  });
  const reads = new DynamoReadClient({
    region,
    endpoint: env.ALERTMAIL_DYNAMODB_ENDPOINT,
    credentials: local ? async () => localCredentials : () => roleCredentials(sdk),
  });

  const secrets: SecretStore = secretsManager
    ? sdk.secretStore
    : new FileSecretStore(env.ALERTMAIL_DATA_DIR ?? '.data');
  const loadTokens = async () => parseTokenDocument((await secrets.get('api-tokens')) ?? '{}');

  const snapshot = new DynamoIngestSnapshotReader(reads, env.ALERTMAIL_CONFIG_TABLE, env.ALERTMAIL_STATE_TABLE);
  const config = makeConfig({
    // Reads through the read client, as the ingest does (GET /v1/config loads no SDK client);
    // the versioned writes through the SDK.
    store: {
      load: () => snapshot.readConfig(),
      save: sdk.saveConfig,
    },
    secrets,
    clock,
    defaultRepeatInterval: env.ALERTMAIL_DEFAULT_REPEAT_INTERVAL,
    ...(env.ALERTMAIL_TRANSPORT === 'ses' && env.ALERTMAIL_SES_IDENTITY
      ? { sesIdentity: env.ALERTMAIL_SES_IDENTITY }
      : {}),
  });
  const mailer = createMailer(env, sdk);
  const deliveries = sdk.deliveryLog;
  const notifier = new Notifier({ mailer, deliveries, clock, log, transport: env.ALERTMAIL_TRANSPORT });
  const state = sdk.stateStore;
  return {
    env,
    config,
    ingest: new IngestService({ config, snapshot, state, notifier, clock, log }),
    notifier,
    deliveries,
    tokens: new CachedTokenSource(loadTokens, env.ALERTMAIL_TOKEN_CACHE_SECONDS * 1000),
    log,
  };
}

/**
 * The Lambda role's credentials for the read client: the Lambda runtime puts them in the
 * environment (as the SDK's `fromEnv` reads them); anywhere else the SDK client's default chain
 * resolves them, which loads the SDK client.
 */
async function roleCredentials(sdk: AwsSdk): Promise<ReadCredentials> {
  const {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
  } = process.env;
  if (accessKeyId && secretAccessKey)
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  return (await sdk.adapters()).credentials();
}

/**
 * The mailer of the configured transport. The stack bundles each function with esbuild `define`
 * `process.env.ALERTMAIL_BUNDLED_TRANSPORT` = its ALERTMAIL_TRANSPORT (cdk/function.ts): the other
 * transport's branch is then dead code and esbuild leaves its client out of the bundle (the SES
 * client when the stack sends over SMTP). Unbundled (local runtime, tests) it is unset: both work.
 */
function createMailer(env: DeploymentEnv, sdk: AwsSdk): Mailer {
  // Read through `process.env.…` literally each time: that is the expression esbuild's define replaces.
  if (process.env.ALERTMAIL_BUNDLED_TRANSPORT !== 'smtp' && env.ALERTMAIL_TRANSPORT === 'ses') {
    return new SesMailer(sdk.sendRawEmail);
  }
  if (process.env.ALERTMAIL_BUNDLED_TRANSPORT !== 'ses' && env.ALERTMAIL_TRANSPORT === 'smtp') return new SmtpMailer();
  throw new Error(
    `alertmail: this bundle was built for the ${process.env.ALERTMAIL_BUNDLED_TRANSPORT} transport, not ${env.ALERTMAIL_TRANSPORT}`,
  );
}

let processCoreApp: CoreApp | undefined;
/** The ingest Lambda's process-wide app (reads the configuration, never writes it), built at cold start. */
export function coreAppFromEnvironment(): CoreApp {
  processCoreApp ??= createCoreApp(readEnv(), {}, (deps) => new ConfigReader(deps));
  return processCoreApp;
}
