/**
 * The email a recipient reads at 3 a.m. on a phone: one message per batch, a
 * plain-text part and an HTML part that say the same thing.
 *
 * Better than Alertmanager's default email in the ways DESIGN.md "The email" asks:
 * labels common to the batch are shown once at the top and each alert shows only
 * the labels that differ; each alert's `summary` is its headline with the
 * `description` under it; severity is a colored badge; the start time and how
 * long it has been firing (or how long it lasted) are spelled out; the source
 * link is a link. No remote images, no scripts; a single column (max 640 px)
 * that never scrolls sideways and that Outlook, Gmail, Apple Mail and Yahoo lay
 * out alike, in light and dark mode.
 *
 * The parts: render-batch.ts digests the batch once (and holds the text hygiene),
 * render-html.ts and render-text.ts lay it out.
 *
 * Safety: every label/annotation value is HTML-escaped; only http(s) URLs become
 * links; the subject has every control character (CR, LF, ...) replaced so no
 * value can ever reach a mail header as anything but text.
 */
import type { Alert } from '../alerts/model';
import {
  escapeHtml,
  formatUtc,
  type MailKind,
  type RenderedMail,
  type RenderOptions,
  safeHttpUrl,
  singleLine,
  subjectOf,
  truncate,
  viewBatch,
} from './render-batch';
import { htmlDocument, renderHtml, STATE_COLORS } from './render-html';
import { renderText, wrap } from './render-text';

export {
  escapeHtml,
  formatDuration,
  formatUtc,
  type MailKind,
  type RenderedMail,
  type RenderOptions,
  SUBJECT_LABELS,
  SUBJECT_MAX_LENGTH,
  safeHttpUrl,
  singleLine,
  truncate,
} from './render-batch';

/** One email for a batch of alerts of one kind. `now` is the render time (durations of firing alerts end there). */
export function renderAlertMail(
  kind: MailKind,
  alerts: readonly Alert[],
  now: Date,
  options: RenderOptions = {},
): RenderedMail {
  const batch = viewBatch(kind, alerts, now);
  const subject = subjectOf(batch);
  const consoleUrl = safeHttpUrl(options.consoleUrl);
  return {
    subject,
    text: renderText(batch, now, consoleUrl),
    html: renderHtml(batch, subject, now, consoleUrl),
  };
}

export type TestMailServer =
  | { host: string; port: number; security: string }
  | { transport: 'ses' }
  | { transport: 'graph'; user: string };

const SECURITY_WORDS: Readonly<Record<string, string>> = {
  none: 'without encryption',
  starttls: 'upgraded to TLS with STARTTLS',
  tls: 'over TLS',
};

/** The "Send Test Message" mail: says the settings work and which server delivered it. */
export function renderTestMail(now: Date, server: TestMailServer): RenderedMail {
  const subject = 'alertmail test message';
  const via =
    'transport' in server
      ? server.transport === 'ses'
        ? 'Amazon SES, using the permissions of the alertmail function (no password involved)'
        : `Microsoft Graph for the mailbox ${truncate(singleLine(server.user), 254)}`
      : `the mail server ${truncate(singleLine(server.host), 253)} on port ${server.port}, ${
          SECURITY_WORDS[server.security] ?? `security "${truncate(singleLine(server.security), 32)}"`
        }`;
  const sentAt = formatUtc(now);
  const text = [
    'alertmail test message',
    '',
    ...wrap(`Your email settings work: this message was accepted by ${via}, and reached this mailbox.`, '', ''),
    '',
    ...wrap(
      'Alert notifications that meet your notification conditions will be sent the same way. Nothing needs to be done about this message.',
      '',
      '',
    ),
    '',
    '--',
    `Sent by alertmail at ${sentAt}.`,
    '',
  ].join('\n');
  const rows =
    `<tr><td bgcolor="${STATE_COLORS.resolved}" style="padding:16px 18px;border-radius:8px 8px 0 0;color:#ffffff;">` +
    '<div style="font-size:12px;font-weight:700;letter-spacing:0.08em;text-transform:uppercase;">Test message</div>' +
    '<div style="font-size:21px;font-weight:700;line-height:1.3;margin:4px 0 0;">Your email settings work</div></td></tr>' +
    '<tr><td class="c" bgcolor="#ffffff" style="border:1px solid #e5e7eb;border-top:0;border-radius:0 0 8px 8px;padding:14px 18px;font-size:15px;line-height:1.5;">' +
    `<p style="margin:0 0 10px;">This message was accepted by ${escapeHtml(via)}, and reached this mailbox.</p>` +
    '<p style="margin:0;">Alert notifications that meet your notification conditions will be sent the same way. Nothing needs to be done about this message.</p></td></tr>' +
    '<tr><td height="14"></td></tr>' +
    `<tr><td class="m" style="font-size:12px;color:#4b5563;padding:4px 2px 0;">Sent by alertmail at ${escapeHtml(sentAt)}.</td></tr>`;
  return { subject, text, html: htmlDocument(subject, rows) };
}
