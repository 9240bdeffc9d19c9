/** Server settings: the SMTP server, its sign-in and the sender address. The password is write-only. */
import { useConsole } from '../context';
import type { Security } from '../model';
import type { FormDraft } from '../state';
import { ariaInvalid, FieldError } from './parts';

export function ServerView() {
  const { state, dispatch, announce, invalid } = useConsole();
  const s = state.draft.server;
  const passwordSet = state.stored?.server?.passwordSet === true;
  const set = (patch: Partial<FormDraft['server']>) =>
    dispatch({ type: 'edited', change: (d) => ({ ...d, server: { ...d.server, ...patch } }) });

  return (
    <section class="panel" id="server" aria-labelledby="server-title">
      <h2 id="server-title">Server settings</h2>
      <p class="hint section-hint" id="server-state">
        {state.stored === null
          ? ''
          : state.stored.server
            ? 'Used for every notification from the next alert on.'
            : 'No mail server is set yet.'}
      </p>
      <div class="grid">
        <div class="field span-2">
          <label for="server-host">SMTP server address</label>
          <input
            id="server-host"
            name="host"
            type="text"
            autocomplete="off"
            spellcheck={false}
            placeholder="smtp.example.com"
            aria-describedby="err-server.host"
            aria-invalid={ariaInvalid(invalid, 'server-host')}
            value={s.host}
            onInput={(e) => set({ host: e.currentTarget.value })}
          />
          <FieldError slot="server.host" />
        </div>
        <div class="field">
          <label for="server-port">Port</label>
          <input
            id="server-port"
            name="port"
            type="text"
            inputmode="numeric"
            autocomplete="off"
            aria-describedby="server-port-hint err-server.port"
            aria-invalid={ariaInvalid(invalid, 'server-port')}
            value={s.port}
            onInput={(e) => set({ port: e.currentTarget.value })}
            onChange={(e) => {
              if (e.currentTarget.value.trim() === '465' && s.security !== 'tls') {
                set({ security: 'tls' });
                announce('Port 465 uses TLS: security set to TLS.');
              }
            }}
          />
          <p class="hint" id="server-port-hint">
            Usually 25; 465 implies TLS.
          </p>
          <FieldError slot="server.port" />
        </div>
        <div class="field">
          <label for="server-security">Security</label>
          <select
            id="server-security"
            name="security"
            aria-describedby="err-server.security"
            aria-invalid={ariaInvalid(invalid, 'server-security')}
            value={s.security}
            onChange={(e) => set({ security: e.currentTarget.value as Security })}
          >
            <option value="none">None (plain SMTP)</option>
            <option value="starttls">STARTTLS (usually port 587)</option>
            <option value="tls">TLS (implicit, usually port 465)</option>
          </select>
          <FieldError slot="server.security" />
        </div>
        <div class="field">
          <label for="server-username">SMTP username</label>
          <input
            id="server-username"
            name="username"
            type="text"
            autocomplete="off"
            spellcheck={false}
            aria-describedby="server-username-hint err-server.username"
            aria-invalid={ariaInvalid(invalid, 'server-username')}
            value={s.username}
            onInput={(e) => set({ username: e.currentTarget.value })}
          />
          <p class="hint" id="server-username-hint">
            Leave empty if the server needs no login.
          </p>
          <FieldError slot="server.username" />
        </div>
        <div class="field">
          <label for="server-password">SMTP password</label>
          <input
            id="server-password"
            name="password"
            type="password"
            autocomplete="new-password"
            aria-describedby="server-password-hint err-server.password"
            aria-invalid={ariaInvalid(invalid, 'server-password')}
            placeholder={passwordSet ? 'Leave empty to keep the current password' : ''}
            disabled={s.clearPassword && passwordSet}
            value={s.password}
            onInput={(e) => set({ password: e.currentTarget.value })}
          />
          <p class="hint" id="server-password-hint">
            {passwordSet
              ? 'A password is set. Type a new one to replace it; leave empty to keep it.'
              : 'No password is set.'}
          </p>
          <div class="check" id="password-clear-row" hidden={!passwordSet}>
            <input
              type="checkbox"
              id="server-password-clear"
              checked={s.clearPassword}
              onChange={(e) => {
                const clear = e.currentTarget.checked;
                set(clear ? { clearPassword: true, password: '' } : { clearPassword: false });
              }}
            />
            <label for="server-password-clear">Remove the stored password</label>
          </div>
          <FieldError slot="server.password" />
        </div>
        <div class="field span-2">
          <label for="server-from">Sender email address</label>
          <input
            id="server-from"
            name="from"
            type="email"
            autocomplete="off"
            spellcheck={false}
            placeholder="alerts@example.com"
            aria-describedby="err-server.from"
            aria-invalid={ariaInvalid(invalid, 'server-from')}
            value={s.from}
            onInput={(e) => set({ from: e.currentTarget.value })}
          />
          <FieldError slot="server.from" />
        </div>
        <details
          class="span-2"
          id="ca-details"
          open={state.caOpen}
          onToggle={(e) => dispatch({ type: 'caToggled', open: e.currentTarget.open })}
        >
          <summary>Trusted CA certificate (optional)</summary>
          <div class="field">
            <label for="server-ca">CA certificate (PEM)</label>
            <textarea
              id="server-ca"
              name="ca"
              rows={6}
              spellcheck={false}
              placeholder="-----BEGIN CERTIFICATE-----"
              aria-describedby="server-ca-hint err-server.ca"
              aria-invalid={ariaInvalid(invalid, 'server-ca')}
              value={s.ca}
              onInput={(e) => set({ ca: e.currentTarget.value })}
            />
            <p class="hint" id="server-ca-hint">
              Only for a server whose certificate is signed by a private CA or is self-signed.
            </p>
            <FieldError slot="server.ca" />
          </div>
        </details>
      </div>
      <FieldError slot="server" />
    </section>
  );
}
