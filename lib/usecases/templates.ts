/**
 * Templates as the API offers them (DESIGN.md "Templates"): list, read (the shipped `default` when
 * unedited), write (validated whole: every part parses and renders against every built-in sample,
 * else nothing is stored), delete (which for `default` restores the shipped one), and preview
 * (optionally sent as a test message). LiquidJS loads with the first of these that needs it.
 */
import { parseAlertPayload } from '../domain/alerts/parse';
import type { RenderedMail } from '../domain/mail/render';
import { templateContext } from '../domain/mail/templates/context';
import { SHIPPED_DEFAULT_TEMPLATE } from '../domain/mail/templates/default-template';
import {
  DEFAULT_TEMPLATE_NAME,
  MAX_TEMPLATES,
  type MailTemplate,
  TEMPLATE_NAME_PATTERN,
  TemplateError,
} from '../domain/mail/templates/model';
import { loadLiquidEngine } from '../domain/mail/templates/render-mail';
import { SAMPLE_NAMES, type SampleName, sampleAlerts } from '../domain/mail/templates/samples';
import { NotFoundError, ValidationError } from '../errors';
import type { TemplateStore } from '../ports';
import type { ConfigService } from './config/service';
import type { MailDelivery } from './mail-delivery';
import { sendTestMessage, type TestMessageResult } from './test-message';

export interface TemplateView extends MailTemplate {
  readonly name: string;
  /** False for the shipped `default` (never edited, or restored). */
  readonly stored: boolean;
}

export interface TemplatePreviewRequest {
  readonly template: MailTemplate | string;
  /** Alerts in any format POST /v1/alerts takes (an array: Alertmanager's v2 API or generic alerts). */
  readonly alerts?: unknown;
  readonly sample?: SampleName;
  /** Also send the preview to the configured recipients, as a test message (subject prefixed `[TEST]`). */
  readonly send?: boolean;
}

export type TemplatePreview = RenderedMail & { readonly sent?: TestMessageResult };

/** What a sent preview's subject starts with: a recipient must not take a sample for an alert. */
export const PREVIEW_SUBJECT_PREFIX = '[TEST] ';

export interface TemplateServiceDeps {
  readonly store: TemplateStore;
  readonly clock: () => Date;
  readonly consoleUrl?: string | undefined;
  readonly config: ConfigService;
  readonly mailDelivery: MailDelivery;
}

/** A template error as the API answers it: 400, the part as the field, with its line and column. */
function refusal(error: TemplateError, sample?: SampleName): ValidationError {
  const where = error.line === undefined ? '' : `line ${error.line}, column ${error.column ?? 1}: `;
  const message = `${where}${error.reason}${sample ? ` (rendering the ${sample} sample)` : ''}`;
  return new ValidationError(`The template's ${error.part} part is not valid: ${message}`, [
    {
      field: error.part,
      message,
      ...(error.line === undefined ? {} : { line: error.line, column: error.column ?? 1 }),
    },
  ]);
}

function checkName(name: string): void {
  if (!TEMPLATE_NAME_PATTERN.test(name)) {
    throw new ValidationError('A template name is 1-63 lowercase letters, digits and hyphens', [
      { field: 'name', message: 'must match [a-z0-9][a-z0-9-]{0,62}' },
    ]);
  }
}

export class TemplateService {
  constructor(private readonly deps: TemplateServiceDeps) {}

  async list(): Promise<{ templates: Array<{ name: string; stored: boolean }> }> {
    const stored = await this.deps.store.list();
    const names = stored.includes(DEFAULT_TEMPLATE_NAME) ? stored : [DEFAULT_TEMPLATE_NAME, ...stored];
    return { templates: names.map((name) => ({ name, stored: stored.includes(name) })) };
  }

  async get(name: string): Promise<TemplateView> {
    checkName(name);
    const stored = await this.deps.store.get(name);
    if (stored) return { name, ...stored, stored: true };
    if (name === DEFAULT_TEMPLATE_NAME) return { name, ...SHIPPED_DEFAULT_TEMPLATE, stored: false };
    throw new NotFoundError(`No template named ${name}`, [{ field: 'name', message: 'no such template' }]);
  }

  async put(name: string, template: MailTemplate): Promise<TemplateView> {
    checkName(name);
    await this.validate(template);
    const names = await this.deps.store.list();
    if (!names.includes(name) && names.length >= MAX_TEMPLATES) {
      throw new ValidationError(`At most ${MAX_TEMPLATES} templates`, [
        { field: 'name', message: 'too many templates' },
      ]);
    }
    await this.deps.store.put(name, template);
    return { name, ...template, stored: true };
  }

  /** `default`: restores the shipped one (whether or not it was edited). Others: 404 when absent. */
  async delete(name: string): Promise<void> {
    checkName(name);
    const removed = await this.deps.store.delete(name);
    if (!removed && name !== DEFAULT_TEMPLATE_NAME) {
      throw new NotFoundError(`No template named ${name}`, [{ field: 'name', message: 'no such template' }]);
    }
  }

  /** Every part parses and renders against every sample (firing and resolved, one and many). */
  async validate(template: MailTemplate): Promise<void> {
    const { compileTemplate, renderTemplate } = await loadLiquidEngine();
    try {
      compileTemplate(template);
    } catch (error) {
      if (error instanceof TemplateError) throw refusal(error);
      throw error;
    }
    const now = this.deps.clock();
    for (const sample of SAMPLE_NAMES) {
      const { kind, alerts } = sampleAlerts(sample, now);
      try {
        renderTemplate(template, templateContext(kind, alerts, now, this.contextOptions()));
      } catch (error) {
        if (error instanceof TemplateError) throw refusal(error, sample);
        throw error;
      }
    }
  }

  async preview(request: TemplatePreviewRequest): Promise<TemplatePreview> {
    const template = typeof request.template === 'string' ? await this.get(request.template) : request.template;
    const { compileTemplate, renderTemplate } = await loadLiquidEngine();
    const now = this.deps.clock();
    const { kind, alerts } =
      request.alerts === undefined ? sampleAlerts(request.sample ?? 'firing-one', now) : given(request.alerts, now);
    let mail: RenderedMail;
    try {
      compileTemplate(template);
      mail = renderTemplate(template, templateContext(kind, alerts, now, this.contextOptions()));
    } catch (error) {
      if (error instanceof TemplateError) throw refusal(error);
      throw error;
    }
    if (!request.send) return mail;
    const sent = await sendTestMessage({}, this.deps, { ...mail, subject: `${PREVIEW_SUBJECT_PREFIX}${mail.subject}` });
    return { ...mail, sent };
  }

  private contextOptions() {
    return { consoleUrl: this.deps.consoleUrl, route: DEFAULT_TEMPLATE_NAME };
  }
}

/** Alerts given with a preview, parsed as the ingest parses them: a resolved mail when all are resolved. */
function given(body: unknown, now: Date) {
  let alerts: ReturnType<typeof parseAlertPayload>['alerts'];
  try {
    alerts = parseAlertPayload(body, now).alerts;
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(`alerts: ${error.message}`, [
        { field: 'alerts', message: error.details[0]?.message ?? error.message },
      ]);
    }
    throw error;
  }
  if (alerts.length === 0)
    throw new ValidationError('alerts: at least one alert', [{ field: 'alerts', message: 'empty' }]);
  const kind = alerts.every((a) => a.status === 'resolved') ? ('resolved' as const) : ('firing' as const);
  return { kind, alerts };
}
