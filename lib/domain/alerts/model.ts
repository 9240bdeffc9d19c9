/** The one alert shape every payload format is parsed into. */
export type Labels = Readonly<Record<string, string>>;

export type AlertStatus = 'firing' | 'resolved';

export interface Alert {
  /** 16 lowercase hex digits, computed from `labels` alone exactly as Prometheus/Alertmanager do. */
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  /** `resolved` when the source says so or when `endsAt` is already in the past. */
  readonly status: AlertStatus;
  readonly startsAt: Date;
  /** Absent when the source sends none or the Go zero time (0001-01-01). */
  readonly endsAt?: Date;
  readonly generatorURL?: string;
  /** Where the alert came from, for the email footer and the deliveries log. */
  readonly source: AlertSource;
}

export type AlertSource = 'alertmanager' | 'prometheus' | 'grafana' | 'generic' | 'cloudwatch';

/** Limits applied to every payload: past them the request is refused with a 4xx naming the field. */
export const ALERT_LIMITS = {
  maxAlertsPerRequest: 1000,
  maxLabelsPerAlert: 64,
  maxLabelNameLength: 128,
  maxLabelValueLength: 2048,
  maxAnnotationsPerAlert: 64,
  maxAnnotationValueLength: 16384,
  maxUrlLength: 4096,
} as const;
