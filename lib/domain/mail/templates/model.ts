/**
 * Mail templates (DESIGN.md "Templates"): a subject, a text part and an HTML part in Liquid. The
 * shipped mail is the template `default`; an admin may edit it, restore it, or add named ones that
 * routes name. This module holds the rules that need no template engine (LiquidJS loads lazily:
 * liquid-engine.ts).
 */
import { NAME_PATTERN } from '../../routes';

export interface MailTemplate {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export type TemplatePart = keyof MailTemplate;
export const TEMPLATE_PARTS: readonly TemplatePart[] = ['subject', 'text', 'html'];

/** The template every mail uses unless its route names another; DELETE restores the shipped one. */
export const DEFAULT_TEMPLATE_NAME = 'default';

/** Template names: the one rule for route, template and mute-window names (lib/domain/routes.ts). */
export const TEMPLATE_NAME_PATTERN = NAME_PATTERN;

/** Longest source of one part: the longest string any JSON body may hold (functions/http.ts MAX_STRING_LENGTH). */
export const TEMPLATE_PART_MAX_LENGTH = 65_536;

/** Most templates stored (each is one config-table item). */
export const MAX_TEMPLATES = 100;

/** What a render may cost: LiquidJS stops a render past these (time in ms, allocations), and we refuse output past the size. */
export const TEMPLATE_LIMITS = {
  parseLimit: 3 * TEMPLATE_PART_MAX_LENGTH,
  renderLimitMs: 2_000,
  memoryLimit: 20_000_000,
  /** Characters of one rendered part (a 100-alert default mail is ~90 KB of HTML). */
  maxOutputLength: 1_000_000,
} as const;

/**
 * Why a template does not parse or render: the part, and the line and column (1-based) in that
 * part's source when LiquidJS knows them.
 */
export class TemplateError extends Error {
  constructor(
    readonly part: TemplatePart,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${part}${line === undefined ? '' : ` line ${line}, column ${column ?? 1}`}: ${reason}`);
    this.name = 'TemplateError';
  }
}
