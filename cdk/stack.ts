/**
 * The AWS deployment of alertmail: an HTTP API whose routes come from functions/routes.ts,
 * one Lambda per concern, three DynamoDB tables, the secrets, least-privilege roles,
 * throttling, access logs and alarms.
 *
 * No API Gateway authorizer, on purpose: every handler checks the bearer token itself
 * against the role ROUTES gives its route (tokens from Secrets Manager, cached briefly),
 * exactly as the local runtime does. One check in one place keeps the two runtimes
 * identical, avoids an extra Lambda invocation (and its cold start) per request, and a
 * route cannot lose its protection through a gap between an authorizer and the table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { type FunctionName, ROUTES, routeKey } from '../functions/routes';
import { MUTED_INDEX } from '../lib/adapters/dynamodb/dynamo-items';
import { STACK_NAME_ENV } from '../lib/log';
import { addAlarms } from './alarms';
import { type CloudWatchFailureQueues, cloudwatchFailureQueues } from './cloudwatch-events';
import { type AlertmailData, alertmailData } from './data';
import { AlertmailFunction, type DynamoDbAction, REPO_ROOT, Timeouts } from './function';
import { type AlertmailSettings, CONTEXT_KEYS } from './settings';

export interface AlertmailStackProps extends StackProps {
  readonly settings: AlertmailSettings;
  /**
   * The built web console (`npm run build:web`), copied into the console bundle as `web/`.
   * @default `<repo>/web/dist`
   */
  readonly webAssetsDir?: string;
}

const INGEST_ROUTE_KEYS = ROUTES.filter((route) => route.function === 'ingest').map(routeKey);

export class AlertmailStack extends Stack {
  readonly functions: Readonly<Record<FunctionName, AlertmailFunction>>;
  readonly cloudwatchIngest?: AlertmailFunction;
  /** Mails held alerts when their mute ends, on a schedule. */
  readonly sweeper: AlertmailFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly configTable: ITable;
  readonly stateTable: ITable;
  readonly deliveriesTable: ITable;
  readonly smtpSecret: ISecret;
  readonly tokensSecret: ISecret;
  /** With alertmail:cloudwatchAlarms: where CloudWatch alarm events that could not be processed wait. */
  readonly cloudwatchFailureQueues?: CloudWatchFailureQueues;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: AlertmailStackProps) {
    super(scope, id, {
      description: 'alertmail: alert notifications by email (HTTP API, Lambda, DynamoDB, Secrets Manager)',
      ...props,
    });
    const { settings } = props;
    const dataRemoval = settings.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = settings.logRetentionDays as RetentionDays;

    const webAssetsDir = props.webAssetsDir ?? path.join(REPO_ROOT, 'web', 'dist');
    if (!fs.existsSync(path.join(webAssetsDir, 'index.html'))) {
      throw new Error(
        `alertmail: the web console is not built (${path.join(webAssetsDir, 'index.html')} is missing): run \`npm run build:web\` before \`cdk synth\`/\`cdk deploy\``,
      );
    }

    // ------------------------------------------------ data (cdk/data.ts)
    const data = alertmailData(this, settings);
    this.configTable = data.configTable;
    this.stateTable = data.stateTable;
    this.deliveriesTable = data.deliveriesTable;
    this.smtpSecret = data.smtpSecret;
    this.tokensSecret = data.tokensSecret;

    // ----------------------------------------------------------- functions
    const environment: Record<string, string> = {
      ALERTMAIL_CONFIG_TABLE: this.configTable.tableName,
      ALERTMAIL_STATE_TABLE: this.stateTable.tableName,
      ALERTMAIL_DELIVERIES_TABLE: this.deliveriesTable.tableName,
      ALERTMAIL_SECRETS_BACKEND: 'secretsmanager',
      ALERTMAIL_SMTP_SECRET_ID: this.smtpSecret.secretArn,
      ALERTMAIL_TOKENS_SECRET_ID: this.tokensSecret.secretArn,
      ALERTMAIL_TRANSPORT: settings.transport,
      ALERTMAIL_DEFAULT_REPEAT_INTERVAL: settings.defaultRepeatInterval,
      ...(settings.sesIdentity ? { ALERTMAIL_SES_IDENTITY: settings.sesIdentity } : {}),
      // Every log line's `stack` field (lib/log.ts): the metrics' Stack dimension (cdk/alarms.ts).
      [STACK_NAME_ENV]: Aws.STACK_NAME,
    };
    const common = { environment, logRetention, logRemovalPolicy: dataRemoval };

    const api = new AlertmailFunction(this, 'ApiFunction', {
      ...common,
      entry: 'functions/api.ts',
      description: 'alertmail config API, deliveries, test message, /healthz, OpenAPI',
      memorySize: 384,
      timeout: Timeouts.api,
    });
    const ingest = new AlertmailFunction(this, 'IngestFunction', {
      ...common,
      entry: 'functions/ingest.ts',
      description: 'alertmail ingest: Alertmanager, Prometheus, Grafana and generic alerts over HTTPS',
      memorySize: 512,
      timeout: Timeouts.ingest,
    });
    const consoleFn = new AlertmailFunction(this, 'ConsoleFunction', {
      ...common,
      entry: 'functions/console.ts',
      description: 'alertmail web console (static files; the page calls the API with a token)',
      memorySize: 256,
      timeout: Timeouts.console,
      afterBundling: (outputDir) => [`cp -R "${webAssetsDir}" "${path.join(outputDir, 'web')}"`],
    });
    this.functions = { api, ingest, console: consoleFn };

    // Grants, function by function: each action is a command the adapters in lib/adapters/dynamodb and
    // lib/adapters/secrets-manager send (lib/adapters/dynamodb/dynamo-*.ts, lib/adapters/secrets-manager/secrets-manager-store.ts), nothing more.
    // api: config read/write (load, conditional save), deliveries list + test-message record,
    // SMTP password write (and read for a test message with the saved server), tokens read.
    // The state table's name is in its environment (validated at cold start) but it gets no access.
    // Templates (lib/adapters/dynamodb/dynamo-template-store.ts) are config-table items, written and deleted in a
    // transaction with the index of their names (TransactWriteItems: Put / Delete, and Update of the index).
    api.grantTable(
      this.configTable,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
    );
    api.grantTable(this.deliveriesTable, 'dynamodb:Query', 'dynamodb:PutItem');
    api.grantSecretRead(this.smtpSecret);
    api.grantSecretWrite(this.smtpSecret);
    api.grantSecretRead(this.tokensSecret);
    // ingest: config and states read together in one BatchGetItem (lib/adapters/dynamodb/dynamo-ingest-snapshot.ts;
    // the config, silences and mute windows alone in their own BatchGetItem beside the states of a batch over 97 keys), states claimed with
    // conditional PutItem / UpdateItem (one each, or a transaction of them), marked sent / released with
    // UpdateItem / DeleteItem, cleared in batches; one delivery record per batch.
    // test/integration/iam-contract.test.ts checks these against the calls the bundled functions make.
    const grantIngest = (fn: AlertmailFunction, readsTokens: boolean, configReads: DynamoDbAction[]): void => {
      fn.grantTable(this.configTable, ...configReads);
      fn.grantTable(
        this.stateTable,
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      );
      fn.grantTable(this.deliveriesTable, 'dynamodb:PutItem');
      fn.grantSecretRead(this.smtpSecret);
      if (readsTokens) fn.grantSecretRead(this.tokensSecret);
    };
    // GetItem: the mail's template, read only when a mail is due.
    grantIngest(ingest, true, ['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    // console: serves files from its bundle and touches nothing else.
    if (settings.transport === 'ses' && settings.sesIdentity) {
      api.grantSendAs(settings.sesIdentity);
      ingest.grantSendAs(settings.sesIdentity);
    }

    // sweeper: mails held alerts when their mute ends (lib/usecases/sweeper.ts), every minute, one run at a
    // time (reserved concurrency 1; overlapping runs still send once: the claims). Reads the documents
    // (BatchGetItem) and its bookmark (GetItem, PutItem), the held alerts through the state table's index
    // (Query), claims / completes / restores them as the ingest does, records deliveries.
    const sweeper = new AlertmailFunction(this, 'SweeperFunction', {
      ...common,
      entry: 'functions/ingest.ts',
      handler: 'sweepHandler',
      description: 'alertmail sweeper: mails held alerts still firing when their silence or mute window ends',
      memorySize: 512,
      timeout: Timeouts.sweeper,
      reservedConcurrentExecutions: 1,
    });
    sweeper.grantTable(this.configTable, 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem');
    // Claims (PutItem, in transactions of them), marked sent (BatchWriteItem), given back (DeleteItem, or
    // UpdateItem keeping who has a partly delivered mail), held alerts forgotten (DeleteItem) or restored (PutItem).
    sweeper.grantTable(
      this.stateTable,
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    );
    sweeper.grantTable(this.deliveriesTable, 'dynamodb:PutItem');
    sweeper.grantSecretRead(this.smtpSecret);
    sweeper.grantIndex(this.stateTable, MUTED_INDEX, 'dynamodb:Query');
    if (settings.transport === 'ses' && settings.sesIdentity) sweeper.grantSendAs(settings.sesIdentity);
    new Rule(this, 'SweeperSchedule', {
      description: 'alertmail sweeper, every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      // A failed run is not retried: the next minute's run starts where the bookmark is.
      targets: [new LambdaFunction(sweeper.fn, { retryAttempts: 0 })],
    });
    this.sweeper = sweeper;
    // api: `GET /v1/deliveries?held=true` lists the held alerts through the same index.
    api.grantIndex(this.stateTable, MUTED_INDEX, 'dynamodb:Query');

    // ------------------------------------------------------------ HTTP API
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: dataRemoval });
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${this.stackName}-alertmail`,
      description: 'alertmail HTTP API (routes from functions/routes.ts)',
      createDefaultStage: false,
      // No corsPreflight: the console is served from this same origin.
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRate, burstLimit: settings.throttleBurst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // Numbers unquoted so metric filters can compare them (`$.status >= 500`); `stack` is the
        // Ingest5xx metric's Stack dimension (cdk/alarms.ts).
        format: AccessLogFormat.custom(
          `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","path":"$context.path","status":$context.status,"protocol":"$context.protocol","responseLength":"$context.responseLength","latencyMs":$context.responseLatency,"integrationLatencyMs":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage","userAgent":"$context.identity.userAgent","stack":"${Aws.STACK_NAME}"}`,
        ),
      },
    });
    const integrations: Record<FunctionName, HttpLambdaIntegration> = {
      api: new HttpLambdaIntegration('ApiIntegration', api.fn),
      ingest: new HttpLambdaIntegration('IngestIntegration', ingest.fn),
      console: new HttpLambdaIntegration('ConsoleIntegration', consoleFn.fn),
    };
    for (const route of ROUTES) {
      const httpRoute = new HttpRoute(this, `Route ${routeKey(route)}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: integrations[route.function],
      });
      Validations.of(httpRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          route.role === null
            ? 'Public by design (functions/routes.ts role null): liveness, OpenAPI or the console page, which asks for a token.'
            : `Authorized inside the ${route.function} function: it checks the bearer token's role (${route.role}) from functions/routes.ts before anything else.`,
      });
    }

    // The mails link to the console ("Silence this", the footer): the API's own URL. No cycle: the
    // functions' environment refers to the API, the API's routes to the functions.
    const consoleUrl = this.stage.url;
    for (const fn of [api, ingest]) fn.fn.addEnvironment('ALERTMAIL_CONSOLE_URL', consoleUrl);

    // ------------------------------------------- CloudWatch alarms (opt-in)
    if (settings.cloudwatchAlarms) {
      // Same code as ingest, other export. No tokens: EventBridge events are trusted by the rule itself.
      const cwIngest = new AlertmailFunction(this, 'CloudWatchIngestFunction', {
        ...common,
        entry: 'functions/ingest.ts',
        handler: 'cloudwatchHandler',
        description: 'alertmail ingest: CloudWatch alarm state changes from EventBridge',
        memorySize: 512,
        timeout: Timeouts.cloudwatchIngest,
      });
      // One alarm per event: the config is always read with its state, never alone; a template with a mail.
      grantIngest(cwIngest, false, ['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
      cwIngest.fn.addEnvironment('ALERTMAIL_CONSOLE_URL', consoleUrl);
      if (settings.transport === 'ses' && settings.sesIdentity) cwIngest.grantSendAs(settings.sesIdentity);
      // A failed send throws (the claim released): Lambda retries it, then parks the event in a
      // failure queue for the README's redrive; the rule's own retries only cover handing it over.
      const failures = cloudwatchFailureQueues(this, cwIngest);
      new Rule(this, 'CloudWatchAlarmRule', {
        description: 'CloudWatch alarm state changes to alertmail',
        eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] },
        targets: [
          new LambdaFunction(cwIngest.fn, {
            retryAttempts: 8,
            maxEventAge: Duration.hours(2),
            deadLetterQueue: failures.undeliveredEvents,
          }),
        ],
      });
      this.cloudwatchFailureQueues = failures;
      this.cloudwatchIngest = cwIngest;
    }

    // ------------------------------------------------ alarms (cdk/alarms.ts)
    const cw = this.cloudwatchIngest ? ([['CloudWatchIngest', this.cloudwatchIngest]] as const) : [];
    const queues = this.cloudwatchFailureQueues;
    this.alarms = addAlarms(this, {
      settings,
      functions: [['Api', api], ['Ingest', ingest], ['Console', consoleFn], ['Sweeper', sweeper], ...cw],
      deliveringFunctions: [['Ingest', ingest], ['Sweeper', sweeper], ...cw],
      accessLogs,
      ingestRouteKeys: INGEST_ROUTE_KEYS,
      failureQueues: queues
        ? [
            [
              'CloudWatchFailedInvocations',
              queues.failedInvocations,
              'alertmail: CloudWatch alarm events failed in the function after its retries (mail server down?); they wait in the queue: fix the cause, then redrive (README)',
            ],
            [
              'CloudWatchUndeliveredEvents',
              queues.undeliveredEvents,
              'alertmail: EventBridge could not hand CloudWatch alarm events to the function; they wait in the queue: redrive them (README)',
            ],
          ]
        : [],
    });

    // -------------------------------------------------------------- outputs
    const url = this.stage.url; // ends with '/'
    new CfnOutput(this, 'ApiUrl', { value: url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'ConsoleUrl', { value: url, description: 'Web console (asks for the admin token)' });
    new CfnOutput(this, 'AlertsUrl', {
      value: `${url}v1/alerts`,
      description: 'Alertmanager webhook_configs url (Bearer ingest token)',
    });
    new CfnOutput(this, 'TokensSecretName', {
      value: this.tokensSecret.secretName,
      description: 'Secrets Manager secret with the admin and ingest bearer tokens',
    });
    new CfnOutput(this, 'ReadTokensCommand', {
      value: Fn.join('', [
        'aws secretsmanager get-secret-value --region ',
        this.region,
        ' --secret-id ',
        this.tokensSecret.secretArn,
        ' --query SecretString --output text',
      ]),
      description: 'Prints {"admin":[...],"ingest":[...]}',
    });
    new CfnOutput(this, 'SmtpSecretName', {
      value: this.smtpSecret.secretName,
      description:
        'Secrets Manager secret with the SMTP password (set it through the console or PUT /v1/config/server)',
    });

    // What a redeploy after `cdk destroy` needs to adopt the retained data (README, Tear down).
    const adoptKeys: Array<[string, string]> = [
      [CONTEXT_KEYS.adoptConfigTable, this.configTable.tableName],
      [CONTEXT_KEYS.adoptStateTable, this.stateTable.tableName],
      [CONTEXT_KEYS.adoptDeliveriesTable, this.deliveriesTable.tableName],
      [CONTEXT_KEYS.adoptSmtpSecret, this.smtpSecret.secretArn],
      [CONTEXT_KEYS.adoptTokensSecret, this.tokensSecret.secretArn],
    ];
    new CfnOutput(this, 'AdoptDataContext', {
      value: Fn.join(
        ' ',
        adoptKeys.map(([key, value]) => Fn.join('', ['-c ', key, '=', value])),
      ),
      description:
        'Context for a redeploy after cdk destroy that keeps the retained tables, secrets and tokens: npx cdk deploy <this>',
    });
    if (this.cloudwatchIngest && this.cloudwatchFailureQueues) {
      new CfnOutput(this, 'CloudWatchIngestFunctionName', {
        value: this.cloudwatchIngest.fn.functionName,
        description: 'Function the CloudWatch alarm events are redriven to (README: redrive)',
      });
      new CfnOutput(this, 'CloudWatchFailedInvocationsQueueUrl', {
        value: this.cloudwatchFailureQueues.failedInvocations.queueUrl,
        description: 'CloudWatch alarm events the function failed on after its retries (README: redrive)',
      });
      new CfnOutput(this, 'CloudWatchUndeliveredEventsQueueUrl', {
        value: this.cloudwatchFailureQueues.undeliveredEvents.queueUrl,
        description: 'CloudWatch alarm events EventBridge could not hand to the function (README: redrive)',
      });
    }

    this.acknowledgeFindings(data);
  }

  /** cdk-nag findings accepted on purpose, each on the construct it concerns. */
  private acknowledgeFindings(data: AlertmailData): void {
    const rotation = (secret: Secret, reason: string): void =>
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
    if (data.createdSecrets.smtp) {
      rotation(
        data.createdSecrets.smtp,
        'The SMTP password belongs to the mail provider: the admin changes it there and stores it with PUT /v1/config/server; a rotation Lambda could not change it at the provider.',
      );
    }
    if (data.createdSecrets.tokens) {
      rotation(
        data.createdSecrets.tokens,
        'Bearer tokens are rotated by the operator (put-secret-value with old and new token side by side, then the new one alone, see README), because every Alertmanager and Prometheus must be reconfigured in between; automatic rotation would cut them off.',
      );
    }
    for (const seed of data.tokenSeeds) {
      rotation(
        seed,
        'Read once by CloudFormation when the tokens secret is created; never read at run time, so rotating it would change nothing.',
      );
    }
    for (const fn of [
      ...Object.values(this.functions),
      this.sweeper,
      ...(this.cloudwatchIngest ? [this.cloudwatchIngest] : []),
    ]) {
      Validations.of(fn.fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the bundle targets node22 and the project is tested on Node 22; moving runtime is a tested change, not a drift.',
      });
    }
  }
}
