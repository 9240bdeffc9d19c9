/** How often a firing alert is emailed again, and whether resolved notices go out. */
import { useConsole } from '../context';
import { ariaInvalid, FieldError } from './parts';

const INTERVAL_PRESETS = ['30m', '1h', '4h', '12h', '1d'] as const;

export function RepeatView() {
  const { state, dispatch, invalid } = useConsole();
  const { repeatInterval, sendResolved } = state.draft;
  return (
    <section class="panel" id="repeat" aria-labelledby="repeat-title">
      <h2 id="repeat-title">Repeat and resolved</h2>
      <div class="grid">
        <div class="field">
          <label for="repeat-interval">Repeat interval</label>
          <input
            id="repeat-interval"
            type="text"
            list="interval-presets"
            autocomplete="off"
            spellcheck={false}
            aria-describedby="repeat-hint err-repeatInterval"
            aria-invalid={ariaInvalid(invalid, 'repeat-interval')}
            value={repeatInterval}
            onInput={(e) => {
              const value = e.currentTarget.value;
              dispatch({ type: 'edited', change: (d) => ({ ...d, repeatInterval: value }) });
            }}
          />
          <datalist id="interval-presets">
            {INTERVAL_PRESETS.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
          <p class="hint" id="repeat-hint">
            An alert that keeps firing is emailed again after this long, e.g. 30m, 12h, 1d.
          </p>
          <FieldError slot="repeatInterval" />
        </div>
        <div class="field">
          <div class="check">
            <input
              type="checkbox"
              id="send-resolved"
              aria-describedby="err-sendResolved"
              aria-invalid={ariaInvalid(invalid, 'send-resolved')}
              checked={sendResolved}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                dispatch({ type: 'edited', change: (d) => ({ ...d, sendResolved: on }) });
              }}
            />
            <label for="send-resolved">Send resolved notices</label>
          </div>
          <FieldError slot="sendResolved" />
        </div>
      </div>
      <FieldError slot="settings" />
    </section>
  );
}
