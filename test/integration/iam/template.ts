/**
 * The synthesized stack as the IAM contract test reads it: each function's environment and role
 * policies, with every `Ref` / `Fn::GetAtt` / `Fn::Join` / `Fn::Sub` resolved to the physical name
 * or ARN the resource would have in account 123456789012, region us-east-1. Names are chosen
 * here (a per-run prefix and the logical id), so the test can create the tables and secrets under
 * exactly the names the functions' environment and the policies' ARNs carry.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { AlertmailFunction } from '../../../cdk/function';
import { readSettings } from '../../../cdk/settings';
import { AlertmailStack } from '../../../cdk/stack';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

type Json = unknown;
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Sid?: string;
  readonly Condition?: Record<string, Json>;
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: PolicyStatement[];
}

export interface DeployedFunction {
  /** Logical id of the AWS::Lambda::Function. */
  readonly logicalId: string;
  /** Which bundle it runs (bench/cold-start.ts FUNCTIONS): the CloudWatch function runs the ingest bundle. */
  readonly bundle: 'api' | 'ingest' | 'console';
  /** The exported handler (`index.cloudwatchHandler` → `cloudwatchHandler`). */
  readonly handlerExport: string;
  /** `Environment.Variables`, resolved. */
  readonly environment: Record<string, string>;
  readonly roleArn: string;
  /** The role's identity policies (AWS::IAM::Policy resources attached to it, its inline policies), resolved. */
  readonly policies: Array<{ readonly name: string; readonly document: PolicyDocument }>;
  /** ARN of the function's own log group (the Lambda service writes its logs with the role). */
  readonly logGroupArn: string;
  /** ARNs of the async-invoke on-failure destinations (AWS::Lambda::EventInvokeConfig), if any. */
  readonly onFailureDestinations: string[];
}

export interface ResolvedStack {
  readonly name: string;
  readonly functions: DeployedFunction[];
  /** Physical names of the three tables. */
  readonly tables: { readonly config: string; readonly state: string; readonly deliveries: string };
  /** ARNs of the two secrets the functions read. */
  readonly secrets: { readonly smtpPassword: string; readonly tokens: string };
}

/** Synthesizes the stack (no bundling: the test builds the bundles itself) with these context values. */
export function synthesize(
  name: string,
  context: Readonly<Record<string, unknown>>,
  prefix: string,
  webAssetsDir: string,
): ResolvedStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const settings = readSettings((key) => context[key]);
  const stack = new AlertmailStack(app, name, { settings, webAssetsDir });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, CfnResource> };
  const resolver = new Resolver(template.Resources, prefix, name);
  const logicalId = (construct: AlertmailFunction['fn'] | AlertmailFunction['role']) =>
    Stack.of(stack).getLogicalId(construct.node.defaultChild as CfnElement);

  const deployed: Array<[AlertmailFunction, DeployedFunction['bundle']]> = [
    [stack.functions.api, 'api'],
    [stack.functions.ingest, 'ingest'],
    [stack.functions.console, 'console'],
    [stack.sweeper, 'ingest'],
    ...(stack.cloudwatchIngest ? [[stack.cloudwatchIngest, 'ingest'] as [AlertmailFunction, 'ingest']] : []),
  ];
  const functions = deployed.map(([fn, bundle]): DeployedFunction => {
    const fnId = logicalId(fn.fn);
    const roleId = logicalId(fn.role);
    const props = template.Resources[fnId]?.Properties ?? {};
    const variables = ((props.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ??
      {}) as Record<string, Json>;
    const environment = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, resolver.string(value)]),
    );
    const handler = String(props.Handler ?? 'index.handler');
    return {
      logicalId: fnId,
      bundle,
      handlerExport: handler.slice(handler.indexOf('.') + 1),
      environment,
      roleArn: resolver.string(props.Role),
      policies: resolver.policiesOfRole(roleId),
      logGroupArn: resolver.string({
        'Fn::GetAtt': [Stack.of(stack).getLogicalId(fn.logGroup.node.defaultChild as CfnElement), 'Arn'],
      }),
      onFailureDestinations: resolver.onFailureDestinations(fnId),
    };
  });
  const env = functions[0]?.environment ?? {};
  const required = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`the api function's environment has no ${key}`);
    return value;
  };
  return {
    name,
    functions,
    tables: {
      config: required('ALERTMAIL_CONFIG_TABLE'),
      state: required('ALERTMAIL_STATE_TABLE'),
      deliveries: required('ALERTMAIL_DELIVERIES_TABLE'),
    },
    secrets: { smtpPassword: required('ALERTMAIL_SMTP_SECRET_ID'), tokens: required('ALERTMAIL_TOKENS_SECRET_ID') },
  };
}

/** Resolves CloudFormation intrinsics against fixed physical names; anything it does not model throws. */
class Resolver {
  constructor(
    private readonly resources: Record<string, CfnResource>,
    private readonly prefix: string,
    private readonly stackName: string,
  ) {}

  /** A physical name: short, unique per run, valid for a table, a secret, a role and a log group. */
  private physicalName(logicalId: string): string {
    return `${this.prefix}${logicalId}`;
  }

  private type(logicalId: string): string {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`no resource ${logicalId} in the template`);
    return resource.Type;
  }

  private ref(logicalId: string): string {
    switch (logicalId) {
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Region':
        return REGION;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
    }
    const type = this.type(logicalId);
    const name = this.physicalName(logicalId);
    switch (type) {
      // Ref of a secret is its ARN (with Secrets Manager's six-character suffix).
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
      default:
        return name;
    }
  }

  private getAtt(logicalId: string, attribute: string): string {
    const type = this.type(logicalId);
    const name = this.physicalName(logicalId);
    const key = `${type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      // A log group's Arn attribute ends in `:*` (its streams).
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      default:
        throw new Error(`the contract test does not model Fn::GetAtt ${key} (${logicalId})`);
    }
  }

  value(node: Json): Json {
    if (Array.isArray(node)) return node.map((item) => this.value(item));
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, Json>);
    const [first] = entries;
    if (entries.length === 1 && first) {
      const [fn, arg] = first;
      if (fn === 'Ref') return this.ref(String(arg));
      if (fn === 'Fn::GetAtt') {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.getAtt(String(id), String(attribute));
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, Json[]];
        return parts.map((part) => this.string(part)).join(separator);
      }
      if (fn === 'Fn::Sub') {
        const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, Json>];
        return text.replace(/\$\{([^}]+)\}/g, (_, expr: string) => {
          if (vars[expr] !== undefined) return this.string(vars[expr]);
          const [id, attribute] = expr.split('.');
          return attribute ? this.getAtt(String(id), attribute) : this.ref(String(id));
        });
      }
      if (fn.startsWith('Fn::')) throw new Error(`the contract test does not model ${fn}`);
    }
    return Object.fromEntries(entries.map(([key, value]) => [key, this.value(value)]));
  }

  string(node: Json): string {
    const value = this.value(node);
    if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
    return value;
  }

  policiesOfRole(roleId: string): Array<{ name: string; document: PolicyDocument }> {
    const policies: Array<{ name: string; document: PolicyDocument }> = [];
    for (const [id, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const roles = (resource.Properties?.Roles ?? []) as Json[];
      if (!roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }))) continue;
      policies.push({ name: id, document: this.value(resource.Properties?.PolicyDocument) as PolicyDocument });
    }
    const role = this.resources[roleId]?.Properties ?? {};
    for (const inline of (role.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: Json }>) {
      policies.push({ name: inline.PolicyName, document: this.value(inline.PolicyDocument) as PolicyDocument });
    }
    // The roles start empty (cdk/function.ts); a managed policy would need its document here.
    const managed = (role.ManagedPolicyArns ?? []) as Json[];
    if (managed.length > 0) {
      throw new Error(
        `${roleId} has managed policies (${JSON.stringify(this.value(managed))}): model their documents in the contract test`,
      );
    }
    return policies;
  }

  onFailureDestinations(functionId: string): string[] {
    const destinations: string[] = [];
    for (const resource of Object.values(this.resources)) {
      if (resource.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
      if (JSON.stringify(resource.Properties?.FunctionName) !== JSON.stringify({ Ref: functionId })) continue;
      const onFailure = (resource.Properties?.DestinationConfig as { OnFailure?: { Destination: Json } } | undefined)
        ?.OnFailure;
      if (onFailure) destinations.push(this.string(onFailure.Destination));
    }
    return destinations;
  }
}
