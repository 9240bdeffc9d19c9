/**
 * What each request costs the store, counted: a proxy in front of DynamoDB Local that asks every
 * item operation for `ReturnConsumedCapacity: TOTAL` and adds up the capacity units DynamoDB
 * Local computes from the item sizes (4 KB per strongly consistent read unit, 1 KB per write
 * unit: the on-demand billing rules). Where DynamoDB Local reports less than DynamoDB bills, the
 * billing rule is applied: a key read that finds no item still costs a read unit, and a
 * transaction's writes cost twice, and every item written at least one unit (DynamoDB Local under-reports both).
 * Only the bench's cost pass
 * goes through it (its own runtime child), so the throughput rows are not slowed by it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Operations that take ReturnConsumedCapacity. */
const WITH_CAPACITY = new Set([
  'GetItem',
  'BatchGetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
  'Query',
  'Scan',
]);

const READS = new Set(['GetItem', 'BatchGetItem', 'TransactGetItems', 'Query', 'Scan']);

export interface StoreTally {
  /** Calls per operation name. */
  readonly calls: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
}

export interface CountingStore {
  readonly endpoint: string;
  /** Counts since the last reset. */
  tally(): StoreTally;
  reset(): void;
  stop(): Promise<void>;
}

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export async function startCountingStore(upstreamEndpoint: string): Promise<CountingStore> {
  const upstream = new URL(upstreamEndpoint);
  let calls: Record<string, number> = {};
  let readUnits = 0;
  let writeUnits = 0;
  /** Capacity of one call: what DynamoDB Local reports, raised to DynamoDB's billing minimum. */
  const add = (operation: string, consumed: readonly Consumed[], request: Record<string, unknown>) => {
    let read = 0;
    let write = 0;
    for (const entry of consumed) {
      if (entry.ReadCapacityUnits || entry.WriteCapacityUnits) {
        read += entry.ReadCapacityUnits ?? 0;
        write += entry.WriteCapacityUnits ?? 0;
      } else if (READS.has(operation)) read += entry.CapacityUnits ?? 0;
      else write += entry.CapacityUnits ?? 0;
    }
    if (operation === 'GetItem') read = Math.max(read, 1);
    if (operation === 'BatchGetItem') {
      const tables = Object.values((request.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>);
      read = Math.max(
        read,
        tables.reduce((sum, table) => sum + (table.Keys?.length ?? 0), 0),
      );
    }
    // Every item alertmail writes is under 1 KB except a delivery record (a PutItem, reported by size).
    if (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem') write = Math.max(write, 1);
    if (operation === 'TransactWriteItems')
      write = Math.max(write, 2 * ((request.TransactItems as unknown[]) ?? []).length);
    if (operation === 'BatchWriteItem') {
      const tables = Object.values((request.RequestItems ?? {}) as Record<string, unknown[]>);
      write = Math.max(
        write,
        tables.reduce((sum, writes) => sum + writes.length, 0),
      );
    }
    readUnits += read;
    writeUnits += write;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const server = http.createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      let parsed: Record<string, unknown> = {};
      if (WITH_CAPACITY.has(operation)) {
        try {
          parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          parsed.ReturnConsumedCapacity = 'TOTAL';
          body = Buffer.from(JSON.stringify(parsed));
        } catch {
          // not JSON: forwarded as it came
        }
      }
      calls[operation] = (calls[operation] ?? 0) + 1;
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const forward = http.request(
        { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (reply) => {
          const received: Buffer[] = [];
          reply.on('data', (chunk: Buffer) => received.push(chunk));
          reply.on('end', () => {
            const raw = Buffer.concat(received);
            try {
              const answer = JSON.parse(raw.toString('utf8')) as { ConsumedCapacity?: Consumed | Consumed[] };
              const consumed = answer.ConsumedCapacity;
              // Failed calls (a cancelled transaction, a failed condition) are billed too, but rare here.
              if (reply.statusCode === 200 && WITH_CAPACITY.has(operation))
                add(operation, Array.isArray(consumed) ? consumed : consumed ? [consumed] : [], parsed);
            } catch {
              // not JSON
            }
            // The body is passed on byte for byte: the SDK checks its CRC32.
            res.writeHead(reply.statusCode ?? 500, reply.headers);
            res.end(raw);
          });
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tally: () => ({ calls: { ...calls }, readUnits, writeUnits }),
    reset: () => {
      calls = {};
      readUnits = 0;
      writeUnits = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
