/**
 * The alertmail web console: the shell (top bar, sign-in, the sections of the
 * signed-in page) around one view per concern, talking only to the public
 * HTTP API with the admin token (kept in sessionStorage, never in the URL).
 *
 * Every field, recipients included, is STAGED: OK applies them together, which
 * matches the seed ("you must click OK to apply"), lets "unsaved changes"
 * cover everything, and lets Send Test Message try an address before it is
 * saved. The Enabled/Disabled switch in the top bar is the one exception: it
 * applies at once, as a switch should.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { ApiError, makeClient } from './api';
import { Console, type ConsoleServices } from './context';
import { plainWords } from './field-errors';
import type { ApiConfig, ApiErrorDetail } from './model';
import { errorText, isSignedOut, loadConfig } from './requests';
import { invalidControls, isDirty, reduce, SIGNED_OUT } from './state';
import { ConfigForm } from './views/ConfigForm';
import { DeliveriesView } from './views/DeliveriesView';
import { EnabledSwitch } from './views/EnabledSwitch';
import { MailboxView } from './views/MailboxView';
import { MuteWindowsView } from './views/MuteWindowsView';
import { ErrorSummary } from './views/parts';
import { RoutesView } from './views/RoutesView';
import { type SignInNotice, SignInView } from './views/SignInView';
import { SilencesView } from './views/SilencesView';
import { TemplatesView } from './views/TemplatesView';
import { WhoGetsView } from './views/WhoGetsView';

const TOKEN_KEY = 'alertmail.adminToken';
const TITLE = 'alertmail — email notifications';

/** The signed-in page's sections, in order: the navigation lists them, each view renders one. */
const SECTIONS = [
  { id: 'server', title: 'Server' },
  { id: 'recipients', title: 'Recipients' },
  { id: 'conditions', title: 'Conditions' },
  { id: 'repeat', title: 'Repeat' },
  { id: 'routes', title: 'Routes' },
  { id: 'who-gets', title: 'Who gets this?' },
  { id: 'silences', title: 'Silences' },
  { id: 'mute-windows', title: 'Mute windows' },
  { id: 'templates', title: 'Templates' },
  { id: 'deliveries', title: 'Deliveries' },
] as const;

/** `starting` until the stored token is tried: the page renders (and is pre-rendered) that way. */
type Phase = 'starting' | 'signin' | 'console';

export function App() {
  const [phase, setPhase] = useState<Phase>('starting');
  const [notice, setNotice] = useState<SignInNotice & { seq: number }>({ message: '', isError: true, seq: 0 });
  const [state, dispatch] = useReducer(reduce, SIGNED_OUT);
  const [live, setLive] = useState('');
  /** Bumped on every sign-in and sign-out: the views of a session start afresh. */
  const [session, setSession] = useState(0);
  const [logVersion, setLogVersion] = useState(0);
  const token = useRef<string | null>(null);
  const dirtyNow = useRef(false);
  const pendingFocus = useRef<string | null>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);

  const focusAfterRender = useCallback((id: string) => {
    pendingFocus.current = id;
    rerender(0);
  }, []);
  useLayoutEffect(() => {
    const id = pendingFocus.current;
    pendingFocus.current = null;
    if (id) document.getElementById(id)?.focus();
  });

  const announce = useCallback((message: string) => {
    setLive('');
    window.setTimeout(() => setLive(message), 50);
  }, []);

  const showSignIn = useCallback(
    (message = '', isError = true) => {
      setPhase('signin');
      setNotice((n) => ({ message, isError, seq: n.seq + 1 }));
      focusAfterRender('token');
    },
    [focusAfterRender],
  );

  const signOut = useCallback(
    (message: string, isError = true) => {
      token.current = null;
      sessionStorage.removeItem(TOKEN_KEY);
      dispatch({ type: 'signedOut' });
      setSession((n) => n + 1);
      showSignIn(message, isError);
    },
    [showSignIn],
  );

  const api = useMemo(
    () =>
      makeClient(
        () => token.current,
        () => signOut('Your session has ended: the admin token was not accepted. Sign in again.'),
      ),
    [signOut],
  );

  const enterConsole = useCallback(
    (config: ApiConfig) => {
      dispatch({ type: 'loaded', config });
      setPhase('console');
      setSession((n) => n + 1);
      focusAfterRender('server-host');
    },
    [focusAfterRender],
  );

  async function signIn(candidate: string): Promise<void> {
    if (candidate === '') return showSignIn('Enter the admin token.');
    try {
      const config = await loadConfig(
        makeClient(
          () => candidate,
          () => {},
        ),
      );
      token.current = candidate;
      sessionStorage.setItem(TOKEN_KEY, candidate);
      enterConsole(config);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) showSignIn('That token was not accepted. Check it and try again.');
      else if (e instanceof ApiError && e.status === 403)
        showSignIn('That token may not change the configuration: use the admin token, not the ingest token.');
      else showSignIn(e instanceof ApiError ? plainWords(e.code, e.message) : 'Sign-in failed.');
    }
  }
  useEffect(() => {
    token.current = sessionStorage.getItem(TOKEN_KEY);
    if (!token.current) return showSignIn();
    loadConfig(api).then(enterConsole, (e: unknown) => {
      if (!isSignedOut(e)) showSignIn(errorText(e));
    });
  }, []);

  const dirty = isDirty(state);
  dirtyNow.current = dirty;
  useEffect(() => {
    document.title = `${dirty ? '• ' : ''}${TITLE}`;
  }, [dirty]);
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (dirtyNow.current) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const services: ConsoleServices = {
    api,
    state,
    dispatch,
    announce,
    focusAfterRender,
    showErrors: (details: readonly ApiErrorDetail[], lead?: string) => {
      dispatch({ type: 'errorsShown', details, lead });
      if (details.length > 0) focusAfterRender('error-summary');
    },
    refreshLogs: () => setLogVersion((n) => n + 1),
    invalid: invalidControls(state.errors),
  };

  const signedIn = phase === 'console';
  const enabled = state.stored?.enabled === true;
  return (
    <Console.Provider value={services}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand">
          <img src="/console/icon.svg" alt="" width={28} height={28} />
          <div>
            <p class="product">alertmail</p>
            <p class="crumb">Notification configuration · Email</p>
          </div>
        </div>
        <div class="topbar-actions" id="topbar-actions" hidden={!signedIn}>
          <EnabledSwitch enabled={enabled} />
          <button
            type="button"
            class="button subtle"
            id="sign-out"
            onClick={() => {
              if (isDirty(state) && !window.confirm('Discard unsaved changes and sign out?')) return;
              signOut('You are signed out.', false);
              announce('Signed out.');
            }}
          >
            Sign out
          </button>
        </div>
      </header>

      <div class="live visually-hidden" id="live" role="status" aria-live="polite" aria-atomic="true">
        {live}
      </div>

      <main id="main" tabindex={-1}>
        <SignInView key={notice.seq} hidden={phase !== 'signin'} notice={notice} onSignIn={signIn} />
        <div id="console" hidden={!signedIn}>
          <h1 class="visually-hidden">Email notifications</h1>
          <nav class="sections" aria-label="Sections">
            <ul>
              {SECTIONS.map((s) => (
                <li key={s.id}>
                  <a href={`#${s.id}`}>{s.title}</a>
                </li>
              ))}
            </ul>
          </nav>
          <ErrorSummary />
          <p class="notice disabled-banner" id="disabled-banner" hidden={!state.stored || enabled}>
            Notifications are disabled: alerts are accepted and counted, but no email is sent.
          </p>
          <ConfigForm key={session} />
          <RoutesView key={session} signedIn={signedIn} />
          <WhoGetsView key={session} />
          <SilencesView key={session} signedIn={signedIn} />
          <MuteWindowsView key={session} signedIn={signedIn} />
          <TemplatesView key={session} signedIn={signedIn} />
          <DeliveriesView key={session} signedIn={signedIn} version={logVersion} />
          <MailboxView key={session} signedIn={signedIn} version={logVersion} />
        </div>
      </main>
    </Console.Provider>
  );
}
