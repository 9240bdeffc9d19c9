/** The shared zod schemas: what the API accepts, what it stores, and how refusals name fields. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ConditionsSchema,
  ConfigPatchSchema,
  isAddrSpec,
  isHost,
  isPemCertificates,
  RecipientInputSchema,
  ServerSettingsInputSchema,
  TestMessageRequestSchema,
} from '../../functions/schemas';
import { ValidationError } from '../../lib/errors';
import { parseWith } from '../../lib/validation';

const CA = readFileSync(path.join(__dirname, '../fixtures/tls/ca.pem'), 'utf8');

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('isAddrSpec', () => {
  it.each([
    'a@example.com',
    'first.last+tag@sub.example.co.uk',
    "o'brien@example.com",
    'ops@localhost',
    'x_y@a-b.example',
  ])('accepts %s', (address) => expect(isAddrSpec(address)).toBe(true));
  it.each([
    'Name <a@example.com>',
    '"a b"@example.com',
    'a@example.com\r\n',
    'a@exa mple.com',
    'a..b@example.com',
    'a.@example.com',
    'a@-example.com',
    'a@example-.com',
    'a(comment)@example.com',
    'a@[127.0.0.1]',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(250)}.com`,
  ])('refuses %j', (address) => expect(isAddrSpec(address)).toBe(false));
});

describe('isHost', () => {
  it.each([
    'smtp.example.com',
    'localhost',
    'a.b.',
    '10.0.0.1',
    '::1',
    '[::1]',
    'fe80::1',
    '2001:db8:0:0:0:0:0:1',
    'x1.example',
  ])('accepts %s', (host) => expect(isHost(host)).toBe(true));
  it.each([
    '256.0.0.1',
    '10.0.0',
    '1.2.3.4.5',
    '[::1',
    '::1]',
    ':::',
    'a b',
    'a_b.com',
    `${'a'.repeat(64)}.com`,
    'smtp.example.com:25',
  ])('refuses %j', (host) => expect(isHost(host)).toBe(false));
});

describe('isPemCertificates', () => {
  it('accepts the test CA, a bundle of two, and CRLF line ends', () => {
    expect(isPemCertificates(CA)).toBe(true);
    expect(isPemCertificates(`${CA}\n${CA}`)).toBe(true);
    expect(isPemCertificates(CA.replace(/\n/g, '\r\n'))).toBe(true);
  });
  it('refuses a private key, text around the certificate, and a truncated block', () => {
    expect(isPemCertificates('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toBe(false);
    expect(isPemCertificates(`my ca:\n${CA}`)).toBe(false);
    expect(isPemCertificates(CA.slice(0, CA.length - 30))).toBe(false);
  });
});

describe('ServerSettingsInputSchema', () => {
  const base = { host: 'smtp.example.com', from: 'a@example.com' };

  it.each([
    [{}, 25, 'none'],
    [{ port: 465 }, 465, 'tls'],
    [{ port: 587 }, 587, 'starttls'],
    [{ port: 2525 }, 2525, 'none'],
    [{ port: 465, security: 'starttls' }, 465, 'starttls'],
  ])('%j defaults to port %s and security %s', (extra, port, security) => {
    expect(ServerSettingsInputSchema.parse({ ...base, ...extra })).toMatchObject({ port, security });
  });

  it('keeps the distinction between an omitted password (keep) and null (remove)', () => {
    expect(ServerSettingsInputSchema.parse(base)).not.toHaveProperty('password');
    expect(ServerSettingsInputSchema.parse({ ...base, password: null }).password).toBeNull();
  });

  it('names the field of every problem, and each unknown field', () => {
    const error = refusal(() =>
      parseWith(ServerSettingsInputSchema, { ...base, host: '', port: 0, secure: true, tls: {} }, 'server'),
    );

    expect(error.details.map((d) => d.field).sort()).toEqual([
      'server.host',
      'server.port',
      'server.secure',
      'server.tls',
    ]);
    expect(error.message).toMatch(/^Invalid request body: server\./);
  });
});

describe('ConditionsSchema', () => {
  it('normalizes: values [] for Exists/DoesNotExist, duplicate values once', () => {
    expect(
      ConditionsSchema.parse([
        { label: 'severity', operator: 'In', values: ['critical', 'critical', 'warning'] },
        { label: 'team', operator: 'Exists' },
        { label: 'team', operator: 'DoesNotExist', values: [] },
      ]),
    ).toEqual([
      { label: 'severity', operator: 'In', values: ['critical', 'warning'] },
      { label: 'team', operator: 'Exists', values: [] },
      { label: 'team', operator: 'DoesNotExist', values: [] },
    ]);
  });

  it('accepts label values with any printable text, including empty strings alongside others', () => {
    expect(
      ConditionsSchema.safeParse([{ label: 'ns', operator: 'NotIn', values: ['', 'kube-system', 'ü ✓'] }]).success,
    ).toBe(true);
  });

  it.each([
    [{ label: 'a', operator: 'In', values: [] }, 'conditions[0].values'],
    [{ label: 'a', operator: 'In' }, 'conditions[0].values'],
    [{ label: 'a', operator: 'Exists', values: ['x'] }, 'conditions[0].values'],
    [{ label: 'a.b', operator: 'Exists' }, 'conditions[0].label'],
    [{ label: 'a', operator: 'in', values: ['x'] }, 'conditions[0].operator'],
    [{ label: 'a', operator: 'In', values: ['x\ny'] }, 'conditions[0].values[0]'],
  ])('refuses %j naming %s', (condition, field) => {
    expect(refusal(() => parseWith(ConditionsSchema, [condition], 'conditions')).details.map((d) => d.field)).toContain(
      field,
    );
  });

  it('holds at most 50', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ label: `l${i}`, operator: 'Exists' }));
    expect(ConditionsSchema.safeParse(many(50)).success).toBe(true);
    expect(ConditionsSchema.safeParse(many(51)).success).toBe(false);
  });
});

describe('ConfigPatchSchema', () => {
  it.each(['1m', '60s', '30m', '12h', '1d', '1h30m', '4w', '30d', '720h'])('accepts %s', (text) => {
    expect(ConfigPatchSchema.safeParse({ repeatInterval: text }).success).toBe(true);
  });
  it.each(['59s', '0m', '31d', '5w', '721h', '', '12', '1.5h', '-1h', '1H', ' 1h'])('refuses %j', (text) => {
    expect(ConfigPatchSchema.safeParse({ repeatInterval: text }).success).toBe(false);
  });
  it('refuses an empty patch and unknown fields', () => {
    expect(ConfigPatchSchema.safeParse({}).success).toBe(false);
    expect(refusal(() => parseWith(ConfigPatchSchema, { enabled: true, paused: true })).details).toEqual([
      { field: 'paused', message: 'is not a known field' },
    ]);
  });
});

describe('request schemas', () => {
  it('a recipient is exactly {address}', () => {
    expect(RecipientInputSchema.parse({ address: 'a@example.com' })).toEqual({ address: 'a@example.com' });
    expect(RecipientInputSchema.safeParse({ address: 'a@example.com', name: 'A' }).success).toBe(false);
  });
  it('a test message takes an optional draft server and a non-empty recipient list', () => {
    expect(TestMessageRequestSchema.safeParse({}).success).toBe(true);
    expect(TestMessageRequestSchema.safeParse({ recipients: [] }).success).toBe(false);
    expect(
      TestMessageRequestSchema.safeParse({
        server: { host: '::1', from: 'a@example.com' },
        recipients: ['b@example.com'],
      }).success,
    ).toBe(true);
  });
});
