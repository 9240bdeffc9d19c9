import { useState } from 'preact/hooks';
import { useConsole } from '../context';
import { errorText, isSignedOut } from '../requests';

/** Turns notifications on or off at once (no OK): `PATCH /v1/config {enabled}`. */
export function EnabledSwitch({ enabled }: { enabled: boolean }) {
  const { api, state, dispatch, announce, showErrors } = useConsole();
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        class="switch"
        id="enabled-toggle"
        role="switch"
        aria-checked={enabled ? 'true' : 'false'}
        aria-labelledby="enabled-name enabled-text"
        aria-describedby="enabled-hint"
        disabled={busy}
        onClick={async () => {
          if (!state.stored) return;
          const next = !state.stored.enabled;
          setBusy(true);
          try {
            await api.request('PATCH', '/v1/config', { enabled: next });
            dispatch({ type: 'enabled', enabled: next });
            announce(next ? 'Notifications enabled.' : 'Notifications disabled: nothing will be sent.');
          } catch (e) {
            if (!isSignedOut(e)) {
              showErrors([{ field: 'general', message: errorText(e) }], 'The switch did not change:');
            }
          } finally {
            setBusy(false);
          }
        }}
      >
        <span class="visually-hidden" id="enabled-name">
          Email notifications
        </span>
        <span class="switch-track" aria-hidden="true">
          <span class="switch-knob" />
        </span>
        <span class="switch-text" id="enabled-text">
          {enabled ? 'Enabled' : 'Disabled'}
        </span>
      </button>
      <span class="visually-hidden" id="enabled-hint">
        Turns email notifications on or off. Applies immediately.
      </span>
    </>
  );
}
