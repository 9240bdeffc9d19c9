import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { chunk } from '../concurrency';
import type { IngestSnapshot, IngestSnapshotReader, NotificationState } from '../ports';
import { BATCH_GET_LIMIT, batchGetConsistent, type Item } from './dynamo-batch-get';
import { CONFIG_KEY, decodeConfigItem } from './dynamo-config-store';
import { addState, stateKey } from './dynamo-state-store';

/**
 * Reads the config item and the states of a batch in one round trip: up to 99 alerts (Prometheus
 * posts at most 64) share one BatchGetItem across both tables with the config. A bigger batch
 * reads the config with a GetItem beside full 100-key BatchGetItems of states, all in parallel:
 * as many calls as splitting it 99 + config, 1, ..., and each call cheaper (one table per batch read).
 */
export class DynamoIngestSnapshotReader implements IngestSnapshotReader {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly configTable: string,
    private readonly stateTable: string,
  ) {}

  async read(fingerprints: readonly string[]): Promise<IngestSnapshot> {
    const unique = [...new Set(fingerprints)];
    const states = new Map<string, NotificationState>();
    const addStates = (items: readonly Item[] | undefined) => {
      for (const item of items ?? []) addState(states, item);
    };
    if (unique.length < BATCH_GET_LIMIT) {
      const found = await batchGetConsistent(this.client, {
        [this.configTable]: [CONFIG_KEY],
        [this.stateTable]: unique.map(stateKey),
      });
      addStates(found.get(this.stateTable));
      return { config: decodeConfigItem(found.get(this.configTable)?.[0]), states };
    }
    const [config] = await Promise.all([
      this.client
        .send(new GetItemCommand({ TableName: this.configTable, Key: CONFIG_KEY, ConsistentRead: true }))
        .then((out) => decodeConfigItem(out.Item)),
      ...chunk(unique, BATCH_GET_LIMIT).map(async (keys) => {
        addStates(
          (await batchGetConsistent(this.client, { [this.stateTable]: keys.map(stateKey) })).get(this.stateTable),
        );
      }),
    ]);
    return { config, states };
  }
}
