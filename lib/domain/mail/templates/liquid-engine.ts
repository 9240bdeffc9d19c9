/**
 * Templates rendered with LiquidJS, safe by construction:
 * - no code execution (Liquid has none) and no file system: `templates: {}` is an empty in-memory
 *   store, so `include`, `render` and `layout` find nothing (a test includes /etc/passwd);
 * - strict: an unknown variable or filter is an error (lenient only in `if` and `default`, so
 *   `{% if alert.annotations.runbook %}` works as it does in Alertmanager's templates);
 * - the HTML part escapes every output (the built-in mail's escapeHtml) unless its last filter is
 *   one of ours that escapes itself (breakable, linkify) or `raw`, which an admin writes on purpose;
 * - the subject and text parts are text: nothing is escaped, and the subject is made one line
 *   (control characters, CR and LF removed) and capped; nodemailer encodes and folds it (RFC 2047);
 * - parse size, render time and allocations are bounded by LiquidJS, and each part's output by us.
 *
 * This module is a lazy chunk of the function bundles (cdk/function.ts LAZY_CHUNKS): LiquidJS
 * (~180 KB) loads with the first mail a custom template renders, never at a cold start.
 */
import { Liquid, type Template } from 'liquidjs';
import { escapeHtml, type RenderedMail, SUBJECT_MAX_LENGTH, singleLine, truncate } from '../render-batch';
import type { TemplateContext } from './context';
import { commonFilters, HTML_FILTERS } from './filters';
import { type MailTemplate, TEMPLATE_LIMITS, TEMPLATE_PARTS, TemplateError, type TemplatePart } from './model';

/**
 * The mail's `now`, for `duration`: set before each (synchronous) render, so a preview or a test
 * renders the same durations as the mail it stands for, whatever the wall clock.
 */
let renderNow = new Date();

function engine(html: boolean): Liquid {
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    lenientIf: true,
    ownPropertyOnly: true,
    templates: {},
    greedy: false,
    parseLimit: TEMPLATE_LIMITS.parseLimit,
    renderLimit: TEMPLATE_LIMITS.renderLimitMs,
    memoryLimit: TEMPLATE_LIMITS.memoryLimit,
    ...(html ? { outputEscape: (value: unknown) => (value == null ? '' : escapeHtml(String(value))) } : {}),
  });
  for (const [name, filter] of Object.entries(commonFilters(() => renderNow))) liquid.registerFilter(name, filter);
  if (html) {
    for (const [name, filter] of Object.entries(HTML_FILTERS)) {
      liquid.registerFilter(name, {
        handler: (value: unknown, ...args: unknown[]) => filter(value, ...args),
        raw: true,
      });
    }
  }
  return liquid;
}

let engines: { text: Liquid; html: Liquid } | undefined;
const enginesFor = () => {
  engines ??= { text: engine(false), html: engine(true) };
  return engines;
};

/** LiquidJS's message without its `, line:1, col:4` suffix (we give those as fields). */
function templateError(part: TemplatePart, error: unknown): TemplateError {
  if (error instanceof TemplateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const token = (error as { token?: { getPosition?: () => [number, number] } }).token;
  const position = typeof token?.getPosition === 'function' ? token.getPosition() : undefined;
  const reason = message.replace(/, line:\d+, col:\d+$/, '').slice(0, 300);
  return new TemplateError(part, reason, position?.[0], position?.[1]);
}

export type CompiledTemplate = Readonly<Record<TemplatePart, Template[]>>;

const compiledCache = new Map<string, CompiledTemplate>();
const CACHE_SIZE = 32;

/** Parses the three parts; throws TemplateError naming the first part that does not parse. */
export function compileTemplate(template: MailTemplate): CompiledTemplate {
  const key = JSON.stringify([template.subject, template.text, template.html]);
  const cached = compiledCache.get(key);
  if (cached) return cached;
  const { text, html } = enginesFor();
  const compiled = {} as Record<TemplatePart, Template[]>;
  for (const part of TEMPLATE_PARTS) {
    try {
      compiled[part] = (part === 'html' ? html : text).parse(template[part]);
    } catch (error) {
      throw templateError(part, error);
    }
  }
  if (compiledCache.size >= CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value ?? '');
  compiledCache.set(key, compiled);
  return compiled;
}

function renderPart(part: TemplatePart, templates: Template[], context: TemplateContext): string {
  const liquid = part === 'html' ? enginesFor().html : enginesFor().text;
  let output: unknown;
  renderNow = new Date(context.now);
  try {
    output = liquid.renderSync(templates, context);
  } catch (error) {
    throw templateError(part, error);
  }
  const rendered = String(output);
  if (rendered.length > TEMPLATE_LIMITS.maxOutputLength) {
    throw new TemplateError(part, `the output exceeds ${TEMPLATE_LIMITS.maxOutputLength} characters`);
  }
  return rendered;
}

/** The mail a template makes of a context; throws TemplateError for the first part that fails. */
export function renderTemplate(template: MailTemplate, context: TemplateContext): RenderedMail {
  const compiled = compileTemplate(template);
  // A header value: one line of text, whatever the template or a label held (no CR/LF, no controls).
  const subject = truncate(singleLine(renderPart('subject', compiled.subject, context)), SUBJECT_MAX_LENGTH);
  if (subject === '') throw new TemplateError('subject', 'the subject is empty');
  const withSubject: TemplateContext = { ...context, subject };
  const text = renderPart('text', compiled.text, withSubject).replace(/\r\n?/g, '\n');
  const html = renderPart('html', compiled.html, withSubject);
  return { subject, text, html };
}
