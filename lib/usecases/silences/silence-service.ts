import { randomUUID } from 'node:crypto';
import { assertPatterns } from '../../domain/patterns';
import {
  MAX_SILENCES,
  pruneSilences,
  type Silence,
  type SilenceInput,
  type SilenceState,
  silenceState,
  silenceTimeProblems,
} from '../../domain/silences';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { DocumentStore, SilencesDocument } from '../../ports';
import { updateDocument } from './documents';

export interface SilenceView extends Silence {
  readonly state: SilenceState;
}

export interface SilenceServiceDeps {
  readonly store: DocumentStore<SilencesDocument>;
  readonly clock: () => Date;
}

const EMPTY: SilencesDocument = { silences: [] };

/** Creates, lists, edits and expires silences: the whole list is one document, each write prunes the long-expired. */
export class SilenceService {
  constructor(private readonly deps: SilenceServiceDeps) {}

  async list(state?: SilenceState): Promise<SilenceView[]> {
    const now = this.deps.clock();
    const silences = (await this.deps.store.load())?.value.silences ?? [];
    return silences
      .map((silence) => ({ ...silence, state: silenceState(silence, now) }))
      .filter((silence) => state === undefined || silence.state === state)
      .sort((a, b) => b.startsAt.localeCompare(a.startsAt));
  }

  async create(input: SilenceInput): Promise<SilenceView> {
    const now = this.deps.clock();
    await assertPatterns(input.matchers, 'matchers');
    const silence = this.validated(randomUUID(), input, now);
    return updateDocument(
      this.deps.store,
      EMPTY,
      (current) => {
        const kept = pruneSilences(current.silences, now);
        if (kept.length >= MAX_SILENCES) {
          throw new ConflictError(
            `At most ${MAX_SILENCES} silences are kept (expired ones for 7 days); delete some first`,
          );
        }
        return { value: { silences: [...kept, silence] }, result: { ...silence, state: silenceState(silence, now) } };
      },
      'silences',
    );
  }

  /** Edit or extend: matchers, times and comment replaced; an expired silence is kept as the record it is. */
  async update(id: string, input: SilenceInput): Promise<SilenceView> {
    const now = this.deps.clock();
    await assertPatterns(input.matchers, 'matchers');
    return updateDocument(
      this.deps.store,
      EMPTY,
      (current) => {
        const existing = current.silences.find((s) => s.id === id);
        if (!existing) throw new NotFoundError(`No silence ${id}`);
        if (silenceState(existing, now) === 'expired') {
          throw new ConflictError('An expired silence is kept as a record and cannot be edited; create a new one');
        }
        const silence = this.validated(id, { createdBy: existing.createdBy, ...input }, now, existing.startsAt);
        const silences = pruneSilences(current.silences, now).map((s) => (s.id === id ? silence : s));
        return { value: { silences }, result: { ...silence, state: silenceState(silence, now) } };
      },
      'silences',
    );
  }

  /** Expires now (kept 7 days for the record); expiring an expired silence changes nothing. */
  async expire(id: string): Promise<void> {
    const now = this.deps.clock();
    await updateDocument(
      this.deps.store,
      EMPTY,
      (current) => {
        const existing = current.silences.find((s) => s.id === id);
        if (!existing) throw new NotFoundError(`No silence ${id}`);
        const at = now.toISOString();
        const expired = (s: Silence): Silence =>
          silenceState(s, now) === 'expired'
            ? s
            : { ...s, endsAt: at, updatedAt: at, ...(Date.parse(s.startsAt) > now.getTime() ? { startsAt: at } : {}) };
        const silences = pruneSilences(current.silences, now).map((s) => (s.id === id ? expired(s) : s));
        return { value: { silences }, result: undefined };
      },
      'silences',
    );
  }

  private validated(id: string, input: SilenceInput, now: Date, keptStartsAt?: string): Silence {
    const startsAt = input.startsAt ? new Date(input.startsAt) : keptStartsAt ? new Date(keptStartsAt) : now;
    const endsAt = new Date(input.endsAt);
    const problems = silenceTimeProblems(startsAt, endsAt, now);
    if (endsAt.getTime() <= now.getTime()) problems.push({ field: 'endsAt', message: 'must be in the future' });
    if (problems.length > 0)
      throw new ValidationError(`Invalid silence: ${problems[0]?.field} ${problems[0]?.message}`, problems);
    return {
      id,
      matchers: input.matchers,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      createdBy: input.createdBy ?? 'admin',
      comment: input.comment ?? '',
      updatedAt: now.toISOString(),
    };
  }
}
