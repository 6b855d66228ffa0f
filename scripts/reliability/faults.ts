/**
 * Twilio faults: the sandbox answers a share of requests with 429 (with and without
 * Retry-After), 500, 503, never (a timeout), or performs a create and then drops the connection.
 * The batch must still settle exactly as without faults, with nothing created twice; 429s must
 * not spend retry attempts; retries must back off exponentially, with jitter, under a cap.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { startLocalRedis } from '../../src/local-redis.js';
import type { FaultKind } from '@a2p-onboard/twilio-sandbox';
import { STAGE_NAMES } from '../../src/jobs/registry.js';
import {
  FAST_SANDBOX, WorkerFleet, audit, dropPrefix, ingestBatch, makeBatch, openStore, prepareSandbox, startSandbox, waitSettled, workerEnv,
  type Audit, type LogTally,
} from './harness.js';

export interface FaultOptions {
  customers: number;
  /** Of which businesses with a Standard brand (private; every third Low-Volume Standard), in their own CSV. */
  businesses?: number;
  rate: number;
  kinds: FaultKind[];
  /** JOB_ATTEMPTS for the workers: 1 proves that 429s spend none. */
  attempts: number;
  workers: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  redisUrl?: string;
  log?: (line: string) => void;
}

export interface BackoffSample {
  stage: string;
  /** Transient failures before the job succeeded; the delay observed is the one after the last of them. */
  failures: number;
  delayMs: number;
  /** The window capped equal jitter allows: [cap/2, cap] with cap = min(max, base * 2^(failures-1)). */
  min: number;
  max: number;
}

export interface FaultResult {
  run: 'faults';
  at: string;
  options: Omit<FaultOptions, 'log' | 'redisUrl'>;
  customers: number;
  requests: number;
  faultsInjected: Record<string, number>;
  durationMs: number;
  timedOut: boolean;
  audit: Audit;
  lostCustomers: number;
  duplicates: number;
  /** Customers dead-lettered beyond the known-bad rows (retries exhausted would show here). */
  unexpectedDeadLetters: number;
  logs: Pick<LogTally, 'rateLimited' | 'transient' | 'foundUnrecorded'>;
  backoff: { samples: number; outsideWindow: number; distinctDelays: number; byFailures: Record<string, { n: number; minSeen: number; maxSeen: number; window: [number, number] }> };
  workerErrors: string[];
  /** Workers that exited on their own (e.g. gave up at start-up on a fault) and were started again. */
  unexpectedWorkerExits: number;
}

/**
 * Retry delays as BullMQ recorded them: in each stage's event stream, a `delayed` event that
 * follows the job's `active` event is a retry after a failure; its `delay` is the timestamp the
 * retry is due, the stream id the moment it was scheduled. (A job added with a delay, the
 * validation wait, is `delayed` before it was ever active; 429s go back to `waiting` instead.)
 */
async function backoffSamples(redis: Redis, prefix: string, base: number, cap: number): Promise<BackoffSample[]> {
  const out: BackoffSample[] = [];
  // brand-status and otp re-check by moving the same job to delayed: their delays are polls, not retries.
  for (const stage of STAGE_NAMES.filter((s) => s !== 'brand-status' && s !== 'otp')) {
    const events = await redis.xrange(`${prefix}:${stage}:events`, '-', '+');
    const active = new Set<string>();
    const failures = new Map<string, number>();
    for (const [id, fields] of events) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      const jobId = f['jobId'];
      if (!jobId) continue;
      if (f['event'] === 'active') active.add(jobId);
      else if (f['event'] === 'delayed' && active.has(jobId)) {
        active.delete(jobId);
        const n = (failures.get(jobId) ?? 0) + 1;
        failures.set(jobId, n);
        const exp = Math.min(cap, base * 2 ** (n - 1));
        const scheduledAt = Number(id.split('-')[0]);
        // The worker took its clock reading a moment before Redis stamped the event: allow 25 ms.
        out.push({ stage, failures: n, delayMs: Number(f['delay']) - scheduledAt, min: Math.floor(exp / 2) - 25, max: Math.ceil(exp) });
      } else if (f['event'] !== 'delayed') active.delete(jobId);
    }
  }
  return out;
}

export async function runFaults(o: FaultOptions): Promise<FaultResult> {
  const say = o.log ?? (() => undefined);
  const local = o.redisUrl ? undefined : await startLocalRedis();
  const redisUrl = o.redisUrl ?? local!.url;
  const prefix = `{faults-${randomUUID().slice(0, 8)}}`;
  const sandbox = await startSandbox({ ...FAST_SANDBOX, faultRate: o.rate, faultKinds: o.kinds });
  const store = openStore(redisUrl, prefix);
  const batch = makeBatch(o.customers, 'ft', 10, o.businesses ?? 0);
  const fleet = new WorkerFleet({
    size: o.workers,
    env: workerEnv({
      redisUrl,
      prefix,
      sandbox,
      extra: { JOB_ATTEMPTS: String(o.attempts), BACKOFF_BASE_MS: String(o.backoffBaseMs), BACKOFF_MAX_MS: String(o.backoffMaxMs), TWILIO_TIMEOUT_MS: '2000' },
    }),
  });
  const started = Date.now();
  try {
    // The workers' start-up calls (credentials, primary profile) see faults too: a worker that
    // cannot start exits 1 and is started again, as under a supervisor.
    await prepareSandbox(sandbox, batch);
    fleet.start();
    await fleet.waitReady(1);
    await ingestBatch(store, batch, 'faults');
    const ids = batch.expected.map((e) => e.customerId);
    let lastSay = 0;
    const res = await waitSettled(store, ids, {
      timeoutMs: o.timeoutMs,
      onTick: ({ settled, total, elapsedMs }) => {
        if (elapsedMs - lastSay > 5000) {
          lastSay = elapsedMs;
          say(`${settled}/${total} settled; faults ${JSON.stringify(sandbox.faultCounts())}`);
        }
      },
    });
    await fleet.stop();
    sandbox.tune({ faultRate: 0 }); // count resources without faults in the way
    const a = await audit(store, sandbox, batch.expected);
    const samples = await backoffSamples(store.redis, prefix, o.backoffBaseMs, o.backoffMaxMs);
    const byFailures: FaultResult['backoff']['byFailures'] = {};
    for (const s of samples) {
      const b = (byFailures[String(s.failures)] ??= { n: 0, minSeen: Infinity, maxSeen: 0, window: [s.min, s.max] });
      b.n += 1;
      b.minSeen = Math.min(b.minSeen, s.delayMs);
      b.maxSeen = Math.max(b.maxSeen, s.delayMs);
    }
    const expectedFailures = batch.expected.filter((e) => e.state === 'failed').length;
    const dl = await store.queues['dead-letter'].count();
    return {
      run: 'faults',
      at: new Date().toISOString(),
      options: { customers: o.customers, rate: o.rate, kinds: o.kinds, attempts: o.attempts, workers: o.workers, backoffBaseMs: o.backoffBaseMs, backoffMaxMs: o.backoffMaxMs, timeoutMs: o.timeoutMs },
      customers: o.customers,
      requests: sandbox.requestLog().length,
      faultsInjected: sandbox.faultCounts(),
      durationMs: Date.now() - started,
      timedOut: res.timedOut,
      audit: a,
      lostCustomers: a.lost.length,
      duplicates: a.duplicates,
      unexpectedDeadLetters: Math.max(0, dl - expectedFailures),
      logs: { rateLimited: fleet.tally.rateLimited, transient: fleet.tally.transient, foundUnrecorded: fleet.tally.foundUnrecorded },
      backoff: {
        samples: samples.length,
        outsideWindow: samples.filter((s) => s.delayMs < s.min || s.delayMs > s.max).length,
        distinctDelays: new Set(samples.map((s) => s.delayMs)).size,
        byFailures,
      },
      workerErrors: fleet.tally.errors,
      unexpectedWorkerExits: fleet.unexpectedExits.length,
    };
  } finally {
    await fleet.stop().catch(() => undefined);
    await dropPrefix(store.redis, prefix).catch(() => undefined);
    await store.close();
    await sandbox.close();
    await local?.stop();
  }
}
