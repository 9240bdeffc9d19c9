/**
 * A real OAuth 2.0 token server for the integration tests: oauth2-mock-server (ESM-only, so it runs
 * in this child process rather than inside jest), issuing RS256-signed JWTs for the client-credentials
 * grant and Google's JWT bearer grant, its keys at /jwks. What the mock does not do itself, this adds:
 * it refuses a wrong client secret (invalid_client, in Microsoft's words), verifies a Google
 * assertion against the service account's public key, and sets the lifetime (`expires_in` and `exp`)
 * the test asks for. GET /control answers what it was asked (grants, count); POST /control sets options.
 *
 * Environment: TOKEN_PATH (the token endpoint's path), CLIENT_ID, CLIENT_SECRET, GOOGLE_PUBLIC_KEY (PEM).
 * Prints one JSON line `{"url": ...}` when listening.
 */
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { Events, OAuth2Server } from 'oauth2-mock-server';

const tokenPath = process.env.TOKEN_PATH ?? '/token';
const control = { ttl: 3600, clientSecret: process.env.CLIENT_SECRET ?? '', failWith: null };
const requests = [];

const server = new OAuth2Server(undefined, undefined, { endpoints: { token: tokenPath } });
await server.issuer.keys.generate('RS256');

/** Google's check of a service account assertion: RS256 over header.claims with the key's public half. */
function assertionProblem(assertion) {
  const [header, claims, signature] = String(assertion).split('.');
  if (!header || !claims || !signature) return 'not a JWT';
  const key = createPublicKey(process.env.GOOGLE_PUBLIC_KEY ?? '');
  const ok = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url'));
  if (!ok) return 'Invalid JWT Signature.';
  const payload = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
  if (payload.exp < Date.now() / 1000) return 'Invalid JWT: Token must be a short-lived token';
  return undefined;
}

server.service.on(Events.BeforeTokenSigning, (token, req) => {
  token.payload.exp = Math.floor(Date.now() / 1000) + control.ttl;
  // A token id, as real providers have (Entra's `uti`): two tokens of the same second differ.
  token.payload.jti = randomUUID();
  // As Google does: a JWT bearer grant's token carries the scope the assertion asked for.
  const assertion = req.body?.assertion;
  if (assertion)
    token.payload.scope = JSON.parse(Buffer.from(String(assertion).split('.')[1] ?? '', 'base64url')).scope;
});

server.service.on(Events.BeforeResponse, (response, req) => {
  const body = req.body ?? {};
  requests.push({
    grant_type: body.grant_type,
    client_id: body.client_id,
    scope: body.scope,
    // What the test may check without the secret itself travelling back: whether it was the right one.
    secretMatched: body.client_secret === control.clientSecret,
    assertion: body.assertion
      ? JSON.parse(Buffer.from(String(body.assertion).split('.')[1] ?? '', 'base64url'))
      : undefined,
  });
  const refuse = (statusCode, error, error_description) => {
    response.statusCode = statusCode;
    response.body = { error, error_description, error_codes: [7000215], trace_id: 'x', correlation_id: 'y' };
  };
  if (control.failWith) return refuse(control.failWith.status, control.failWith.error, control.failWith.description);
  if (body.grant_type === 'client_credentials') {
    if (body.client_id !== process.env.CLIENT_ID) {
      return refuse(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${body.client_id}' was not found in the directory 'Contoso'.`,
      );
    }
    if (body.client_secret !== control.clientSecret) {
      return refuse(
        401,
        'invalid_client',
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '00000000-0000-0000-0000-000000000001'.\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2026-12-02 06:00:00Z",
      );
    }
  } else if (body.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const problem = assertionProblem(body.assertion);
    if (problem) return refuse(400, 'invalid_grant', problem);
  }
  if (response.statusCode === 200) response.body.expires_in = control.ttl;
});

server.service.addRoute('GET', '/control', (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ count: requests.length, requests }));
});
// The service has parsed the JSON body already (send it with content-type application/json).
server.service.addRoute('POST', '/control', (req, res) => {
  Object.assign(control, req.body ?? {});
  res.end('{}');
});

await server.start(0, '127.0.0.1');
const { port } = server.address();
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
process.on('SIGTERM', () => {
  server.stop().then(() => process.exit(0));
});
