/**
 * DynamoReadClient against a tiny recording HTTP server with canned answers: the wire format, the
 * SigV4 signature (checked by an independent computation), which failures it retries and which it
 * throws at once, the attempt timeout, secrets kept out of errors, and the default endpoints
 * (checked against the SDK's own endpoint rules). test/integration/dynamo-read-client.test.ts runs
 * it against DynamoDB Local.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../../lib/errors';
import {
  DynamoReadClient,
  type DynamoReadClientOptions,
  DynamoReadError,
  defaultDynamoEndpoint,
  type ReadCredentials,
} from '../../lib/store/dynamo-read-client';

const CREDENTIALS: ReadCredentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET-wJalrXUtnFEMI-K7MDENG' };
const SESSION: ReadCredentials = { ...CREDENTIALS, sessionToken: 'TOKEN-IQoJb3JpZ2luX2VjEJr-very-long' };

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
/** A canned answer; `hang` accepts the request and never answers, `hangup` closes the connection. */
type Reply = { status: number; body: string } | 'hang' | 'hangup';

const fault = (status: number, type: string, message: string, key = 'message'): Reply => ({
  status,
  body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, [key]: message }),
});
const THROTTLED = fault(400, 'ProvisionedThroughputExceededException', 'The level of configured throughput exceeded');
const ITEM = { pk: { S: 'a' }, n: { N: '1' }, ok: { BOOL: true }, none: { NULL: true } };

/** Answers requests in order with `replies`, the last one for every request after. */
async function fakeDynamo(...replies: Reply[]) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const reply = replies[Math.min(seen.length, replies.length) - 1] ?? 'hang';
      if (reply === 'hang') return;
      if (reply === 'hangup') return req.socket.destroy();
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('DynamoReadClient', () => {
  let server: Awaited<ReturnType<typeof fakeDynamo>> | undefined;
  let client: DynamoReadClient | undefined;
  let credentialCalls: number;

  const start = async (replies: Reply[], options: Partial<DynamoReadClientOptions> = {}) => {
    server = await fakeDynamo(...replies);
    client = new DynamoReadClient({
      region: 'eu-west-1',
      endpoint: server.endpoint,
      credentials: async () => {
        credentialCalls++;
        return CREDENTIALS;
      },
      ...options,
    });
    return { client, seen: server.seen };
  };
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a DynamoReadError');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(DynamoReadError);
        return error as DynamoReadError;
      },
    );
  /** A call that gave up on retryable failures: StoreUnavailableError, carrying the last attempt's DynamoReadError. */
  const unavailableOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a StoreUnavailableError');
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as StoreUnavailableError).code).toBe('STORE_UNAVAILABLE');
        expect((error as StoreUnavailableError).cause).toBeInstanceOf(DynamoReadError);
        return (error as StoreUnavailableError).cause as DynamoReadError;
      },
    );

  beforeEach(() => {
    credentialCalls = 0;
  });

  afterEach(async () => {
    client?.destroy();
    await server?.stop();
    client = undefined;
    server = undefined;
  });

  describe('wire format', () => {
    it('posts a BatchGetItem as DynamoDB JSON 1.0 and returns the answer as is', async () => {
      const answer = { Responses: { state: [ITEM] }, UnprocessedKeys: {} };
      const { client, seen } = await start([{ status: 200, body: JSON.stringify(answer) }]);
      const requestItems = { state: { Keys: [{ pk: { S: 'a' } }, { pk: { S: 'b' } }], ConsistentRead: true } };

      const out = await client.batchGetItem(requestItems);

      expect(out).toEqual(answer);
      expect(seen).toHaveLength(1);
      const [request] = seen;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/');
      expect(request?.headers['x-amz-target']).toBe('DynamoDB_20120810.BatchGetItem');
      expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(request?.headers.host).toBe(`127.0.0.1:${server?.port}`);
      expect(request?.headers['content-length']).toBe(String(Buffer.byteLength(request?.body ?? '')));
      expect(JSON.parse(request?.body ?? '')).toEqual({ RequestItems: requestItems });
    });

    it('posts a GetItem and returns its Item, or undefined when DynamoDB has none', async () => {
      const { client, seen } = await start([
        { status: 200, body: JSON.stringify({ Item: ITEM }) },
        { status: 200, body: '{}' },
      ]);

      const found = await client.getItem('config', { pk: { S: 'config#email' } }, true);
      const missing = await client.getItem('config', { pk: { S: 'nope' } }, false);

      expect(found).toEqual(ITEM);
      expect(missing).toBeUndefined();
      expect(seen.map((request) => request.headers['x-amz-target'])).toEqual([
        'DynamoDB_20120810.GetItem',
        'DynamoDB_20120810.GetItem',
      ]);
      expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
        TableName: 'config',
        Key: { pk: { S: 'config#email' } },
        ConsistentRead: true,
      });
    });

    it('signs with SigV4 for dynamodb in the region, a signature that verifies over what was sent', async () => {
      const { client, seen } = await start([{ status: 200, body: '{}' }]);

      await client.getItem('config', { pk: { S: 'k' } }, true);

      const headers = seen[0]?.headers ?? {};
      const date = String(headers['x-amz-date']);
      expect(date).toMatch(/^\d{8}T\d{6}Z$/);
      expect(headers.authorization).toMatch(
        new RegExp(`^AWS4-HMAC-SHA256 Credential=AKID/${date.slice(0, 8)}/eu-west-1/dynamodb/aws4_request, `),
      );
      expect(headers['x-amz-security-token']).toBeUndefined();
      expect(verifySignature(seen[0], CREDENTIALS.secretAccessKey)).toBe(true);
    });

    it('adds and signs x-amz-security-token when the credentials have a session token', async () => {
      const { client, seen } = await start([{ status: 200, body: '{}' }], { credentials: async () => SESSION });

      await client.getItem('config', { pk: { S: 'k' } }, true);

      const headers = seen[0]?.headers ?? {};
      expect(headers['x-amz-security-token']).toBe(SESSION.sessionToken);
      expect(String(headers.authorization)).toContain('x-amz-security-token');
      expect(verifySignature(seen[0], SESSION.secretAccessKey)).toBe(true);
    });

    it('fetches the credentials for every call (the caller caches)', async () => {
      const { client } = await start([{ status: 200, body: '{}' }]);

      await client.getItem('t', { pk: { S: 'a' } }, true);
      await client.batchGetItem({ t: { Keys: [{ pk: { S: 'a' } }] } });

      expect(credentialCalls).toBe(2);
    });
  });

  describe('retries', () => {
    it('retries throttling: two ProvisionedThroughputExceededException, then the answer', async () => {
      const { client, seen } = await start([THROTTLED, THROTTLED, { status: 200, body: '{"Responses":{}}' }]);

      const out = await client.batchGetItem({ t: { Keys: [{ pk: { S: 'a' } }] } });

      expect(out).toEqual({ Responses: {} });
      expect(seen).toHaveLength(3);
      expect(new Set(seen.map((request) => request.body)).size).toBe(1);
    });

    it.each([
      ['ThrottlingException', 400],
      ['RequestLimitExceeded', 400],
      ['LimitExceededException', 400],
      ['TransactionConflictException', 400],
      ['InternalServerError', 500],
      ['ServiceUnavailable', 503],
    ])('retries %s (HTTP %d)', async (type, status) => {
      const { client, seen } = await start([fault(status, type, 'later'), { status: 200, body: '{}' }]);

      await expect(client.getItem('t', { pk: { S: 'a' } }, true)).resolves.toBeUndefined();
      expect(seen).toHaveLength(2);
    });

    it('retries a 5xx whose body is not JSON', async () => {
      const { client, seen } = await start([
        { status: 500, body: '<html>Internal Server Error</html>' },
        { status: 200, body: '{}' },
      ]);

      await expect(client.getItem('t', { pk: { S: 'a' } }, true)).resolves.toBeUndefined();
      expect(seen).toHaveLength(2);
    });

    it('retries a connection closed without an answer (socket hang up)', async () => {
      const { client, seen } = await start(['hangup', { status: 200, body: '{}' }]);

      await expect(client.getItem('t', { pk: { S: 'a' } }, true)).resolves.toBeUndefined();
      expect(seen).toHaveLength(2);
    });

    it('gives up on an attempt after timeoutMs and retries it', async () => {
      const { client, seen } = await start(['hang', { status: 200, body: '{}' }], { timeoutMs: 200 });
      const started = Date.now();

      await expect(client.getItem('t', { pk: { S: 'a' } }, true)).resolves.toBeUndefined();

      expect(seen).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    });

    it('throws StoreUnavailableError (of a TimeoutError) when every attempt times out', async () => {
      const { client, seen } = await start(['hang'], { timeoutMs: 100, maxAttempts: 2 });

      const error = await unavailableOf(client.getItem('t', { pk: { S: 'a' } }, true));

      expect(error.name).toBe('TimeoutError');
      expect(error.retryable).toBe(true);
      expect(error.status).toBeUndefined();
      expect(error.message).toBe('DynamoDB GetItem failed: TimeoutError: no answer within 100 ms');
      expect(seen).toHaveLength(2);
    });

    it('throws StoreUnavailableError (of the last error) once maxAttempts attempts were throttled', async () => {
      const { client, seen } = await start([THROTTLED], { maxAttempts: 3 });

      const error = await unavailableOf(client.batchGetItem({ t: { Keys: [{ pk: { S: 'a' } }] } }));

      expect(seen).toHaveLength(3);
      expect(error.name).toBe('ProvisionedThroughputExceededException');
      expect(error.status).toBe(400);
      expect(error.retryable).toBe(true);
      expect(error.message).toBe(
        'DynamoDB BatchGetItem failed: ProvisionedThroughputExceededException: The level of configured throughput exceeded',
      );
    });

    it('retries a refused connection, then throws StoreUnavailableError (of ECONNREFUSED) after maxAttempts', async () => {
      const { client } = await start([{ status: 200, body: '{}' }], { maxAttempts: 3 });
      await server?.stop();

      const error = await unavailableOf(client.getItem('t', { pk: { S: 'a' } }, true));

      expect(error.name).toBe('ECONNREFUSED');
      expect(error.retryable).toBe(true);
      expect(credentialCalls).toBe(3);
    });
  });

  describe('errors thrown at once', () => {
    it.each([
      ['ValidationException', 'message'],
      ['ResourceNotFoundException', 'message'],
      ['UnrecognizedClientException', 'Message'],
      ['AccessDeniedException', 'Message'],
    ])('throws %s after one attempt, not retryable (message under "%s")', async (type, key) => {
      const { client, seen } = await start([fault(400, type, 'you asked for it', key), { status: 200, body: '{}' }]);

      const error = await failureOf(client.getItem('t', { pk: { S: 'a' } }, true));

      expect(seen).toHaveLength(1);
      expect(error.name).toBe(type);
      expect(error.status).toBe(400);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`DynamoDB GetItem failed: ${type}: you asked for it`);
    });

    it('throws a non-JSON 4xx as UnknownError with the HTTP status', async () => {
      const { client, seen } = await start([{ status: 403, body: 'Forbidden' }]);

      const error = await failureOf(client.getItem('t', { pk: { S: 'a' } }, true));

      expect(seen).toHaveLength(1);
      expect(error).toMatchObject({ name: 'UnknownError', status: 403, retryable: false });
      expect(error.message).toBe('DynamoDB GetItem failed: UnknownError: HTTP 403');
    });

    it('truncates a long message to 300 characters', async () => {
      const { client } = await start([fault(400, 'ValidationException', 'x'.repeat(5000))]);

      const error = await failureOf(client.getItem('t', { pk: { S: 'a' } }, true));

      expect(error.message).toBe(`DynamoDB GetItem failed: ValidationException: ${'x'.repeat(300)}`);
    });

    it('keeps the secret access key and the session token out of the error, even when DynamoDB echoes them', async () => {
      // InvalidSignatureException quotes the canonical request, the session token header included.
      const echo = `The Canonical String for this request should have been 'POST / x-amz-security-token:${SESSION.sessionToken} ${SESSION.secretAccessKey}'`;
      const { client } = await start([fault(400, 'InvalidSignatureException', echo)], {
        credentials: async () => SESSION,
      });

      const error = await failureOf(client.getItem('t', { pk: { S: 'a' } }, true));

      const everything = `${error.message} ${error.stack} ${JSON.stringify(error)} ${String(error)}`;
      expect(everything).toContain('InvalidSignatureException');
      expect(everything).toContain('[redacted]');
      expect(everything).not.toContain(SESSION.secretAccessKey);
      expect(everything).not.toContain(SESSION.sessionToken);
    });
  });

  describe('construction', () => {
    it('refuses a malformed region, maxAttempts or timeoutMs at once', () => {
      const credentials = async () => CREDENTIALS;

      expect(() => new DynamoReadClient({ region: 'eu-west', credentials })).toThrow('not an AWS region');
      expect(() => new DynamoReadClient({ region: 'EU-WEST-1', credentials })).toThrow('not an AWS region');
      expect(() => new DynamoReadClient({ region: '', endpoint: 'http://127.0.0.1:1', credentials })).toThrow(
        'not an AWS region',
      );
      expect(() => new DynamoReadClient({ region: 'eu-west-1', credentials, maxAttempts: 0 })).toThrow('maxAttempts');
      expect(() => new DynamoReadClient({ region: 'eu-west-1', credentials, maxAttempts: Number.NaN })).toThrow(
        'maxAttempts',
      );
      expect(() => new DynamoReadClient({ region: 'eu-west-1', credentials, timeoutMs: 0 })).toThrow('timeoutMs');
    });

    it('loads nothing from @aws-sdk at run time', () => {
      const root = path.join(__dirname, '../..');
      const script = `require('./lib/store/dynamo-read-client.ts');
        console.log(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('@aws-sdk'))));`;

      const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' });

      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([]);
    });
  });
});

describe('defaultDynamoEndpoint', () => {
  const regions: [string, string, string][] = [
    ['us-east-1', 'https://dynamodb.us-east-1.amazonaws.com', 'https://dynamodb-fips.us-east-1.amazonaws.com'],
    ['eu-west-1', 'https://dynamodb.eu-west-1.amazonaws.com', 'https://dynamodb-fips.eu-west-1.amazonaws.com'],
    [
      'ap-southeast-5',
      'https://dynamodb.ap-southeast-5.amazonaws.com',
      'https://dynamodb-fips.ap-southeast-5.amazonaws.com',
    ],
    ['cn-north-1', 'https://dynamodb.cn-north-1.amazonaws.com.cn', 'https://dynamodb-fips.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', 'https://dynamodb.us-gov-west-1.amazonaws.com', 'https://dynamodb.us-gov-west-1.amazonaws.com'],
    ['us-iso-east-1', 'https://dynamodb.us-iso-east-1.c2s.ic.gov', 'https://dynamodb-fips.us-iso-east-1.c2s.ic.gov'],
    [
      'us-isob-east-1',
      'https://dynamodb.us-isob-east-1.sc2s.sgov.gov',
      'https://dynamodb-fips.us-isob-east-1.sc2s.sgov.gov',
    ],
    [
      'us-isof-south-1',
      'https://dynamodb.us-isof-south-1.csp.hci.ic.gov',
      'https://dynamodb-fips.us-isof-south-1.csp.hci.ic.gov',
    ],
    [
      'eu-isoe-west-1',
      'https://dynamodb.eu-isoe-west-1.cloud.adc-e.uk',
      'https://dynamodb-fips.eu-isoe-west-1.cloud.adc-e.uk',
    ],
    [
      'eusc-de-east-1',
      'https://dynamodb.eusc-de-east-1.amazonaws.eu',
      'https://dynamodb-fips.eusc-de-east-1.amazonaws.eu',
    ],
  ];

  it.each(regions)('%s: %s, with FIPS %s', (region, plain, fips) => {
    expect(defaultDynamoEndpoint(region, {})).toBe(plain);
    expect(defaultDynamoEndpoint(region, { AWS_USE_FIPS_ENDPOINT: 'false' })).toBe(plain);
    expect(defaultDynamoEndpoint(region, { AWS_USE_FIPS_ENDPOINT: 'true' })).toBe(fips);
  });

  it("agrees with the SDK's endpoint rules for every region of the table", () => {
    const sdk = new DynamoDBClient({ region: 'us-east-1' });
    const resolve = (Region: string, UseFIPS: boolean) =>
      sdk.config.endpointProvider({ Region, UseFIPS, UseDualStack: false }).url.href.replace(/\/$/, '');

    for (const [region, plain, fips] of regions) {
      expect([resolve(region, false), resolve(region, true)]).toEqual([plain, fips]);
    }
    sdk.destroy();
  });

  it.each([
    '',
    'local',
    'eu-west',
    'eu-west-1a',
    'EU-WEST-1',
    'eu_west_1',
    'eu-west-1 ',
    'e-west-1',
    'europe-west-1',
    'evil.com/x-1',
  ])('throws for the malformed region %j', (region) => {
    expect(() => defaultDynamoEndpoint(region, {})).toThrow('not an AWS region');
  });
});

/** An independent SigV4 check (node:crypto) of a recorded request: the signature covers what was sent. */
function verifySignature(request: Seen | undefined, secret: string): boolean {
  if (!request) return false;
  const match = /^AWS4-HMAC-SHA256 Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    String(request.headers.authorization),
  );
  if (!match) return false;
  const [, scope = '', signedHeaders = '', signature] = match;
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date') || !names.includes('x-amz-target')) return false;
  const canonical = [
    request.method,
    request.url,
    '',
    ...names.map((name) => `${name}:${String(request.headers[name]).trim()}`),
    '',
    signedHeaders,
    createHash('sha256').update(request.body).digest('hex'),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    String(request.headers['x-amz-date']),
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = scope
    .split('/')
    .slice(0, 4)
    .reduce<string | Buffer>((key, part) => hmac(key, part), `AWS4${secret}`);
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex') === signature;
}
