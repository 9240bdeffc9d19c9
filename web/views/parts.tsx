/** Small pieces every view uses: an error line beside a field, and the error summary at the top of the page. */
import type { InputHTMLAttributes } from 'preact';
import { useConsole } from '../context';
import { slotText } from '../state';

/** The error line of one slot (`err-server.port`): hidden while the slot has no message. */
export function FieldError({ slot, class: extra }: { slot: string; class?: string }) {
  return <ErrorLine slot={slot} text={slotText(useConsole().state.errors, slot)} class={extra} />;
}

/** An error line with its text given: for views that keep their errors themselves (routes). */
export function ErrorLine({ slot, text, class: extra }: { slot: string; text: string; class?: string }) {
  return (
    <p class={extra ? `field-error ${extra}` : 'field-error'} id={`err-${slot}`} hidden={text === ''}>
      {text}
    </p>
  );
}

/** The `aria-invalid` value of a control, from the errors on the page. */
export function ariaInvalid(invalid: ReadonlySet<string>, id: string): 'true' | undefined {
  return invalid.has(id) ? 'true' : undefined;
}

/**
 * A form input with what every field of the console shares: no autocomplete or spellcheck, described
 * by its hint (if any) and its error slot, marked invalid while the page's errors name it.
 */
export function TextInput({
  id,
  slot,
  hint,
  ...input
}: { id: string; slot: string; hint?: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>) {
  const { invalid } = useConsole();
  return (
    <input
      id={id}
      autocomplete="off"
      spellcheck={false}
      aria-describedby={hint ? `${hint} err-${slot}` : `err-${slot}`}
      aria-invalid={ariaInvalid(invalid, id)}
      {...input}
    />
  );
}

function focusControl(id: string): void {
  const control = document.getElementById(id);
  const details = control?.closest('details');
  if (details) details.open = true;
  control?.focus();
}

/** Every error on the page, each linked to its field; focused when it appears (see ConsoleServices.showErrors). */
export function ErrorSummary() {
  const { lead, summary } = useConsole().state.errors;
  return (
    <div class="notice error summary" id="error-summary" tabindex={-1} hidden={summary.length === 0}>
      <h2 id="error-summary-title">There is a problem</h2>
      <p id="error-summary-lead" hidden={lead === ''}>
        {lead}
      </p>
      <ul id="error-summary-list">
        {summary.map((item, i) => (
          <li key={i}>
            {item.controlId === null ? (
              item.text
            ) : (
              <a
                href={`#${item.controlId}`}
                onClick={(event) => {
                  event.preventDefault();
                  focusControl(item.controlId ?? '');
                }}
              >
                {item.text}
              </a>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
