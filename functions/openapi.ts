/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with.
 * Every schema is a named component (`#/components/schemas/...`); every route of the route
 * table has an operation, with a schema for each answer it can give.
 */
import * as z from 'zod';
import {
  ConfigViewSchema,
  DeliveriesViewSchema,
  DryRunResultSchema,
  ErrorResponseSchema,
  HealthSchema,
  IngestResultSchema,
  RecipientsViewSchema,
  TemplateListSchema,
  TemplatePreviewSchema,
  TemplateViewSchema,
  TestMessageResultSchema,
} from './response-schemas';
import { ROUTES } from './routes';
import {
  ConditionsSchema,
  ConfigPatchSchema,
  MuteWindowInputSchema,
  MuteWindowSchema,
  MuteWindowsViewSchema,
  RecipientInputSchema,
  RouteInputSchema,
  RouteOrderSchema,
  RoutesViewSchema,
  RouteUpdateSchema,
  ServerSettingsInputSchema,
  SilenceInputSchema,
  SilenceSchema,
  SilencesViewSchema,
  TemplateInputSchema,
  TemplatePreviewRequestSchema,
  TestMessageRequestSchema,
} from './schemas';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, without the `$schema` marker of a root document. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  if ('$defs' in rest) throw new Error('openapi: nested $defs would not resolve inside components');
  return rest;
}

const AlertsBodySchema: JsonSchema = {
  description:
    'Alertmanager webhook (version "4"), the Alertmanager API v2 array Prometheus posts, a Grafana webhook, an SNS notification carrying a CloudWatch alarm, or {"alerts":[{labels, annotations, status, startsAt, endsAt, generatorURL}]}',
  oneOf: [
    { type: 'array', items: { type: 'object', required: ['labels'] } },
    { type: 'object', required: ['alerts'] },
    { type: 'object', required: ['Type', 'Message'] },
  ],
};

const SCHEMAS: Record<string, JsonSchema> = {
  Error: jsonSchema(ErrorResponseSchema, 'output'),
  Health: jsonSchema(HealthSchema, 'output'),
  Config: jsonSchema(ConfigViewSchema, 'output'),
  ConfigPatch: jsonSchema(ConfigPatchSchema, 'input'),
  ServerSettingsInput: jsonSchema(ServerSettingsInputSchema, 'input'),
  Recipients: jsonSchema(RecipientsViewSchema, 'output'),
  RecipientInput: jsonSchema(RecipientInputSchema, 'input'),
  ConditionsInput: jsonSchema(ConditionsSchema, 'input'),
  TestMessageRequest: jsonSchema(TestMessageRequestSchema, 'input'),
  TestMessageResult: jsonSchema(TestMessageResultSchema, 'output'),
  Deliveries: jsonSchema(DeliveriesViewSchema, 'output'),
  IngestResult: jsonSchema(IngestResultSchema, 'output'),
  Route: jsonSchema(RouteInputSchema, 'output'),
  RouteInput: jsonSchema(RouteInputSchema, 'input'),
  RouteUpdate: jsonSchema(RouteUpdateSchema, 'input'),
  RouteOrder: jsonSchema(RouteOrderSchema, 'input'),
  Routes: jsonSchema(RoutesViewSchema, 'output'),
  DryRunResult: jsonSchema(DryRunResultSchema, 'output'),
  SilenceInput: jsonSchema(SilenceInputSchema, 'input'),
  Silence: jsonSchema(SilenceSchema, 'output'),
  Silences: jsonSchema(SilencesViewSchema, 'output'),
  MuteWindowInput: jsonSchema(MuteWindowInputSchema, 'input'),
  MuteWindow: jsonSchema(MuteWindowSchema, 'output'),
  MuteWindows: jsonSchema(MuteWindowsViewSchema, 'output'),
  AlertsBody: AlertsBodySchema,
  TemplateInput: jsonSchema(TemplateInputSchema, 'input'),
  Template: jsonSchema(TemplateViewSchema, 'output'),
  Templates: jsonSchema(TemplateListSchema, 'output'),
  TemplatePreviewRequest: jsonSchema(TemplatePreviewRequestSchema, 'input'),
  TemplatePreview: jsonSchema(TemplatePreviewSchema, 'output'),
  OpenApiDocument: {
    type: 'object',
    required: ['openapi', 'info', 'paths'],
    properties: {
      openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
      info: { type: 'object' },
      paths: { type: 'object' },
    },
  },
};

type SchemaName = keyof typeof SCHEMAS;
const ref = (name: SchemaName): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

interface Response {
  readonly description: string;
  readonly schema?: SchemaName;
  readonly mediaType?: string;
  /** Declares the `Retry-After` header (the 503s). */
  readonly retryAfter?: boolean;
}

interface Operation {
  readonly summary: string;
  readonly description?: string;
  readonly request?: { schema: SchemaName; required: boolean };
  readonly responses: Readonly<Record<string, Response>>;
  readonly parameters?: readonly JsonSchema[];
}

const ERROR_DESCRIPTIONS: Readonly<Record<string, string>> = {
  400: 'Invalid request: `error.details[].field` names each offending field (VALIDATION_FAILED), or NOT_CONFIGURED',
  401: 'No valid bearer token (UNAUTHORIZED)',
  403: 'The token has the wrong role (FORBIDDEN)',
  404: 'Not found (NOT_FOUND)',
  409: 'Conflict: already present (CONFLICT), or concurrent writers raced too often (CONCURRENT_MODIFICATION)',
  413: 'The body exceeds 1 MiB (PAYLOAD_TOO_LARGE)',
  415: 'The body is not JSON (UNSUPPORTED_MEDIA_TYPE)',
  500: 'Internal error; the request may be retried (INTERNAL)',
  502: 'The mail server failed: SMTP_AUTH_FAILED, SMTP_TLS_FAILED, SMTP_CONNECTION_FAILED, SMTP_TIMEOUT, SMTP_REJECTED, SES_REJECTED, GRAPH_REJECTED (Microsoft Graph’s own message), or OAUTH_TOKEN_FAILED (the identity provider’s `error` and `error_description`), with the server’s own reply in `error.message`',
  503: 'Temporarily unavailable; retry after `Retry-After` seconds: the store (DynamoDB, Secrets Manager) did not answer (STORE_UNAVAILABLE), or, posting alerts, delivery failed and nothing was marked as sent (DELIVERY_FAILED)',
};

const errors = (...codes: number[]): Record<string, Response> =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      { description: ERROR_DESCRIPTIONS[code] ?? 'Error', schema: 'Error', retryAfter: code === 503 },
    ]),
  );

/** Every authenticated route can answer these: the tokens and the data are read from the store (503). */
const AUTH_ERRORS = [401, 403, 500, 503] as const;
/** Every route taking a JSON body can answer these as well. */
const BODY_ERRORS = [400, 413, 415] as const;
const CONFIG_WRITE = (status = 200, schema: SchemaName = 'Config'): Record<string, Response> => ({
  [status]: { description: 'The configuration after the change', schema },
  ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 409),
});

const SILENCE_ID_PARAMETER: JsonSchema = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
};
const WINDOW_NAME_PARAMETER: JsonSchema = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
};

const SILENCE_OPERATIONS: Record<string, Operation> = {
  'GET /v1/silences': {
    summary: 'Silences, newest start first (expired ones kept 7 days)',
    parameters: [{ name: 'state', in: 'query', schema: { type: 'string', enum: ['active', 'pending', 'expired'] } }],
    responses: { 200: { description: 'Silences', schema: 'Silences' }, ...errors(400, ...AUTH_ERRORS) },
  },
  'POST /v1/silences': {
    summary: 'Create a silence: its matchers hold every matching alert on every route until endsAt',
    request: { schema: 'SilenceInput', required: true },
    responses: {
      201: { description: 'Created', schema: 'Silence' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 409),
    },
  },
  'PUT /v1/silences/{id}': {
    summary: 'Edit or extend a silence that has not expired',
    parameters: [SILENCE_ID_PARAMETER],
    request: { schema: 'SilenceInput', required: true },
    responses: {
      200: { description: 'The silence after the change', schema: 'Silence' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 409),
    },
  },
  'DELETE /v1/silences/{id}': {
    summary: 'Expire a silence now (kept 7 days for the record); held alerts still firing are mailed within a minute',
    parameters: [SILENCE_ID_PARAMETER],
    responses: { 204: { description: 'Expired' }, ...errors(400, 404, 409, ...AUTH_ERRORS) },
  },
  'GET /v1/mute-windows': {
    summary: "Mute windows (Alertmanager's time_intervals), by name",
    responses: { 200: { description: 'Mute windows', schema: 'MuteWindows' }, ...errors(...AUTH_ERRORS) },
  },
  'GET /v1/mute-windows/{name}': {
    summary: 'One mute window',
    parameters: [WINDOW_NAME_PARAMETER],
    responses: { 200: { description: 'The window', schema: 'MuteWindow' }, ...errors(400, 404, ...AUTH_ERRORS) },
  },
  'PUT /v1/mute-windows/{name}': {
    summary: 'Create (201) or replace (200) a mute window',
    parameters: [WINDOW_NAME_PARAMETER],
    request: { schema: 'MuteWindowInput', required: true },
    responses: {
      200: { description: 'Replaced', schema: 'MuteWindow' },
      201: { description: 'Created', schema: 'MuteWindow' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 409),
    },
  },
  'DELETE /v1/mute-windows/{name}': {
    summary: 'Delete a mute window',
    parameters: [WINDOW_NAME_PARAMETER],
    responses: { 204: { description: 'Deleted' }, ...errors(400, 404, 409, ...AUTH_ERRORS) },
  },
};

const TEMPLATE_NAME_PARAMETER: JsonSchema = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The template name',
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
};

const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': {
    summary: 'Liveness, and whether the store answers (looked at once per few seconds)',
    responses: {
      200: { description: 'Up, the store answering', schema: 'Health' },
      503: { description: 'Up, the store not answering (`degraded`)', schema: 'Health', retryAfter: true },
      ...errors(500),
    },
  },
  'GET /v1/openapi.json': {
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: 'OpenApiDocument' }, ...errors(500) },
  },
  'GET /v1/config': {
    summary: 'The whole email configuration (never the password)',
    description: 'Defaults on a fresh install: `enabled` true, `repeatInterval` `12h`, `sendResolved` true.',
    responses: { 200: { description: 'Config', schema: 'Config' }, ...errors(...AUTH_ERRORS) },
  },
  'PATCH /v1/config': {
    summary: 'Toggle notifications and tune the repeat interval and resolved notices',
    request: { schema: 'ConfigPatch', required: true },
    responses: CONFIG_WRITE(),
  },
  'PUT /v1/config/server': {
    summary: 'Set the SMTP server',
    description:
      'The password is write-only: omitted keeps the stored one, `null` removes it. `ca` likewise. ' +
      'Port 465 defaults to implicit TLS, 587 to STARTTLS, anything else to none.',
    request: { schema: 'ServerSettingsInput', required: true },
    responses: CONFIG_WRITE(),
  },
  'GET /v1/config/recipients': {
    summary: 'List recipients',
    responses: { 200: { description: 'Recipients', schema: 'Recipients' }, ...errors(...AUTH_ERRORS) },
  },
  'POST /v1/config/recipients': {
    summary: 'Add a recipient (at most 100; duplicates are found case-insensitively)',
    request: { schema: 'RecipientInput', required: true },
    responses: CONFIG_WRITE(201, 'Recipients'),
  },
  'DELETE /v1/config/recipients/{address}': {
    summary: 'Remove a recipient (matched case-insensitively)',
    parameters: [
      {
        name: 'address',
        in: 'path',
        required: true,
        description: 'The address, percent-encoded (`oncall%40example.com`)',
        schema: { type: 'string' },
      },
    ],
    responses: { 204: { description: 'Removed' }, ...errors(400, 404, 409, ...AUTH_ERRORS) },
  },
  'PUT /v1/config/conditions': {
    summary: 'Replace the notification conditions (all must hold; at most 50)',
    request: { schema: 'ConditionsInput', required: true },
    responses: CONFIG_WRITE(),
  },
  'POST /v1/test-message': {
    summary: 'Send a test email with the saved or the draft settings',
    description:
      'Without a body, uses the saved server and recipients. A draft `server` is used as `PUT /v1/config/server` would ' +
      'store it (an omitted password is the saved one); nothing is saved. Answers within 15 s.',
    request: { schema: 'TestMessageRequest', required: false },
    responses: {
      200: { description: 'Sent', schema: 'TestMessageResult' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 502),
    },
  },
  'GET /v1/deliveries': {
    summary: 'Recent deliveries, newest first',
    parameters: [
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
      {
        name: 'route',
        in: 'query',
        description: 'Only the deliveries of this route (`default`: the default route), among the newest 1,000',
        schema: { type: 'string' },
      },
      {
        name: 'held',
        in: 'query',
        description: '`true` adds `held`: the alerts silenced or muted now, with the silences and windows holding them',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
    ],
    responses: { 200: { description: 'Deliveries', schema: 'Deliveries' }, ...errors(400, ...AUTH_ERRORS) },
  },
  ...SILENCE_OPERATIONS,
  'GET /v1/templates': {
    summary: 'The mail templates: `default` (the shipped one unless edited) and any added',
    responses: { 200: { description: 'Templates', schema: 'Templates' }, ...errors(...AUTH_ERRORS) },
  },
  'POST /v1/templates/preview': {
    summary:
      'Render a template (stored, or a draft) against sample or given alerts; optionally send it as a test message',
    description:
      'A template that does not parse or render is refused with 400: `error.details[0]` names the part (`field`), ' +
      'with `line` and `column`. With `send: true` the preview goes to the configured recipients as a test message ' +
      '(subject prefixed `[TEST] `).',
    request: { schema: 'TemplatePreviewRequest', required: true },
    responses: {
      200: { description: 'The rendered mail', schema: 'TemplatePreview' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 502),
    },
  },
  'GET /v1/templates/{name}': {
    summary: "A template's source (`default` before any edit: the shipped one)",
    parameters: [TEMPLATE_NAME_PARAMETER],
    responses: { 200: { description: 'Template', schema: 'Template' }, ...errors(400, 404, ...AUTH_ERRORS) },
  },
  'PUT /v1/templates/{name}': {
    summary: 'Create or replace a template (validated whole: nothing is stored unless every part renders every sample)',
    description:
      "Liquid (LiquidJS), strict: an unknown variable or filter is an error. The context is named as Alertmanager's " +
      'template data (README "Templates"). A refused template answers 400 naming the part, line and column.',
    parameters: [TEMPLATE_NAME_PARAMETER],
    request: { schema: 'TemplateInput', required: true },
    responses: { 200: { description: 'Stored', schema: 'Template' }, ...errors(...BODY_ERRORS, ...AUTH_ERRORS) },
  },
  'DELETE /v1/templates/{name}': {
    summary: 'Delete a template; for `default`, restore the shipped one',
    parameters: [TEMPLATE_NAME_PARAMETER],
    responses: { 204: { description: 'Deleted (or restored)' }, ...errors(400, 404, ...AUTH_ERRORS) },
  },
  'GET /v1/routes': {
    summary: 'The named routes, in order (the default route, GET /v1/config, comes after them)',
    responses: { 200: { description: 'Routes', schema: 'Routes' }, ...errors(...AUTH_ERRORS) },
  },
  'POST /v1/routes': {
    summary: 'Add a route after the others (at most 100)',
    description:
      'An alert goes to the first enabled route whose conditions all hold, and with `continue` to the routes after it too; ' +
      'one no named route takes goes to the default route. An omitted `repeatInterval` / `sendResolved` is the config’s.',
    request: { schema: 'RouteInput', required: true },
    responses: {
      201: { description: 'Added', schema: 'Route' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 409),
    },
  },
  'PUT /v1/routes/order': {
    summary: 'Reorder the routes: `names` lists every route once',
    request: { schema: 'RouteOrder', required: true },
    responses: {
      200: { description: 'The routes in their new order', schema: 'Routes' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 409),
    },
  },
  'PUT /v1/routes/{name}': {
    summary: 'Replace a route (its place in the order is kept)',
    parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
    request: { schema: 'RouteUpdate', required: true },
    responses: {
      200: { description: 'The route', schema: 'Route' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS, 404, 409),
    },
  },
  'DELETE /v1/routes/{name}': {
    summary: 'Remove a route',
    parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { 204: { description: 'Removed' }, ...errors(400, 404, 409, ...AUTH_ERRORS) },
  },
  'POST /v1/alerts/dry-run': {
    summary: 'What POST /v1/alerts would do with these alerts, route by route; nothing is written or sent',
    description:
      'For each alert and route: reached (an earlier route took it without `continue`), matched or the first condition ' +
      'that failed, the recipients it would go to from that route, and the decision.',
    request: { schema: 'AlertsBody', required: true },
    responses: {
      200: { description: 'The answer per alert and route', schema: 'DryRunResult' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  },
  'POST /v1/alerts': {
    summary: 'Post alerts',
    request: { schema: 'AlertsBody', required: true },
    responses: {
      202: { description: 'Accepted, with counts', schema: 'IngestResult' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  },
  'POST /api/v2/alerts': {
    summary: 'Post alerts (Alertmanager API v2 path, for Prometheus)',
    request: { schema: 'AlertsBody', required: true },
    responses: {
      202: { description: 'Accepted, with counts', schema: 'IngestResult' },
      ...errors(...BODY_ERRORS, ...AUTH_ERRORS),
    },
  },
  'GET /': {
    summary: 'The web console',
    responses: { 200: { description: 'HTML', mediaType: 'text/html' } },
  },
  'GET /console/{proxy+}': {
    summary: 'Console assets',
    responses: { 200: { description: 'Asset' }, 404: { description: 'No such asset' } },
  },
};

const RETRY_AFTER_HEADER: JsonSchema = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer', minimum: 1 },
};

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  if (cached) return cached;
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ROUTES) {
    const key = `${route.method} ${route.path}`;
    const operation = OPERATIONS[key];
    if (!operation) throw new Error(`openapi: no operation for ${key}`);
    const path = route.path.replace('{proxy+}', '{proxy}');
    paths[path] ??= {};
    const item: JsonSchema = {
      summary: operation.summary,
      ...(operation.description ? { description: operation.description } : {}),
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      security: route.role ? [{ bearer: [] }] : [],
      ...(route.role ? { 'x-alertmail-role': route.role } : {}),
      responses: Object.fromEntries(
        Object.entries(operation.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.retryAfter ? { headers: { 'Retry-After': RETRY_AFTER_HEADER } } : {}),
            ...(response.schema
              ? { content: { [response.mediaType ?? 'application/json']: { schema: ref(response.schema) } } }
              : response.mediaType
                ? { content: { [response.mediaType]: {} } }
                : {}),
          },
        ]),
      ),
    };
    if (operation.parameters) item.parameters = operation.parameters;
    if (route.path.includes('{proxy+}'))
      item.parameters = [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }];
    if (operation.request) {
      item.requestBody = {
        required: operation.request.required,
        content: { 'application/json': { schema: ref(operation.request.schema) } },
      };
    }
    paths[path][route.method.toLowerCase()] = item;
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'alertmail',
      version: '1',
      description:
        'Alert notifications by email. Errors are `{"error": {"code", "message", "details": [{"field", "message"}]}}`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An `admin` or `ingest` token' } },
      schemas: SCHEMAS,
    },
    paths,
  };
  return cached;
}
