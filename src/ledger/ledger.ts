import { createHash, randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis, Cluster } from 'ioredis';
import { z } from 'zod';
import { customerSchema, type Customer } from '../customers/customer.js';
import { BatchIndex } from './batch-index.js';
import { businessCustomerSchema, type BusinessCustomer } from '../customers/business.js';
import { FeeLedger, type FeeEntry } from './fees.js';

/** A customer of either flow, as stored. */
export type AnyCustomer = Customer | BusinessCustomer;
export type CustomerFlow = 'sole-proprietor' | 'business';
export function isBusiness(c: AnyCustomer): c is BusinessCustomer {
  return 'flow' in c && c.flow === 'business';
}

/**
 * The per-customer record in Redis: which batch, which stage, what state, every SID
 * created, intents (a create that was started but whose answer is not recorded yet),
 * reasons, and a history with timestamps. It is the source of truth for idempotency:
 * a stage asks the ledger before it creates anything.
 *
 * All keys live under the queue prefix (a `{hash-tag}` by default), so the ledger and
 * the queues of a flow share one Redis Cluster slot and Lua scripts may touch them together.
 */

export const STATES = ['invalid', 'in_progress', 'awaiting_otp', 'completed', 'live', 'failed', 'expired'] as const;
export type CustomerState = (typeof STATES)[number];

/**
 * States in which a customer still waits on Twilio or on our own jobs: they sit in the
 * `watch` index, due for a re-check by the sweeps. `completed` means every registration is
 * submitted and the campaign is being vetted; `live` means the campaign is VERIFIED.
 */
export const WATCHED_STATES: readonly CustomerState[] = ['in_progress', 'awaiting_otp', 'completed'];
/** States the pipeline will not leave on its own: an operator (redrive, --update) or nothing moves them. */
export const SETTLED_STATES: readonly CustomerState[] = ['live', 'failed', 'expired', 'invalid'];
export const REDRIVABLE_STATES: readonly CustomerState[] = ['failed', 'expired'];

export const SID_NAMES = [
  'customerProfile', 'starterEndUser', 'address', 'addressDocument',
  'profileAssignEndUser', 'profileAssignDocument', 'profileAssignPrimary',
  'trustProduct', 'soleProprietorEndUser', 'bundleAssignEndUser', 'bundleAssignProfile',
  'brand', 'messagingService', 'campaign',
  // The sender number: one bought for the customer (BUY_SENDER_NUMBERS), and the number on its Messaging Service (PN…).
  'senderNumber', 'servicePhoneNumber',
  // Business flow: the Secondary Customer Profile is `customerProfile` and the SHAKEN/STIR Trust
  // Product `trustProduct` (so status callbacks and re-checks find them); the rest is its own.
  'businessInfoEndUser', 'rep1EndUser', 'rep2EndUser',
  'profileAssignBusinessInfo', 'profileAssignRep1', 'profileAssignRep2',
] as const;
/** Channel endpoint assignments are one per phone number: `profileEndpoint.PN…` / `productEndpoint.PN…`. */
export type EndpointSidName = `profileEndpoint.${string}` | `productEndpoint.${string}`;
export type SidName = (typeof SID_NAMES)[number] | EndpointSidName;

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
  /** Which registration the customer follows (set at ingest; older records are Sole Proprietor). */
  flow: CustomerFlow;
  reason: string | null;
  /** What an operator should do about `reason`. */
  action: string | null;
  details: Record<string, unknown> | null;
  /** Fixed names typed; per-number endpoint assignments (`profileEndpoint.PN…`) are there too, untyped. */
  sids: Partial<Record<(typeof SID_NAMES)[number], string>>;
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
-- An empty hash means the limit does not apply (business customers register no brand here).
if ARGV[5] ~= '' then
  local m = tonumber(redis.call('HGET', KEYS[3], ARGV[5]) or '0')
  if m + 1 > tonumber(ARGV[7]) then return {'mobile', tostring(m)} end
end
if ARGV[6] ~= '' then
  local e = tonumber(redis.call('HGET', KEYS[4], ARGV[6]) or '0')
  if e + 1 > tonumber(ARGV[8]) then return {'email', tostring(e)} end
end
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[3], ARGV[5], 1) end
if ARGV[6] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[6], 1) end
redis.call('HSET', KEYS[1], 'batch', ARGV[1], 'row', ARGV[2], 'data', ARGV[3], 'gen', '1', 'stage', ARGV[12] or 'starter-profile',
  'state', 'in_progress', 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'mobileHash', ARGV[5], 'emailHash', ARGV[6], 'flow', ARGV[13] or 'sole-proprietor')
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[9])
redis.call('RPUSH', KEYS[5], ARGV[10])
redis.call('ZADD', KEYS[6], tonumber(ARGV[11]), ARGV[9])
return {'ok'}
`;

/**
 * Atomically move a customer to a stage/state and keep the `watch` set of customers due for a
 * re-check true (the batch index moves in the same transaction: see transition()). A missing
 * customer is left alone (returns 0) rather than half-created.
 * KEYS: customer, history, watch. ARGV: id, stage, state, now-iso, history entry or '',
 * reason, details, action ('' deletes each), watch-at ms or '' (unwatch).
 */
const TRANSITION = `
if not redis.call('HGET', KEYS[1], 'batch') then return 0 end
redis.call('HSET', KEYS[1], 'stage', ARGV[2], 'state', ARGV[3], 'updatedAt', ARGV[4])
local fields = {'reason', 'details', 'action'}
for i = 1, 3 do
  if ARGV[5 + i] == '' then redis.call('HDEL', KEYS[1], fields[i]) else redis.call('HSET', KEYS[1], fields[i], ARGV[5 + i]) end
end
if ARGV[5] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[5]) end
if ARGV[9] == '' then redis.call('ZREM', KEYS[3], ARGV[1]) else redis.call('ZADD', KEYS[3], tonumber(ARGV[9]), ARGV[1]) end
return 1
`;

/** Hand out due customers: read up to ARGV[2] members due by ARGV[1] and push them to ARGV[3] (a lease), atomically. */
const CLAIM_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), id) end
return due
`;

/** At most one OTP per interval per customer: claim the slot only if the last one is old enough. Returns the new count, or 0. */
const CLAIM_OTP = `
local last = tonumber(redis.call('HGET', KEYS[1], 'status:otpSentAt') or '0')
if tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status:otpSentAt', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'status:otpCount', 1)
`;

/**
 * A new generation for a customer (redrive, or corrected data): in-flight jobs of the old one
 * become no-ops. With new data, the reuse counts move from the old mobile/email to the new ones
 * (refused when a limit would be crossed). Returns {'ok', gen} or {'mobile'|'email', count} or {'missing'}.
 * KEYS: customer, history, watch, reuse mobile, reuse email.
 * ARGV: id, stage, now-iso, history entry, watch-at, data or '', new mobile hash, new email hash, mobile limit, email limit.
 */
const NEW_GENERATION = `
local prev = redis.call('HMGET', KEYS[1], 'state', 'batch', 'mobileHash', 'emailHash')
if not prev[2] then return {'missing'} end
if ARGV[6] ~= '' then
  -- '' = no reuse limit for this customer (business flow); a previous '' counted nothing.
  local pm = prev[3]
  if pm == '' then pm = false end
  local pe = prev[4]
  if pe == '' then pe = false end
  if ARGV[7] ~= '' and ARGV[7] ~= pm then
    local m = tonumber(redis.call('HGET', KEYS[4], ARGV[7]) or '0')
    if m + 1 > tonumber(ARGV[9]) then return {'mobile', tostring(m)} end
  end
  if ARGV[8] ~= '' and ARGV[8] ~= pe then
    local e = tonumber(redis.call('HGET', KEYS[5], ARGV[8]) or '0')
    if e + 1 > tonumber(ARGV[10]) then return {'email', tostring(e)} end
  end
  if ARGV[7] ~= pm then
    if pm then redis.call('HINCRBY', KEYS[4], pm, -1) end
    if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[4], ARGV[7], 1) end
  end
  if ARGV[8] ~= pe then
    if pe then redis.call('HINCRBY', KEYS[5], pe, -1) end
    if ARGV[8] ~= '' then redis.call('HINCRBY', KEYS[5], ARGV[8], 1) end
  end
  redis.call('HSET', KEYS[1], 'data', ARGV[6], 'mobileHash', ARGV[7], 'emailHash', ARGV[8])
end
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'stage', ARGV[2], 'state', 'in_progress', 'updatedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'reason', 'details', 'action')
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], tonumber(ARGV[5]), ARGV[1])
return {'ok', tostring(gen)}
`;

/** For each id in order: 0 when first seen in this run (and remember its row), else the row it was first seen on. */
const FIRST_ROWS = `
local out = {}
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    out[#out + 1] = 0
  else
    out[#out + 1] = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  end
end
redis.call('PEXPIRE', KEYS[1], 86400000)
return out
`;

/** Delete a lease only if it is still ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Which server process holds the ledger's slot (INFO's run_id), swapped for the last one seen.
 * A script runs on the node that owns its keys, so this asks the right node of a Cluster too.
 * KEYS: run-id, lookup-first-until. ARGV: until (ms). Returns 1 when the run id changed.
 */
const NOTE_RUN = `
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
if not run then return 0 end
local prev = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], run)
if prev and prev ~= run then
  redis.call('SET', KEYS[2], ARGV[1])
  return 1
end
return 0
`;

type WithScripts = RedisLike & {
  a2pNoteRun(k1: string, k2: string, until: string): Promise<number>;
  a2pFirstRows(k1: string, ...argv: string[]): Promise<number[]>;
  a2pRelease(k1: string, token: string): Promise<number>;
  a2pRegister(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: string[]): Promise<string[]>;
  a2pTransition(k1: string, k2: string, k3: string, ...argv: string[]): Promise<number>;
  a2pClaimDue(k1: string, ...argv: string[]): Promise<string[]>;
  a2pClaimOtp(k1: string, ...argv: string[]): Promise<number>;
  a2pNewGeneration(k1: string, k2: string, k3: string, k4: string, k5: string, ...argv: string[]): Promise<string[]>;
};

export interface TransitionOptions {
  reason?: string | null;
  details?: Record<string, unknown> | null;
  /** What an operator should do; kept with the reason. */
  action?: string | null;
  /** When a watched customer is next due for a re-check (ms epoch); default now + the ledger's watch delay. */
  watchAt?: number;
}

export interface LedgerOptions {
  /** Default delay before a customer in a watched state is re-checked by a sweep. */
  watchDelayMs?: number;
  /** How long a try may hold a create's lease (claimCreate): longer than one Twilio call can take. */
  createLeaseMs?: number;
}

export type NewGenerationResult =
  | { ok: true; gen: number }
  | { ok: false; kind: 'missing' }
  | { ok: false; kind: 'mobile' | 'email'; count: number };

const detailsSchema = z.record(z.string(), z.unknown());

export const REUSE_LIMITS = { mobile: 3, email: 10 } as const;

export function reuseHash(value: string): string {
  return createHash('sha256').update(value.trim().toLowerCase()).digest('hex').slice(0, 32);
}

/** The hashes the brand reuse limits count; empty for a business customer (no brand is registered for it). */
function reuseHashes(c: AnyCustomer): { mobile: string; email: string } {
  return isBusiness(c) ? { mobile: '', email: '' } : { mobile: reuseHash(c.mobilePhoneNumber), email: reuseHash(c.email) };
}

export class Ledger {
  private readonly redis: WithScripts;
  /** Counts and state filters per batch, moved with every transition (src/ledger/batch-index.ts). */
  readonly index: BatchIndex;
  /** Twilio fees incurred, per customer, batch and in total (src/ledger/fees.ts). */
  readonly fees: FeeLedger;
  readonly watchDelayMs: number;
  readonly createLeaseMs: number;

  constructor(
    redis: RedisLike,
    readonly prefix: string,
    options: LedgerOptions = {},
  ) {
    const r = redis as WithScripts;
    if (typeof r.a2pRegister !== 'function') {
      r.defineCommand('a2pRegister', { numberOfKeys: 6, lua: REGISTER });
      r.defineCommand('a2pTransition', { numberOfKeys: 3, lua: TRANSITION });
      r.defineCommand('a2pClaimDue', { numberOfKeys: 1, lua: CLAIM_DUE });
      r.defineCommand('a2pClaimOtp', { numberOfKeys: 1, lua: CLAIM_OTP });
      r.defineCommand('a2pNewGeneration', { numberOfKeys: 5, lua: NEW_GENERATION });
      r.defineCommand('a2pRelease', { numberOfKeys: 1, lua: RELEASE });
    }
    if (typeof r.a2pFirstRows !== 'function') r.defineCommand('a2pFirstRows', { numberOfKeys: 1, lua: FIRST_ROWS });
    if (typeof r.a2pNoteRun !== 'function') r.defineCommand('a2pNoteRun', { numberOfKeys: 2, lua: NOTE_RUN });
    this.redis = r;
    this.watchDelayMs = options.watchDelayMs ?? 5 * 60_000;
    this.index = new BatchIndex(r, prefix);
    this.fees = new FeeLedger(r, (...parts) => this.k(...parts));
    this.createLeaseMs = options.createLeaseMs ?? 60_000;
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
  private watchKey(): string {
    return this.k('watch');
  }
  private ownerKey(): string {
    return this.k('sid-owner');
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

  async invalidCount(batchId: string): Promise<number> {
    return this.redis.llen(this.batchInvalidKey(batchId));
  }

  async invalidRowsPage(batchId: string, offset: number, count: number): Promise<InvalidRow[]> {
    const raw = await this.redis.lrange(this.batchInvalidKey(batchId), offset, offset + count - 1);
    return raw.map((r) => JSON.parse(r) as InvalidRow);
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

  /** `firstStage`: where the customer's flow starts (the Sole Proprietor flow's starter-profile by default). */
  async register(batchId: string, row: number, customer: AnyCustomer, firstStage = 'starter-profile'): Promise<RegisterResult> {
    const now = new Date().toISOString();
    const history: HistoryEntry = { at: now, stage: firstStage, state: 'in_progress', event: `accepted in batch ${batchId}, row ${row}` };
    const reuse = reuseHashes(customer);
    const key = this.customerKey(customer.customerId);
    const m = this.redis.multi() as ChainableCommander & { a2pRegister(...args: string[]): unknown };
    m.a2pRegister(
      key,
      this.batchCustomersKey(batchId),
      this.reuseKey('mobile'),
      this.reuseKey('email'),
      this.historyKey(customer.customerId),
      this.watchKey(),
      batchId,
      String(row),
      JSON.stringify(customer),
      now,
      reuse.mobile,
      reuse.email,
      String(REUSE_LIMITS.mobile),
      String(REUSE_LIMITS.email),
      customer.customerId,
      JSON.stringify(history),
      String(Date.now() + this.watchDelayMs),
      firstStage,
      isBusiness(customer) ? 'business' : 'sole-proprietor',
    );
    // Same round trip: the batch index picks the customer up only if the script accepted it.
    this.index.queueRegistered(m, key, batchId, row, customer.customerId);
    const [[err, out] = [null, null]] = (await m.exec()) ?? [];
    if (err) throw err;
    const res = out as string[];
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

  /** The stored customer of either flow. */
  async getAnyCustomer(customerId: string): Promise<AnyCustomer> {
    const raw = await this.redis.hget(this.customerKey(customerId), 'data');
    if (raw === null) throw new Error(`customer ${customerId} is not in the ledger`);
    const data: unknown = JSON.parse(raw);
    if (data && typeof data === 'object' && (data as { flow?: unknown }).flow === 'business') return businessCustomerSchema.parse(data);
    return customerSchema.parse(data);
  }

  async getBusinessCustomer(customerId: string): Promise<BusinessCustomer> {
    const c = await this.getAnyCustomer(customerId);
    if (!isBusiness(c)) throw new Error(`customer ${customerId} is not a business customer`);
    return c;
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
      .hset(this.ownerKey(), sid, customerId)
      .exec();
  }

  /** Forget a SID whose resource was deleted at Twilio (a phone number taken off a bundle by corrected data). */
  async clearSid(customerId: string, name: SidName, stage: string): Promise<void> {
    const key = this.customerKey(customerId);
    const sid = await this.redis.hget(key, `sid:${name}`);
    if (sid === null) return;
    const entry: HistoryEntry = { at: new Date().toISOString(), stage, state: 'in_progress', event: `${name} ${sid} removed` };
    await this.redis.multi().hdel(key, `sid:${name}`, `intent:${name}`, `fp:${name}`).rpush(this.historyKey(customerId), JSON.stringify(entry)).exec();
  }

  /** Which customer a Twilio SID belongs to (status callbacks name only the bundle). */
  async ownerOf(sid: string): Promise<string | null> {
    return this.redis.hget(this.ownerKey(), sid);
  }

  /** Fingerprint of the data a resource was created or last updated with: a change means "update it". */
  async fingerprint(customerId: string, name: SidName): Promise<string | null> {
    return this.redis.hget(this.customerKey(customerId), `fp:${name}`);
  }

  async setFingerprint(customerId: string, name: SidName, fp: string): Promise<void> {
    await this.redis.hset(this.customerKey(customerId), `fp:${name}`, fp);
  }

  /**
   * Record the fee of one real submission, once per `key` (see FeeLedger.record). Returns false when
   * that submission was already recorded, or the customer is gone.
   */
  async recordFee(customerId: string, key: string, e: Omit<FeeEntry, 'key' | 'at'>): Promise<boolean> {
    const batchId = await this.redis.hget(this.customerKey(customerId), 'batch');
    if (!batchId) return false;
    return this.fees.record(customerId, batchId, key, e);
  }

  // ---- one create at a time per customer and resource ----

  /**
   * BullMQ can run one job twice at once (a worker starved past its lock looks stalled, and another
   * worker takes the job), and a sweep can re-queue a stage while its job still runs. The intent is
   * no lock: two tries could both create. This lease is: one try per customer and resource may be
   * creating. It expires on its own, so a try killed mid-create holds it for `leaseMs` at most.
   * Returns a token to release with, or how long the other try's lease still runs.
   */
  async claimCreate(customerId: string, name: SidName, leaseMs = this.createLeaseMs): Promise<{ token: string } | { busyForMs: number }> {
    const key = this.k('customer', customerId, 'creating', name);
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', leaseMs, 'NX');
    if (ok === 'OK') return { token };
    return { busyForMs: Math.max(50, await this.redis.pttl(key)) };
  }

  async releaseCreate(customerId: string, name: SidName, token: string): Promise<void> {
    await this.redis.a2pRelease(this.k('customer', customerId, 'creating', name), token);
  }

  // ---- Redis restarts: writes of its last second may be lost ----

  /**
   * Note which Redis server process holds the ledger (its run_id). When it changed since the last
   * look, Redis restarted or failed over, and with `appendfsync everysec` (or a replica promoted)
   * up to about a second of writes may be gone: an intent and the SID recorded right after a
   * create can vanish together. For `windowMs` every create then looks for an existing resource
   * first (see ensure()). Returns true when a restart was noticed.
   */
  async noteRedisRun(windowMs: number, now = Date.now()): Promise<boolean> {
    return (await this.redis.a2pNoteRun(this.k('redis-run-id'), this.k('lookup-first-until'), String(now + windowMs))) === 1;
  }

  /** True while creates must look for an existing resource first (after a Redis restart). */
  async lookupFirst(now = Date.now()): Promise<boolean> {
    return (await this.lookupWindow(now)) !== null;
  }

  /** While creates must look first, the window's id (one per noticed restart); otherwise null. */
  async lookupWindow(now = Date.now()): Promise<string | null> {
    const until = await this.redis.get(this.k('lookup-first-until'));
    return until !== null && Number(until) > now ? until : null;
  }

  // ---- stage and state ----

  async setStatus(customerId: string, fields: Record<string, string>): Promise<void> {
    const flat: string[] = [];
    for (const [k, v] of Object.entries(fields)) flat.push(`status:${k}`, v);
    if (flat.length) await this.redis.hset(this.customerKey(customerId), ...flat);
  }

  /**
   * Move the customer to a stage/state; the history gets a line only when something changed or
   * `event` is given. Reason, details and action are replaced (cleared when not given).
   */
  async transition(customerId: string, stage: string, state: CustomerState, event?: string, opts: TransitionOptions = {}): Promise<void> {
    const key = this.customerKey(customerId);
    const [prevStage, prevState, batchId, row] = await this.redis.hmget(key, 'stage', 'state', 'batch', 'row');
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const entry = event || prevStage !== stage || prevState !== state ? JSON.stringify({ at: now, stage, state, event: event ?? `${stage}: ${state}` } satisfies HistoryEntry) : '';
    const watchAt = WATCHED_STATES.includes(state) ? String(opts.watchAt ?? nowMs + this.watchDelayMs) : '';
    const m = this.redis.multi() as ChainableCommander & { a2pTransition(...args: string[]): unknown };
    m.a2pTransition(
      key, this.historyKey(customerId), this.watchKey(),
      customerId, stage, state, now, entry,
      opts.reason ?? '', opts.details ? JSON.stringify(opts.details) : '', opts.action ?? '', watchAt,
    );
    // The batch's counts move in the same transaction as the record.
    if (batchId) this.index.queue(m, key, batchId, Number(row ?? 0), customerId, stage, state);
    const res = (await m.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
  }

  /** Re-check a watched customer at `at` (ms epoch) without changing its state. */
  async watchAt(customerId: string, at: number): Promise<void> {
    await this.redis.zadd(this.watchKey(), 'XX', String(at), customerId);
  }

  /** Up to `limit` customers due for a re-check by `now`; each is leased until `leaseUntil` so a second sweep skips it. */
  async claimDue(now: number, limit: number, leaseUntil: number): Promise<string[]> {
    return this.redis.a2pClaimDue(this.watchKey(), String(now), String(limit), String(leaseUntil));
  }

  /** Every watched customer, a page at a time (for `sweep --all`). */
  async watched(offset: number, count: number): Promise<string[]> {
    return this.redis.zrange(this.watchKey(), String(offset), String(offset + count - 1));
  }

  async watchedCount(): Promise<number> {
    return this.redis.zcard(this.watchKey());
  }

  /** When the customer is next due for a re-check, or null when it is not watched. */
  async dueAt(customerId: string): Promise<number | null> {
    const s = await this.redis.zscore(this.watchKey(), customerId);
    return s === null ? null : Number(s);
  }

  /** Batch ids, oldest first, a page at a time. */
  async batchIds(offset: number, count: number): Promise<string[]> {
    return this.redis.zrange(this.k('batches'), String(offset), String(offset + count - 1));
  }

  /** Take the OTP slot if the last OTP is at least `minIntervalMs` old; returns the OTP's number, or 0 when it is too early. */
  async claimOtp(customerId: string, now: number, minIntervalMs: number): Promise<number> {
    return this.redis.a2pClaimOtp(this.customerKey(customerId), String(now), String(minIntervalMs));
  }

  /**
   * Start a new generation of the customer at `stage` (redrive), optionally with corrected data
   * (`ingest --update`). Jobs of older generations skip themselves when they run.
   */
  async newGeneration(customerId: string, stage: string, event: string, customer?: AnyCustomer): Promise<NewGenerationResult> {
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const entry: HistoryEntry = { at: now, stage, state: 'in_progress', event };
    const key = this.customerKey(customerId);
    const [batchId, row] = await this.redis.hmget(key, 'batch', 'row');
    const m = this.redis.multi() as ChainableCommander & { a2pNewGeneration(...args: string[]): unknown };
    m.a2pNewGeneration(
      key, this.historyKey(customerId), this.watchKey(), this.reuseKey('mobile'), this.reuseKey('email'),
      customerId, stage, now, JSON.stringify(entry), String(nowMs + this.watchDelayMs),
      customer ? JSON.stringify(customer) : '',
      customer ? reuseHashes(customer).mobile : '',
      customer ? reuseHashes(customer).email : '',
      String(REUSE_LIMITS.mobile), String(REUSE_LIMITS.email),
    );
    // Index wherever the record now is (the script may have refused the new generation).
    if (batchId) this.index.queueSync(m, key, batchId, Number(row ?? 0), customerId);
    const [[err, out] = [null, null]] = (await m.exec()) ?? [];
    if (err) throw err;
    const res = out as string[];
    if (res[0] === 'ok') return { ok: true, gen: Number(res[1]) };
    if (res[0] === 'missing') return { ok: false, kind: 'missing' };
    return { ok: false, kind: res[0] === 'mobile' ? 'mobile' : 'email', count: Number(res[1] ?? 0) };
  }

  /** The raw customer data as stored (to compare with a corrected row). */
  async rawData(customerId: string): Promise<string | null> {
    return this.redis.hget(this.customerKey(customerId), 'data');
  }

  // ---- ingest scratch: duplicate ids within one file, kept in Redis so a million-row file needs no map in memory ----

  private runKey(runId: string): string {
    return this.k('ingest-run', runId, 'rows');
  }

  /** For each row in order: null when its id is new in this ingest run, else the row that first had it. */
  async firstRows(runId: string, rows: { id: string; row: number }[]): Promise<(number | null)[]> {
    if (rows.length === 0) return [];
    const res = await this.redis.a2pFirstRows(this.runKey(runId), ...rows.flatMap((r) => [r.id, String(r.row)]));
    return res.map((v) => (Number(v) > 0 ? Number(v) : null));
  }

  async endRun(runId: string): Promise<void> {
    await this.redis.unlink(this.runKey(runId));
  }
}

function toRecord(customerId: string, h: Record<string, string>): CustomerRecord {
  const sids: Partial<Record<string, string>> = {};
  const status: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith('sid:')) sids[k.slice(4)] = v;
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
    flow: h['flow'] === 'business' ? 'business' : 'sole-proprietor',
    reason: h['reason'] ?? null,
    action: h['action'] ?? null,
    details,
    sids,
    status,
    createdAt: h['createdAt'] ?? '',
    updatedAt: h['updatedAt'] ?? '',
  };
}
