/**
 * "Who gets this?": the admin pastes an alert's labels (`name=value` lines as the mail's text
 * lists them, JSON, or the mail's "Silence this" link, which carries every label) and reads what
 * the routes would do with it, in words (dry-run-words.ts). It asks `POST /v1/alerts/dry-run`,
 * which changes nothing. The deliveries log keeps only fingerprints, which cannot be turned back
 * into labels, so a recent alert is picked by pasting from its mail rather than from the log.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useConsole } from '../context';
import { formatDateTime } from '../deliveries';
import { type AlertWords, explainAlert, type Verdict } from '../dry-run-words';
import { errorText, isSignedOut } from '../requests';
import { parseAlertInput } from '../routes-model';
import { dryRun, listRoutes } from '../routes-requests';
import { ErrorLine } from './parts';

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = {
  gets: 'gets it',
  held: 'held',
  skipped: 'skipped',
  notReached: 'not reached',
};

const EXAMPLE = 'alertname=KubePodCrashLooping\nseverity=critical\nnamespace=payments';

type Answer = { state: 'none' } | { state: 'answered'; alerts: AlertWords[] } | { state: 'failed'; message: string };

export function WhoGetsView() {
  const { api, state, announce, focusAfterRender } = useConsole();
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState('');
  const [answer, setAnswer] = useState<Answer>({ state: 'none' });
  const [busy, setBusy] = useState(false);

  async function ask(): Promise<void> {
    const parsed = parseAlertInput(input);
    if (!parsed.ok) {
      setInputError(parsed.error);
      focusAfterRender('who-labels');
      return;
    }
    setInputError('');
    setBusy(true);
    try {
      // the routes say which `disabled` decisions are the route's own (and not the whole service's)
      const [result, routes] = await Promise.all([dryRun(api, parsed.body), listRoutes(api).catch(() => [])]);
      const disabledRoutes = new Set(routes.filter((r) => !r.enabled).map((r) => r.name));
      const notificationsEnabled = state.stored?.enabled !== false;
      const alerts = result.alerts.map((a) =>
        explainAlert(a, { formatTime: formatDateTime, disabledRoutes, notificationsEnabled }),
      );
      setAnswer({ state: 'answered', alerts });
      announce(alerts.map((a) => `${a.headline} ${a.sentence}`).join(' '));
    } catch (e) {
      if (isSignedOut(e)) return;
      if (e instanceof ApiError && e.status === 400) {
        // the alert itself is refused: say so beside the labels, naming the fields
        const details = e.details.map((d) => `${d.field}: ${d.message}`).join('; ');
        setInputError(details === '' ? errorText(e) : details);
        setAnswer({ state: 'none' });
        focusAfterRender('who-labels');
        return;
      }
      setAnswer({ state: 'failed', message: `Could not ask: ${errorText(e)}` });
    } finally {
      setBusy(false);
    }
    focusAfterRender('who-answer');
  }

  return (
    <section class="panel" id="who-gets" aria-labelledby="who-gets-title">
      <h2 id="who-gets-title">Who gets this?</h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void ask();
        }}
      >
        <div class="field">
          <label for="who-labels">Alert labels</label>
          <textarea
            id="who-labels"
            rows={5}
            autocomplete="off"
            spellcheck={false}
            placeholder={EXAMPLE}
            aria-describedby="who-labels-hint err-who.labels"
            aria-invalid={inputError === '' ? undefined : 'true'}
            value={input}
            onInput={(e) => setInput(e.currentTarget.value)}
          />
          <p class="hint" id="who-labels-hint">
            One name=value per line (as an alert mail lists them), a JSON object of labels or a whole alerts payload, or
            an alert mail’s “Silence this” link. Nothing is sent and nothing changes.
          </p>
          <ErrorLine slot="who.labels" text={inputError} />
        </div>
        <button type="submit" class="button primary" id="who-ask" aria-busy={busy ? 'true' : 'false'} disabled={busy}>
          {busy ? 'Asking…' : 'Who gets this?'}
        </button>
      </form>
      <div class="who-answer" id="who-answer" tabindex={-1} hidden={answer.state === 'none'}>
        {answer.state === 'failed' ? <p class="notice error">{answer.message}</p> : null}
        {answer.state === 'answered'
          ? answer.alerts.map((alert, i) => <AlertAnswer key={`${alert.fingerprint}-${i}`} alert={alert} />)
          : null}
      </div>
    </section>
  );
}

function AlertAnswer({ alert }: { alert: AlertWords }) {
  return (
    <div class="who-alert">
      <p class="who-headline">{alert.headline}</p>
      <p class="who-sentence" hidden={alert.sentence === ''}>
        {alert.sentence}.
      </p>
      <ol class="who-routes">
        {alert.routes.map((r) => (
          <li key={r.route} class="who-route">
            <span class={`badge verdict verdict-${r.verdict}`}>{VERDICT_TEXT[r.verdict]}</span>
            <span class="who-text">{r.text}</span>
            {r.recipients.length > 0 ? <span class="address who-to">{r.recipients.join(', ')}</span> : null}
          </li>
        ))}
      </ol>
      <p class="hint">Fingerprint {alert.fingerprint}</p>
    </div>
  );
}
