/**
 * Silences: the active, pending and expired ones (edit, extend by an hour, expire), and the form
 * for a new one, pre-filled from a mail's "Silence this" link (`#silence?labels…`, one `In`
 * matcher per label) with a duration choice. The preview says which of the alerts held now the
 * matchers would catch. Nothing is created until the admin confirms.
 */
import { useEffect, useState } from 'preact/hooks';
import { parseSilenceLink } from '../../lib/domain/mail/silence-link';
import { useConsole } from '../context';
import { errorText, isSignedOut } from '../requests';
import {
  type ApiSilence,
  DURATIONS,
  type DurationChoice,
  endOf,
  type HeldAlert,
  type Matcher,
  type MatcherOperator,
  matchersFromLabels,
  matcherText,
  previewMatches,
  silenceBody,
  valuesOf,
} from '../silences-model';

const OPERATORS: readonly MatcherOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Matches', 'NotMatches'];
const STATES = ['active', 'pending', 'expired'] as const;

interface Draft {
  readonly editing?: string;
  readonly matchers: Matcher[];
  readonly duration: DurationChoice;
  readonly customEnd: string;
  readonly comment: string;
}

const EMPTY: Draft = { matchers: [], duration: '1h', customEnd: '', comment: '' };

export function SilencesView({ signedIn }: { signedIn: boolean }) {
  const { api, announce, focusAfterRender } = useConsole();
  const [silences, setSilences] = useState<ApiSilence[]>([]);
  const [held, setHeld] = useState<HeldAlert[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [message, setMessage] = useState('');

  async function load(): Promise<void> {
    try {
      const [list, log] = await Promise.all([
        api.request<{ silences: ApiSilence[] }>('GET', '/v1/silences'),
        api.request<{ held?: HeldAlert[] }>('GET', '/v1/deliveries?limit=1&held=true'),
      ]);
      setSilences(list.silences);
      setHeld(log.held ?? []);
    } catch (e) {
      if (!isSignedOut(e)) setMessage(`Could not load silences: ${errorText(e)}`);
    }
  }
  useEffect(() => {
    if (!signedIn) return;
    void load();
    const labels = parseSilenceLink(window.location.hash);
    if (labels && Object.keys(labels).length > 0) {
      setDraft({ ...EMPTY, matchers: matchersFromLabels(labels) });
      announce('A new silence is pre-filled from the link: choose how long, then create it.');
      focusAfterRender('silence-duration-1h');
    }
  }, [signedIn]);

  async function save(): Promise<void> {
    if (!draft) return;
    const endsAt = endOf(draft.duration, draft.customEnd, new Date());
    if (!endsAt) return setMessage('Choose when the silence ends.');
    const body = silenceBody(draft.matchers, endsAt, draft.comment);
    try {
      if (draft.editing) await api.request('PUT', `/v1/silences/${draft.editing}`, body);
      else await api.request('POST', '/v1/silences', body);
      setMessage(draft.editing ? 'Silence saved.' : 'Silence created.');
      announce(draft.editing ? 'Silence saved.' : 'Silence created.');
      setDraft(null);
      if (window.location.hash.startsWith('#silence')) history.replaceState(null, '', '#silences');
      await load();
    } catch (e) {
      if (!isSignedOut(e)) setMessage(`Not saved: ${errorText(e)}`);
    }
  }

  async function act(silence: ApiSilence, action: 'extend' | 'expire'): Promise<void> {
    try {
      if (action === 'expire') await api.request('DELETE', `/v1/silences/${silence.id}`);
      else {
        const endsAt = new Date(Date.parse(silence.endsAt) + 3_600_000).toISOString();
        const { matchers, startsAt, comment } = silence;
        await api.request('PUT', `/v1/silences/${silence.id}`, { matchers, startsAt, endsAt, comment });
      }
      setMessage(action === 'expire' ? 'Silence expired.' : 'Silence extended by an hour.');
      await load();
    } catch (e) {
      if (!isSignedOut(e)) setMessage(errorText(e));
    }
  }

  const preview = draft ? previewMatches(draft.matchers, held) : undefined;
  const setMatcher = (i: number, m: Partial<Matcher>) =>
    draft && setDraft({ ...draft, matchers: draft.matchers.map((old, j) => (i === j ? { ...old, ...m } : old)) });
  return (
    <section class="panel" id="silences" aria-labelledby="silences-title">
      <div class="section-head">
        <h2 id="silences-title">Silences</h2>
        <button
          type="button"
          class="button subtle"
          id="silence-new"
          onClick={() => setDraft({ ...EMPTY, matchers: [{ label: 'alertname', operator: 'In', values: [] }] })}
        >
          New silence
        </button>
      </div>
      <p class="hint">
        A silence holds matching alerts on every route until it ends; those still firing then are mailed within a
        minute.
      </p>
      {draft ? (
        <form
          class="silence-form"
          id="silence-form"
          aria-label={draft.editing ? 'Edit silence' : 'New silence'}
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <fieldset>
            <legend>Matchers (all must hold)</legend>
            {draft.matchers.map((m, i) => (
              <div class="matcher-row" key={i}>
                <div class="field">
                  <label for={`silence-label-${i}`}>Label</label>
                  <input
                    id={`silence-label-${i}`}
                    value={m.label}
                    onInput={(e) => setMatcher(i, { label: e.currentTarget.value })}
                  />
                </div>
                <div class="field">
                  <label for={`silence-operator-${i}`}>Operator</label>
                  <select
                    id={`silence-operator-${i}`}
                    value={m.operator}
                    onChange={(e) => setMatcher(i, { operator: e.currentTarget.value as MatcherOperator })}
                  >
                    {OPERATORS.map((op) => (
                      <option key={op} value={op}>
                        {op}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field grow">
                  <label for={`silence-values-${i}`}>Values (comma-separated)</label>
                  <input
                    id={`silence-values-${i}`}
                    value={m.values.join(', ')}
                    onInput={(e) => setMatcher(i, { values: valuesOf(e.currentTarget.value) })}
                  />
                </div>
                <button
                  type="button"
                  class="link-button"
                  aria-label={`Remove matcher ${m.label}`}
                  onClick={() => setDraft({ ...draft, matchers: draft.matchers.filter((_, j) => j !== i) })}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              class="link-button"
              id="silence-add-matcher"
              onClick={() =>
                setDraft({ ...draft, matchers: [...draft.matchers, { label: '', operator: 'In', values: [] }] })
              }
            >
              Add matcher
            </button>
          </fieldset>
          <fieldset>
            <legend>For how long</legend>
            {[...DURATIONS, { id: 'custom' as const, label: 'until…' }].map((d) => (
              <label class="choice" key={d.id}>
                <input
                  type="radio"
                  name="silence-duration"
                  id={`silence-duration-${d.id}`}
                  checked={draft.duration === d.id}
                  onChange={() => setDraft({ ...draft, duration: d.id })}
                />
                {d.label}
              </label>
            ))}
            <input
              type="datetime-local"
              id="silence-until"
              aria-label="Ends at"
              hidden={draft.duration !== 'custom'}
              value={draft.customEnd}
              onInput={(e) => setDraft({ ...draft, customEnd: e.currentTarget.value })}
            />
          </fieldset>
          <div class="field">
            <label for="silence-comment">Comment</label>
            <input
              id="silence-comment"
              value={draft.comment}
              onInput={(e) => setDraft({ ...draft, comment: e.currentTarget.value })}
            />
          </div>
          <p class="hint" id="silence-preview" aria-live="polite">
            {preview && preview.caught.length > 0
              ? `Would hold ${preview.caught.length} of the ${held.length} alerts held now: ${preview.caught.map((a) => a.labels.alertname ?? a.fingerprint).join(', ')}`
              : `Would hold none of the ${held.length} alerts held now.`}
            {preview?.unjudged ? ' (Patterns are checked by the server.)' : ''}
          </p>
          <div class="actions">
            <button type="submit" class="button" id="silence-save">
              {draft.editing ? 'Save silence' : 'Create silence'}
            </button>
            <button type="button" class="button subtle" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      <p class="hint" id="silences-message" role="status">
        {message}
      </p>
      {STATES.map((state) => {
        const list = silences.filter((s) => s.state === state);
        return (
          <div key={state} class="silence-group">
            <h3 id={`silences-${state}`}>
              {state[0]?.toUpperCase()}
              {state.slice(1)} ({list.length})
            </h3>
            <ul class="silences" aria-labelledby={`silences-${state}`}>
              {list.map((s) => (
                <li key={s.id} class="silence" id={`silence-${s.id}`}>
                  <span class="matchers">{s.matchers.map(matcherText).join('; ')}</span>
                  <span class="when">
                    {new Date(s.startsAt).toLocaleString()} – {new Date(s.endsAt).toLocaleString()}
                  </span>
                  {s.comment ? <span class="comment">{s.comment}</span> : null}
                  {state === 'expired' ? null : (
                    <span class="row-actions">
                      <button
                        type="button"
                        class="link-button"
                        onClick={() =>
                          setDraft({
                            editing: s.id,
                            matchers: [...s.matchers],
                            duration: 'custom',
                            customEnd: s.endsAt.slice(0, 16),
                            comment: s.comment,
                          })
                        }
                      >
                        Edit
                      </button>
                      <button type="button" class="link-button" onClick={() => void act(s, 'extend')}>
                        Extend 1 h
                      </button>
                      <button type="button" class="link-button" onClick={() => void act(s, 'expire')}>
                        Expire
                      </button>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
