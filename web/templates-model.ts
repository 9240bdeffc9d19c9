/** The Templates view's pure logic: the shapes the API answers, the samples, the widths, and error wording. */
import type { ApiErrorDetail } from './model';

export interface TemplateParts {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateView extends TemplateParts {
  name: string;
  /** False for the shipped `default`. */
  stored: boolean;
}

export interface RenderedPreview {
  subject: string;
  text: string;
  html: string;
}

export const TEMPLATE_PART_LABELS: ReadonlyArray<{ part: keyof TemplateParts; label: string }> = [
  { part: 'subject', label: 'Subject' },
  { part: 'text', label: 'Text part' },
  { part: 'html', label: 'HTML part' },
];

/** The built-in samples (POST /v1/templates/preview `sample`). */
export const SAMPLES: ReadonlyArray<{ id: string; label: string }> = [
  { id: 'firing-one', label: 'Firing, one alert' },
  { id: 'firing-many', label: 'Firing, three alerts' },
  { id: 'resolved-one', label: 'Resolved, one alert' },
  { id: 'resolved-many', label: 'Resolved, three alerts' },
];

/** The widths the HTML preview is shown at: a phone, and a desktop mail client's reading pane. */
export const PREVIEW_WIDTHS = [375, 800] as const;
export type PreviewWidth = (typeof PREVIEW_WIDTHS)[number];

/** How long typing pauses before the preview is rendered again (ms). */
export const PREVIEW_DELAY_MS = 300;

/**
 * The API's name rule (lib/domain/routes.ts NAME_PATTERN, equal by test): not imported, as that
 * module brings the RE2 engine into the page.
 */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function partsOf(template: TemplateParts): TemplateParts {
  return { subject: template.subject, text: template.text, html: template.html };
}

export function sameParts(a: TemplateParts | null, b: TemplateParts): boolean {
  return a !== null && a.subject === b.subject && a.text === b.text && a.html === b.html;
}

/** "HTML part, line 2, column 6: undefined variable: nope" from the API's detail of a refused template. */
export function templateErrorText(details: readonly ApiErrorDetail[], fallback: string): string {
  const [first] = details;
  if (!first) return fallback;
  const part = TEMPLATE_PART_LABELS.find((p) => p.part === first.field)?.label ?? first.field;
  return `${part}: ${first.message}`;
}
