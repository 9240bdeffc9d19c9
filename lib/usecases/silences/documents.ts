import { ConcurrentModificationError } from '../../errors';
import type { DocumentStore } from '../../ports';

/** Enough for a burst of concurrent admins: each lost race means another writer won. */
const MAX_ATTEMPTS = 8;

/**
 * Read, change, write back with the version check; a lost race reads again. `mutate` may throw
 * (validation, not found): nothing is written then.
 */
export async function updateDocument<T, R>(
  store: DocumentStore<T>,
  empty: T,
  mutate: (current: T) => { value: T; result: R },
  what: string,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await store.load();
    const { value, result } = mutate(stored?.value ?? empty);
    if (await store.save(value, stored?.version ?? null)) return result;
  }
  throw new ConcurrentModificationError(`The ${what} changed concurrently too many times; retry the request`);
}
