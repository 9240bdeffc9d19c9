/**
 * What the deployed stack promises about operations, asserted on synthesized templates (no
 * bundling): CloudWatch alarm events are parked rather than dropped, the alarms watch this stack's
 * metrics only and reach someone (or synth says they reach nobody), HTTP functions time out before
 * API Gateway does, and retained data can be adopted by a redeploy.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import {
  DELIVERY_FAILED_FILTERS,
  METRIC_NAMESPACE,
  NO_ALARM_DESTINATION_WARNING,
  STACK_DIMENSION,
} from '../../cdk/alarms';
import { CLOUDWATCH_ASYNC_RETRIES } from '../../cdk/cloudwatch-events';
import { readSettings } from '../../cdk/settings';
import { AlertmailStack } from '../../cdk/stack';
import { ROUTES } from '../../functions/routes';
import { HTTP_FUNCTION_TIMEOUT_SECONDS } from '../../lib/deadlines';
import { jsonLogger, STACK_NAME_ENV } from '../../lib/log';

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties?: Json;
}
interface Synth {
  readonly stack: AlertmailStack;
  readonly template: Template;
  readonly resources: Record<string, Resource>;
}

/** API Gateway HTTP API's integration timeout (seconds): the gateway answers 503 itself after it. */
const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 30;
const ALARM_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:oncall';
/** Names and ARNs of a deployment's retained data, as `cdk destroy` left them. */
const RETAINED = {
  configTable: 'Alertmail-ConfigTable5CD72349-1A2B3C4D5E6F',
  stateTable: 'Alertmail-StateTable9728C7E5-1A2B3C4D5E6F',
  deliveriesTable: 'Alertmail-DeliveriesTable5841210B-1A2B3C4D5E6F',
  smtpSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SmtpPasswordSecret89CE1430-AbCdEf',
  tokensSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:TokensSecret0CEE709D-GhIjKl',
};
const ADOPT_ALL: Record<string, unknown> = {
  'alertmail:adoptConfigTable': RETAINED.configTable,
  'alertmail:adoptStateTable': RETAINED.stateTable,
  'alertmail:adoptDeliveriesTable': RETAINED.deliveriesTable,
  'alertmail:adoptSmtpSecret': RETAINED.smtpSecret,
  'alertmail:adoptTokensSecret': RETAINED.tokensSecret,
};

let webDir: string;
let withQueues: Synth; // cloudwatchAlarms on, alarm email
let defaults: Synth; // no alarm destination
let withTopic: Synth; // an existing alarm topic
let adopted: Synth; // every retained resource adopted, cloudwatchAlarms on

function build(context: Record<string, unknown>): Synth {
  // An empty list turns NodejsFunction bundling off (placeholder code): these tests read the template only.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AlertmailStack(app, 'Alertmail', {
    settings: readSettings((key) => context[key]),
    webAssetsDir: webDir,
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

const ofType = (synth: Synth, type: string): Array<[string, Resource]> =>
  Object.entries(synth.resources).filter(([, resource]) => resource.Type === type);

function props(resource: Resource | undefined): Json {
  if (!resource?.Properties) throw new Error('resource without properties');
  return resource.Properties;
}

const logicalId = (synth: Synth, construct: IConstruct): string =>
  synth.stack.getLogicalId(construct.node.defaultChild as CfnElement);

const arnOf = (synth: Synth, construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(synth, construct), 'Arn'] });

function queuesOf(synth: Synth) {
  const queues = synth.stack.cloudwatchFailureQueues;
  const fn = synth.stack.cloudwatchIngest;
  if (!queues || !fn) throw new Error('alertmail:cloudwatchAlarms is off');
  return { ...queues, fn };
}

/** Every statement of the policies attached to one role. */
function statementsOfRole(synth: Synth, role: IConstruct): Json[] {
  const roleId = logicalId(synth, role);
  return ofType(synth, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(props(policy).Roles).includes(`"${roleId}"`))
    .flatMap(([, policy]) => (props(policy).PolicyDocument as { Statement: Json[] }).Statement);
}

const actionsOf = (statement: Json): string[] =>
  Array.isArray(statement.Action) ? (statement.Action as string[]) : [statement.Action as string];

beforeAll(() => {
  webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmail-web-'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>alertmail</title>');
  withQueues = build({ 'alertmail:cloudwatchAlarms': true, 'alertmail:alarmEmail': 'oncall@example.com' });
  defaults = build({});
  withTopic = build({ 'alertmail:alarmTopicArn': ALARM_TOPIC_ARN });
  adopted = build({ ...ADOPT_ALL, 'alertmail:cloudwatchAlarms': true, 'alertmail:alarmTopicArn': ALARM_TOPIC_ARN });
}, 120_000);

afterAll(() => fs.rmSync(webDir, { recursive: true, force: true }));

describe('CloudWatch alarm events are parked, not dropped', () => {
  test('the function retries asynchronous events twice, keeps them up to 6 h, then sends them to the failure queue', () => {
    const { fn, failedInvocations } = queuesOf(withQueues);
    const configs = ofType(withQueues, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    expect(props(configs[0]?.[1])).toEqual({
      FunctionName: { Ref: logicalId(withQueues, fn.fn) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: CLOUDWATCH_ASYNC_RETRIES,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(withQueues, failedInvocations) } },
    });
    expect(CLOUDWATCH_ASYNC_RETRIES).toBe(2);
  });

  test('the function may send to the failure queue, and nothing else of SQS', () => {
    const { fn, failedInvocations } = queuesOf(withQueues);
    const sqs = statementsOfRole(withQueues, fn.role).filter((s) => actionsOf(s).some((a) => a.startsWith('sqs:')));
    expect(sqs).toEqual([
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(withQueues, failedInvocations) },
    ]);
    for (const other of [withQueues.stack.functions.ingest, withQueues.stack.functions.api]) {
      expect(
        statementsOfRole(withQueues, other.role)
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('sqs:')),
      ).toEqual([]);
    }
  });

  test('events EventBridge cannot hand over go to the target dead-letter queue, which only the rule may send to', () => {
    const { fn, undeliveredEvents } = queuesOf(withQueues);
    const [[ruleId, rule] = ['', undefined]] = ofType(withQueues, 'AWS::Events::Rule').filter(
      ([, r]) => props(r).EventPattern !== undefined,
    );
    expect(props(rule).Targets).toEqual([
      expect.objectContaining({
        Arn: arnOf(withQueues, fn.fn),
        DeadLetterConfig: { Arn: arnOf(withQueues, undeliveredEvents) },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      }),
    ]);
    withQueues.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(withQueues, undeliveredEvents) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  test('both queues: encrypted, TLS only, messages kept 14 days', () => {
    const { failedInvocations, undeliveredEvents } = queuesOf(withQueues);
    expect(ofType(withQueues, 'AWS::SQS::Queue')).toHaveLength(2);
    for (const queue of [failedInvocations, undeliveredEvents]) {
      expect(props(withQueues.resources[logicalId(withQueues, queue)])).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      withQueues.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId(withQueues, queue) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('an alarm on each queue fires on the first waiting message, and notifies the alarm topic', () => {
    const { failedInvocations, undeliveredEvents } = queuesOf(withQueues);
    const topicRef = { Ref: logicalId(withQueues, withQueues.stack.node.findChild('AlarmTopic')) };
    for (const queue of [failedInvocations, undeliveredEvents]) {
      withQueues.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(withQueues, queue), 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef],
      });
    }
  });

  test('outputs name the function and the queues the README redrive needs', () => {
    const { fn, failedInvocations, undeliveredEvents } = queuesOf(withQueues);
    const outputs = withQueues.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.CloudWatchIngestFunctionName?.Value).toEqual({ Ref: logicalId(withQueues, fn.fn) });
    expect(outputs.CloudWatchFailedInvocationsQueueUrl?.Value).toEqual({
      Ref: logicalId(withQueues, failedInvocations),
    });
    expect(outputs.CloudWatchUndeliveredEventsQueueUrl?.Value).toEqual({
      Ref: logicalId(withQueues, undeliveredEvents),
    });
  });

  test('without alertmail:cloudwatchAlarms: no queue, no invoke configuration, no redrive outputs', () => {
    expect(ofType(defaults, 'AWS::SQS::Queue')).toEqual([]);
    expect(ofType(defaults, 'AWS::Lambda::EventInvokeConfig')).toEqual([]);
    expect(Object.keys(defaults.template.toJSON().Outputs as Json).filter((k) => k.startsWith('CloudWatch'))).toEqual(
      [],
    );
  });
});

describe("alarms watch this stack's metrics only", () => {
  const stackName = { Ref: 'AWS::StackName' };

  test('every function logs with the stack name, and the access log carries it as "stack"', () => {
    for (const synth of [withQueues, defaults]) {
      for (const [, fn] of ofType(synth, 'AWS::Lambda::Function')) {
        expect((props(fn).Environment as { Variables: Json }).Variables[STACK_NAME_ENV]).toEqual(stackName);
      }
    }
    const [[, stage] = ['', undefined]] = ofType(withQueues, 'AWS::ApiGatewayV2::Stage');
    const format = (props(stage).AccessLogSettings as { Format: { 'Fn::Join': [string, unknown[]] } }).Format;
    const [separator, parts] = format['Fn::Join'];
    expect(separator).toBe('');
    const at = parts.findIndex((part) => JSON.stringify(part) === JSON.stringify(stackName));
    expect(parts[at - 1]).toMatch(/,"stack":"$/);
    expect(parts[at + 1]).toMatch(/^"}$/);
  });

  test('the metric filters take the Stack dimension from the stack field of the line they match', () => {
    const filters = ofType(withQueues, 'AWS::Logs::MetricFilter').map(([, filter]) => props(filter));
    // Ingest5xx from the access log; DeliveryFailures and UndeliverableDeliveries, raw and Lambda-wrapped,
    // from ingest, the sweeper and CloudWatch ingest.
    expect(filters).toHaveLength(1 + 2 * 2 * 3);
    for (const filter of filters) {
      const [transformation] = filter.MetricTransformations as Json[];
      expect(transformation?.MetricNamespace).toBe(METRIC_NAMESPACE);
      expect(transformation?.DefaultValue).toBeUndefined(); // CloudWatch refuses a default with dimensions
      const wrapped = String(filter.FilterPattern).includes('$.message.');
      expect(transformation?.Dimensions).toEqual([
        { Key: STACK_DIMENSION, Value: wrapped ? '$.message.stack' : '$.stack' },
      ]);
    }
    expect(filters.filter((f) => (f.MetricTransformations as Json[])[0]?.MetricName === 'Ingest5xx')).toHaveLength(1);
  });

  test('the Ingest5xx, DeliveryFailures and UndeliverableDeliveries alarms watch the metric of this stack', () => {
    for (const metricName of ['Ingest5xx', 'DeliveryFailures', 'UndeliverableDeliveries']) {
      const alarms = ofType(withQueues, 'AWS::CloudWatch::Alarm').filter(([, a]) => props(a).MetricName === metricName);
      expect(alarms.map(([, alarm]) => props(alarm))).toEqual([
        expect.objectContaining({
          Namespace: METRIC_NAMESPACE,
          Dimensions: [{ Name: STACK_DIMENSION, Value: stackName }],
        }),
      ]);
    }
  });

  test.each([
    ['as written', (line: string) => JSON.parse(line) as Json],
    // Lambda's JSON log format puts a line it does not format itself under `message`.
    ['wrapped by Lambda', (line: string) => ({ timestamp: 't', level: 'INFO', message: JSON.parse(line) }) as Json],
  ])('a failed-delivery line %s matches one filter, whose selector yields the stack name', (_shape, asLogged) => {
    const lines: string[] = [];
    jsonLogger((line) => lines.push(line), 'Alertmail-Staging').error('delivery failed', {
      outcome: 'failed',
      stack: 'not-this-one', // a caller's field cannot replace the stack's name
    });
    const event = asLogged(lines[0] ?? '');
    const select = (selector: string): unknown =>
      selector
        .replace(/^\$\./, '')
        .split('.')
        .reduce<unknown>((value, key) => (value as Json | undefined)?.[key], event);
    const matching = DELIVERY_FAILED_FILTERS.filter((filter) => {
      const field = /\{ (\$\.[a-z.]+) = "failed" \}/.exec(filter.pattern)?.[1] ?? '';
      return select(field) === 'failed';
    });
    expect(matching).toHaveLength(1);
    expect(select(matching[0]?.stackSelector ?? '')).toBe('Alertmail-Staging');
  });

  test('the logger takes the stack name from the environment the stack sets, and adds nothing without it', () => {
    const lines: string[] = [];
    const saved = process.env[STACK_NAME_ENV];
    try {
      process.env[STACK_NAME_ENV] = 'Alertmail-Prod';
      jsonLogger((line) => lines.push(line)).info('cold start');
      delete process.env[STACK_NAME_ENV];
      jsonLogger((line) => lines.push(line)).info('local');
    } finally {
      if (saved === undefined) delete process.env[STACK_NAME_ENV];
      else process.env[STACK_NAME_ENV] = saved;
    }
    expect(lines.map((line) => (JSON.parse(line) as Json).stack)).toEqual(['Alertmail-Prod', undefined]);
  });
});

describe('alarms reach someone', () => {
  const warningsOf = (synth: Synth) =>
    Annotations.fromStack(synth.stack).findWarning('*', Match.stringLikeRegexp('notify nobody'));

  test('without an alarm destination synth warns, naming both keys', () => {
    const warnings = warningsOf(defaults);
    expect(warnings).toHaveLength(1);
    const text = JSON.stringify(warnings[0]?.entry.data);
    expect(text).toContain('alertmail:alarmEmail');
    expect(text).toContain('alertmail:alarmTopicArn');
    expect(text).toContain(`[ack: ${NO_ALARM_DESTINATION_WARNING}]`);
    for (const [, alarm] of ofType(defaults, 'AWS::CloudWatch::Alarm'))
      expect(props(alarm).AlarmActions).toBeUndefined();
  });

  test('with an alarm email or an alarm topic: no warning, and every alarm notifies it', () => {
    expect(warningsOf(withQueues)).toEqual([]);
    expect(warningsOf(withTopic)).toEqual([]);
    const alarms = ofType(withTopic, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) {
      expect(props(alarm).AlarmActions).toEqual([ALARM_TOPIC_ARN]);
      expect(props(alarm).OKActions).toEqual([ALARM_TOPIC_ARN]);
    }
  });
});

describe('timeouts in the right order', () => {
  test('every function behind an HTTP route times out before API Gateway answers for it', () => {
    expect(HTTP_FUNCTION_TIMEOUT_SECONDS).toBeLessThan(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS);
    const integrated = ofType(withQueues, 'AWS::ApiGatewayV2::Integration').map(
      ([, integration]) => (props(integration).IntegrationUri as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
    );
    expect(new Set(integrated).size).toBe(new Set(ROUTES.map((route) => route.function)).size);
    for (const functionId of integrated) {
      const timeout = props(withQueues.resources[functionId]).Timeout as number;
      expect(timeout).toBeLessThanOrEqual(HTTP_FUNCTION_TIMEOUT_SECONDS);
      expect(timeout).toBeLessThan(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS);
    }
    const timeoutOf = (fn: IConstruct) => props(withQueues.resources[logicalId(withQueues, fn)]).Timeout;
    expect(timeoutOf(withQueues.stack.functions.ingest.fn)).toBe(HTTP_FUNCTION_TIMEOUT_SECONDS);
    expect(timeoutOf(withQueues.stack.functions.api.fn)).toBe(HTTP_FUNCTION_TIMEOUT_SECONDS);
  });

  test('the CloudWatch function, behind no route, has the longer budget of an asynchronous invocation', () => {
    const { fn } = queuesOf(withQueues);
    expect(props(withQueues.resources[logicalId(withQueues, fn.fn)]).Timeout).toBeGreaterThan(
      HTTP_FUNCTION_TIMEOUT_SECONDS,
    );
  });
});

describe('a redeploy after cdk destroy adopts the retained data', () => {
  const tableArn = (name: string) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':dynamodb:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:table/${name}`,
      ],
    ],
  });

  const indexArn = (name: string, index: string) => tableArn(`${name}/index/${index}`);

  test('no table and no secret is created; no new tokens', () => {
    expect(ofType(adopted, 'AWS::DynamoDB::Table')).toEqual([]);
    expect(ofType(adopted, 'AWS::SecretsManager::Secret')).toEqual([]);
  });

  test("the functions' environment names the adopted tables and secrets", () => {
    for (const [, fn] of ofType(adopted, 'AWS::Lambda::Function')) {
      expect((props(fn).Environment as { Variables: Json }).Variables).toMatchObject({
        ALERTMAIL_CONFIG_TABLE: RETAINED.configTable,
        ALERTMAIL_STATE_TABLE: RETAINED.stateTable,
        ALERTMAIL_DELIVERIES_TABLE: RETAINED.deliveriesTable,
        ALERTMAIL_SMTP_SECRET_ID: RETAINED.smtpSecret,
        ALERTMAIL_TOKENS_SECRET_ID: RETAINED.tokensSecret,
      });
    }
  });

  test('the grants name exactly the adopted resources, with the same actions as created ones', () => {
    const grantsOf = (synth: Synth, fn: { role: IConstruct }) =>
      statementsOfRole(synth, fn.role)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:') || a.startsWith('secretsmanager:')))
        .map((s) => ({ actions: actionsOf(s), resource: JSON.stringify(s.Resource) }));
    const created = withQueues.stack;
    const adoptedStack = adopted.stack;
    const resourceName = new Map<string, string>([
      [JSON.stringify(arnOf(withQueues, created.configTable)), JSON.stringify(tableArn(RETAINED.configTable))],
      [JSON.stringify(arnOf(withQueues, created.stateTable)), JSON.stringify(tableArn(RETAINED.stateTable))],
      [JSON.stringify(arnOf(withQueues, created.deliveriesTable)), JSON.stringify(tableArn(RETAINED.deliveriesTable))],
      [
        JSON.stringify({ 'Fn::Join': ['', [arnOf(withQueues, created.stateTable), '/index/muted-index']] }),
        JSON.stringify(indexArn(RETAINED.stateTable, 'muted-index')),
      ],
      [JSON.stringify({ Ref: logicalId(withQueues, created.smtpSecret) }), JSON.stringify(RETAINED.smtpSecret)],
      [JSON.stringify({ Ref: logicalId(withQueues, created.tokensSecret) }), JSON.stringify(RETAINED.tokensSecret)],
    ]);
    const pairs = [
      [created.functions.api, adoptedStack.functions.api],
      [created.functions.ingest, adoptedStack.functions.ingest],
      [created.sweeper, adoptedStack.sweeper],
      [created.cloudwatchIngest, adoptedStack.cloudwatchIngest],
    ] as const;
    for (const [createdFn, adoptedFn] of pairs) {
      if (!createdFn || !adoptedFn) throw new Error('function missing');
      const expected = grantsOf(withQueues, createdFn).map((g) => ({
        actions: g.actions,
        resource: resourceName.get(g.resource) ?? `unmapped ${g.resource}`,
      }));
      expect(expected.length).toBeGreaterThan(0);
      expect(grantsOf(adopted, adoptedFn)).toEqual(expected);
    }
  });

  test('partial adoption: only the named resource is adopted, the others are created', () => {
    const synth = build({ 'alertmail:adoptConfigTable': RETAINED.configTable });
    expect(ofType(synth, 'AWS::DynamoDB::Table')).toHaveLength(2);
    expect(ofType(synth, 'AWS::SecretsManager::Secret')).toHaveLength(4); // SMTP, tokens, two token seeds
    expect(synth.stack.configTable.tableName).toBe(RETAINED.configTable);
  });

  test('the AdoptDataContext output lists every adopt key with the resource this deployment uses', () => {
    const outputs = withQueues.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const value = JSON.stringify(outputs.AdoptDataContext?.Value);
    for (const key of Object.keys(ADOPT_ALL)) expect(value).toContain(`-c ${key}=`);
    expect(value).toContain(JSON.stringify({ Ref: logicalId(withQueues, withQueues.stack.configTable) }));
    expect(value).toContain(JSON.stringify({ Ref: logicalId(withQueues, withQueues.stack.tokensSecret) }));
    const adoptedValue = JSON.stringify((adopted.template.toJSON().Outputs as Json).AdoptDataContext);
    expect(adoptedValue).toContain(`-c alertmail:adoptTokensSecret=${RETAINED.tokensSecret}`);
  });

  test('cdk-nag finds nothing unacknowledged with adopted data and the failure queues', () => {
    for (const synth of [adopted, withQueues, defaults]) {
      const report = new AwsSolutionsChecks().validateScope(synth.stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
        [],
      );
    }
  });

  test.each([
    [
      { 'alertmail:adoptConfigTable': 'arn:aws:dynamodb:eu-west-1:123456789012:table/x' },
      /adoptConfigTable: must be a DynamoDB table name/,
    ],
    [{ 'alertmail:adoptStateTable': 'ab' }, /adoptStateTable: must be a DynamoDB table name/],
    [
      { 'alertmail:adoptConfigTable': RETAINED.configTable, 'alertmail:adoptDeliveriesTable': RETAINED.configTable },
      /each must name a different table/,
    ],
    [{ 'alertmail:adoptSmtpSecret': 'SmtpPasswordSecret89CE1430' }, /adoptSmtpSecret: must be a secret's complete ARN/],
    [
      { 'alertmail:adoptTokensSecret': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:TokensSecret0CEE709D' },
      /adoptTokensSecret: must be a secret's complete ARN/,
    ],
    [
      { 'alertmail:adoptSmtpSecret': RETAINED.smtpSecret, 'alertmail:adoptTokensSecret': RETAINED.smtpSecret },
      /must be different secrets/,
    ],
  ])('refuses %j', (context, message) => {
    expect(() => readSettings((key) => (context as Record<string, unknown>)[key])).toThrow(message);
  });

  test('accepts names and complete ARNs', () => {
    expect(readSettings((key) => ADOPT_ALL[key])).toMatchObject({
      adoptConfigTable: RETAINED.configTable,
      adoptSmtpSecret: RETAINED.smtpSecret,
      adoptTokensSecret: RETAINED.tokensSecret,
    });
  });
});
