/**
 * `POST /v1/alerts/dry-run`: what `POST /v1/alerts` would do with these alerts, and why, route by
 * route, with nothing written and nothing sent. It runs the ingest's own rules: the same routing
 * (lib/domain/routes.ts), the same gate and mute (stages.ts), the same decision (lib/domain/decide.ts),
 * against the same states, so its answer is what a real post then does.
 */
import type { Alert } from '../../domain/alerts/model';
import type { Condition } from '../../domain/config';
import { decide } from '../../domain/decide';
import { loadWindowEngine, windowsByName } from '../../domain/mute-windows';
import { loadPatternEngine } from '../../domain/patterns';
import { addressKey } from '../../domain/progress';
import { allConditions, evaluateRoutes, routePlans, stateKeyOf } from '../../domain/routes';
import type { IngestDeps } from './service';
import { gateOf, type IngestRequest, lastOccurrences, muteOf, targetsOf } from './stages';

export type DryRunDecision =
  | 'send'
  | 'repeatInterval'
  | 'silenced'
  | 'muted'
  | 'disabled'
  | 'notConfigured'
  /** A resolved alert with nothing to tell: never notified on this route, or its notice already sent. */
  | 'nothingToTell';

export interface DryRunRoute {
  readonly route: string;
  readonly reached: boolean;
  readonly matched: boolean;
  readonly failedCondition?: Condition;
  /** Who gets the alert from this route: its recipients, less those an earlier route already mails it to. */
  readonly recipients: readonly string[];
  readonly decision?: DryRunDecision;
  readonly silencedBy?: readonly string[];
  readonly mutedBy?: readonly string[];
  readonly nextAt?: string;
}

export interface DryRunAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: 'firing' | 'resolved';
  readonly routes: readonly DryRunRoute[];
}

export interface DryRunResult {
  readonly alerts: readonly DryRunAlert[];
}

export async function dryRun(deps: IngestDeps, received: readonly Alert[]): Promise<DryRunResult> {
  const alerts = lastOccurrences(received);
  const snapshot = await deps.snapshot.read(alerts.map((alert) => alert.fingerprint));
  const config = deps.config.withDefaults(snapshot.config);
  const plans = routePlans(config);
  const silences = snapshot.silences?.value.silences ?? [];
  await loadPatternEngine([...allConditions(plans), ...silences.flatMap((silence) => silence.matchers)]);
  const keys = targetsOf(plans, alerts).map((target) => target.key);
  const missing = keys.filter((key) => !snapshot.states.has(key) && !alerts.some((a) => a.fingerprint === key));
  const states =
    missing.length > 0 ? new Map([...snapshot.states, ...(await deps.state.getMany(missing))]) : snapshot.states;
  await loadWindowEngine(snapshot.muteWindows?.value.windows ?? []);
  const request: Pick<IngestRequest, 'silences' | 'muteWindows' | 'deps'> = {
    silences,
    muteWindows: windowsByName(snapshot.muteWindows?.value.windows ?? []),
    deps,
  };
  const nowMs = deps.clock().getTime();

  return {
    alerts: alerts.map((alert) => {
      const covered = new Set<string>();
      const routes = evaluateRoutes(plans, alert.labels).map((evaluation): DryRunRoute => {
        const { route } = evaluation;
        const verdict = {
          route: route.name,
          reached: evaluation.reached,
          matched: evaluation.matched,
          ...(evaluation.failedCondition ? { failedCondition: evaluation.failedCondition } : {}),
        };
        if (!evaluation.takes) {
          const disabled = evaluation.reached && evaluation.matched && !route.enabled;
          return { ...verdict, recipients: [], ...(disabled ? { decision: 'disabled' as const } : {}) };
        }
        const recipients = route.recipients.filter((r) => !covered.has(addressKey(r)));
        for (const r of recipients) covered.add(addressKey(r));
        const withRecipients = { ...verdict, recipients };
        const gate = gateOf(config, route);
        if (gate) return { ...withRecipients, decision: gate };
        const key = stateKeyOf(route, alert.fingerprint);
        const held = muteOf(request, { route, alert });
        if (held) {
          return {
            ...withRecipients,
            decision: held.reason,
            ...(held.silencedBy.length > 0 ? { silencedBy: held.silencedBy } : {}),
            ...(held.mutedBy.length > 0 ? { mutedBy: held.mutedBy } : {}),
          };
        }
        const decision = decide(alert.status, states.get(key), nowMs, route.policy);
        switch (decision.kind) {
          case 'sendFiring':
          case 'sendResolved':
          case 'inFlight':
            return { ...withRecipients, decision: 'send' };
          case 'repeatInterval':
            return { ...withRecipients, decision: 'repeatInterval', nextAt: new Date(decision.nextAt).toISOString() };
          default:
            // clear, nothingToTell: a resolved alert with no notice due.
            return { ...withRecipients, decision: 'nothingToTell' };
        }
      });
      return { fingerprint: alert.fingerprint, labels: alert.labels, status: alert.status, routes };
    }),
  };
}
