/** The sign-in part of the server settings: the choice, and the OAuth 2.0 fields it needs (issue 17). */
import { useConsole } from '../context';
import { isOAuth, oauthFields, PROVIDER_HINTS, SIGN_IN_CHOICES, type SignIn } from '../mail-sign-in';
import type { FormDraft } from '../state';
import { ariaInvalid, FieldError, TextInput } from './parts';

export function SignInChoice() {
  const { state, dispatch, invalid } = useConsole();
  const s = state.draft.server;
  return (
    <div class="field span-2">
      <label for="server-signin">Sign-in</label>
      <select
        id="server-signin"
        name="signin"
        aria-describedby="server-signin-hint err-server.transport"
        aria-invalid={ariaInvalid(invalid, 'server-signin')}
        value={s.signIn}
        onChange={(e) => {
          const signIn = e.currentTarget.value as SignIn;
          dispatch({ type: 'edited', change: (d) => ({ ...d, server: { ...d.server, signIn } }) });
        }}
      >
        {SIGN_IN_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.text}
          </option>
        ))}
      </select>
      <p class="hint" id="server-signin-hint">
        {isOAuth(s.signIn) ? PROVIDER_HINTS[s.signIn] : 'How alertmail signs in to the mail server.'}
      </p>
      <FieldError slot="server.transport" />
    </div>
  );
}

export function OAuthFields() {
  const { state, dispatch } = useConsole();
  const s = state.draft.server;
  if (!isOAuth(s.signIn)) return null;
  const fields = oauthFields(s.signIn);
  const secretSet = state.stored?.server?.auth?.clientSecretSet === true;
  const set = (patch: Partial<FormDraft['server']>) =>
    dispatch({ type: 'edited', change: (d) => ({ ...d, server: { ...d.server, ...patch } }) });
  const text = (id: string, label: string, value: string, onInput: (value: string) => void, placeholder = '') => (
    <div class="field">
      <label for={`server-auth-${id}`}>{label}</label>
      <TextInput
        id={`server-auth-${id}`}
        slot={`server.auth.${id}`}
        name={id}
        type="text"
        placeholder={placeholder}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <FieldError slot={`server.auth.${id}`} />
    </div>
  );
  return (
    <>
      {text('user', 'Mailbox', s.oauthUser, (oauthUser) => set({ oauthUser }), 'alerts@example.com')}
      {fields.tenantId &&
        text('tenantId', 'Tenant ID', s.tenantId, (tenantId) => set({ tenantId }), 'contoso.onmicrosoft.com')}
      {fields.clientId && text('clientId', 'Client ID', s.clientId, (clientId) => set({ clientId }))}
      {fields.tokenUrl &&
        text(
          'tokenUrl',
          'Token URL',
          s.tokenUrl,
          (tokenUrl) => set({ tokenUrl }),
          'https://idp.example.com/oauth2/token',
        )}
      <div class="field span-2">
        <label for="server-auth-clientSecret">{fields.secretLabel}</label>
        {s.signIn === 'google' ? (
          <textarea
            id="server-auth-clientSecret"
            name="clientSecret"
            rows={4}
            spellcheck={false}
            autocomplete="off"
            placeholder={secretSet ? 'Leave empty to keep the stored key' : '{"type": "service_account", ...}'}
            aria-describedby="server-auth-clientSecret-hint err-server.auth.clientSecret"
            value={s.clientSecret}
            onInput={(e) => set({ clientSecret: e.currentTarget.value })}
          />
        ) : (
          <TextInput
            id="server-auth-clientSecret"
            slot="server.auth.clientSecret"
            hint="server-auth-clientSecret-hint"
            name="clientSecret"
            type="password"
            autocomplete="new-password"
            placeholder={secretSet ? 'Leave empty to keep the stored secret' : ''}
            value={s.clientSecret}
            onInput={(e) => set({ clientSecret: e.currentTarget.value })}
          />
        )}
        <p class="hint" id="server-auth-clientSecret-hint">
          {secretSet
            ? 'A secret is stored (never shown). Type a new one to replace it.'
            : 'Write-only: never shown again.'}
        </p>
        <FieldError slot="server.auth.clientSecret" />
      </div>
      {text('scope', 'Scope (optional)', s.scope, (scope) => set({ scope }), 'the preset scope')}
    </>
  );
}
