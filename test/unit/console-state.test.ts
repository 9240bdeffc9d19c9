/** The console's state and how a delivery reads: the pure parts, in node. */
import { collapse, collapsedText, formatDateTime, outcomeNotes } from '../../web/deliveries';
import { controlIdFor } from '../../web/field-errors';
import type { ApiConfig } from '../../web/model';
import {
  type ConsoleState,
  invalidControls,
  isDirty,
  reduce,
  requestDraft,
  SIGNED_OUT,
  slotText,
} from '../../web/state';
import { CONFIG, FAILED, SENT } from '../fixtures/console';

function loaded(config: ApiConfig = CONFIG): ConsoleState {
  return reduce(SIGNED_OUT, { type: 'loaded', config });
}

describe('console state', () => {
  it('loads the stored config as an unchanged draft, custom labels marked custom', () => {
    const state = loaded();
    expect(isDirty(state)).toBe(false);
    expect(state.draft.server).toMatchObject({ host: 'smtp.example.com', port: '587', password: '' });
    expect(state.draft.conditions.map((c) => c.custom)).toEqual([false, true]);
    expect(isDirty(SIGNED_OUT)).toBe(false);
  });

  it('sees an edit as a change and Discard (loaded again) as none', () => {
    const edited = reduce(loaded(), {
      type: 'edited',
      change: (d) => ({ ...d, recipients: [...d.recipients, 'new@example.com'] }),
    });
    expect(isDirty(edited)).toBe(true);
    expect(isDirty(reduce(edited, { type: 'loaded', config: CONFIG }))).toBe(false);
  });

  it('keeps what was typed when OK saved only part, and forgets the password once the server is saved', () => {
    const typed = reduce(loaded(), {
      type: 'edited',
      change: (d) => ({
        ...d,
        server: { ...d.server, password: 'secret', host: 'mail.example.com' },
        repeatInterval: 'x',
      }),
    });
    const fresh = { ...CONFIG, server: { ...CONFIG.server, host: 'mail.example.com' } } as ApiConfig;
    const rebased = reduce(typed, { type: 'rebased', config: fresh, serverSaved: true });
    expect(rebased.stored).toBe(fresh);
    expect(rebased.draft.server).toMatchObject({ host: 'mail.example.com', password: '' });
    expect(rebased.draft.repeatInterval).toBe('x');
    expect(reduce(typed, { type: 'rebased', config: fresh, serverSaved: false }).draft.server.password).toBe('secret');
  });

  it('sends "remove the stored password" only when one is stored', () => {
    const clear = (config: ApiConfig) =>
      reduce(loaded(config), {
        type: 'edited',
        change: (d) => ({ ...d, server: { ...d.server, clearPassword: true } }),
      });
    expect(requestDraft(clear(CONFIG)).server.clearPassword).toBe(true);
    const withoutPassword = { ...CONFIG, server: { ...CONFIG.server, passwordSet: false } } as ApiConfig;
    expect(requestDraft(clear(withoutPassword)).server.clearPassword).toBe(false);
  });

  it('puts each error beside its field and in the summary, linked to the control when it is on the page', () => {
    const state = reduce(loaded(), {
      type: 'errorsShown',
      lead: 'Nothing was saved.',
      details: [
        { field: 'server.port', message: 'Enter a port number from 1 to 65535.' },
        { field: 'server.port', message: 'Too big.' },
        { field: 'recipients[1]', message: 'Refused.' },
        { field: 'recipients[7]', message: 'Gone.' },
        { field: 'server.ca', message: 'Not PEM.' },
        { field: 'general', message: 'Could not reload.' },
      ],
    });
    expect(slotText(state.errors, 'server.port')).toBe('Enter a port number from 1 to 65535. Too big.');
    expect(state.errors.lead).toBe('Nothing was saved.');
    expect(state.errors.summary.map((item) => item.controlId)).toEqual([
      'server-port',
      'server-port',
      'recipient-remove-1',
      null,
      'server-ca',
      null,
    ]);
    expect(state.errors.summary[0]?.text).toBe('Port: Enter a port number from 1 to 65535.');
    expect(state.caOpen).toBe(true);
    expect([...invalidControls(state.errors)]).toEqual(
      expect.arrayContaining(['server-port', 'recipient-remove-1', 'server-ca']),
    );

    const cleared = reduce(state, { type: 'slotsCleared', which: (slot) => slot.startsWith('server.') });
    expect(Object.keys(cleared.errors.slots).sort()).toEqual(['general', 'recipients[1]', 'recipients[7]']);
    expect(reduce(state, { type: 'errorsCleared' }).errors.summary).toEqual([]);
  });

  it('names the control each error slot marks', () => {
    expect(controlIdFor('server.from')).toBe('server-from');
    expect(controlIdFor('server')).toBe('server-host');
    expect(controlIdFor('settings')).toBe('repeat-interval');
    expect(controlIdFor('conditions[2]')).toBe('cond-2-label');
    expect(controlIdFor('conditions[2].values')).toBe('cond-2-values');
    expect(controlIdFor('general')).toBeNull();
  });

  it('switches notifications without touching the draft, and signs out to a blank form', () => {
    const typed = reduce(loaded(), { type: 'edited', change: (d) => ({ ...d, repeatInterval: '4h' }) });
    const off = reduce(typed, { type: 'enabled', enabled: false });
    expect(off.stored?.enabled).toBe(false);
    expect(off.draft.repeatInterval).toBe('4h');
    expect(reduce(off, { type: 'signedOut' })).toBe(SIGNED_OUT);
    expect(SIGNED_OUT.draft.server.host).toBe('');
  });
});

describe('how a delivery reads', () => {
  it('shows the date as well as the time, in the given locale', () => {
    expect(formatDateTime(SENT.at, 'en-GB', 'UTC')).toBe('2 Dec 2026, 14:03:12');
    expect(formatDateTime('not a date', 'en-GB', 'UTC')).toBe('not a date');
  });

  it('collapses recipients to the first and how many more', () => {
    expect(
      collapsedText(collapse(['oncall@example.com', ...Array(10).fill('x@example.com')]) ?? { first: '', more: 0 }),
    ).toBe('oncall@example.com +10');
    expect(collapse(['only@example.com'])).toEqual({ first: 'only@example.com', more: 0 });
    expect(collapse([])).toBeNull();
  });

  it('notes refused recipients, and "permanent" only on a failed delivery', () => {
    expect(outcomeNotes(SENT)).toEqual({ rejected: SENT.rejected, permanent: false });
    expect(outcomeNotes({ ...SENT, permanent: true }).permanent).toBe(false);
    expect(outcomeNotes(FAILED).permanent).toBe(true);
    expect(outcomeNotes({ ...FAILED, rejected: undefined, permanent: undefined })).toEqual({
      rejected: [],
      permanent: false,
    });
  });
});
