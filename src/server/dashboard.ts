import { timingSafeEqual, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { Ledger } from '../ledger/ledger.js';
import { bearerOk, newRegistry, registerStoreMetrics } from '../metrics/metrics.js';
import type { Queues } from '../workers/queues.js';
import { batchPages } from './batch-pages.js';
import { html, page } from './html.js';
import { notifyPage } from './notify-page.js';
import { eventsWebhook, type EventsWebhookOptions } from './events-webhook.js';
import { statusWebhook, type StatusWebhookOptions } from './webhook.js';
import { uploadPage, type UploadPageOptions } from './upload-page.js';
import { apiRouter, type ApiOptions } from './api/router.js';
import { AuthThrottle, securityHeaders } from './security.js';
import { refuseBadBodies } from './body-errors.js';
import { loadCampaignTemplate } from '../customers/template.js';
import { createLogger, type Logger } from '../log.js';

/**
 * The operator's web UI, behind HTTP basic auth: batch and customer pages at /batches and
 * /customers (read-only), the upload page at /upload, Bull Board for every queue at /admin/queues, Prometheus metrics
 * at /metrics (basic auth, or Bearer METRICS_TOKEN for scrapers), /healthz without auth; the HTTP
 * API at /api/v1 (API keys only, src/server/api/). Every answer carries helmet's security headers
 * (src/server/security.ts), and wrong passwords are answered slower and slower.
 */

export interface DashboardOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  queues: Queues;
  /** Twilio's status callbacks and Event Streams deliveries; served without basic auth (Twilio signs them instead). */
  webhook?: WebhookOptions | undefined;
  /** Default: a ledger on the queues' Redis connection and prefix. */
  ledger?: Ledger;
  /** Default: a registry with the store's gauges (and process metrics). Pass one to add this process's Twilio metrics too. */
  metrics?: Registry;
  /** Lets Prometheus scrape /metrics with `Authorization: Bearer <token>` instead of basic auth. */
  metricsToken?: string | undefined;
  /** The upload page (/upload): size limit, expiry, server-side templates (defaults: 20 MB, 1 hour, none). */
  upload?: UploadPageOptions;
  /** The HTTP API at /api/v1 (src/server/api/): its limits and campaign template. */
  api?: ApiOptions;
  /** Each wrong basic-auth attempt from an address is answered this much later per recent failure (DASHBOARD_AUTH_FAILURE_DELAY_MS). */
  authFailureDelayMs?: number;
  /** Reverse proxies in front (Express's `trust proxy` hops), so client addresses are the clients' (DASHBOARD_TRUST_PROXY). */
  trustProxy?: number;
  log?: Logger;
}

/** What Twilio's two webhooks need: the status callbacks' options, plus the events sink's public URL (and subaccounts' tokens). */
export type WebhookOptions = Omit<StatusWebhookOptions, 'queues'> & Pick<EventsWebhookOptions, 'subaccountToken'> & { eventsPublicUrl?: string | undefined };

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function basicAuth(user: string, password: string | undefined, throttle: AuthThrottle) {
  const ok = (req: Request): boolean => {
    if (password === undefined) return true; // loopback-only, checked at start
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 && same(decoded.slice(0, i), user) && same(decoded.slice(i + 1), password);
  };
  return throttle.guard(ok, (res) => {
    res.set('WWW-Authenticate', 'Basic realm="a2p-onboard", charset="UTF-8"').status(401).send('Authentication required');
  });
}

function ledgerOnQueues(connection: unknown, prefix: string | undefined): Ledger {
  const c = connection as Partial<Redis> | undefined;
  if (!c || typeof c.hgetall !== 'function' || typeof c.defineCommand !== 'function') {
    throw new Error('startDashboard: pass `ledger` when the queues were not created on an ioredis connection');
  }
  return new Ledger(c as Redis, prefix ?? '{a2p}');
}

/** The API keeps its keys, idempotent answers and rate counters on the queues' Redis, under their prefix. */
function redisOfQueues(connection: unknown): Redis {
  const c = connection as Partial<Redis> | undefined;
  if (!c || typeof c.set !== 'function' || typeof c.eval !== 'function') {
    throw new Error('startDashboard: the HTTP API needs the queues created on an ioredis connection');
  }
  return c as Redis;
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  if (!opts.password && !isLoopback(opts.host)) {
    throw new Error(`refusing to serve the dashboard on ${opts.host} without DASHBOARD_PASSWORD: set one, or bind to 127.0.0.1`);
  }
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: Object.values(opts.queues).map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'a2p-onboard' } },
  });
  const anyQueue = opts.queues['starter-profile'];
  const ledger = opts.ledger ?? ledgerOnQueues(anyQueue.opts.connection, anyQueue.opts.prefix);
  let registry = opts.metrics;
  if (!registry) {
    registry = newRegistry();
    registerStoreMetrics(registry, { queues: opts.queues, ledger });
  }
  const metricsRegistry = registry;

  const log = opts.log ?? opts.webhook?.log ?? createLogger('silent');
  const apiTemplate = opts.api?.templatePath ? await loadCampaignTemplate(opts.api.templatePath) : undefined;
  const redis = redisOfQueues(anyQueue.opts.connection);

  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy) app.set('trust proxy', opts.trustProxy);
  app.use(securityHeaders());
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  if (opts.webhook) {
    app.use(statusWebhook({ ...opts.webhook, queues: opts.queues }));
    app.use(eventsWebhook({ ...opts.webhook, publicUrl: opts.webhook.eventsPublicUrl, queues: opts.queues }));
  }
  // API keys only there, and never on the pages below (basic auth only).
  app.use(apiRouter({ redis, prefix: ledger.prefix, ledger, queues: opts.queues, log, template: apiTemplate }, opts.api));
  const auth = basicAuth(opts.user, opts.password, new AuthThrottle({ delayMs: opts.authFailureDelayMs ?? 1000 }));
  app.get('/metrics', (req, res, next) => {
    const serve = () => {
      metricsRegistry.metrics().then(
        (body) => res.type(metricsRegistry.contentType).set('Cache-Control', 'no-store').send(body),
        (err: unknown) => next(err),
      );
    };
    if (opts.metricsToken && bearerOk(req.headers.authorization, opts.metricsToken)) return serve();
    auth(req, res, serve);
  });
  app.use(auth);
  app.get('/', (_req, res) => res.redirect('/batches'));
  app.use('/admin/queues', serverAdapter.getRouter() as express.Router);
  app.use(batchPages({ ledger, queues: opts.queues }));
  const uploads = await uploadPage({ ledger, queues: opts.queues }, opts.upload);
  app.use(uploads.router);
  app.use(notifyPage({ queues: opts.queues }));
  // A body a parser refused (too large, malformed) anywhere: 413/400, never the error page.
  app.use(refuseBadBodies);
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // The message only: a stack or a Redis error never reaches the page.
    const msg = err instanceof Error ? err.message : String(err);
    res.status(500).type('html').send(page('Error', html`<h1>Something went wrong</h1><p>${msg}</p>`));
  });

  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err: unknown) => {
    await uploads.close();
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }).then(() => uploads.close()),
  };
}
