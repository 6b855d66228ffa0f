/**
 * Redis restarts mid-batch. Redis persists like production (AOF, fsync every second); it is
 * killed (SIGKILL, losing up to a second of writes) or shut down, and started again on the same
 * port and files. Workers must reconnect on their own and the batch settle with nothing lost or
 * duplicated. Two more modes say what the design heals and what it cannot:
 * - `queues-lost`: every BullMQ key is deleted mid-batch, the ledger kept: the sweeps must re-queue.
 * - `no-persistence`: Redis without AOF restarted: everything is gone; the run reports what was lost.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUEUE_NAMES } from '../../src/workers/queues.js';
import {
  FAST_SANDBOX, WorkerFleet, audit, ingestBatch, makeBatch, openStore, prepareSandbox, startControlledRedis, startSandbox, waitSettled,
  workerEnv, type Audit,
} from './harness.js';

export type RestartMode = 'kill9' | 'shutdown' | 'queues-lost' | 'no-persistence';

export interface RestartOptions {
  customers: number;
  /** Of which businesses with a Standard brand (private; every third Low-Volume Standard), in their own CSV. */
  businesses?: number;
  restarts: number;
  mode: RestartMode;
  /** How long Redis stays down. */
  downMs: number;
  /** Time from the ingest to the first restart, and between restarts. */
  everyMs: number;
  workers: number;
  /** Also SIGKILL this many worker processes (random ones, between the restarts). */
  kills?: number;
  /** Added to every sandbox answer (slower calls, more of them in flight at a restart). */
  latencyMs?: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface RestartResult {
  run: 'redis-restart';
  at: string;
  options: Omit<RestartOptions, 'log'>;
  customers: number;
  restarts: number;
  /** Settled customers when each restart happened. */
  settledAtRestart: number[];
  /** Worker log lines saying Redis restarted (creates look first for a while). */
  restartsNoticedByWorkers: number;
  foundUnrecorded: number;
  workerKills: number;
  durationMs: number;
  timedOut: boolean;
  audit: Audit;
  lostCustomers: number;
  duplicates: number;
  unexpectedWorkerExits: number;
  workerExitCodes: Array<number | null>;
  workerErrors: string[];
}

export async function runRedisRestart(o: RestartOptions): Promise<RestartResult> {
  const say = o.log ?? (() => undefined);
  const redis = await startControlledRedis({ appendonly: o.mode !== 'no-persistence' });
  const prefix = `{restart-${randomUUID().slice(0, 8)}}`;
  const sandbox = await startSandbox({ ...FAST_SANDBOX, latencyMs: o.latencyMs ?? 10 });
  const store = openStore(redis.url, prefix);
  const batch = makeBatch(o.customers, 'rr', 10, o.businesses ?? 0);
  const fleet = new WorkerFleet({ size: o.workers, env: workerEnv({ redisUrl: redis.url, prefix, sandbox }) });
  const started = Date.now();
  const settledAtRestart: number[] = [];
  try {
    await prepareSandbox(sandbox, batch);
    fleet.start();
    await fleet.waitReady();
    await ingestBatch(store, batch, 'restart');
    // Let the ingest's writes reach the disk before the first restart: the test is about the
    // workers' writes, not about an ingest that reported success a moment before the crash.
    await sleep(1_500);
    const ids = batch.expected.map((e) => e.customerId);
    let restarting = false;
    let nextAt = Date.now() + o.everyMs;
    let nextKillAt = Date.now() + o.everyMs / 2;
    const res = await waitSettled(store, ids, {
      timeoutMs: o.timeoutMs,
      onTick: async ({ settled, total }) => {
        if (!restarting && fleet.kills.random < (o.kills ?? 0) && Date.now() >= nextKillAt) {
          const ready = fleet.readyPids();
          if (ready.length) fleet.kill(ready[Math.floor(Math.random() * ready.length)]!, 'random');
          nextKillAt = Date.now() + o.everyMs / 2;
        }
        if (restarting || settledAtRestart.length >= o.restarts || Date.now() < nextAt) return;
        restarting = true;
        settledAtRestart.push(settled);
        say(`restart ${settledAtRestart.length}/${o.restarts} (${o.mode}) at ${settled}/${total} settled`);
        if (o.mode === 'queues-lost') {
          for (const q of QUEUE_NAMES) await store.queues[q].obliterate({ force: true }).catch(() => undefined);
        } else {
          if (o.mode === 'shutdown') await redis.shutdown();
          else await redis.kill9();
          await sleep(o.downMs);
          await redis.start();
        }
        restarting = false;
        nextAt = Date.now() + o.everyMs;
      },
    });
    const exits = await fleet.stop();
    const a = await audit(store, sandbox, batch.expected);
    say(`settled ${res.settled}/${ids.length} in ${res.elapsedMs} ms; lost ${a.lost.length}; duplicates ${a.duplicates}`);
    return {
      run: 'redis-restart',
      at: new Date().toISOString(),
      options: { customers: o.customers, restarts: o.restarts, mode: o.mode, downMs: o.downMs, everyMs: o.everyMs, workers: o.workers, latencyMs: o.latencyMs ?? 10, kills: o.kills ?? 0, timeoutMs: o.timeoutMs },
      customers: o.customers,
      restarts: settledAtRestart.length,
      settledAtRestart,
      restartsNoticedByWorkers: fleet.tally.redisRestartsNoticed,
      foundUnrecorded: fleet.tally.foundUnrecorded,
      workerKills: fleet.kills.random,
      durationMs: Date.now() - started,
      timedOut: res.timedOut,
      audit: a,
      lostCustomers: a.lost.length,
      duplicates: a.duplicates,
      unexpectedWorkerExits: fleet.unexpectedExits.length,
      workerExitCodes: exits.map((e) => e.code),
      workerErrors: fleet.tally.errors,
    };
  } finally {
    await fleet.stop().catch(() => undefined);
    await store.close();
    await sandbox.close();
    await redis.stop();
  }
}
