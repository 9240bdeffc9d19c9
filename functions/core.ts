/**
 * Wiring of what the ingest path needs: the adapters (one DynamoDB client for all), built once per
 * process (cold start) from the validated deployment environment. This module imports no request schema (classic zod):
 * the configuration object comes from `makeConfig`. functions/app.ts passes the full
 * ConfigService (the config API and the local runtime write the configuration); the ingest
 * Lambda needs only a ConfigReader (lib/usecases/config/reader.ts), which keeps classic zod out of its bundle.
 */

import { createAwsSdkAdapters } from '../lib/adapters/aws-sdk';
import { FileSecretStore } from '../lib/adapters/file/file-secret-store';
import { GraphMailer } from '../lib/adapters/graph/graph-mailer';
import { OAuthTokenClient } from '../lib/adapters/oauth/token-client';
import { type SendRawEmail, SesMailer } from '../lib/adapters/ses/ses-mailer';
import { SmtpMailer } from '../lib/adapters/smtp/smtp-mailer';
import { DEFAULT_OAUTH_ENDPOINTS } from '../lib/domain/mail-sign-in';
import { CachedTokenSource, parseTokenDocument } from '../lib/domain/tokens';
import { jsonLogger, type Logger } from '../lib/log';
import type {
  DeliveryLog,
  Mailer,
  NotificationStateStore,
  SecretStore,
  TemplateStore,
  TokenSource,
} from '../lib/ports';
import { ConfigReader } from '../lib/usecases/config/reader';
import type { ConfigServiceDeps } from '../lib/usecases/config/service';
import { type IngestDeps, IngestService } from '../lib/usecases/ingest/service';
import { MailDelivery } from '../lib/usecases/mail-delivery';
import { MuteWindowService } from '../lib/usecases/silences/mute-window-service';
import { SilenceService } from '../lib/usecases/silences/silence-service';
import { Sweeper } from '../lib/usecases/sweeper';
import { type DeploymentEnv, readEnv } from './env';

/** What the ingest service reads the configuration through: a ConfigReader is all it needs. */
type IngestConfig = IngestDeps['config'];

export interface CoreApp<Config extends IngestConfig = IngestConfig> {
  readonly env: DeploymentEnv;
  readonly config: Config;
  readonly ingest: IngestService;
  readonly silences: SilenceService;
  readonly muteWindows: MuteWindowService;
  /** Mails held alerts once their mute ends (the sweeper function, the local timer). */
  readonly sweeper: Sweeper;
  readonly mailDelivery: MailDelivery;
  readonly deliveries: DeliveryLog;
  /** The notification states (the held alerts the deliveries log lists with `?held=true`). */
  readonly state: NotificationStateStore;
  readonly templates: TemplateStore;
  readonly tokens: TokenSource;
  readonly log: Logger;
}

/** eu-west-1, us-gov-west-1, us-isob-east-1, ... and eusc-de-east-1 (the European Sovereign Cloud). */
const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

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
  // The SDK would only refuse it at the first call; a typo should fail the cold start.
  if (!AWS_REGION.test(region)) throw new Error(`alertmail: not an AWS region: ${JSON.stringify(region.slice(0, 40))}`);
  const secretsManager = env.ALERTMAIL_SECRETS_BACKEND === 'secretsmanager';
  // One DynamoDB client for every adapter, built here once per process (lib/adapters/aws-sdk.ts).
  const aws = createAwsSdkAdapters({
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

  const secrets: SecretStore = aws.secrets ?? new FileSecretStore(env.ALERTMAIL_DATA_DIR ?? '.data');
  const loadTokens = async () => parseTokenDocument((await secrets.get('api-tokens')) ?? '{}');

  const config = makeConfig({
    store: aws.config,
    secrets,
    clock,
    defaultRepeatInterval: env.ALERTMAIL_DEFAULT_REPEAT_INTERVAL,
    ...(env.ALERTMAIL_TRANSPORT === 'ses' && env.ALERTMAIL_SES_IDENTITY
      ? { sesIdentity: env.ALERTMAIL_SES_IDENTITY }
      : {}),
  });
  const mailer = createMailer(env, aws.sendRawEmail);
  const deliveries = aws.deliveries;
  const { templates } = aws;
  const mailDelivery = new MailDelivery({
    mailer,
    deliveries,
    clock,
    log,
    transport: env.ALERTMAIL_TRANSPORT,
    templates,
    ...(env.ALERTMAIL_CONSOLE_URL ? { consoleUrl: env.ALERTMAIL_CONSOLE_URL } : {}),
  });
  const { snapshot, state } = aws;
  return {
    env,
    config,
    ingest: new IngestService({ config, snapshot, state, mailDelivery, clock, log }),
    silences: new SilenceService({ store: aws.silences, clock }),
    muteWindows: new MuteWindowService({ store: aws.muteWindows }),
    sweeper: new Sweeper({ config, snapshot, state, mailDelivery, clock, log, bookmark: aws.sweeperBookmark }),
    mailDelivery,
    deliveries,
    state,
    templates,
    tokens: new CachedTokenSource(loadTokens, env.ALERTMAIL_TOKEN_CACHE_SECONDS * 1000),
    log,
  };
}

/**
 * The mailer of the configured transport (every bundle carries both: BENCHMARKS.md, issue 14). With
 * SMTP, the server settings may choose Microsoft Graph instead (`transport: "graph"`), per send; both
 * share one token cache, process-wide like the password's.
 */
function createMailer(env: DeploymentEnv, sendRawEmail: SendRawEmail | undefined): Mailer {
  if (env.ALERTMAIL_TRANSPORT === 'smtp') {
    const tokens = new OAuthTokenClient({
      microsoftLogin: env.ALERTMAIL_MICROSOFT_LOGIN_URL ?? DEFAULT_OAUTH_ENDPOINTS.microsoftLogin,
      googleToken: env.ALERTMAIL_GOOGLE_TOKEN_URL ?? DEFAULT_OAUTH_ENDPOINTS.googleToken,
      graph: env.ALERTMAIL_GRAPH_URL ?? DEFAULT_OAUTH_ENDPOINTS.graph,
    });
    const smtp = new SmtpMailer(tokens);
    const graph = new GraphMailer(tokens, env.ALERTMAIL_GRAPH_URL ?? DEFAULT_OAUTH_ENDPOINTS.graph);
    return {
      send: (mail, server, deadline) => (server.transport === 'graph' ? graph : smtp).send(mail, server, deadline),
      prepareConnection: (server, deadline) => {
        if (server.transport !== 'graph') smtp.prepareConnection(server, deadline);
      },
    };
  }
  if (!sendRawEmail) throw new Error('alertmail: the ses transport has no SES client');
  return new SesMailer(sendRawEmail);
}

let processCoreApp: CoreApp | undefined;
/** The ingest Lambda's process-wide app (reads the configuration, never writes it), built at cold start. */
export function coreAppFromEnvironment(): CoreApp {
  processCoreApp ??= createCoreApp(readEnv(), {}, (deps) => new ConfigReader(deps));
  return processCoreApp;
}
