import { randomUUID } from 'node:crypto';
import { sleep } from '../../concurrency';
import { requestDeadlines } from '../../deadlines';
import type { Alert } from '../../domain/alerts/model';
import { DEFAULT_REPEAT_INTERVAL_MS, parseDuration } from '../../domain/durations';
import { windowsByName } from '../../domain/mute-windows';
import { DeliveryFailedError } from '../../errors';
import type { Logger } from '../../log';
import type { IngestSnapshotReader, NotificationStateStore } from '../../ports';
import type { ConfigReader } from '../config/reader';
import type { MailDelivery } from '../mail-delivery';
import { deliver } from './deliver';
import {
  claim,
  decideEach,
  deliveryGate,
  type IngestRequest,
  matchConditions,
  mute,
  onePerFingerprint,
  type Settled,
} from './stages';

/** What one request did: every received alert counted once, under its first reason. */
export interface IngestResult {
  readonly received: number;
  readonly matched: number;
  readonly notified: number;
  readonly suppressed: {
    readonly conditions: number;
    readonly repeatInterval: number;
    readonly disabled: number;
    readonly notConfigured: number;
    readonly undeliverable: number;
    readonly silenced: number;
    readonly muted: number;
  };
  /** The delivery someone received, or null when nothing was sent. */
  readonly deliveryId: string | null;
}

export interface IngestDeps {
  readonly config: ConfigReader;
  /** The first read of each request: config and states in one round trip. */
  readonly snapshot: IngestSnapshotReader;
  readonly state: NotificationStateStore;
  readonly mailDelivery: MailDelivery;
  readonly clock: () => Date;
  readonly log: Logger;
}

/**
 * How long a request waits for another invocation's claim on the same alerts (concurrent identical
 * posts, Alertmanager HA pairs) before answering 503 so its sender retries. Kept short: the
 * request's own sends must still fit its deadline.
 */
export const IN_FLIGHT_WAIT_MS = 5_000;
const IN_FLIGHT_POLL_MS = 200;
/** Bounds the wait even under a clock that does not move (tests inject one). */
const MAX_ROUNDS = Math.ceil(IN_FLIGHT_WAIT_MS / IN_FLIGHT_POLL_MS) + 1;

/**
 * The ingest pipeline: conditions → delivery gate → one per fingerprint → mute → decide → claim →
 * send and complete, the last three in rounds while another invocation holds some of the claims.
 * Steady state (everything already notified) costs one batched read of the config and the states
 * per request, and no write. Each alert is settled once, under its first reason, so the counts add
 * up: `received = matched + suppressed.conditions`, `matched = notified + suppressed.*` (the others).
 */
export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  /** The service's clock: payloads are parsed against it, so "endsAt in the past" and the repeat interval agree. */
  now(): Date {
    return this.deps.clock();
  }

  async ingest(received: readonly Alert[]): Promise<IngestResult> {
    const deadlines = requestDeadlines();
    // Steady state: this one read (config and every state, in one round trip) is the request's only store access.
    const snapshot = await this.deps.snapshot.read(received.map((alert) => alert.fingerprint));
    const config = this.deps.config.withDefaults(snapshot.config);
    const request: IngestRequest = {
      deps: this.deps,
      config,
      policy: {
        repeatIntervalMs: parseDuration(config.repeatInterval) ?? DEFAULT_REPEAT_INTERVAL_MS,
        sendResolved: config.sendResolved,
      },
      deadlines,
      silences: snapshot.silences?.value.silences ?? [],
      muteWindows: windowsByName(snapshot.muteWindows?.value.windows ?? []),
      states: snapshot.states,
    };
    const settled: Settled[] = [];
    let alerts: readonly Alert[] = received;
    for (const stage of [matchConditions, deliveryGate, onePerFingerprint, mute]) {
      const out = await stage(request, alerts);
      settled.push(...out.settled);
      alerts = out.next;
    }
    const deliveryId = await this.deliverInRounds(request, alerts, settled);
    return tally(received.length, settled, deliveryId);
  }

  /** decide → claim → send and complete; alerts another invocation is sending are looked at again, briefly. */
  private async deliverInRounds(
    request: IngestRequest,
    alerts: readonly Alert[],
    settled: Settled[],
  ): Promise<string | null> {
    const byFingerprint = new Map(alerts.map((alert) => [alert.fingerprint, alert]));
    const waitUntil = this.deps.clock().getTime() + IN_FLIGHT_WAIT_MS;
    let server: Awaited<ReturnType<ConfigReader['mailServer']>> | undefined;
    let deliveryId: string | null = null;
    let candidates = alerts;
    for (let round = 1; candidates.length > 0; round++) {
      if (round > 1) {
        await sleep(IN_FLIGHT_POLL_MS);
        request.states = await this.deps.state.getMany(candidates.map((alert) => alert.fingerprint));
      }
      const decided = await decideEach(request, candidates);
      settled.push(...decided.settled);
      const claimed = await claim(request, decided.next.due, randomUUID());
      if (claimed.won.length > 0) {
        server ??= await this.deps.config.mailServer(request.config);
        const delivered = await deliver(request, claimed.won, claimed.claimId, byFingerprint, server);
        settled.push(...delivered.settled);
        deliveryId ??= delivered.deliveryId;
      }
      const waiting = new Set([...decided.next.waiting.map((alert) => alert.fingerprint), ...claimed.lost]);
      candidates = candidates.filter((alert) => waiting.has(alert.fingerprint));
      if (candidates.length > 0 && (round >= MAX_ROUNDS || this.deps.clock().getTime() >= waitUntil)) {
        // Another invocation holds these claims and has not finished (or has crashed, and its short
        // window has not passed yet). Answering 202 could lose them: the sender's retry sends.
        throw new DeliveryFailedError(
          `${candidates.length} alert(s) are being delivered by another request that has not finished; retry to make sure they are delivered`,
          new Error('claims in flight elsewhere'),
        );
      }
    }
    return deliveryId;
  }
}

/** The answer's counts, from the reasons the stages settled the alerts with. */
function tally(received: number, settled: readonly Settled[], deliveryId: string | null): IngestResult {
  const count = (reason: Settled['reason']) =>
    settled.filter((s) => s.reason === reason).reduce((sum, s) => sum + s.count, 0);
  const conditions = count('conditions');
  return {
    received,
    matched: received - conditions,
    notified: count('notified'),
    suppressed: {
      conditions,
      repeatInterval: count('repeatInterval'),
      disabled: count('disabled'),
      notConfigured: count('notConfigured'),
      undeliverable: count('undeliverable'),
      silenced: count('silenced'),
      muted: count('muted'),
    },
    deliveryId,
  };
}
