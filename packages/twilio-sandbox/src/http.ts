import http from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { handleAdmin } from './admin.js';
import type { SandboxAccount, SandboxContext } from './context.js';
import type { Contract } from './contract.js';
import { TwilioApiError, invalidParam, missingParam, notFound, tooManyRequests, unauthorized } from './errors.js';
import { TIMEOUT_FAULT_HOLD_MS, pickFault } from './faults.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { Product } from './contract.js';
import { matchRoute, type CompiledRoute } from './routes.js';
import type { RequestLogEntry } from './store.js';

const PRODUCTS: readonly Product[] = ['trusthub', 'messaging', 'api'];
const MAX_BODY_BYTES = 1 << 20;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface ServerDeps {
  /** The main account's context (admin endpoints); each request runs in its acting account's. */
  ctx: SandboxContext;
  /** Authenticates basic-auth credentials against every account (accounts.ts). */
  authenticate: (username: string, password: string) => SandboxAccount;
  routes: readonly CompiledRoute[];
  contract: Contract;
  budget: SlidingWindowLimiter;
  rng?: () => number;
}

/** What the `created` test hook carries: the request and the client's port (which process asked). */
export interface CreatedEvent {
  entry: RequestLogEntry;
  remotePort: number;
}

export interface SandboxServer {
  server: http.Server;
  /** Destroys every open socket (keep-alive and held ones). */
  destroySockets: () => void;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new TwilioApiError(413, 20413, 'Request Entity Too Large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The basic-auth username and password, or null when there are none. */
function basicCredentials(req: http.IncomingMessage): { username: string; password: string } | null {
  const h = req.headers.authorization;
  if (!h || !/^Basic\s+/i.test(h)) return null;
  const decoded = Buffer.from(h.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  if (status === 204) {
    res.writeHead(204, { 'Twilio-Request-Id': `RQ${randomBytes(16).toString('hex')}`, ...headers });
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Twilio-Request-Id': `RQ${randomBytes(16).toString('hex')}`,
    ...headers,
  });
  res.end(payload);
}

export function createSandboxServer(deps: ServerDeps): SandboxServer {
  const { ctx, routes, budget, contract } = deps;
  const rng = deps.rng ?? Math.random;
  const { options, store, timers } = ctx;
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, new TwilioApiError(500, 20500, 'Internal Server Error').body());
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    let bodyText: string;
    try {
      bodyText = await readBody(req);
    } catch (e) {
      if (e instanceof TwilioApiError) send(res, e.status, e.body());
      return;
    }

    if (path === '/_sandbox' || path.startsWith('/_sandbox/')) {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
        send(res, 403, { error: 'sandbox admin endpoints are loopback only' });
        return;
      }
      const r = handleAdmin(ctx, method, path, bodyText, url.searchParams);
      send(res, r.status, r.body);
      return;
    }

    const firstSeg = path.split('/')[1] ?? '';
    const product = (PRODUCTS as readonly string[]).includes(firstSeg) ? (firstSeg as Product) : null;
    const twilioPath = product ? path.slice(product.length + 1) || '/' : path;
    const entry: RequestLogEntry = { at, method, path, product: product ?? firstSeg, status: 0, query: url.search.replace(/^\?/, '') };
    const form = new URLSearchParams(method === 'POST' ? bodyText : '');
    if (options.recordBodies) entry.form = [...form.entries()];
    store.requestLog.push(entry);

    const answer = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
      await timers.sleep(options.latencyMs);
      entry.status = status;
      if (options.recordBodies && status !== 204) entry.responseBody = body;
      send(res, status, body, headers);
    };
    const answerError = (e: TwilioApiError) => answer(e.status, e.body(), e.status === 401 ? { ...e.headers, 'WWW-Authenticate': 'Basic realm="Twilio API"' } : e.headers);

    try {
      const creds = basicCredentials(req);
      if (!creds) throw unauthorized();
      let acting = deps.authenticate(creds.username, creds.password);
      const match = product ? matchRoute(routes, product, method, twilioPath) : { route: null, pathMatched: false };
      if (match.route) {
        entry.operation = match.route.operation;
        entry.operationId = match.route.spec.operationId;
        // The main account's credentials reach a subaccount's API 2010 resources through its SID in the path.
        const named = match.params['AccountSid'];
        const sub = named !== undefined && named !== acting.sid ? ctx.accounts.get(named) : undefined;
        if (sub && sub.ownerAccountSid === acting.sid && sub.status === 'active') acting = sub;
      }
      entry.accountSid = acting.sid;
      // Twilio's concurrency limit is per account: each subaccount has its own budget.
      if (!budget.tryAcquire(acting.sid)) throw tooManyRequests(options.retryAfterSeconds);

      const fault = pickFault(options, rng);
      const isCreate = match.route !== null && match.route.creates === true && method === 'POST';
      if (fault && (fault !== 'reset-after-create' || isCreate)) {
        // A reset is recorded only once it happens (the create must succeed first).
        if (fault !== 'reset-after-create') entry.fault = fault;
        switch (fault) {
          case '500':
            return await answerError(new TwilioApiError(500, 20500, 'Internal Server Error'));
          case '503':
            return await answerError(new TwilioApiError(503, 20503, 'Service Unavailable'));
          case '429':
            return await answerError(tooManyRequests(options.retryAfterSeconds));
          case '429-retry-after':
            return await answerError(tooManyRequests(options.retryAfterSeconds ?? 1));
          case 'timeout':
            // never answer; the socket is destroyed after a minute or at close()
            timers.after(TIMEOUT_FAULT_HOLD_MS, () => req.socket.destroy());
            return;
          case 'reset-after-create':
            break;
        }
      }

      if (!match.route) {
        if (match.pathMatched) throw new TwilioApiError(405, 20004, 'Method not allowed');
        throw notFound(twilioPath);
      }
      // The contract first: what Twilio's OpenAPI file rejects never reaches a handler.
      const problem = contract.checkRequest(match.route.spec, { params: match.params, query: url.searchParams, form });
      if (problem) {
        // A path SID that does not match its pattern cannot name a resource: Twilio answers 404.
        if (problem.where === 'path') throw notFound(twilioPath);
        if (problem.kind === 'missing') throw missingParam(problem.name, problem.where);
        throw invalidParam(problem.name, problem.message);
      }
      const body = contract.formObject(match.route.spec, form);
      const result = match.route.handle({ method, twilioPath, params: match.params, query: url.searchParams, form, body }, acting.ctx);
      const created = isCreate && result.status >= 200 && result.status < 300;
      // Chaos tests aim kills here: the resource exists, its answer is not sent yet.
      if (created) ctx.events?.emit('created', { entry, remotePort: req.socket.remotePort ?? 0 } satisfies CreatedEvent);
      if (fault === 'reset-after-create' && created) {
        // the resource now exists, but the client never learns it
        entry.fault = fault;
        await timers.sleep(options.latencyMs);
        req.socket.destroy();
        return;
      }
      await answer(result.status, result.body);
    } catch (e) {
      if (e instanceof TwilioApiError) return await answerError(e);
      await answerError(new TwilioApiError(500, 20500, 'Internal Server Error'));
    }
  }

  return {
    server,
    destroySockets() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
  };
}
