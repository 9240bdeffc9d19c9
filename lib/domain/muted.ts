/**
 * Held alerts: what holds an alert (silences, a route's mute windows), what is remembered of one
 * whose notice was due while held, and when the sweeper may send it (the mute has ended and the
 * alert is still firing). Pure.
 */
import type { Alert, AlertSource, Labels } from './alerts/model';
import { isInWindow, type MuteWindow } from './mute-windows';
import { activeSilences, type Silence, silencedBy } from './silences';

/** What holds one alert on one route now: empty lists mean it goes on. */
export interface MuteVerdict {
  readonly silencedBy: readonly string[];
  readonly mutedBy: readonly string[];
}

/**
 * Silences hold an alert on every route; a route's mute windows hold what goes to that route.
 * A window name no stored window has mutes nothing (the route's write warns of it, DESIGN.md).
 * What is active and in force is worked out once per request (`MuteNow`), not once per alert: with
 * 100 silences and 10 windows, re-deriving it per alert was half the steady state's CPU.
 */
export function muteVerdict(labels: Labels, routeWindows: readonly string[], now: MuteNow): MuteVerdict {
  return {
    silencedBy: silencedBy(now.silences, labels),
    mutedBy: routeWindows.filter((name) => now.windowInForce(name)),
  };
}

/** The silences active and the windows in force at one instant. */
export interface MuteNow {
  readonly at: Date;
  readonly silences: readonly Silence[];
  windowInForce(name: string): boolean;
}

export function muteNow(silences: readonly Silence[], windows: ReadonlyMap<string, MuteWindow>, at: Date): MuteNow {
  const inForce = new Map<string, boolean>();
  return {
    at,
    silences: activeSilences(silences, at),
    windowInForce(name) {
      let known = inForce.get(name);
      if (known === undefined) {
        const window = windows.get(name);
        known = window !== undefined && isInWindow(window, at);
        inForce.set(name, known);
      }
      return known;
    },
  };
}

export const isHeld = (verdict: MuteVerdict): boolean => verdict.silencedBy.length > 0 || verdict.mutedBy.length > 0;

/** The alert as its mail needs it, kept in the state table while held (dates as RFC 3339). */
export interface HeldAlert {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
  readonly source: AlertSource;
}

/** A held alert whose notice was due: one per (route, alert) state key and episode. */
export interface MutedRecord {
  /** The state-table key of the (route, alert) pair. */
  readonly key: string;
  readonly route: string;
  readonly alert: HeldAlert;
  /** Epoch ms: when it was first held with a notice due (the episode's identity). */
  readonly mutedAt: number;
  readonly silencedBy: readonly string[];
  readonly mutedBy: readonly string[];
}

export function heldAlert(alert: Alert): HeldAlert {
  return {
    fingerprint: alert.fingerprint,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt.toISOString(),
    ...(alert.endsAt ? { endsAt: alert.endsAt.toISOString() } : {}),
    ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
    source: alert.source,
  };
}

/**
 * Still firing at `now`? An alert without `endsAt` (an Alertmanager webhook's firing alert) fires
 * until a resolved notice arrives, which forgets the record; one with `endsAt` (Prometheus) until
 * that passes. A Prometheus re-send while held writes nothing, so its record's `endsAt` is the
 * first post's: once passed the sweeper leaves the alert to the next re-send, which the ingest
 * mails at once (the state is still `muted`, so due), within Prometheus' resend delay (1 min).
 */
export function stillFiring(alert: HeldAlert, now: Date): boolean {
  return alert.endsAt === undefined || Date.parse(alert.endsAt) > now.getTime();
}

/** The annotation the mail after a mute carries ("muted from … until …"), shown with the alert's others. */
export const MUTED_ANNOTATION = 'held';

/** The alert as the mail after its mute shows it. */
export function alertAfterMute(record: MutedRecord, now: Date): Alert {
  const { alert } = record;
  const by = [
    ...record.silencedBy.map((id) => `silence ${id}`),
    ...record.mutedBy.map((name) => `mute window ${name}`),
  ].join(', ');
  return {
    fingerprint: alert.fingerprint,
    labels: alert.labels,
    annotations: {
      ...alert.annotations,
      [MUTED_ANNOTATION]: `muted from ${new Date(record.mutedAt).toISOString()} until ${now.toISOString()}${by ? ` (${by})` : ''}`,
    },
    status: 'firing',
    startsAt: new Date(alert.startsAt),
    ...(alert.endsAt ? { endsAt: new Date(alert.endsAt) } : {}),
    ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
    source: alert.source,
  };
}

/** A held alert's state outlives the longest silence (90 days) by a week, then TTL may drop it. */
export const MUTED_STATE_RETENTION_MS = 97 * 86_400_000;

export function mutedStateExpiresAt(mutedAtMs: number): number {
  return Math.ceil((mutedAtMs + MUTED_STATE_RETENTION_MS) / 1000);
}
