/**
 * Mute windows: each with a week view of when it is in force, in its own timezone's wall-clock
 * hours (a window limited to days of month or months says so), and an editor: name, timezone and
 * the intervals as Alertmanager's `time_intervals` in JSON, checked by the server field by field.
 */
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { errorText, isSignedOut } from '../requests';
import { type ApiMuteWindow, WEEKDAYS, weekGrid } from '../silences-model';

interface Draft {
  readonly name: string;
  readonly timezone: string;
  readonly intervals: string;
  readonly isNew: boolean;
}

const EXAMPLE = JSON.stringify([{ weekdays: ['monday:friday'], times: [{ start: '18:00', end: '24:00' }] }], null, 2);

export function MuteWindowsView({ signedIn }: { signedIn: boolean }) {
  const { api, announce } = useConsole();
  const [windows, setWindows] = useState<ApiMuteWindow[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [message, setMessage] = useState('');

  async function load(): Promise<void> {
    try {
      setWindows((await api.request<{ windows: ApiMuteWindow[] }>('GET', '/v1/mute-windows')).windows);
    } catch (e) {
      if (!isSignedOut(e)) setMessage(`Could not load mute windows: ${errorText(e)}`);
    }
  }
  useEffect(() => {
    if (signedIn) void load();
  }, [signedIn]);

  async function save(): Promise<void> {
    if (!draft) return;
    let intervals: unknown;
    try {
      intervals = JSON.parse(draft.intervals);
    } catch {
      return setMessage('The intervals are not valid JSON.');
    }
    try {
      await api.request('PUT', `/v1/mute-windows/${encodeURIComponent(draft.name)}`, {
        timezone: draft.timezone,
        intervals,
      });
      setMessage(`Mute window ${draft.name} saved.`);
      announce(`Mute window ${draft.name} saved.`);
      setDraft(null);
      await load();
    } catch (e) {
      if (!isSignedOut(e)) setMessage(`Not saved: ${errorText(e)}`);
    }
  }

  async function remove(name: string): Promise<void> {
    try {
      await api.request('DELETE', `/v1/mute-windows/${encodeURIComponent(name)}`);
      setMessage(`Mute window ${name} deleted.`);
      await load();
    } catch (e) {
      if (!isSignedOut(e)) setMessage(errorText(e));
    }
  }

  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <section class="panel" id="mute-windows" aria-labelledby="mute-windows-title">
      <div class="section-head">
        <h2 id="mute-windows-title">Mute windows</h2>
        <button
          type="button"
          class="button subtle"
          id="window-new"
          onClick={() => setDraft({ name: '', timezone: zone, intervals: EXAMPLE, isNew: true })}
        >
          New window
        </button>
      </div>
      <p class="hint">
        A route lists the windows during which it is muted; alerts still firing when a window closes are mailed then.
      </p>
      {draft ? (
        <form
          id="window-form"
          aria-label="Mute window"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <div class="field">
            <label for="window-name">Name</label>
            <input
              id="window-name"
              value={draft.name}
              readOnly={!draft.isNew}
              onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="window-timezone">Timezone (IANA)</label>
            <input
              id="window-timezone"
              value={draft.timezone}
              onInput={(e) => setDraft({ ...draft, timezone: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="window-intervals">Intervals (weekdays, times, daysOfMonth, months; JSON)</label>
            <textarea
              id="window-intervals"
              rows={8}
              value={draft.intervals}
              onInput={(e) => setDraft({ ...draft, intervals: e.currentTarget.value })}
            />
          </div>
          <div class="actions">
            <button type="submit" class="button" id="window-save">
              Save window
            </button>
            <button type="button" class="button subtle" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      <p class="hint" id="windows-message" role="status">
        {message}
      </p>
      {windows.map((w) => {
        const grid = weekGrid(w);
        return (
          <div class="mute-window" key={w.name} id={`window-${w.name}`}>
            <h3>
              {w.name} <span class="tag">{w.timezone}</span>
            </h3>
            <div class="table-wrap">
              <table class="week" aria-label={`When ${w.name} is in force, ${w.timezone} time`}>
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    {Array.from({ length: 24 }, (_, h) => (
                      <th scope="col" key={h}>
                        {String(h).padStart(2, '0')}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {grid.hours.map((row, d) => (
                    <tr key={WEEKDAYS[d]}>
                      <th scope="row">{WEEKDAYS[d]?.slice(0, 3)}</th>
                      {row.map((cell, h) => (
                        <td
                          key={h}
                          class={`hour ${cell}`}
                          title={cell === 'off' ? 'not muted' : cell === 'on' ? 'muted' : 'muted part of the hour'}
                        >
                          {cell === 'on' ? '■' : cell === 'partly' ? '▪' : ''}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {grid.dated ? (
              <p class="hint">Only on some days of the month or months: the week shows the hours of those days.</p>
            ) : null}
            <span class="row-actions">
              <button
                type="button"
                class="link-button"
                onClick={() =>
                  setDraft({
                    name: w.name,
                    timezone: w.timezone,
                    intervals: JSON.stringify(w.intervals, null, 2),
                    isNew: false,
                  })
                }
              >
                Edit {w.name}
              </button>
              <button type="button" class="link-button" onClick={() => void remove(w.name)}>
                Delete {w.name}
              </button>
            </span>
          </div>
        );
      })}
    </section>
  );
}
