/**
 * CloudWatch alarms: the EventBridge target (`cloudwatchHandler`, a Lambda event rather than HTTP)
 * turns an "Alarm State Change" into an email, an OK state into the resolved notice in the same
 * thread; the same alarm arriving through SNS over HTTP is the same alert.
 */
import { DeliveryFailedError } from '../../lib/errors';
import type { IngestResult } from '../../lib/usecases/ingest/service';
import { type CloudWatchAlarmStateChangeEvent, clone, cloudwatchEvent, cloudwatchSns } from '../fixtures';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

/** The fixture's alarm going ALARM → OK a while later. */
function okEvent(alarmName: string): CloudWatchAlarmStateChangeEvent {
  const event = clone(cloudwatchEvent);
  event.detail.alarmName = alarmName;
  event.detail.previousState = { ...cloudwatchEvent.detail.state };
  event.detail.state = {
    value: 'OK',
    reason:
      'Threshold Crossed: 1 out of the last 1 datapoints [12.5 (02/10/19 17:29:00)] was not greater than the threshold (50.0).',
    timestamp: '2019-10-02T17:34:40.989+0000',
  };
  return event;
}

function alarmEvent(alarmName: string): CloudWatchAlarmStateChangeEvent {
  const event = clone(cloudwatchEvent);
  event.detail.alarmName = alarmName;
  return event;
}

describe('CloudWatch alarms from EventBridge', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let handler: (event: unknown) => Promise<IngestResult>;

  const exactly = (count: number) => smtp.expectExactly(count);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    await mailThrough(runtime, smtp);
    // The function module builds its process-wide app from the environment at import, as on a cold
    // start; the runtime has put a complete environment in place, and the factory takes its app.
    const { makeCloudWatchHandler } = await import('../../functions/ingest');
    handler = makeCloudWatchHandler(runtime.app);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  beforeEach(() => {
    smtp.received.length = 0;
  });

  it('emails the alarm, suppresses the same alarm via SNS, and sends the OK state as the resolved notice', async () => {
    const fired = await handler(cloudwatchEvent);
    const viaSns = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      rawBody: JSON.stringify(cloudwatchSns),
      headers: { 'content-type': 'text/plain; charset=UTF-8' },
    });
    const firing = (await exactly(1))[0];
    const resolved = await handler(okEvent('ServerCpuTooHigh'));
    const duplicate = await handler(okEvent('ServerCpuTooHigh'));

    expect(fired).toMatchObject({ received: 1, matched: 1, notified: 1, deliveryId: expect.any(String) });
    expect(viaSns.status).toBe(202);
    expect(viaSns.body).toMatchObject({ received: 1, notified: 0, suppressed: { repeatInterval: 1 } });
    expect(resolved).toMatchObject({ notified: 1 });
    expect(duplicate).toMatchObject({ notified: 0 });
    const [, notice] = await exactly(2);
    expect(firing?.parsed.subject).toBe('[FIRING:1] ServerCpuTooHigh (AWS/EC2)');
    expect(firing?.parsed.text).toContain('Goes into alarm when server CPU utilization is too high!');
    expect(firing?.parsed.text).toContain('InstanceId = i-12345678901234567');
    expect(firing?.parsed.html).toContain(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/ServerCpuTooHigh',
    );
    expect(notice?.parsed.subject).toBe('[RESOLVED:1] ServerCpuTooHigh (AWS/EC2)');
    expect(notice?.parsed.text).toContain('Resolved: 2019-10-02 17:34:40 UTC');
    expect(notice?.parsed.references).toEqual(firing?.parsed.references);
    expect(notice?.parsed.inReplyTo).toBe(firing?.parsed.inReplyTo);
  });

  it('throws when the mail server fails, so EventBridge retries, and the retry sends once', async () => {
    const event = alarmEvent('DiskAlmostFull');
    smtp.failNext(1);

    await expect(handler(event)).rejects.toBeInstanceOf(DeliveryFailedError);
    const retry = await handler(event);
    const again = await handler(event);

    expect(retry).toMatchObject({ notified: 1 });
    expect(again).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    const [mail] = await exactly(1);
    expect(mail?.parsed.subject).toBe('[FIRING:1] DiskAlmostFull (AWS/EC2)');
  });

  it('sends no resolved notice for an alarm that was never emailed, and refuses a malformed event', async () => {
    expect(await handler(okEvent('NeverFired'))).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    await expect(handler({ 'detail-type': 'CloudWatch Alarm State Change', detail: {} })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await exactly(0);
  });
});
