import type { Redis, Cluster } from 'ioredis';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A request budget shared by every process on every machine that uses the same Redis:
 * GCRA (the generic cell rate algorithm) with no burst. Each caller reserves the next
 * free slot, spaced 1/rate apart on Redis's clock, and sleeps until it. Evenly spaced
 * starts keep the budget busy without ever putting more than `rate` calls in any
 * one-second window, which a token bucket with a burst would allow at a window's edge.
 *
 * Calls do not reach Twilio exactly when their slot starts: timers fire late on a busy event
 * loop and networks vary. So `rate` slots span one second plus `jitterMs`: calls may reach
 * Twilio up to `jitterMs` more unevenly than they were booked, and still no second holds rate+1.
 * A call whose process wakes up later than that for its slot books a new one.
 *
 * When the account budget is the limit, calls that start a new customer (low priority) book it
 * only while its queue of reservations is short, so customers already under way go first.
 *
 * A call that needs several budgets (a brand registration: the account's and the
 * registration budget) reserves them together, in one script, at the first instant free in
 * all of them. It never holds an account slot while it waits for the narrow budget (that slot
 * would go unused, and the call, made later, would crowd another second of the account budget).
 *
 * A caller whose slot is further away than `maxWaitMs` reserves nothing and is told how
 * long to wait, so the job can go back to the queue instead of holding a worker slot.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS
local maxWait = tonumber(ARGV[n + 1])
local tats = {}
local start = now
for i = 1, n do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  if tat > start then start = tat end
end
if start - now > maxWait then return {-1, start - now} end
-- A low-priority caller (a customer not yet under way) books the account only while its queue
-- of reservations is short, so calls of customers already under way never wait behind it.
local maxBacklog = tonumber(ARGV[n + 2])
if tats[1] - now > maxBacklog then return {0, tats[1] - now - maxBacklog} end
-- The first key is the busiest budget (the account): reserve only when its own next slot is
-- about due, so the narrower budget's wait never leaves an account slot unused.
if start - tats[1] > tonumber(ARGV[1]) then return {0, start - tats[1]} end
for i = 1, n do
  local nextTat = start + tonumber(ARGV[i])
  redis.call('SET', KEYS[i], string.format('%.0f', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 1000)
end
return {1, start - now}
`;

/**
 * Which customers go first when the account budget is the limit: `low` for work that starts a
 * new customer, `high` (the default) for customers already under way. Finishing customers first
 * keeps few of them in flight, so a batch's last customers do not all wait for the end.
 */
export type BudgetPriority = 'low' | 'high';
const priority = new AsyncLocalStorage<BudgetPriority>();
/** How far ahead low-priority calls may book the account budget. */
const LOW_PRIORITY_BACKLOG_MS = 250;

/** Run `fn` with every budget it takes at this priority. */
export function withBudgetPriority<T>(p: BudgetPriority, fn: () => Promise<T>): Promise<T> {
  return priority.run(p, fn);
}

/** Counters of this process's budget waits, for benchmarks and metrics. */
export const budgetStats = {
  /** Slots booked and used. */
  taken: 0,
  /** Slots given up because the process woke too late for them. */
  late: 0,
  /** Times a call waited, unbooked, for a narrower budget or a shorter queue (low priority). */
  deferred: 0,
  /** Calls sent back to the queue because the budget was booked beyond maxWaitMs. */
  exhausted: 0,
};

type RedisLike = Redis | Cluster;
type WithGcra = RedisLike & { a2pGcraAll(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<[number, number]> };

/** Default allowance for how unevenly calls reach Twilio, in ms per second of budget. */
const DEFAULT_JITTER_MS = 50;

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
  readonly redis: WithGcra;
  readonly intervalUs: number;
  readonly jitterMs: number;

  constructor(
    redis: RedisLike,
    /** Full Redis key, e.g. `{a2p}:budget:AC…:account`. */
    readonly key: string,
    /** Calls per second. */
    readonly rate: number,
    readonly maxWaitMs = 5_000,
    /** Calls may arrive this much earlier or later than their slot without crowding a second. */
    jitterMs = DEFAULT_JITTER_MS,
  ) {
    if (!(rate > 0)) throw new Error(`budget ${key}: rate must be > 0`);
    if (!(jitterMs >= 0)) throw new Error(`budget ${key}: jitterMs must be >= 0`);
    const r = redis as WithGcra;
    if (typeof r.a2pGcraAll !== 'function') r.defineCommand('a2pGcraAll', { lua: GCRA });
    this.redis = r;
    this.jitterMs = jitterMs;
    this.intervalUs = Math.ceil(((1_000 + jitterMs) * 1_000) / rate);
  }

  /** Wait for a slot. Throws BudgetExhaustedError when the wait would exceed maxWaitMs. */
  async take(): Promise<void> {
    await takeAll([this]);
  }
}

/**
 * Wait for one slot in each budget at the same instant (the first is the account's, the
 * others narrower). Throws BudgetExhaustedError, reserving nothing, when that instant is more
 * than the narrowest budget's maxWaitMs away. All budgets must share one Redis (and, on a
 * cluster, one hash tag).
 */
export async function takeAll(budgets: readonly Budget[]): Promise<void> {
  const first = budgets[0];
  if (!first) return;
  const maxWaitMs = Math.min(...budgets.map((b) => b.maxWaitMs));
  const lateMs = Math.max(5, Math.min(...budgets.map((b) => b.jitterMs)) / 2);
  const maxBacklogMs = priority.getStore() === 'low' ? Math.min(LOW_PRIORITY_BACKLOG_MS, maxWaitMs) : maxWaitMs;
  let lateTries = 0;
  for (;;) {
    const [kind, us] = await first.redis.a2pGcraAll(
      budgets.length,
      ...budgets.map((b) => b.key),
      ...budgets.map((b) => b.intervalUs),
      maxWaitMs * 1000,
      maxBacklogMs * 1000,
    );
    const ms = Math.ceil(Number(us) / 1000);
    if (Number(kind) === 1) {
      const replied = performance.now();
      if (ms > 0) await sleep(ms);
      // A stalled event loop (GC, a busy machine) wakes several calls at once, after their slots:
      // sent now, they would crowd the next second. Give the slot up and book a new one instead
      // (a few times at most, so an overloaded process still makes progress).
      if (performance.now() - replied - ms > lateMs && lateTries < 3) {
        lateTries += 1;
        budgetStats.late += 1;
        continue;
      }
      budgetStats.taken += 1;
      return;
    }
    if (Number(kind) === -1) {
      budgetStats.exhausted += 1;
      const narrow = budgets.reduce((a, b) => (b.maxWaitMs < a.maxWaitMs ? b : a));
      // Come back when half the horizon has been used: late enough not to spin, early enough
      // that the budget still has reservations queued when this job asks again.
      throw new BudgetExhaustedError(narrow.key, Math.max(1, Math.ceil(ms - maxWaitMs / 2)));
    }
    // The narrow budget's slot is later than the account's next one: reserve nothing yet, and
    // ask again when the account's queue of reservations has moved up to it.
    budgetStats.deferred += 1;
    await sleep(Math.max(1, ms));
  }
}
