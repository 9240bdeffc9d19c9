/**
 * The AWS SDK's clients and the adapters that use them: one DynamoDBClient shared by every
 * DynamoDB adapter (the configuration store, the ingest's snapshot reads, the notification states,
 * the delivery log), the Secrets Manager client, and SES's SendRawEmail. functions/core.ts builds
 * them once per process, at the cold start (the Lambda handlers build their app at module scope).
 * Endpoints are the SDK's own: AWS_ENDPOINT_URL_DYNAMODB, AWS_USE_FIPS_ENDPOINT and
 * AWS_USE_DUALSTACK_ENDPOINT apply, unless `endpoint` names a local one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { phase } from '../phases';
import type {
  ConfigStore,
  DeliveryLog,
  DocumentStore,
  MuteWindowsDocument,
  NotificationStateStore,
  SecretName,
  SecretStore,
  SilencesDocument,
  TemplateStore,
} from '../ports';
import type { SweeperBookmark } from '../usecases/sweeper';
import { DynamoConfigStore } from './dynamodb/dynamo-config-store';
import { DynamoDeliveryLog } from './dynamodb/dynamo-delivery-log';
import { DynamoDocumentStore } from './dynamodb/dynamo-document-store';
import { DynamoIngestSnapshotReader } from './dynamodb/dynamo-ingest-snapshot';
import { MUTE_WINDOWS_KEY, SILENCES_KEY, SWEEPER_KEY } from './dynamodb/dynamo-items';
import { DynamoNotificationStateStore } from './dynamodb/dynamo-state-store';
import { DynamoTemplateStore } from './dynamodb/dynamo-template-store';
import { sameRealmErrorMiddleware, storeErrorMiddleware, storeRetryStrategy } from './dynamodb/store-errors';
import { STORE_CONNECTION_TIMEOUT_MS, STORE_MAX_ATTEMPTS, STORE_REQUEST_TIMEOUT_MS } from './dynamodb/store-timeouts';
import { SecretsManagerSecretStore } from './secrets-manager/secrets-manager-store';
import type { SendRawEmail } from './ses/ses-mailer';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface AwsSdkOptions {
  readonly dynamo: {
    /** A local endpoint (DynamoDB Local); unset on AWS, where the SDK resolves the regional one. */
    readonly endpoint?: string;
    /** Set with a local endpoint; on AWS the SDK's defaults apply (AWS_REGION, the Lambda role). */
    readonly region?: string;
    readonly credentials?: StaticCredentials;
    readonly tables: { readonly config: string; readonly state: string; readonly deliveries: string };
  };
  /** Set with the `ses` transport: SES's endpoint and credentials when local (aws-ses-v2-local). */
  readonly ses?: { readonly endpoint?: string; readonly region?: string; readonly credentials?: StaticCredentials };
  /** The Secrets Manager secret of each secret name; set with the `secretsmanager` backend only. */
  readonly secretIds?: Readonly<Record<SecretName, string>>;
}

export interface AwsSdkAdapters {
  readonly config: ConfigStore;
  readonly snapshot: DynamoIngestSnapshotReader;
  readonly state: NotificationStateStore;
  readonly deliveries: DeliveryLog;
  readonly silences: DocumentStore<SilencesDocument>;
  readonly muteWindows: DocumentStore<MuteWindowsDocument>;
  readonly sweeperBookmark: DocumentStore<SweeperBookmark>;
  readonly templates: TemplateStore;
  readonly secrets?: SecretStore;
  /** SES SendRawEmail, with the `ses` transport. */
  readonly sendRawEmail?: SendRawEmail;
}

/**
 * What every store client (DynamoDB, Secrets Manager) is built with: each attempt bounded
 * (connection, the whole exchange until the answer starts, and the answer's silences after), a
 * bounded number of attempts, so a call gives up within STORE_CALL_BOUND_MS (store-timeouts.ts).
 */
const STORE_CLIENT_OPTIONS = {
  maxAttempts: STORE_MAX_ATTEMPTS,
  retryStrategy: storeRetryStrategy,
  requestHandler: {
    connectionTimeout: STORE_CONNECTION_TIMEOUT_MS,
    requestTimeout: STORE_REQUEST_TIMEOUT_MS,
    // Without it the SDK only warns when requestTimeout passes and keeps waiting.
    throwOnRequestTimeout: true,
    socketTimeout: STORE_REQUEST_TIMEOUT_MS,
  },
} as const;

/** The client's final failures become StoreUnavailableError when the store is unreachable (store-errors.ts). */
interface StoreClient {
  readonly middlewareStack: {
    add(middleware: ReturnType<typeof storeErrorMiddleware>, options: { step: 'initialize'; name: string }): void;
    add(
      middleware: ReturnType<typeof storeErrorMiddleware>,
      options: { step: 'finalizeRequest'; name: string; priority: 'low' },
    ): void;
  };
}

function withStoreErrors<Client extends StoreClient>(client: Client, service: string): Client {
  client.middlewareStack.add(storeErrorMiddleware(service), { step: 'initialize', name: 'alertmailStoreErrors' });
  client.middlewareStack.add(sameRealmErrorMiddleware(), {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'alertmailSameRealmErrors',
  });
  return client;
}

/**
 * Phase marks (lib/phases.ts) around each attempt's HTTP exchange with the store, so the latency
 * breakdown tells the SDK's own work before the request leaves from the round trip itself.
 */
function storeExchangePhases() {
  return <Args, Output>(next: (args: Args) => Promise<Output>) =>
    async (args: Args): Promise<Output> => {
      phase('store send');
      try {
        return await next(args);
      } finally {
        phase('store answer');
      }
    };
}

/** The process's DynamoDB client: store bounds, store errors, and each command's middleware resolved once. */
export function createDynamoClient(dynamo: Omit<AwsSdkOptions['dynamo'], 'tables'>): DynamoDBClient {
  const client = withStoreErrors(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      ...(dynamo.region ? { region: dynamo.region } : {}),
      ...(dynamo.credentials ? { credentials: dynamo.credentials } : {}),
      ...STORE_CLIENT_OPTIONS,
      // Resolve each command's middleware stack once, not on every call (the stack is never changed
      // after the middleware above is added).
      cacheMiddleware: true,
    }),
    'DynamoDB',
  );
  client.middlewareStack.add(storeExchangePhases(), {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'alertmailStoreExchangePhases',
  });
  return client;
}

/** Every adapter over the SDK, sharing one DynamoDB client (and one Secrets Manager client). */
export function createAwsSdkAdapters(options: AwsSdkOptions): AwsSdkAdapters {
  const { dynamo } = options;
  const client = createDynamoClient(dynamo);
  const config = new DynamoConfigStore(client, dynamo.tables.config);
  return {
    config,
    snapshot: new DynamoIngestSnapshotReader(client, dynamo.tables.config, dynamo.tables.state),
    state: new DynamoNotificationStateStore(client, dynamo.tables.state),
    deliveries: new DynamoDeliveryLog(client, dynamo.tables.deliveries),
    silences: new DynamoDocumentStore(client, dynamo.tables.config, SILENCES_KEY),
    muteWindows: new DynamoDocumentStore(client, dynamo.tables.config, MUTE_WINDOWS_KEY),
    sweeperBookmark: new DynamoDocumentStore(client, dynamo.tables.config, SWEEPER_KEY),
    templates: new DynamoTemplateStore(client, dynamo.tables.config),
    ...(options.secretIds
      ? {
          secrets: new SecretsManagerSecretStore(
            withStoreErrors(new SecretsManagerClient(STORE_CLIENT_OPTIONS), 'Secrets Manager'),
            options.secretIds,
          ),
        }
      : {}),
    ...(options.ses ? { sendRawEmail: sesSender(options.ses) } : {}),
  };
}

function sesSender(ses: NonNullable<AwsSdkOptions['ses']>): SendRawEmail {
  const client = new SESClient({
    endpoint: ses.endpoint,
    ...(ses.region ? { region: ses.region } : {}),
    ...(ses.credentials ? { credentials: ses.credentials } : {}),
  });
  return (request, abortSignal) => client.send(new SendRawEmailCommand(request), { abortSignal });
}
