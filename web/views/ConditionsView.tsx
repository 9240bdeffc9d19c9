/** Notification conditions: label + operator (+ values); all must hold. Off means every alert. */
import { useConsole } from '../context';
import { LABEL_PRESETS, OPERATORS, type Operator, operatorTakesValues } from '../model';
import type { ConditionRow, FormDraft } from '../state';
import { ariaInvalid, FieldError } from './parts';

const CUSTOM = '__custom__';
const NEW_CONDITION: ConditionRow = { label: 'severity', operator: 'In', values: '', custom: false };

export function ConditionsView() {
  const { state, dispatch, announce, focusAfterRender, invalid } = useConsole();
  const { useConditions, conditions } = state.draft;
  const edit = (change: (d: FormDraft) => FormDraft) => dispatch({ type: 'edited', change });
  const editRow = (i: number, patch: Partial<ConditionRow>) =>
    edit((d) => ({ ...d, conditions: d.conditions.map((c, j) => (j === i ? { ...c, ...patch } : c)) }));

  function add(): void {
    edit((d) => ({ ...d, conditions: [...d.conditions, { ...NEW_CONDITION }] }));
    focusAfterRender(`cond-${conditions.length}-label`);
  }

  function remove(i: number): void {
    edit((d) => ({ ...d, conditions: d.conditions.filter((_, j) => j !== i) }));
    dispatch({ type: 'slotsCleared', which: (slot) => slot.startsWith('conditions[') });
    const next = Math.min(i, conditions.length - 2);
    focusAfterRender(next >= 0 ? `cond-${next}-label` : 'condition-add');
    announce(`Removed condition ${i + 1}.`);
  }

  return (
    <section class="panel" id="conditions" aria-labelledby="conditions-title">
      <h2 id="conditions-title">Notification conditions</h2>
      <div class="check">
        <input
          type="checkbox"
          id="use-conditions"
          aria-describedby="use-conditions-hint"
          aria-invalid={ariaInvalid(invalid, 'use-conditions')}
          checked={useConditions}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            edit((d) => ({ ...d, useConditions: on }));
            if (on && conditions.length === 0) add();
          }}
        />
        <label for="use-conditions">Use notification conditions</label>
      </div>
      <p class="hint" id="use-conditions-hint">
        When on, recipients get only the alerts that meet every condition. Off: every alert.
      </p>
      <div id="conditions-box" hidden={!useConditions}>
        <ol class="conditions" id="condition-list">
          {conditions.map((condition, i) => (
            <Condition
              key={i}
              index={i}
              condition={condition}
              invalid={invalid}
              onChange={(patch) => editRow(i, patch)}
              onRemove={() => remove(i)}
              onCustom={() => focusAfterRender(`cond-${i}-custom`)}
            />
          ))}
        </ol>
        <FieldError slot="conditions" />
        <button type="button" class="button" id="condition-add" onClick={add}>
          Add condition
        </button>
      </div>
    </section>
  );
}

interface ConditionProps {
  index: number;
  condition: ConditionRow;
  invalid: ReadonlySet<string>;
  onChange: (patch: Partial<ConditionRow>) => void;
  onRemove: () => void;
  onCustom: () => void;
}

function Condition({ index: i, condition, invalid, onChange, onRemove, onCustom }: ConditionProps) {
  const n = i + 1;
  const takesValues = operatorTakesValues(condition.operator);
  return (
    <li class="condition" id={`cond-${i}`}>
      <fieldset>
        <legend>Condition {n}</legend>
        <div class="condition-fields">
          <div class="field">
            <label for={`cond-${i}-label`}>Label</label>
            <select
              id={`cond-${i}-label`}
              aria-describedby={`err-conditions[${i}].label`}
              aria-invalid={ariaInvalid(invalid, `cond-${i}-label`)}
              value={condition.custom ? CUSTOM : condition.label}
              onChange={(e) => {
                const value = e.currentTarget.value;
                if (value === CUSTOM) {
                  onChange({ custom: true, label: '' });
                  onCustom();
                } else onChange({ custom: false, label: value });
              }}
            >
              {LABEL_PRESETS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
              <option value={CUSTOM}>custom…</option>
            </select>
            <input
              type="text"
              id={`cond-${i}-custom`}
              class="custom-label"
              placeholder="label name"
              autocomplete="off"
              spellcheck={false}
              aria-label={`Condition ${n} custom label name`}
              aria-describedby={`err-conditions[${i}].label`}
              hidden={!condition.custom}
              value={condition.custom ? condition.label : ''}
              onInput={(e) => onChange({ label: e.currentTarget.value })}
            />
            <FieldError slot={`conditions[${i}].label`} />
          </div>
          <div class="field">
            <label for={`cond-${i}-operator`}>Operator</label>
            <select
              id={`cond-${i}-operator`}
              aria-describedby={`err-conditions[${i}].operator`}
              aria-invalid={ariaInvalid(invalid, `cond-${i}-operator`)}
              value={condition.operator}
              onChange={(e) => onChange({ operator: e.currentTarget.value as Operator })}
            >
              {OPERATORS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.text}
                </option>
              ))}
            </select>
            <FieldError slot={`conditions[${i}].operator`} />
          </div>
          <div class="field values" hidden={!takesValues}>
            <label for={`cond-${i}-values`}>Values</label>
            <input
              type="text"
              id={`cond-${i}-values`}
              placeholder="critical, warning"
              autocomplete="off"
              spellcheck={false}
              aria-describedby={`cond-${i}-values-hint err-conditions[${i}].values`}
              aria-invalid={ariaInvalid(invalid, `cond-${i}-values`)}
              value={condition.values}
              onInput={(e) => onChange({ values: e.currentTarget.value })}
            />
            <p class="hint" id={`cond-${i}-values-hint`}>
              Separate values with commas.
            </p>
            <FieldError slot={`conditions[${i}].values`} />
          </div>
          <button
            type="button"
            class="icon-button cond-remove"
            id={`cond-${i}-remove`}
            aria-label={`Remove condition ${n}`}
            onClick={onRemove}
          >
            ×
          </button>
        </div>
        <FieldError slot={`conditions[${i}]`} />
      </fieldset>
    </li>
  );
}
