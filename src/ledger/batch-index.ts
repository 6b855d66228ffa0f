import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { STATES, type CustomerState } from './ledger.js';

/**
 * Where every customer of a batch stands, kept up to date by the ledger's transitions so
 * that operators' views stay cheap on batches of 100k customers:
 * - `batch:{b}:where`   hash customerId → "stage|state" (what the index last recorded);
 * - `batch:{b}:counts`  hash "stage|state" → customers (the funnel, one HGETALL);
 * - `batch:{b}:state:{s}` zset of customer ids scored by row (the state filter, paged);
 * - `counts`            hash state → customers over every batch (metrics, one HGETALL).
 *
 * One Lua script reads the previous position and moves the customer, atomically, so
 * concurrent transitions of one customer never leave the counts off by one.
 */

const INDEX = `
local id, row, stage, state, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local prev = redis.call('HGET', KEYS[1], id)
if mode == 'init' or mode == 'sync' then
  -- 'init', right after a registration in the same MULTI: index a customer of this batch that
  -- is not indexed yet, where its record says it is (not one refused, nor one of another batch).
  -- 'sync' (after a new generation): move it to wherever its record now says, indexed or not.
  if prev and mode == 'init' then return 0 end
  local rec = redis.call('HMGET', KEYS[4], 'batch', 'stage', 'state')
  if rec[1] ~= ARGV[6] then return 0 end
  stage, state = rec[2] or stage, rec[3] or state
end
local now = stage .. '|' .. state
if prev == now then return 0 end
local function zkey(s)
  for i = 7, #ARGV do if ARGV[i] == s then return KEYS[i - 2] end end
  return nil
end
if prev then
  redis.call('HINCRBY', KEYS[2], prev, -1)
  local pstate = string.match(prev, '^[^|]*|(.*)$') or ''
  redis.call('HINCRBY', KEYS[3], pstate, -1)
  local pk = zkey(pstate)
  if pk then redis.call('ZREM', pk, id) end
end
redis.call('HSET', KEYS[1], id, now)
redis.call('HINCRBY', KEYS[2], now, 1)
redis.call('HINCRBY', KEYS[3], state, 1)
local k = zkey(state)
if k then redis.call('ZADD', k, tonumber(row) or 0, id) end
return 1
`;

type RedisLike = Redis | Cluster;
type IndexCommand = (...args: string[]) => unknown;

export interface StageStateCount {
  stage: string;
  state: CustomerState;
  count: number;
}

export class BatchIndex {
  constructor(
    private readonly redis: RedisLike,
    readonly prefix: string,
  ) {
    const r = redis as RedisLike & { a2pIndex?: IndexCommand };
    if (typeof r.a2pIndex !== 'function') r.defineCommand('a2pIndex', { numberOfKeys: 4 + STATES.length, lua: INDEX });
  }

  private k(...parts: string[]): string {
    return [this.prefix, 'ledger', ...parts].join(':');
  }
  private whereKey(batchId: string): string {
    return this.k('batch', batchId, 'where');
  }
  private countsKey(batchId: string): string {
    return this.k('batch', batchId, 'counts');
  }
  stateKey(batchId: string, state: string): string {
    return this.k('batch', batchId, 'state', state);
  }
  private totalsKey(): string {
    return this.k('counts');
  }

  private args(mode: 'move' | 'init' | 'sync', customerKey: string, batchId: string, row: number, customerId: string, stage: string, state: CustomerState): string[] {
    return [
      this.whereKey(batchId),
      this.countsKey(batchId),
      this.totalsKey(),
      customerKey,
      ...STATES.map((s) => this.stateKey(batchId, s)),
      customerId,
      String(row),
      stage,
      state,
      mode,
      batchId,
      ...STATES,
    ];
  }

  /** Queue the move inside the caller's MULTI (a transition), so it commits with the customer's record. */
  queue(m: ChainableCommander, customerKey: string, batchId: string, row: number, customerId: string, stage: string, state: CustomerState): void {
    (m as unknown as { a2pIndex: IndexCommand }).a2pIndex(...this.args('move', customerKey, batchId, row, customerId, stage, state));
  }

  /** Queue after a registration in the same MULTI: indexes the customer only if this batch accepted it. */
  queueRegistered(m: ChainableCommander, customerKey: string, batchId: string, row: number, customerId: string): void {
    (m as unknown as { a2pIndex: IndexCommand }).a2pIndex(...this.args('init', customerKey, batchId, row, customerId, 'starter-profile', 'in_progress'));
  }

  /** Queue after a change the caller cannot predict (a new generation may be refused): index the record where it is. */
  queueSync(m: ChainableCommander, customerKey: string, batchId: string, row: number, customerId: string): void {
    (m as unknown as { a2pIndex: IndexCommand }).a2pIndex(...this.args('sync', customerKey, batchId, row, customerId, 'starter-profile', 'in_progress'));
  }

  /** When the batch was created and from which file. */
  async meta(batchId: string): Promise<{ createdAt: string | null; source: string | null }> {
    const [createdAt, source] = await this.redis.hmget(this.k('batch', batchId), 'createdAt', 'source');
    return { createdAt: createdAt ?? null, source: source ?? null };
  }

  /** The funnel: customers per stage and state (rows refused at ingest are not here; see Ledger.invalidCount). */
  async stageStateCounts(batchId: string): Promise<StageStateCount[]> {
    const h = await this.redis.hgetall(this.countsKey(batchId));
    const out: StageStateCount[] = [];
    for (const [key, v] of Object.entries(h)) {
      const count = Number(v);
      const i = key.indexOf('|');
      const state = key.slice(i + 1);
      if (count > 0 && i > 0 && isState(state)) out.push({ stage: key.slice(0, i), state, count });
    }
    return out;
  }

  async stateCounts(batchId: string): Promise<Record<CustomerState, number>> {
    return sumByState(await this.stageStateCounts(batchId));
  }

  /** Customers in a state, in row order, a page at a time. */
  async idsInState(batchId: string, state: CustomerState, offset: number, count: number): Promise<string[]> {
    return this.redis.zrange(this.stateKey(batchId, state), String(offset), String(offset + count - 1));
  }

  /** Customers by state over every batch: what the metrics read on each scrape. */
  async totals(): Promise<Record<CustomerState, number>> {
    const h = await this.redis.hgetall(this.totalsKey());
    const out = emptyCounts();
    for (const [state, v] of Object.entries(h)) if (isState(state)) out[state] = Math.max(0, Number(v));
    return out;
  }
}

export function emptyCounts(): Record<CustomerState, number> {
  return Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CustomerState, number>;
}

export function sumByState(rows: StageStateCount[]): Record<CustomerState, number> {
  const out = emptyCounts();
  for (const r of rows) out[r.state] += r.count;
  return out;
}

function isState(s: string): s is CustomerState {
  return (STATES as readonly string[]).includes(s);
}
