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
import { CfnOutput, Duration, Fn, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
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
import { Alarm, ComparisonOperator, type IAlarmAction, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterPattern, LogGroup, MetricFilter, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { type FunctionName, ROUTES, routeKey } from '../functions/routes';
import { AlertmailFunction, type DynamoDbAction, REPO_ROOT, Timeouts } from './function';
import type { AlertmailSettings } from './settings';

export interface AlertmailStackProps extends StackProps {
  readonly settings: AlertmailSettings;
  /**
   * The built web console (`npm run build:web`), copied into the console bundle as `web/`.
   * @default `<repo>/web/dist`
   */
  readonly webAssetsDir?: string;
}

/** Namespace of the metrics alertmail derives from its own logs. */
export const METRIC_NAMESPACE = 'Alertmail';

/** The ingest's failed-delivery log line, whether written raw or wrapped by Lambda's JSON log format (`message`). */
export const DELIVERY_FAILED_PATTERN = '{ ($.outcome = "failed") || ($.message.outcome = "failed") }';

const INGEST_ROUTE_KEYS = ROUTES.filter((route) => route.function === 'ingest').map(routeKey);

export class AlertmailStack extends Stack {
  readonly functions: Readonly<Record<FunctionName, AlertmailFunction>>;
  readonly cloudwatchIngest?: AlertmailFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly configTable: Table;
  readonly stateTable: Table;
  readonly deliveriesTable: Table;
  readonly smtpSecret: Secret;
  readonly tokensSecret: Secret;
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

    // ---------------------------------------------------------------- data
    const table = (tableId: string, withSortKey: boolean, ttl: boolean): Table =>
      new Table(this, tableId, {
        partitionKey: { name: 'pk', type: AttributeType.STRING },
        sortKey: withSortKey ? { name: 'sk', type: AttributeType.STRING } : undefined,
        timeToLiveAttribute: ttl ? 'expiresAt' : undefined,
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: settings.retainData,
        removalPolicy: dataRemoval,
      });
    this.configTable = table('ConfigTable', false, false);
    // TTL only cleans up: the ingest's claim condition compares expiresAt itself.
    this.stateTable = table('StateTable', false, true);
    this.deliveriesTable = table('DeliveriesTable', true, true);

    // ------------------------------------------------------------- secrets
    // The SMTP password is write-only through the API (PutSecretValue). CloudFormation
    // cannot create a secret without a value, so it starts as a random placeholder nobody knows.
    this.smtpSecret = new Secret(this, 'SmtpPasswordSecret', {
      description: 'alertmail SMTP password, written by PUT /v1/config/server (placeholder until then)',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      removalPolicy: dataRemoval,
    });

    // Bearer tokens, generated at deploy: `{"admin":["<48 chars>"],"ingest":["<48 chars>"]}`.
    // One generateSecretString yields a single random value, so each token is generated in its
    // own seed secret and the tokens secret is assembled from CloudFormation dynamic references:
    // the template holds `{{resolve:secretsmanager:…}}` references only, never a token.
    // CloudFormation resolves them when it creates the secret and never again (the template does
    // not change), so tokens rotated later with put-secret-value stay as the operator set them.
    const seed = (seedId: string, role: string): Secret =>
      new Secret(this, seedId, {
        description: `alertmail: the ${role} token generated at deploy (copied once into the tokens secret; not read at run time)`,
        // Alphanumeric only: the value is spliced into JSON without escaping.
        generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
        removalPolicy: dataRemoval,
      });
    const adminSeed = seed('AdminTokenSeed', 'admin');
    const ingestSeed = seed('IngestTokenSeed', 'ingest');
    const resolve = (secret: Secret): string => secret.secretValue.unsafeUnwrap();
    this.tokensSecret = new Secret(this, 'TokensSecret', {
      description: 'alertmail bearer tokens {"admin":[...],"ingest":[...]}: two per role during a rotation',
      secretStringValue: new SecretValue(
        Fn.join('', ['{"admin":["', resolve(adminSeed), '"],"ingest":["', resolve(ingestSeed), '"]}']),
      ),
      removalPolicy: dataRemoval,
    });

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

    // Grants, function by function: each action is a command the adapters in lib/store and
    // lib/secrets send (lib/store/dynamo-*.ts, lib/secrets/secrets-manager-store.ts), nothing more.
    // api: config read/write (load, conditional save), deliveries list + test-message record,
    // SMTP password write (and read for a test message with the saved server), tokens read.
    // The state table's name is in its environment (validated at cold start) but it gets no access.
    api.grantTable(this.configTable, 'dynamodb:GetItem', 'dynamodb:PutItem');
    api.grantTable(this.deliveriesTable, 'dynamodb:Query', 'dynamodb:PutItem');
    api.grantSecretRead(this.smtpSecret);
    api.grantSecretWrite(this.smtpSecret);
    api.grantSecretRead(this.tokensSecret);
    // ingest: config and states read together in one BatchGetItem (lib/store/dynamo-ingest-snapshot.ts;
    // the config alone with GetItem beside the states of a batch over 99 alerts), states claimed with
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
    grantIngest(ingest, true, ['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    // console: serves files from its bundle and touches nothing else.
    if (settings.transport === 'ses' && settings.sesIdentity) {
      api.grantSendAs(settings.sesIdentity);
      ingest.grantSendAs(settings.sesIdentity);
    }

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
        // Numbers unquoted so metric filters can compare them (`$.status >= 500`).
        format: AccessLogFormat.custom(
          `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","path":"$context.path","status":$context.status,"protocol":"$context.protocol","responseLength":"$context.responseLength","latencyMs":$context.responseLatency,"integrationLatencyMs":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage","userAgent":"$context.identity.userAgent"}`,
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

    // ------------------------------------------- CloudWatch alarms (opt-in)
    if (settings.cloudwatchAlarms) {
      // Same code as ingest, other export. No tokens: EventBridge events are trusted by the rule itself.
      const cwIngest = new AlertmailFunction(this, 'CloudWatchIngestFunction', {
        ...common,
        entry: 'functions/ingest.ts',
        handler: 'cloudwatchHandler',
        description: 'alertmail ingest: CloudWatch alarm state changes from EventBridge',
        memorySize: 512,
        timeout: Timeouts.ingest,
      });
      // One alarm per event: the config is always read with its state, never alone.
      grantIngest(cwIngest, false, ['dynamodb:BatchGetItem']);
      if (settings.transport === 'ses' && settings.sesIdentity) cwIngest.grantSendAs(settings.sesIdentity);
      new Rule(this, 'CloudWatchAlarmRule', {
        description: 'CloudWatch alarm state changes to alertmail',
        eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] },
        // A failed send throws: EventBridge retries (the claim was released), so nothing is lost.
        targets: [new LambdaFunction(cwIngest.fn, { retryAttempts: 8, maxEventAge: Duration.hours(2) })],
      });
      this.cloudwatchIngest = cwIngest;
    }

    // --------------------------------------------------------------- alarms
    let alarmAction: IAlarmAction | undefined;
    let alarmTopic: ITopic | undefined;
    if (settings.alarmEmail) {
      const topic = new Topic(this, 'AlarmTopic', { displayName: 'alertmail alarms', enforceSSL: true });
      topic.addSubscription(new EmailSubscription(settings.alarmEmail));
      Validations.of(topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names only; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would add cost for no secret.',
      });
      alarmTopic = topic;
    } else if (settings.alarmTopicArn) {
      alarmTopic = Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn);
    }
    if (alarmTopic) alarmAction = new SnsAction(alarmTopic);

    const alarms: Alarm[] = [];
    const addAlarm = (alarm: Alarm): void => {
      if (alarmAction) {
        alarm.addAlarmAction(alarmAction);
        alarm.addOkAction(alarmAction);
      }
      alarms.push(alarm);
    };
    const allFunctions: Array<[string, AlertmailFunction]> = [
      ['Api', api],
      ['Ingest', ingest],
      ['Console', consoleFn],
      ...(this.cloudwatchIngest
        ? ([['CloudWatchIngest', this.cloudwatchIngest]] as Array<[string, AlertmailFunction]>)
        : []),
    ];
    for (const [name, fn] of allFunctions) {
      addAlarm(
        new Alarm(this, `${name}ErrorsAlarm`, {
          alarmDescription: `alertmail: the ${name} function failed (uncaught error or timeout)`,
          metric: fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // 5xx answered to alert senders (503 DELIVERY_FAILED included), from the access log:
    // cheaper than per-route detailed metrics, and exact to the ingest routes.
    const ingest5xx = new MetricFilter(this, 'Ingest5xxFilter', {
      logGroup: accessLogs,
      filterPattern: FilterPattern.literal(
        `{ ($.status >= 500) && (${INGEST_ROUTE_KEYS.map((key) => `($.routeKey = "${key}")`).join(' || ')}) }`,
      ),
      metricNamespace: METRIC_NAMESPACE,
      metricName: 'Ingest5xx',
      metricValue: '1',
    });
    addAlarm(
      new Alarm(this, 'Ingest5xxAlarm', {
        alarmDescription: 'alertmail: alert senders got 5xx answers (they retry; mail server or AWS trouble)',
        metric: ingest5xx.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    // Failed deliveries, from the ingest's own JSON log line `{"level":"error","msg":"delivery failed","outcome":"failed",…}`.
    const ingestLogGroups = [ingest, ...(this.cloudwatchIngest ? [this.cloudwatchIngest] : [])];
    ingestLogGroups.forEach((fn, index) => {
      new MetricFilter(this, index === 0 ? 'DeliveryFailedFilter' : `DeliveryFailedFilter${index}`, {
        logGroup: fn.logGroup,
        filterPattern: FilterPattern.literal(DELIVERY_FAILED_PATTERN),
        metricNamespace: METRIC_NAMESPACE,
        metricName: 'DeliveryFailures',
        metricValue: '1',
      });
    });
    addAlarm(
      new Alarm(this, 'DeliveryFailuresAlarm', {
        alarmDescription: 'alertmail: emails failed to send (see GET /v1/deliveries for the mail server error)',
        metric: new Metric({
          namespace: METRIC_NAMESPACE,
          metricName: 'DeliveryFailures',
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    this.alarms = alarms;

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

    this.acknowledgeFindings(adminSeed, ingestSeed);
  }

  /** cdk-nag findings accepted on purpose, each on the construct it concerns. */
  private acknowledgeFindings(adminSeed: Secret, ingestSeed: Secret): void {
    const rotation = (secret: Secret, reason: string): void =>
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
    rotation(
      this.smtpSecret,
      'The SMTP password belongs to the mail provider: the admin changes it there and stores it with PUT /v1/config/server; a rotation Lambda could not change it at the provider.',
    );
    rotation(
      this.tokensSecret,
      'Bearer tokens are rotated by the operator (put-secret-value with old and new token side by side, then the new one alone, see README), because every Alertmanager and Prometheus must be reconfigured in between; automatic rotation would cut them off.',
    );
    for (const seed of [adminSeed, ingestSeed]) {
      rotation(
        seed,
        'Read once by CloudFormation when the tokens secret is created; never read at run time, so rotating it would change nothing.',
      );
    }
    for (const fn of [...Object.values(this.functions), ...(this.cloudwatchIngest ? [this.cloudwatchIngest] : [])]) {
      Validations.of(fn.fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the bundle targets node22 and the project is tested on Node 22; moving runtime is a tested change, not a drift.',
      });
    }
  }
}
