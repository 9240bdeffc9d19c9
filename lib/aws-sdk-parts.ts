/**
 * The SDK side of alertmail's storage and mail: the DynamoDB, Secrets Manager and SES clients and
 * the adapters that use them. aws-sdk.ts loads this module on first use, never at a cold start; the Lambda
 * bundles carry it as a file of its own beside index.js (cdk/function.ts LAZY_CHUNKS), so Node
 * does not even parse it until then.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import type { AwsSdkAdapters, AwsSdkOptions } from './aws-sdk';
import type { SendRawEmail } from './mail/ses-mailer';
import { SecretsManagerSecretStore } from './secrets/secrets-manager-store';
import { DynamoConfigStore } from './store/dynamo-config-store';
import { DynamoDeliveryLog } from './store/dynamo-delivery-log';
import { DynamoNotificationStateStore } from './store/dynamo-state-store';
import { sameRealmErrorMiddleware, storeErrorMiddleware, storeRetryStrategy } from './store/store-errors';
import { STORE_CONNECTION_TIMEOUT_MS, STORE_MAX_ATTEMPTS, STORE_REQUEST_TIMEOUT_MS } from './store/store-timeouts';

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

export function createAwsSdkAdapters(options: AwsSdkOptions): AwsSdkAdapters {
  const { dynamo } = options;
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
  return {
    config: new DynamoConfigStore(client, dynamo.tables.config),
    state: new DynamoNotificationStateStore(client, dynamo.tables.state),
    deliveries: new DynamoDeliveryLog(client, dynamo.tables.deliveries),
    ...(options.secretIds
      ? {
          secrets: new SecretsManagerSecretStore(
            withStoreErrors(new SecretsManagerClient(STORE_CLIENT_OPTIONS), 'Secrets Manager'),
            options.secretIds,
          ),
        }
      : {}),
    // Read through `process.env.…` literally, in the condition itself: the stack builds this chunk with
    // the function's esbuild `define` of ALERTMAIL_BUNDLED_TRANSPORT (cdk/function.ts), so in an SMTP
    // stack the condition folds to false and the SES client is left out of the chunk. Unbundled (local
    // runtime, tests) it is unset.
    ...(process.env.ALERTMAIL_BUNDLED_TRANSPORT !== 'smtp' && options.ses
      ? { sendRawEmail: sesSender(options.ses) }
      : {}),
    credentials: () => client.config.credentials(),
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
