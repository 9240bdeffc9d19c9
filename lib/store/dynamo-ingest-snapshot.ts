import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { chunk } from '../concurrency';
import type { IngestSnapshotReader, NotificationState } from '../ports';
import { BATCH_GET_LIMIT, batchGetConsistent } from './dynamo-batch-get';
import { CONFIG_KEY, decodeConfigItem } from './dynamo-config-store';
import { addState, stateKey } from './dynamo-state-store';

/**
 * Reads the config item and the states of a batch in one BatchGetItem across both tables
 * (99 states + the config per call; larger batches add calls that run in parallel), so a
 * steady-state request, Prometheus re-sending what was already notified, is one round trip.
 */
export class DynamoIngestSnapshotReader implements IngestSnapshotReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly configTable: string,
    private readonly stateTable: string,
  ) {}

  async read(fingerprints: readonly string[]) {
    const [first = [], ...rest] = chunk([...new Set(fingerprints)], BATCH_GET_LIMIT - 1);
    const states = new Map<string, NotificationState>();
    const [withConfig] = await Promise.all([
      batchGetConsistent(this.client, { [this.configTable]: [CONFIG_KEY], [this.stateTable]: first.map(stateKey) }),
      ...rest.map(async (keys) => {
        const found = await batchGetConsistent(this.client, { [this.stateTable]: keys.map(stateKey) });
        for (const item of found.get(this.stateTable) ?? []) addState(states, item);
      }),
    ]);
    for (const item of withConfig.get(this.stateTable) ?? []) addState(states, item);
    return { config: decodeConfigItem(withConfig.get(this.configTable)?.[0]), states };
  }
}
