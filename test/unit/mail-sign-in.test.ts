/** Issue 17: the presets' derivation (token URL, scope) and the validation of OAuth 2.0 sign-in settings. */
import { ServerSettingsInputSchema } from '../../functions/schemas';
import {
  GOOGLE_MAIL_SCOPE,
  isLoopbackHost,
  MICROSOFT_GRAPH_SCOPE,
  MICROSOFT_SMTP_SCOPE,
  parseGoogleKey,
  tenantIdProblem,
  tokenEndpoint,
  tokenUrlProblem,
} from '../../lib/domain/mail-sign-in';

const microsoft = {
  type: 'oauth2',
  provider: 'microsoft',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: 'app',
  user: 'a@contoso.com',
} as const;

function fields(input: unknown): string[] {
  const result = ServerSettingsInputSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('presets', () => {
  it('Microsoft: the tenant token endpoint, the Exchange scope for SMTP and the Graph scope for Graph', () => {
    expect(tokenEndpoint(microsoft, 'smtp')).toEqual({
      tokenUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      scope: MICROSOFT_SMTP_SCOPE,
    });
    expect(tokenEndpoint(microsoft, 'graph').scope).toBe(MICROSOFT_GRAPH_SCOPE);
    expect(tokenEndpoint({ ...microsoft, scope: 'x' }, 'graph').scope).toBe('x');
    expect(
      tokenEndpoint(microsoft, 'smtp', { microsoftLogin: 'http://127.0.0.1:9/', googleToken: '', graph: '' }).tokenUrl,
    ).toBe('http://127.0.0.1:9/contoso.onmicrosoft.com/oauth2/v2.0/token');
  });

  it('Google: its token endpoint and the full mail scope; generic: its own URL and scope', () => {
    expect(tokenEndpoint({ type: 'oauth2', provider: 'google', user: 'a@b.example' }, 'smtp')).toEqual({
      tokenUrl: 'https://oauth2.googleapis.com/token',
      scope: GOOGLE_MAIL_SCOPE,
    });
    expect(
      tokenEndpoint({ type: 'oauth2', provider: 'generic', user: 'u', tokenUrl: 'https://idp.example/t' }, 'smtp'),
    ).toEqual({ tokenUrl: 'https://idp.example/t' });
  });
});

describe('validation', () => {
  it('token URLs: https, or http on a loopback address only', () => {
    expect(tokenUrlProblem('https://idp.example.com/token')).toBeUndefined();
    expect(tokenUrlProblem('http://127.0.0.1:8080/token')).toBeUndefined();
    expect(tokenUrlProblem('http://[::1]/token')).toBeUndefined();
    expect(tokenUrlProblem('http://localhost/token')).toBeUndefined();
    expect(tokenUrlProblem('http://idp.example.com/token')).toMatch(/https/);
    expect(tokenUrlProblem('http://127.0.0.1.example.com/token')).toMatch(/https/);
    expect(tokenUrlProblem('ftp://idp.example.com/')).toMatch(/https/);
    expect(tokenUrlProblem('https://user:pw@idp.example.com/')).toMatch(/credentials/);
    expect(tokenUrlProblem('not a url')).toMatch(/URL/);
    expect(isLoopbackHost('127.8.9.10')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });

  it('tenant IDs: a GUID or a domain, never a multi-tenant alias', () => {
    expect(tenantIdProblem('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBeUndefined();
    expect(tenantIdProblem('contoso.onmicrosoft.com')).toBeUndefined();
    expect(tenantIdProblem('common')).toMatch(/tenant/);
    expect(tenantIdProblem('contoso/../x')).toMatch(/GUID/);
  });

  it('Google keys: JSON with client_email and a PEM private key, never quoted back', () => {
    expect(parseGoogleKey('{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\\nx"}')).toMatchObject({
      client_email: 'a@b',
    });
    expect(parseGoogleKey('secret-ish text')).not.toContain('secret-ish');
    expect(parseGoogleKey('{"client_email":"a@b"}')).toMatch(/private_key/);
  });

  it('the settings schema names the field of each invalid combination', () => {
    const base = { from: 'a@contoso.com', host: 'smtp.office365.com', port: 587 };
    expect(fields({ ...base, auth: microsoft })).toEqual([]);
    expect(fields({ ...base, auth: { ...microsoft, tenantId: undefined } })).toEqual(['auth.tenantId']);
    expect(fields({ ...base, auth: { ...microsoft, tokenUrl: 'https://x.example' } })).toEqual(['auth.tokenUrl']);
    expect(fields({ ...base, auth: { ...microsoft, clientId: '' } })).toEqual(['auth.clientId']);
    expect(fields({ ...base, auth: { ...microsoft, user: 'not-an-address' } })).toEqual(['auth.user']);
    expect(
      fields({
        ...base,
        auth: { ...microsoft, provider: 'generic', tenantId: undefined, tokenUrl: 'http://idp.example' },
      }),
    ).toEqual(['auth.tokenUrl']);
    expect(
      fields({ ...base, auth: { type: 'oauth2', provider: 'google', user: 'a@b.example', clientSecret: '{}' } }),
    ).toEqual(['auth.clientSecret']);
    expect(fields({ ...base, username: 'u', auth: microsoft })).toEqual(['username']);
    expect(fields({ ...base, password: 'p', auth: microsoft })).toEqual(['password']);
    expect(fields({ from: 'a@contoso.com', transport: 'graph' })).toEqual(['transport']);
    expect(
      fields({
        from: 'a@contoso.com',
        transport: 'graph',
        auth: { ...microsoft, provider: 'generic', tenantId: undefined, tokenUrl: 'https://x.example' },
      }),
    ).toEqual(['transport']);
    expect(fields({ from: 'a@contoso.com' })).toEqual(['host']);
  });

  it('graph needs no host: host, port and security are filled in; empty optional fields are absent', () => {
    const parsed = ServerSettingsInputSchema.parse({
      from: 'a@contoso.com',
      transport: 'graph',
      auth: { ...microsoft, scope: '', clientSecret: '' },
    });
    expect(parsed).toEqual({
      from: 'a@contoso.com',
      host: 'graph.microsoft.com',
      port: 443,
      security: 'tls',
      transport: 'graph',
      auth: microsoft,
    });
  });
});
