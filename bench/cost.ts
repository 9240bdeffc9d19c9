/**
 * What a million alerts cost on AWS, on paper, from the bench's own counts per request (the cost
 * pass: bench/store-counts.ts in front of DynamoDB Local, one runtime child of its own) and list
 * prices. The prices are us-east-1 on-demand list prices as known on PRICES_AS_OF (this machine
 * has no network beyond npm, so they were not re-read on the day of the run): check them at
 * aws.amazon.com/pricing before relying on a figure.
 */

export const PRICES_AS_OF = '2025-06 (us-east-1 list prices as known then; not re-checked on the run date)';

export const PRICES = {
  /** HTTP API, per request (first 300 M a month; each 512 KB of a request counts as one). */
  httpApiPerRequest: 1.0 / 1e6,
  /** Lambda, per request, and per GB-second on arm64 (the stack's architecture: cdk/function.ts). */
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.0000133334,
  /** DynamoDB on-demand (after the November 2024 price cut), per read and per write request unit. */
  dynamoPerRead: 0.125 / 1e6,
  dynamoPerWrite: 0.625 / 1e6,
  /** Secrets Manager, per API call (10,000 for $0.05). */
  secretsPerCall: 0.05 / 10_000,
  /** SES, per email sent (only a stack deployed with alertmail:transport=ses). */
  sesPerEmail: 0.1 / 1_000,
  /** EC2 t4g.small on demand, per hour (Alertmanager's HA pair runs two). */
  t4gSmallPerHour: 0.0168,
  /** EBS gp3 per GB-month (an 8 GB root volume each). */
  gp3PerGbMonth: 0.08,
} as const;

/** The ingest function's memory (cdk/stack.ts). */
export const INGEST_MEMORY_MB = 512;

export interface CountedShape {
  readonly name: string;
  /** Alerts per request. */
  readonly batch: number;
  readonly requests: number;
  readonly alerts: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly calls: Record<string, number>;
  /** Emails sent over the counted requests. */
  readonly emails: number;
  /** Sequential request duration (POST → answer) p50, ms: the Lambda duration estimate. */
  readonly requestP50Ms: number;
}

export interface ShapeCost {
  readonly shape: CountedShape;
  readonly perMillion: {
    readonly api: number;
    readonly lambda: number;
    readonly dynamo: number;
    readonly ses: number;
    readonly total: number;
    /** Without SES: the default SMTP transport sends through the admin's own server. */
    readonly totalSmtp: number;
  };
  /** Alerts per second at which each default account limit binds (SES apart: only ses stacks have it). */
  readonly limits: Readonly<Record<string, number>>;
  /** Alerts per second SES's production default lets through (ses stacks). */
  readonly sesLimit: number;
}

/** Default account limits (us-east-1) and the stack's own defaults, per second. */
export const LIMITS = {
  lambdaConcurrency: 1_000,
  /** Per table, on-demand: the default table-level maximum throughput. */
  tableReadUnitsPerSecond: 40_000,
  tableWriteUnitsPerSecond: 40_000,
  /** One partition (the config item every request reads; the deliveries log's one partition key). */
  partitionReadUnitsPerSecond: 3_000,
  partitionWriteUnitsPerSecond: 1_000,
  /** HTTP API account throttle, per region: 10,000 requests/s steady (burst 5,000). */
  httpApiRequestsPerSecond: 10_000,
  /** The stack's own default route throttle (alertmail:throttleRate, cdk/settings.ts). */
  stackThrottleRate: 50,
  /** SES production default (sandbox: 1/s and 200 a day). */
  sesEmailsPerSecond: 14,
} as const;

export function costOf(shape: CountedShape, deliveriesWriteUnitsPerEmail: number): ShapeCost {
  const perAlert = (value: number) => value / shape.alerts;
  const requestsPerAlert = shape.requests / shape.alerts;
  const gbSeconds = (INGEST_MEMORY_MB / 1024) * (Math.ceil(shape.requestP50Ms) / 1000);
  const api = requestsPerAlert * PRICES.httpApiPerRequest * 1e6;
  const lambda = requestsPerAlert * (PRICES.lambdaPerRequest + gbSeconds * PRICES.lambdaArmPerGbSecond) * 1e6;
  const dynamo =
    (perAlert(shape.readUnits) * PRICES.dynamoPerRead + perAlert(shape.writeUnits) * PRICES.dynamoPerWrite) * 1e6;
  const ses = perAlert(shape.emails) * PRICES.sesPerEmail * 1e6;
  const limits: Record<string, number> = {
    'Lambda concurrency 1,000': LIMITS.lambdaConcurrency / (shape.requestP50Ms / 1000) / requestsPerAlert,
    'HTTP API 10,000 requests/s (account)': LIMITS.httpApiRequestsPerSecond / requestsPerAlert,
    "the stack's own throttle, 50 requests/s (alertmail:throttleRate)": LIMITS.stackThrottleRate / requestsPerAlert,
    'state table 40,000 read units/s':
      shape.readUnits > 0 ? LIMITS.tableReadUnitsPerSecond / perAlert(shape.readUnits) : Infinity,
    'state + config 40,000 write units/s per table':
      shape.writeUnits > 0 ? LIMITS.tableWriteUnitsPerSecond / perAlert(shape.writeUnits) : Infinity,
    'the config item, one partition: 3,000 read units/s (read with every request)':
      LIMITS.partitionReadUnitsPerSecond / requestsPerAlert,
    'the deliveries log, one partition: 1,000 write units/s':
      shape.emails > 0
        ? LIMITS.partitionWriteUnitsPerSecond / (perAlert(shape.emails) * deliveriesWriteUnitsPerEmail)
        : Infinity,
  };
  const sesLimit = shape.emails > 0 ? LIMITS.sesEmailsPerSecond / perAlert(shape.emails) : Infinity;
  return {
    shape,
    perMillion: { api, lambda, dynamo, ses, total: api + lambda + dynamo + ses, totalSmtp: api + lambda + dynamo },
    limits,
    sesLimit,
  };
}

/** Alertmanager as an HA pair on two t4g.small, a month (730 h), whatever the alert rate. */
export function alertmanagerMonthly(): number {
  return 2 * (PRICES.t4gSmallPerHour * 730 + 8 * PRICES.gp3PerGbMonth);
}
