/**
 * Recipients, STAGED like every other field: Add and Remove change the form,
 * OK applies them. A removal stays in sight, struck through, until OK, with a
 * way back.
 */
import { useState } from 'preact/hooks';
import { useConsole } from '../context';
import { checkAddress } from '../model';
import { ariaInvalid, FieldError, TextInput } from './parts';

export function RecipientsView() {
  const { state, dispatch, announce, focusAfterRender, invalid } = useConsole();
  const [input, setInput] = useState('');
  const recipients = state.draft.recipients;
  const stored = state.stored?.recipients ?? [];
  const storedKeys = new Set(stored.map((r) => r.toLowerCase()));
  const draftKeys = new Set(recipients.map((r) => r.toLowerCase()));
  const removed = stored.filter((address) => !draftKeys.has(address.toLowerCase()));
  const setRecipients = (next: (list: string[]) => string[]) =>
    dispatch({ type: 'edited', change: (d) => ({ ...d, recipients: next(d.recipients) }) });

  function add(): void {
    dispatch({ type: 'slotsCleared', which: (slot) => slot === 'recipients' });
    const address = input.trim();
    const problem =
      checkAddress(address) ??
      (recipients.some((r) => r.toLowerCase() === address.toLowerCase()) ? `${address} is already in the list.` : null);
    focusAfterRender('recipient-input');
    if (problem) {
      dispatch({ type: 'slotSet', slot: 'recipients', message: problem });
      return;
    }
    setRecipients((list) => [...list, address]);
    setInput('');
    announce(`Added ${address}. Click OK to save.`);
  }

  function remove(index: number): void {
    const address = recipients[index];
    setRecipients((list) => list.filter((_, i) => i !== index));
    const next = Math.min(index, recipients.length - 2);
    focusAfterRender(next >= 0 ? `recipient-remove-${next}` : 'recipient-input');
    announce(`Removed ${address ?? 'recipient'}. Click OK to save.`);
  }

  function keep(address: string): void {
    setRecipients((list) => [...list, address]);
    focusAfterRender('recipient-input');
    announce(`${address} is kept.`);
  }

  return (
    <section class="panel" id="recipients" aria-labelledby="recipients-title">
      <h2 id="recipients-title">Recipients</h2>
      <div class="add-row">
        <div class="field grow">
          <label for="recipient-input">Recipient email address</label>
          <TextInput
            id="recipient-input"
            slot="recipients"
            type="email"
            placeholder="oncall@example.com"
            value={input}
            onInput={(e) => setInput(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault(); // Enter adds the address; it does not submit the form
                add();
              }
            }}
          />
        </div>
        <button type="button" class="button" id="recipient-add" onClick={add}>
          Add
        </button>
      </div>
      <FieldError slot="recipients" />
      <ul class="recipients" id="recipient-list" aria-labelledby="recipients-title">
        {recipients.map((address, i) => (
          <li
            key={address.toLowerCase()}
            class={state.errors.slots[`recipients[${i}]`] ? 'recipient invalid' : 'recipient'}
            id={`recipient-${i}`}
          >
            <span class="address">{address}</span>
            {storedKeys.has(address.toLowerCase()) ? null : <span class="tag">not saved</span>}
            <button
              type="button"
              class="icon-button remove"
              id={`recipient-remove-${i}`}
              aria-label={`Remove ${address}`}
              aria-invalid={ariaInvalid(invalid, `recipient-remove-${i}`)}
              onClick={() => remove(i)}
            >
              ×
            </button>
            <FieldError slot={`recipients[${i}]`} />
          </li>
        ))}
        {removed.map((address) => (
          <li key={`removed:${address.toLowerCase()}`} class="recipient removed">
            <del class="address">{address}</del>
            <span class="tag">removed on OK</span>
            <button type="button" class="link-button" aria-label={`Keep ${address}`} onClick={() => keep(address)}>
              Undo
            </button>
          </li>
        ))}
      </ul>
      <p class="hint" id="recipients-empty" hidden={recipients.length > 0 || removed.length > 0}>
        No recipients yet.
      </p>
    </section>
  );
}
