/**
 * Shared plumbing of the reliability runs (`npm run chaos`, `faults`, `redis-restart`) and of
 * their scaled-down tests: a Redis we may kill and restart (AOF everysec), the sandbox in this
 * process, worker processes spawned exactly as an operator runs them (`a2p-onboard worker`), a
 * batch with known good and known bad rows, and the audit afterwards: every customer in the
 * state it would have reached anyway, and one of each Twilio resource per customer, counted
 * through the sandbox's list endpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Ledger } from '../../src/ledger/ledger.js';
import type { CustomerState } from '../../src/ledger/states.js';
import { createLogger } from '../../src/log.js';
import { freePort } from '../../src/local-redis.js';
import { ingestFile } from '../../src/producers/ingest.js';
import { createRedis } from '../../src/redis.js';
import { startSandbox, type CreatedEvent, type Sandbox } from '@a2p-onboard/twilio-sandbox';
import { createTwilioClient } from '../../src/twilio/client.js';
import { closeQueues, createQueues, type Queues } from '../../src/workers/queues.js';
import { Writable } from 'node:stream';
import { BUSINESS_COLUMNS, HEADER, REVIEW_ONLY_DISPOSABLE_DOMAIN, REVIEW_ONLY_ZIP, TEMPLATE, businessFields, csvLine, customerFields } from '../../fixtures/customers.js';
import { FAST_SANDBOX } from '../../fixtures/sandbox.js';
import { cliArgs } from '../built-cli.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// ---------- a Redis we may kill ----------

export interface ControlledRedis {
  url: string;
  port: number;
  dir: string;
  /** SIGKILL: with appendfsync everysec, up to about a second of writes is lost. */
  kill9(): Promise<void>;
  /** SHUTDOWN (an AOF fsync first), or SHUTDOWN NOSAVE. */
  shutdown(nosave?: boolean): Promise<void>;
  /** Start again on the same port and directory (the AOF is replayed). */
  start(): Promise<void>;
  stop(): Promise<void>;
  restarts: number;
}

/** A private redis-server persisting like production (docker-compose.yml): AOF, fsync every second, noeviction. */
export async function startControlledRedis(opts: { appendonly?: boolean } = {}): Promise<ControlledRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'a2p-reliability-redis-'));
  const aof = opts.appendonly ?? true;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction', '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'everysec'];
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const exited = () => (child ? child.exitCode !== null || child.signalCode !== null : true);
  const waitExit = async () => {
    if (!child || exited()) return;
    await new Promise((r) => child!.once('exit', r));
  };
  const ctl: ControlledRedis = {
    url,
    port,
    dir,
    restarts: 0,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      for (let i = 0; i < 200; i++) {
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          // While the AOF loads Redis answers LOADING; wait until it serves.
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          await sleep(50);
        } finally {
          probe.disconnect(false);
        }
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    async kill9() {
      child?.kill('SIGKILL');
      await waitExit();
    },
    async shutdown(nosave = false) {
      const c = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      await c.call('SHUTDOWN', nosave ? 'NOSAVE' : 'SAVE').catch(() => undefined);
      c.disconnect();
      await waitExit();
    },
    async stop() {
      if (!exited()) {
        child?.kill('SIGTERM');
        await Promise.race([waitExit(), sleep(3000)]);
        if (!exited()) child?.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await ctl.start();
  return ctl;
}

// ---------- the batch ----------

export type RowKind = 'good' | 'disposable' | 'badzip' | 'reused';

export interface Expected {
  customerId: string;
  kind: RowKind;
  state: CustomerState;
  /** For failures: what the reason must say. */
  reason?: RegExp;
}

const REASONS: Record<Exclude<RowKind, 'good'>, RegExp> = {
  disposable: /disposable/i,
  badzip: /postal code/i,
  reused: /Unable to register Brand with The Campaign Registry/,
};

export { HEADER, TEMPLATE };

export interface Batch {
  csv: string;
  /** Business rows with a Standard brand (their own CSV: other columns), or null. */
  businessCsv: string | null;
  expected: Expected[];
  /** Mobile numbers the sandbox's TCR must already count 3 brands for (the `reused` rows). */
  tcrFull: string[];
}

/**
 * `n` customers; about one in ten is bad on purpose (a disposable email, a ZIP that is not the
 * state's, a mobile number already in 3 brands at TCR), so "the state it would have reached
 * without the kills" includes Twilio's rejections, with their reasons.
 */
export function makeBatch(n: number, prefix = 'cust', badEvery = 10, businesses = 0): Batch {
  const lines = [HEADER];
  const expected: Expected[] = [];
  const tcrFull: string[] = [];
  const bad: Exclude<RowKind, 'good'>[] = ['disposable', 'badzip', 'reused'];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${String(i).padStart(4, '0')}`;
    const kind: RowKind = badEvery > 0 && i % badEvery === badEvery - 1 ? bad[Math.floor(i / badEvery) % bad.length]! : 'good';
    const fields = customerFields(id, 1000 + i, {
      // Past ingest, refused by Twilio's review: see fixtures/customers.ts.
      email: kind === 'disposable' ? `${id}@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` : undefined,
      city: kind === 'badzip' ? REVIEW_ONLY_ZIP.city : undefined,
      region: kind === 'badzip' ? REVIEW_ONLY_ZIP.region : undefined,
      postal_code: kind === 'badzip' ? REVIEW_ONLY_ZIP.postal_code : undefined,
    });
    if (kind === 'reused') tcrFull.push(`+1415555${String(1000 + i).slice(-4)}`);
    lines.push(csvLine(fields));
    expected.push(kind === 'good' ? { customerId: id, kind, state: 'live' } : { customerId: id, kind, state: 'failed', reason: REASONS[kind] });
  }
  // Businesses with a tax ID: private Standard brands, every third one Low-Volume Standard. All go live.
  const bizLines = [BUSINESS_COLUMNS.join(',')];
  for (let i = 0; i < businesses; i++) {
    const id = `${prefix}b${String(i).padStart(3, '0')}`;
    bizLines.push(csvLine(businessFields(id, 5000 + i, i % 3 === 2 ? { brand_type: 'low_volume_standard', usecase: 'LOW_VOLUME' } : {}), BUSINESS_COLUMNS));
    expected.push({ customerId: id, kind: 'good', state: 'live' });
  }
  return { csv: lines.join('\n') + '\n', businessCsv: businesses > 0 ? bizLines.join('\n') + '\n' : null, expected, tcrFull };
}

// ---------- the stack: sandbox here, workers as processes ----------

export { FAST_SANDBOX };

export interface WorkerEnvOptions {
  redisUrl: string;
  prefix: string;
  sandbox: Sandbox;
  extra?: Record<string, string>;
}

/** Settings scaled down so a batch runs in seconds; lock short so a killed worker's jobs come back quickly. */
export function workerEnv(o: WorkerEnvOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    REDIS_URL: o.redisUrl,
    QUEUE_PREFIX: o.prefix,
    TWILIO_ACCOUNT_SID: o.sandbox.options.accountSid,
    TWILIO_AUTH_TOKEN: o.sandbox.options.authToken,
    TWILIO_API_BASE: o.sandbox.url,
    TWILIO_TIMEOUT_MS: '3000',
    VALIDATION_WAIT_MS: '200',
    STATUS_POLL_MAX_MS: '500',
    SWEEP_INTERVAL_MS: '1000',
    SWEEP_MAX_INTERVAL_MS: '2000',
    TWILIO_MAX_RPS: '400',
    REGISTRATION_RPS: '50',
    BACKOFF_BASE_MS: '100',
    BACKOFF_MAX_MS: '2000',
    WORKER_LOCK_MS: '3000',
    WORKER_CONCURRENCY: '8',
    SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'info',
    // Live needs a number on the Messaging Service: the sandbox sells one per customer.
    BUY_SENDER_NUMBERS: 'true',
    ...o.extra,
  };
}

/** What the harness reads from a worker's structured logs. */
export interface LogTally {
  /** ensure() found a resource an earlier try created but did not record: a kill or reset landed between create and ledger write. */
  foundUnrecorded: number;
  rateLimited: number;
  transient: number;
  redisRestartsNoticed: number;
  /** Lines that are not JSON (a crash's stack trace, a warning). */
  nonJson: string[];
  errors: string[];
}

export function emptyTally(): LogTally {
  return { foundUnrecorded: 0, rateLimited: 0, transient: 0, redisRestartsNoticed: 0, nonJson: [], errors: [] };
}

export interface WorkerProc {
  id: number;
  child: ChildProcess;
  ready: boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail: string[];
}

/** Start `a2p-onboard worker` exactly as an operator does. */
export function spawnWorker(env: NodeJS.ProcessEnv, id: number, tally: LogTally): WorkerProc {
  const child = spawn(process.execPath, cliArgs('worker'), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const w: WorkerProc = {
    id,
    child,
    ready: false,
    stderrTail: [],
    exited: new Promise((r) => child.once('exit', (code, signal) => r({ code, signal }))),
  };
  let buf = '';
  child.stderr.on('data', (b: Buffer) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      w.stderrTail.push(line);
      if (w.stderrTail.length > 50) w.stderrTail.shift();
      tallyLine(line, tally, w);
    }
  });
  return w;
}

function tallyLine(line: string, t: LogTally, w: WorkerProc): void {
  if (line.trim() === '') return;
  let o: { msg?: string; level?: number; err?: unknown };
  try {
    o = JSON.parse(line) as typeof o;
  } catch {
    if (!line.includes('ExperimentalWarning') && !line.startsWith('(node:') && !line.includes('--trace-warnings')) t.nonJson.push(line.slice(0, 300));
    return;
  }
  const msg = o.msg ?? '';
  if (msg === 'workers started') w.ready = true;
  else if (msg.startsWith('found a resource an earlier try created')) t.foundUnrecorded += 1;
  else if (msg.startsWith('rate limited')) t.rateLimited += 1;
  else if (msg.startsWith('transient failure')) t.transient += 1;
  else if (msg.startsWith('Redis restarted')) t.redisRestartsNoticed += 1;
  if ((o.level ?? 0) >= 50 && t.errors.length < 20) t.errors.push(`${msg} ${JSON.stringify(o.err ?? '')}`.slice(0, 300));
}

/**
 * The client side of a TCP connection to the sandbox, by port → the worker process holding it
 * (Linux /proc). This is how a kill is aimed at the process whose create was just performed.
 */
export function ownerOfClientPort(clientPort: number, serverPort: number, pids: number[]): number | null {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | null = null;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[1]!.endsWith(`:${hex(clientPort)}`) && cols[2]!.endsWith(`:${hex(serverPort)}`)) {
        inode = cols[9]!;
        break;
      }
    }
    if (inode) break;
  }
  if (!inode || inode === '0') return null;
  const want = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === want) return pid;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

export interface FleetOptions {
  size: number;
  env: NodeJS.ProcessEnv;
  /** Wait this long before starting a killed worker again. */
  restartDelayMs?: number;
}

/** N worker processes; killed ones are started again, as a process supervisor would. */
export class WorkerFleet {
  readonly tally = emptyTally();
  readonly procs = new Map<number, WorkerProc>();
  kills = { random: 0, aimed: 0 };
  private nextId = 1;
  private stopping = false;
  private readonly restarting = new Set<Promise<void>>();

  constructor(private readonly opts: FleetOptions) {}

  start(): void {
    for (let i = 0; i < this.opts.size; i++) this.add();
  }

  /** Workers that exited on their own (not killed, not stopped), with their last log lines. */
  readonly unexpectedExits: Array<{ code: number | null; tail: string[] }> = [];
  private readonly killed = new Set<number>();

  private add(): WorkerProc {
    const w = spawnWorker(this.opts.env, this.nextId++, this.tally);
    const pid = w.child.pid!;
    this.procs.set(pid, w);
    // Like a process supervisor: whatever ended a worker (our SIGKILL, or it gave up at
    // start-up because Twilio answered a fault), start a fresh one.
    const p = w.exited.then(async ({ code }) => {
      this.procs.delete(pid);
      if (this.stopping) return;
      if (!this.killed.has(pid)) this.unexpectedExits.push({ code, tail: w.stderrTail.slice(-3) });
      await sleep(this.opts.restartDelayMs ?? 300);
      if (!this.stopping) this.add();
    });
    this.restarting.add(p);
    void p.finally(() => this.restarting.delete(p));
    return w;
  }

  livePids(): number[] {
    return [...this.procs.values()].filter((w) => w.child.exitCode === null && w.child.signalCode === null).map((w) => w.child.pid!);
  }

  readyPids(): number[] {
    return this.livePids().filter((p) => this.procs.get(p)?.ready);
  }

  async waitReady(n = this.opts.size, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.readyPids().length < n) {
      if (Date.now() > until) {
        const tails = [...this.procs.values()].map((w) => w.stderrTail.slice(-5).join('\n')).join('\n---\n');
        throw new Error(`workers did not start within ${timeoutMs} ms:\n${tails}`);
      }
      await sleep(100);
    }
  }

  /** SIGKILL one worker process and start a fresh one after restartDelayMs. */
  kill(pid: number, how: 'random' | 'aimed'): boolean {
    const w = this.procs.get(pid);
    if (!w || w.child.exitCode !== null || w.child.signalCode !== null) return false;
    this.killed.add(pid);
    w.child.kill('SIGKILL');
    this.kills[how] += 1;
    return true;
  }

  /** SIGTERM every worker; resolve with their exit codes. */
  async stop(): Promise<Array<{ code: number | null; signal: NodeJS.Signals | null }>> {
    this.stopping = true;
    const ws = [...this.procs.values()];
    for (const w of ws) w.child.kill('SIGTERM');
    const res = await Promise.all(
      ws.map((w) => Promise.race([w.exited, sleep(20_000, undefined, { ref: false }).then(() => ({ code: null, signal: 'timeout' as unknown as NodeJS.Signals }))])),
    );
    for (const w of ws) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(this.restarting);
    return res;
  }
}

/** Arm aimed kills: the next create the sandbox performs gets its worker killed before the answer leaves. */
export function aimer(sandbox: Sandbox, fleet: WorkerFleet): { arm(): void; armed: () => boolean; misses: number } {
  let armed = false;
  const state = { misses: 0 };
  // The hook runs before the answer is written, so the kill lands before the worker can read it.
  sandbox.events.on('created', (ev: CreatedEvent) => {
    // OTP requests are not resources the ledger records: aim at the ones ensure() guards.
    if (!armed || ev.entry.operation === 'otp.create') return;
    const pid = ownerOfClientPort(ev.remotePort, sandbox.port, fleet.livePids());
    if (pid === null) {
      state.misses += 1;
      return;
    }
    armed = false;
    fleet.kill(pid, 'aimed');
  });
  return {
    arm: () => {
      armed = true;
    },
    armed: () => armed,
    get misses() {
      return state.misses;
    },
  };
}

// ---------- ingest, wait, audit ----------

export interface Store {
  redis: Redis;
  ledger: Ledger;
  queues: Queues;
  close(): Promise<void>;
}

const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

export function openStore(redisUrl: string, prefix: string): Store {
  const redis = createRedis(redisUrl);
  redis.on('error', () => undefined);
  const queues = createQueues(redis, prefix, 8);
  // Redis may be down on purpose (restart runs): the waits below ride it out.
  for (const q of Object.values(queues)) q.on('error', () => undefined);
  const ledger = new Ledger(redis, prefix, { watchDelayMs: 1000 });
  return {
    redis,
    ledger,
    queues,
    async close() {
      await closeQueues(queues).catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export async function prepareSandbox(sandbox: Sandbox, batch: Batch): Promise<void> {
  for (const mobile of batch.tcrFull) {
    const res = await fetch(`${sandbox.url}/_sandbox/tcr-usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile, count: 3 }) });
    if (res.status !== 200) throw new Error(`tcr-usage: ${res.status}`);
  }
}

export async function ingestBatch(store: Store, batch: Batch, batchId: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'a2p-reliability-'));
  try {
    const file = join(dir, 'customers.csv');
    writeFileSync(file, batch.csv);
    const tpl = join(dir, 'template.json');
    writeFileSync(tpl, JSON.stringify(TEMPLATE));
    const report = await ingestFile({ ledger: store.ledger, queues: store.queues, log: quiet }, file, { batchId, templatePath: tpl });
    if (report.rejected.length) throw new Error(`ingest rejected rows: ${JSON.stringify(report.rejected.slice(0, 3))}`);
    if (!batch.businessCsv) return report.accepted;
    const bizFile = join(dir, 'businesses.csv');
    writeFileSync(bizFile, batch.businessCsv);
    const biz = await ingestFile({ ledger: store.ledger, queues: store.queues, log: quiet }, bizFile, { batchId });
    if (biz.rejected.length) throw new Error(`ingest rejected business rows: ${JSON.stringify(biz.rejected.slice(0, 3))}`);
    return report.accepted + biz.accepted;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SETTLED: readonly CustomerState[] = ['live', 'failed', 'expired', 'invalid'];

/** Poll the ledger until every customer is settled; `onTick` runs between polls (kills, restarts). */
export async function waitSettled(
  store: Store,
  ids: string[],
  opts: { timeoutMs: number; onTick?: (progress: { settled: number; total: number; elapsedMs: number }) => Promise<void> | void; everyMs?: number },
): Promise<{ settled: number; elapsedMs: number; timedOut: boolean }> {
  const started = Date.now();
  for (;;) {
    let settled = 0;
    try {
      const recs = await store.ledger.getMany(ids);
      settled = recs.filter((r) => r && SETTLED.includes(r.state)).length;
    } catch {
      /* Redis restarting */
    }
    const elapsedMs = Date.now() - started;
    if (settled === ids.length) return { settled, elapsedMs, timedOut: false };
    if (elapsedMs > opts.timeoutMs) return { settled, elapsedMs, timedOut: true };
    await opts.onTick?.({ settled, total: ids.length, elapsedMs });
    await sleep(opts.everyMs ?? 250);
  }
}

export interface ResourceCounts {
  customerProfiles: number;
  trustProducts: number;
  brands: number;
  messagingServices: number;
  campaigns: number;
  /** Two per customer, told apart by name: the starter profile's and the Sole Proprietor bundle's. */
  starterEndUsers: number;
  soleProprietorEndUsers: number;
  addresses: number;
  supportingDocuments: number;
}

const EMPTY_COUNTS = (): ResourceCounts => ({ customerProfiles: 0, trustProducts: 0, brands: 0, messagingServices: 0, campaigns: 0, starterEndUsers: 0, soleProprietorEndUsers: 0, addresses: 0, supportingDocuments: 0 });

/** Per customer, how many of each resource the sandbox holds: through its list endpoints, every page, by the customer id in friendly names. */
export async function countResources(sandbox: Sandbox): Promise<{ counts: Map<string, ResourceCounts>; named: Map<string, Map<string, number>> }> {
  const client = createTwilioClient({ accountSid: sandbox.options.accountSid, authToken: sandbox.options.authToken, apiBase: sandbox.url });
  const out = new Map<string, ResourceCounts>();
  // Copies are told apart by what the friendly name says the resource is (a business has three end users, a
  // Standard brand's customer may have two trust products): two of one name for one customer is a duplicate.
  const named = new Map<string, Map<string, number>>();
  const bump = (id: string, k: keyof ResourceCounts, name?: string | null) => {
    const c = out.get(id) ?? EMPTY_COUNTS();
    c[k] += 1;
    out.set(id, c);
    const role = `${k}:${roleOf(name) ?? ''}`;
    const m = named.get(id) ?? new Map<string, number>();
    m.set(role, (m.get(role) ?? 0) + 1);
    named.set(id, m);
  };
  const idOf = (name: string | null | undefined): string | null => /^a2p-onboard (\S+) /.exec(name ?? '')?.[1] ?? null;
  const roleOf = (name: string | null | undefined): string | null => /^a2p-onboard \S+ (.*)$/.exec(name ?? '')?.[1] ?? null;
  const bundleOwner = new Map<string, string>();
  for (const p of await client.trusthub.v1.customerProfiles.list({ pageSize: 100 })) {
    const id = idOf(p.friendlyName);
    if (id) bump(id, 'customerProfiles', p.friendlyName);
  }
  for (const t of await client.trusthub.v1.trustProducts.list({ pageSize: 100 })) {
    const id = idOf(t.friendlyName);
    if (!id) continue;
    bump(id, 'trustProducts', t.friendlyName);
    bundleOwner.set(t.sid, id);
  }
  // Brands have no friendly name: they belong to the customer whose trust bundle they name.
  for (const b of await client.messaging.v1.brandRegistrations.list({ pageSize: 100 })) {
    const id = bundleOwner.get(b.a2pProfileBundleSid);
    bump(id ?? `(unknown bundle ${b.a2pProfileBundleSid})`, 'brands');
  }
  for (const s of await client.messaging.v1.services.list({ pageSize: 100 })) {
    const id = idOf(s.friendlyName);
    if (!id) continue;
    bump(id, 'messagingServices', s.friendlyName);
    for (const _ of await client.messaging.v1.services(s.sid).usAppToPerson.list({ pageSize: 20 })) bump(id, 'campaigns');
  }
  for (const e of await client.trusthub.v1.endUsers.list({ pageSize: 100 })) {
    const id = idOf(e.friendlyName);
    if (id) bump(id, / Sole Proprietor /.test(e.friendlyName) ? 'soleProprietorEndUsers' : 'starterEndUsers', e.friendlyName);
  }
  for (const a of await client.api.v2010.accounts(sandbox.options.accountSid).addresses.list({ pageSize: 100 })) {
    const id = idOf(a.friendlyName);
    if (id) bump(id, 'addresses', a.friendlyName);
  }
  for (const d of await client.trusthub.v1.supportingDocuments.list({ pageSize: 100 })) {
    const id = idOf(d.friendlyName);
    if (id) bump(id, 'supportingDocuments', d.friendlyName);
  }
  return { counts: out, named };
}

export interface Audit {
  customers: number;
  live: number;
  failedAsExpected: number;
  /** Customers not in the state they would have reached without the chaos (wrong state, wrong reason, missing). */
  lost: Array<{ customerId: string; expected: string; got: string }>;
  /** Extra copies of a resource, summed over customers and kinds. */
  duplicates: number;
  duplicateDetails: Array<{ customerId: string; kind: string; count: number }>;
  /** Live customers lacking one of the five resources. */
  missingResources: Array<{ customerId: string; kind: string }>;
  resources: Record<keyof ResourceCounts, number>;
}

export async function audit(store: Store, sandbox: Sandbox, expected: Expected[]): Promise<Audit> {
  const recs = await store.ledger.getMany(expected.map((e) => e.customerId));
  const a: Audit = { customers: expected.length, live: 0, failedAsExpected: 0, lost: [], duplicates: 0, duplicateDetails: [], missingResources: [], resources: EMPTY_COUNTS() };
  expected.forEach((e, i) => {
    const r = recs[i];
    const got = r ? `${r.state}${r.reason ? `: ${r.reason}` : ''}` : 'missing from the ledger';
    if (!r || r.state !== e.state || (e.reason && !e.reason.test(r.reason ?? ''))) {
      a.lost.push({ customerId: e.customerId, expected: `${e.state}${e.reason ? ` (${String(e.reason)})` : ''}`, got: got.slice(0, 300) });
    } else if (e.state === 'live') a.live += 1;
    else a.failedAsExpected += 1;
  });
  const { counts, named } = await countResources(sandbox);
  for (const c of counts.values()) for (const [k, n] of Object.entries(c) as [keyof ResourceCounts, number][]) a.resources[k] += n;
  for (const [id, roles] of named) {
    for (const [role, n] of roles) {
      if (n <= 1) continue;
      a.duplicates += n - 1;
      a.duplicateDetails.push({ customerId: id, kind: role, count: n });
    }
  }
  for (const e of expected) {
    if (e.state !== 'live') continue;
    const c = counts.get(e.customerId) ?? EMPTY_COUNTS();
    // A live customer has its profile, one brand, one Messaging Service and one campaign, and its trust product
    // (a business with a Standard brand: its A2P Messaging Trust Product, plus SHAKEN/STIR's when asked for).
    for (const k of ['customerProfiles', 'brands', 'messagingServices', 'campaigns'] as const) {
      if (c[k] !== 1) a.missingResources.push({ customerId: e.customerId, kind: k });
    }
    if (c.trustProducts < 1) a.missingResources.push({ customerId: e.customerId, kind: 'trustProducts' });
  }
  return a;
}

/** Remove every key of a run's prefix. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export function writeResult(name: string, data: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

/** A small deterministic PRNG (mulberry32), so a run is reproducible from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { startSandbox };
