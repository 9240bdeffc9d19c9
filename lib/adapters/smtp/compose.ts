/**
 * Builds the complete MIME message once; SMTP and SES SendRawEmail then send
 * exactly these bytes. The envelope recipients travel beside the bytes in
 * `OutgoingMail.to`, so nothing depends on a Bcc header surviving.
 *
 * Threading without stored state: every alert episode (fingerprint + start
 * time) has a deterministic thread id `<alert-{fingerprint}-{startsAt}@domain>`
 * that is never itself sent as a Message-ID; firing and resolved mails both
 * name it in `In-Reply-To`/`References`, so mail clients put them in one thread.
 */
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import type MimeNode from 'nodemailer/lib/mime-node';
import type { Alert } from '../../domain/alerts/model';
import { phase } from '../../phases';
import type { OutgoingMail } from '../../ports';
import { buildAtOnce } from './build-at-once';
import { nodemailerParts } from './nodemailer-loader';

export interface ComposeInput {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  html: string;
  date: Date;
  messageId: string;
  inReplyTo?: string;
  references?: readonly string[];
  /** The route whose mail this is: an `X-Alertmail-Route` header, for mail rules and for support. */
  route?: string;
}

/** Route names are `[a-z0-9][a-z0-9-]*` (lib/domain/routes.ts); anything else never reaches a header. */
const ROUTE_HEADER_VALUE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** At most this many thread ids in `References` (a header, not a database). */
export const MAX_REFERENCES = 20;

/** Used when the From address has no usable domain, so Message-IDs stay well formed. */
const FALLBACK_DOMAIN = 'alertmail.invalid';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** A header value on one line: every control character (CR and LF included) becomes a space. */
function headerText(value: string): string {
  return value.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The subject as plain text that no reader decodes into something else: a literal RFC 2047
 * encoded word (`=?utf-8?q?x=0D=0ABcc:…?=`, say from a label value) would be decoded by every
 * mail client into CR/LF and a fake header line. A zero-width space after `=` breaks the
 * encoded-word syntax and makes nodemailer encode the text, so it reads back literally.
 */
function subjectText(value: string): string {
  return headerText(value).replace(/=\?/g, '=\u200B?');
}

/** Body text with every line ending as CRLF (a lone CR or LF is not a line ending SMTP and SES accept). */
function crlf(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\r\n');
}

/** `<id-left@id-right>` with no spaces, brackets or control characters inside (RFC 5322 msg-id, dot-atom form). */
const MSG_ID = /^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9!#$%&'*+/=?^_`{|}~.[\]:-]+>$/;

export function isMessageId(value: string): boolean {
  return MSG_ID.test(value) && value.length <= 998;
}

function requireMessageId(value: string, field: string): string {
  if (!isMessageId(value)) throw new TypeError(`${field} is not a well-formed message id: ${JSON.stringify(value)}`);
  return value;
}

/** The domain for Message-IDs: the lowercase ASCII (punycode) form of `domain`, or a reserved fallback. */
function normalizeDomain(domain: string): string {
  const ascii = domainToASCII(domain.trim().replace(/\.$/, '').toLowerCase());
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(ascii) ? ascii : FALLBACK_DOMAIN;
}

/** The domain of a From value such as `alerts@example.com` or `"Alerts" <alerts@example.com>`. */
export function mailDomain(from: string): string {
  const [first] = addressparser(from, { flatten: true });
  const address = first?.address ?? '';
  const at = address.lastIndexOf('@');
  return normalizeDomain(at >= 0 ? address.slice(at + 1) : '');
}

/** A fresh, unique Message-ID: `<32 hex digits@domain>`. */
export function newMessageId(domain: string): string {
  return `<${randomBytes(16).toString('hex')}@${normalizeDomain(domain)}>`;
}

/** The thread id of one alert episode: the same for its firing and its resolved mails, computed, never stored. */
export function alertThreadId(alert: Pick<Alert, 'fingerprint' | 'startsAt'>, domain: string): string {
  const fingerprint = alert.fingerprint.toLowerCase().replace(/[^a-z0-9]/g, '') || 'unknown';
  const startsAt = Math.floor(alert.startsAt.getTime() / 1000);
  const epoch = Number.isFinite(startsAt) ? String(startsAt) : '0';
  return `<alert-${fingerprint}-${epoch}@${normalizeDomain(domain)}>`;
}

/**
 * `In-Reply-To`/`References` for a batch: the thread ids of its alerts, sorted and
 * capped at MAX_REFERENCES, so the firing and the resolved mail of the same alerts
 * carry the same headers whatever order the alerts came in.
 */
export function threadHeaders(
  alerts: readonly Pick<Alert, 'fingerprint' | 'startsAt'>[],
  domain: string,
): { inReplyTo?: string; references: string[] } {
  const ids = [...new Set(alerts.map((a) => alertThreadId(a, domain)))].sort().slice(0, MAX_REFERENCES);
  const [first] = ids;
  return first === undefined ? { references: [] } : { inReplyTo: first, references: ids };
}

/** Builds the message bytes (multipart/alternative: text, then html) and the envelope to send them with. */
export async function composeMail(input: ComposeInput): Promise<OutgoingMail> {
  phase('compose');
  const { node, from, to, messageId } = await compileMail(input);
  const { qp, base64 } = await nodemailerParts();
  // The same bytes as node.build(), without its stream pipeline's turns of the event loop (build-at-once.ts).
  const raw = buildAtOnce(node, { qp, base64 }) ?? (await node.build());
  phase('compose done');
  return { from, to, messageId, raw };
}

/** The message's MIME tree as nodemailer's composer makes it, and the envelope: everything but its bytes. */
export async function compileMail(
  input: ComposeInput,
): Promise<{ node: MimeNode; from: string; to: string[]; messageId: string }> {
  const to = input.to.map(headerText).filter((a) => a !== '');
  if (to.length === 0) throw new TypeError('composeMail needs at least one recipient');
  if (Number.isNaN(input.date.getTime())) throw new TypeError('composeMail needs a valid date');
  const messageId = requireMessageId(input.messageId, 'messageId');
  const references = (input.references ?? []).map((r, i) => requireMessageId(r, `references[${i}]`));

  // nodemailer's composer loads with the first mail, not at a cold start (lib/adapters/smtp/nodemailer-parts.ts).
  const { MailComposer } = await nodemailerParts();
  const composer = new MailComposer({
    from: headerText(input.from),
    to,
    subject: subjectText(input.subject),
    text: crlf(input.text),
    html: crlf(input.html),
    date: input.date,
    messageId,
    inReplyTo: input.inReplyTo === undefined ? undefined : requireMessageId(input.inReplyTo, 'inReplyTo'),
    references: references.length > 0 ? references : undefined,
    ...(input.route !== undefined && ROUTE_HEADER_VALUE.test(input.route)
      ? { headers: { 'X-Alertmail-Route': input.route } }
      : {}),
    // Content comes from strings only: never let a value make the composer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'win',
  });
  const node = composer.compile();
  const envelope = node.getEnvelope();
  if (envelope.from === false || envelope.from === '') throw new TypeError('composeMail needs a valid From address');
  if (envelope.to.length === 0) throw new TypeError('composeMail needs at least one valid recipient');
  return { node, from: envelope.from, to: envelope.to, messageId };
}
