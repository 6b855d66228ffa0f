import type { SandboxContext } from './context.js';
import type { Contract, Product, SpecOperation } from './contract.js';
import { notFound } from './errors.js';
import { v1Page, v2010Page } from './paging.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ApiRequest {
  method: string;
  /** The path as it is on Twilio's host, e.g. `/v1/CustomerProfiles/BU...` or `/2010-04-01/Accounts/AC....json`. */
  twilioPath: string;
  /** Path parameters, named as in Twilio's OpenAPI path template; already checked against their patterns. */
  params: Record<string, string>;
  query: URLSearchParams;
  form: URLSearchParams;
  /** The form body typed by the operation's schema (arrays from repeated keys, booleans); already checked. */
  body: Record<string, unknown>;
}

export interface ApiResponse {
  status: number;
  /** Omitted for 204. */
  body?: unknown;
}

export interface Route {
  method: Method;
  product: Product;
  /** Twilio's OpenAPI path template, e.g. `/v1/CustomerProfiles/{Sid}`: the route is that operation. */
  path: string;
  /** Short name for the request log, e.g. `customerProfile.create`. */
  operation: string;
  /** A POST that creates a resource (target of the `reset-after-create` fault). */
  creates?: boolean;
  handle(req: ApiRequest, ctx: SandboxContext): ApiResponse;
}

export interface CompiledRoute extends Route {
  regex: RegExp;
  spec: SpecOperation;
}

/** A path parameter's characters: event types (`{Type}`, Events v1) are dotted names; SIDs stop at a `.json` suffix. */
export function paramPattern(part: string): string {
  return part === '{Type}' ? '[^/]+' : '[^/.]+';
}

/** Binds a route to its operation in Twilio's files; a route the files do not have is a programming error. */
export function compileRoute(r: Route, contract: Contract): CompiledRoute {
  const spec = contract.operation(r.product, r.method, r.path);
  if (!spec) throw new Error(`sandbox route ${r.method} ${r.product}${r.path} (${r.operation}) is not an operation of Twilio's OpenAPI files`);
  const src = r.path
    .split(/(\{[A-Za-z0-9]+\})/)
    .map((part) => (part.startsWith('{') ? `(?<${part.slice(1, -1)}>${paramPattern(part)})` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return { ...r, regex: new RegExp(`^${src}/?$`), spec };
}

export function matchRoute(
  routes: readonly CompiledRoute[],
  product: string,
  method: string,
  twilioPath: string,
): { route: CompiledRoute; params: Record<string, string> } | { route: null; pathMatched: boolean } {
  let pathMatched = false;
  for (const r of routes) {
    if (r.product !== product) continue;
    const m = r.regex.exec(twilioPath);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    return { route: r, params: { ...(m.groups ?? {}) } };
  }
  return { route: null, pathMatched };
}

/**
 * List, fetch and (optionally) delete of one kind of resource, from a table entry. Create and update stay
 * hand-written: they are where the sandbox's rules live.
 */
export interface Collection<T extends { sid: string }> {
  product: Product;
  name: string;
  /** List path template; `{item}` is `${list}/{Sid}` unless given. */
  list: string;
  item?: string;
  /** The item's path parameter (`Sid` unless the item template names it otherwise, e.g. `BrandVettingSid`). */
  itemParam?: string;
  /** `results`, `data`, `services`, `compliance`, `addresses`… as the operation's list response names it. */
  key: string;
  /** v1 pages carry `meta` with absolute URLs; API 2010 pages carry relative URIs at the top level. */
  paging: 'v1' | '2010';
  /** Twilio's host for v1 absolute URLs. */
  host?: string;
  /** The items in creation order, within the parent named by the path (throws notFound for a missing parent). */
  items(ctx: SandboxContext, req: ApiRequest): Iterable<T>;
  /** One item by SID (undefined when there is none, or it belongs to another parent). */
  get(ctx: SandboxContext, req: ApiRequest, sid: string): T | undefined;
  render(ctx: SandboxContext, t: T, req: ApiRequest): unknown;
  /** Query filters by parameter name, applied when the parameter is present (the spec must list it). */
  filters?: Record<string, (t: T, value: string, ctx: SandboxContext) => boolean>;
  /** Removes the item (and whatever hangs off it); omitted = no delete route. */
  remove?: (ctx: SandboxContext, t: T) => void;
}

export function collectionRoutes<T extends { sid: string }>(c: Collection<T>): Route[] {
  const item = c.item ?? `${c.list}/{Sid}`;
  const fetchOne = (req: ApiRequest, ctx: SandboxContext): T => {
    const t = c.get(ctx, req, req.params[c.itemParam ?? 'Sid'] ?? '');
    if (!t) throw notFound(req.twilioPath);
    return t;
  };
  const routes: Route[] = [
    {
      method: 'GET',
      product: c.product,
      path: c.list,
      operation: `${c.name}.list`,
      handle(req, ctx) {
        const filters: Array<[string, string]> = [];
        let items = [...c.items(ctx, req)];
        for (const [name, keep] of Object.entries(c.filters ?? {})) {
          const v = req.query.get(name);
          if (v === null) continue;
          filters.push([name, v]);
          items = items.filter((t) => keep(t, v, ctx));
        }
        const path = req.twilioPath.replace(/\/$/, '');
        const render = (t: T) => c.render(ctx, t, req);
        const body = c.paging === 'v1' ? v1Page(items, req.query, `${c.host}${path}`, c.key, filters, render) : v2010Page(items, req.query, path, c.key, filters, render);
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      product: c.product,
      path: item,
      operation: `${c.name}.fetch`,
      handle: (req, ctx) => ({ status: 200, body: c.render(ctx, fetchOne(req, ctx), req) }),
    },
  ];
  const remove = c.remove;
  if (remove) {
    routes.push({
      method: 'DELETE',
      product: c.product,
      path: item,
      operation: `${c.name}.delete`,
      handle(req, ctx) {
        remove(ctx, fetchOne(req, ctx));
        return { status: 204 };
      },
    });
  }
  return routes;
}
