/** /healthz's look at the store: one probe shared by concurrent callers, its result reused for a few seconds. */

import { STORE_HEALTH_CACHE_MS } from '../../lib/adapters/dynamodb/store-timeouts';
import { StoreHealth } from '../../lib/usecases/store-health';

function probeThat(outcomes: Array<'answers' | 'fails'>) {
  let calls = 0;
  const release: Array<() => void> = [];
  const probe = () => {
    const outcome = outcomes[Math.min(calls, outcomes.length - 1)];
    calls++;
    return new Promise<void>((resolve, reject) => {
      release.push(() => (outcome === 'answers' ? resolve() : reject(new Error('store down'))));
    });
  };
  const settle = () => {
    for (const done of release.splice(0)) done();
  };
  return { probe, calls: () => calls, settle };
}

describe('StoreHealth', () => {
  it('shares one in-flight probe among concurrent callers', async () => {
    const { probe, calls, settle } = probeThat(['answers']);
    const health = new StoreHealth(probe, () => 0);

    const looks = [health.status(), health.status(), health.status()];
    settle();

    expect(await Promise.all(looks)).toEqual(['ok', 'ok', 'ok']);
    expect(calls()).toBe(1);
  });

  it('reuses the result until STORE_HEALTH_CACHE_MS after the probe settled, then probes again', async () => {
    let now = 1_000;
    const { probe, calls, settle } = probeThat(['answers', 'fails']);
    const health = new StoreHealth(probe, () => now);
    const first = health.status();
    settle();
    await first;

    now += STORE_HEALTH_CACHE_MS - 1;
    const cached = await health.status();
    now += 1;
    const fresh = health.status();
    settle();

    expect(cached).toBe('ok');
    expect(await fresh).toBe('unavailable');
    expect(calls()).toBe(2);
  });
});
