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

export function createAwsSdkAdapters(options: AwsSdkOptions): AwsSdkAdapters {
  const { dynamo } = options;
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    ...(dynamo.region ? { region: dynamo.region } : {}),
    ...(dynamo.credentials ? { credentials: dynamo.credentials } : {}),
    maxAttempts: 5,
    // Resolve each command's middleware stack once, not on every call (the stack is never changed
    // after construction).
    cacheMiddleware: true,
  });
  return {
    config: new DynamoConfigStore(client, dynamo.tables.config),
    state: new DynamoNotificationStateStore(client, dynamo.tables.state),
    deliveries: new DynamoDeliveryLog(client, dynamo.tables.deliveries),
    ...(options.secretIds
      ? { secrets: new SecretsManagerSecretStore(new SecretsManagerClient({}), options.secretIds) }
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
