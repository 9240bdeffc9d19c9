import type { DynamoDbLocal } from '../../local/dynamodb';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __alertmailDynamo?: DynamoDbLocal }).__alertmailDynamo?.stop();
}
