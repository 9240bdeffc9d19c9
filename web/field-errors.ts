/**
 * Where an API error detail belongs on the console's page, and what it says in plain words: the
 * field names each request uses turned into the config's, the error slot and the control of each,
 * a field's title, and an error code's words. Pure, so it is unit-tested in node.
 */
/**
 * Where an API error detail belongs. Each request may name fields relative to
 * its own body (`port` for PUT /v1/config/server, `[1].values` for PUT
 * /v1/config/conditions, `address` for POST /v1/config/recipients); this turns
 * them into the config's field names (`server.port`, `conditions[1].values`,
 * `recipients[3]`), which are the keys the page's error slots use.
 */
export type RequestKind = 'server' | 'conditions' | 'recipient' | 'patch' | 'test';

export function canonicalField(kind: RequestKind, field: string, recipientIndex = -1): string {
  const f = field.trim();
  switch (kind) {
    case 'server':
      if (f === '(body)' || f === '') return 'server';
      return f.startsWith('server') ? f : `server.${f}`;
    case 'conditions':
      if (f.startsWith('conditions')) return f;
      if (f.startsWith('[')) return `conditions${f}`;
      return 'conditions';
    case 'recipient':
      return recipientIndex >= 0 ? `recipients[${recipientIndex}]` : 'recipients';
    case 'patch':
      return f === '(body)' ? 'settings' : f;
    case 'test':
      return f === '(body)' ? 'test' : f;
  }
}

/**
 * The error slot a canonical field shows in. Returns the slot key: `server.port`,
 * `recipients`, `recipients[2]`, `conditions[1].values`, `conditions[1]`,
 * `repeatInterval`, `sendResolved`, or `general` for anything else.
 */
export function slotFor(field: string): string {
  const server =
    /^server\.(host|port|security|username|password|from|ca|transport|auth\.(?:user|clientId|clientSecret|tenantId|tokenUrl|scope))\b/.exec(
      field,
    );
  if (server) return `server.${server[1]}`;
  if (field.startsWith('server.auth')) return 'server.transport';
  if (field === 'server') return 'server';
  const recipient = /^recipients\[(\d+)\]/.exec(field);
  if (recipient) return `recipients[${recipient[1]}]`;
  if (field.startsWith('recipients')) return 'recipients';
  const condition = /^conditions\[(\d+)\](?:\.(label|operator|values))?/.exec(field);
  if (condition) return condition[2] ? `conditions[${condition[1]}].${condition[2]}` : `conditions[${condition[1]}]`;
  if (field.startsWith('conditions')) return 'conditions';
  if (field.startsWith('repeatInterval')) return 'repeatInterval';
  if (field.startsWith('sendResolved')) return 'sendResolved';
  return 'general';
}

/** The error slots whose control is not the one their name says. */
const CONTROL_IDS: Readonly<Record<string, string>> = {
  server: 'server-host',
  'server.transport': 'server-signin',
  recipients: 'recipient-input',
  conditions: 'use-conditions',
  repeatInterval: 'repeat-interval',
  sendResolved: 'send-resolved',
  settings: 'repeat-interval',
};

/**
 * The id of the control an error slot marks invalid and the summary focuses:
 * `server.port` → `server-port`, `recipients[2]` → `recipient-remove-2`,
 * `conditions[1].values` → `cond-1-values`; null for slots with no control.
 */
export function controlIdFor(slot: string): string | null {
  const server = /^server\.(host|port|security|username|password|from|ca|auth\.[A-Za-z]+)$/.exec(slot);
  if (server) return `server-${server[1]?.replace('.', '-')}`;
  const direct = CONTROL_IDS[slot];
  if (direct) return direct;
  const recipient = /^recipients\[(\d+)\]$/.exec(slot);
  if (recipient) return `recipient-remove-${recipient[1]}`;
  const condition = /^conditions\[(\d+)\](?:\.(label|operator|values))?$/.exec(slot);
  if (condition) return `cond-${condition[1]}-${condition[2] ?? 'label'}`;
  return null;
}

/** Human names for the summary at the top. */
export function fieldTitle(field: string): string {
  const titles: Record<string, string> = {
    'server.host': 'SMTP server address',
    'server.port': 'Port',
    'server.security': 'Security',
    'server.username': 'SMTP username',
    'server.password': 'SMTP password',
    'server.from': 'Sender email address',
    'server.ca': 'CA certificate',
    'server.transport': 'Sign-in',
    'server.auth.user': 'Mailbox',
    'server.auth.clientId': 'Client ID',
    'server.auth.clientSecret': 'Client secret',
    'server.auth.tenantId': 'Tenant ID',
    'server.auth.tokenUrl': 'Token URL',
    'server.auth.scope': 'Scope',
    server: 'Server settings',
    recipients: 'Recipients',
    conditions: 'Notification conditions',
    repeatInterval: 'Repeat interval',
    sendResolved: 'Send resolved notices',
  };
  const slot = slotFor(field);
  const title = titles[slot];
  if (title) return title;
  const recipient = /^recipients\[(\d+)\]$/.exec(slot);
  if (recipient) return `Recipient ${Number(recipient[1]) + 1}`;
  const condition = /^conditions\[(\d+)\](?:\.(\w+))?$/.exec(slot);
  if (condition) return `Condition ${Number(condition[1]) + 1}${condition[2] ? ` ${condition[2]}` : ''}`;
  return field;
}

const PLAIN_WORDS: Record<string, string> = {
  SMTP_AUTH_FAILED: 'The mail server rejected the username or password',
  SMTP_TLS_FAILED:
    'The secure (TLS) connection to the mail server failed — check the security setting, the port and the CA',
  SMTP_CONNECTION_FAILED: 'Could not connect to the mail server — check the address and the port',
  SMTP_TIMEOUT: 'The mail server did not answer in time',
  SMTP_REJECTED: 'The mail server refused the message',
  SES_REJECTED: 'Amazon SES refused the message',
  OAUTH_TOKEN_FAILED: 'The identity provider gave no access token',
  GRAPH_REJECTED: 'Microsoft Graph refused the message',
  NOT_CONFIGURED: 'Set a mail server and at least one recipient first',
  VALIDATION_FAILED: 'Some settings are not valid',
  UNAUTHORIZED: 'The admin token was not accepted',
  FORBIDDEN: 'This token may not change the configuration (is it the ingest token?)',
  CONFLICT: 'Someone else changed this at the same time',
  CONCURRENT_MODIFICATION: 'Someone else changed the configuration at the same time; try again',
  NETWORK: 'Could not reach alertmail',
};

/** `SMTP_AUTH_FAILED` + `535 5.7.8 bad credentials` → "The mail server rejected the username or password: 535 5.7.8 bad credentials". */
export function plainWords(code: string, message: string): string {
  const lead = PLAIN_WORDS[code];
  if (!lead) return message || code;
  const m = message.trim();
  if (m === '') return `${lead}.`;
  // the API may already say it in these words: do not say it twice
  return m.toLowerCase().startsWith(lead.toLowerCase().slice(0, 24)) ? m : `${lead}: ${m}`;
}
