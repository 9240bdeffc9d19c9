/**
 * One alertmail Lambda: a bundled `NodejsFunction` with its own role, its own log group
 * (JSON logs, retention) and grants made one by one with the exact actions the code
 * calls, in the manner of powertools' examples/app shared function construct.
 *
 * The role starts empty (no AWSLambdaBasicExecutionRole managed policy): it may write
 * only to its own log group, and every other permission is a named grant below.
 */
import * as path from 'node:path';
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { HTTP_FUNCTION_TIMEOUT_SECONDS } from '../lib/deadlines';

/** Repository root: entry points, package-lock.json and web/dist are found from here. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/**
 * JavaScript features esbuild must compile away although the runtime has them: `import()` becomes
 * `require()`. The AWS SDK reaches the modules below (and `node:http`, for an http:// endpoint such as
 * DynamoDB Local) through `import()`; in a CommonJS bundle that starts Node's ES module loader on
 * first use (~3-5 ms of a cold start, measured) and resolves bare names without NODE_PATH, so an
 * external module would not be found in the Lambda runtime's own SDK (/var/runtime/node_modules,
 * which the runtime reaches through NODE_PATH). `require()` finds it there, and costs no loader.
 * The bench builders (bench/bundle-size.ts, bench/cold-start.ts) pass the same as `supported`.
 */
export const ESBUILD_SUPPORTED: Readonly<Record<string, boolean>> = { 'dynamic-import': false };

/**
 * Modules the functions load only on a path no cold start takes (with `import()`), built as files of
 * their own beside index.js instead of inside it: Node compiles every byte of index.js when it loads
 * it, so ~175 KB of nodemailer that only a mail needs cost 8-41 ms (median 23) of an ingest cold start
 * in the deployed shape (BENCHMARKS.md, issue 14).
 * The bundle keeps `require("./<file>")` (the import path is marked external); the file is built by
 * the same esbuild, with the same options, after the bundle, and only when the bundle refers to it.
 */
export const LAZY_CHUNKS: ReadonlyArray<{
  readonly importPath: string;
  readonly entry: string;
  readonly file: string;
}> = [
  { importPath: './nodemailer-parts', entry: 'lib/adapters/smtp/nodemailer-parts.ts', file: 'nodemailer-parts.js' },
  /** LiquidJS and the template engine: only a mail from an edited or custom template needs them (BENCHMARKS.md, issue 18). */
  { importPath: './liquid-engine', entry: 'lib/domain/mail/templates/liquid-engine.ts', file: 'liquid-engine.js' },
  // re2js (~147 KB): loaded with the first `Matches` / `NotMatches` condition (lib/domain/patterns.ts).
  { importPath: './re2-engine', entry: 'lib/domain/re2-engine.ts', file: 're2-engine.js' },
  // luxon (~70 KB): loaded with the first mute window (lib/domain/mute-windows.ts).
  { importPath: './luxon-engine', entry: 'lib/domain/luxon-engine.ts', file: 'luxon-engine.js' },
];

/** The text by which a bundle refers to a chunk (esbuild keeps the external path as written). */
export function chunkReference(chunk: (typeof LAZY_CHUNKS)[number]): string {
  return `require("${chunk.importPath}")`;
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/** Shell commands building the LAZY_CHUNKS a bundle in `outputDir` refers to, with the bundle's esbuild options. */
export function lazyChunkCommands(inputDir: string, outputDir: string): string[] {
  const esbuild = path.join(inputDir, 'node_modules', '.bin', 'esbuild');
  return LAZY_CHUNKS.map((chunk) =>
    [
      `if grep -qF ${shellQuote(chunkReference(chunk))} ${shellQuote(path.join(outputDir, 'index.js'))}; then`,
      shellQuote(esbuild),
      shellQuote(path.join(inputDir, chunk.entry)),
      '--bundle --platform=node --format=cjs --minify --sourcemap --sources-content=false --log-level=warning',
      `--target=${BUNDLING.target}`,
      `--main-fields=${BUNDLING.mainFields.join(',')}`,
      ...Object.entries(BUNDLING.esbuildArgs).map(([flag, value]) => `${flag}=${value}`),
      ...BUNDLING.externalModules.map((name) => `--external:${shellQuote(name)}`),
      `--outfile=${shellQuote(path.join(outputDir, chunk.file))};`,
      'fi',
    ].join(' '),
  );
}

/**
 * The ingest function's budget for what every cold start loads: index.js (bench/bundle-size.ts,
 * bench/report.ts). Until the second wave it counted the chunks too (520 KB, all of it nodemailer's
 * beside index.js). The second wave's engines are chunks each loaded only by the request that needs
 * it: re2js (147 KB) with the first `Matches` condition, LiquidJS (89 KB) with the first edited
 * template, luxon with the first mute window; a config without them never loads them, so counting
 * them against the cold start would forbid the very features that were kept off it. Each chunk's
 * first-use cost is measured apart (BENCHMARKS.md, issues 15, 16, 18). 400 KB leaves ~25 KB over
 * the ingest's index.js after the second wave (~375 KB).
 */
export const INGEST_BUNDLE_BUDGET_BYTES = 400 * 1024;

/** esbuild options shared by every function and by bench/bundle-size.ts, so the measured bytes are the deployed bytes. */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  /** The map only needs mappings for `--enable-source-maps`; embedding the sources would double the asset. */
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  /** Prefer the SDK's ES module builds: esbuild tree-shakes them far better than the CJS ones. */
  mainFields: ['module', 'main'],
  /**
   * AWS SDK v3 is bundled (pinned by package-lock.json), not taken from the runtime, except for modules
   * the SDK loads with a dynamic `import()` only on paths these functions never take on Lambda:
   * - the credential providers after `fromEnv` in the default chain (SSO, ini files, credential_process,
   *   web identity token file, ECS/EC2 metadata) and, through them, `@aws-sdk/nested-clients` (STS, SSO,
   *   SSO OIDC, Signin): the Lambda runtime puts the role's credentials in AWS_ACCESS_KEY_ID /
   *   AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, so `fromEnv` answers first every time (the stack sets no
   *   AWS_PROFILE, the one variable that would skip it). Local runs pass explicit credentials.
   * - `@smithy/core/event-streams`, loaded only by operations with event streams: DynamoDB, Secrets
   *   Manager and SES have none.
   * Were one ever reached, `require` would find it in the Node.js runtime's own AWS SDK (ESBUILD_SUPPORTED
   * makes that a `require`). Together ~150 KB of minified code no invocation runs (BENCHMARKS.md, Bundle sizes).
   */
  externalModules: [
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/credential-provider-http',
    '@smithy/credential-provider-imds',
    '@aws-sdk/nested-clients',
    '@smithy/core/event-streams',
    // LAZY_CHUNKS: each a file of its own beside index.js.
    ...LAZY_CHUNKS.map((chunk) => chunk.importPath),
  ] as string[],
  /** ESBUILD_SUPPORTED as esbuild's command line takes it (`--supported:dynamic-import=false`). */
  esbuildArgs: Object.fromEntries(
    Object.entries(ESBUILD_SUPPORTED).map(([feature, on]) => [`--supported:${feature}`, String(on)]),
  ) as Record<string, string>,
} as const;

export type DynamoDbAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem'
  | 'dynamodb:ConditionCheckItem';

export interface AlertmailFunctionProps {
  /** Entry file relative to the repository root, e.g. `functions/api.ts`. */
  readonly entry: string;
  /** Exported handler name (default `handler`). */
  readonly handler?: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Shell commands run after esbuild, e.g. copying static assets into the bundle. */
  readonly afterBundling?: (outputDir: string) => string[];
  /** At most this many instances at once (the sweeper: 1, one run at a time). */
  readonly reservedConcurrentExecutions?: number;
}

export class AlertmailFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AlertmailFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `alertmail ${id}: its log group plus the grants listed in cdk/stack.ts`,
    });
    // Only its own log group (the ARN ends in `:*`, the log streams of this one group).
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const afterBundling = (inputDir: string, outputDir: string): string[] => [
      ...lazyChunkCommands(inputDir, outputDir),
      ...(props.afterBundling?.(outputDir) ?? []),
    ];
    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        ...BUNDLING,
        mainFields: [...BUNDLING.mainFields],
        externalModules: [...BUNDLING.externalModules],
        esbuildArgs: { ...BUNDLING.esbuildArgs },
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling,
        },
      },
    });
  }

  /** Exactly these DynamoDB actions on this table (not its indexes: grantIndex). */
  grantTable(table: ITable, ...actions: DynamoDbAction[]): void {
    this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [table.tableArn] }));
  }

  /** Exactly these DynamoDB actions on one index of this table (the state table's sparse index of held alerts). */
  grantIndex(table: ITable, indexName: string, ...actions: DynamoDbAction[]): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [`${table.tableArn}/index/${indexName}`] }),
    );
  }

  /** `GetSecretValue` only (no DescribeSecret/ListSecretVersionIds that grantRead adds). */
  grantSecretRead(secret: ISecret): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secret.secretArn],
      }),
    );
  }

  /** `PutSecretValue` only: the API stores a new SMTP password, it never creates or deletes secrets. */
  grantSecretWrite(secret: ISecret): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:PutSecretValue'],
        resources: [secret.secretArn],
      }),
    );
  }

  /** `ses:SendRawEmail` as this one verified identity (the mailer sends fully composed MIME bytes). */
  grantSendAs(sesIdentity: string): void {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendRawEmail'],
        resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: sesIdentity })],
      }),
    );
  }
}

export const Timeouts = {
  /** Behind the HTTP API: answers (a test message within 15 s) before API Gateway's 30 s limit cuts in. */
  api: Duration.seconds(HTTP_FUNCTION_TIMEOUT_SECONDS),
  /** Behind the HTTP API: a slow mail server yields alertmail's 503 (the sender retries), not the gateway's. */
  ingest: Duration.seconds(HTTP_FUNCTION_TIMEOUT_SECONDS),
  console: Duration.seconds(10),
  /** Invoked by EventBridge, not behind HTTP: no gateway limit; room for the sends of one alarm event. */
  cloudwatchIngest: Duration.seconds(60),
  /** Invoked every minute by a schedule: one run's bounded work (lib/usecases/sweeper.ts) and its sends. */
  sweeper: Duration.seconds(55),
} as const;
