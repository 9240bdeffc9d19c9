/** functions/auth.ts and lib/domain/tokens.ts: token extraction (bearer and basic), role lookup, 401/403, the token document and its cache. */
import { authorize, presentedToken } from '../../functions/auth';
import { CachedTokenSource, parseTokenDocument, roleOf } from '../../lib/domain/tokens';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors';
import type { Role, TokenSource } from '../../lib/ports';

const ADMIN = 'am_admin_0123456789abcdefABCDEF';
const ADMIN_NEXT = 'am_admin_next_9876543210zyxwvu';
const INGEST = 'am_ingest_0123456789abcdefABCDE';

const source = (tokens: Record<Role, string[]>): TokenSource => ({ tokens: async () => tokens });
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('presentedToken', () => {
  it('reads a bearer token, case-insensitively and around spaces', () => {
    expect(presentedToken(`Bearer ${ADMIN}`)).toBe(ADMIN);
    expect(presentedToken(`bearer   ${ADMIN}  `)).toBe(ADMIN);
  });

  it("reads the password of Alertmanager's basic_auth, with any user name", () => {
    expect(presentedToken(basic('alertmanager', INGEST))).toBe(INGEST);
    expect(presentedToken(basic('', INGEST))).toBe(INGEST);
    expect(presentedToken(basic('user', `${INGEST}:x`))).toBe(`${INGEST}:x`);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['scheme only', 'Bearer'],
    ['scheme and space', 'Bearer '],
    ['another scheme', `Token ${ADMIN}`],
    ['no scheme', ADMIN],
    ['two tokens', `Bearer ${ADMIN} ${ADMIN}`],
    ['a control character', `Bearer ${ADMIN}\u0000`],
    ['CR/LF', `Bearer ${ADMIN}\r\nX-Evil: 1`],
    ['too long', `Bearer ${'a'.repeat(1025)}`],
    ['basic without a colon', `Basic ${Buffer.from(INGEST).toString('base64')}`],
    ['basic with an empty password', basic('user', '')],
  ])('finds no token when the header is %s', (_name, header) => {
    expect(presentedToken(header)).toBeUndefined();
  });
});

describe('roleOf / authorize', () => {
  const tokens = source({ admin: [ADMIN, ADMIN_NEXT], ingest: [INGEST] });

  it('knows each token of each role, both tokens of a rotation included', async () => {
    await expect(roleOf(ADMIN, tokens)).resolves.toBe('admin');
    await expect(roleOf(ADMIN_NEXT, tokens)).resolves.toBe('admin');
    await expect(roleOf(INGEST, tokens)).resolves.toBe('ingest');
  });

  it.each([
    ['one character changed', `${ADMIN.slice(0, -1)}X`],
    ['truncated', ADMIN.slice(0, -1)],
    ['with a suffix', `${ADMIN}x`],
    ['with a prefix', `x${ADMIN}`],
    ['in another case', ADMIN.toUpperCase()],
    ['unknown', 'am_admin_somethingelseentirely'],
  ])('knows no role for a near miss: %s', async (_name, token) => {
    await expect(roleOf(token, tokens)).resolves.toBeUndefined();
  });

  it('returns the role when it is allowed (admin may use ingest routes)', async () => {
    await expect(authorize(`Bearer ${ADMIN}`, ['admin'], tokens)).resolves.toBe('admin');
    await expect(authorize(`Bearer ${ADMIN}`, ['admin', 'ingest'], tokens)).resolves.toBe('admin');
    await expect(authorize(`Bearer ${INGEST}`, ['admin', 'ingest'], tokens)).resolves.toBe('ingest');
    await expect(authorize(basic('am', INGEST), ['admin', 'ingest'], tokens)).resolves.toBe('ingest');
  });

  it('answers 401 for a missing, malformed or unknown token and 403 for the wrong role', async () => {
    await expect(authorize(undefined, ['admin'], tokens)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authorize('Bearer', ['admin'], tokens)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authorize(`Bearer ${ADMIN}x`, ['admin'], tokens)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authorize(`Bearer ${INGEST}`, ['admin'], tokens)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('never quotes the presented token in its error', async () => {
    const wrong = `${ADMIN}x`;
    const error = await authorize(`Bearer ${wrong}`, ['admin'], tokens).catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain(wrong);
    const forbidden = await authorize(`Bearer ${INGEST}`, ['admin'], tokens).catch((e: Error) => e);
    expect(String((forbidden as Error).message)).not.toContain(INGEST);
  });

  it('lets no one in when no token is configured', async () => {
    const none = source({ admin: [], ingest: [] });
    await expect(authorize(`Bearer ${ADMIN}`, ['admin', 'ingest'], none)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

describe('parseTokenDocument', () => {
  it('accepts a string or a list per role and drops tokens shorter than 16 characters', () => {
    expect(parseTokenDocument(JSON.stringify({ admin: ADMIN, ingest: [INGEST, 'short', 42, null] }))).toEqual({
      admin: [ADMIN],
      ingest: [INGEST],
    });
    expect(parseTokenDocument('{}')).toEqual({ admin: [], ingest: [] });
  });

  it.each([
    ['not JSON', `{"admin":["${ADMIN}"`],
    ['null', 'null'],
    ['an array', `["${ADMIN}"]`],
  ])('throws without quoting the document when it is %s', (_name, text) => {
    let message = '';
    try {
      parseTokenDocument(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/api-tokens/);
    expect(message).not.toContain(ADMIN.slice(0, 12));
  });
});

describe('CachedTokenSource', () => {
  afterEach(() => jest.useRealTimers());

  it('reloads after the cache time, so a rotated token takes effect within it', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    let current: Record<Role, string[]> = { admin: [ADMIN], ingest: [] };
    const load = jest.fn(async () => current);
    const cached = new CachedTokenSource(load, 60_000);
    await expect(cached.tokens()).resolves.toEqual({ admin: [ADMIN], ingest: [] });
    current = { admin: [ADMIN_NEXT], ingest: [] };
    jest.setSystemTime(1_000_000 + 59_999);
    await expect(cached.tokens()).resolves.toEqual({ admin: [ADMIN], ingest: [] });
    jest.setSystemTime(1_000_000 + 60_000);
    await expect(cached.tokens()).resolves.toEqual({ admin: [ADMIN_NEXT], ingest: [] });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const load = jest.fn(async () => {
      if (fail) throw new Error('secret unavailable');
      return { admin: [ADMIN], ingest: [] };
    });
    const cached = new CachedTokenSource(load, 60_000);
    await expect(cached.tokens()).rejects.toThrow('secret unavailable');
    fail = false;
    await expect(cached.tokens()).resolves.toEqual({ admin: [ADMIN], ingest: [] });
  });

  it('with a cache time of 0 reads the source on every request', async () => {
    const load = jest.fn(async () => ({ admin: [ADMIN], ingest: [] }));
    const cached = new CachedTokenSource(load, 0);
    await cached.tokens();
    await cached.tokens();
    expect(load).toHaveBeenCalledTimes(2);
  });
});
