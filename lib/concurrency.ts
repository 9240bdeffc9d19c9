/** Runs `task` over `items` with at most `limit` in flight, preserving order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `task` until it succeeds: at most `attempts` times, backing off 200 ms, 400 ms, … between
 * tries, and never starting a try after `deadline` (epoch ms). Throws the last error.
 */
export async function retryBounded<R>(task: () => Promise<R>, attempts: number, deadline: number): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      const pause = 200 * 2 ** attempt;
      if (attempt + 1 >= attempts || Date.now() + pause >= deadline) throw error;
      await sleep(pause);
    }
  }
}
