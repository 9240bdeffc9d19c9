/** The config API's silences and mute-windows routes (admin), and the held alerts `GET /v1/deliveries?held=true` adds. */
import { MUTE_WINDOW_NAME } from '../lib/domain/mute-windows';
import type { SilenceState } from '../lib/domain/silences';
import { ValidationError } from '../lib/errors';
import { parseWith } from '../lib/validation';
import type { App } from './app';
import type { RouteHandler } from './http';
import { requestSchemas } from './request-schemas';

const SILENCE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STATES: readonly SilenceState[] = ['active', 'pending', 'expired'];
/** Held alerts `?held=true` lists at most. */
const HELD_LIMIT = 500;

function pathValue(name: string, value: string | undefined, pattern: RegExp, what: string): string {
  if (value === undefined || !pattern.test(value)) {
    throw new ValidationError(`The path parameter ${name} must be ${what}`, [
      { field: name, message: `must be ${what}` },
    ]);
  }
  return value;
}
const silenceId = (value: string | undefined) => pathValue('id', value, SILENCE_ID, 'a silence id (a UUID)');
const windowName = (value: string | undefined) =>
  pathValue('name', value, MUTE_WINDOW_NAME, 'a mute window name ([a-z0-9][a-z0-9-]{0,62})');

export function silenceRoutes(app: App): Record<string, RouteHandler> {
  const { silences, muteWindows } = app;
  return {
    'GET /v1/silences': async ({ query }) => {
      const state = query.state;
      if (state !== undefined && !STATES.includes(state as SilenceState)) {
        throw new ValidationError('state must be one of active, pending, expired', [
          { field: 'state', message: 'must be one of active, pending, expired' },
        ]);
      }
      return { status: 200, body: { silences: await silences.list(state as SilenceState | undefined) } };
    },
    'POST /v1/silences': async ({ body }) => ({
      status: 201,
      body: await silences.create(parseWith(requestSchemas().SilenceInputSchema, body)),
    }),
    'PUT /v1/silences/{id}': async ({ pathParameters, body }) => {
      const id = silenceId(pathParameters.id);
      return { status: 200, body: await silences.update(id, parseWith(requestSchemas().SilenceInputSchema, body)) };
    },
    'DELETE /v1/silences/{id}': async ({ pathParameters }) => {
      await silences.expire(silenceId(pathParameters.id));
      return { status: 204 };
    },
    'GET /v1/mute-windows': async () => ({ status: 200, body: { windows: await muteWindows.list() } }),
    'GET /v1/mute-windows/{name}': async ({ pathParameters }) => ({
      status: 200,
      body: await muteWindows.get(windowName(pathParameters.name)),
    }),
    'PUT /v1/mute-windows/{name}': async ({ pathParameters, body }) => {
      const name = windowName(pathParameters.name);
      const input = parseWith(requestSchemas().MuteWindowInputSchema, body);
      if (input.name !== undefined && input.name !== name) {
        throw new ValidationError('The body names another window than the path', [
          { field: 'name', message: `must be ${name} (the path's) or absent` },
        ]);
      }
      const { window, created } = await muteWindows.put({
        name,
        timezone: input.timezone ?? 'UTC',
        intervals: input.intervals,
      });
      return { status: created ? 201 : 200, body: window };
    },
    'DELETE /v1/mute-windows/{name}': async ({ pathParameters }) => {
      await muteWindows.delete(windowName(pathParameters.name));
      return { status: 204 };
    },
  };
}

/** The alerts held now, oldest first: which silence or window holds which alert. */
export async function heldAlerts(app: App) {
  const { records } = await app.state.listMuted(HELD_LIMIT);
  return records.map((r) => ({
    fingerprint: r.alert.fingerprint,
    route: r.route,
    labels: r.alert.labels,
    mutedAt: new Date(r.mutedAt).toISOString(),
    silencedBy: r.silencedBy,
    mutedBy: r.mutedBy,
  }));
}
