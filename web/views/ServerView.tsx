/** Server settings: the SMTP server, its sign-in and the sender address. The password is write-only. */
import { useConsole } from '../context';
import type { Security } from '../model';
import type { FormDraft } from '../state';
import { OAuthFields, SignInChoice } from './MailSignInFields';
import { ariaInvalid, FieldError, TextInput } from './parts';

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
        <SignInChoice />
        <div class="field span-2" hidden={s.signIn === 'graph'}>
          <label for="server-host">SMTP server address</label>
          <TextInput
            id="server-host"
            slot="server.host"
            name="host"
            type="text"
            placeholder="smtp.example.com"
            value={s.host}
            onInput={(e) => set({ host: e.currentTarget.value })}
          />
          <FieldError slot="server.host" />
        </div>
        <div class="field" hidden={s.signIn === 'graph'}>
          <label for="server-port">Port</label>
          <TextInput
            id="server-port"
            slot="server.port"
            hint="server-port-hint"
            name="port"
            type="text"
            inputmode="numeric"
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
        <div class="field" hidden={s.signIn === 'graph'}>
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
        <OAuthFields />
        <div class="field" hidden={s.signIn !== 'password'}>
          <label for="server-username">SMTP username</label>
          <TextInput
            id="server-username"
            slot="server.username"
            hint="server-username-hint"
            name="username"
            type="text"
            value={s.username}
            onInput={(e) => set({ username: e.currentTarget.value })}
          />
          <p class="hint" id="server-username-hint">
            Leave empty if the server needs no login.
          </p>
          <FieldError slot="server.username" />
        </div>
        <div class="field" hidden={s.signIn !== 'password'}>
          <label for="server-password">SMTP password</label>
          <TextInput
            id="server-password"
            slot="server.password"
            hint="server-password-hint"
            name="password"
            type="password"
            autocomplete="new-password"
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
          <TextInput
            id="server-from"
            slot="server.from"
            name="from"
            type="email"
            placeholder="alerts@example.com"
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
