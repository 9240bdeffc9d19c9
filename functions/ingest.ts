/** The ingest Lambda: alerts over HTTP (every supported payload format) and CloudWatch alarms from EventBridge. */
import { alertFromCloudWatchEvent } from '../lib/domain/alerts/formats/cloudwatch-event';
import { parseAlertPayload } from '../lib/domain/alerts/parse';
import { ValidationError } from '../lib/errors';
import type { IngestResult } from '../lib/usecases/ingest/service';
import type { SweepResult } from '../lib/usecases/sweeper';
import { type CoreApp, coreAppFromEnvironment } from './core';
import { type HttpHandler, httpFunction } from './http';

export function makeIngestHandler(app: CoreApp): HttpHandler {
  const ingest = async ({ body }: { body: unknown }) => {
    if (body === undefined) throw new ValidationError('The body is empty', [{ field: '(body)', message: 'required' }]);
    const { alerts } = parseAlertPayload(body, app.ingest.now());
    return { status: 202, body: await app.ingest.ingest(alerts) };
  };
  const dryRun = async ({ body }: { body: unknown }) => {
    if (body === undefined) throw new ValidationError('The body is empty', [{ field: '(body)', message: 'required' }]);
    const { alerts } = parseAlertPayload(body, app.ingest.now());
    return { status: 200, body: await app.ingest.dryRun(alerts) };
  };
  return httpFunction(
    'ingest',
    { 'POST /v1/alerts': ingest, 'POST /api/v2/alerts': ingest, 'POST /v1/alerts/dry-run': dryRun },
    app,
  );
}

/** EventBridge target: a throw makes EventBridge retry, as a 5xx makes Alertmanager retry. */
export function makeCloudWatchHandler(app: CoreApp): (event: unknown) => Promise<IngestResult> {
  return async (event) => {
    const alert = alertFromCloudWatchEvent(event, app.ingest.now());
    const result = await app.ingest.ingest([alert]);
    app.log.info('cloudwatch alarm ingested', { alertname: alert.labels.alertname, notified: result.notified });
    return result;
  };
}

/**
 * The sweeper function (its own Lambda, the ingest's bundle): an EventBridge schedule invokes it
 * every minute to mail held alerts whose mute ended. A throw is logged and the next minute's run
 * picks up where the bookmark is (the schedule does not retry).
 */
export function makeSweepHandler(app: CoreApp): () => Promise<SweepResult> {
  return () => app.sweeper.run();
}

const app = coreAppFromEnvironment();
export const handler = makeIngestHandler(app);
export const cloudwatchHandler = makeCloudWatchHandler(app);
export const sweepHandler = makeSweepHandler(app);
