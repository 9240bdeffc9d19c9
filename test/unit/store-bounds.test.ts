/**
 * Every store call is bounded and its failures classified: the SDK's DynamoDB and Secrets Manager
 * clients as lib/adapters/aws-sdk.ts builds them, against real sockets that refuse, hang or answer
 * 5xx, give up within STORE_CALL_BOUND_MS with a StoreUnavailableError; refusals that are the
 * caller's bug (a failed condition, a missing table, a bad request) pass through unchanged.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { createAwsSdkAdapters } from '../../lib/adapters/aws-sdk';
import { asStoreError, isStoreUnavailable } from '../../lib/adapters/dynamodb/store-errors';
import {
  STORE_CALL_BOUND_MS,
  STORE_MAX_ATTEMPTS,
  STORE_REQUEST_TIMEOUT_MS,
} from '../../lib/adapters/dynamodb/store-timeouts';
import { defaultConfig } from '../../lib/domain/config';
import { StoreUnavailableError } from '../../lib/errors';

const TABLES = { config: 'c', state: 's', deliveries: 'd' };
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Endpoint {
  readonly url: string;
  /** Requests (or, for the silent server, connections) seen. */
  readonly seen: () => number;
  stop(): Promise<void>;
}

/** Accepts connections and never answers: a frozen store. */
async function silentEndpoint(): Promise<Endpoint> {
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => {
      requests++;
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with the given status and DynamoDB error type. */
async function faultEndpoint(status: number, type: string): Promise<Endpoint> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'canned' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const adapters = (endpoint: string) =>
  createAwsSdkAdapters({ dynamo: { endpoint, region: 'us-east-1', credentials: CREDENTIALS, tables: TABLES } });

async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
    return { error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

describe('the SDK clients of the store', () => {
  jest.setTimeout(60_000);
  let endpoint: Endpoint | undefined;
  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
  });

  it('give up on a store that never answers after STORE_MAX_ATTEMPTS timed-out attempts, within the bound', async () => {
    endpoint = await silentEndpoint();

    const { error, ms } = await timed(adapters(endpoint.url).config.save(defaultConfig(new Date(0), '12h'), null));

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((error as Error).message).toBe('DynamoDB is unavailable (ETIMEDOUT); retry later');
    expect(endpoint.seen()).toBe(STORE_MAX_ATTEMPTS);
    expect(ms).toBeGreaterThanOrEqual(STORE_MAX_ATTEMPTS * STORE_REQUEST_TIMEOUT_MS - 100);
    expect(ms).toBeLessThan(STORE_CALL_BOUND_MS + 1_000);
  });

  it('give up on a refused connection after the retries, fast', async () => {
    endpoint = await silentEndpoint();
    const url = endpoint.url;
    await endpoint.stop();
    endpoint = undefined;

    const { error, ms } = await timed(adapters(url).deliveries.list(10));

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe('DynamoDB is unavailable (ECONNREFUSED); retry later');
    expect(ms).toBeLessThan(2_000);
  });

  it.each([
    [500, 'InternalServerError'],
    [400, 'ProvisionedThroughputExceededException'],
    [400, 'ThrottlingException'],
  ])('retry %i %s STORE_MAX_ATTEMPTS times, then throw StoreUnavailableError', async (status, type) => {
    endpoint = await faultEndpoint(status, type);

    const { error } = await timed(adapters(endpoint.url).deliveries.list(10));

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).cause).toMatchObject({ name: type });
    expect(endpoint.seen()).toBe(STORE_MAX_ATTEMPTS);
  });

  it("follow the SDK's endpoint settings: AWS_ENDPOINT_URL_DYNAMODB when no endpoint is given", async () => {
    // Arrange: the adapters as on AWS (no endpoint option), the endpoint named the SDK's way.
    endpoint = await faultEndpoint(400, 'ResourceNotFoundException');
    const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint.url;
    try {
      const onAws = createAwsSdkAdapters({ dynamo: { region: 'eu-west-1', credentials: CREDENTIALS, tables: TABLES } });

      // Act
      const { error } = await timed(onAws.snapshot.read(['fingerprint']));

      // Assert: the read went to that endpoint, once, through the one client's store bounds
      expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
      expect(endpoint.seen()).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      else process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
    }
  });

  it.each(['ResourceNotFoundException', 'ValidationException', 'AccessDeniedException'])(
    'throw %s as it is, after one attempt: a configuration bug, not an outage',
    async (type) => {
      endpoint = await faultEndpoint(400, type);

      const { error } = await timed(adapters(endpoint.url).deliveries.list(10));

      expect(error).not.toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ name: type });
      expect(endpoint.seen()).toBe(1);
    },
  );

  it('leave a failed condition as ConditionalCheckFailedException (a lost race, answered by the adapter)', async () => {
    endpoint = await faultEndpoint(400, 'ConditionalCheckFailedException');

    const saved = await adapters(endpoint.url).config.save(defaultConfig(new Date(0), '12h'), 3);

    expect(saved).toBe(false);
    expect(endpoint.seen()).toBe(1);
  });

  it('bound Secrets Manager calls the same way', async () => {
    endpoint = await silentEndpoint();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.url,
    });
    try {
      const { secrets } = createAwsSdkAdapters({
        dynamo: { endpoint: endpoint.url, region: 'us-east-1', credentials: CREDENTIALS, tables: TABLES },
        secretIds: { 'smtp-password': 'smtp', 'api-tokens': 'tokens' },
      });

      const { error, ms } = await timed((secrets as NonNullable<typeof secrets>).get('api-tokens'));

      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toBe('Secrets Manager is unavailable (ETIMEDOUT); retry later');
      expect(endpoint.seen()).toBe(STORE_MAX_ATTEMPTS);
      expect(ms).toBeLessThan(STORE_CALL_BOUND_MS + 1_000);
    } finally {
      process.env = saved;
    }
  });
});

describe('isStoreUnavailable', () => {
  const metadata = { $metadata: { httpStatusCode: 400 } };

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', Object.assign(new Error('no answer'), { name: 'TimeoutError' })],
    [
      'a 503',
      Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
    ],
    ['throttling', new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata })],
  ])('is true for %s', (_, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
    expect(asStoreError('DynamoDB', error)).toBeInstanceOf(StoreUnavailableError);
  });

  it.each([
    ['a failed condition', new ConditionalCheckFailedException({ message: 'no', ...metadata })],
    ['a missing table', new ResourceNotFoundException({ message: 'no table', ...metadata })],
    ['an unresolvable endpoint name', Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })],
    ['a plain bug', new TypeError('x is undefined')],
    ['a non-error', 'oops'],
  ])('is false for %s, which passes unchanged', (_, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
    expect(asStoreError('DynamoDB', error)).toBe(error);
  });

  it('keeps the store message out of the StoreUnavailableError message (it may quote the request)', () => {
    const error = asStoreError('DynamoDB', Object.assign(new Error('key pk=secret-ish'), { code: 'ECONNRESET' }));

    expect((error as Error).message).toBe('DynamoDB is unavailable (ECONNRESET); retry later');
  });
});

// The SDK's command is imported so a change of its error model shows here first.
void GetItemCommand;
