import { type AddressObject, simpleParser } from 'mailparser';
import {
  alertThreadId,
  type ComposeInput,
  composeMail,
  isMessageId,
  MAX_REFERENCES,
  mailDomain,
  newMessageId,
  threadHeaders,
} from '../../lib/adapters/smtp/compose';
import type { Alert } from '../../lib/domain/alerts/model';
import { renderAlertMail } from '../../lib/domain/mail/render';

const DATE = new Date('2026-11-24T13:29:00Z');
const STARTS = new Date('2026-11-24T11:15:51.467Z');
const STARTS_EPOCH = Math.floor(STARTS.getTime() / 1000);

function input(overrides: Partial<ComposeInput> = {}): ComposeInput {
  return {
    from: 'alertmail <alerts@example.com>',
    to: ['oncall@example.com', 'lead@example.org'],
    subject: '[FIRING:1] DiskFull (prod, critical)',
    text: 'Disk is full.\nSecond line.\n',
    html: '<!DOCTYPE html><html><body><p>Disk is <b>full</b>.</p></body></html>',
    date: DATE,
    messageId: '<abc123@example.com>',
    ...overrides,
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((v) => v.address ?? ''));
}

/** The top-level header section of a message: everything before the first empty line. */
function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n') + 2);
}

function episode(fingerprint: string, startsAt = STARTS, status: Alert['status'] = 'firing'): Alert {
  return {
    fingerprint,
    labels: { alertname: 'DiskFull', instance: fingerprint },
    annotations: { summary: 'Disk full' },
    status,
    startsAt,
    ...(status === 'resolved' ? { endsAt: new Date('2026-11-24T12:00:00Z') } : {}),
    source: 'prometheus',
  };
}

describe('composeMail', () => {
  it('builds multipart/alternative with the text and the HTML part', async () => {
    // Arrange
    const mail = input();

    // Act
    const out = await composeMail(mail);
    const parsed = await simpleParser(out.raw);

    // Assert
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.text).toBe(mail.text);
    expect(parsed.html).toBe(mail.html);
    expect(out.raw.toString('latin1')).toMatch(
      /Content-Type: text\/plain; charset=utf-8[\s\S]*Content-Type: text\/html/,
    );
  });

  it('writes well-formed Message-ID, Date, From, To, Subject, In-Reply-To and References', async () => {
    const refs = ['<alert-aaaa-1@example.com>', '<alert-bbbb-2@example.com>'];

    const out = await composeMail(input({ inReplyTo: refs[0], references: refs }));
    const parsed = await simpleParser(out.raw);

    expect(parsed.messageId).toBe('<abc123@example.com>');
    expect(parsed.date?.toISOString()).toBe(DATE.toISOString());
    expect(out.raw.toString('latin1')).toContain('Date: Tue, 24 Nov 2026 13:29:00 +0000\r\n');
    expect(parsed.from?.value).toEqual([{ name: 'alertmail', address: 'alerts@example.com' }]);
    expect(addresses(parsed.to)).toEqual(['oncall@example.com', 'lead@example.org']);
    expect(parsed.subject).toBe('[FIRING:1] DiskFull (prod, critical)');
    expect(parsed.inReplyTo).toBe(refs[0]);
    expect(parsed.references).toEqual(refs);
    expect(out.messageId).toBe('<abc123@example.com>');
  });

  it('returns the envelope beside the bytes: bare sender address and every recipient', async () => {
    const out = await composeMail(input());

    expect(out.from).toBe('alerts@example.com');
    expect(out.to).toEqual(['oncall@example.com', 'lead@example.org']);
  });

  it('uses CRLF line endings only, as SMTP and SES expect', async () => {
    const out = await composeMail(input({ text: 'a\nb\rc\r\nd', html: '<p>x</p>\n<p>y</p>' }));

    expect(out.raw.toString('latin1')).not.toMatch(/[^\r]\n|\r[^\n]/);
  });

  it('never lets CR/LF in the subject create a header or a recipient', async () => {
    const out = await composeMail(input({ subject: 'Hello\r\nBcc: evil@x\r\nX-Evil: 1\n\nbody' }));
    const parsed = await simpleParser(out.raw);
    const raw = out.raw.toString('latin1');

    expect(parsed.bcc).toBeUndefined();
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-evil')).toBe(false);
    expect(headerBlock(out.raw)).not.toMatch(/^(Bcc|X-Evil):/im);
    expect(raw).not.toMatch(/^(Bcc|X-Evil):/im);
    expect(addresses(parsed.to)).toEqual(['oncall@example.com', 'lead@example.org']);
    expect(out.to).toEqual(['oncall@example.com', 'lead@example.org']);
    expect(parsed.subject).toBe('Hello Bcc: evil@x X-Evil: 1 body');
  });

  it('never lets a literal encoded word in the subject decode into CR/LF or a header', async () => {
    const out = await composeMail(
      input({ subject: '[FIRING:1] =?utf-8?q?x=0D=0ABcc:_attacker@evil.example?= (critical)' }),
    );
    const parsed = await simpleParser(out.raw);

    expect(parsed.subject).not.toMatch(/[\r\n]/);
    expect(parsed.subject).toContain('Bcc:_attacker@evil.example');
    expect(parsed.bcc).toBeUndefined();
    expect(headerBlock(out.raw)).not.toMatch(/^Bcc:/im);
  });

  it('never lets CR/LF in a label value create a header, from render to bytes', async () => {
    const alert = {
      ...episode('00000000000000aa'),
      labels: { alertname: 'Evil', namespace: 'prod\r\nBcc: evil@x', severity: 'critical' },
    };
    const rendered = renderAlertMail('firing', [alert], DATE);

    const out = await composeMail(input({ ...rendered }));
    const parsed = await simpleParser(out.raw);

    expect(parsed.headers.has('bcc')).toBe(false);
    expect(headerBlock(out.raw)).not.toMatch(/^Bcc:/im);
    expect(parsed.subject).toBe('[FIRING:1] Evil (prod Bcc: evil@x, critical)');
    expect(out.to).toEqual(['oncall@example.com', 'lead@example.org']);
  });

  it('encodes a non-ASCII subject and body so they parse back unchanged', async () => {
    const subject = '[FIRING:1] Störung – 磁盘已满 🔥 '.repeat(3).trim();
    const text = 'Größe: 100 %\n日本語\n';

    const out = await composeMail(input({ subject, text }));
    const parsed = await simpleParser(out.raw);

    expect(parsed.subject).toBe(subject);
    expect(parsed.text).toBe(text);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bytes must be 7-bit
    expect(out.raw.toString('latin1')).toMatch(/^[\u0000-\u007f]*$/);
  });

  it('refuses a malformed Message-ID, In-Reply-To or Reference rather than writing it into a header', async () => {
    await expect(composeMail(input({ messageId: 'no-brackets@example.com' }))).rejects.toThrow(TypeError);
    await expect(composeMail(input({ inReplyTo: '<a@b>\r\nBcc: evil@x' }))).rejects.toThrow(TypeError);
    await expect(composeMail(input({ references: ['<ok@example.com>', '<a b@c>'] }))).rejects.toThrow(TypeError);
  });

  it('refuses a message without recipients', async () => {
    await expect(composeMail(input({ to: [] }))).rejects.toThrow(TypeError);
  });
});

describe('message ids and threads', () => {
  it('newMessageId is unique, well formed and uses the domain', () => {
    const a = newMessageId('example.com');
    const b = newMessageId('example.com');

    expect(a).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(a).not.toBe(b);
    expect(isMessageId(a)).toBe(true);
  });

  it('mailDomain takes the domain of the From address, lowercased, IDNs in punycode', () => {
    expect(mailDomain('"Alerts" <alerts@Example.COM>')).toBe('example.com');
    expect(mailDomain('alerts@bücher.example')).toBe('xn--bcher-kva.example');
    expect(mailDomain('not an address')).toBe('alertmail.invalid');
    expect(newMessageId('bad domain\r\n')).toMatch(/@alertmail\.invalid>$/);
  });

  it('alertThreadId is deterministic from fingerprint and start time', () => {
    const id = alertThreadId({ fingerprint: 'bb67672a7c1ebcb8', startsAt: STARTS }, 'example.com');

    expect(id).toBe(`<alert-bb67672a7c1ebcb8-${STARTS_EPOCH}@example.com>`);
    expect(isMessageId(id)).toBe(true);
    expect(alertThreadId({ fingerprint: 'bb67672a7c1ebcb8', startsAt: new Date(STARTS) }, 'example.com')).toBe(id);
  });

  it('gives the firing and the resolved mail of the same alerts the same thread headers, whatever the order', () => {
    const firing = [episode('bb67672a7c1ebcb8'), episode('d5ca86bde59828ab')];
    const resolved = [episode('d5ca86bde59828ab', STARTS, 'resolved'), episode('bb67672a7c1ebcb8', STARTS, 'resolved')];

    const a = threadHeaders(firing, 'example.com');
    const b = threadHeaders(resolved, 'example.com');

    expect(a).toEqual(b);
    expect(a.references).toEqual([
      `<alert-bb67672a7c1ebcb8-${STARTS_EPOCH}@example.com>`,
      `<alert-d5ca86bde59828ab-${STARTS_EPOCH}@example.com>`,
    ]);
    expect(a.inReplyTo).toBe(a.references[0]);
  });

  it('starts a new thread for a new episode of the same alert', () => {
    const first = threadHeaders([episode('bb67672a7c1ebcb8')], 'example.com');
    const second = threadHeaders([episode('bb67672a7c1ebcb8', new Date('2026-11-25T08:00:00Z'))], 'example.com');

    expect(second.references).not.toEqual(first.references);
  });

  it('caps References and de-duplicates', () => {
    const alerts = Array.from({ length: 50 }, (_, i) => episode(i.toString(16).padStart(16, '0')));

    const headers = threadHeaders([...alerts, ...alerts], 'example.com');

    expect(headers.references).toHaveLength(MAX_REFERENCES);
    expect(new Set(headers.references).size).toBe(MAX_REFERENCES);
  });

  it('has no In-Reply-To for an empty batch', () => {
    expect(threadHeaders([], 'example.com')).toEqual({ references: [] });
  });

  it('threads composed firing and resolved mails together when parsed back', async () => {
    const domain = mailDomain('alerts@example.com');
    const firingAlerts = [episode('bb67672a7c1ebcb8'), episode('d5ca86bde59828ab')];
    const resolvedAlerts = firingAlerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: DATE }));

    const [firing, resolved] = await Promise.all(
      [
        { kind: 'firing' as const, alerts: firingAlerts },
        { kind: 'resolved' as const, alerts: resolvedAlerts },
      ].map(async ({ kind, alerts }) => {
        const rendered = renderAlertMail(kind, alerts, DATE);
        const out = await composeMail(
          input({ ...rendered, messageId: newMessageId(domain), ...threadHeaders(alerts, domain) }),
        );
        return simpleParser(out.raw);
      }),
    );

    expect(firing?.messageId).not.toBe(resolved?.messageId);
    expect(firing?.references).toEqual(resolved?.references);
    expect(firing?.inReplyTo).toBe(resolved?.inReplyTo);
    expect(firing?.inReplyTo).toBe(`<alert-bb67672a7c1ebcb8-${STARTS_EPOCH}@example.com>`);
  });
});
