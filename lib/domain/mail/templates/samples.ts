/**
 * The built-in sample alerts: what the preview shows when no alerts are given, and what every
 * template is rendered against before it is stored (so an unknown variable or filter, or a filter
 * that fails, is refused at save time, not at 3 a.m.). Firing and resolved, one alert and many.
 */
import type { Alert } from '../../alerts/model';
import type { MailKind } from '../render-batch';

export const SAMPLE_NAMES = ['firing-one', 'firing-many', 'resolved-one', 'resolved-many'] as const;
export type SampleName = (typeof SAMPLE_NAMES)[number];

const MINUTE = 60_000;

function sampleAlert(now: Date, index: number, pod: string, severity: string, startedMinutesAgo: number): Alert {
  return {
    fingerprint: `5a1e${index.toString(16).padStart(12, '0')}`,
    labels: {
      alertname: 'KubePodCrashLooping',
      cluster: 'prod-eu-1',
      namespace: 'payments',
      pod,
      container: 'api',
      severity,
      job: 'kube-state-metrics',
    },
    annotations: {
      summary: `Pod payments/${pod} is crash looping`,
      description: `Pod payments/${pod} (container api) restarted 5 times in the last 10 minutes.`,
      runbook_url: 'https://runbooks.example.com/KubePodCrashLooping',
    },
    status: 'firing',
    startsAt: new Date(now.getTime() - startedMinutesAgo * MINUTE),
    generatorURL: 'https://prometheus.example.com/graph?g0.expr=kube_pod_container_status_restarts_total',
    source: 'alertmanager',
  };
}

const resolved = (alert: Alert, now: Date): Alert => ({
  ...alert,
  status: 'resolved',
  endsAt: new Date(now.getTime() - 2 * MINUTE),
});

export function sampleAlerts(name: SampleName, now: Date): { kind: MailKind; alerts: Alert[] } {
  const one = [sampleAlert(now, 1, 'api-7d9f8b6c5-x2k4q', 'critical', 192)];
  const many = [
    ...one,
    sampleAlert(now, 2, 'api-7d9f8b6c5-m8z1r', 'warning', 47),
    sampleAlert(now, 3, 'worker-5c6d7e8f9-p0q9w', 'warning', 12),
  ];
  switch (name) {
    case 'firing-one':
      return { kind: 'firing', alerts: one };
    case 'firing-many':
      return { kind: 'firing', alerts: many };
    case 'resolved-one':
      return { kind: 'resolved', alerts: one.map((a) => resolved(a, now)) };
    case 'resolved-many':
      return { kind: 'resolved', alerts: many.map((a) => resolved(a, now)) };
  }
}
