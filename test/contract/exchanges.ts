import type { Contract, Product, RequestLogEntry, Sandbox, SpecOperation } from '@a2p-onboard/twilio-sandbox';

/**
 * Helpers of the contract tests: turn the sandbox's request log back into (operation, request, answer)
 * exchanges, check them against Twilio's OpenAPI files, and replay altered requests.
 */

export interface Exchange {
  entry: RequestLogEntry;
  op: SpecOperation;
  twilioPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  form: URLSearchParams;
}

const PRODUCTS: readonly Product[] = ['trusthub', 'messaging', 'api', 'events'];

export function templateRegex(template: string): RegExp {
  const src = template
    .split(/(\{[A-Za-z0-9]+\})/)
    // Event types ({Type}, Events v1) are dotted names, as the sandbox's routes match them.
    .map((part) => (part.startsWith('{') ? `(?<${part.slice(1, -1)}>${part === '{Type}' ? '[^/]+' : '[^/.]+'})` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}/?$`);
}

/** The exchange for a log entry the sandbox routed to an operation; null for unrouted requests (404, admin). */
export function exchangeOf(contract: Contract, entry: RequestLogEntry): Exchange | null {
  if (!entry.operationId || !(PRODUCTS as readonly string[]).includes(entry.product)) return null;
  const product = entry.product as Product;
  const op = contract.operationById(product, entry.operationId);
  if (!op) return null;
  const twilioPath = entry.path.slice(product.length + 1);
  const m = templateRegex(op.path).exec(twilioPath);
  return {
    entry,
    op,
    twilioPath,
    params: { ...(m?.groups ?? {}) },
    query: new URLSearchParams(entry.query),
    form: new URLSearchParams(entry.form ?? []),
  };
}

/** What is wrong with one exchange: the request (strictly: no unknown fields) and the answer. */
export function problemsOf(contract: Contract, x: Exchange): string[] {
  const out: string[] = [];
  const label = `${x.entry.method} ${x.entry.path}${x.entry.query ? `?${x.entry.query}` : ''} (${x.op.operationId})`;
  const req = contract.checkRequest(x.op, x, { strict: true });
  if (req) out.push(`request ${label}: ${req.where} ${req.name}: ${req.message}`);
  if (x.entry.status !== 0 && !x.entry.fault) {
    for (const p of contract.checkResponse(x.op, x.entry.status, x.entry.responseBody)) out.push(`answer ${label}: ${p}`);
  }
  return out;
}

export interface RawAnswer {
  status: number;
  body: Record<string, unknown> | null;
}

/** One HTTP request to the sandbox with the sandbox's credentials; `path` includes the product (`/trusthub/v1/...`). */
export async function raw(sb: Sandbox, method: string, path: string, form?: URLSearchParams): Promise<RawAnswer> {
  const headers: Record<string, string> = {
    Authorization: 'Basic ' + Buffer.from(`${sb.options.accountSid}:${sb.options.authToken}`).toString('base64'),
  };
  if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(sb.url + path, { method, headers, body: form ? form.toString() : null });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** Fills a path template's parameters. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return v;
  });
}

/** A value that breaks `^XX[0-9a-fA-F]{32}$`: the right prefix, too short. */
export function malformedSid(valid: string): string {
  return `${valid.slice(0, 2)}123`;
}
