import type { LedgerKeys } from './keys.js';
import { numberOfKeys, type ScriptedMulti, type ScriptedRedis } from './scripts.js';
import { STATES, emptyCounts, isState, type CustomerState } from './states.js';

/**
 * Where every customer of a batch stands, kept up to date by the ledger's transitions so
 * that operators' views stay cheap on batches of 100k customers:
 * - `batch:{b}:where`   hash customerId → "stage|state" (what the index last recorded);
 * - `batch:{b}:counts`  hash "stage|state" → customers (the funnel, one HGETALL);
 * - `batch:{b}:state:{s}` zset of customer ids scored by row (the state filter, paged);
 * - `counts`            hash state → customers over every batch (metrics, one HGETALL).
 *
 * One Lua script (lua/indexMove-12.lua) reads the previous position and moves the customer,
 * atomically, so concurrent transitions of one customer never leave the counts off by one.
 */

export interface StageStateCount {
  stage: string;
  state: CustomerState;
  count: number;
}

export class BatchIndex {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: LedgerKeys,
  ) {
    // The script takes one state filter per state: its file name says how many keys it expects.
    if (numberOfKeys('indexMove') !== 4 + STATES.length) throw new Error(`indexMove takes ${numberOfKeys('indexMove')} keys, but there are ${STATES.length} states: rename it indexMove-${4 + STATES.length}.lua`);
  }

  private args(mode: 'move' | 'init' | 'sync', customerKey: string, batchId: string, row: number, customerId: string, stage: string, state: CustomerState): string[] {
    return [
      this.keys.batchWhere(batchId),
      this.keys.batchCounts(batchId),
      this.keys.counts(),
      customerKey,
      ...STATES.map((s) => this.keys.batchState(batchId, s)),
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
  queue(m: ScriptedMulti, customerKey: string, batchId: string, row: number, customerId: string, stage: string, state: CustomerState): void {
    m.a2pIndexMove(...this.args('move', customerKey, batchId, row, customerId, stage, state));
  }

  /** Queue after a registration in the same MULTI: indexes the customer only if this batch accepted it. */
  queueRegistered(m: ScriptedMulti, customerKey: string, batchId: string, row: number, customerId: string): void {
    m.a2pIndexMove(...this.args('init', customerKey, batchId, row, customerId, 'starter-profile', 'in_progress'));
  }

  /** Queue after a change the caller cannot predict (a new generation may be refused): index the record where it is. */
  queueSync(m: ScriptedMulti, customerKey: string, batchId: string, row: number, customerId: string): void {
    m.a2pIndexMove(...this.args('sync', customerKey, batchId, row, customerId, 'starter-profile', 'in_progress'));
  }

  /** When the batch was created and from which file. */
  async meta(batchId: string): Promise<{ createdAt: string | null; source: string | null }> {
    const [createdAt, source] = await this.redis.hmget(this.keys.batch(batchId), 'createdAt', 'source');
    return { createdAt: createdAt ?? null, source: source ?? null };
  }

  /** The funnel: customers per stage and state (rows refused at ingest are not here; see Ledger.invalidCount). */
  async stageStateCounts(batchId: string): Promise<StageStateCount[]> {
    const h = await this.redis.hgetall(this.keys.batchCounts(batchId));
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
    return this.redis.zrange(this.keys.batchState(batchId, state), String(offset), String(offset + count - 1));
  }

  /** Customers by state over every batch: what the metrics read on each scrape. */
  async totals(): Promise<Record<CustomerState, number>> {
    const h = await this.redis.hgetall(this.keys.counts());
    const out = emptyCounts();
    for (const [state, v] of Object.entries(h)) if (isState(state)) out[state] = Math.max(0, Number(v));
    return out;
  }
}

function sumByState(rows: StageStateCount[]): Record<CustomerState, number> {
  const out = emptyCounts();
  for (const r of rows) out[r.state] += r.count;
  return out;
}
