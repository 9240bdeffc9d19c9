/** Issue 17: the console's sign-in choice becomes the right PUT body, and a stored sign-in reads back as its choice. */
import { type ApiConfig, changes, draftFromConfig, serverBody } from '../../web/model';

const config: ApiConfig = {
  server: {
    host: 'smtp.office365.com',
    port: 587,
    security: 'starttls',
    from: 'alerts@contoso.com',
    passwordSet: false,
    auth: {
      type: 'oauth2',
      provider: 'microsoft',
      user: 'alerts@contoso.com',
      clientId: 'app',
      tenantId: 'contoso.onmicrosoft.com',
      clientSecretSet: true,
    },
  },
  recipients: [],
  conditions: [],
  enabled: true,
  repeatInterval: '12h',
  sendResolved: true,
  updatedAt: '2026-12-02T00:00:00.000Z',
};

describe('the sign-in choice', () => {
  it('reads a stored Microsoft sign-in back unchanged, and keeps the secret unless one is typed', () => {
    const draft = draftFromConfig(config);
    expect(draft.server.signIn).toBe('microsoft');
    expect(changes(config, draft).server).toBe(false);
    expect(serverBody(draft)).toMatchObject({
      host: 'smtp.office365.com',
      auth: {
        type: 'oauth2',
        provider: 'microsoft',
        user: 'alerts@contoso.com',
        clientId: 'app',
        tenantId: 'contoso.onmicrosoft.com',
      },
    });
    expect(serverBody(draft).auth).not.toHaveProperty('clientSecret');
    const typed = { ...draft, server: { ...draft.server, clientSecret: 's3cret' } };
    expect(changes(config, typed).server).toBe(true);
    expect(serverBody(typed).auth?.clientSecret).toBe('s3cret');
  });

  it('Graph sends no SMTP host; Google no client ID; none removes the password', () => {
    const draft = draftFromConfig(config);
    const graph = serverBody({ ...draft, server: { ...draft.server, signIn: 'graph' } });
    expect(graph).toEqual({
      from: 'alerts@contoso.com',
      transport: 'graph',
      auth: expect.objectContaining({ provider: 'microsoft' }),
    });
    expect(changes(config, { ...draft, server: { ...draft.server, signIn: 'graph' } }).server).toBe(true);
    const google = serverBody({ ...draft, server: { ...draft.server, signIn: 'google' } });
    expect(google.auth).toEqual({ type: 'oauth2', provider: 'google', user: 'alerts@contoso.com' });
    const none = serverBody({ ...draft, server: { ...draft.server, signIn: 'none' } });
    expect(none).not.toHaveProperty('auth');
    expect(none.password).toBeNull();
  });
});
