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

/**
 * The operator's web UI, behind HTTP basic auth: batch and customer pages at /batches and
 * /customers (read-only), Bull Board for every queue at /admin/queues, Prometheus metrics
 * at /metrics (basic auth, or Bearer METRICS_TOKEN for scrapers), /healthz without auth.
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

function basicAuth(user: string, password: string | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (password === undefined) return next(); // loopback-only, checked at start
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0 && same(decoded.slice(0, i), user) && same(decoded.slice(i + 1), password)) return next();
    }
    res.set('WWW-Authenticate', 'Basic realm="a2p-onboard", charset="UTF-8"').status(401).send('Authentication required');
  };
}

function ledgerOnQueues(connection: unknown, prefix: string | undefined): Ledger {
  const c = connection as Partial<Redis> | undefined;
  if (!c || typeof c.hgetall !== 'function' || typeof c.defineCommand !== 'function') {
    throw new Error('startDashboard: pass `ledger` when the queues were not created on an ioredis connection');
  }
  return new Ledger(c as Redis, prefix ?? '{a2p}');
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

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  if (opts.webhook) {
    app.use(statusWebhook({ ...opts.webhook, queues: opts.queues }));
    app.use(eventsWebhook({ ...opts.webhook, publicUrl: opts.webhook.eventsPublicUrl, queues: opts.queues }));
  }
  const auth = basicAuth(opts.user, opts.password);
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
  app.use(notifyPage({ queues: opts.queues }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // The message only: a stack or a Redis error never reaches the page.
    const msg = err instanceof Error ? err.message : String(err);
    res.status(500).type('html').send(page('Error', html`<h1>Something went wrong</h1><p>${msg}</p>`));
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once('error', reject);
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
      }),
  };
}
