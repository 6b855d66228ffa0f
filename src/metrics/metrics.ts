import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Ledger } from '../ledger/ledger.js';
import { STATES } from '../ledger/states.js';
import { FEE_KINDS, type FeeTotals } from '../ledger/fees.js';
import type { CallInfo } from '../twilio/client.js';
import { QUEUE_NAMES, type Queues } from '../workers/queues.js';

/**
 * Prometheus metrics (prom-client). Two sources, served by the process that owns them:
 * - the store (queues and ledger in Redis): jobs by queue and state, oldest waiting job,
 *   dead-letter size, customers by state. Read on each scrape with a few cheap commands
 *   (the ledger keeps per-state counters), served by the dashboard so a fleet of workers
 *   does not report the same numbers N times;
 * - the process: Twilio calls by endpoint and status, 429s, latency, stage jobs done,
 *   served by each worker (`METRICS_PORT`), because those calls happen there.
 * Labels never carry a customer id or a SID: SIDs in Twilio URLs become `{sid}`.
 */

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

interface StoreSnapshot {
  jobs: Record<string, Record<string, number>>;
  oldestWaitingSeconds: Record<string, number>;
  customers: Record<string, number>;
  fees: FeeTotals;
}

/** Gauges over the queues and the ledger, computed when Prometheus scrapes. */
export function registerStoreMetrics(registry: Registry, deps: { queues: Queues; ledger: Ledger }): void {
  let pending: Promise<StoreSnapshot> | undefined;
  // One snapshot per scrape, shared by the gauges below: prom-client collects them all at
  // once, so they join the read in flight; the next scrape reads afresh.
  const snapshot = (): Promise<StoreSnapshot> => {
    if (pending) return pending;
    const snap = takeSnapshot(deps).finally(() => {
      if (pending === snap) pending = undefined;
    });
    pending = snap;
    return snap;
  };

  new Gauge({
    name: 'a2p_queue_jobs',
    help: 'Jobs per queue and state (BullMQ).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const [queue, counts] of Object.entries(s.jobs)) for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
    },
  });
  new Gauge({
    name: 'a2p_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job ready to run but not picked up yet, per queue (0 when none waits): workers missing or too slow.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const [queue, secs] of Object.entries(s.oldestWaitingSeconds)) this.set({ queue }, secs);
    },
  });
  new Gauge({
    name: 'a2p_dead_letter_jobs',
    help: 'Customers in the dead-letter queue (rejected by Twilio or out of retries), kept until redriven or removed.',
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.set(Object.values(s.jobs['dead-letter'] ?? {}).reduce((a, b) => a + b, 0));
    },
  });
  new Gauge({
    name: 'a2p_customers',
    help: 'Customers accepted into any batch, by state (rows refused at ingest are on the batch pages and reports).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const [state, n] of Object.entries(s.customers)) this.set({ state }, n);
    },
  });
  // Fees from the ledger (every batch; per batch on the batch pages and in `status`): a gauge, since
  // the ledger keeps the sums and a dashboard restart must not reset them.
  new Gauge({
    name: 'a2p_fees_usd',
    help: 'Twilio fees recorded in the ledger, in US dollars, by kind (brand, campaignVetting, authPlus, secondaryVetting); amounts from the FEE_* settings.',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const k of FEE_KINDS) this.set({ kind: k }, s.fees.byKind[k].cents / 100);
    },
  });
  new Gauge({
    name: 'a2p_fee_submissions',
    help: 'Charged submissions recorded in the ledger, by kind; mock="true" counts mock brands and their campaigns (free).',
    labelNames: ['kind', 'mock'],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const k of FEE_KINDS) {
        this.set({ kind: k, mock: 'false' }, s.fees.byKind[k].count - s.fees.byKind[k].mock);
        this.set({ kind: k, mock: 'true' }, s.fees.byKind[k].mock);
      }
    },
  });
}

async function takeSnapshot(deps: { queues: Queues; ledger: Ledger }): Promise<StoreSnapshot> {
  const now = Date.now();
  const perQueue = await Promise.all(
    QUEUE_NAMES.map(async (name) => {
      const q = deps.queues[name];
      const [counts, oldest] = await Promise.all([q.getJobCounts(...JOB_STATES), q.getJobs(['wait'], 0, 0, true)]);
      const job = oldest[0];
      // A job that waited out a delay is ready from timestamp + delay, not from its creation.
      const readySince = job ? job.timestamp + (job.delay ?? 0) : now;
      return { name, counts, oldest: Math.max(0, (now - readySince) / 1000) };
    }),
  );
  const [totals, fees] = await Promise.all([deps.ledger.index.totals(), deps.ledger.fees.totals()]);
  const customers: Record<string, number> = {};
  for (const s of STATES) if (s !== 'invalid') customers[s] = totals[s];
  return {
    jobs: Object.fromEntries(perQueue.map((q) => [q.name, q.counts])),
    oldestWaitingSeconds: Object.fromEntries(perQueue.map((q) => [q.name, q.oldest])),
    customers,
    fees,
  };
}

/** `https://trusthub.twilio.com/v1/CustomerProfiles/BU…/Evaluations` → `trusthub /v1/CustomerProfiles/{sid}/Evaluations`. */
export function endpointOf(url: string): string {
  const m = /^https?:\/\/([a-z0-9-]+)(?:\.[a-z0-9-]+)*(?::\d+)?(\/[^?#]*)?/i.exec(url);
  if (!m) return 'other';
  const path = (m[2] ?? '/').replace(/\/[A-Z]{2}[0-9a-fA-F]{32}(?=\/|\.json|$)/g, '/{sid}');
  return `${m[1]!.toLowerCase()} ${path}`;
}

export interface TwilioMetrics {
  /** A property, not a method: it is handed to the RequestClient as a callback. */
  onCall: (info: CallInfo) => void;
}

/** Twilio calls as twilio-node made them; hook `onCall` into the RequestClient (createRuntime's option). */
export function registerTwilioMetrics(registry: Registry): TwilioMetrics {
  const calls = new Counter({ name: 'a2p_twilio_requests_total', help: 'Twilio API calls by method, endpoint and HTTP status ("error": no answer).', labelNames: ['method', 'endpoint', 'status'], registers: [registry] });
  const limited = new Counter({ name: 'a2p_twilio_rate_limited_total', help: 'Twilio answers 429 Too Many Requests, by endpoint.', labelNames: ['endpoint'], registers: [registry] });
  const latency = new Histogram({
    name: 'a2p_twilio_request_duration_seconds',
    help: 'Twilio API call latency, by method and endpoint.',
    labelNames: ['method', 'endpoint'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    onCall(info) {
      const endpoint = endpointOf(info.url);
      const method = info.method.toUpperCase();
      calls.inc({ method, endpoint, status: String(info.status) });
      if (info.status === 429) limited.inc({ endpoint });
      latency.observe({ method, endpoint }, info.ms / 1000);
    },
  };
}

/** Stage jobs this process finished, by queue and result. */
export function registerWorkerMetrics(registry: Registry, workers: Worker[]): void {
  const done = new Counter({ name: 'a2p_stage_jobs_total', help: 'Stage jobs finished by this process, by queue and result (completed, failed: retried later or dead-lettered).', labelNames: ['queue', 'result'], registers: [registry] });
  for (const w of workers) {
    w.on('completed', () => done.inc({ queue: w.name, result: 'completed' }));
    w.on('failed', () => done.inc({ queue: w.name, result: 'failed' }));
  }
}

/** Bearer METRICS_TOKEN, when one is set. */
export function bearerOk(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A worker's own /metrics (and /healthz) on METRICS_HOST:METRICS_PORT; Bearer METRICS_TOKEN when set. */
export async function startMetricsServer(opts: { host: string; port: number; token?: string | undefined; registry: Registry }): Promise<MetricsServer> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (path !== '/metrics') return void res.writeHead(404).end('not found');
    if (opts.token && !bearerOk(req.headers.authorization, opts.token)) {
      return void res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="a2p-onboard metrics"' }).end('Bearer token required');
    }
    opts.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
