import { createHash } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import { z } from 'zod';
import { customerSchema, type Customer } from '../customers/customer.js';

/**
 * The per-customer record in Redis: which batch, which stage, what state, every SID
 * created, intents (a create that was started but whose answer is not recorded yet),
 * reasons, and a history with timestamps. It is the source of truth for idempotency:
 * a stage asks the ledger before it creates anything.
 *
 * All keys live under the queue prefix (a `{hash-tag}` by default), so the ledger and
 * the queues of a flow share one Redis Cluster slot and Lua scripts may touch them together.
 */

export const STATES = ['invalid', 'in_progress', 'awaiting_otp', 'completed', 'failed'] as const;
export type CustomerState = (typeof STATES)[number];

export const SID_NAMES = [
  'customerProfile', 'starterEndUser', 'address', 'addressDocument',
  'profileAssignEndUser', 'profileAssignDocument', 'profileAssignPrimary',
  'trustProduct', 'soleProprietorEndUser', 'bundleAssignEndUser', 'bundleAssignProfile',
  'brand', 'messagingService', 'campaign',
] as const;
export type SidName = (typeof SID_NAMES)[number];

export interface HistoryEntry {
  at: string;
  stage: string;
  state: CustomerState;
  event: string;
}

export interface CustomerRecord {
  customerId: string;
  batchId: string;
  row: number;
  gen: number;
  stage: string;
  state: CustomerState;
  reason: string | null;
  details: Record<string, unknown> | null;
  sids: Partial<Record<SidName, string>>;
  /** Twilio statuses last seen, and bookkeeping of the brand/OTP phase. */
  status: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface InvalidRow {
  row: number;
  customerId: string | null;
  reason: string;
}

export type RegisterResult =
  | { ok: true }
  | { ok: false; kind: 'exists'; batchId: string; state: CustomerState; stage: string }
  | { ok: false; kind: 'mobile' | 'email'; count: number };

type RedisLike = Redis | Cluster;

/** Atomically: refuse an existing customer or a reuse limit crossed; else count the reuse and record the customer. */
const REGISTER = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'batch', 'state', 'stage')
  return {'exists', f[1], f[2], f[3]}
end
local m = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
if m + 1 > tonumber(ARGV[7]) then return {'mobile', tostring(m)} end
local e = tonumber(redis.call('HGET', KEYS[4], ARGV[6]) or '0')
if e + 1 > tonumber(ARGV[8]) then return {'email', tostring(e)} end
redis.call('HINCRBY', KEYS[3], ARGV[5], 1)
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
redis.call('HSET', KEYS[1], 'batch', ARGV[1], 'row', ARGV[2], 'data', ARGV[3], 'gen', '1', 'stage', 'starter-profile',
  'state', 'in_progress', 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'mobileHash', ARGV[5], 'emailHash', ARGV[6])
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[9])
redis.call('RPUSH', KEYS[5], ARGV[10])
return {'ok'}
`;

type WithScripts = RedisLike & {
  a2pRegister(k1: string, k2: string, k3: string, k4: string, k5: string, ...argv: string[]): Promise<string[]>;
};

const detailsSchema = z.record(z.string(), z.unknown());

export const REUSE_LIMITS = { mobile: 3, email: 10 } as const;

export function reuseHash(value: string): string {
  return createHash('sha256').update(value.trim().toLowerCase()).digest('hex').slice(0, 32);
}

export class Ledger {
  private readonly redis: WithScripts;

  constructor(
    redis: RedisLike,
    readonly prefix: string,
  ) {
    const r = redis as WithScripts;
    if (typeof r.a2pRegister !== 'function') r.defineCommand('a2pRegister', { numberOfKeys: 5, lua: REGISTER });
    this.redis = r;
  }

  // ---- keys ----
  private k(...parts: string[]): string {
    return [this.prefix, 'ledger', ...parts].join(':');
  }
  customerKey(id: string): string {
    return this.k('customer', id);
  }
  private historyKey(id: string): string {
    return this.k('customer', id, 'history');
  }
  private batchKey(batchId: string): string {
    return this.k('batch', batchId);
  }
  private batchCustomersKey(batchId: string): string {
    return this.k('batch', batchId, 'customers');
  }
  private batchInvalidKey(batchId: string): string {
    return this.k('batch', batchId, 'invalid');
  }
  private reuseKey(kind: 'mobile' | 'email'): string {
    return this.k('reuse', kind);
  }

  // ---- batches ----

  async createBatch(batchId: string, meta: { source: string }): Promise<void> {
    const now = new Date().toISOString();
    await this.redis
      .multi()
      .hsetnx(this.batchKey(batchId), 'createdAt', now)
      .hset(this.batchKey(batchId), 'source', meta.source, 'updatedAt', now)
      .zadd(this.k('batches'), 'NX', String(Date.now()), batchId)
      .exec();
  }

  async batchExists(batchId: string): Promise<boolean> {
    return (await this.redis.exists(this.batchKey(batchId))) === 1;
  }

  async listBatches(): Promise<{ batchId: string; createdAt: string | null; source: string | null }[]> {
    const ids = await this.redis.zrevrange(this.k('batches'), 0, 999);
    const out = [];
    for (const batchId of ids) {
      const [createdAt, source] = await this.redis.hmget(this.batchKey(batchId), 'createdAt', 'source');
      out.push({ batchId, createdAt: createdAt ?? null, source: source ?? null });
    }
    return out;
  }

  /** Rows refused at ingest. Replaced as a whole when the same batch is ingested again. */
  async setInvalidRows(batchId: string, rows: InvalidRow[]): Promise<void> {
    const key = this.batchInvalidKey(batchId);
    const m = this.redis.multi().del(key);
    for (let i = 0; i < rows.length; i += 1000) m.rpush(key, ...rows.slice(i, i + 1000).map((r) => JSON.stringify(r)));
    await m.exec();
  }

  async invalidRows(batchId: string): Promise<InvalidRow[]> {
    const raw = await this.redis.lrange(this.batchInvalidKey(batchId), 0, -1);
    return raw.map((r) => JSON.parse(r) as InvalidRow);
  }

  /** Customer ids of a batch in row order, a page at a time. */
  async batchCustomerIds(batchId: string, offset = 0, count = 1000): Promise<string[]> {
    return this.redis.zrange(this.batchCustomersKey(batchId), String(offset), String(offset + count - 1));
  }

  async batchSize(batchId: string): Promise<number> {
    return this.redis.zcard(this.batchCustomersKey(batchId));
  }

  // ---- reuse limits ----

  async reuseCount(kind: 'mobile' | 'email', value: string): Promise<number> {
    return Number((await this.redis.hget(this.reuseKey(kind), reuseHash(value))) ?? 0);
  }

  // ---- customers ----

  async register(batchId: string, row: number, customer: Customer): Promise<RegisterResult> {
    const now = new Date().toISOString();
    const history: HistoryEntry = { at: now, stage: 'starter-profile', state: 'in_progress', event: `accepted in batch ${batchId}, row ${row}` };
    const res = await this.redis.a2pRegister(
      this.customerKey(customer.customerId),
      this.batchCustomersKey(batchId),
      this.reuseKey('mobile'),
      this.reuseKey('email'),
      this.historyKey(customer.customerId),
      batchId,
      String(row),
      JSON.stringify(customer),
      now,
      reuseHash(customer.mobilePhoneNumber),
      reuseHash(customer.email),
      String(REUSE_LIMITS.mobile),
      String(REUSE_LIMITS.email),
      customer.customerId,
      JSON.stringify(history),
    );
    if (res[0] === 'ok') return { ok: true };
    if (res[0] === 'exists') {
      return { ok: false, kind: 'exists', batchId: res[1] ?? '', state: (res[2] ?? 'in_progress') as CustomerState, stage: res[3] ?? '' };
    }
    return { ok: false, kind: res[0] === 'mobile' ? 'mobile' : 'email', count: Number(res[1] ?? 0) };
  }

  async getCustomer(customerId: string): Promise<Customer> {
    const raw = await this.redis.hget(this.customerKey(customerId), 'data');
    if (raw === null) throw new Error(`customer ${customerId} is not in the ledger`);
    return customerSchema.parse(JSON.parse(raw));
  }

  async exists(customerId: string): Promise<boolean> {
    return (await this.redis.exists(this.customerKey(customerId))) === 1;
  }

  async get(customerId: string): Promise<CustomerRecord | null> {
    const h = await this.redis.hgetall(this.customerKey(customerId));
    if (!h['batch']) return null;
    return toRecord(customerId, h);
  }

  /** Records for many customers in one round trip. */
  async getMany(customerIds: string[]): Promise<(CustomerRecord | null)[]> {
    if (customerIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of customerIds) p.hgetall(this.customerKey(id));
    const res = (await p.exec()) ?? [];
    return res.map(([err, h], i) => {
      if (err || !h || typeof h !== 'object') return null;
      const rec = h as Record<string, string>;
      return rec['batch'] ? toRecord(customerIds[i]!, rec) : null;
    });
  }

  async history(customerId: string): Promise<HistoryEntry[]> {
    return (await this.redis.lrange(this.historyKey(customerId), 0, -1)).map((r) => JSON.parse(r) as HistoryEntry);
  }

  // ---- SIDs and intents (the idempotency guard) ----

  async sid(customerId: string, name: SidName): Promise<string | null> {
    return this.redis.hget(this.customerKey(customerId), `sid:${name}`);
  }

  async hasIntent(customerId: string, name: SidName): Promise<boolean> {
    return (await this.redis.hexists(this.customerKey(customerId), `intent:${name}`)) === 1;
  }

  async setIntent(customerId: string, name: SidName): Promise<void> {
    await this.redis.hset(this.customerKey(customerId), `intent:${name}`, new Date().toISOString());
  }

  async setSid(customerId: string, name: SidName, sid: string, stage: string): Promise<void> {
    const now = new Date().toISOString();
    const entry: HistoryEntry = { at: now, stage, state: 'in_progress', event: `${name} ${sid}` };
    await this.redis
      .multi()
      .hset(this.customerKey(customerId), `sid:${name}`, sid, 'updatedAt', now)
      .hdel(this.customerKey(customerId), `intent:${name}`)
      .rpush(this.historyKey(customerId), JSON.stringify(entry))
      .exec();
  }

  // ---- stage and state ----

  async setStatus(customerId: string, fields: Record<string, string>): Promise<void> {
    const flat: string[] = [];
    for (const [k, v] of Object.entries(fields)) flat.push(`status:${k}`, v);
    if (flat.length) await this.redis.hset(this.customerKey(customerId), ...flat);
  }

  /** Move the customer to a stage/state; the history gets a line only when something changed or `event` is given. */
  async transition(customerId: string, stage: string, state: CustomerState, event?: string, reason: string | null = null, details: Record<string, unknown> | null = null): Promise<void> {
    const key = this.customerKey(customerId);
    const [prevStage, prevState] = await this.redis.hmget(key, 'stage', 'state');
    const now = new Date().toISOString();
    const m = this.redis.multi().hset(key, 'stage', stage, 'state', state, 'updatedAt', now);
    if (reason !== null) m.hset(key, 'reason', reason);
    else m.hdel(key, 'reason');
    if (details !== null) m.hset(key, 'details', JSON.stringify(details));
    else m.hdel(key, 'details');
    if (event || prevStage !== stage || prevState !== state) {
      const entry: HistoryEntry = { at: now, stage, state, event: event ?? `${stage}: ${state}` };
      m.rpush(this.historyKey(customerId), JSON.stringify(entry));
    }
    await m.exec();
  }
}

function toRecord(customerId: string, h: Record<string, string>): CustomerRecord {
  const sids: Partial<Record<SidName, string>> = {};
  const status: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('sid:')) sids[k.slice(4) as SidName] = v;
    else if (k.startsWith('status:')) status[k.slice(7)] = v;
  }
  let details: Record<string, unknown> | null = null;
  if (h['details']) {
    const parsed = detailsSchema.safeParse(JSON.parse(h['details']));
    details = parsed.success ? parsed.data : null;
  }
  return {
    customerId,
    batchId: h['batch'] ?? '',
    row: Number(h['row'] ?? 0),
    gen: Number(h['gen'] ?? 1),
    stage: h['stage'] ?? '',
    state: (STATES as readonly string[]).includes(h['state'] ?? '') ? (h['state'] as CustomerState) : 'in_progress',
    reason: h['reason'] ?? null,
    details,
    sids,
    status,
    createdAt: h['createdAt'] ?? '',
    updatedAt: h['updatedAt'] ?? '',
  };
}
