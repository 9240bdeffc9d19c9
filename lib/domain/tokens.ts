import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role, TokenSource } from '../ports';

/** Tokens shorter than this are ignored: a short token could be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * Parses `{"admin": "…" | ["…"], "ingest": …}`: arrays allow an old and a new token side by side
 * during rotation. A malformed document throws an error that quotes none of it (JSON.parse's own
 * message would quote the tokens into a log line).
 */
export function parseTokenDocument(text: string): Record<Role, string[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('alertmail: the api-tokens secret is not valid JSON; expected {"admin":["…"],"ingest":["…"]}');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('alertmail: the api-tokens secret must be a JSON object {"admin":["…"],"ingest":["…"]}');
  }
  const record = doc as Record<string, unknown>;
  const list = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value]).filter(
      (t): t is string => typeof t === 'string' && t.length >= MIN_TOKEN_LENGTH,
    );
  return { admin: list(record.admin), ingest: list(record.ingest) };
}

/** Caches a token source for `ttlMs`: a rotated token takes effect within that time. */
export class CachedTokenSource implements TokenSource {
  private cached?: { at: number; value: Promise<Readonly<Record<Role, readonly string[]>>> };

  constructor(
    private readonly load: () => Promise<Readonly<Record<Role, readonly string[]>>>,
    private readonly ttlMs: number,
  ) {}

  tokens(): Promise<Readonly<Record<Role, readonly string[]>>> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= this.ttlMs) {
      const value = this.load();
      this.cached = { at: now, value };
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time comparison: hashing first makes lengths equal, so timing reveals nothing about the token. */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Which role does this token carry? Checks every token of every role, so timing does not reveal the role either. */
export async function roleOf(token: string, source: TokenSource): Promise<Role | undefined> {
  const tokens = await source.tokens();
  let role: Role | undefined;
  for (const candidate of tokens.ingest) if (sameToken(token, candidate)) role = 'ingest';
  for (const candidate of tokens.admin) if (sameToken(token, candidate)) role = 'admin';
  return role;
}
