/**
 * The HTTP contract's schemas: the request bodies the handlers validate with (producing the core's
 * input types, checked below), the answers' shapes, and the OpenAPI document generated from both.
 */
import * as z from 'zod';
import {
  type Condition,
  type ConfigPatch,
  MAX_RECIPIENTS,
  type ServerSettingsInput,
  type TestMessageRequest,
} from '../lib/domain/config';
import { MAX_REPEAT_INTERVAL_MS, MIN_REPEAT_INTERVAL_MS, parseDuration } from '../lib/domain/durations';
import { type MailTemplate, TEMPLATE_NAME_PATTERN, TEMPLATE_PART_MAX_LENGTH } from '../lib/domain/mail/templates/model';
import { SAMPLE_NAMES } from '../lib/domain/mail/templates/samples';
import { parseGoogleKey, tenantIdProblem, tokenUrlProblem } from '../lib/domain/mail-sign-in';
import { MAX_INTERVALS_PER_WINDOW, MUTE_WINDOW_NAME, windowProblems } from '../lib/domain/mute-windows';
import { DEFAULT_ROUTE_NAME, MAX_ROUTE_RECIPIENTS, MAX_ROUTES, NAME_PATTERN, type Route } from '../lib/domain/routes';
import { MAX_MATCHERS_PER_SILENCE, type SilenceInput } from '../lib/domain/silences';
import type { TemplatePreviewRequest } from '../lib/usecases/templates';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** An RFC 5321 addr-spec (`name@example.com`): no display name, no quoting, no comments, no CR/LF. */
export function isAddrSpec(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 1 && domain.length <= 253 && labels.every((label) => DOMAIN_LABEL.test(label));
}

const EmailAddressSchema = z
  .string()
  .max(254)
  .refine(isAddrSpec, 'must be a plain email address like ops@example.com (no display name, quotes or spaces)')
  .meta({ description: 'An addr-spec email address', example: 'oncall@example.com' });

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isHost(value: string): boolean {
  if (IPV4.test(value)) return true;
  // A name whose last label is all digits is no host name (no top-level domain is numeric): `256.1.1.1`, `1.2.3`.
  if (HOSTNAME.test(value)) return !/(?:^|\.)\d+\.?$/.test(value);
  // IPv6, with or without brackets; `new URL` does the full RFC 4291 parse.
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (!bare.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(bare)) return false;
  try {
    return new URL(`smtp://[${bare}]`).hostname.length > 2;
  } catch {
    return false;
  }
}

const noControlChars = (value: string) => !CONTROL_CHARS.test(value);

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END CERTIFICATE-----/g;

/** One or more PEM certificates and nothing else (blank lines between them allowed); no private keys by mistake. */
export function isPemCertificates(text: string): boolean {
  const normalized = `${text.trim()}\n`;
  const blocks = normalized.match(PEM_CERTIFICATE);
  return blocks !== null && normalized.replace(PEM_CERTIFICATE, '').trim() === '';
}

export const SecuritySchema = z.enum(['none', 'starttls', 'tls']).meta({
  description: '`none`: plain SMTP, never upgraded; `starttls`: STARTTLS required; `tls`: implicit TLS (port 465)',
});

/** An optional text field of the sign-in: `""` means absent, as a form sends an empty field. */
const optionalText = (max: number) =>
  z.string().max(max).refine(noControlChars, 'must not contain control characters').optional();

/** Host, port and security a Graph send never uses: filled in so the settings keep one shape. */
const GRAPH_SERVER = { host: 'graph.microsoft.com', port: 443, security: 'tls' } as const;

export const OAuthSettingsInputSchema = z
  .strictObject({
    type: z.literal('oauth2'),
    provider: z.enum(['microsoft', 'google', 'generic']).meta({
      description:
        '`microsoft`: Microsoft Entra ID (tenantId, clientId, clientSecret; token URL and scope derived). `google`: a service account key with domain-wide delegation (clientSecret holds the key JSON). `generic`: any tokenUrl and scope',
    }),
    user: z
      .string()
      .min(1)
      .max(254)
      .refine(noControlChars, 'must not contain control characters')
      .meta({ description: 'The mailbox signed in as (XOAUTH2 user, Graph /users/{user}, Google delegated user)' }),
    clientId: optionalText(256),
    clientSecret: z.string().max(16384).optional().meta({
      description:
        'Write-only, kept in the secret store like the password. Omitted or `""`: keep the stored one (same provider). Google: the whole service account key file (JSON)',
    }),
    tenantId: optionalText(253).meta({ description: 'microsoft: the directory (tenant) ID or a verified domain' }),
    tokenUrl: z.string().max(2048).optional().meta({
      description: 'generic only (derived for the others): `https://`, or `http://` on a loopback address only',
    }),
    scope: optionalText(1024).meta({ description: 'Replaces the preset scope when set' }),
  })
  .superRefine((auth, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    const absent = (field: 'tenantId' | 'tokenUrl', why: string) => {
      if (auth[field]) issue(field, `must be absent for ${auth.provider}: ${why}`);
    };
    if (auth.provider !== 'generic' && !isAddrSpec(auth.user))
      issue('user', 'must be the email address of the mailbox');
    if (auth.provider !== 'google' && !auth.clientId) issue('clientId', `is required for ${auth.provider}`);
    if (auth.provider !== 'microsoft') absent('tenantId', 'only Microsoft has a tenant');
    if (auth.provider === 'microsoft') {
      absent('tokenUrl', 'it is derived from tenantId');
      const problem = auth.tenantId ? tenantIdProblem(auth.tenantId) : 'is required for microsoft';
      if (problem) issue('tenantId', problem);
    }
    if (auth.provider === 'google') {
      absent('tokenUrl', "it is Google's own");
      const key = auth.clientSecret ? parseGoogleKey(auth.clientSecret) : undefined;
      if (typeof key === 'string') issue('clientSecret', key);
    }
    if (auth.provider === 'generic') {
      const problem = auth.tokenUrl ? tokenUrlProblem(auth.tokenUrl) : 'is required for generic';
      if (problem) issue('tokenUrl', problem);
    }
  })
  .transform(({ clientId, clientSecret, tenantId, tokenUrl, scope, ...auth }) => ({
    ...auth,
    ...(clientId ? { clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    ...(tenantId ? { tenantId } : {}),
    ...(tokenUrl ? { tokenUrl } : {}),
    ...(scope ? { scope } : {}),
  }));

export const ServerSettingsInputSchema = z
  .strictObject({
    host: z
      .string()
      .min(1, { abort: true })
      .max(253, { abort: true })
      .refine(isHost, 'must be a host name, an IPv4 or an IPv6 address')
      .optional()
      .meta({ description: 'Required, but with `transport: "graph"` (which needs no host)' }),
    port: z.number().int().min(1).max(65535).optional(),
    security: SecuritySchema.optional(),
    username: z.string().max(256).refine(noControlChars, 'must not contain control characters').optional().meta({
      description: 'SMTP AUTH user; `""` means none (as a form sends it, and as Alertmanager\'s `auth_username: ""`)',
    }),
    /** Write-only. Omitted: keep the stored password. `null` or `""`: none (the stored one is removed). */
    password: z.string().max(1024).nullable().optional().meta({
      description: 'Write-only. Omitted: keep the stored password. `null` or `""`: none (the stored one is removed).',
    }),
    from: EmailAddressSchema,
    /** Omitted: keep the stored CA. `null`: remove it. */
    ca: z
      .string()
      .max(65536, { abort: true })
      .refine(
        isPemCertificates,
        'must be one or more PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)',
      )
      .nullable()
      .optional(),
    transport: z.enum(['smtp', 'graph']).optional().meta({
      description:
        '`smtp` (default), or `graph`: Microsoft Graph sendMail (needs `auth` with provider `microsoft`; host, port and security are then unused)',
    }),
    auth: OAuthSettingsInputSchema.nullable().optional().meta({
      description:
        'OAuth 2.0 sign-in (SMTP AUTH XOAUTH2, or the Graph transport). Omitted or `null`: the username and password, or none',
    }),
  })
  .superRefine((input, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (input.transport === 'graph' && input.auth?.provider !== 'microsoft') {
      issue('transport', 'graph needs "auth" with type oauth2 and provider microsoft');
    }
    if (input.transport !== 'graph' && input.host === undefined) issue('host', 'is required');
    if (input.auth && input.username)
      issue('username', 'must be absent with OAuth 2.0 sign-in (auth.user names the mailbox)');
    if (input.auth && input.password) {
      issue('password', 'must be absent with OAuth 2.0 sign-in (the client secret goes in auth.clientSecret)');
    }
  })
  .transform(({ username, password, host, auth, transport, ...input }) => {
    const graph = transport === 'graph';
    return {
      ...input,
      ...(graph ? GRAPH_SERVER : {}),
      host: graph ? GRAPH_SERVER.host : (host ?? ''),
      // An empty user or password means none: no user stored, and the password as with `null`.
      ...(username && !auth ? { username } : {}),
      ...(password === undefined || auth ? {} : { password: password === '' ? null : password }),
      ...(auth ? { auth } : {}),
      ...(graph ? { transport } : {}),
      port: graph ? GRAPH_SERVER.port : (input.port ?? 25),
      // 465 is implicit TLS; 587 (submission) requires STARTTLS; anything else defaults to plain, as KubeSphere's port 25.
      security: graph
        ? GRAPH_SERVER.security
        : (input.security ?? (input.port === 465 ? 'tls' : input.port === 587 ? 'starttls' : 'none')),
    };
  });

export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const ConditionOperatorSchema = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Matches', 'NotMatches']).meta({
  description:
    '`Matches` / `NotMatches`: `values` holds one RE2 pattern, anchored at both ends as Alertmanager `=~`; `NotIn` and `NotMatches` hold when the label is absent',
});

const ConditionSchema = z
  .strictObject({
    label: z.string().min(1).max(128).regex(LABEL_NAME, 'must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)'),
    operator: ConditionOperatorSchema,
    values: z
      .array(z.string().max(1024).refine(noControlChars, 'must not contain control characters'))
      .max(100)
      .optional(),
  })
  .superRefine((condition, ctx) => {
    const hasValues = (condition.values?.length ?? 0) > 0;
    if ((condition.operator === 'Matches' || condition.operator === 'NotMatches') && condition.values?.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must hold exactly one RE2 pattern for ${condition.operator}`,
      });
    }
    if ((condition.operator === 'In' || condition.operator === 'NotIn') && !hasValues) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `is required and must not be empty for ${condition.operator}`,
      });
    }
    if ((condition.operator === 'Exists' || condition.operator === 'DoesNotExist') && hasValues) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must be absent for ${condition.operator}` });
    }
  })
  .transform((condition) => ({
    label: condition.label,
    operator: condition.operator,
    values: [...new Set(condition.values ?? [])],
  }));

const MAX_CONDITIONS = 50;
export const ConditionsSchema = z.array(ConditionSchema).max(MAX_CONDITIONS);

const RepeatIntervalSchema = z
  .string()
  .max(32)
  .refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms >= MIN_REPEAT_INTERVAL_MS && ms <= MAX_REPEAT_INTERVAL_MS;
  }, 'must be a duration between 1m and 30d, like 30m, 12h or 1d')
  .meta({ example: '12h' });

export const ConfigPatchSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    repeatInterval: RepeatIntervalSchema.optional(),
    sendResolved: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'must set at least one of enabled, repeatInterval, sendResolved');

export const RecipientInputSchema = z.strictObject({ address: EmailAddressSchema });

const NameSchema = z
  .string()
  .regex(NAME_PATTERN, 'must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit');

/** A route as written: `PUT /v1/routes/{name}` may leave out the name (the path has it). */
const RouteFieldsSchema = z.strictObject({
  recipients: z
    .array(EmailAddressSchema)
    .min(1)
    .max(MAX_ROUTE_RECIPIENTS)
    .refine(
      (list) => new Set(list.map((address) => address.toLowerCase())).size === list.length,
      'must not list an address twice',
    ),
  conditions: ConditionsSchema.default([]),
  continue: z.boolean().default(false),
  enabled: z.boolean().default(true),
  repeatInterval: RepeatIntervalSchema.optional(),
  sendResolved: z.boolean().optional(),
  muteWindows: z.array(NameSchema).max(20).optional(),
  template: NameSchema.optional(),
});

export const RouteInputSchema = RouteFieldsSchema.extend({
  name: NameSchema.refine(
    (name) => name !== DEFAULT_ROUTE_NAME,
    'is the default route; name the route otherwise',
  ).refine((name) => name !== 'order', 'is reserved (PUT /v1/routes/order reorders the routes)'),
});
export const RouteUpdateSchema = RouteFieldsSchema.extend({ name: NameSchema.optional() });
export const RouteOrderSchema = z.strictObject({ names: z.array(NameSchema).max(MAX_ROUTES) });
export const RoutesViewSchema = z.object({ routes: z.array(RouteInputSchema) });

export const TestMessageRequestSchema = z.strictObject({
  server: ServerSettingsInputSchema.optional(),
  recipients: z.array(EmailAddressSchema).min(1).max(MAX_RECIPIENTS).optional(),
});

const TemplatePartSchema = (part: string) =>
  z
    .string()
    .max(TEMPLATE_PART_MAX_LENGTH)
    .meta({ description: `The ${part} in Liquid (LiquidJS, strict)` });

/** A template's three parts (PUT /v1/templates/{name}; a preview's draft). */
export const TemplateInputSchema = z.strictObject({
  subject: TemplatePartSchema('subject (text; made one line, at most 150 characters)'),
  text: TemplatePartSchema('plain-text part'),
  html: TemplatePartSchema('HTML part (every output HTML-escaped unless its last filter is breakable, linkify or raw)'),
});

export const TemplatePreviewRequestSchema = z.strictObject({
  template: z.union([
    TemplateInputSchema,
    z.string().regex(TEMPLATE_NAME_PATTERN).meta({ description: 'The name of a stored template' }),
  ]),
  alerts: z.array(z.looseObject({})).min(1).max(100).optional().meta({
    description:
      'Alerts as POST /v1/alerts takes them in an array (Alertmanager API v2 / generic); the sample when absent',
  }),
  sample: z
    .enum(SAMPLE_NAMES)
    .optional()
    .meta({ description: 'The built-in sample to render when no alerts are given (default firing-one)' }),
  send: z.boolean().optional().meta({
    description:
      'Also send the preview to the configured recipients with the saved server, as a test message whose subject starts with [TEST]',
  }),
});

const Rfc3339Schema = z.iso.datetime({ offset: true }).meta({ format: 'date-time', example: '2026-03-29T18:00:00Z' });
const FreeTextSchema = (max: number) =>
  z.string().max(max).refine(noControlChars, 'must not contain control characters');

export const SilenceInputSchema = z.strictObject({
  matchers: z.array(ConditionSchema).min(1).max(MAX_MATCHERS_PER_SILENCE).meta({
    description: 'Conditions that must all hold for the silence to hold an alert (on every route)',
  }),
  startsAt: Rfc3339Schema.optional().meta({ description: 'Default: now' }),
  endsAt: Rfc3339Schema.meta({ description: 'After startsAt, at most 90 days ahead' }),
  createdBy: FreeTextSchema(256).optional(),
  comment: FreeTextSchema(1024).optional(),
});

const SilenceViewSchema = z.object({
  id: z.string(),
  matchers: z.array(z.object({ label: z.string(), operator: ConditionOperatorSchema, values: z.array(z.string()) })),
  startsAt: z.string().meta({ format: 'date-time' }),
  endsAt: z.string().meta({ format: 'date-time' }),
  createdBy: z.string(),
  comment: z.string(),
  updatedAt: z.string().meta({ format: 'date-time' }),
  state: z.enum(['active', 'pending', 'expired']),
});
export const SilenceSchema = SilenceViewSchema;
export const SilencesViewSchema = z.object({ silences: z.array(SilenceViewSchema) });

const WindowIntervalSchema = z.strictObject({
  weekdays: z
    .array(z.string().max(32))
    .max(7)
    .optional()
    .meta({ example: ['monday:friday'] }),
  times: z
    .array(z.strictObject({ start: z.string().max(5), end: z.string().max(5) }))
    .max(10)
    .optional()
    .meta({ example: [{ start: '18:00', end: '24:00' }] }),
  daysOfMonth: z
    .array(z.string().max(8))
    .max(31)
    .optional()
    .meta({ example: ['1:5', '-1'] }),
  months: z
    .array(z.string().max(32))
    .max(12)
    .optional()
    .meta({ example: ['january:march', '12'] }),
});

/** `PUT /v1/mute-windows/{name}`: the name comes from the path (a body's `name`, if any, must agree). */
export const MuteWindowInputSchema = z
  .strictObject({
    name: z.string().max(63).optional(),
    timezone: z
      .string()
      .max(64)
      .optional()
      .meta({ description: 'IANA timezone; default UTC', example: 'Europe/Berlin' }),
    intervals: z.array(WindowIntervalSchema).max(MAX_INTERVALS_PER_WINDOW),
  })
  .superRefine((window, ctx) => {
    for (const problem of windowProblems({ timezone: window.timezone ?? 'UTC', intervals: window.intervals })) {
      ctx.addIssue({
        code: 'custom',
        path: problem.field
          .split(/[.[\]]+/)
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        message: problem.message,
      });
    }
  });

export const MuteWindowSchema = z.object({
  name: z.string().regex(MUTE_WINDOW_NAME),
  timezone: z.string(),
  intervals: z.array(WindowIntervalSchema),
});
export const MuteWindowsViewSchema = z.object({ windows: z.array(MuteWindowSchema) });

/** The request schemas produce the core's input types: checked at compile time (the answers' side: response-schemas.ts). */
type Produces<Schema extends z.ZodType, T> = z.output<Schema> extends T ? true : never;
export const CONTRACT_MATCHES_CORE: [
  Produces<typeof ServerSettingsInputSchema, ServerSettingsInput>,
  Produces<typeof ConditionsSchema, readonly Condition[]>,
  Produces<typeof RouteInputSchema, Route>,
  Produces<typeof ConfigPatchSchema, ConfigPatch>,
  Produces<typeof TestMessageRequestSchema, TestMessageRequest>,
  Produces<typeof TemplateInputSchema, MailTemplate>,
  Produces<typeof TemplatePreviewRequestSchema, TemplatePreviewRequest>,
  Produces<typeof SilenceInputSchema, SilenceInput>,
] = [true, true, true, true, true, true, true, true];
