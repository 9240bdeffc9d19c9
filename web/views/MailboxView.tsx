/**
 * The development mailbox (local runtime only): the messages its SMTP server
 * caught, each readable as text and as HTML in a sandboxed frame. Elsewhere
 * `/local/mailbox` answers 404 and the panel stays hidden.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { restyleFrame, sanitizeEmailHtml } from '../email-frame';
import { formatWhen, type MailboxMessage } from '../model';
import { isSignedOut } from '../requests';

export function MailboxView({ signedIn, version }: { signedIn: boolean; version: number }) {
  const { api, announce, focusAfterRender } = useConsole();
  const [messages, setMessages] = useState<MailboxMessage[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const frame = useRef<HTMLIFrameElement>(null);
  const open = messages?.find((m) => m.id === selected) ?? null;
  const preview = useMemo(() => (open ? sanitizeEmailHtml(open.html || '<p>(no HTML part)</p>') : null), [open]);

  async function load(): Promise<void> {
    try {
      setMessages((await api.request<{ messages: MailboxMessage[] }>('GET', '/local/mailbox')).messages);
    } catch (e) {
      // 404 (or anything else): not the local runtime, so there is no mailbox to show
      if (!isSignedOut(e)) setMessages(null);
    }
  }
  useEffect(() => {
    if (signedIn) void load();
  }, [signedIn, version]);

  const now = new Date();
  return (
    <section class="panel" id="mailbox" aria-labelledby="mailbox-title" hidden={messages === null}>
      <div class="section-head">
        <h2 id="mailbox-title">Development mailbox</h2>
        <button
          type="button"
          class="button subtle"
          id="mailbox-refresh"
          onClick={async () => {
            await load();
            announce('Mailbox refreshed.');
          }}
        >
          Refresh
        </button>
      </div>
      <p class="hint">Local mode only: mail sent to the built-in SMTP server lands here instead of anyone's inbox.</p>
      <div class="mailbox">
        <ul class="messages" id="mailbox-list" aria-label="Messages">
          {(messages ?? []).map((m) => (
            <li key={m.id}>
              <button
                type="button"
                class="message"
                aria-current={m.id === selected ? 'true' : undefined}
                onClick={() => {
                  setSelected(m.id);
                  focusAfterRender('message-view');
                }}
              >
                <span class="message-subject">{m.subject || '(no subject)'}</span>
                <span class="message-line">{`${formatWhen(m.receivedAt, now)} · to ${m.to.join(', ')}`}</span>
              </button>
            </li>
          ))}
        </ul>
        <div class="message-view" id="message-view" tabindex={-1} hidden={open === null}>
          <h3 id="message-subject">{open ? open.subject || '(no subject)' : 'Message'}</h3>
          <dl class="message-meta">
            <dt>From</dt>
            <dd id="message-from">{open?.from}</dd>
            <dt>To</dt>
            <dd id="message-to">{open?.to.join(', ')}</dd>
            <dt>Received</dt>
            <dd id="message-received">{open ? formatWhen(open.receivedAt) : ''}</dd>
          </dl>
          <h4>HTML part</h4>
          <iframe
            ref={frame}
            id="message-html"
            title="HTML part of the message"
            sandbox="allow-same-origin"
            referrerpolicy="no-referrer"
            srcdoc={preview?.html ?? ''}
            onLoad={() => {
              if (frame.current && preview) restyleFrame(frame.current, preview.styles);
            }}
          />
          <h4>Text part</h4>
          <pre id="message-text">{open ? open.text || '(no text part)' : ''}</pre>
        </div>
      </div>
      <p class="hint" id="mailbox-empty" hidden={messages === null || messages.length > 0}>
        No messages yet.
      </p>
    </section>
  );
}
