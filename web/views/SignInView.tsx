/** Sign-in: the admin token, kept for this browser tab only (sessionStorage), never in the address bar. */
import { useState } from 'preact/hooks';

export interface SignInNotice {
  readonly message: string;
  readonly isError: boolean;
}

export function SignInView({
  hidden,
  notice,
  onSignIn,
}: {
  hidden: boolean;
  notice: SignInNotice;
  /** Tries the token; the view is shown again (cleared) with a notice when it is refused. */
  onSignIn: (token: string) => Promise<void>;
}) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <section class="panel signin" id="signin" aria-labelledby="signin-title" hidden={hidden}>
      <h1 id="signin-title">Sign in</h1>
      <p>
        Enter the admin token. It is kept for this browser tab only and sent with each request; it never appears in the
        address bar.
      </p>
      <p
        class={notice.isError ? 'notice error' : 'notice'}
        id="signin-message"
        role="alert"
        hidden={notice.message === ''}
      >
        {notice.message}
      </p>
      <form
        id="signin-form"
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          try {
            await onSignIn(token.trim());
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="field">
          <label for="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            aria-describedby="token-hint"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
          <p class="hint" id="token-hint">
            <code>npm start</code> prints it; on AWS it is in the tokens secret named in the stack outputs.
          </p>
        </div>
        <button type="submit" class="button primary" id="signin-submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </section>
  );
}
