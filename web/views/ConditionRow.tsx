/**
 * One condition as edited (label, operator, values or pattern), shared by the default route's
 * conditions and a named route's editor; each passes its own control ids and error slots.
 */
import { LABEL_PRESETS, OPERATORS, type Operator, operatorTakesPattern, operatorTakesValues } from '../model';
import type { ConditionRow } from '../state';
import { ErrorLine } from './parts';

const CUSTOM = '__custom__';
export const NEW_CONDITION: ConditionRow = { label: 'severity', operator: 'In', values: '', custom: false };

export type ConditionPart = 'label' | 'operator' | 'values';

export interface ConditionRowProps {
  index: number;
  condition: ConditionRow;
  /** Control ids are `<idPrefix>-<index>-label`...: `cond` on the default route. */
  idPrefix: string;
  /** The error slot of a part (or of the whole row, null); its error line has the id `err-<slot>`. */
  slotOf: (part: ConditionPart | null) => string;
  errorOf: (slot: string) => string;
  isInvalid: (controlId: string) => boolean;
  onChange: (patch: Partial<ConditionRow>) => void;
  onRemove: () => void;
  /** "custom…" was picked: the free-text label field should take the focus. */
  onCustom: () => void;
}

export function ConditionRowEditor(props: ConditionRowProps) {
  const { index: i, condition, idPrefix, slotOf, errorOf, isInvalid, onChange, onRemove, onCustom } = props;
  const n = i + 1;
  const id = (part: string) => `${idPrefix}-${i}-${part}`;
  const invalid = (part: string) => (isInvalid(id(part)) ? 'true' : undefined);
  const line = (part: ConditionPart | null) => <ErrorLine slot={slotOf(part)} text={errorOf(slotOf(part))} />;
  const pattern = operatorTakesPattern(condition.operator);
  return (
    <li class="condition" id={`${idPrefix}-${i}`}>
      <fieldset>
        <legend>Condition {n}</legend>
        <div class="condition-fields">
          <div class="field">
            <label for={id('label')}>Label</label>
            <select
              id={id('label')}
              aria-describedby={`err-${slotOf('label')}`}
              aria-invalid={invalid('label')}
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
              id={id('custom')}
              class="custom-label"
              placeholder="label name"
              autocomplete="off"
              spellcheck={false}
              aria-label={`Condition ${n} custom label name`}
              aria-describedby={`err-${slotOf('label')}`}
              hidden={!condition.custom}
              value={condition.custom ? condition.label : ''}
              onInput={(e) => onChange({ label: e.currentTarget.value })}
            />
            {line('label')}
          </div>
          <div class="field">
            <label for={id('operator')}>Operator</label>
            <select
              id={id('operator')}
              aria-describedby={`err-${slotOf('operator')}`}
              aria-invalid={invalid('operator')}
              value={condition.operator}
              onChange={(e) => onChange({ operator: e.currentTarget.value as Operator })}
            >
              {OPERATORS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.text}
                </option>
              ))}
            </select>
            {line('operator')}
          </div>
          <div class="field values" hidden={!operatorTakesValues(condition.operator)}>
            <label for={id('values')}>{pattern ? 'Pattern' : 'Values'}</label>
            <input
              type="text"
              id={id('values')}
              placeholder={pattern ? 'db-.*' : 'critical, warning'}
              autocomplete="off"
              spellcheck={false}
              aria-describedby={`${id('values')}-hint err-${slotOf('values')}`}
              aria-invalid={invalid('values')}
              value={condition.values}
              onInput={(e) => onChange({ values: e.currentTarget.value })}
            />
            <p class="hint" id={`${id('values')}-hint`}>
              {pattern ? 'One RE2 pattern, matched against the whole value.' : 'Separate values with commas.'}
            </p>
            {line('values')}
          </div>
          <button
            type="button"
            class="icon-button cond-remove"
            id={id('remove')}
            aria-label={`Remove condition ${n}`}
            onClick={onRemove}
          >
            ×
          </button>
        </div>
        {line(null)}
      </fieldset>
    </li>
  );
}
