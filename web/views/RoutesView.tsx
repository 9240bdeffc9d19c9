/**
 * Routes: who gets which alert (DESIGN.md "Routes"). The named routes in order, each movable up
 * and down (buttons, so the keyboard can), editable, deletable (after a confirm) and switchable
 * on and off; then the default route, fixed last, whose recipients and conditions are the
 * sections above (linked, not edited twice). Unlike the configuration form, a route is applied
 * when saved: it is one document, and the order is a list of names applied at once.
 */
import { useEffect, useState } from 'preact/hooks';
import { useConsole } from '../context';
import { collapse, collapsedText } from '../deliveries';
import { errorText, isSignedOut } from '../requests';
import {
  type ApiRoute,
  checkRoute,
  conditionsSummary,
  draftFromRoute,
  moved,
  NEW_ROUTE,
  type RouteDraft,
  routeBody,
} from '../routes-model';
import {
  createRoute,
  deleteRoute,
  isStale,
  listRoutes,
  reorderRoutes,
  routeErrorDetails,
  staleText,
  updateRoute,
} from '../routes-requests';
import { editorErrors, RouteEditor } from './RouteEditor';

/** When the default route takes an alert, in the list's words. */
function defaultWhen(behindRoutes: boolean, conditions: string): string {
  if (!behindRoutes) return conditions;
  return conditions === 'every alert' ? 'any alert no route above took' : `no route above took it, and ${conditions}`;
}

type List = { state: 'loading' } | { state: 'loaded'; routes: ApiRoute[] } | { state: 'failed'; message: string };

/** Which editor is open: a new route's (below the list) or a named route's (in its place). */
type Editing = { name: string | null; draft: RouteDraft; errors: Record<string, string[]> } | null;

export function RoutesView({ signedIn }: { signedIn: boolean }) {
  const { api, state, announce, focusAfterRender } = useConsole();
  const [list, setList] = useState<List>({ state: 'loading' });
  const [editing, setEditing] = useState<Editing>(null);
  const [busy, setBusy] = useState(false);
  /** A problem with an action on the list itself (move, toggle, delete). */
  const [listError, setListError] = useState('');
  const routes = list.state === 'loaded' ? list.routes : [];

  async function load(): Promise<ApiRoute[] | null> {
    try {
      const fresh = await listRoutes(api);
      setList({ state: 'loaded', routes: fresh });
      return fresh;
    } catch (e) {
      if (!isSignedOut(e)) setList({ state: 'failed', message: `Could not load the routes: ${errorText(e)}` });
      return null;
    }
  }
  useEffect(() => {
    if (signedIn) void load();
  }, [signedIn]);

  /** Runs one action on the list; a failure is shown above the list, which is read again. */
  async function act(run: () => Promise<void>, what: string): Promise<boolean> {
    setListError('');
    setBusy(true);
    try {
      await run();
      return true;
    } catch (e) {
      if (isSignedOut(e)) return false;
      const message = isStale(e)
        ? `Could not ${what}: ${staleText(e)}. The list is read again; try again.`
        : `Could not ${what}: ${errorText(e)}`;
      setListError(message);
      announce(message);
      await load();
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function move(index: number, delta: -1 | 1): Promise<void> {
    const names = routes.map((r) => r.name);
    const order = moved(names, index, delta);
    const name = names[index];
    if (!order || name === undefined) return;
    const ok = await act(async () => {
      await reorderRoutes(api, order);
      const byName = new Map(routes.map((r) => [r.name, r]));
      setList({ state: 'loaded', routes: order.flatMap((n) => byName.get(n) ?? []) });
    }, `move ${name}`);
    if (!ok) return;
    const at = index + delta;
    // keep the focus on the button pressed, unless the route reached the end where it is disabled
    const direction = delta < 0 ? (at === 0 ? 'down' : 'up') : at === names.length - 1 ? 'up' : 'down';
    focusAfterRender(`route-${name}-${direction}`);
    announce(`Moved ${name} ${delta < 0 ? 'up' : 'down'}: now ${at + 1} of ${names.length}.`);
  }

  async function toggle(route: ApiRoute): Promise<void> {
    const next = { ...route, enabled: !route.enabled };
    const ok = await act(
      async () => {
        const saved = await updateRoute(api, route.name, next);
        setList({ state: 'loaded', routes: routes.map((r) => (r.name === route.name ? { ...next, ...saved } : r)) });
      },
      `${route.enabled ? 'disable' : 'enable'} ${route.name}`,
    );
    if (ok) announce(`${route.name} is ${next.enabled ? 'enabled' : 'disabled'}.`);
  }

  async function remove(route: ApiRoute, index: number): Promise<void> {
    if (!window.confirm(`Delete the route ${route.name}? Its alerts go on to the next route.`)) return;
    const ok = await act(async () => {
      await deleteRoute(api, route.name);
      setList({ state: 'loaded', routes: routes.filter((r) => r.name !== route.name) });
    }, `delete ${route.name}`);
    if (!ok) return;
    if (editing?.name === route.name) setEditing(null);
    const next = routes[index + 1] ?? routes[index - 1];
    focusAfterRender(next && next.name !== route.name ? `route-${next.name}-edit` : 'route-add');
    announce(`Deleted ${route.name}.`);
  }

  function open(route: ApiRoute | null): void {
    setListError('');
    setEditing({ name: route?.name ?? null, draft: route ? draftFromRoute(route) : { ...NEW_ROUTE }, errors: {} });
    focusAfterRender(route ? 'route-recipients' : 'route-name');
  }

  async function save(): Promise<void> {
    if (!editing) return;
    const { name, draft } = editing;
    const original = routes.find((r) => r.name === name);
    const others = routes.map((r) => r.name).filter((n) => n !== name);
    const problems = checkRoute(draft, others);
    const fail = (details: Parameters<typeof editorErrors>[0]) => {
      const { slots, focus } = editorErrors(details);
      setEditing({ ...editing, errors: slots });
      focusAfterRender(focus);
      announce('The route was not saved. Correct the fields marked.');
    };
    if (problems.length > 0) return fail(problems);
    setBusy(true);
    try {
      const body = routeBody(draft, original);
      if (name === null) await createRoute(api, body);
      else await updateRoute(api, name, body);
      setEditing(null);
      await load();
      focusAfterRender(`route-${body.name}-edit`);
      announce(`Saved the route ${body.name}.`);
    } catch (e) {
      if (isSignedOut(e)) return;
      fail(routeErrorDetails(e));
      if (isStale(e)) await load();
    } finally {
      setBusy(false);
    }
  }

  const editor = (name: string | null) =>
    editing && editing.name === name ? (
      <RouteEditor
        draft={editing.draft}
        editing={name}
        errors={editing.errors}
        busy={busy}
        inherited={{
          repeatInterval: state.stored?.repeatInterval ?? '12h',
          sendResolved: state.stored?.sendResolved !== false,
        }}
        onChange={(change) => setEditing((e) => (e ? { ...e, draft: change(e.draft) } : e))}
        onSave={() => void save()}
        onCancel={() => {
          setEditing(null);
          focusAfterRender(name ? `route-${name}-edit` : 'route-add');
        }}
      />
    ) : null;

  const stored = state.stored;
  const defaultRecipients = collapse(stored?.recipients ?? []);
  return (
    <section class="panel" id="routes" aria-labelledby="routes-title">
      <div class="section-head">
        <h2 id="routes-title">Routes</h2>
        <button
          type="button"
          class="button"
          id="route-add"
          disabled={editing?.name === null}
          onClick={() => open(null)}
        >
          Add route
        </button>
      </div>
      <p class="hint section-hint" id="routes-hint">
        An alert goes to the first enabled route whose conditions all hold; with Continue, the routes after it are
        offered it too. An alert no route took goes to the default route. Nobody gets one alert twice.
      </p>
      <p class="notice error" id="routes-error" role="alert" hidden={listError === '' && list.state !== 'failed'}>
        {listError || (list.state === 'failed' ? list.message : '')}
      </p>
      <ol class="routes" id="route-list" aria-labelledby="routes-title">
        {routes.map((route, i) => (
          <li key={route.name} class={route.enabled ? 'route' : 'route off'} id={`route-${route.name}`}>
            <div class="route-head">
              <span class="route-pos" aria-hidden="true">
                {i + 1}
              </span>
              <h3 class="route-name">{route.name}</h3>
              {route.enabled ? null : <span class="tag">disabled</span>}
              {route.continue ? <span class="tag">continue</span> : null}
            </div>
            <p class="route-line">
              <span class="route-key">To</span>
              <span class="address">{collapsedText(collapse(route.recipients) ?? { first: '—', more: 0 })}</span>
            </p>
            <p class="route-line">
              <span class="route-key">When</span>
              <span class="route-when">{conditionsSummary(route.conditions)}</span>
            </p>
            <div class="route-actions">
              <button
                type="button"
                class="button subtle"
                id={`route-${route.name}-up`}
                aria-label={`Move ${route.name} up`}
                disabled={busy || i === 0}
                onClick={() => void move(i, -1)}
              >
                ↑ Up
              </button>
              <button
                type="button"
                class="button subtle"
                id={`route-${route.name}-down`}
                aria-label={`Move ${route.name} down`}
                disabled={busy || i === routes.length - 1}
                onClick={() => void move(i, 1)}
              >
                ↓ Down
              </button>
              <button
                type="button"
                class="button subtle"
                id={`route-${route.name}-toggle`}
                aria-label={`${route.enabled ? 'Disable' : 'Enable'} ${route.name}`}
                disabled={busy}
                onClick={() => void toggle(route)}
              >
                {route.enabled ? 'Disable' : 'Enable'}
              </button>
              <button
                type="button"
                class="button subtle"
                id={`route-${route.name}-edit`}
                aria-label={`Edit ${route.name}`}
                disabled={editing?.name === route.name}
                onClick={() => open(route)}
              >
                Edit
              </button>
              <button
                type="button"
                class="button subtle danger"
                id={`route-${route.name}-delete`}
                aria-label={`Delete ${route.name}`}
                disabled={busy}
                onClick={() => void remove(route, i)}
              >
                Delete
              </button>
            </div>
            {editor(route.name)}
          </li>
        ))}
        <li class="route default" id="route-default">
          <div class="route-head">
            <span class="route-pos" aria-hidden="true">
              {routes.length + 1}
            </span>
            <h3 class="route-name">Default route</h3>
            <span class="tag">always last</span>
          </div>
          <p class="route-line">
            <span class="route-key">To</span>
            <span class="address">{defaultRecipients ? collapsedText(defaultRecipients) : 'nobody yet'}</span>
          </p>
          <p class="route-line">
            <span class="route-key">When</span>
            <span class="route-when">
              {defaultWhen(routes.length > 0, conditionsSummary(stored?.conditions ?? []))}
            </span>
          </p>
          <p class="route-line">
            Edit its <a href="#recipients">recipients</a> and <a href="#conditions">conditions</a> above.
          </p>
        </li>
      </ol>
      <p class="hint" id="routes-empty" hidden={list.state !== 'loaded' || routes.length > 0}>
        No named routes yet: every alert goes to the default route.
      </p>
      {/* a new route's editor, or one whose route someone deleted meanwhile (its error says so) */}
      {editing && (editing.name === null || !routes.some((r) => r.name === editing.name)) ? editor(editing.name) : null}
    </section>
  );
}
