/**
 * The alertmail web console: one page, no framework, talking only to the public
 * HTTP API with the admin token (kept in sessionStorage, never in the URL).
 *
 * Recipients are STAGED: Add and Remove change the form only, like every other
 * field, and OK applies them (POST / DELETE /v1/config/recipients) together with
 * the server settings, conditions and repeat settings. One rule for the whole
 * page — "nothing is stored until OK" — matches the seed ("you must click OK to
 * apply"), lets "unsaved changes" cover recipients too, and lets Send Test
 * Message try a new address before it is saved. The Enabled/Disabled switch in
 * the header is the one exception: it applies at once, as a switch should.
 */
import { ApiError, makeClient } from './api';
import { byId, h, restyleFrame, sanitizeEmailHtml, show } from './dom';
import {
  type ApiConfig,
  type ApiErrorDetail,
  canonicalField,
  changes,
  checkAddress,
  checkDraft,
  conditionsBody,
  type Delivery,
  type Draft,
  type DraftCondition,
  draftFromConfig,
  fieldTitle,
  formatWhen,
  hasChanges,
  LABEL_PRESETS,
  type MailboxMessage,
  OPERATORS,
  type Operator,
  operatorTakesValues,
  plainWords,
  type RequestKind,
  type Security,
  serverBody,
  slotFor,
  testMessageBody,
} from './model';

const TOKEN_KEY = 'alertmail.adminToken';
const CUSTOM = '__custom__';

// ---------------------------------------------------------------- elements

const ui = {
  signin: byId('signin', HTMLElement),
  signinForm: byId('signin-form', HTMLFormElement),
  signinMessage: byId('signin-message', HTMLElement),
  signinSubmit: byId('signin-submit', HTMLButtonElement),
  token: byId('token', HTMLInputElement),
  console: byId('console', HTMLDivElement),
  topbarActions: byId('topbar-actions', HTMLDivElement),
  toggle: byId('enabled-toggle', HTMLButtonElement),
  toggleText: byId('enabled-text', HTMLElement),
  disabledBanner: byId('disabled-banner', HTMLElement),
  signOut: byId('sign-out', HTMLButtonElement),
  live: byId('live', HTMLDivElement),
  summary: byId('error-summary', HTMLDivElement),
  summaryLead: byId('error-summary-lead', HTMLElement),
  summaryList: byId('error-summary-list', HTMLUListElement),
  form: byId('config-form', HTMLFormElement),
  serverState: byId('server-state', HTMLElement),
  host: byId('server-host', HTMLInputElement),
  port: byId('server-port', HTMLInputElement),
  security: byId('server-security', HTMLSelectElement),
  username: byId('server-username', HTMLInputElement),
  password: byId('server-password', HTMLInputElement),
  passwordHint: byId('server-password-hint', HTMLElement),
  passwordClearRow: byId('password-clear-row', HTMLDivElement),
  passwordClear: byId('server-password-clear', HTMLInputElement),
  from: byId('server-from', HTMLInputElement),
  ca: byId('server-ca', HTMLTextAreaElement),
  caDetails: byId('ca-details', HTMLDetailsElement),
  recipientInput: byId('recipient-input', HTMLInputElement),
  recipientAdd: byId('recipient-add', HTMLButtonElement),
  recipientList: byId('recipient-list', HTMLUListElement),
  recipientsEmpty: byId('recipients-empty', HTMLElement),
  useConditions: byId('use-conditions', HTMLInputElement),
  conditionsBox: byId('conditions-box', HTMLDivElement),
  conditionList: byId('condition-list', HTMLOListElement),
  conditionAdd: byId('condition-add', HTMLButtonElement),
  repeatInterval: byId('repeat-interval', HTMLInputElement),
  sendResolved: byId('send-resolved', HTMLInputElement),
  dirtyFlag: byId('dirty-flag', HTMLElement),
  savedFlag: byId('saved-flag', HTMLElement),
  save: byId('save', HTMLButtonElement),
  discard: byId('discard', HTMLButtonElement),
  testSend: byId('test-send', HTMLButtonElement),
  testResult: byId('test-result', HTMLDivElement),
  deliveriesBody: byId('deliveries-body', HTMLTableSectionElement),
  deliveriesEmpty: byId('deliveries-empty', HTMLElement),
  deliveriesTable: byId('deliveries-table', HTMLDivElement),
  deliveriesRefresh: byId('deliveries-refresh', HTMLButtonElement),
  mailbox: byId('mailbox', HTMLElement),
  mailboxList: byId('mailbox-list', HTMLUListElement),
  mailboxEmpty: byId('mailbox-empty', HTMLElement),
  mailboxRefresh: byId('mailbox-refresh', HTMLButtonElement),
  messageView: byId('message-view', HTMLDivElement),
  messageSubject: byId('message-subject', HTMLElement),
  messageFrom: byId('message-from', HTMLElement),
  messageTo: byId('message-to', HTMLElement),
  messageReceived: byId('message-received', HTMLElement),
  messageHtml: byId('message-html', HTMLIFrameElement),
  messageText: byId('message-text', HTMLPreElement),
};

/** Error slot → the control to mark invalid and focus from the summary. */
function controlFor(slot: string): HTMLElement | null {
  const server: Record<string, HTMLElement> = {
    'server.host': ui.host,
    'server.port': ui.port,
    'server.security': ui.security,
    'server.username': ui.username,
    'server.password': ui.password,
    'server.from': ui.from,
    'server.ca': ui.ca,
    server: ui.host,
    recipients: ui.recipientInput,
    conditions: ui.useConditions,
    repeatInterval: ui.repeatInterval,
    sendResolved: ui.sendResolved,
    settings: ui.repeatInterval,
  };
  const direct = server[slot];
  if (direct) return direct;
  const recipient = /^recipients\[(\d+)\]$/.exec(slot);
  if (recipient) return document.getElementById(`recipient-remove-${recipient[1]}`);
  const condition = /^conditions\[(\d+)\](?:\.(label|operator|values))?$/.exec(slot);
  if (condition) return document.getElementById(`cond-${condition[1]}-${condition[2] ?? 'label'}`);
  return null;
}

// ---------------------------------------------------------------- state

let token: string | null = sessionStorage.getItem(TOKEN_KEY);
let stored: ApiConfig | null = null;
let recipients: string[] = [];
let conditions: DraftCondition[] = [];
let selectedMessage: string | null = null;

const api = makeClient(
  () => token,
  () => signOut('Your session has ended: the admin token was not accepted. Sign in again.'),
);

function announce(message: string): void {
  ui.live.textContent = '';
  window.setTimeout(() => {
    ui.live.textContent = message;
  }, 50);
}

// ---------------------------------------------------------------- sign-in

function showSignIn(message?: string, isError = true): void {
  show(ui.console, false);
  show(ui.topbarActions, false);
  show(ui.signin, true);
  ui.signinMessage.textContent = message ?? '';
  ui.signinMessage.classList.toggle('error', isError);
  show(ui.signinMessage, Boolean(message));
  ui.token.value = '';
  ui.token.focus();
}

function signOut(message: string, isError = true): void {
  token = null;
  stored = null;
  sessionStorage.removeItem(TOKEN_KEY);
  clearErrors();
  ui.form.reset();
  recipients = [];
  conditions = [];
  renderRecipients();
  renderConditions();
  ui.deliveriesBody.replaceChildren();
  ui.mailboxList.replaceChildren();
  ui.messageHtml.srcdoc = '';
  show(ui.messageView, false);
  showSignIn(message, isError);
}

ui.signinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const candidate = ui.token.value.trim();
  if (candidate === '') {
    showSignIn('Enter the admin token.');
    return;
  }
  ui.signinSubmit.disabled = true;
  try {
    const config = await makeClient(
      () => candidate,
      () => {},
    ).request<ApiConfig>('GET', '/v1/config');
    token = candidate;
    sessionStorage.setItem(TOKEN_KEY, candidate);
    ui.token.value = '';
    enterConsole(config);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showSignIn('That token was not accepted. Check it and try again.');
    else if (e instanceof ApiError && e.status === 403)
      showSignIn('That token may not change the configuration: use the admin token, not the ingest token.');
    else showSignIn(e instanceof ApiError ? plainWords(e.code, e.message) : 'Sign-in failed.');
  } finally {
    ui.signinSubmit.disabled = false;
  }
});

ui.signOut.addEventListener('click', () => {
  if (isDirty() && !window.confirm('Discard unsaved changes and sign out?')) return;
  signOut('You are signed out.', false);
  announce('Signed out.');
});

function enterConsole(config: ApiConfig): void {
  show(ui.signin, false);
  show(ui.console, true);
  show(ui.topbarActions, true);
  fillForm(normalize(config));
  ui.host.focus();
  void loadDeliveries();
  void loadMailbox();
}

async function start(): Promise<void> {
  if (!token) {
    showSignIn();
    return;
  }
  try {
    enterConsole(await api.request<ApiConfig>('GET', '/v1/config'));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showSignIn(errorText(e));
  }
}

// ---------------------------------------------------------------- the form

function normalize(config: ApiConfig): ApiConfig {
  return {
    server: config.server ?? null,
    recipients: config.recipients ?? [],
    conditions: config.conditions ?? [],
    enabled: config.enabled !== false,
    repeatInterval: config.repeatInterval ?? '12h',
    sendResolved: config.sendResolved !== false,
    updatedAt: config.updatedAt ?? '',
  };
}

function fillForm(config: ApiConfig): void {
  stored = config;
  const draft = draftFromConfig(config);
  ui.host.value = draft.server.host;
  ui.port.value = draft.server.port;
  ui.security.value = draft.server.security;
  ui.username.value = draft.server.username;
  ui.password.value = '';
  ui.password.disabled = false;
  ui.passwordClear.checked = false;
  ui.from.value = draft.server.from;
  ui.ca.value = draft.server.ca;
  ui.caDetails.open = draft.server.ca !== '';
  recipients = draft.recipients;
  conditions = draft.conditions;
  ui.useConditions.checked = draft.useConditions;
  ui.repeatInterval.value = draft.repeatInterval;
  ui.sendResolved.checked = draft.sendResolved;
  renderRecipients();
  renderConditions();
  renderEnabled(config.enabled);
  renderServerState(config);
  updateDirty();
}

function renderServerState(config: ApiConfig): void {
  const passwordSet = config.server?.passwordSet === true;
  ui.passwordHint.textContent = passwordSet
    ? 'A password is set. Type a new one to replace it; leave empty to keep it.'
    : 'No password is set.';
  ui.password.placeholder = passwordSet ? 'Leave empty to keep the current password' : '';
  show(ui.passwordClearRow, passwordSet);
  ui.serverState.textContent = config.server
    ? 'Used for every notification from the next alert on.'
    : 'No mail server is set yet.';
  // A fresh install answers the epoch: never changed, so no date to show.
  const changed = config.updatedAt && Date.parse(config.updatedAt) > 0;
  ui.savedFlag.title = changed ? `Last change: ${formatWhen(config.updatedAt)}` : '';
}

function readDraft(): Draft {
  return {
    server: {
      host: ui.host.value,
      port: ui.port.value,
      security: ui.security.value as Security,
      username: ui.username.value,
      password: ui.password.value,
      clearPassword: ui.passwordClear.checked && !ui.passwordClearRow.hidden,
      from: ui.from.value,
      ca: ui.ca.value,
    },
    recipients: [...recipients],
    useConditions: ui.useConditions.checked,
    conditions: conditions.map((c) => ({ ...c })),
    repeatInterval: ui.repeatInterval.value,
    sendResolved: ui.sendResolved.checked,
  };
}

function isDirty(): boolean {
  return stored !== null && hasChanges(changes(stored, readDraft()));
}

function updateDirty(): void {
  const dirty = isDirty();
  show(ui.dirtyFlag, dirty);
  show(ui.savedFlag, !dirty);
  ui.discard.disabled = !dirty;
  document.title = `${dirty ? '• ' : ''}alertmail — email notifications`;
}

ui.form.addEventListener('input', updateDirty);
ui.form.addEventListener('change', updateDirty);

ui.passwordClear.addEventListener('change', () => {
  ui.password.disabled = ui.passwordClear.checked;
  if (ui.passwordClear.checked) ui.password.value = '';
});

ui.port.addEventListener('change', () => {
  if (ui.port.value.trim() === '465' && ui.security.value !== 'tls') {
    ui.security.value = 'tls';
    announce('Port 465 uses TLS: security set to TLS.');
    updateDirty();
  }
});

window.addEventListener('beforeunload', (event) => {
  if (isDirty()) event.preventDefault();
});

ui.discard.addEventListener('click', () => {
  if (!stored) return;
  clearErrors();
  fillForm(stored);
  announce('Changes discarded.');
});

// ---------------------------------------------------------------- recipients

function renderRecipients(): void {
  const storedKeys = new Set((stored?.recipients ?? []).map((r) => r.toLowerCase()));
  const draftKeys = new Set(recipients.map((r) => r.toLowerCase()));
  const current = recipients.map((address, i) => {
    const remove = h(
      'button',
      { type: 'button', class: 'icon-button remove', id: `recipient-remove-${i}`, 'aria-label': `Remove ${address}` },
      '×',
    );
    remove.addEventListener('click', () => removeRecipient(i));
    const unsaved = !storedKeys.has(address.toLowerCase());
    return h(
      'li',
      { class: 'recipient', id: `recipient-${i}` },
      h('span', { class: 'address' }, address),
      unsaved ? h('span', { class: 'tag' }, 'not saved') : null,
      remove,
      h('p', { class: 'field-error', id: `err-recipients[${i}]`, hidden: true }),
    );
  });
  // Staged removals stay in sight, struck through, until OK, with a way back.
  const removed = (stored?.recipients ?? [])
    .filter((address) => !draftKeys.has(address.toLowerCase()))
    .map((address) => {
      const undo = h('button', { type: 'button', class: 'link-button', 'aria-label': `Keep ${address}` }, 'Undo');
      undo.addEventListener('click', () => {
        recipients.push(address);
        renderRecipients();
        updateDirty();
        ui.recipientInput.focus();
        announce(`${address} is kept.`);
      });
      return h(
        'li',
        { class: 'recipient removed' },
        h('del', { class: 'address' }, address),
        h('span', { class: 'tag' }, 'removed on OK'),
        undo,
      );
    });
  ui.recipientList.replaceChildren(...current, ...removed);
  show(ui.recipientsEmpty, recipients.length === 0 && removed.length === 0);
}

function addRecipient(): void {
  clearSlot('recipients');
  const address = ui.recipientInput.value.trim();
  const problem =
    checkAddress(address) ??
    (recipients.some((r) => r.toLowerCase() === address.toLowerCase()) ? `${address} is already in the list.` : null);
  if (problem) {
    setSlot('recipients', problem);
    ui.recipientInput.focus();
    return;
  }
  recipients.push(address);
  ui.recipientInput.value = '';
  renderRecipients();
  updateDirty();
  ui.recipientInput.focus();
  announce(`Added ${address}. Click OK to save.`);
}

function removeRecipient(index: number): void {
  const [address] = recipients.splice(index, 1);
  renderRecipients();
  updateDirty();
  const next = document.getElementById(`recipient-remove-${Math.min(index, recipients.length - 1)}`);
  (next ?? ui.recipientInput).focus();
  announce(`Removed ${address ?? 'recipient'}. Click OK to save.`);
}

ui.recipientAdd.addEventListener('click', addRecipient);
ui.recipientInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    addRecipient();
  }
});

// ---------------------------------------------------------------- conditions

function renderConditions(): void {
  show(ui.conditionsBox, ui.useConditions.checked);
  ui.conditionList.replaceChildren(...conditions.map(conditionRow));
}

function conditionRow(condition: DraftCondition, i: number): HTMLLIElement {
  const n = i + 1;
  const isPreset = (LABEL_PRESETS as readonly string[]).includes(condition.label);
  const labelSelect = h(
    'select',
    { id: `cond-${i}-label`, 'aria-describedby': `err-conditions[${i}].label` },
    ...LABEL_PRESETS.map((p) => h('option', { value: p, selected: isPreset && p === condition.label }, p)),
    h('option', { value: CUSTOM, selected: !isPreset }, 'custom…'),
  );
  const custom = h('input', {
    type: 'text',
    id: `cond-${i}-custom`,
    class: 'custom-label',
    value: isPreset ? '' : condition.label,
    placeholder: 'label name',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': `Condition ${n} custom label name`,
    'aria-describedby': `err-conditions[${i}].label`,
    hidden: isPreset,
  });
  const operator = h(
    'select',
    { id: `cond-${i}-operator`, 'aria-describedby': `err-conditions[${i}].operator` },
    ...OPERATORS.map((o) => h('option', { value: o.value, selected: o.value === condition.operator }, o.text)),
  );
  const values = h('input', {
    type: 'text',
    id: `cond-${i}-values`,
    value: condition.values,
    placeholder: 'critical, warning',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `cond-${i}-values-hint err-conditions[${i}].values`,
  });
  const valuesField = h(
    'div',
    { class: 'field values', hidden: !operatorTakesValues(condition.operator) },
    h('label', { for: `cond-${i}-values` }, 'Values'),
    values,
    h('p', { class: 'hint', id: `cond-${i}-values-hint` }, 'Separate values with commas.'),
    h('p', { class: 'field-error', id: `err-conditions[${i}].values`, hidden: true }),
  );
  const remove = h(
    'button',
    { type: 'button', class: 'icon-button cond-remove', id: `cond-${i}-remove`, 'aria-label': `Remove condition ${n}` },
    '×',
  );

  labelSelect.addEventListener('change', () => {
    const isCustom = labelSelect.value === CUSTOM;
    show(custom, isCustom);
    condition.label = isCustom ? custom.value : labelSelect.value;
    if (isCustom) custom.focus();
  });
  custom.addEventListener('input', () => {
    condition.label = custom.value;
  });
  operator.addEventListener('change', () => {
    condition.operator = operator.value as Operator;
    show(valuesField, operatorTakesValues(condition.operator));
  });
  values.addEventListener('input', () => {
    condition.values = values.value;
  });
  remove.addEventListener('click', () => {
    conditions.splice(i, 1);
    clearConditionErrors();
    renderConditions();
    updateDirty();
    const next = document.getElementById(`cond-${Math.min(i, conditions.length - 1)}-label`);
    (next ?? ui.conditionAdd).focus();
    announce(`Removed condition ${n}.`);
  });

  return h(
    'li',
    { class: 'condition', id: `cond-${i}` },
    h(
      'fieldset',
      {},
      h('legend', {}, `Condition ${n}`),
      h(
        'div',
        { class: 'condition-fields' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: `cond-${i}-label` }, 'Label'),
          labelSelect,
          custom,
          h('p', { class: 'field-error', id: `err-conditions[${i}].label`, hidden: true }),
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: `cond-${i}-operator` }, 'Operator'),
          operator,
          h('p', { class: 'field-error', id: `err-conditions[${i}].operator`, hidden: true }),
        ),
        valuesField,
        remove,
      ),
      h('p', { class: 'field-error', id: `err-conditions[${i}]`, hidden: true }),
    ),
  );
}

function addCondition(): void {
  conditions.push({ label: 'severity', operator: 'In', values: '' });
  renderConditions();
  updateDirty();
  document.getElementById(`cond-${conditions.length - 1}-label`)?.focus();
}

ui.conditionAdd.addEventListener('click', addCondition);
ui.useConditions.addEventListener('change', () => {
  if (ui.useConditions.checked && conditions.length === 0) addCondition();
  else renderConditions();
  updateDirty();
});

// ---------------------------------------------------------------- errors on the page

function errorSlot(slot: string): HTMLElement | null {
  return document.getElementById(`err-${slot}`);
}

function setSlot(slot: string, message: string): void {
  const node = errorSlot(slot);
  if (!node) return;
  node.textContent = node.hidden || node.textContent === '' ? message : `${node.textContent} ${message}`;
  show(node, true);
  const details = node.closest('details');
  if (details) details.open = true;
  const control = controlFor(slot);
  control?.setAttribute('aria-invalid', 'true');
  if (slot.startsWith('recipients['))
    document.getElementById(`recipient-${slot.slice(11, -1)}`)?.classList.add('invalid');
}

function clearSlot(slot: string): void {
  const node = errorSlot(slot);
  if (node) {
    node.textContent = '';
    show(node, false);
  }
  controlFor(slot)?.removeAttribute('aria-invalid');
}

function clearConditionErrors(): void {
  for (const node of Array.from(ui.conditionList.querySelectorAll('.field-error'))) {
    node.textContent = '';
    (node as HTMLElement).hidden = true;
  }
}

function clearErrors(): void {
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('.field-error'))) {
    node.textContent = '';
    node.hidden = true;
  }
  for (const node of Array.from(document.querySelectorAll('[aria-invalid]'))) node.removeAttribute('aria-invalid');
  for (const node of Array.from(document.querySelectorAll('.invalid'))) node.classList.remove('invalid');
  ui.summaryList.replaceChildren();
  show(ui.summary, false);
}

/** Shows each detail next to its field and all of them in the summary at the top, then focuses the summary. */
function showErrors(details: readonly ApiErrorDetail[], lead?: string): void {
  const items: HTMLLIElement[] = [];
  ui.summaryLead.textContent = lead ?? '';
  show(ui.summaryLead, Boolean(lead));
  for (const detail of details) {
    const slot = slotFor(detail.field);
    const target = errorSlot(slot) ? slot : null;
    if (target) setSlot(target, detail.message);
    const control = controlFor(slot);
    const text = `${fieldTitle(detail.field)}: ${detail.message}`;
    if (control) {
      const link = h('a', { href: `#${control.id}` }, text);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        const details = control.closest('details');
        if (details) details.open = true;
        control.focus();
      });
      items.push(h('li', {}, link));
    } else {
      items.push(h('li', {}, text));
    }
  }
  ui.summaryList.replaceChildren(...items);
  show(ui.summary, items.length > 0);
  if (items.length > 0) ui.summary.focus();
}

function errorText(e: unknown): string {
  if (e instanceof ApiError) return plainWords(e.code, e.message);
  return e instanceof Error ? e.message : String(e);
}

/** An API error as field details in config terms; an error without details lands on the request's own area. */
function detailsOf(kind: RequestKind, e: unknown, recipientIndex = -1): ApiErrorDetail[] {
  if (e instanceof ApiError && e.details.length > 0) {
    return e.details.map((d) => ({ field: canonicalField(kind, d.field, recipientIndex), message: d.message }));
  }
  return [{ field: canonicalField(kind, '(body)', recipientIndex), message: errorText(e) }];
}

function isSignedOut(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

// ---------------------------------------------------------------- OK

async function save(): Promise<void> {
  if (!stored) return;
  clearErrors();
  show(ui.testResult, false);
  const draft = readDraft();
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
  setBusy(ui.save, true, 'Saving…');
  const errors: ApiErrorDetail[] = [];
  const saved: string[] = [];
  const failed: string[] = [];
  let serverSaved = false;
  try {
    if (pending.server) {
      try {
        await api.request('PUT', '/v1/config/server', serverBody(draft));
        serverSaved = true;
        saved.push('server settings');
      } catch (e) {
        if (isSignedOut(e)) return;
        errors.push(...detailsOf('server', e));
        failed.push('server settings');
      }
    }
    if (pending.conditions) {
      try {
        await api.request('PUT', '/v1/config/conditions', conditionsBody(draft));
        saved.push('conditions');
      } catch (e) {
        if (isSignedOut(e)) return;
        errors.push(...detailsOf('conditions', e));
        failed.push('conditions');
      }
    }
    let recipientFailed = false;
    for (const address of pending.recipients.remove) {
      try {
        await api.request('DELETE', `/v1/config/recipients/${encodeURIComponent(address)}`);
      } catch (e) {
        if (isSignedOut(e)) return;
        if (e instanceof ApiError && e.status === 404) continue; // already gone: the goal is met
        errors.push({ field: 'recipients', message: `${address}: ${errorText(e)}` });
        recipientFailed = true;
      }
    }
    for (const address of pending.recipients.add) {
      try {
        await api.request('POST', '/v1/config/recipients', { address });
      } catch (e) {
        if (isSignedOut(e)) return;
        if (e instanceof ApiError && e.status === 409) continue; // already present: the goal is met
        errors.push(...detailsOf('recipient', e, draft.recipients.indexOf(address)));
        recipientFailed = true;
      }
    }
    if (pending.recipients.add.length + pending.recipients.remove.length > 0) {
      (recipientFailed ? failed : saved).push('recipients');
    }
    if (pending.patch) {
      try {
        await api.request('PATCH', '/v1/config', pending.patch);
        saved.push('repeat settings');
      } catch (e) {
        if (isSignedOut(e)) return;
        errors.push(...detailsOf('patch', e));
        failed.push('repeat settings');
      }
    }
    let fresh: ApiConfig | null = null;
    try {
      fresh = normalize(await api.request<ApiConfig>('GET', '/v1/config'));
    } catch (e) {
      if (isSignedOut(e)) return;
      errors.push({ field: 'general', message: `Could not reload the configuration: ${errorText(e)}` });
    }
    if (errors.length === 0 && fresh) {
      fillForm(fresh);
      announce(`Saved ${saved.join(', ')}.`);
      flash(ui.savedFlag, 'Saved');
      return;
    }
    if (fresh) {
      // keep what the admin typed; only the baseline moves to what is now stored
      stored = fresh;
      renderEnabled(fresh.enabled);
      renderServerState(fresh);
      if (serverSaved) {
        ui.password.value = '';
        ui.password.disabled = false;
        ui.passwordClear.checked = false;
      }
      renderRecipients();
      updateDirty();
    }
    const lead =
      saved.length > 0
        ? `Saved ${saved.join(', ')}; not saved: ${failed.join(', ')}. Correct these and click OK again:`
        : 'Nothing was saved. Correct these and click OK again:';
    showErrors(errors, lead);
    announce(lead);
  } finally {
    setBusy(ui.save, false);
  }
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void save();
});

function setBusy(button: HTMLButtonElement, busy: boolean, text?: string): void {
  if (busy) {
    button.dataset.label = button.textContent ?? '';
    if (text) button.textContent = text;
  } else if (button.dataset.label !== undefined) {
    button.textContent = button.dataset.label;
  }
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}

function flash(node: HTMLElement, text: string): void {
  const original = 'All changes saved';
  node.textContent = `${text} ✓`;
  window.setTimeout(() => {
    node.textContent = original;
  }, 2500);
}

// ---------------------------------------------------------------- enabled switch

function renderEnabled(enabled: boolean): void {
  ui.toggle.setAttribute('aria-checked', String(enabled));
  ui.toggleText.textContent = enabled ? 'Enabled' : 'Disabled';
  show(ui.disabledBanner, !enabled);
}

ui.toggle.addEventListener('click', async () => {
  if (!stored) return;
  const enabled = !stored.enabled;
  ui.toggle.disabled = true;
  try {
    await api.request('PATCH', '/v1/config', { enabled });
    stored = { ...stored, enabled };
    renderEnabled(enabled);
    announce(enabled ? 'Notifications enabled.' : 'Notifications disabled: nothing will be sent.');
  } catch (e) {
    if (!isSignedOut(e)) showErrors([{ field: 'general', message: errorText(e) }], 'The switch did not change:');
  } finally {
    ui.toggle.disabled = false;
  }
});

// ---------------------------------------------------------------- test message

async function sendTest(): Promise<void> {
  clearErrors();
  show(ui.testResult, false);
  const draft = readDraft();
  const problems = checkDraft(draft, true);
  if (draft.recipients.length === 0) problems.push({ field: 'recipients', message: 'Add at least one recipient.' });
  if (problems.length > 0) {
    showErrors(problems, 'The test message was not sent. Correct these fields:');
    return;
  }
  setBusy(ui.testSend, true, 'Sending…');
  try {
    const result = await api.request<{ accepted?: string[]; rejected?: string[] }>(
      'POST',
      '/v1/test-message',
      testMessageBody(draft),
    );
    const accepted = result.accepted ?? [];
    const rejected = result.rejected ?? [];
    testResult(
      'success',
      `The mail server accepted it${accepted.length > 0 ? ` for ${accepted.join(', ')}` : ''}.`,
      rejected.length > 0 ? `It refused ${rejected.join(', ')}.` : undefined,
    );
  } catch (e) {
    if (isSignedOut(e)) return;
    const code = e instanceof ApiError ? e.code : 'ERROR';
    testResult('error', errorText(e), `Error code: ${code}`);
    if (e instanceof ApiError && e.details.length > 0) showErrors(detailsOf('test', e));
  } finally {
    setBusy(ui.testSend, false);
  }
  void loadDeliveries();
  void loadMailbox();
}

function testResult(kind: 'success' | 'error', text: string, extra?: string): void {
  ui.testResult.className = `notice ${kind}`;
  ui.testResult.replaceChildren(
    h('p', { class: 'notice-title' }, kind === 'success' ? 'Test message sent' : 'Test message failed'),
    h('p', {}, text),
  );
  if (extra) ui.testResult.append(h('p', { class: 'hint' }, extra));
  show(ui.testResult, true);
  ui.testResult.focus();
}

ui.testSend.addEventListener('click', () => void sendTest());

// ---------------------------------------------------------------- deliveries

async function loadDeliveries(): Promise<void> {
  ui.deliveriesRefresh.disabled = true;
  try {
    const { deliveries } = await api.request<{ deliveries: Delivery[] }>('GET', '/v1/deliveries?limit=50');
    const now = new Date();
    ui.deliveriesBody.replaceChildren(
      ...deliveries.map((d) =>
        h(
          'tr',
          {},
          h('td', { 'data-label': 'When' }, h('time', { datetime: d.at, title: d.at }, formatWhen(d.at, now))),
          h('td', { 'data-label': 'Kind' }, h('span', { class: `badge kind-${d.kind}` }, d.kind)),
          h('td', { 'data-label': 'Alerts', title: d.alerts.join(', ') }, String(d.alerts.length)),
          h('td', { 'data-label': 'Recipients', class: 'wrap' }, d.recipients.join(', ') || '—'),
          h('td', { 'data-label': 'Outcome' }, h('span', { class: `badge outcome-${d.outcome}` }, d.outcome)),
          h('td', { 'data-label': 'Error', class: 'wrap' }, d.error ?? '—'),
        ),
      ),
    );
    show(ui.deliveriesEmpty, deliveries.length === 0);
    show(ui.deliveriesTable, deliveries.length > 0);
  } catch (e) {
    if (!isSignedOut(e)) {
      show(ui.deliveriesTable, true);
      show(ui.deliveriesEmpty, false);
      ui.deliveriesBody.replaceChildren(
        h('tr', {}, h('td', { colspan: 6, class: 'wrap' }, `Could not load deliveries: ${errorText(e)}`)),
      );
    }
  } finally {
    ui.deliveriesRefresh.disabled = false;
  }
}

ui.deliveriesRefresh.addEventListener('click', async () => {
  await loadDeliveries();
  announce('Deliveries refreshed.');
});

// ---------------------------------------------------------------- development mailbox (local only)

let messages: MailboxMessage[] = [];

async function loadMailbox(): Promise<void> {
  try {
    ({ messages } = await api.request<{ messages: MailboxMessage[] }>('GET', '/local/mailbox'));
  } catch (e) {
    // 404 (or anything else): not the local runtime, so there is no mailbox to show
    if (!isSignedOut(e)) show(ui.mailbox, false);
    return;
  }
  show(ui.mailbox, true);
  show(ui.mailboxEmpty, messages.length === 0);
  const now = new Date();
  ui.mailboxList.replaceChildren(
    ...messages.map((m) => {
      const button = h(
        'button',
        { type: 'button', class: 'message', 'aria-current': m.id === selectedMessage ? 'true' : undefined },
        h('span', { class: 'message-subject' }, m.subject || '(no subject)'),
        h('span', { class: 'message-line' }, `${formatWhen(m.receivedAt, now)} · to ${m.to.join(', ')}`),
      );
      button.addEventListener('click', () => openMessage(m));
      return h('li', {}, button);
    }),
  );
  if (selectedMessage && !messages.some((m) => m.id === selectedMessage)) {
    selectedMessage = null;
    show(ui.messageView, false);
  }
}

function openMessage(message: MailboxMessage): void {
  selectedMessage = message.id;
  for (const [i, node] of Array.from(ui.mailboxList.querySelectorAll('button.message')).entries()) {
    if (messages[i]?.id === message.id) node.setAttribute('aria-current', 'true');
    else node.removeAttribute('aria-current');
  }
  ui.messageSubject.textContent = message.subject || '(no subject)';
  ui.messageFrom.textContent = message.from;
  ui.messageTo.textContent = message.to.join(', ');
  ui.messageReceived.textContent = formatWhen(message.receivedAt);
  ui.messageText.textContent = message.text || '(no text part)';
  const { html, styles } = sanitizeEmailHtml(message.html || '<p>(no HTML part)</p>');
  frameStyles = styles;
  ui.messageHtml.srcdoc = html;
  show(ui.messageView, true);
  ui.messageView.focus();
}

let frameStyles: string[] = [];
ui.messageHtml.addEventListener('load', () => restyleFrame(ui.messageHtml, frameStyles));

ui.mailboxRefresh.addEventListener('click', async () => {
  await loadMailbox();
  announce('Mailbox refreshed.');
});

void start();
