import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { chunk } from '../../concurrency';
import { phase } from '../../phases';
import type { ConfigStore, IngestSnapshot, IngestSnapshotReader, NotificationState } from '../../ports';
import { BATCH_GET_LIMIT, type BatchGet, batchGetConsistent } from './dynamo-batch-get';
import { addState, CONFIG_KEY, decodeConfigItem, type Item, stateKey } from './dynamo-items';

/**
 * Reads the config item and the states of a batch in one round trip: up to 99 states (Prometheus
 * posts at most 64 alerts; each takes one key per route it goes to) share one BatchGetItem across both tables with the config. A bigger batch
 * reads the config with the config store's GetItem beside full 100-key BatchGetItems of states,
 * all in parallel: as many calls as splitting it 99 + config, 1, ..., and each call cheaper (one
 * table per batch read).
 */
export class DynamoIngestSnapshotReader implements IngestSnapshotReader {
  private readonly batchGet: BatchGet;

  constructor(
    client: DynamoDBClient,
    private readonly config: ConfigStore,
    private readonly configTable: string,
    private readonly stateTable: string,
  ) {
    this.batchGet = (RequestItems) => client.send(new BatchGetItemCommand({ RequestItems }));
  }

  async read(keys: readonly string[]): Promise<IngestSnapshot> {
    phase('snapshot read');
    try {
      return await this.readAll(keys);
    } finally {
      phase('snapshot read done');
    }
  }

  private async readAll(keys: readonly string[]): Promise<IngestSnapshot> {
    const unique = [...new Set(keys)];
    const states = new Map<string, NotificationState>();
    const addStates = (items: readonly Item[] | undefined) => {
      for (const item of items ?? []) addState(states, item);
    };
    if (unique.length < BATCH_GET_LIMIT) {
      const found = await batchGetConsistent(this.batchGet, {
        [this.configTable]: [CONFIG_KEY],
        [this.stateTable]: unique.map(stateKey),
      });
      addStates(found.get(this.stateTable));
      return { config: decodeConfigItem(found.get(this.configTable)?.[0]), states };
    }
    const [config] = await Promise.all([
      this.config.load(),
      ...chunk(unique, BATCH_GET_LIMIT).map(async (part) => {
        addStates(
          (await batchGetConsistent(this.batchGet, { [this.stateTable]: part.map(stateKey) })).get(this.stateTable),
        );
      }),
    ]);
    return { config, states };
  }
}
