/**
 * The sweeper (DESIGN.md "Sent when the mute ends"): runs without an incoming request, every
 * minute (an EventBridge schedule on AWS, a timer locally), and mails each held alert that is
 * still firing once nothing holds it any more, "muted from … until …" in the mail. An alert that
 * resolved while held sends nothing (the ingest forgot it, or its `endsAt` passed).
 *
 * Cost: each run reads the documents (one BatchGetItem) and its bookmark (one GetItem); only when
 * something could have released an alert since the last pass (a silence ended, was edited or
 * deleted; a window closed or was edited) does it walk the held alerts, oldest first, through the
 * state table's sparse index, at most MAX_EXAMINED_PER_RUN per run (a storm drains over several
 * runs, the bookmark keeping its place). Exactly once against a concurrent post of the same alert
 * and an overlapping sweeper run: each send is won by the same conditional claim the ingest uses,
 * written only while the state is still that muted episode.
 */
import { randomUUID } from 'node:crypto';
import { requestDeadlines } from '../deadlines';
import { isInWindow, loadWindowEngine, type MuteWindow, nextChange, windowsByName } from '../domain/mute-windows';
import { alertAfterMute, type MutedRecord, stillFiring } from '../domain/muted';
import { loadPatternEngine } from '../domain/patterns';
import { allConditions, type RoutePlan, routePlans } from '../domain/routes';
import type { Silence } from '../domain/silences';
import { DeliveryFailedError, messageOf } from '../errors';
import type { Claim, DocumentStore, IngestSnapshot } from '../ports';
import { deliver } from './ingest/deliver';
import type { IngestDeps } from './ingest/service';
import { gateOf, type IngestRequest, muteOf, type Target } from './ingest/stages';

/** Held alerts looked at per run, at most: a storm of 10,000 drains in a few runs. */
export const MAX_EXAMINED_PER_RUN = 2_000;
/** One page of the index per query. */
const PAGE_SIZE = 500;
/** Alerts per mail: a big release goes out as several mails. */
const ALERTS_PER_MAIL = 100;

/** Where the sweeper is: what it last checked against, and a pass in progress. Never leaves the core. */
export interface SweeperBookmark {
  /** A completed pass saw every release up to this instant (RFC 3339) and these document versions. */
  readonly checkedAt: string;
  readonly versions: DocumentVersions;
  readonly pass?: {
    readonly startedAt: string;
    readonly versions: DocumentVersions;
    readonly cursor?: string;
  };
}

interface DocumentVersions {
  readonly config: number;
  readonly silences: number;
  readonly muteWindows: number;
}

export interface SweepResult {
  /** False when nothing could have released an alert since the last pass: the run cost two reads. */
  readonly swept: boolean;
  readonly examined: number;
  readonly sent: number;
  readonly forgotten: number;
  readonly held: number;
  /** The pass reached the end of the held alerts. */
  readonly passComplete: boolean;
}

export interface SweeperDeps extends IngestDeps {
  readonly bookmark: DocumentStore<SweeperBookmark>;
}

export class Sweeper {
  constructor(private readonly deps: SweeperDeps) {}

  async run(): Promise<SweepResult> {
    const deps = this.deps;
    const now = deps.clock();
    const [snapshot, bookmark] = await Promise.all([deps.snapshot.read([]), deps.bookmark.load()]);
    const silences = snapshot.silences?.value.silences ?? [];
    const windows = snapshot.muteWindows?.value.windows ?? [];
    await loadWindowEngine(windows);
    const versions = versionsOf(snapshot);
    const stored = bookmark?.value;
    if (stored && !stored.pass && !releasedSince(stored, versions, silences, windows, now)) {
      return { swept: false, examined: 0, sent: 0, forgotten: 0, held: 0, passComplete: true };
    }
    const pass = stored?.pass ?? { startedAt: now.toISOString(), versions };
    const config = deps.config.withDefaults(snapshot.config);
    const plans = routePlans(config);
    await loadPatternEngine([...allConditions(plans), ...silences.flatMap((s) => s.matchers)]);
    const request: IngestRequest = {
      deps,
      config,
      plans,
      deadlines: requestDeadlines(),
      silences,
      muteWindows: windowsByName(windows),
      templates: new Map(),
      states: new Map(),
      read: new Set(),
    };
    let cursor = pass.cursor;
    let examined = 0;
    const releasable: Array<Target & { record: MutedRecord }> = [];
    const forget: MutedRecord[] = [];
    let held = 0;
    do {
      const page = await deps.state.listMuted(Math.min(PAGE_SIZE, MAX_EXAMINED_PER_RUN - examined), cursor);
      cursor = page.cursor;
      examined += page.records.length;
      for (const record of page.records) {
        const route = plans.find((plan) => plan.name === record.route);
        // Its route is gone or cannot mail now (delivery off, no server or recipient): nothing to send, as at ingest.
        if (!route || gateOf(config, route)) forget.push(record);
        else if (muteOf(request, { route, alert: alertAfterMute(record, now) })) held++;
        else if (stillFiring(record.alert, now)) releasable.push(targetOf(record, route, now));
        else forget.push(record);
      }
    } while (cursor && examined < MAX_EXAMINED_PER_RUN);
    if (forget.length > 0) await deps.state.forgetMuted(forget);
    const sent = await this.send(request, releasable, now);
    const next: SweeperBookmark = cursor
      ? {
          checkedAt: stored?.checkedAt ?? pass.startedAt,
          versions: stored?.versions ?? pass.versions,
          pass: { ...pass, cursor },
        }
      : { checkedAt: pass.startedAt, versions: pass.versions };
    // A lost race means an overlapping run moved the bookmark: its claims and ours never send twice.
    if (!(await deps.bookmark.save(next, bookmark?.version ?? null))) {
      deps.log.info('sweeper bookmark moved by an overlapping run', {});
    }
    deps.log.info('sweep', { examined, sent, forgotten: forget.length, held, passComplete: !cursor });
    return { swept: true, examined, sent, forgotten: forget.length, held, passComplete: !cursor };
  }

  /** Claims (as the ingest does, but only the muted episode read) and mails the released alerts; a failed send puts them back. */
  private async send(
    request: IngestRequest,
    targets: readonly (Target & { record: MutedRecord })[],
    now: Date,
  ): Promise<number> {
    if (targets.length === 0) return 0;
    const { deps } = this;
    const claimId = randomUUID();
    const claims: Claim[] = targets.map(({ key, alert, route, record }) => ({
      key,
      fingerprint: alert.fingerprint,
      kind: 'firing',
      repeatIntervalMs: route.policy.repeatIntervalMs,
      unmutes: record.mutedAt,
    }));
    const won = await deps.state.claim(claims, claimId, now);
    if (won.length === 0) return 0;
    const byKey = new Map(targets.map((t) => [t.key, t]));
    const server = await deps.config.mailServer(request.config);
    let sent = 0;
    for (let i = 0; i < won.length; i += ALERTS_PER_MAIL) {
      const part = won.slice(i, i + ALERTS_PER_MAIL);
      try {
        const delivered = await deliver(request, part, claimId, byKey, server);
        sent += delivered.settled.filter((s) => s.reason === 'notified').length;
      } catch (error) {
        if (!(error instanceof DeliveryFailedError)) throw error;
        // The claims were given back (deleted, or kept as `partial` with who has the mail): put the
        // held alerts back where nothing else took their place, so the next run tries again.
        await deps.state.restoreMuted(part.map((c) => (byKey.get(c.key) as Target & { record: MutedRecord }).record));
        deps.log.warn('sweeper delivery failed; the held alerts are kept for the next run', {
          alerts: part.length,
          message: messageOf(error),
        });
      }
    }
    return sent;
  }
}

function targetOf(record: MutedRecord, route: RoutePlan, now: Date): Target & { record: MutedRecord } {
  return { route, alert: alertAfterMute(record, now), key: record.key, record };
}

function versionsOf(snapshot: Omit<IngestSnapshot, 'states'>): DocumentVersions {
  return {
    config: snapshot.config?.version ?? 0,
    silences: snapshot.silences?.version ?? 0,
    muteWindows: snapshot.muteWindows?.version ?? 0,
  };
}

/**
 * Could anything have released a held alert since the last completed pass? A document changed
 * (a silence edited or expired by DELETE, a window edited, the config), a silence's end passed,
 * or a window closed.
 */
export function releasedSince(
  bookmark: SweeperBookmark,
  versions: DocumentVersions,
  silences: readonly Silence[],
  windows: readonly MuteWindow[],
  now: Date,
): boolean {
  const since = Date.parse(bookmark.checkedAt);
  const was = bookmark.versions;
  if (was.config !== versions.config || was.silences !== versions.silences || was.muteWindows !== versions.muteWindows)
    return true;
  if (silences.some((s) => Date.parse(s.endsAt) > since && Date.parse(s.endsAt) <= now.getTime())) return true;
  return windows.some((window) => closedBetween(window, new Date(since), now));
}

/** Did the window close (in force, then not) at some instant in (from, to]? */
export function closedBetween(window: MuteWindow, from: Date, to: Date): boolean {
  let at = from;
  let inside = isInWindow(window, at);
  // A window changes at most a few times a day; bounded so a long gap cannot loop long.
  for (let step = 0; step < 1000; step++) {
    const change = nextChange(window, at, to);
    if (!change || change.getTime() > to.getTime()) return false;
    if (inside) return true;
    inside = !inside;
    at = change;
  }
  return true;
}
