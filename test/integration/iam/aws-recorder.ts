/**
 * What the functions say to AWS, recorded at the wire, one set of endpoints per function so every
 * call is attributed to the function that made it:
 * - DynamoDB: the counting proxy of support.ts in front of the shared DynamoDB Local;
 * - Secrets Manager: nothing emulates it, so a small in-memory server speaking its JSON 1.1
 *   protocol (`X-Amz-Target: secretsmanager.GetSecretValue` / `PutSecretValue`, `{SecretId, ...}`),
 *   reached through the SDK's standard `AWS_ENDPOINT_URL_SECRETS_MANAGER`;
 * - SES: a proxy in front of aws-ses-v2-local (query protocol, `Action=SendRawEmail`).
 * Each request becomes the IAM authorization requests it needs, as IAM checks them:
 * `BatchGetItem` / `BatchWriteItem` once per table, `TransactWriteItems` once per item as the item's
 * own action, `SendRawEmail` on the SES identity that authorizes the sender address.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CountingDynamoProxy, startCountingDynamoProxy } from '../support';
import { ACCOUNT, REGION } from './template';

/** One authorization request IAM evaluates for a call. */
export interface AuthorizedCall {
  /** The function's logical id. */
  readonly fn: string;
  /** The wire operation (`TransactWriteItems`), for the report. */
  readonly operation: string;
  /** The IAM action (`dynamodb:PutItem`). */
  readonly action: string;
  readonly resource: string;
}

const tableArn = (table: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`;

/** IAM's view of one DynamoDB request. */
export function dynamoAuthorizations(operation: string, body: Record<string, unknown>): Array<[string, string]> {
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems ?? {}) as object).map((table) => [
        `dynamodb:${operation}`,
        tableArn(table),
      ]);
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const kinds: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
        Get: 'GetItem',
      };
      return ((body.TransactItems ?? []) as Array<Record<string, { TableName: string }>>).map((item) => {
        const [kind, request] = Object.entries(item)[0] ?? [];
        const action = kind ? kinds[kind] : undefined;
        if (!action || !request) throw new Error(`unknown transaction item ${JSON.stringify(item)}`);
        return [`dynamodb:${action}`, tableArn(request.TableName)];
      });
    }
    default:
      // A query of an index is authorized on the index's ARN.
      return [
        [
          `dynamodb:${operation}`,
          `${tableArn(String(body.TableName))}${body.IndexName ? `/index/${String(body.IndexName)}` : ''}`,
        ],
      ];
  }
}

/**
 * The identity SES authorizes SendRawEmail on: the sender address's own identity if it is the
 * verified one, else its domain's (a verified domain covers every address in it and in its
 * subdomains), else the address itself, which nothing verified covers.
 */
export function sesIdentityArn(source: string, verifiedIdentity: string | undefined): string {
  const address = source.replace(/^.*<([^>]+)>\s*$/, '$1').trim();
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  const identity = verifiedIdentity?.toLowerCase();
  let covering = address;
  if (identity && (address.toLowerCase() === identity || domain === identity || domain.endsWith(`.${identity}`))) {
    covering = verifiedIdentity as string;
  }
  return `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${covering}`;
}

/** The secrets, by ARN, shared by every function's Secrets Manager endpoint. */
export class SecretsVault {
  readonly values = new Map<string, string>();

  /** A SecretId (ARN or name) → the ARN it names. */
  arnOf(secretId: string): string | undefined {
    if (this.values.has(secretId)) return secretId;
    return [...this.values.keys()].find((arn) => arn.split(':')[6]?.replace(/-[A-Za-z0-9]{6}$/, '') === secretId);
  }
}

export interface SesControl {
  /** aws-ses-v2-local's URL. */
  readonly upstream: string;
  /** The verified identity (ALERTMAIL_SES_IDENTITY) the model authorizes senders against. */
  readonly identity: string | undefined;
  /** Answer the next `count` SendRawEmail calls as SES does for an unverified address. */
  rejectNext: number;
}

export interface FunctionEndpoints {
  /** ALERTMAIL_DYNAMODB_ENDPOINT */
  readonly dynamodb: string;
  /** AWS_ENDPOINT_URL_SECRETS_MANAGER and ALERTMAIL_SES_ENDPOINT (one server answers both protocols). */
  readonly aws: string;
  stop(): Promise<void>;
}

const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

/** The recorder of one stack's run: every function's endpoints write into `calls`. */
export class AwsRecorder {
  private readonly dynamoProxies = new Map<string, CountingDynamoProxy>();
  /** Every authorization request of every call, in order. */
  readonly calls: AuthorizedCall[] = [];

  constructor(
    readonly vault: SecretsVault,
    readonly ses: SesControl | undefined,
  ) {}

  /** The calls the DynamoDB proxies saw, folded into `calls` (the proxy records; this reads it). */
  private collectDynamo(): void {
    for (const [fn, proxy] of this.dynamoProxies) {
      for (const { operation, body } of proxy.requests.splice(0)) {
        for (const [action, resource] of dynamoAuthorizations(operation, body)) {
          this.calls.push({ fn, operation, action, resource });
        }
      }
    }
  }

  /** All calls so far (DynamoDB's collected first). */
  recorded(): AuthorizedCall[] {
    this.collectDynamo();
    return this.calls;
  }

  async endpointsFor(fn: string): Promise<FunctionEndpoints> {
    const dynamo = await startCountingDynamoProxy();
    this.dynamoProxies.set(fn, dynamo);
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target.startsWith('secretsmanager.')) {
          this.secretsManager(fn, target.slice('secretsmanager.'.length), body, res);
        } else {
          this.sesCall(fn, req, body, res);
        }
      });
    });
    const aws = await listen(server);
    return {
      dynamodb: dynamo.endpoint,
      aws,
      stop: async () => {
        await dynamo.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      },
    };
  }

  /** Secrets Manager's documented JSON 1.1 contract, for the operations alertmail sends. */
  private secretsManager(fn: string, operation: string, body: Buffer, res: http.ServerResponse): void {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    const input = JSON.parse(body.toString('utf8') || '{}') as { SecretId?: string; SecretString?: string };
    const secretId = String(input.SecretId ?? '');
    const arn = this.vault.arnOf(secretId);
    // IAM authorizes on the secret's ARN; an unknown secret is recorded under the id it was asked by.
    this.calls.push({
      fn,
      operation,
      action: `secretsmanager:${operation}`,
      resource: arn ?? `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${secretId}`,
    });
    if (!arn) {
      reply(400, {
        __type: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
    const name = arn.split(':')[6] ?? secretId;
    const versionId = randomUUID();
    if (operation === 'GetSecretValue') {
      reply(200, {
        ARN: arn,
        Name: name,
        VersionId: versionId,
        SecretString: this.vault.values.get(arn),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
      return;
    }
    if (operation === 'PutSecretValue' && typeof input.SecretString === 'string') {
      this.vault.values.set(arn, input.SecretString);
      reply(200, { ARN: arn, Name: name, VersionId: versionId, VersionStages: ['AWSCURRENT'] });
      return;
    }
    reply(400, { __type: 'InvalidRequestException', Message: `${operation} is not emulated here` });
  }

  /** SES v1 (query protocol): SendRawEmail recorded on its identity, then passed to aws-ses-v2-local. */
  private sesCall(fn: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const ses = this.ses;
    if (!ses) {
      res.writeHead(500);
      res.end(`unexpected request ${req.method} ${req.url} from ${fn}`);
      return;
    }
    const form = new URLSearchParams(body.toString('utf8'));
    const action = form.get('Action') ?? '(no Action)';
    const source = form.get('Source') ?? '';
    this.calls.push({
      fn,
      operation: action,
      action: `ses:${action}`,
      resource: action === 'SendRawEmail' ? sesIdentityArn(source, ses.identity) : `arn:aws:ses:${REGION}:${ACCOUNT}:*`,
    });
    if (action === 'SendRawEmail' && ses.rejectNext > 0) {
      ses.rejectNext--;
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
          '<Code>MessageRejected</Code><Message>Email address is not verified.</Message></Error>' +
          '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
      );
      return;
    }
    const upstream = http.request(
      `${ses.upstream}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, 'content-length': String(body.length) } },
      (reply) => {
        res.writeHead(reply.statusCode ?? 500, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }
}
