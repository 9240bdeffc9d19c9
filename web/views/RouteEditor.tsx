/**
 * One route as edited: name (fixed once created), recipients one per line, conditions (the same
 * rows as the default route's), continue, enabled, repeat interval and resolved notices, each
 * either the route's own or inherited from the configuration. Save applies it at once: a route
 * is one document, saved as a whole. Errors (the browser's checks, then the API's) sit beside
 * their fields; ids are prefixed `route-` so they never collide with the default route's form.
 */
import { useConsole } from '../context';
import type { ApiErrorDetail } from '../model';
import { type Inherited, MAX_ROUTE_RECIPIENTS, type RouteDraft, routeErrors } from '../routes-model';
import type { ConditionRow } from '../state';
import { ConditionRowEditor, NEW_CONDITION } from './ConditionRow';
import { ErrorLine } from './parts';

/** The control each error slot marks invalid and the first error focuses. */
export function routeControlId(slot: string): string {
  const condition = /^conditions\[(\d+)\](?:\.(label|operator|values))?$/.exec(slot);
  if (condition) return `route-cond-${condition[1]}-${condition[2] ?? 'label'}`;
  const ids: Record<string, string> = {
    name: 'route-name',
    recipients: 'route-recipients',
    conditions: 'route-condition-add',
    continue: 'route-continue',
    enabled: 'route-enabled',
    repeatInterval: 'route-repeat',
    sendResolved: 'route-send-resolved',
  };
  return ids[slot] ?? 'route-save';
}

/** The editor's errors, by slot, and the first control to focus. */
export function editorErrors(details: readonly ApiErrorDetail[]): { slots: Record<string, string[]>; focus: string } {
  const slots = routeErrors(details);
  const first = Object.keys(slots)[0];
  return { slots, focus: first === undefined ? 'route-save' : routeControlId(first) };
}

interface RouteEditorProps {
  draft: RouteDraft;
  /** null: a new route (the name can be typed). */
  editing: string | null;
  errors: Readonly<Record<string, readonly string[]>>;
  busy: boolean;
  /** What an inherited repeat interval and resolved setting are now (the configuration's). */
  inherited: { repeatInterval: string; sendResolved: boolean };
  onChange: (change: (d: RouteDraft) => RouteDraft) => void;
  onSave: () => void;
  onCancel: () => void;
}

export function RouteEditor({ draft, editing, errors, busy, inherited, onChange, onSave, onCancel }: RouteEditorProps) {
  const { focusAfterRender } = useConsole();
  const text = (slot: string) => (errors[slot] ?? []).join(' ');
  const invalidSlots = new Set(Object.keys(errors).map(routeControlId));
  const invalid = (id: string) => (invalidSlots.has(id) ? 'true' : undefined);
  const editRow = (i: number, patch: Partial<ConditionRow>) =>
    onChange((d) => ({ ...d, conditions: d.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) }));
  const title = editing === null ? 'New route' : `Edit route ${editing}`;

  function addCondition(): void {
    onChange((d) => ({ ...d, conditions: [...d.conditions, { ...NEW_CONDITION }] }));
    focusAfterRender(`route-cond-${draft.conditions.length}-label`);
  }
  function removeCondition(i: number): void {
    onChange((d) => ({ ...d, conditions: d.conditions.filter((_, j) => j !== i) }));
    const next = Math.min(i, draft.conditions.length - 2);
    focusAfterRender(next >= 0 ? `route-cond-${next}-label` : 'route-condition-add');
  }

  return (
    <form
      class="route-editor"
      id="route-editor"
      aria-labelledby="route-editor-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        onSave();
      }}
    >
      <h3 id="route-editor-title" tabindex={-1}>
        {title}
      </h3>
      <p class="notice error" id="route-editor-error" hidden={Object.keys(errors).length === 0}>
        Not saved. {text('general') || 'Correct the fields marked below.'}
      </p>
      <div class="grid">
        <div class="field">
          <label for="route-name">Name</label>
          <input
            id="route-name"
            type="text"
            autocomplete="off"
            spellcheck={false}
            placeholder="payments-oncall"
            readOnly={editing !== null}
            aria-describedby="route-name-hint err-route.name"
            aria-invalid={invalid('route-name')}
            value={draft.name}
            onInput={(e) => {
              const value = e.currentTarget.value;
              onChange((d) => ({ ...d, name: value }));
            }}
          />
          <p class="hint" id="route-name-hint">
            {editing === null
              ? 'Lowercase letters, digits and -. It cannot be changed later.'
              : 'A route keeps its name; to rename it, add a new one and delete this.'}
          </p>
          <ErrorLine slot="route.name" text={text('name')} />
        </div>
        <div class="field span-2">
          <label for="route-recipients">Recipients</label>
          <textarea
            id="route-recipients"
            rows={3}
            autocomplete="off"
            spellcheck={false}
            placeholder="payments-oncall@example.com"
            aria-describedby="route-recipients-hint err-route.recipients"
            aria-invalid={invalid('route-recipients')}
            value={draft.recipients}
            onInput={(e) => {
              const value = e.currentTarget.value;
              onChange((d) => ({ ...d, recipients: value }));
            }}
          />
          <p class="hint" id="route-recipients-hint">
            One email address per line, 1 to {MAX_ROUTE_RECIPIENTS}.
          </p>
          <ErrorLine slot="route.recipients" text={text('recipients')} />
        </div>
      </div>

      <fieldset class="route-conditions">
        <legend>Conditions</legend>
        <p class="hint" id="route-conditions-hint">
          The route takes an alert when every condition holds. No conditions: every alert.
        </p>
        <ol class="conditions" id="route-condition-list">
          {draft.conditions.map((condition, i) => (
            <ConditionRowEditor
              key={i}
              index={i}
              condition={condition}
              idPrefix="route-cond"
              slotOf={(part) => (part ? `route.conditions[${i}].${part}` : `route.conditions[${i}]`)}
              errorOf={(slot) => text(slot.replace(/^route\./, ''))}
              isInvalid={(id) => invalidSlots.has(id)}
              onChange={(patch) => editRow(i, patch)}
              onRemove={() => removeCondition(i)}
              onCustom={() => focusAfterRender(`route-cond-${i}-custom`)}
            />
          ))}
        </ol>
        <ErrorLine slot="route.conditions" text={text('conditions')} />
        <button type="button" class="button" id="route-condition-add" onClick={addCondition}>
          Add condition
        </button>
      </fieldset>

      <div class="grid">
        <div class="field">
          <div class="check">
            <input
              type="checkbox"
              id="route-continue"
              aria-describedby="route-continue-hint err-route.continue"
              checked={draft.continue}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                onChange((d) => ({ ...d, continue: on }));
              }}
            />
            <label for="route-continue">Continue</label>
          </div>
          <p class="hint" id="route-continue-hint">
            Also offer the alerts this route takes to the routes after it. Off: they stop here.
          </p>
          <ErrorLine slot="route.continue" text={text('continue')} />
        </div>
        <div class="field">
          <div class="check">
            <input
              type="checkbox"
              id="route-enabled"
              aria-describedby="route-enabled-hint err-route.enabled"
              checked={draft.enabled}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                onChange((d) => ({ ...d, enabled: on }));
              }}
            />
            <label for="route-enabled">Enabled</label>
          </div>
          <p class="hint" id="route-enabled-hint">
            A disabled route takes no alert: they go on to the next route.
          </p>
          <ErrorLine slot="route.enabled" text={text('enabled')} />
        </div>
        <div class="field">
          <label for="route-repeat">Repeat interval</label>
          <input
            id="route-repeat"
            type="text"
            list="interval-presets"
            autocomplete="off"
            spellcheck={false}
            placeholder={`${inherited.repeatInterval} (inherited)`}
            aria-describedby="route-repeat-hint err-route.repeatInterval"
            aria-invalid={invalid('route-repeat')}
            value={draft.repeatInterval}
            onInput={(e) => {
              const value = e.currentTarget.value;
              onChange((d) => ({ ...d, repeatInterval: value }));
            }}
          />
          <p class="hint" id="route-repeat-hint">
            Empty: the configuration’s ({inherited.repeatInterval}). Kept per route: the same alert on two routes
            repeats on each.
          </p>
          <ErrorLine slot="route.repeatInterval" text={text('repeatInterval')} />
        </div>
        <div class="field">
          <label for="route-send-resolved">Resolved notices</label>
          <select
            id="route-send-resolved"
            aria-describedby="err-route.sendResolved"
            aria-invalid={invalid('route-send-resolved')}
            value={draft.sendResolved}
            onChange={(e) => {
              const value = e.currentTarget.value as Inherited;
              onChange((d) => ({ ...d, sendResolved: value }));
            }}
          >
            <option value="inherit">As the configuration ({inherited.sendResolved ? 'sent' : 'not sent'})</option>
            <option value="on">Sent</option>
            <option value="off">Not sent</option>
          </select>
          <ErrorLine slot="route.sendResolved" text={text('sendResolved')} />
        </div>
      </div>

      <div class="route-editor-actions">
        <button type="button" class="button subtle" id="route-cancel" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          class="button primary"
          id="route-save"
          aria-busy={busy ? 'true' : 'false'}
          disabled={busy}
        >
          {busy ? 'Saving…' : editing === null ? 'Add route' : 'Save route'}
        </button>
      </div>
    </form>
  );
}
