/**
 * A purpose-built DynamoDB client for the ingest hot path's two reads, BatchGetItem and GetItem:
 * DynamoDB's JSON protocol (application/x-amz-json-1.0) over one keep-alive agent, signed by the
 * SDK's own SigV4 signer. It skips the SDK client's middleware stack, endpoint rules and
 * schema-driven serde, and loads nothing from `@aws-sdk/*` at run time.
 *
 * Items travel in DynamoDB's AttributeValue JSON, which is exactly the SDK's `AttributeValue`
 * shape for S, N, BOOL, NULL, L, M, SS and NS. B and BS would arrive as base64 strings, not
 * Uint8Array: alertmail's items never hold binary attributes.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { asStoreError, TRANSIENT_ERROR_TYPES, TRANSIENT_NETWORK_CODES } from './store-errors';
import {
  STORE_CONNECTION_TIMEOUT_MS,
  STORE_MAX_ATTEMPTS,
  STORE_REQUEST_TIMEOUT_MS,
  storeBackoffMs,
} from './store-timeouts';

export type Item = Record<string, AttributeValue>;
export interface ReadCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}
export interface DynamoReadClientOptions {
  readonly region: string;
  /** e.g. http://127.0.0.1:8000 (DynamoDB Local); default: the regional endpoint of `region`. */
  readonly endpoint?: string;
  /** Called once per attempt: the caller caches. */
  readonly credentials: () => Promise<ReadCredentials>;
  /** Attempts per call, first included (default STORE_MAX_ATTEMPTS). */
  readonly maxAttempts?: number;
  /** Per-attempt timeout, from sending the request to the last byte of the answer (default STORE_REQUEST_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}
/** As DynamoDB (and the SDK's type of the same name) models it: `Keys` optional, so SDK-typed requests fit. */
export interface KeysAndAttributes {
  Keys?: Item[];
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}
export interface BatchGetItemOutput {
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, KeysAndAttributes>;
}

type Operation = 'BatchGetItem' | 'GetItem';

/** eu-west-1, us-gov-west-1, us-isob-east-1, ... and eusc-de-east-1 (the European Sovereign Cloud). */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;
/** DNS suffixes of the partitions other than aws (`us-iso-` after `us-isob-` and `us-isof-`). */
const PARTITION_SUFFIXES: readonly (readonly [string, string])[] = [
  ['cn-', 'amazonaws.com.cn'],
  ['us-isob-', 'sc2s.sgov.gov'],
  ['us-isof-', 'csp.hci.ic.gov'],
  ['us-iso-', 'c2s.ic.gov'],
  ['eu-isoe-', 'cloud.adc-e.uk'],
  ['eusc-', 'amazonaws.eu'],
];
const MAX_MESSAGE = 300;

/**
 * A failed attempt: `name` is DynamoDB's short error type (or the network error's code, or
 * `TimeoutError`). A call that gives up on retryable ones throws StoreUnavailableError instead.
 */
export class DynamoReadError extends Error {
  constructor(
    type: string,
    message: string,
    /** The HTTP status; undefined when no answer came. */
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = type;
  }
}

/** DynamoDB's regional endpoint, as the SDK's endpoint rules resolve it (no dual-stack). */
export function defaultDynamoEndpoint(region: string, env: { AWS_USE_FIPS_ENDPOINT?: string } = process.env): string {
  if (!REGION.test(region)) throw new Error(`not an AWS region: ${JSON.stringify(region.slice(0, 40))}`);
  const suffix = PARTITION_SUFFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'amazonaws.com';
  // In GovCloud the plain DynamoDB endpoint is the FIPS one (the SDK's rules say so too).
  const fips = env.AWS_USE_FIPS_ENDPOINT === 'true' && !region.startsWith('us-gov-');
  return `https://dynamodb${fips ? '-fips' : ''}.${region}.${suffix}`;
}

export class DynamoReadClient {
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: DynamoReadClientOptions) {
    const endpoint = defaultDynamoEndpoint(options.region);
    this.url = new URL(options.endpoint ?? endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new Error('endpoint: http(s) only');
    this.transport = this.url.protocol === 'https:' ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 50 });
    this.maxAttempts = options.maxAttempts ?? STORE_MAX_ATTEMPTS;
    this.timeoutMs = options.timeoutMs ?? STORE_REQUEST_TIMEOUT_MS;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new Error('maxAttempts: an integer >= 1');
    if (!(this.timeoutMs > 0 && this.timeoutMs <= 2 ** 31 - 1)) throw new Error('timeoutMs: a positive number of ms');
  }

  /** BatchGetItem; DynamoDB's answer as is (Responses, UnprocessedKeys). */
  batchGetItem(requestItems: Record<string, KeysAndAttributes>): Promise<BatchGetItemOutput> {
    return this.call<BatchGetItemOutput>('BatchGetItem', JSON.stringify({ RequestItems: requestItems }));
  }

  async getItem(tableName: string, key: Item, consistentRead: boolean): Promise<Item | undefined> {
    const body = JSON.stringify({ TableName: tableName, Key: key, ConsistentRead: consistentRead });
    return (await this.call<{ Item?: Item }>('GetItem', body)).Item;
  }

  /** Closes the keep-alive sockets. */
  destroy(): void {
    this.agent.destroy();
  }

  private async call<T>(operation: Operation, body: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.attempt(operation, body)) as T;
      } catch (error) {
        if (!(error instanceof DynamoReadError) || !error.retryable) throw error;
        if (attempt >= this.maxAttempts) throw asStoreError('DynamoDB', error);
        await new Promise((resolve) => setTimeout(resolve, storeBackoffMs(attempt - 1)));
      }
    }
  }

  private async attempt(operation: Operation, body: string): Promise<unknown> {
    const credentials = await this.options.credentials();
    const signer = new SignatureV4({
      service: 'dynamodb',
      region: this.options.region,
      credentials,
      sha256: Sha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    const request = {
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: '/',
      query: {},
      headers: {
        host: this.url.host,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    };
    const { headers } = await signer.sign(request);
    const { status, text } = await this.send(operation, headers, body);
    const secrets = [credentials.secretAccessKey, credentials.sessionToken];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // status >= 300: answered below; a 2xx that is not JSON is a broken answer, and reads are safe to repeat.
      if (status < 300) throw failure(operation, 'InvalidResponse', 'the answer is not JSON', status, true, secrets);
    }
    if (status >= 200 && status < 300) return parsed;
    const answer = (parsed ?? {}) as { __type?: unknown; message?: unknown; Message?: unknown };
    const type = typeof answer.__type === 'string' ? (answer.__type.split('#').pop() ?? '') : '';
    const message = answer.message ?? answer.Message;
    const retryable = status >= 500 || status === 429 || TRANSIENT_ERROR_TYPES.has(type);
    throw failure(operation, type || 'UnknownError', String(message ?? `HTTP ${status}`), status, retryable, secrets);
  }

  /** One HTTP exchange within the attempt timeout; network failures become DynamoReadErrors. */
  private send(
    operation: Operation,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, answer?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (answer) resolve(answer);
        else reject(networkFailure(operation, error));
      };
      const request = this.transport.request(
        {
          agent: this.agent,
          method: 'POST',
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          path: '/',
          headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => settle(error));
          response.on('end', () =>
            settle(undefined, { status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          // A connection closed mid-answer: 'close' without 'end' (settle ignores it after 'end').
          response.on('close', () => settle(Object.assign(new Error('answer cut short'), { code: 'ECONNRESET' })));
        },
      );
      const giveUp = (message: string) => {
        const timeout = failure(operation, 'TimeoutError', message, undefined, true);
        settle(timeout);
        request.destroy(timeout);
      };
      const timer = setTimeout(() => giveUp(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      // A kept-alive socket is connected already; a new one must connect within the connection timeout.
      request.once('socket', (socket) => {
        if (!socket.connecting) return;
        const connecting = setTimeout(
          () => giveUp(`not connected within ${STORE_CONNECTION_TIMEOUT_MS} ms`),
          STORE_CONNECTION_TIMEOUT_MS,
        );
        socket.once('connect', () => clearTimeout(connecting));
        socket.once('close', () => clearTimeout(connecting));
      });
      request.on('error', (error) => settle(error));
      request.end(body);
    });
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256, or HMAC-SHA256 with a secret, over node:crypto: the hash constructor the signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

function failure(
  operation: Operation,
  type: string,
  message: string,
  status: number | undefined,
  retryable: boolean,
  secrets: readonly (string | undefined)[] = [],
): DynamoReadError {
  // DynamoDB's InvalidSignatureException quotes the canonical request, session token included.
  let text = message;
  for (const secret of secrets) if (secret) text = text.split(secret).join('[redacted]');
  return new DynamoReadError(
    type,
    `DynamoDB ${operation} failed: ${type}: ${text.slice(0, MAX_MESSAGE)}`,
    status,
    retryable,
  );
}

function networkFailure(operation: Operation, error: Error | undefined): DynamoReadError {
  if (error instanceof DynamoReadError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'NetworkError';
  return failure(operation, code, error?.message ?? 'request failed', undefined, TRANSIENT_NETWORK_CODES.has(code));
}
