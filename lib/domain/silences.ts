/**
 * Silences (DESIGN.md "Silences and mute windows"): a set of matchers (the conditions of
 * lib/domain/conditions.ts) holding every matching alert, on every route, from `startsAt` to
 * `endsAt`. All of them live in one document item, so the ingest reads them with its one batch.
 */
import type { Labels } from './alerts/model';
import { evaluateConditions } from './conditions';
import type { Condition } from './config';

export interface Silence {
  readonly id: string;
  /** All must hold (AND), as a route's conditions. At least one. */
  readonly matchers: readonly Condition[];
  /** RFC 3339. */
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly updatedAt: string;
}

export type SilenceState = 'active' | 'pending' | 'expired';

/** What `POST /v1/silences` and `PUT /v1/silences/{id}` take. */
export interface SilenceInput {
  readonly matchers: readonly Condition[];
  readonly startsAt?: string;
  readonly endsAt: string;
  readonly createdBy?: string;
  readonly comment?: string;
}

/** Silences kept at most, expired ones included (one item stays well under DynamoDB's 400 KB). */
export const MAX_SILENCES = 1000;
export const MAX_MATCHERS_PER_SILENCE = 20;
/** A silence ends at most this far ahead of its write. */
export const MAX_SILENCE_AHEAD_MS = 90 * 86_400_000;
/** An expired silence is kept this long for the record, then pruned on the next write. */
export const EXPIRED_SILENCE_RETENTION_MS = 7 * 86_400_000;

export function silenceState(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now: Date): SilenceState {
  const nowMs = now.getTime();
  if (Date.parse(silence.endsAt) <= nowMs) return 'expired';
  return Date.parse(silence.startsAt) > nowMs ? 'pending' : 'active';
}

/** The silences active at `now`: what a request (or a sweeper run) evaluates alerts against, worked out once. */
export function activeSilences(silences: readonly Silence[], now: Date): Silence[] {
  return silences.filter((silence) => silenceState(silence, now) === 'active');
}

/** Does an (active) silence hold an alert with these labels? One with no matcher would hold everything: refused at the edge. */
export function silenceMatches(silence: Silence, labels: Labels): boolean {
  return silence.matchers.length > 0 && evaluateConditions(silence.matchers, labels).matched;
}

/** The ids of the active silences holding an alert with these labels. */
export function silencedBy(active: readonly Silence[], labels: Labels): string[] {
  return active.filter((silence) => silenceMatches(silence, labels)).map((silence) => silence.id);
}

/** Drops silences expired longer than the retention; called on every write. */
export function pruneSilences(silences: readonly Silence[], now: Date): Silence[] {
  const cutoff = now.getTime() - EXPIRED_SILENCE_RETENTION_MS;
  return silences.filter((silence) => Date.parse(silence.endsAt) > cutoff);
}

/**
 * The problems of a silence's times as written at `now` (empty: fine): `endsAt` after `startsAt`,
 * at most 90 days ahead. Fields named as the request names them.
 */
export function silenceTimeProblems(
  startsAt: Date,
  endsAt: Date,
  now: Date,
): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (endsAt.getTime() <= startsAt.getTime()) problems.push({ field: 'endsAt', message: 'must be after startsAt' });
  if (endsAt.getTime() > now.getTime() + MAX_SILENCE_AHEAD_MS)
    problems.push({ field: 'endsAt', message: 'must be at most 90 days ahead' });
  return problems;
}
