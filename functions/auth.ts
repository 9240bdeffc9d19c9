/**
 * The bearer-header half of authorization, at the edge: which token a request presents, and the
 * 401 / 403 it gets. Which role a token carries is the core's (lib/domain/tokens.ts).
 */

import { roleOf } from '../lib/domain/tokens';
import { ForbiddenError, UnauthorizedError } from '../lib/errors';
import type { Role, TokenSource } from '../lib/ports';

/**
 * Extracts the presented token: `Bearer <token>`, or `Basic base64(user:token)`
 * because Alertmanager's `basic_auth` is what many setups already have (any user name).
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{1,1024})$/i.exec(authorization.trim());
  if (!match?.[1] || !match[2]) return undefined;
  if (match[1].toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  return password === '' ? undefined : password;
}

/** 401 without a valid token, 403 when its role may not use the route. Returns the caller's role. */
export async function authorize(
  authorization: string | undefined,
  allowed: readonly Role[],
  source: TokenSource,
): Promise<Role> {
  const token = presentedToken(authorization);
  if (!token)
    throw new UnauthorizedError('Missing or malformed Authorization header: send "Authorization: Bearer <token>"');
  const role = await roleOf(token, source);
  if (!role) throw new UnauthorizedError('Unknown token');
  if (!allowed.includes(role)) throw new ForbiddenError(`A token with role "${role}" may not use this route`);
  return role;
}
