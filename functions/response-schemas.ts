/**
 * The response shapes, for the OpenAPI document (functions/openapi.ts) and the contract test; the
 * request schemas the handlers validate with are in schemas.ts. Apart, so the config API's first
 * write (request-schemas.ts loads schemas.ts) builds none of these.
 */
import * as z from 'zod';
import type { IngestResult } from '../lib/usecases/ingest/service';
import { ConditionOperatorSchema, SecuritySchema } from './schemas';

const ServerSettingsViewSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  security: SecuritySchema,
  username: z.string().optional(),
  from: z.string(),
  ca: z.string().optional(),
  passwordSet: z.boolean(),
  transport: z.enum(['graph']).optional().meta({ description: 'Present when Microsoft Graph sends instead of SMTP' }),
  auth: z
    .object({
      type: z.literal('oauth2'),
      provider: z.enum(['microsoft', 'google', 'generic']),
      user: z.string(),
      clientId: z.string().optional(),
      tenantId: z.string().optional(),
      tokenUrl: z.string().optional(),
      scope: z.string().optional(),
      clientSecretSet: z
        .boolean()
        .meta({ description: 'Whether a client secret (or Google key) is stored; never the secret' }),
    })
    .optional(),
});

export const ConfigViewSchema = z.object({
  server: ServerSettingsViewSchema.nullable(),
  recipients: z.array(z.string()),
  conditions: z.array(
    z.object({
      label: z.string(),
      operator: ConditionOperatorSchema,
      values: z.array(z.string()),
    }),
  ),
  enabled: z.boolean(),
  repeatInterval: z.string(),
  sendResolved: z.boolean(),
  updatedAt: z.string().meta({ format: 'date-time' }),
});

export const RecipientsViewSchema = z.object({ recipients: z.array(z.string()) });

export const ErrorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(
      z.object({
        field: z.string(),
        message: z.string(),
        line: z.number().int().optional().meta({ description: 'A template part: the line (1-based)' }),
        column: z.number().int().optional().meta({ description: 'A template part: the column (1-based)' }),
      }),
    ),
    permanent: z.boolean().optional().meta({
      description:
        'With the SMTP_* and SES_REJECTED codes: true when a retry cannot change the outcome (a 5xx reply for the message or for every recipient), false for connection failures, timeouts, 4xx replies and throttling',
    }),
  }),
});

export const TestMessageResultSchema = z.object({
  sent: z.literal(true),
  messageId: z.string(),
  accepted: z.array(z.string()),
  rejected: z.array(z.string()),
});

export const IngestResultSchema = z.object({
  received: z.number().int(),
  matched: z.number().int(),
  notified: z.number().int(),
  suppressed: z.object({
    conditions: z.number().int(),
    repeatInterval: z.number().int(),
    disabled: z.number().int(),
    notConfigured: z.number().int(),
    silenced: z.number().int().meta({ description: 'Alerts a silence held on every route they go to' }),
    muted: z.number().int().meta({ description: 'Alerts held by a mute window of every route they go to' }),
    undeliverable: z.number().int().meta({
      description:
        'Alerts whose mail the mail server refused permanently (a 5xx for the message or for every recipient): logged as failed with `permanent: true`, not retried before the repeat interval',
    }),
  }),
  deliveryId: z.string().nullable(),
});

const DeliverySchema = z.object({
  id: z.string(),
  at: z.string().meta({ format: 'date-time' }),
  kind: z.enum(['firing', 'resolved', 'test']),
  alerts: z.array(z.string()),
  recipients: z.array(z.string()),
  outcome: z.enum(['sent', 'failed']),
  error: z.string().nullable(),
  subject: z.string().optional(),
  messageId: z.string().optional(),
  accepted: z.array(z.string()).optional().meta({ description: 'Recipients the mail server accepted' }),
  rejected: z
    .array(z.object({ address: z.string(), reply: z.string(), permanent: z.boolean() }))
    .optional()
    .meta({ description: 'Recipients the mail server refused, with its reply; `permanent` for a 5xx' }),
  permanent: z
    .boolean()
    .optional()
    .meta({ description: 'On a failed delivery: no retry can change it; the alerts wait for the repeat interval' }),
  templateError: z.string().optional().meta({
    description: "The mail's template failed to render (or is missing), so this mail is the shipped default: why",
  }),
  route: z.string().optional().meta({ description: 'The route whose mail it was (`default`: the default route)' }),
});

const DryRunRouteSchema = z.object({
  route: z.string(),
  reached: z.boolean().meta({ description: 'False when an earlier route took the alert without `continue`' }),
  matched: z.boolean(),
  failedCondition: z
    .object({ label: z.string(), operator: ConditionOperatorSchema, values: z.array(z.string()) })
    .optional(),
  recipients: z
    .array(z.string())
    .meta({ description: 'Who gets the alert from this route (a recipient once per alert)' }),
  decision: z
    .enum(['send', 'repeatInterval', 'silenced', 'muted', 'disabled', 'notConfigured', 'nothingToTell'])
    .optional()
    .meta({ description: 'For a route that takes the alert (or would, but is disabled)' }),
  silencedBy: z.array(z.string()).optional(),
  mutedBy: z.array(z.string()).optional(),
  nextAt: z.string().meta({ format: 'date-time' }).optional(),
});
export const DryRunResultSchema = z.object({
  alerts: z.array(
    z.object({
      fingerprint: z.string(),
      labels: z.object({}).catchall(z.string()),
      status: z.enum(['firing', 'resolved']),
      routes: z.array(DryRunRouteSchema),
    }),
  ),
});
/** `GET /v1/deliveries?held=true`: the alerts held now (silenced or muted while a notice was due). */
const HeldAlertSchema = z.object({
  fingerprint: z.string(),
  route: z.string(),
  labels: z.object({}).catchall(z.string()),
  mutedAt: z.string().meta({ format: 'date-time' }),
  silencedBy: z.array(z.string()).meta({ description: 'Ids of the silences that held it when its notice was due' }),
  mutedBy: z.array(z.string()).meta({ description: 'Names of the mute windows that held it' }),
});
export const DeliveriesViewSchema = z.object({
  deliveries: z.array(DeliverySchema),
  held: z
    .array(HeldAlertSchema)
    .optional()
    .meta({ description: 'With `?held=true`: the alerts held now, oldest first' }),
});
export const TemplateViewSchema = z.object({
  name: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  stored: z.boolean().meta({ description: 'False for the shipped default (never edited, or restored)' }),
});
export const TemplateListSchema = z.object({
  templates: z.array(z.object({ name: z.string(), stored: z.boolean() })),
});
export const TemplatePreviewSchema = z.object({
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  sent: TestMessageResultSchema.optional().meta({ description: 'With `send`: the test message sent' }),
});

/** /healthz: `ok` with the store answering, `degraded` (503) when it does not. */
export const HealthSchema = z.object({ status: z.enum(['ok', 'degraded']), store: z.enum(['ok', 'unavailable']) });

/** The core's result is the answer's shape: checked at compile time. */
type Describes<Schema extends z.ZodType, T> = T extends z.output<Schema> ? true : never;
export const ANSWERS_MATCH_CORE: [Describes<typeof IngestResultSchema, IngestResult>] = [true];
