/**
 * The CDK stack, asserted on its synthesized template. One fully bundled synth (every
 * option on) is shared by the file; the default-context stack skips bundling.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { DELIVERY_FAILED_FILTERS, UNDELIVERABLE_FILTERS } from '../../cdk/alarms';
import { type AlertmailFunction, BUNDLING, chunkReference, LAZY_CHUNKS, lazyChunkCommands } from '../../cdk/function';
import { readSettings } from '../../cdk/settings';
import { AlertmailStack } from '../../cdk/stack';
import { readEnv } from '../../functions/env';
import { ROUTES, routeKey } from '../../functions/routes';

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
  readonly DeletionPolicy?: string;
}

const FULL_CONTEXT: Record<string, unknown> = {
  'alertmail:transport': 'ses',
  'alertmail:sesIdentity': 'alerts.example.com',
  'alertmail:cloudwatchAlarms': true,
  'alertmail:alarmEmail': 'oncall@example.com',
  'alertmail:throttleRate': '20',
  'alertmail:throttleBurst': '40',
};

let webDir: string;
let outDir: string;
let full: { app: App; stack: AlertmailStack; template: Template; resources: Record<string, Resource> };
let plain: { stack: AlertmailStack; template: Template; resources: Record<string, Resource> };

function build(context: Record<string, unknown>, bundle: boolean, outdir?: string) {
  const app = new App({
    outdir,
    // An empty list turns NodejsFunction bundling off (placeholder code), for the fast second stack.
    context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const settings = readSettings((key) => context[key]);
  const stack = new AlertmailStack(app, 'Alertmail', { settings, webAssetsDir: webDir });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return { app, stack, template, resources };
}

function ofType(resources: Record<string, Resource>, type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function props(resource: Resource | undefined): Json {
  if (!resource?.Properties) throw new Error('resource without properties');
  return resource.Properties;
}

function statementsOf(resources: Record<string, Resource>): Json[] {
  const statements: Json[] = [];
  for (const [, policy] of ofType(resources, 'AWS::IAM::Policy')) {
    statements.push(...((props(policy).PolicyDocument as { Statement: Json[] }).Statement ?? []));
  }
  for (const [, role] of ofType(resources, 'AWS::IAM::Role')) {
    for (const inline of (props(role).Policies as Array<{ PolicyDocument: { Statement: Json[] } }> | undefined) ?? []) {
      statements.push(...inline.PolicyDocument.Statement);
    }
  }
  return statements;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Logical ID of an L2 construct's CloudFormation resource. */
function logicalId(stack: AlertmailStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

beforeAll(() => {
  webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmail-web-'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>alertmail</title>');
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmail-cdk-'));
  full = build(FULL_CONTEXT, true, outDir);
  plain = { ...build({ 'alertmail:retainData': false }, false) };
}, 120_000);

afterAll(() => {
  fs.rmSync(webDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
});

describe('HTTP API', () => {
  test('every ROUTES entry is a route integrated with its function, and nothing else is', () => {
    const routes = ofType(full.resources, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => props(route).RouteKey).sort()).toEqual(ROUTES.map(routeKey).sort());

    for (const spec of ROUTES) {
      const found = routes.find(([, route]) => props(route).RouteKey === routeKey(spec));
      const target = JSON.stringify(props(found?.[1]).Target);
      const integrationId = /"Ref":"([^"]+)"/.exec(target)?.[1];
      expect(integrationId).toBeDefined();
      const integration = props(full.resources[integrationId ?? '']);
      expect(integration.IntegrationType).toBe('AWS_PROXY');
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(integration.IntegrationUri).toEqual({
        'Fn::GetAtt': [logicalId(full.stack, full.stack.functions[spec.function].fn), 'Arn'],
      });
      // Authorization happens in the handlers (see cdk/stack.ts), not in API Gateway.
      expect(props(found?.[1]).AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  test('default stage: throttled from context, JSON access logs, no CORS', () => {
    full.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
    // The format joins the stack's name (a deploy-time reference) into the literal JSON.
    const { Format } = props(ofType(full.resources, 'AWS::ApiGatewayV2::Stage')[0]?.[1]).AccessLogSettings as {
      Format: { 'Fn::Join': [string, unknown[]] };
    };
    const format = Format['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : 'StackName'))
      .join(Format['Fn::Join'][0]);
    expect(format).toContain('"status":$context.status');
    expect(() => JSON.parse(format.replace(/\$context\.[A-Za-z.]+/g, '0'))).not.toThrow();
    plain.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    for (const [, api] of ofType(full.resources, 'AWS::ApiGatewayV2::Api')) {
      expect(props(api).CorsConfiguration).toBeUndefined();
    }
  });
});

describe('functions', () => {
  test('nodejs22.x on arm64 with JSON logs into their own log group', () => {
    const functions = ofType(full.resources, 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5); // api, ingest, console, sweeper, cloudwatch ingest
    for (const [, fn] of functions) {
      const p = props(fn);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } });
      expect((p.MemorySize as number) >= 256 && (p.MemorySize as number) <= 512).toBe(true);
    }
  });

  test('handlers, and ingest outlives the 20 s SMTP timeout', () => {
    const fnProps = (key: 'api' | 'ingest' | 'console') =>
      props(full.resources[logicalId(full.stack, full.stack.functions[key].fn)]);
    expect(fnProps('api').Handler).toBe('index.handler');
    expect(fnProps('ingest').Handler).toBe('index.handler');
    expect(fnProps('ingest').Timeout).toBeGreaterThan(20);
    expect(fnProps('console').Handler).toBe('index.handler');
    const cw = full.stack.cloudwatchIngest;
    if (!cw) throw new Error('cloudwatch ingest missing');
    expect(props(full.resources[logicalId(full.stack, cw.fn)]).Handler).toBe('index.cloudwatchHandler');
  });

  test('environment satisfies functions/env.ts', () => {
    for (const [, fn] of ofType(full.resources, 'AWS::Lambda::Function')) {
      const variables = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toMatchObject({
        ALERTMAIL_SECRETS_BACKEND: 'secretsmanager',
        ALERTMAIL_TRANSPORT: 'ses',
        ALERTMAIL_SES_IDENTITY: 'alerts.example.com',
        ALERTMAIL_DEFAULT_REPEAT_INTERVAL: '12h',
        NODE_OPTIONS: '--enable-source-maps',
      });
      // References (table names, secret ARNs) become placeholders; the schema must then accept the set.
      const resolved = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : key.endsWith('_URL') ? 'https://resolved.example/' : `resolved-${key}`,
        ]),
      );
      expect(() => readEnv(resolved)).not.toThrow();
    }
  });

  test('each function asset carries the lazily loaded chunks its index.js refers to, and each loads in Node', () => {
    const assets = fs
      .readdirSync(outDir)
      .filter((name) => name.startsWith('asset.') && fs.existsSync(path.join(outDir, name, 'index.js')));
    const exportsOf = (file: string): string[] =>
      JSON.parse(
        execFileSync(process.execPath, [
          '-e',
          `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(file)}))))`,
        ]).toString(),
      ) as string[];
    const loaded = new Set<string>();
    for (const asset of assets) {
      const code = fs.readFileSync(path.join(outDir, asset, 'index.js'), 'utf8');
      for (const chunk of LAZY_CHUNKS.filter((c) => code.includes(chunkReference(c)))) {
        const file = path.join(outDir, asset, chunk.file);
        expect(fs.existsSync(file)).toBe(true);
        expect(exportsOf(file).length).toBeGreaterThan(0);
        loaded.add(chunk.file);
      }
    }
    // The ingest and api functions refer to every chunk: nodemailer.
    expect([...loaded].sort()).toEqual(LAZY_CHUNKS.map((c) => c.file).sort());
  });

  test('the chunks are built with the bundle externals', () => {
    const commands = lazyChunkCommands('/in', '/out');
    expect(commands).toHaveLength(LAZY_CHUNKS.length);
    for (const command of commands) {
      for (const external of BUNDLING.externalModules) expect(command).toContain(`--external:'${external}'`);
    }
  });

  test('the console bundle carries the built web console', () => {
    const assets = fs.readdirSync(outDir).filter((name) => name.startsWith('asset.'));
    const consoleAsset = assets.find((name) => fs.existsSync(path.join(outDir, name, 'web', 'index.html')));
    expect(consoleAsset).toBeDefined();
    expect(fs.existsSync(path.join(outDir, consoleAsset ?? '', 'index.js'))).toBe(true);
  });
});

describe('data', () => {
  test('tables: keys, TTL, PITR, on-demand, retained and protected by default', () => {
    const tables = ofType(full.resources, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(3);
    for (const [, table] of tables) {
      const p = props(table);
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
    }
    const table = (id: 'configTable' | 'stateTable' | 'deliveriesTable') =>
      props(full.resources[logicalId(full.stack, full.stack[id])]);
    expect(table('configTable').KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table('configTable').TimeToLiveSpecification).toBeUndefined();
    expect(table('stateTable').KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table('stateTable').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table('deliveriesTable').KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table('deliveriesTable').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  test('alertmail:retainData=false: destroyable', () => {
    for (const [, table] of ofType(plain.resources, 'AWS::DynamoDB::Table')) {
      expect(props(table).DeletionProtectionEnabled).toBe(false);
      expect(table.DeletionPolicy).toBe('Delete');
    }
    for (const [, secret] of ofType(plain.resources, 'AWS::SecretsManager::Secret')) {
      expect(secret.DeletionPolicy).toBe('Delete');
    }
  });

  test('no token or password literal in the template', () => {
    const secrets = ofType(full.resources, 'AWS::SecretsManager::Secret');
    for (const [, secret] of secrets) {
      const p = props(secret);
      // A secret's value is generated by Secrets Manager, or assembled from dynamic references: never a string.
      expect(typeof p.SecretString).not.toBe('string');
    }
    const tokens = props(full.resources[logicalId(full.stack, full.stack.tokensSecret)]);
    const [, parts] = (tokens.SecretString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const literal = parts.filter((part): part is string => typeof part === 'string').join('');
    expect(literal).toBe(
      '{"admin":["{{resolve:secretsmanager::SecretString:::}}"],"ingest":["{{resolve:secretsmanager::SecretString:::}}"]}',
    );
    for (const ref of parts.filter((part) => typeof part !== 'string')) {
      const seed = full.resources[(ref as { Ref: string }).Ref];
      expect(props(seed).GenerateSecretString).toMatchObject({ ExcludePunctuation: true, PasswordLength: 48 });
    }
    // Nothing in the whole template looks like a generated credential (long, mixed-case
    // alphanumeric like the 48-character tokens), logical IDs and the statement IDs CDK derives from them aside.
    const json = full.template.toJSON();
    const sids = JSON.stringify(json).match(/(?<="Sid":")[A-Za-z0-9]+/g) ?? [];
    const logicalIds = new Set([...Object.keys(json.Resources ?? {}), ...Object.keys(json.Outputs ?? {}), ...sids]);
    const words = JSON.stringify(json).match(/[A-Za-z0-9]{32,}/g) ?? [];
    const mixed = (word: string) => /[0-9]/.test(word) && /[a-z]/.test(word) && /[A-Z]/.test(word);
    const suspicious = words.filter((word) => mixed(word) && !logicalIds.has(word));
    expect(suspicious).toEqual([]);
  });
});

describe('least privilege', () => {
  test('no IAM statement has a wildcard action or resource', () => {
    const statements = [...statementsOf(full.resources), ...statementsOf(plain.resources)];
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      for (const action of asList(statement.Action)) {
        expect(typeof action === 'string' && !action.includes('*')).toBe(true);
      }
      for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
  });

  test('no managed policies: each role writes to its own log group only', () => {
    for (const [, role] of ofType(full.resources, 'AWS::IAM::Role')) {
      expect(props(role).ManagedPolicyArns).toBeUndefined();
    }
  });

  test('per-function grants', () => {
    const actionsOf = (fn: AlertmailFunction): string[] => {
      const roleId = logicalId(full.stack, fn.role);
      const policies = ofType(full.resources, 'AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(props(p).Roles).includes(roleId),
      );
      return policies
        .flatMap(([, p]) => (props(p).PolicyDocument as { Statement: Json[] }).Statement)
        .flatMap((s) => asList(s.Action) as string[])
        .sort();
    };
    const { api, ingest, console: consoleFn } = full.stack.functions;
    expect(actionsOf(consoleFn)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(actionsOf(api)).toContain('secretsmanager:PutSecretValue');
    expect(actionsOf(ingest)).not.toContain('secretsmanager:PutSecretValue');
    expect(actionsOf(ingest)).toEqual(
      expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'ses:SendRawEmail']),
    );
    const cw = full.stack.cloudwatchIngest;
    if (!cw) throw new Error('cloudwatch ingest missing');
    expect(actionsOf(cw).filter((a) => a === 'secretsmanager:GetSecretValue')).toHaveLength(1); // SMTP only, no tokens
    for (const fn of [api, ingest, consoleFn, cw]) {
      expect(
        actionsOf(fn).filter((a) => a.startsWith('dynamodb:Scan') || a.startsWith('dynamodb:DeleteTable')),
      ).toEqual([]);
    }
  });

  test('SES send is scoped to the identity, and absent with smtp', () => {
    const ses = statementsOf(full.resources).filter((s) => asList(s.Action).some((a) => String(a).startsWith('ses:')));
    expect(ses.length).toBeGreaterThanOrEqual(2);
    for (const statement of ses) {
      expect(statement.Action).toBe('ses:SendRawEmail');
      expect(JSON.stringify(statement.Resource)).toMatch(/:ses:.*:identity\/alerts\.example\.com"/);
      expect(JSON.stringify(statement.Resource)).not.toContain('*');
    }
    const sesPlain = statementsOf(plain.resources).filter((s) =>
      asList(s.Action).some((a) => String(a).startsWith('ses:')),
    );
    expect(sesPlain).toEqual([]);
  });
});

describe('operations', () => {
  test('every log group has a retention', () => {
    const groups = ofType(full.resources, 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(6); // 5 functions + API access logs
    for (const [, group] of groups) expect(props(group).RetentionInDays).toBe(30);
  });

  test('alarms: errors per function, ingest 5xx, delivery failures, CloudWatch failure queues; wired to the alarm topic', () => {
    const alarms = ofType(full.resources, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(5 + 3 + 2);
    for (const [, alarm] of alarms) expect(props(alarm).AlarmActions).toHaveLength(1);
    full.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    for (const filter of DELIVERY_FAILED_FILTERS) {
      full.template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: filter.pattern,
        MetricTransformations: [Match.objectLike({ MetricName: 'DeliveryFailures', MetricNamespace: 'Alertmail' })],
      });
    }
    full.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: Match.stringLikeRegexp('\\$\\.status >= 500.*POST /v1/alerts.*POST /api/v2/alerts'),
    });
    for (const filter of UNDELIVERABLE_FILTERS) {
      full.template.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: filter.pattern,
        MetricTransformations: [
          Match.objectLike({ MetricName: 'UndeliverableDeliveries', MetricNamespace: 'Alertmail' }),
        ],
      });
    }
    expect(ofType(plain.resources, 'AWS::CloudWatch::Alarm')).toHaveLength(4 + 3);
    expect(ofType(plain.resources, 'AWS::SNS::Topic')).toHaveLength(0);
  });

  test('EventBridge rule for CloudWatch alarms only with alertmail:cloudwatchAlarms', () => {
    const cw = full.stack.cloudwatchIngest;
    if (!cw) throw new Error('cloudwatch ingest missing');
    // Beside the sweeper's schedule, in both.
    full.template.resourceCountIs('AWS::Events::Rule', 2);
    full.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(full.stack, cw.fn), 'Arn'] } })],
    });
    plain.template.resourceCountIs('AWS::Events::Rule', 1);
    expect(plain.stack.cloudwatchIngest).toBeUndefined();
  });

  test('the sweeper runs every minute, one at a time, no retries (the next run picks up)', () => {
    const sweeper = plain.stack.sweeper;
    plain.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(plain.stack, sweeper.fn), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    plain.template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.sweepHandler',
      ReservedConcurrentExecutions: 1,
    });
    plain.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'muted-index',
          KeySchema: [
            { AttributeName: 'mutedIndex', KeyType: 'HASH' },
            { AttributeName: 'mutedAt', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
  });

  test('outputs', () => {
    const outputs = Object.keys(full.template.toJSON().Outputs as Json);
    expect(outputs).toEqual(
      expect.arrayContaining(['ApiUrl', 'ConsoleUrl', 'TokensSecretName', 'ReadTokensCommand', 'SmtpSecretName']),
    );
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  test('no unacknowledged finding, with every option on and with defaults', () => {
    for (const stack of [full.stack, plain.stack]) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
        [],
      );
      // cdk-nag 3 reports through the validation plugin, not annotations; none must appear either way.
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    }
  });

  test('registered as a validation plugin, synth succeeds', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new AlertmailStack(app, 'Alertmail', { settings: readSettings(() => undefined), webAssetsDir: webDir });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('context validation', () => {
  const read = (context: Record<string, unknown>) => () => readSettings((key) => context[key]);

  test('defaults', () => {
    expect(readSettings(() => undefined)).toMatchObject({
      transport: 'smtp',
      defaultRepeatInterval: '12h',
      retainData: true,
      cloudwatchAlarms: false,
      throttleRate: 50,
      throttleBurst: 100,
    });
  });

  test.each([
    [{ 'alertmail:transport': 'ses' }, /sesIdentity: required/],
    [{ 'alertmail:transport': 'sendmail' }, /must be smtp or ses/],
    [{ 'alertmail:defaultRepeatInterval': '12 hours' }, /defaultRepeatInterval/],
    [{ 'alertmail:defaultRepeatInterval': '10s' }, /defaultRepeatInterval/],
    [{ 'alertmail:retainData': 'yes' }, /retainData: must be true or false/],
    [{ 'alertmail:throttleRate': '0' }, /throttleRate/],
    [{ 'alertmail:throttleRate': '100', 'alertmail:throttleBurst': '10' }, /throttleBurst \(10\) must be at least/],
    [{ 'alertmail:alarmEmail': 'not-an-address' }, /alarmEmail/],
    [{ 'alertmail:alarmTopicArn': 'arn:aws:sqs:eu-west-1:123456789012:q' }, /alarmTopicArn/],
    [{ 'alertmail:logRetentionDays': 31 }, /logRetentionDays/],
  ])('rejects %j', (context, message) => {
    expect(read(context)).toThrow(message);
  });

  test('context strings from -c are parsed', () => {
    expect(
      readSettings(
        (key) =>
          ({ 'alertmail:cloudwatchAlarms': 'true', 'alertmail:retainData': 'false', 'alertmail:throttleRate': '7' })[
            key
          ],
      ),
    ).toMatchObject({ cloudwatchAlarms: true, retainData: false, throttleRate: 7 });
  });
});
