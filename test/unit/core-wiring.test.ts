/**
 * The ingest wiring (functions/core.ts) as deployed: what it needs from the Lambda runtime's own
 * environment is checked when it is built, at the cold start, not at the first request.
 */
import net from 'node:net';
import tls from 'node:tls';
import { createCoreApp } from '../../functions/core';
import { readEnv } from '../../functions/env';
import { ConfigReader } from '../../lib/usecases/config/reader';

const DEPLOYED: NodeJS.ProcessEnv = {
  ALERTMAIL_CONFIG_TABLE: 'stack-config',
  ALERTMAIL_STATE_TABLE: 'stack-state',
  ALERTMAIL_DELIVERIES_TABLE: 'stack-deliveries',
  ALERTMAIL_SECRETS_BACKEND: 'secretsmanager',
  ALERTMAIL_SMTP_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:smtp',
  ALERTMAIL_TOKENS_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tokens',
  ALERTMAIL_TRANSPORT: 'smtp',
  ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '4h',
};

describe('createCoreApp on AWS (no local endpoint)', () => {
  const saved = process.env.AWS_REGION;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved;
  });

  it('refuses to start without AWS_REGION, naming it', () => {
    // Arrange
    delete process.env.AWS_REGION;
    const env = readEnv(DEPLOYED);

    // Act / Assert
    expect(() => createCoreApp(env, {}, (deps) => new ConfigReader(deps))).toThrow(/AWS_REGION is not set/);
  });

  it('refuses a region that is not one, naming it', () => {
    process.env.AWS_REGION = 'moon-base-one';
    const env = readEnv(DEPLOYED);

    expect(() => createCoreApp(env, {}, (deps) => new ConfigReader(deps))).toThrow(
      /not an AWS region: "moon-base-one"/,
    );
  });

  it('builds with a region, without a network call', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    const env = readEnv(DEPLOYED);
    const sockets = [jest.spyOn(net.Socket.prototype, 'connect'), jest.spyOn(tls, 'connect')];

    try {
      const app = createCoreApp(env, {}, (deps) => new ConfigReader(deps));
      await new Promise((resolve) => setImmediate(resolve)); // anything the build started asynchronously

      expect(app.env.ALERTMAIL_STATE_TABLE).toBe('stack-state');
      for (const connect of sockets) expect(connect).not.toHaveBeenCalled();
    } finally {
      for (const connect of sockets) connect.mockRestore();
    }
  });
});
