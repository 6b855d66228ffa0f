/**
 * Chaos: a batch runs through the full flow while worker processes are SIGKILLed at random
 * moments and restarted. Some kills are aimed: when the sandbox has just performed a create,
 * the process that asked for it is killed before the answer leaves, i.e. between Twilio's
 * create and the ledger write. Afterwards every customer must be where it would have been
 * without the kills, with one profile, bundle, brand, service and campaign each.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FAST_SANDBOX, WorkerFleet, aimer, audit, dropPrefix, ingestBatch, makeBatch, openStore, prepareSandbox, prng, startSandbox,
  waitSettled, workerEnv, type Audit,
} from './harness.js';
import { startLocalRedis } from '../../src/local-redis.js';

export interface ChaosOptions {
  customers: number;
  /** Of which businesses with a Standard brand (private; every third Low-Volume Standard), in their own CSV. */
  businesses?: number;
  kills: number;
  seed: number;
  workers: number;
  /** Share of kills aimed between a create and its ledger write. */
  aimedShare: number;
  /** Added to every sandbox answer, so random kills land inside calls. */
  latencyMs: number;
  /** Mean time between kills (jittered ±50%): spread them over the batch. */
  killEveryMs: number;
  timeoutMs: number;
  redisUrl?: string;
  log?: (line: string) => void;
}

export interface ChaosResult {
  run: 'chaos';
  at: string;
  options: Omit<ChaosOptions, 'log' | 'redisUrl'>;
  customers: number;
  kills: { total: number; random: number; aimed: number };
  /** Tries that found a resource an earlier, killed try had created but not recorded. */
  foundUnrecordedAfterKill: number;
  durationMs: number;
  timedOut: boolean;
  audit: Audit;
  lostCustomers: number;
  duplicates: number;
  workerExitCodes: Array<number | null>;
  workerErrors: string[];
  nonJsonStderr: string[];
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const say = o.log ?? (() => undefined);
  const rand = prng(o.seed);
  const local = o.redisUrl ? undefined : await startLocalRedis();
  const redisUrl = o.redisUrl ?? local!.url;
  const prefix = `{chaos-${randomUUID().slice(0, 8)}}`;
  const sandbox = await startSandbox({ ...FAST_SANDBOX, latencyMs: o.latencyMs });
  const store = openStore(redisUrl, prefix);
  const batch = makeBatch(o.customers, 'ch', 10, o.businesses ?? 0);
  const fleet = new WorkerFleet({ size: o.workers, env: workerEnv({ redisUrl, prefix, sandbox }), restartDelayMs: 200 });
  const aim = aimer(sandbox, fleet);
  const started = Date.now();
  try {
    await prepareSandbox(sandbox, batch);
    fleet.start();
    await fleet.waitReady();
    say(`workers ready; ingesting ${o.customers} customers`);
    await ingestBatch(store, batch, 'chaos');
    const ids = batch.expected.map((e) => e.customerId);
    const totalKills = () => fleet.kills.random + fleet.kills.aimed;
    let nextKillAt = Date.now() + o.killEveryMs * (0.5 + rand());
    const res = await waitSettled(store, ids, {
      timeoutMs: o.timeoutMs,
      everyMs: 100,
      onTick: ({ settled, total }) => {
        if (totalKills() >= o.kills || Date.now() < nextKillAt || aim.armed()) return;
        // Only processes that are up and taking jobs are worth killing.
        const ready = fleet.readyPids();
        if (ready.length === 0) return;
        // Aiming needs /proc (Linux); elsewhere every kill is a random one.
        if (rand() < o.aimedShare && process.platform === 'linux') aim.arm();
        else fleet.kill(ready[Math.floor(rand() * ready.length)]!, 'random');
        say(`kill ${totalKills() + (aim.armed() ? 1 : 0)}/${o.kills} (${aim.armed() ? 'aimed' : 'random'}); ${settled}/${total} settled`);
        nextKillAt = Date.now() + o.killEveryMs * (0.5 + rand());
      },
    });
    // Disarm: nothing more is killed once the batch is settled.
    sandbox.events.removeAllListeners('created');
    const exits = await fleet.stop();
    const a = await audit(store, sandbox, batch.expected);
    say(`settled in ${res.elapsedMs} ms; kills ${JSON.stringify(fleet.kills)}; lost ${a.lost.length}; duplicates ${a.duplicates}`);
    return {
      run: 'chaos',
      at: new Date().toISOString(),
      options: { customers: o.customers, businesses: o.businesses ?? 0, kills: o.kills, seed: o.seed, workers: o.workers, aimedShare: o.aimedShare, latencyMs: o.latencyMs, killEveryMs: o.killEveryMs, timeoutMs: o.timeoutMs },
      customers: o.customers,
      kills: { total: fleet.kills.random + fleet.kills.aimed, ...fleet.kills },
      foundUnrecordedAfterKill: fleet.tally.foundUnrecorded,
      durationMs: Date.now() - started,
      timedOut: res.timedOut,
      audit: a,
      lostCustomers: a.lost.length,
      duplicates: a.duplicates,
      workerExitCodes: exits.map((e) => e.code),
      workerErrors: fleet.tally.errors,
      nonJsonStderr: fleet.tally.nonJson.slice(0, 20),
    };
  } finally {
    await fleet.stop().catch(() => undefined);
    await dropPrefix(store.redis, prefix).catch(() => undefined);
    await store.close();
    await sandbox.close();
    await local?.stop();
    await sleep(0);
  }
}
