/** The config API Lambda: health, OpenAPI, configuration, test message and deliveries. */

import { NAME_PATTERN } from '../lib/domain/routes';
import { ValidationError } from '../lib/errors';
import { RouteService } from '../lib/usecases/config/routes';
import { publicView } from '../lib/usecases/config/service';
import { StoreHealth } from '../lib/usecases/store-health';
import { TemplateService } from '../lib/usecases/templates';
import { sendTestMessage } from '../lib/usecases/test-message';
import { parseWith } from '../lib/validation';
import { type App, appFromEnvironment } from './app';
import { STORE_RETRY_AFTER_SECONDS } from './errors';
import { type HttpHandler, httpFunction } from './http';
import { requestSchemas } from './request-schemas';
import { heldAlerts, silenceRoutes } from './silence-routes';

export function makeApiHandler(app: App): HttpHandler {
  const { config, mailDelivery, deliveries } = app;
  const templates = new TemplateService({
    store: app.templates,
    clock: () => new Date(),
    consoleUrl: app.env.ALERTMAIL_CONSOLE_URL,
    config,
    mailDelivery,
  });
  const templateName = (pathParameters: Readonly<Record<string, string>>) =>
    decodePathParameter('name', pathParameters.name ?? '');
  const routes = new RouteService(config);
  // The probe is the config read GET /v1/config makes (one GetItem the function is granted).
  const storeHealth = new StoreHealth(async () => {
    try {
      await config.get();
    } catch (error) {
      app.log.warn('store health check failed', { error: error instanceof Error ? error.name : typeof error });
      throw error;
    }
  });
  return httpFunction(
    'api',
    {
      'GET /healthz': async () =>
        (await storeHealth.status()) === 'ok'
          ? { status: 200, body: { status: 'ok', store: 'ok' } }
          : {
              status: 503,
              body: { status: 'degraded', store: 'unavailable' },
              headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
            },
      // The document renders every schema as JSON Schema when its module loads: on first request, not at a cold start.
      'GET /v1/openapi.json': async () => ({ status: 200, body: (await import('./openapi')).openApiDocument() }),
      'GET /v1/config': async () => ({ status: 200, body: publicView(await config.get()) }),
      'PATCH /v1/config': async ({ body }) => ({
        status: 200,
        body: await config.patch(parseWith(requestSchemas().ConfigPatchSchema, body)),
      }),
      'PUT /v1/config/server': async ({ body }) => ({
        status: 200,
        body: await config.setServer(parseWith(requestSchemas().ServerSettingsInputSchema, body, 'server')),
      }),
      'GET /v1/config/recipients': async () => ({ status: 200, body: { recipients: (await config.get()).recipients } }),
      'POST /v1/config/recipients': async ({ body }) => ({
        status: 201,
        body: {
          recipients: (await config.addRecipient(parseWith(requestSchemas().RecipientInputSchema, body).address))
            .recipients,
        },
      }),
      'DELETE /v1/config/recipients/{address}': async ({ pathParameters }) => {
        await config.removeRecipient(decodePathParameter('address', pathParameters.address ?? ''));
        return { status: 204 };
      },
      'PUT /v1/config/conditions': async ({ body }) => ({
        status: 200,
        body: await config.setConditions(parseWith(requestSchemas().ConditionsSchema, body, 'conditions')),
      }),
      'POST /v1/test-message': async ({ body }) => ({
        status: 200,
        body: await sendTestMessage(parseWith(requestSchemas().TestMessageRequestSchema, body ?? {}), {
          config,
          mailDelivery,
        }),
      }),
      'GET /v1/deliveries': async ({ query }) => {
        const limit = query.limit === undefined ? 50 : Number(query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
          throw new ValidationError('limit must be an integer between 1 and 500', [
            { field: 'limit', message: 'must be an integer between 1 and 500' },
          ]);
        }
        const route = query.route;
        if (route !== undefined && !NAME_PATTERN.test(route)) {
          throw new ValidationError('route must be a route name', [
            { field: 'route', message: 'must be a route name' },
          ]);
        }
        const held = query.held === 'true' ? { held: await heldAlerts(app) } : {};
        return {
          status: 200,
          body: { deliveries: await deliveries.list(limit, route === undefined ? {} : { route }), ...held },
        };
      },
      'GET /v1/routes': async () => ({ status: 200, body: { routes: await routes.list() } }),
      'POST /v1/routes': async ({ body }) => ({
        status: 201,
        body: await routes.create(parseWith(requestSchemas().RouteInputSchema, body)),
      }),
      'PUT /v1/routes/order': async ({ body }) => ({
        status: 200,
        body: { routes: await routes.reorder(parseWith(requestSchemas().RouteOrderSchema, body).names) },
      }),
      'PUT /v1/routes/{name}': async ({ body, pathParameters }) => {
        const name = decodePathParameter('name', pathParameters.name ?? '');
        const input = parseWith(requestSchemas().RouteUpdateSchema, body);
        return { status: 200, body: await routes.replace(name, { ...input, name: input.name ?? name }) };
      },
      'DELETE /v1/routes/{name}': async ({ pathParameters }) => {
        await routes.remove(decodePathParameter('name', pathParameters.name ?? ''));
        return { status: 204 };
      },
      ...silenceRoutes(app),
      'GET /v1/templates': async () => ({ status: 200, body: await templates.list() }),
      'POST /v1/templates/preview': async ({ body }) => ({
        status: 200,
        body: await templates.preview(parseWith(requestSchemas().TemplatePreviewRequestSchema, body)),
      }),
      'GET /v1/templates/{name}': async ({ pathParameters }) => ({
        status: 200,
        body: await templates.get(templateName(pathParameters)),
      }),
      'PUT /v1/templates/{name}': async ({ pathParameters, body }) => ({
        status: 200,
        body: await templates.put(templateName(pathParameters), parseWith(requestSchemas().TemplateInputSchema, body)),
      }),
      'DELETE /v1/templates/{name}': async ({ pathParameters }) => {
        await templates.delete(templateName(pathParameters));
        return { status: 204 };
      },
    },
    app,
  );
}

/** Path parameters arrive percent-encoded (`oncall%2Bpayments%40example.com`). */
function decodePathParameter(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError(`The path parameter ${name} is not valid percent-encoding`, [
      { field: name, message: 'invalid percent-encoding' },
    ]);
  }
}

export const handler = makeApiHandler(appFromEnvironment());
