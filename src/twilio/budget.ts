import type { Redis, Cluster } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A request budget shared by every process on every machine that uses the same Redis:
 * GCRA (the generic cell rate algorithm) with no burst. Each caller reserves the next
 * free slot, spaced 1/rate apart on Redis's clock, and sleeps until it. Evenly spaced
 * starts keep the budget busy without ever putting more than `rate` calls in any
 * one-second window, which a token bucket with a burst would allow at a window's edge.
 *
 * A caller whose slot is further away than `maxWaitMs` reserves nothing and is told how
 * long to wait, so the job can go back to the queue instead of holding a worker slot.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local maxWait = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > maxWait then return -wait end
local nextTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 1000)
return wait
`;

type RedisLike = Redis | Cluster;
type WithGcra = RedisLike & { a2pGcra(key: string, intervalUs: number, maxWaitUs: number): Promise<number> };

export class BudgetExhaustedError extends Error {
  override name = 'BudgetExhaustedError';
  constructor(
    readonly budget: string,
    readonly retryInMs: number,
  ) {
    super(`${budget} budget is booked for the next ${retryInMs} ms`);
  }
}

export class Budget {
  private readonly redis: WithGcra;
  private readonly intervalUs: number;

  constructor(
    redis: RedisLike,
    /** Full Redis key, e.g. `{a2p}:budget:AC…:account`. */
    readonly key: string,
    /** Calls per second. */
    readonly rate: number,
    readonly maxWaitMs = 5_000,
    /** Extra spacing so that network jitter between us and Twilio cannot squeeze rate+1 calls into a second. */
    safety = 0.02,
  ) {
    if (!(rate > 0)) throw new Error(`budget ${key}: rate must be > 0`);
    const r = redis as WithGcra;
    if (typeof r.a2pGcra !== 'function') r.defineCommand('a2pGcra', { numberOfKeys: 1, lua: GCRA });
    this.redis = r;
    this.intervalUs = Math.ceil((1_000_000 / rate) * (1 + safety));
  }

  /** Wait for a slot. Throws BudgetExhaustedError when the wait would exceed maxWaitMs. */
  async take(): Promise<void> {
    const res = Number(await this.redis.a2pGcra(this.key, this.intervalUs, this.maxWaitMs * 1000));
    if (res < 0) throw new BudgetExhaustedError(this.key, Math.ceil(-res / 1000));
    if (res > 0) await sleep(Math.ceil(res / 1000));
  }
}
