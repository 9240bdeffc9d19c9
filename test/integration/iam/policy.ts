/**
 * The recorded calls against the roles, with a real IAM policy evaluator (@cloud-copilot/iam-simulate):
 * a call the function's role does not allow is denied; a granted (action, resource) that no recorded
 * call used is unused, unless it is a platform grant (one the Lambda service uses with the role,
 * not our code), each listed here with its reason.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AuthorizedCall } from './aws-recorder';
import { ACCOUNT, type DeployedFunction, type PolicyDocument } from './template';

/** One (action, resource) of one Allow statement of a role. */
export interface Grant {
  readonly policy: string;
  /** Index of the statement in its policy, with its Sid if it has one. */
  readonly statement: string;
  readonly action: string;
  readonly resource: string;
}

export interface PlatformGrant {
  readonly actions: readonly string[];
  /** The resources of this function the grant is for. */
  readonly resources: (fn: DeployedFunction) => readonly string[];
  readonly reason: string;
}

/** Grants the Lambda service uses with the function's role: no recorded call can use them. */
export const PLATFORM_GRANTS: readonly PlatformGrant[] = [
  {
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: (fn) => [fn.logGroupArn],
    reason: "the Lambda service writes the function's stdout/stderr to its own log group with the role's credentials",
  },
  {
    actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
    resources: (fn) => fn.onFailureDestinations,
    reason:
      'the Lambda service sends an asynchronous event that failed every retry to the on-failure destination with the role',
  },
  {
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    resources: () => ['*'],
    reason: "the Lambda service sends the function's traces to X-Ray when active tracing is on",
  },
];

export const grantKey = (grant: Grant): string =>
  `${grant.policy}[${grant.statement}] ${grant.action} ${grant.resource}`;

const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

export function grantsOf(fn: DeployedFunction): Grant[] {
  const grants: Grant[] = [];
  for (const { name, document } of fn.policies) {
    document.Statement.forEach((statement, index) => {
      if (statement.Effect !== 'Allow') return;
      if (statement.Condition) throw new Error(`${name}[${index}]: conditions are not modelled by the contract test`);
      for (const action of asList(statement.Action)) {
        for (const resource of asList(statement.Resource)) {
          grants.push({ policy: name, statement: statement.Sid ?? String(index), action, resource });
        }
      }
    });
  }
  return grants;
}

async function allowed(principal: string, policy: PolicyDocument, action: string, resource: string): Promise<boolean> {
  const response = await runSimulation(
    {
      request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
      identityPolicies: [{ name: 'role', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(`iam-simulate refused ${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult === 'Allowed';
}

const onlyGrant = (grant: Grant): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: grant.action, Resource: grant.resource }],
});

/** The role's policies as one document (identity policies are a union; a Deny anywhere wins, as in IAM). */
function rolePolicy(fn: DeployedFunction): PolicyDocument {
  return { Version: '2012-10-17', Statement: fn.policies.flatMap(({ document }) => document.Statement) };
}

export interface Verdict {
  readonly call: AuthorizedCall;
  /** The wire operations that needed this authorization (`PutItem`, `TransactWriteItems`). */
  readonly operations: string[];
  readonly allowed: boolean;
  /** The grants that each alone allow the call. */
  readonly by: Grant[];
}

/** Every distinct recorded (action, resource) of this function, evaluated against its role. */
export async function evaluateCalls(fn: DeployedFunction, calls: readonly AuthorizedCall[]): Promise<Verdict[]> {
  const distinct = new Map<string, AuthorizedCall>();
  const operations = new Map<string, Set<string>>();
  for (const call of calls) {
    if (call.fn !== fn.logicalId) continue;
    const key = `${call.action} ${call.resource}`;
    distinct.set(key, call);
    operations.set(key, (operations.get(key) ?? new Set()).add(call.operation));
  }
  const grants = grantsOf(fn);
  const policy = rolePolicy(fn);
  const verdicts: Verdict[] = [];
  for (const [key, call] of distinct) {
    const by: Grant[] = [];
    for (const grant of grants) {
      if (await allowed(fn.roleArn, onlyGrant(grant), call.action, call.resource)) by.push(grant);
    }
    verdicts.push({
      call,
      operations: [...(operations.get(key) ?? [])].sort(),
      allowed: await allowed(fn.roleArn, policy, call.action, call.resource),
      by,
    });
  }
  return verdicts;
}

export interface GrantUse {
  readonly grant: Grant;
  /** Why it is kept although no call used it (a platform grant), or undefined. */
  readonly platform?: string;
  readonly used: boolean;
}

/** Every grant of the role: used by a recorded call, a platform grant, or unused. */
export function grantUses(fn: DeployedFunction, verdicts: readonly Verdict[]): GrantUse[] {
  return grantsOf(fn).map((grant) => {
    const used = verdicts.some((verdict) => verdict.by.some((by) => grantKey(by) === grantKey(grant)));
    const platform = PLATFORM_GRANTS.find(
      (entry) => entry.actions.includes(grant.action) && entry.resources(fn).includes(grant.resource),
    );
    return { grant, used, ...(platform ? { platform: platform.reason } : {}) };
  });
}
