/**
 * The README's redrive loop for parked CloudWatch alarm events, run as a user pastes it (bash, jq),
 * against a stand-in `aws` command on PATH that serves queue messages from a directory and records
 * what the loop asks of it: no SQS or Lambda runs here, so this pins the loop's own logic (which
 * event it re-sends, asynchronously, to which function; which message it deletes; when it stops).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CloudWatchAlarmStateChangeEvent, clone, cloudwatchEvent } from '../fixtures';

const README = path.join(__dirname, '..', '..', 'README.md');
const FUNCTION_NAME = 'Alertmail-CloudWatchIngestFunctionC358C188-AbCdEf123456';
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/Alertmail-CloudWatchFailedInvocationsQueue';

/** The stand-in CLI: `sqs receive-message` (one message, or no output when empty, as CLI v2), `lambda invoke`, `sqs delete-message`. */
const FAKE_AWS = `#!/usr/bin/env bash
set -euo pipefail
s="$FAKE_AWS_STATE"
printf '%s\\n' "$*" >>"$s/calls"
arg() { local name="$1"; shift; while [ $# -gt 0 ]; do [ "$1" = "$name" ] && { echo "$2"; return; }; shift; done; }
case "$1 $2" in
  "sqs receive-message")
    f=$(ls "$s/queue" | head -n 1)
    [ -z "$f" ] && exit 0
    mv "$s/queue/$f" "$s/inflight/$f"
    jq -n --rawfile body "$s/inflight/$f" --arg handle "handle-$f" '{Messages: [{MessageId: $handle, ReceiptHandle: $handle, Body: $body}]}'
    ;;
  "lambda invoke")
    [ -e "$s/invoke-fails" ] && { echo "An error occurred (AccessDeniedException)" >&2; exit 254; }
    payload=$(arg --payload "$@")
    cp "\${payload#fileb://}" "$s/invoked/$(ls "$s/invoked" | wc -l)"
    ;;
  "sqs delete-message")
    handle=$(arg --receipt-handle "$@")
    rm "$s/inflight/\${handle#handle-}"
    ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

/** The ```bash block of the README's redrive paragraph, with the stack outputs filled in. */
function redriveScript(): string {
  const readme = fs.readFileSync(README, 'utf8');
  const paragraph = readme.indexOf('**CloudWatch alarm events that could not be delivered.**');
  expect(paragraph).toBeGreaterThan(0);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(paragraph))?.[1];
  if (!block) throw new Error('no redrive block in the README');
  expect(block).toContain('<CloudWatchIngestFunctionName>');
  expect(block).toContain('<CloudWatchFailedInvocationsQueueUrl>');
  return block
    .replace('<CloudWatchIngestFunctionName>', FUNCTION_NAME)
    .replace('<CloudWatchFailedInvocationsQueueUrl>', QUEUE_URL);
}

/** Lambda's on-failure destination record of an asynchronous invocation that exhausted its retries. */
function failureRecord(event: CloudWatchAlarmStateChangeEvent) {
  return {
    version: '1.0',
    timestamp: '2026-12-02T03:00:05.568Z',
    requestContext: {
      requestId: 'e4b46cbf-b738-4f0e-8880-a18cdf61200e',
      functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION_NAME}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'DeliveryFailedError', errorMessage: 'SMTP_CONNECTION_FAILED: connect ECONNREFUSED' },
  };
}

let state: string;
let bin: string;

function run(messages: unknown[], options: { invokeFails?: boolean } = {}) {
  for (const dir of ['queue', 'inflight', 'invoked']) fs.mkdirSync(path.join(state, dir), { recursive: true });
  messages.forEach((message, index) => {
    fs.writeFileSync(path.join(state, 'queue', `m${index}`), JSON.stringify(message));
  });
  if (options.invokeFails) fs.writeFileSync(path.join(state, 'invoke-fails'), '');
  const result = spawnSync('bash', ['-c', redriveScript()], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_AWS_STATE: state },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const invoked = fs
    .readdirSync(path.join(state, 'invoked'))
    .sort()
    .map((file) => JSON.parse(fs.readFileSync(path.join(state, 'invoked', file), 'utf8')) as unknown);
  const left = (dir: string) => fs.readdirSync(path.join(state, dir)).sort();
  const calls = fs.readFileSync(path.join(state, 'calls'), 'utf8').trim().split('\n');
  return { ...result, invoked, queue: left('queue'), inflight: left('inflight'), calls };
}

beforeEach(() => {
  state = fs.mkdtempSync(path.join(os.tmpdir(), 'alertmail-redrive-'));
  bin = path.join(state, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), FAKE_AWS, { mode: 0o755 });
});

afterEach(() => fs.rmSync(state, { recursive: true, force: true }));

test('failure records: each original event is re-invoked asynchronously, then its message deleted, until the queue is empty', () => {
  const second = clone(cloudwatchEvent);
  second.detail.alarmName = 'payments-5xx';
  const result = run([failureRecord(clone(cloudwatchEvent)), failureRecord(second)]);

  expect(result.status).toBe(0);
  expect(result.invoked).toEqual([cloudwatchEvent, second]);
  expect(result.queue).toEqual([]);
  expect(result.inflight).toEqual([]); // both deleted
  const invokes = result.calls.filter((call) => call.startsWith('lambda invoke'));
  expect(invokes).toHaveLength(2);
  for (const call of invokes) {
    expect(call).toContain(`--function-name ${FUNCTION_NAME}`);
    expect(call).toContain('--invocation-type Event');
  }
  for (const call of result.calls.filter((c) => c.startsWith('sqs ')))
    expect(call).toContain(`--queue-url ${QUEUE_URL}`);
  expect(result.stdout).toContain(`redriven: ${cloudwatchEvent.detail.alarmName}`);
  expect(result.stdout).toContain('redriven: payments-5xx');
});

test("the target dead-letter queue's messages are the events themselves, re-invoked as they are", () => {
  const result = run([clone(cloudwatchEvent)]);
  expect(result.status).toBe(0);
  expect(result.invoked).toEqual([cloudwatchEvent]);
  expect(result.inflight).toEqual([]);
});

test('an empty queue: nothing is invoked', () => {
  const result = run([]);
  expect(result.status).toBe(0);
  expect(result.invoked).toEqual([]);
  expect(result.calls).toEqual([expect.stringMatching(/^sqs receive-message /)]);
});

test('a failed invoke keeps the message (it comes back after its visibility timeout) and stops the loop', () => {
  const result = run([failureRecord(clone(cloudwatchEvent)), failureRecord(clone(cloudwatchEvent))], {
    invokeFails: true,
  });
  expect(result.stderr).toContain('invoke failed; message kept');
  expect(result.calls.filter((call) => call.startsWith('sqs delete-message'))).toEqual([]);
  expect(result.inflight).toEqual(['m0']);
  expect(result.queue).toEqual(['m1']);
});
