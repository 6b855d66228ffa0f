import { timingSafeEqual, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Queues } from '../workers/queues.js';

/** Bull Board for every queue at /admin/queues, behind HTTP basic auth. */

export interface DashboardOptions {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  queues: Queues;
}

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function basicAuth(user: string, password: string | undefined) {
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
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(basicAuth(opts.user, opts.password));
  app.get('/', (_req, res) => res.redirect('/admin/queues'));
  app.use('/admin/queues', serverAdapter.getRouter() as express.Router);

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
