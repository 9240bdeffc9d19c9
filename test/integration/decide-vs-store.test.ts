/**
 * decide() and the store's conditional claims are one rule written twice (a pure function for the
 * read path, a condition DynamoDB checks for the write): random (state, time, interval) triples
 * go through both, against the real DynamoDB Local, and the claim succeeds exactly when decide
 * says to send (and, for a firing notice, resume or start afresh as decide says).
 */
import { randomBytes } from 'node:crypto';
import { type AttributeValue, CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { DynamoNotificationStateStore } from '../../lib/adapters/dynamodb/dynamo-state-store';
import { decide } from '../../lib/domain/decide';
import type { NotificationState } from '../../lib/ports';

const BASE_MS = Date.UTC(2026, 11, 2, 12, 0, 0);
const HOUR = 3_600_000;

let client: DynamoDBClient;
let store: DynamoNotificationStateStore;
let table: string;

beforeAll(async () => {
  client = new DynamoDBClient({
    endpoint: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // No TTL on this table: items with an expiry in the past must stay readable, as they may on AWS.
  table = `p${randomBytes(6).toString('hex')}-state`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  store = new DynamoNotificationStateStore(client, table);
});

afterAll(() => client?.destroy());

type StoredState = Omit<NotificationState, 'key'> & { resolvingClaim?: string };

/** An offset that lands on the boundaries (-1, 0, +1) as often as anywhere near them. */
const near = (spread: number) => fc.oneof(fc.integer({ min: -1, max: 1 }), fc.integer({ min: -spread, max: spread }));

/** Any state a store could hold (and some it never writes), around `nowMs` and its interval's boundaries. */
function stateAround(nowMs: number, intervalMs: number): fc.Arbitrary<StoredState | undefined> {
  const nowSeconds = Math.floor(nowMs / 1000);
  return fc.option(
    fc
      .record(
        {
          status: fc.constantFrom('pending', 'sent', 'partial', 'muted' as const),
          expiresAt: near(3 * 3600).map((s) => nowSeconds + s),
          sentAt: near(2 * HOUR).map((ms) => nowMs - intervalMs + ms),
          resolvingUntil: near(300).map((s) => nowSeconds + s),
          firingProgressAt: near(2 * HOUR).map((ms) => nowMs - intervalMs + ms),
        },
        { requiredKeys: ['status', 'expiresAt'] },
      )
      .map((state) => (state.resolvingUntil === undefined ? state : { ...state, resolvingClaim: 'elsewhere' })),
    { nil: undefined },
  );
}

function toItem(fingerprint: string, state: StoredState): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: fingerprint },
    status: { S: state.status },
    expiresAt: { N: String(state.expiresAt) },
    claimId: { S: 'earlier' },
  };
  for (const key of ['sentAt', 'resolvingUntil', 'firingProgressAt'] as const) {
    const value = state[key];
    if (value !== undefined) item[key] = { N: String(value) };
  }
  if (state.resolvingClaim) item.resolvingClaim = { S: state.resolvingClaim };
  if (state.status === 'partial') item.firingSentTo = { SS: ['done@example.com'] };
  return item;
}

/** Writes the state under a fresh key and tries one claim on it; true when the conditional write won. */
async function claimWins(
  state: StoredState | undefined,
  claim: { kind: 'firing' | 'resolved'; resume?: boolean },
  nowMs: number,
  intervalMs: number,
): Promise<boolean> {
  const fingerprint = randomBytes(8).toString('hex');
  if (state) await client.send(new PutItemCommand({ TableName: table, Item: toItem(fingerprint, state) }));
  const won = await store.claim(
    [{ key: fingerprint, fingerprint, repeatIntervalMs: intervalMs, ...claim }],
    'claimer',
    new Date(nowMs),
  );
  return won.length === 1;
}

/** A time (with any milliseconds), an interval, and a state around both. */
const caseArb = fc
  .tuple(
    fc.integer({ min: -2 * HOUR, max: 2 * HOUR }).map((ms) => BASE_MS + ms),
    fc.constantFrom(60_000, HOUR, 4 * HOUR, 12 * HOUR),
  )
  .chain(([nowMs, intervalMs]) => stateAround(nowMs, intervalMs).map((state) => [state, nowMs, intervalMs] as const));

test('a firing claim, fresh or resuming, wins exactly when decide says to send it that way', async () => {
  await fc.assert(
    fc.asyncProperty(caseArb, async ([state, nowMs, intervalMs]) => {
      const decision = decide('firing', state, nowMs, { repeatIntervalMs: intervalMs, sendResolved: true });
      const fresh = await claimWins(state, { kind: 'firing' }, nowMs, intervalMs);
      const resume = await claimWins(state, { kind: 'firing', resume: true }, nowMs, intervalMs);

      expect({ fresh, resume }).toEqual({
        fresh: decision.kind === 'sendFiring' && !decision.resume,
        resume: decision.kind === 'sendFiring' && decision.resume,
      });
    }),
    { numRuns: 200 },
  );
}, 120_000);

test('a resolved claim wins exactly when decide says a resolved notice is due (sent, or cleared without one)', async () => {
  await fc.assert(
    fc.asyncProperty(caseArb, async ([state, nowMs, intervalMs]) => {
      const withNotice = decide('resolved', state, nowMs, { repeatIntervalMs: intervalMs, sendResolved: true });
      const withoutNotice = decide('resolved', state, nowMs, { repeatIntervalMs: intervalMs, sendResolved: false });
      const won = await claimWins(state, { kind: 'resolved' }, nowMs, intervalMs);

      expect(won).toBe(withNotice.kind === 'sendResolved');
      // A live muted state (held while a notice was due) is cleared on resolve too, with no notice owed.
      const heldEpisode = state?.status === 'muted' && state.expiresAt * 1000 > nowMs;
      expect(withoutNotice.kind === 'clear').toBe(won || heldEpisode);
      if (heldEpisode) expect(withNotice.kind).toBe('clear');
    }),
    { numRuns: 200 },
  );
}, 120_000);
