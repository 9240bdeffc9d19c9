import { STORE_HEALTH_CACHE_MS } from '../adapters/dynamodb/store-timeouts';

export type StoreStatus = 'ok' | 'unavailable';

/**
 * Whether the store answers, for /healthz: one probe (a read the function already makes), its
 * result reused for STORE_HEALTH_CACHE_MS after it settles, and callers arriving while a probe is
 * in flight share it, so however often /healthz is polled the store sees one read per few seconds.
 */
export class StoreHealth {
  private settled?: { readonly at: number; readonly status: StoreStatus };
  private pending?: Promise<StoreStatus>;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly now: () => number = Date.now,
    private readonly cacheMs: number = STORE_HEALTH_CACHE_MS,
  ) {}

  status(): Promise<StoreStatus> {
    if (this.settled && this.now() - this.settled.at < this.cacheMs) return Promise.resolve(this.settled.status);
    this.pending ??= this.probe().then(
      () => this.settle('ok'),
      () => this.settle('unavailable'),
    );
    return this.pending;
  }

  private settle(status: StoreStatus): StoreStatus {
    this.settled = { at: this.now(), status };
    this.pending = undefined;
    return status;
  }
}
