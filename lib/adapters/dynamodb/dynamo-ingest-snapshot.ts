import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { chunk } from '../../concurrency';
import { phase } from '../../phases';
import type {
  IngestSnapshot,
  IngestSnapshotReader,
  MuteWindowsDocument,
  NotificationState,
  SilencesDocument,
} from '../../ports';
import { BATCH_GET_LIMIT, type BatchGet, batchGetConsistent } from './dynamo-batch-get';
import {
  addState,
  CONFIG_KEY,
  decodeConfigItem,
  decodeDocumentItem,
  decodeTemplatesGeneration,
  type Item,
  MUTE_WINDOWS_KEY,
  SILENCES_KEY,
  stateKey,
  TEMPLATES_INDEX_KEY,
} from './dynamo-items';

/** The config table's items every request reads: the config, the silences, the mute windows, the templates' index. */
const DOCUMENT_KEYS = [CONFIG_KEY, SILENCES_KEY, MUTE_WINDOWS_KEY, TEMPLATES_INDEX_KEY];

/**
 * Reads the config, silences and mute-window items, the templates' index (its generation says
 * whether the templates a process keeps are still current) and the states of a batch in one round
 * trip: up to 96 state keys (Prometheus posts at most 64 alerts) share one BatchGetItem across both
 * tables with the four documents. A bigger batch adds full 100-key BatchGetItems of the other
 * states, all in parallel: as many calls as splitting the keys 96, 100, 100, ...
 */
export class DynamoIngestSnapshotReader implements IngestSnapshotReader {
  private readonly batchGet: BatchGet;

  constructor(
    client: DynamoDBClient,
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
    // The documents ride with the first 96 states; the rest go in full 100-key reads beside it, in parallel.
    const first = unique.slice(0, BATCH_GET_LIMIT - DOCUMENT_KEYS.length);
    const [found] = await Promise.all([
      batchGetConsistent(this.batchGet, { [this.configTable]: DOCUMENT_KEYS, [this.stateTable]: first.map(stateKey) }),
      ...chunk(unique.slice(first.length), BATCH_GET_LIMIT).map(async (part) => {
        addStates(
          (await batchGetConsistent(this.batchGet, { [this.stateTable]: part.map(stateKey) })).get(this.stateTable),
        );
      }),
    ]);
    addStates(found.get(this.stateTable));
    return { ...documents(found.get(this.configTable)), states };
  }
}

/** The documents among the config table's items read (BatchGetItem answers in no particular order). */
export function documents(items: readonly Item[] | undefined): Omit<IngestSnapshot, 'states'> {
  const byKey = new Map((items ?? []).map((item) => [item.pk?.S, item]));
  return {
    config: decodeConfigItem(byKey.get(CONFIG_KEY.pk?.S)),
    silences: decodeDocumentItem<SilencesDocument>(byKey.get(SILENCES_KEY.pk?.S)),
    muteWindows: decodeDocumentItem<MuteWindowsDocument>(byKey.get(MUTE_WINDOWS_KEY.pk?.S)),
    templatesGeneration: decodeTemplatesGeneration(byKey.get(TEMPLATES_INDEX_KEY.pk?.S)),
  };
}
