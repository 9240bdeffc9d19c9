/**
 * The console's pure logic, kept free of the DOM so it is unit-tested in node:
 * the shapes of the public API, the form draft and how it differs from what is
 * stored, the request bodies OK and Send Test Message send, client-side checks.
 * Where an API error detail belongs on the page, and its plain words: field-errors.ts.
 */

// The one dependency-free rule shared with the server (no zod in the bundle).
import { MAX_REPEAT_INTERVAL_MS, MIN_REPEAT_INTERVAL_MS, parseDuration } from '../lib/domain/durations';
import {
  type ApiServerAuth,
  type AuthBody,
  authBody,
  isOAuth,
  type SignInDraft,
  sameSignIn,
  signInDraft,
} from './mail-sign-in';

export type Security = 'none' | 'starttls' | 'tls';
export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Matches' | 'NotMatches';

export interface ApiServer {
  host: string;
  port: number;
  security: Security;
  username?: string;
  from: string;
  ca?: string;
  passwordSet: boolean;
  transport?: 'graph';
  auth?: ApiServerAuth;
}

export interface ApiCondition {
  label: string;
  operator: Operator;
  values?: string[];
}

export interface ApiConfig {
  server: ApiServer | null;
  recipients: string[];
  conditions: ApiCondition[];
  enabled: boolean;
  repeatInterval: string;
  sendResolved: boolean;
  updatedAt: string;
}

export interface ApiErrorDetail {
  field: string;
  message: string;
}

export interface Delivery {
  id: string;
  at: string;
  kind: 'firing' | 'resolved' | 'test';
  alerts: string[];
  recipients: string[];
  outcome: 'sent' | 'failed';
  error: string | null;
  subject?: string;
  /** Per-recipient outcomes, when the log records them. */
  accepted?: string[];
  rejected?: Array<{ address: string; reply: string }>;
  /** On a failed delivery: the server refused for good, a retry will not help. */
  permanent?: boolean;
}

export interface MailboxMessage {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export const LABEL_PRESETS = ['alertname', 'severity', 'namespace', 'node', 'pod', 'instance'] as const;

export const OPERATORS: readonly { value: Operator; text: string }[] = [
  { value: 'In', text: 'Includes values' },
  { value: 'NotIn', text: 'Does not include values' },
  { value: 'Exists', text: 'Exists' },
  { value: 'DoesNotExist', text: 'Does not exist' },
  { value: 'Matches', text: 'Matches pattern' },
  { value: 'NotMatches', text: 'Does not match pattern' },
];

export function operatorTakesValues(operator: Operator): boolean {
  return operator !== 'Exists' && operator !== 'DoesNotExist';
}

/** `Matches`/`NotMatches` take one RE2 pattern, typed as is (a comma belongs to the pattern). */
export function operatorTakesPattern(operator: Operator): boolean {
  return operator === 'Matches' || operator === 'NotMatches';
}

/** One condition row as edited: `values` is the comma-separated text of the values input. */
export interface DraftCondition {
  label: string;
  operator: Operator;
  values: string;
}

/** Everything the form holds. Strings as typed; `password` empty means "keep the stored one". */
export interface Draft {
  server: {
    host: string;
    port: string;
    security: Security;
    username: string;
    password: string;
    /** "Remove the stored password" ticked: send `password: null`. */
    clearPassword: boolean;
    from: string;
    ca: string;
  } & SignInDraft;
  recipients: string[];
  useConditions: boolean;
  conditions: DraftCondition[];
  repeatInterval: string;
  sendResolved: boolean;
}

export function draftFromConfig(config: ApiConfig): Draft {
  const server = config.server;
  return {
    server: {
      host: server?.host ?? '',
      port: server ? String(server.port) : '25',
      security: server?.security ?? 'none',
      username: server?.username ?? '',
      password: '',
      clearPassword: false,
      from: server?.from ?? '',
      ca: server?.ca ?? '',
      ...signInDraft(server),
    },
    recipients: [...config.recipients],
    useConditions: config.conditions.length > 0,
    conditions: config.conditions.map((c) => ({
      label: c.label,
      operator: c.operator,
      values: (c.values ?? []).join(', '),
    })),
    repeatInterval: config.repeatInterval,
    sendResolved: config.sendResolved,
  };
}

export function splitValues(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const value = part.trim();
    if (value !== '' && !out.includes(value)) out.push(value);
  }
  return out;
}

/**
 * The body of `PUT /v1/config/server`: the password only when one was typed
 * (omitted keeps the stored one; null removes it); `ca: null` removes a stored CA.
 */
export interface ServerBody {
  /** Absent with the Graph transport (no SMTP server). */
  host?: string;
  port?: number;
  security?: Security;
  username?: string;
  password?: string | null;
  from: string;
  ca?: string | null;
  auth?: AuthBody;
  transport?: 'graph';
}

export function serverBody(draft: Draft): ServerBody {
  const s = draft.server;
  const oauth = authBody(s);
  const body: ServerBody =
    oauth?.transport === 'graph'
      ? { from: s.from.trim() }
      : { host: s.host.trim(), port: Number(s.port.trim()), security: s.security, from: s.from.trim() };
  if (oauth) Object.assign(body, oauth);
  // "None": no user, and the stored password (if any) removed.
  else if (s.signIn === 'none') body.password = null;
  else {
    if (s.username.trim() !== '') body.username = s.username.trim();
    if (s.clearPassword) body.password = null;
    else if (s.password !== '') body.password = s.password;
  }
  if (oauth?.transport !== 'graph') body.ca = s.ca.trim() === '' ? null : `${s.ca.trim()}\n`;
  return body;
}

/** One condition as the API takes it: comma-separated values, one pattern, or none. */
export function conditionBody(c: DraftCondition): ApiCondition {
  if (!operatorTakesValues(c.operator)) return { label: c.label.trim(), operator: c.operator };
  const values = operatorTakesPattern(c.operator) ? [c.values.trim()].filter((v) => v !== '') : splitValues(c.values);
  return { label: c.label.trim(), operator: c.operator, values };
}

/** The body of `PUT /v1/config/conditions`: empty when the checkbox is off. */
export function conditionsBody(draft: Draft): ApiCondition[] {
  return draft.useConditions ? draft.conditions.map(conditionBody) : [];
}

function sameServer(stored: ApiServer | null, draft: Draft): boolean {
  const body = serverBody(draft);
  if (!sameSignIn(stored, draft.server)) return false;
  if (draft.server.signIn === 'none')
    return (
      stored !== null &&
      !stored.passwordSet &&
      stored.username === undefined &&
      stored.from === body.from &&
      stored.host === body.host &&
      String(stored.port) === draft.server.port.trim() &&
      stored.security === body.security &&
      (stored.ca ?? '').trim() === (body.ca ?? '').trim()
    );
  if (body.password !== undefined) return false;
  if (stored === null) return body.host === '' && body.from === '' && body.username === undefined && body.ca === null;
  if (body.transport === 'graph') return stored.from === body.from;
  return (
    stored.host === body.host &&
    String(stored.port) === draft.server.port.trim() &&
    stored.security === body.security &&
    (stored.username ?? '') === (body.username ?? '') &&
    stored.from === body.from &&
    (stored.ca ?? '').trim() === (body.ca ?? '').trim()
  );
}

function sameConditions(stored: readonly ApiCondition[], draft: Draft): boolean {
  const a = JSON.stringify(
    stored.map((c) => ({
      label: c.label,
      operator: c.operator,
      values: operatorTakesValues(c.operator) ? c.values : [],
    })),
  );
  const b = JSON.stringify(
    conditionsBody(draft).map((c) => ({ label: c.label, operator: c.operator, values: c.values ?? [] })),
  );
  return a === b;
}

export interface RecipientChanges {
  add: string[];
  remove: string[];
}

export function recipientChanges(stored: readonly string[], draft: Draft): RecipientChanges {
  const storedKeys = new Set(stored.map((r) => r.toLowerCase()));
  const draftKeys = new Set(draft.recipients.map((r) => r.toLowerCase()));
  return {
    add: draft.recipients.filter((r) => !storedKeys.has(r.toLowerCase())),
    remove: stored.filter((r) => !draftKeys.has(r.toLowerCase())),
  };
}

export interface Changes {
  server: boolean;
  conditions: boolean;
  recipients: RecipientChanges;
  /** The body of `PATCH /v1/config`, or null when neither the interval nor sendResolved changed. */
  patch: { repeatInterval?: string; sendResolved?: boolean } | null;
}

export function changes(stored: ApiConfig, draft: Draft): Changes {
  const patch: { repeatInterval?: string; sendResolved?: boolean } = {};
  if (draft.repeatInterval.trim() !== stored.repeatInterval) patch.repeatInterval = draft.repeatInterval.trim();
  if (draft.sendResolved !== stored.sendResolved) patch.sendResolved = draft.sendResolved;
  return {
    server: !sameServer(stored.server, draft),
    conditions: !sameConditions(stored.conditions, draft),
    recipients: recipientChanges(stored.recipients, draft),
    patch: Object.keys(patch).length > 0 ? patch : null,
  };
}

export function hasChanges(c: Changes): boolean {
  return c.server || c.conditions || c.recipients.add.length > 0 || c.recipients.remove.length > 0 || c.patch !== null;
}

/** The body of `POST /v1/test-message`: the form as it is now, saved or not. */
export function testMessageBody(draft: Draft): { server?: ServerBody; recipients?: string[] } {
  const body: { server?: ServerBody; recipients?: string[] } = {};
  if (draft.server.host.trim() !== '') body.server = serverBody(draft);
  if (draft.recipients.length > 0) body.recipients = [...draft.recipients];
  return body;
}

// ---------------------------------------------------------------- checks

/** Deliberately loose (one @, no spaces or brackets): the server has the final word. */
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkAddress(address: string): string | null {
  const a = address.trim();
  if (a === '') return 'Enter an email address.';
  if (a.length > 254 || !ADDRESS.test(a)) return 'This is not an email address (name@example.com).';
  return null;
}

/** Each condition's label and values, as `conditions[i].label` / `conditions[i].values`. */
export function checkConditions(conditions: readonly DraftCondition[]): ApiErrorDetail[] {
  const out: ApiErrorDetail[] = [];
  conditions.forEach((c, i) => {
    if (c.label.trim() === '') out.push({ field: `conditions[${i}].label`, message: 'Enter a label name.' });
    else if (!LABEL_NAME.test(c.label.trim()))
      out.push({ field: `conditions[${i}].label`, message: 'Letters, digits and _ only, not starting with a digit.' });
    if (operatorTakesValues(c.operator) && (conditionBody(c).values ?? []).length === 0)
      out.push({
        field: `conditions[${i}].values`,
        message: operatorTakesPattern(c.operator) ? 'Enter a pattern.' : 'Enter at least one value.',
      });
  });
  return out;
}

/** Client-side checks before anything is sent; keys are the API's field names. */
export function checkDraft(draft: Draft, forTest = false): ApiErrorDetail[] {
  const out: ApiErrorDetail[] = [];
  const s = draft.server;
  const serverTouched =
    s.host.trim() !== '' || s.from.trim() !== '' || s.username.trim() !== '' || s.password !== '' || isOAuth(s.signIn);
  if (serverTouched || forTest) {
    if (isOAuth(s.signIn) && s.oauthUser.trim() === '')
      out.push({ field: 'server.auth.user', message: 'Enter the mailbox to sign in as.' });
  }
  if ((serverTouched || forTest) && s.signIn === 'graph') {
    const from = checkAddress(s.from);
    if (from) out.push({ field: 'server.from', message: from });
  } else if (serverTouched || forTest) {
    if (s.host.trim() === '') out.push({ field: 'server.host', message: 'Enter the SMTP server address.' });
    else if (/\s/.test(s.host.trim())) out.push({ field: 'server.host', message: 'A host name has no spaces.' });
    const port = Number(s.port.trim());
    if (!/^\d+$/.test(s.port.trim()) || port < 1 || port > 65535)
      out.push({ field: 'server.port', message: 'Enter a port number from 1 to 65535.' });
    const from = checkAddress(s.from);
    if (from) out.push({ field: 'server.from', message: from });
  }
  if (!forTest && draft.useConditions) out.push(...checkConditions(draft.conditions));
  if (!forTest) {
    const ms = parseDuration(draft.repeatInterval.trim());
    if (ms === undefined || ms < MIN_REPEAT_INTERVAL_MS || ms > MAX_REPEAT_INTERVAL_MS)
      out.push({ field: 'repeatInterval', message: 'Enter a duration from 1m to 30d, such as 30m, 12h, 1d or 1h30m.' });
  }
  return out;
}

// ---------------------------------------------------------------- formatting

export function formatWhen(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const sameDay = t.toDateString() === now.toDateString();
  const time = t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay ? time : `${t.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}
