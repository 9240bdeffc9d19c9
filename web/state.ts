/**
 * The console's state, kept free of the DOM so it is unit-tested in node: what
 * is stored, the form as edited (the draft), and the errors on the page. One
 * reducer changes it; the views only read it and dispatch.
 */

import { controlIdFor, fieldTitle, slotFor } from './field-errors';
import { BLANK_SIGN_IN } from './mail-sign-in';
import {
  type ApiConfig,
  type ApiErrorDetail,
  changes,
  type Draft,
  type DraftCondition,
  draftFromConfig,
  hasChanges,
  LABEL_PRESETS,
} from './model';

/** A condition row as edited; `custom` keeps the free-text label field open even while its text names a preset. */
export interface ConditionRow extends DraftCondition {
  custom: boolean;
}

export type FormDraft = Omit<Draft, 'conditions'> & { conditions: ConditionRow[] };

export interface SummaryItem {
  readonly text: string;
  /** The control the summary's link focuses; null when the field has no control on the page. */
  readonly controlId: string | null;
}

export interface PageErrors {
  /** Error slot (`server.port`, `recipients[2]`, `conditions[1].values`...) → its messages. */
  readonly slots: Readonly<Record<string, readonly string[]>>;
  readonly lead: string;
  readonly summary: readonly SummaryItem[];
}

export interface ConsoleState {
  readonly stored: ApiConfig | null;
  readonly draft: FormDraft;
  readonly errors: PageErrors;
  /** The trusted-CA section is open: on load when a CA is set, and whenever it holds an error. */
  readonly caOpen: boolean;
}

export const NO_ERRORS: PageErrors = { slots: {}, lead: '', summary: [] };

/** The form as it reads when nobody is signed in (the form's own defaults). */
export const BLANK_DRAFT: FormDraft = {
  server: {
    host: '',
    port: '',
    security: 'none',
    username: '',
    password: '',
    clearPassword: false,
    from: '',
    ca: '',
    ...BLANK_SIGN_IN,
  },
  recipients: [],
  useConditions: false,
  conditions: [],
  repeatInterval: '',
  sendResolved: false,
};

export const SIGNED_OUT: ConsoleState = { stored: null, draft: BLANK_DRAFT, errors: NO_ERRORS, caOpen: false };

export type Action =
  /** The form shows `config` as stored (sign-in, OK, Discard). */
  | { type: 'loaded'; config: ApiConfig }
  /** `config` is now stored but the form keeps what was typed (OK saved only part of it). */
  | { type: 'rebased'; config: ApiConfig; serverSaved: boolean }
  | { type: 'enabled'; enabled: boolean }
  | { type: 'signedOut' }
  | { type: 'edited'; change: (draft: FormDraft) => FormDraft }
  | { type: 'caToggled'; open: boolean }
  | { type: 'errorsShown'; details: readonly ApiErrorDetail[]; lead?: string }
  | { type: 'errorsCleared' }
  /** One message beside one field, without the summary (a check as the admin types). */
  | { type: 'slotSet'; slot: string; message: string }
  | { type: 'slotsCleared'; which: (slot: string) => boolean };

function formDraft(config: ApiConfig): FormDraft {
  const draft = draftFromConfig(config);
  const presets: readonly string[] = LABEL_PRESETS;
  return { ...draft, conditions: draft.conditions.map((c) => ({ ...c, custom: !presets.includes(c.label) })) };
}

/** A slot's control, when that control is on the page (a recipient or condition row that still exists). */
function controlOn(slot: string, draft: FormDraft): string | null {
  const id = controlIdFor(slot);
  const row = /^(recipients|conditions)\[(\d+)\]/.exec(slot);
  if (!row) return id;
  const count = row[1] === 'recipients' ? draft.recipients.length : draft.conditions.length;
  return Number(row[2]) < count ? id : null;
}

function withErrors(state: ConsoleState, details: readonly ApiErrorDetail[], lead = ''): ConsoleState {
  const slots: Record<string, string[]> = {};
  for (const [slot, messages] of Object.entries(state.errors.slots)) slots[slot] = [...messages];
  const summary: SummaryItem[] = [];
  for (const detail of details) {
    const slot = slotFor(detail.field);
    slots[slot] = [...(slots[slot] ?? []), detail.message];
    summary.push({ text: `${fieldTitle(detail.field)}: ${detail.message}`, controlId: controlOn(slot, state.draft) });
  }
  return { ...state, errors: { slots, lead, summary }, caOpen: state.caOpen || slots['server.ca'] !== undefined };
}

export function reduce(state: ConsoleState, action: Action): ConsoleState {
  switch (action.type) {
    case 'loaded':
      return {
        ...state,
        stored: action.config,
        draft: formDraft(action.config),
        caOpen: action.config.server?.ca !== undefined && action.config.server.ca !== '',
      };
    case 'rebased': {
      const server = action.serverSaved
        ? { ...state.draft.server, password: '', clearPassword: false, clientSecret: '' }
        : state.draft.server;
      return { ...state, stored: action.config, draft: { ...state.draft, server } };
    }
    case 'enabled':
      return state.stored ? { ...state, stored: { ...state.stored, enabled: action.enabled } } : state;
    case 'signedOut':
      return SIGNED_OUT;
    case 'edited':
      return { ...state, draft: action.change(state.draft) };
    case 'caToggled':
      return { ...state, caOpen: action.open };
    case 'errorsShown':
      return withErrors(state, action.details, action.lead);
    case 'errorsCleared':
      return { ...state, errors: NO_ERRORS };
    case 'slotSet': {
      const slots = {
        ...state.errors.slots,
        [action.slot]: [...(state.errors.slots[action.slot] ?? []), action.message],
      };
      return { ...state, errors: { ...state.errors, slots } };
    }
    case 'slotsCleared': {
      const slots = Object.fromEntries(Object.entries(state.errors.slots).filter(([slot]) => !action.which(slot)));
      return { ...state, errors: { ...state.errors, slots } };
    }
  }
}

/** The draft as the requests see it: "remove the stored password" counts only when one is stored. */
export function requestDraft(state: ConsoleState): Draft {
  const { draft, stored } = state;
  return {
    ...draft,
    server: { ...draft.server, clearPassword: draft.server.clearPassword && stored?.server?.passwordSet === true },
    conditions: draft.conditions.map(({ label, operator, values }) => ({ label, operator, values })),
  };
}

export function isDirty(state: ConsoleState): boolean {
  return state.stored !== null && hasChanges(changes(state.stored, requestDraft(state)));
}

/** The ids of the controls an error marks invalid. */
export function invalidControls(errors: PageErrors): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const [slot, messages] of Object.entries(errors.slots)) {
    const id = controlIdFor(slot);
    if (id && messages.length > 0) ids.add(id);
  }
  return ids;
}

/** The text of a slot's error line: several messages for one field, one after another. */
export function slotText(errors: PageErrors, slot: string): string {
  return (errors.slots[slot] ?? []).join(' ');
}
