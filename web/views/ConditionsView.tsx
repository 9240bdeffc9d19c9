/** Notification conditions: label + operator (+ values); all must hold. Off means every alert. */
import { useConsole } from '../context';
import { type ConditionRow, type FormDraft, slotText } from '../state';
import { ConditionRowEditor, NEW_CONDITION } from './ConditionRow';
import { ariaInvalid, FieldError } from './parts';

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
            <ConditionRowEditor
              key={i}
              index={i}
              condition={condition}
              idPrefix="cond"
              slotOf={(part) => (part ? `conditions[${i}].${part}` : `conditions[${i}]`)}
              errorOf={(slot) => slotText(state.errors, slot)}
              isInvalid={(id) => invalid.has(id)}
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
