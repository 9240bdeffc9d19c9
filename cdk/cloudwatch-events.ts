/**
 * Where a CloudWatch alarm event goes when alertmail cannot process it, instead of being dropped.
 *
 * EventBridge invokes the CloudWatch ingest function asynchronously: its rule target's retry
 * policy covers only handing the event to Lambda. Once Lambda has accepted the event, a send that
 * fails (the function throws, the claim released) is retried by Lambda itself, twice, about one and
 * then two minutes apart, and then the event is gone unless an on-failure destination keeps it.
 * So there are two queues, each alarmed on its depth and redriven by the README's command:
 * - failed invocations: Lambda's on-failure destination, a record whose `requestPayload` is the event;
 * - undelivered events: the rule target's dead-letter queue, the event itself as the message body,
 *   for events EventBridge could not hand over (throttled past its retries, function missing).
 */
import { Duration, type Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DestinationOptions, IDestination } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { AlertmailFunction } from './function';

/** Lambda's own retries of a failed asynchronous invocation (2, its maximum). */
export const CLOUDWATCH_ASYNC_RETRIES = 2;
/** How long an event may wait in Lambda's asynchronous queue (6 h, its maximum) before it goes to the failure queue. */
export const CLOUDWATCH_MAX_EVENT_AGE = Duration.hours(6);
/** Messages wait 14 days (SQS's maximum) for the operator's redrive. */
export const FAILURE_QUEUE_RETENTION = Duration.days(14);

export interface CloudWatchFailureQueues {
  /** Lambda's on-failure destination: `{requestContext, requestPayload, responseContext, responsePayload}` records. */
  readonly failedInvocations: Queue;
  /** The rule target's dead-letter queue: the EventBridge events themselves. */
  readonly undeliveredEvents: Queue;
}

export function cloudwatchFailureQueues(stack: Stack, fn: AlertmailFunction): CloudWatchFailureQueues {
  const queue = (id: string): Queue => {
    const created = new Queue(stack, id, {
      // SQS-managed keys: Lambda and EventBridge can send without a KMS key policy.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: FAILURE_QUEUE_RETENTION,
    });
    Validations.of(created).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter destination (of the CloudWatch ingest function or its EventBridge target); its messages are redriven by the operator (README), so a further dead-letter queue would only move them again.',
    });
    return created;
  };
  const failedInvocations = queue('CloudWatchFailedInvocationsQueue');
  const undeliveredEvents = queue('CloudWatchUndeliveredEventsQueue');

  // The function's role sends the record (Lambda uses it for destinations): SendMessage only,
  // not the GetQueueAttributes / GetQueueUrl that SqsDestination's grantSendMessages adds.
  const onFailure: IDestination = {
    bind: (_scope, _fn, _options?: DestinationOptions) => {
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['sqs:SendMessage'],
          resources: [failedInvocations.queueArn],
        }),
      );
      return { destination: failedInvocations.queueArn };
    },
  };
  fn.fn.configureAsyncInvoke({
    retryAttempts: CLOUDWATCH_ASYNC_RETRIES,
    maxEventAge: CLOUDWATCH_MAX_EVENT_AGE,
    onFailure,
  });
  return { failedInvocations, undeliveredEvents };
}
