/**
 * The routes' use cases (DESIGN.md "Routes"): list, add, replace, remove, reorder. Routes live in
 * the config item, so each write is the config's one read-modify-write: validated whole, stored
 * atomically under the config's version, a refused write changes nothing, concurrent edits lose
 * nothing.
 */
import type { StoredConfig } from '../../domain/config';
import { assertPatterns } from '../../domain/patterns';
import { MAX_ROUTES, type Route } from '../../domain/routes';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { ConfigService } from './service';

export class RouteService {
  constructor(private readonly config: ConfigService) {}

  async list(): Promise<readonly Route[]> {
    return (await this.config.get()).routes ?? [];
  }

  async create(route: Route): Promise<Route> {
    await assertPatterns(route.conditions, 'conditions');
    await this.config.update((current) => {
      const routes = current.routes ?? [];
      if (routes.some((existing) => existing.name === route.name)) {
        throw new ConflictError(`A route named ${route.name} exists`, [{ field: 'name', message: 'already exists' }]);
      }
      if (routes.length >= MAX_ROUTES) {
        throw new ValidationError(`At most ${MAX_ROUTES} routes`, [
          { field: 'name', message: `there are already ${MAX_ROUTES} routes` },
        ]);
      }
      return { ...current, routes: [...routes, route] };
    });
    return route;
  }

  async replace(name: string, route: Route): Promise<Route> {
    if (route.name !== name) {
      throw new ValidationError(`Invalid request body: name: must be ${name}, the route in the path`, [
        { field: 'name', message: `must be ${name}, the route in the path (a route is renamed by adding it anew)` },
      ]);
    }
    await assertPatterns(route.conditions, 'conditions');
    await this.config.update((current) => ({
      ...current,
      routes: withRoute(current, name).map((existing) => (existing.name === name ? route : existing)),
    }));
    return route;
  }

  async remove(name: string): Promise<void> {
    await this.config.update((current) => ({
      ...current,
      routes: withRoute(current, name).filter((existing) => existing.name !== name),
    }));
  }

  /** `names` must be a permutation of every route's name. */
  async reorder(names: readonly string[]): Promise<readonly Route[]> {
    let reordered: Route[] = [];
    await this.config.update((current) => {
      const routes = current.routes ?? [];
      const byName = new Map(routes.map((route) => [route.name, route]));
      const missing = routes.filter((route) => !names.includes(route.name)).map((route) => route.name);
      const unknown = names.filter((name) => !byName.has(name));
      const repeated = names.filter((name, i) => names.indexOf(name) !== i);
      if (missing.length > 0 || unknown.length > 0 || repeated.length > 0) {
        const message = [
          missing.length > 0 ? `leaves out ${missing.join(', ')}` : '',
          unknown.length > 0 ? `names no route ${unknown.join(', ')}` : '',
          repeated.length > 0 ? `repeats ${[...new Set(repeated)].join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        throw new ValidationError(`Invalid request body: names: must list every route once: it ${message}`, [
          { field: 'names', message: `must list every route once: it ${message}` },
        ]);
      }
      reordered = names.map((name) => byName.get(name) as Route);
      return { ...current, routes: reordered };
    });
    return reordered;
  }
}

function withRoute(config: StoredConfig, name: string): readonly Route[] {
  const routes = config.routes ?? [];
  if (!routes.some((route) => route.name === name)) {
    throw new NotFoundError(`No route named ${name}`, [{ field: 'name', message: 'no such route' }]);
  }
  return routes;
}
