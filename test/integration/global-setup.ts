/** One DynamoDB Local (in memory, 127.0.0.1) for the whole integration run; each test uses its own tables. */
import { startDynamoDbLocal } from '../../local/dynamodb';

export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  (globalThis as { __alertmailDynamo?: typeof dynamo }).__alertmailDynamo = dynamo;
}
