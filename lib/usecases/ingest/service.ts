import { randomUUID } from 'node:crypto';
import { sleep } from '../../concurrency';
import { type RequestDeadlines, requestDeadlines } from '../../deadlines';
import type { Alert } from '../../domain/alerts/model';
import type { MailServer } from '../../domain/config';
import type { MailTemplate } from '../../domain/mail/templates/model';
import { loadWindowEngine, windowsByName } from '../../domain/mute-windows';
import { loadPatternEngine } from '../../domain/patterns';
import { allConditions, type RoutePlan, routePlans } from '../../domain/routes';
import { DeliveryFailedError } from '../../errors';
import type { Logger } from '../../log';
import { phase } from '../../phases';
import type { Claim, IngestSnapshotReader, NotificationStateStore } from '../../ports';
import type { ConfigReader } from '../config/reader';
import type { MailDelivery } from '../mail-delivery';
import { deliver, type PreparedJobs, prepareJobs } from './deliver';
import { type DryRunResult, dryRun } from './dry-run';
import {
  claim,
  decideEach,
  deliveryGate,
  type IngestRequest,
  lastOccurrences,
  matchRoutes,
  mute,
  onePerFingerprint,
  REASON_RANK,
  type Reason,
  type Settled,
  type StageResult,
  type Target,
  targetsOf,
} from './stages';

/** What one request did: every received alert counted once, under its first reason (stages.ts REASON_RANK). */
export interface IngestResult {
  readonly received: number;
  readonly matched: number;
  readonly notified: number;
  readonly suppressed: {
    readonly conditions: number;
    readonly repeatInterval: number;
    readonly disabled: number;
    readonly notConfigured: number;
    readonly silenced: number;
    readonly muted: number;
    readonly undeliverable: number;
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
 * The ingest pipeline: routes → one per fingerprint → (route, alert) targets → delivery gate → mute →
 * decide → claim → send and complete, the last three in rounds while another invocation holds some of the claims.
 * Steady state (everything already notified) costs one batched read of the config and the states
 * per request, and no write. Each alert is settled once, under its first reason, so the counts add
 * up: `received = matched + suppressed.conditions`, `matched = notified + suppressed.*` (the others);
 * an alert on several routes counts once, under the furthest reason any of its routes reached.
 */
export class IngestService {
  /** The routes of the config this process read last: which states to read with the next config. */
  private lastPlans: readonly RoutePlan[] | undefined;
  /** The templates read so far, and the generation of templates they are of. */
  private templates: { readonly generation: number; readonly byName: Map<string, MailTemplate | null> } | undefined;

  constructor(private readonly deps: IngestDeps) {}

  /** The service's clock: payloads are parsed against it, so "endsAt in the past" and the repeat interval agree. */
  now(): Date {
    return this.deps.clock();
  }

  /** What `ingest` would do with these alerts, route by route, changing nothing (dry-run.ts). */
  dryRun(received: readonly Alert[]): Promise<DryRunResult> {
    return dryRun(this.deps, received);
  }

  async ingest(received: readonly Alert[]): Promise<IngestResult> {
    const deadlines = requestDeadlines();
    const request = await this.firstRead(received, deadlines);
    const settled: Settled[] = [];
    const run = async <In, Out>(stage: (r: IngestRequest, input: In) => StageOut<Out>, input: In): Promise<Out> => {
      const out = await stage(request, input);
      settled.push(...out.settled);
      return out.next;
    };
    const routed = await run(matchRoutes, received);
    const unique = await run(onePerFingerprint, routed);
    const targets = targetsOf(request.plans, unique);
    await this.readStatesNotYetRead(request, targets);
    const open = await run(deliveryGate, targets);
    const unmuted = await run(mute, open);
    const deliveryId = await this.deliverInRounds(request, unmuted, settled);
    return tally(received.length, settled, deliveryId);
  }

  /**
   * Steady state: one read, the config and every state this request needs, in one round trip. The
   * states' keys depend on the routes, which are in the config being read: they are taken from the
   * routes this process last saw, and only when those changed does a second read fetch the rest.
   */
  private async firstRead(received: readonly Alert[], deadlines: RequestDeadlines): Promise<IngestRequest> {
    const guess = this.lastPlans;
    const keys = guess
      ? targetsOf(guess, lastOccurrences(received)).map((target) => target.key)
      : received.map((alert) => alert.fingerprint);
    const snapshot = await this.deps.snapshot.read(keys);
    const config = this.deps.config.withDefaults(snapshot.config);
    const plans = routePlans(config);
    const silences = snapshot.silences?.value.silences ?? [];
    await loadPatternEngine([...allConditions(plans), ...silences.flatMap((silence) => silence.matchers)]);
    const windows = snapshot.muteWindows?.value.windows ?? [];
    await loadWindowEngine(windows);
    this.lastPlans = plans;
    return {
      deps: this.deps,
      config,
      plans,
      deadlines,
      silences,
      muteWindows: windowsByName(windows),
      templates: this.templatesAt(snapshot.templatesGeneration),
      states: snapshot.states,
      read: new Set(keys),
    };
  }

  /**
   * The templates read at this generation of them: kept while no template is written or deleted, so
   * a due mail reads its template once per process and change, never in the steady state.
   */
  private templatesAt(generation: number): Map<string, MailTemplate | null> {
    if (this.templates?.generation !== generation) this.templates = { generation, byName: new Map() };
    return this.templates.byName;
  }

  private async readStatesNotYetRead(request: IngestRequest, targets: readonly Target[]): Promise<void> {
    const missing = targets.map((target) => target.key).filter((key) => !request.read.has(key));
    if (missing.length === 0) return;
    const more = await this.deps.state.getMany(missing);
    request.states = new Map([...request.states, ...more]);
    for (const key of missing) request.read.add(key);
  }

  /** decide → claim → send and complete; targets another invocation is sending are looked at again, briefly. */
  private async deliverInRounds(
    request: IngestRequest,
    targets: readonly Target[],
    settled: Settled[],
  ): Promise<string | null> {
    const byKey = new Map(targets.map((target) => [target.key, target]));
    const waitUntil = this.deps.clock().getTime() + IN_FLIGHT_WAIT_MS;
    let server: MailServer | null | undefined;
    let deliveryId: string | null = null;
    let candidates = targets;
    for (let round = 1; candidates.length > 0; round++) {
      if (round > 1) {
        await sleep(IN_FLIGHT_POLL_MS);
        request.states = await this.deps.state.getMany(candidates.map((target) => target.key));
      }
      const decided = await decideEach(request, candidates);
      settled.push(...decided.settled);
      const claiming = claim(request, decided.next.due, randomUUID());
      // The mails the due notices owe are rendered and composed while the claims are written: they are
      // sent only once the claims are won (durable before the send), and used if every claim was.
      const early =
        decided.next.due.length > 0 ? prepareEarly(this.deps, request, decided.next.due, byKey, server) : undefined;
      const claimed = await claiming;
      if (claimed.won.length > 0) {
        const prepared = await early;
        server ??= prepared?.server ?? (await this.deps.config.mailServer(request.config));
        const delivered = await deliver(request, claimed.won, claimed.claimId, byKey, server, prepared?.mails);
        settled.push(...delivered.settled);
        deliveryId ??= delivered.deliveryId;
      }
      const waiting = new Set([...decided.next.waiting.map((target) => target.key), ...claimed.lost]);
      candidates = candidates.filter((target) => waiting.has(target.key));
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

/**
 * The mail server, a connection to it, and the due notices' mails, prepared as if every claim will
 * be won. After the claim's request is on its way (one turn of the event loop), so rendering never
 * delays it. Never rejects: whatever fails here is done again after the claim, where its failure counts.
 */
async function prepareEarly(
  deps: IngestDeps,
  request: IngestRequest,
  due: readonly Claim[],
  targets: ReadonlyMap<string, Target>,
  known: MailServer | null | undefined,
): Promise<{ server: MailServer; mails: PreparedJobs } | undefined> {
  try {
    await new Promise((resolve) => setImmediate(resolve));
    phase('prepare');
    const server = known === undefined ? await deps.config.mailServer(request.config) : known;
    if (!server) return undefined;
    // A kept connection is probed now, beside the claim, not after it (no byte of the mail goes out).
    request.deps.mailDelivery.prepareConnection(server, request.deadlines);
    return { server, mails: await prepareJobs(request, due, targets, server) };
  } catch {
    return undefined;
  }
}

type StageOut<Out> = StageResult<Out> | Promise<StageResult<Out>>;

/** The answer's counts, from the reasons the stages settled the alerts with: each alert under its furthest reason. */
function tally(received: number, settled: readonly Settled[], deliveryId: string | null): IngestResult {
  const counts: Record<Reason, number> = {
    conditions: 0,
    disabled: 0,
    notConfigured: 0,
    silenced: 0,
    muted: 0,
    repeatInterval: 0,
    undeliverable: 0,
    notified: 0,
  };
  const furthest = new Map<string, Reason>();
  for (const s of settled) {
    if ('count' in s) {
      counts[s.reason] += s.count;
      continue;
    }
    const before = furthest.get(s.fingerprint);
    if (!before || REASON_RANK[s.reason] > REASON_RANK[before]) furthest.set(s.fingerprint, s.reason);
  }
  for (const reason of furthest.values()) counts[reason]++;
  return {
    received,
    matched: received - counts.conditions,
    notified: counts.notified,
    suppressed: {
      conditions: counts.conditions,
      repeatInterval: counts.repeatInterval,
      disabled: counts.disabled,
      notConfigured: counts.notConfigured,
      silenced: counts.silenced,
      muted: counts.muted,
      undeliverable: counts.undeliverable,
    },
    deliveryId,
  };
}
