import type { SandboxContext } from './context.js';

export type Product = 'trusthub' | 'messaging' | 'api';

export interface ApiRequest {
  method: string;
  /** The path as it is on Twilio's host, e.g. `/v1/CustomerProfiles/BU...` or `/2010-04-01/Accounts/AC....json`. */
  twilioPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  form: URLSearchParams;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST';
  product: Product;
  /** `/v1/CustomerProfiles/:Sid`; `:Name` matches one path segment (without dots). */
  pattern: string;
  /** Short name for the request log, e.g. `customerProfile.create`. */
  operation: string;
  /** A POST that creates a resource (target of the `reset-after-create` fault). */
  creates?: boolean;
  handle(req: ApiRequest, ctx: SandboxContext): ApiResponse;
}

export interface CompiledRoute extends Route {
  regex: RegExp;
}

export function compileRoute(r: Route): CompiledRoute {
  const src = r.pattern
    .split(/(:[A-Za-z]+)/)
    .map((part) => (part.startsWith(':') ? `(?<${part.slice(1)}>[^/.]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return { ...r, regex: new RegExp(`^${src}/?$`) };
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
