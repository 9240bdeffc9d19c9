/** The alerts the benchmarks post: the Alertmanager API v2 array Prometheus sends, realistic label sets. */

export interface V2Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export function makeAlert(id: string, i: number, startsAt: string, endsAt: string, alertname?: string): V2Alert {
  return {
    labels: {
      alertname: alertname ?? `BenchPodCrashLooping${i % 10}`,
      severity: i % 3 === 0 ? 'critical' : 'warning',
      namespace: `team-${i % 7}`,
      pod: `api-${id}-${i}`,
      container: 'server',
      instance: `10.1.${(i >> 8) & 255}.${i & 255}:9100`,
      job: 'kube-state-metrics',
    },
    annotations: {
      summary: `Pod api-${id}-${i} is crash looping`,
      description: 'The container restarted 5 times in the last 10 minutes.',
      runbook_url: 'https://runbooks.bench.invalid/KubePodCrashLooping',
    },
    startsAt,
    endsAt,
    generatorURL: 'http://prometheus.bench.invalid/graph?g0.expr=kube_pod_container_status_restarts_total',
  };
}
