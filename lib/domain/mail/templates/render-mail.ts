/**
 * The one place a mail is rendered from a template: the shipped `default` through the built-in
 * renderer (render.ts: no LiquidJS on the hot path, BENCHMARKS.md issue 18), any other through
 * LiquidJS, loaded on first use. A template that fails to render falls back to the shipped mail
 * for that mail, and says why: no alert is lost to a template.
 */
import type { Alert } from '../../alerts/model';
import { type MailKind, type RenderedMail, renderAlertMail } from '../render';
import { type ContextOptions, templateContext } from './context';
import type { MailTemplate } from './model';

/** LiquidJS and the engine: a lazy chunk of the bundles (cdk/function.ts LAZY_CHUNKS, import path './liquid-engine'). */
export const loadLiquidEngine = () => import('./liquid-engine');

export interface MailRender {
  readonly mail: RenderedMail;
  /** Set when the template failed and the mail is the shipped one: what failed, for the deliveries log. */
  readonly templateError?: string;
}

/** `template` null: the shipped default (unedited `default`, or a route naming a template that is gone: `missing`). */
export async function renderMail(
  kind: MailKind,
  alerts: readonly Alert[],
  now: Date,
  options: ContextOptions & { readonly templateName: string },
  template: MailTemplate | null,
  missing?: string,
): Promise<MailRender> {
  const builtIn = () => renderAlertMail(kind, alerts, now, { consoleUrl: options.consoleUrl });
  if (template === null)
    return missing === undefined ? { mail: builtIn() } : { mail: builtIn(), templateError: missing };
  try {
    const { renderTemplate } = await loadLiquidEngine();
    return { mail: renderTemplate(template, templateContext(kind, alerts, now, options)) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { mail: builtIn(), templateError: `template ${options.templateName}: ${reason}`.slice(0, 500) };
  }
}
