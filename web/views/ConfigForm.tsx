/**
 * The configuration form: server, recipients, conditions and repeat settings,
 * applied together by OK ("nothing is stored until OK", as the seed says), and
 * Send Test Message, which uses the form as it is, saved or not.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useConsole } from '../context';
import { changes, checkDraft, formatWhen, hasChanges, testMessageBody } from '../model';
import { detailsOf, errorText, isSignedOut, saveChanges } from '../requests';
import { isDirty, requestDraft } from '../state';
import { ConditionsView } from './ConditionsView';
import { RecipientsView } from './RecipientsView';
import { RepeatView } from './RepeatView';
import { ServerView } from './ServerView';

const ALL_SAVED = 'All changes saved';

interface TestOutcome {
  kind: 'success' | 'error';
  text: string;
  extra?: string;
}

export function ConfigForm() {
  const services = useConsole();
  const { api, state, dispatch, announce, focusAfterRender, showErrors, refreshLogs } = services;
  const [busy, setBusy] = useState<'saving' | 'testing' | null>(null);
  const [savedText, setSavedText] = useState(ALL_SAVED);
  const [test, setTest] = useState<TestOutcome | null>(null);
  const dirty = isDirty(state);

  useEffect(() => {
    if (savedText === ALL_SAVED) return;
    const timer = window.setTimeout(() => setSavedText(ALL_SAVED), 2500);
    return () => window.clearTimeout(timer);
  }, [savedText]);

  async function save(): Promise<void> {
    const stored = state.stored;
    if (!stored) return;
    dispatch({ type: 'errorsCleared' });
    setTest(null);
    const draft = requestDraft(state);
    const problems = checkDraft(draft);
    if (problems.length > 0) {
      showErrors(problems, 'Nothing was saved. Correct these fields:');
      return;
    }
    const pending = changes(stored, draft);
    if (!hasChanges(pending)) {
      announce('Nothing to save: the form matches what is stored.');
      return;
    }
    setBusy('saving');
    try {
      const result = await saveChanges(api, draft, pending);
      if (!result) return;
      const { errors, saved, failed, serverSaved, fresh } = result;
      if (errors.length === 0 && fresh) {
        dispatch({ type: 'loaded', config: fresh });
        announce(`Saved ${saved.join(', ')}.`);
        setSavedText('Saved ✓');
        return;
      }
      // keep what the admin typed; only the baseline moves to what is now stored
      if (fresh) dispatch({ type: 'rebased', config: fresh, serverSaved });
      const lead =
        saved.length > 0
          ? `Saved ${saved.join(', ')}; not saved: ${failed.join(', ')}. Correct these and click OK again:`
          : 'Nothing was saved. Correct these and click OK again:';
      showErrors(errors, lead);
      announce(lead);
    } finally {
      setBusy(null);
    }
  }

  async function sendTest(): Promise<void> {
    dispatch({ type: 'errorsCleared' });
    setTest(null);
    const draft = requestDraft(state);
    const problems = checkDraft(draft, true);
    if (draft.recipients.length === 0) problems.push({ field: 'recipients', message: 'Add at least one recipient.' });
    if (problems.length > 0) {
      showErrors(problems, 'The test message was not sent. Correct these fields:');
      return;
    }
    setBusy('testing');
    let focus = true; // the outcome takes the focus, unless field errors (the summary) do
    try {
      const result = await api.request<{ accepted?: string[]; rejected?: string[] }>(
        'POST',
        '/v1/test-message',
        testMessageBody(draft),
      );
      const accepted = result.accepted ?? [];
      const rejected = result.rejected ?? [];
      setTest({
        kind: 'success',
        text: `The mail server accepted it${accepted.length > 0 ? ` for ${accepted.join(', ')}` : ''}.`,
        extra: rejected.length > 0 ? `It refused ${rejected.join(', ')}.` : undefined,
      });
    } catch (e) {
      if (isSignedOut(e)) return;
      setTest({ kind: 'error', text: errorText(e), extra: `Error code: ${e instanceof ApiError ? e.code : 'ERROR'}` });
      if (e instanceof ApiError && e.details.length > 0) {
        showErrors(detailsOf('test', e));
        focus = false;
      }
    } finally {
      setBusy(null);
    }
    if (focus) focusAfterRender('test-result');
    refreshLogs();
  }

  function discard(): void {
    if (!state.stored) return;
    dispatch({ type: 'errorsCleared' });
    dispatch({ type: 'loaded', config: state.stored });
    announce('Changes discarded.');
  }

  const changed = state.stored?.updatedAt && Date.parse(state.stored.updatedAt) > 0;
  return (
    <form
      id="config-form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <ServerView />
      <RecipientsView />
      <ConditionsView />
      <RepeatView />

      <div class="actionbar">
        <p class="dirty" id="dirty-flag" hidden={!dirty}>
          <span class="dot" aria-hidden="true" />
          Unsaved changes
        </p>
        {/* A fresh install answers the epoch: never changed, so no date to show. */}
        <p
          class="saved"
          id="saved-flag"
          hidden={dirty}
          title={changed && state.stored ? `Last change: ${formatWhen(state.stored.updatedAt)}` : ''}
        >
          {savedText}
        </p>
        <div class="actions">
          <button
            type="button"
            class="button"
            id="test-send"
            aria-describedby="test-hint"
            aria-busy={busy === 'testing' ? 'true' : 'false'}
            disabled={busy === 'testing'}
            onClick={() => void sendTest()}
          >
            {busy === 'testing' ? (
              'Sending…'
            ) : (
              <>
                Send test<span class="wide"> message</span>
              </>
            )}
          </button>
          <button type="button" class="button subtle" id="discard" disabled={!dirty} onClick={discard}>
            Discard<span class="wide"> changes</span>
          </button>
          <button
            type="submit"
            class="button primary"
            id="save"
            aria-busy={busy === 'saving' ? 'true' : 'false'}
            disabled={busy === 'saving'}
          >
            {busy === 'saving' ? 'Saving…' : 'OK'}
          </button>
        </div>
      </div>
      <p class="hint test-hint" id="test-hint">
        Send test message uses the form as it is now, saved or not.
      </p>
      <div class={test ? `notice ${test.kind}` : 'notice'} id="test-result" role="status" tabindex={-1} hidden={!test}>
        {test ? (
          <>
            <p class="notice-title">{test.kind === 'success' ? 'Test message sent' : 'Test message failed'}</p>
            <p>{test.text}</p>
            {test.extra ? <p class="hint">{test.extra}</p> : null}
          </>
        ) : null}
      </div>
    </form>
  );
}
