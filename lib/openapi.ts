/** The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with. */
import { z } from 'zod';
import { ROUTES } from '../functions/routes';
import {
  ConditionsSchema,
  ConfigPatchSchema,
  ConfigViewSchema,
  DeliveriesViewSchema,
  ErrorResponseSchema,
  HealthSchema,
  IngestResultSchema,
  RecipientInputSchema,
  RecipientsViewSchema,
  ServerSettingsInputSchema,
  TestMessageRequestSchema,
  TestMessageResultSchema,
} from './schemas';

type JsonSchema = Record<string, unknown>;

const input = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const output = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;

const AlertsBodySchema: JsonSchema = {
  description:
    'Alertmanager webhook (version "4"), the Alertmanager API v2 array Prometheus posts, a Grafana webhook, an SNS notification carrying a CloudWatch alarm, or {"alerts":[{labels, annotations, status, startsAt, endsAt, generatorURL}]}',
  oneOf: [
    { type: 'array', items: { type: 'object', required: ['labels'] } },
    { type: 'object', required: ['alerts'] },
    { type: 'object', required: ['Type', 'Message'] },
  ],
};

interface Operation {
  summary: string;
  request?: JsonSchema;
  responses: Record<string, { description: string; schema?: JsonSchema }>;
  parameters?: JsonSchema[];
}

const errors = (...codes: string[]) =>
  Object.fromEntries(codes.map((code) => [code, { description: 'Error', schema: output(ErrorResponseSchema) }]));

const OPERATIONS: Record<string, Operation> = {
  'GET /healthz': { summary: 'Liveness', responses: { 200: { description: 'Up', schema: output(HealthSchema) } } },
  'GET /v1/openapi.json': { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
  'GET /v1/config': {
    summary: 'The whole email configuration (never the password)',
    responses: { 200: { description: 'Config', schema: output(ConfigViewSchema) }, ...errors('401', '403') },
  },
  'PATCH /v1/config': {
    summary: 'Toggle notifications and tune the repeat interval and resolved notices',
    request: input(ConfigPatchSchema),
    responses: { 200: { description: 'Config', schema: output(ConfigViewSchema) }, ...errors('400', '401', '403') },
  },
  'PUT /v1/config/server': {
    summary: 'Set the SMTP server; the password is write-only and kept when omitted',
    request: input(ServerSettingsInputSchema),
    responses: { 200: { description: 'Config', schema: output(ConfigViewSchema) }, ...errors('400', '401', '403') },
  },
  'GET /v1/config/recipients': {
    summary: 'List recipients',
    responses: { 200: { description: 'Recipients', schema: output(RecipientsViewSchema) }, ...errors('401', '403') },
  },
  'POST /v1/config/recipients': {
    summary: 'Add a recipient',
    request: input(RecipientInputSchema),
    responses: {
      201: { description: 'Added', schema: output(RecipientsViewSchema) },
      ...errors('400', '401', '403', '409'),
    },
  },
  'DELETE /v1/config/recipients/{address}': {
    summary: 'Remove a recipient',
    parameters: [{ name: 'address', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { 204: { description: 'Removed' }, ...errors('401', '403', '404') },
  },
  'PUT /v1/config/conditions': {
    summary: 'Replace the notification conditions (all must hold)',
    request: input(ConditionsSchema),
    responses: { 200: { description: 'Config', schema: output(ConfigViewSchema) }, ...errors('400', '401', '403') },
  },
  'POST /v1/test-message': {
    summary: 'Send a test email with the saved or the draft settings',
    request: input(TestMessageRequestSchema),
    responses: {
      200: { description: 'Sent', schema: output(TestMessageResultSchema) },
      ...errors('400', '401', '403', '502'),
    },
  },
  'GET /v1/deliveries': {
    summary: 'Recent deliveries, newest first',
    parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } }],
    responses: {
      200: { description: 'Deliveries', schema: output(DeliveriesViewSchema) },
      ...errors('400', '401', '403'),
    },
  },
  'POST /v1/alerts': {
    summary: 'Post alerts',
    request: AlertsBodySchema,
    responses: {
      202: { description: 'Accepted, with counts', schema: output(IngestResultSchema) },
      ...errors('400', '401', '403', '413', '415', '503'),
    },
  },
  'POST /api/v2/alerts': {
    summary: 'Post alerts (Alertmanager API v2 path, for Prometheus)',
    request: AlertsBodySchema,
    responses: {
      202: { description: 'Accepted, with counts', schema: output(IngestResultSchema) },
      ...errors('400', '401', '403', '413', '415', '503'),
    },
  },
  'GET /': { summary: 'The web console', responses: { 200: { description: 'HTML' } } },
  'GET /console/{proxy+}': { summary: 'Console assets', responses: { 200: { description: 'Asset' } } },
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
      operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
      security: route.role ? [{ bearer: [] }] : [],
      ...(route.role ? { 'x-alertmail-role': route.role } : {}),
      responses: Object.fromEntries(
        Object.entries(operation.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema ? { content: { 'application/json': { schema: response.schema } } } : {}),
          },
        ]),
      ),
    };
    if (operation.parameters) item.parameters = operation.parameters;
    if (route.path.includes('{proxy+}'))
      item.parameters = [{ name: 'proxy', in: 'path', required: true, schema: { type: 'string' } }];
    if (operation.request)
      item.requestBody = { required: true, content: { 'application/json': { schema: operation.request } } };
    paths[path][route.method.toLowerCase()] = item;
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'alertmail', version: '1', description: 'Alert notifications by email' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
  return cached;
}
