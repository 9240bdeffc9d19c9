/**
 * lib/alerts/cloudwatch.ts, loaded on first use. It builds its zod schemas as it loads, and the
 * ingest Lambda's cold start seldom needs them: Alertmanager, Prometheus and Grafana payloads never
 * touch it, only a CloudWatch alarm (an EventBridge event or an SNS notification) does. esbuild
 * bundles the module behind this `require`, so its top level runs on the first call, once.
 */
import type * as CloudWatch from './cloudwatch';

let loaded: typeof CloudWatch | undefined;

export function cloudwatch(): typeof CloudWatch {
  loaded ??= require('./cloudwatch') as typeof CloudWatch;
  return loaded;
}
