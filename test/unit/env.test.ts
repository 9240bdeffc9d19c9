/**
 * readEnv, the one reader of the deployment environment: the deployed and the local environments
 * as the functions see them, the defaults, and every refusal naming its variable.
 */
import { readEnv } from '../../functions/env';
import { DEFAULT_REPEAT_INTERVAL, DEFAULT_REPEAT_INTERVAL_MS, parseDuration } from '../../lib/domain/durations';

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

const refusal = (env: NodeJS.ProcessEnv): string => {
  try {
    readEnv(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('readEnv accepted the environment');
};

describe('readEnv', () => {
  it('reads the local environment, with the defaults for what it leaves out', () => {
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

  it('reads the deployed environment as the stack sets it', () => {
    expect(readEnv(LAMBDA)).toEqual({
      ALERTMAIL_CONFIG_TABLE: 'stack-config',
      ALERTMAIL_STATE_TABLE: 'stack-state',
      ALERTMAIL_DELIVERIES_TABLE: 'stack-deliveries',
      ALERTMAIL_SECRETS_BACKEND: 'secretsmanager',
      ALERTMAIL_SMTP_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:smtp',
      ALERTMAIL_TOKENS_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tokens',
      ALERTMAIL_TRANSPORT: 'ses',
      ALERTMAIL_SES_IDENTITY: 'example.com',
      ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '4h',
      ALERTMAIL_TOKEN_CACHE_SECONDS: 60,
    });
  });

  it('keeps the cache time within 0 to 3600 seconds', () => {
    expect(readEnv({ ...LOCAL, ALERTMAIL_TOKEN_CACHE_SECONDS: '0' }).ALERTMAIL_TOKEN_CACHE_SECONDS).toBe(0);
    expect(readEnv({ ...LOCAL, ALERTMAIL_TOKEN_CACHE_SECONDS: '3600' }).ALERTMAIL_TOKEN_CACHE_SECONDS).toBe(3600);
    for (const seconds of ['3601', '-1', '1.5', 'x', ' 60', '']) {
      expect(refusal({ ...LOCAL, ALERTMAIL_TOKEN_CACHE_SECONDS: seconds })).toMatch(
        /^alertmail: invalid environment: ALERTMAIL_TOKEN_CACHE_SECONDS: /,
      );
    }
  });

  it.each([
    ['ALERTMAIL_DATA_DIR: required with the file backend', { ...LOCAL, ALERTMAIL_DATA_DIR: undefined }],
    ['ALERTMAIL_DATA_DIR: must not be empty', { ...LOCAL, ALERTMAIL_DATA_DIR: '' }],
    [
      'ALERTMAIL_TOKENS_SECRET_ID: required with the secretsmanager backend',
      { ...LAMBDA, ALERTMAIL_TOKENS_SECRET_ID: undefined },
    ],
    ['ALERTMAIL_SMTP_SECRET_ID: must not be empty', { ...LAMBDA, ALERTMAIL_SMTP_SECRET_ID: '' }],
    ['ALERTMAIL_STATE_TABLE: required', { ...LOCAL, ALERTMAIL_STATE_TABLE: undefined }],
    ['ALERTMAIL_CONFIG_TABLE: must not be empty', { ...LOCAL, ALERTMAIL_CONFIG_TABLE: '' }],
    [
      'ALERTMAIL_SECRETS_BACKEND: must be one of secretsmanager, file, got "ssm"',
      { ...LOCAL, ALERTMAIL_SECRETS_BACKEND: 'ssm' },
    ],
    ['ALERTMAIL_TRANSPORT: must be one of smtp, ses, got "sendmail"', { ...LOCAL, ALERTMAIL_TRANSPORT: 'sendmail' }],
    ['ALERTMAIL_DEFAULT_REPEAT_INTERVAL: must be a duration', { ...LOCAL, ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '1y' }],
    ['ALERTMAIL_DYNAMODB_ENDPOINT: must be a URL', { ...LOCAL, ALERTMAIL_DYNAMODB_ENDPOINT: 'not a url' }],
    ['ALERTMAIL_SES_ENDPOINT: must be a URL', { ...LOCAL, ALERTMAIL_SES_ENDPOINT: '127.0.0.1:8005' }],
  ])('refuses with “%s”', (problem, env) => {
    expect(refusal(env)).toContain(`alertmail: invalid environment: ${problem}`);
  });

  it('names every problem at once', () => {
    expect(refusal({})).toBe(
      'alertmail: invalid environment: ALERTMAIL_SECRETS_BACKEND: required; ALERTMAIL_CONFIG_TABLE: required; ' +
        'ALERTMAIL_STATE_TABLE: required; ALERTMAIL_DELIVERIES_TABLE: required',
    );
    expect(() => readEnv({ ...LOCAL, ALERTMAIL_DATA_DIR: undefined })).toThrow(
      'alertmail: invalid environment: ALERTMAIL_DATA_DIR: required with the file backend',
    );
  });

  it('defaults the repeat interval to the one constant the rest of alertmail uses', () => {
    expect(readEnv(LOCAL).ALERTMAIL_DEFAULT_REPEAT_INTERVAL).toBe(DEFAULT_REPEAT_INTERVAL);
    expect(DEFAULT_REPEAT_INTERVAL_MS).toBe(parseDuration(DEFAULT_REPEAT_INTERVAL));
    expect(DEFAULT_REPEAT_INTERVAL_MS).toBe(12 * 3_600_000);
  });
});
