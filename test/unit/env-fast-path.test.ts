/**
 * The fast path of readEnv against the schema alone (readEnvWithSchema): for every generated
 * environment, the same result (deep-equal, keys in the same order) or the same refusal (the same
 * message). Each variable is drawn from absent, undefined, empty, its valid values and edge cases
 * of every rule (durations, cache seconds at 0 / 3600 / 3601 and other spellings, URLs with
 * spaces or tabs, backends with and without their companion variables), plus unrelated variables.
 */
import fc from 'fast-check';
import { readEnv, readEnvWithSchema, wellFormedEnv } from '../../functions/env';

type Outcome = { ok: true; value: unknown } | { ok: false; message: string };

function outcome(read: () => unknown): Outcome {
  try {
    const value = read();
    return { ok: true, value: Object.entries(value as object) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function agree(env: NodeJS.ProcessEnv): boolean {
  const fast = outcome(() => readEnv(env));
  const slow = outcome(() => readEnvWithSchema(env));
  expect(fast).toStrictEqual(slow);
  return fast.ok;
}

const ABSENT = Symbol('absent');

/**
 * A value for one variable: mostly a valid one, else an edge case of its rule or any string.
 * ABSENT leaves the key out, undefined keeps the key with no value.
 */
const value = (valid: ReadonlyArray<string | typeof ABSENT>, edges: ReadonlyArray<string | typeof ABSENT> = []) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: fc.constantFrom<string | undefined | typeof ABSENT>(ABSENT, undefined, '', ' ', ...edges) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

const variables = {
  ALERTMAIL_CONFIG_TABLE: value(['cfg', 'alertmail-config']),
  ALERTMAIL_STATE_TABLE: value(['state', 'alertmail-state']),
  ALERTMAIL_DELIVERIES_TABLE: value(['deliveries', 'alertmail-deliveries']),
  ALERTMAIL_SECRETS_BACKEND: value(['file', 'file', 'secretsmanager'], ['File', 'ssm']),
  ALERTMAIL_SMTP_SECRET_ID: value(['arn:aws:secretsmanager:eu-west-1:1:secret:smtp', ABSENT]),
  ALERTMAIL_TOKENS_SECRET_ID: value(['arn:aws:secretsmanager:eu-west-1:1:secret:tokens', ABSENT]),
  ALERTMAIL_DATA_DIR: value(['/tmp/alertmail', '.data', '/tmp/alertmail', ABSENT]),
  ALERTMAIL_TRANSPORT: value(['smtp', 'ses', ABSENT], ['SMTP', 'sendmail']),
  ALERTMAIL_SES_IDENTITY: value(['example.com', 'alerts@example.com', ABSENT]),
  ALERTMAIL_DEFAULT_REPEAT_INTERVAL: value(['12h', '30m', '1d', '1h30m', '0s', ABSENT], ['90', 'h', '1y', '12H']),
  ALERTMAIL_TOKEN_CACHE_SECONDS: value(
    ['0', '5', '60', '3600', ABSENT],
    ['3601', '007', '6e1', ' 60', '60 ', '1.5', '-1', '-0', '0x10', 'x', 'Infinity', '9999'],
  ),
  ALERTMAIL_DYNAMODB_ENDPOINT: value(
    ['http://127.0.0.1:8000', 'http://localhost:8000/', 'https://dynamodb.eu-west-1.amazonaws.com', ABSENT],
    [
      ' http://127.0.0.1:8000',
      'http://127.0.0.1:8000\n',
      'http://exa\tmple.com',
      'http:example.com',
      'not a url',
      '127.0.0.1:8000',
      'http://\u00a0example.com',
    ],
  ),
  ALERTMAIL_SES_ENDPOINT: value(
    ['http://127.0.0.1:8005', 'http://[::1]:8005', ABSENT],
    ['mailto:x@example.com', '//x'],
  ),
};

const environment = fc
  .record({
    vars: fc.record(variables),
    others: fc.dictionary(
      fc.constantFrom('PATH', 'HOME', 'AWS_REGION', 'ALERTMAIL_OTHER', 'NODE_OPTIONS'),
      fc.string(),
    ),
  })
  .map(({ vars, others }) => {
    const env: Record<string, unknown> = { ...others };
    for (const [key, v] of Object.entries(vars)) if (v !== ABSENT) env[key] = v;
    return env as NodeJS.ProcessEnv;
  });

const LOCAL: NodeJS.ProcessEnv = {
  ALERTMAIL_CONFIG_TABLE: 'alertmail-config',
  ALERTMAIL_STATE_TABLE: 'alertmail-state',
  ALERTMAIL_DELIVERIES_TABLE: 'alertmail-deliveries',
  ALERTMAIL_SECRETS_BACKEND: 'file',
  ALERTMAIL_DATA_DIR: '/tmp/alertmail',
  ALERTMAIL_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
  ALERTMAIL_TOKEN_CACHE_SECONDS: '5',
  PATH: '/usr/bin',
};

const LAMBDA: NodeJS.ProcessEnv = {
  ALERTMAIL_CONFIG_TABLE: 'stack-config',
  ALERTMAIL_STATE_TABLE: 'stack-state',
  ALERTMAIL_DELIVERIES_TABLE: 'stack-deliveries',
  ALERTMAIL_SECRETS_BACKEND: 'secretsmanager',
  ALERTMAIL_SMTP_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:smtp',
  ALERTMAIL_TOKENS_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tokens',
  ALERTMAIL_TRANSPORT: 'ses',
  ALERTMAIL_SES_IDENTITY: 'example.com',
  ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '4h',
  AWS_REGION: 'eu-west-1',
  NODE_OPTIONS: '--enable-source-maps',
};

describe('readEnv fast path', () => {
  it('takes the deployed and the local environments without the schema, with the schema’s result', () => {
    for (const env of [LOCAL, LAMBDA]) {
      expect(wellFormedEnv(env)).toBeDefined();
      expect(agree(env)).toBe(true);
    }
    expect(readEnv(LOCAL)).toEqual({
      ALERTMAIL_CONFIG_TABLE: 'alertmail-config',
      ALERTMAIL_STATE_TABLE: 'alertmail-state',
      ALERTMAIL_DELIVERIES_TABLE: 'alertmail-deliveries',
      ALERTMAIL_SECRETS_BACKEND: 'file',
      ALERTMAIL_DATA_DIR: '/tmp/alertmail',
      ALERTMAIL_TRANSPORT: 'smtp',
      ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '12h',
      ALERTMAIL_TOKEN_CACHE_SECONDS: 5,
      ALERTMAIL_DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
  });

  it('leaves every problem to the schema, which words it', () => {
    for (const env of [
      {},
      { ...LOCAL, ALERTMAIL_DATA_DIR: undefined },
      { ...LOCAL, ALERTMAIL_DATA_DIR: '' },
      { ...LAMBDA, ALERTMAIL_TOKENS_SECRET_ID: undefined },
      { ...LOCAL, ALERTMAIL_TOKEN_CACHE_SECONDS: '3601' },
      { ...LOCAL, ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '1y' },
      { ...LOCAL, ALERTMAIL_DYNAMODB_ENDPOINT: 'not a url' },
      { ...LOCAL, ALERTMAIL_TRANSPORT: 'sendmail' },
    ]) {
      expect(wellFormedEnv(env)).toBeUndefined();
      expect(agree(env)).toBe(false);
    }
    expect(() => readEnv({ ...LOCAL, ALERTMAIL_DATA_DIR: undefined })).toThrow(
      'alertmail: invalid environment: ALERTMAIL_DATA_DIR: required with the file backend',
    );
  });

  it('agrees with the schema on generated environments', () => {
    let accepted = 0;
    fc.assert(
      fc.property(environment, (env) => {
        if (agree(env)) accepted++;
      }),
      { numRuns: 3000 },
    );
    // The generator reaches both outcomes often.
    expect(accepted).toBeGreaterThan(100);
  });

  it('agrees on whole environments of one variable changed at a time', () => {
    for (const [key, arbitrary] of Object.entries(variables)) {
      for (const base of [LOCAL, LAMBDA]) {
        fc.assert(
          fc.property(arbitrary, (v) => {
            const env: Record<string, unknown> = { ...base };
            if (v === ABSENT) delete env[key];
            else env[key] = v;
            agree(env as NodeJS.ProcessEnv);
          }),
          { numRuns: 150 },
        );
      }
    }
  });
});
