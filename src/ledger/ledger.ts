import { ROW_RULES, type RowRule } from '../failure-kinds.js';
import { createHash, randomUUID } from 'node:crypto';
import type { Redis, Cluster } from 'ioredis';
import { z } from 'zod';
import { customerSchema, type Customer } from '../customers/customer.js';
import { businessCustomerSchema, type BusinessCustomer } from '../customers/business.js';
import { BatchIndex } from './batch-index.js';
import { FeeLedger, type FeeEntry } from './fees.js';
import { IngestScratch } from './ingest-scratch.js';
import { LedgerKeys } from './keys.js';
import { CreateLeases } from './leases.js';
import { RestartWindow } from './restart-window.js';
import { encodeStatus, parseStatus, type StatusFields, type StatusPatch } from './status-fields.js';
import { scriptedMulti, withLedgerScripts, type ScriptedRedis } from './scripts.js';
import { WATCHED_STATES, isState, type CustomerState } from './states.js';

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
 * Its keys are named in keys.ts, its Lua scripts are in ./lua (scripts.ts loads them), and it
 * composes the parts with a role of their own: the batch index, fees, create leases, the window
 * after a Redis restart and the ingest scratch.
 */

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
  // Standard brands: the A2P Messaging Trust Product (a trustProducts resource of its own), its
  // us_a2p_messaging_profile_information end user and their assignments.
  'a2pProduct', 'a2pEndUser', 'a2pAssignEndUser', 'a2pAssignProfile',
  // ACCOUNT_MODE=subaccount: the customer's Twilio subaccount (AC…), created or named by its row; every
  // other SID of the customer lives in it. Indexed like the others, so a status callback's AccountSid finds the customer.
  'subaccount',
] as const;
/**
 * Per-number SIDs: channel endpoint assignments (`profileEndpoint.PN…` / `productEndpoint.PN…`), and a
 * Standard brand's numbers on its Messaging Service (`serviceNumber.PN…`).
 */
export type EndpointSidName = `profileEndpoint.${string}` | `productEndpoint.${string}` | `serviceNumber.${string}`;
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
  /** Twilio statuses last seen, and bookkeeping of the stages, parsed (status-fields.ts). */
  status: StatusFields;
  /** The same fields as stored, strings under any name: what the dashboard and exports show. */
  rawStatus: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface InvalidRow {
  row: number;
  customerId: string | null;
  /** Every problem of the row, `column: reason; ...`. */
  reason: string;
  /**
   * The first refused column and the rule it broke, which the row's action is keyed on. Rows refused by
   * earlier versions have neither.
   */
  column?: string;
  rule?: RowRule;
}

/** A refused row as stored; a rule this version does not know reads as none (the action then reads the reason). */
const invalidRowSchema = z.object({
  row: z.number(),
  customerId: z.string().nullable(),
  reason: z.string(),
  column: z.string().optional(),
  rule: z.enum(ROW_RULES).optional().catch(undefined),
});

function parseInvalidRow(raw: string): InvalidRow {
  const { column, rule, ...row } = invalidRowSchema.parse(JSON.parse(raw));
  return { ...row, ...(column !== undefined ? { column } : {}), ...(rule !== undefined ? { rule } : {}) };
}

export type RegisterResult =
  | { ok: true }
  | { ok: false; kind: 'exists'; batchId: string; state: CustomerState; stage: string }
  | { ok: false; kind: 'mobile' | 'email'; count: number };

type RedisLike = Redis | Cluster;

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
  /** How long a try may hold a create's lease (leases.claim): longer than one Twilio call can take. */
  createLeaseMs?: number;
  /** How long every create looks for an existing resource first once a Redis restart is noticed (LOOKUP_AFTER_RESTART_MS). */
  lookupAfterRestartMs?: number;
  /**
   * Record every change of a customer's state in the outbox for the ISV's notifications (NOTIFY_URL set).
   * Every process that moves customers (workers, ingest, redrive) must agree, or some changes go unsent.
   */
  notify?: boolean;
}

/** A notification's id (`evt_` and 32 hex digits): the ISV deduplicates on it. */
export function newEventId(): string {
  return `evt_${randomUUID().replace(/-/g, '')}`;
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
  private readonly redis: ScriptedRedis;
  private readonly keys: LedgerKeys;
  /** Counts and state filters per batch, moved with every transition (batch-index.ts). */
  readonly index: BatchIndex;
  /** Twilio fees incurred, per customer, batch and in total (fees.ts). */
  readonly fees: FeeLedger;
  /** One create at a time per customer and resource (leases.ts). */
  readonly leases: CreateLeases;
  /** Whether creates must look first, after a Redis restart (restart-window.ts). */
  readonly restartWindow: RestartWindow;
  /** Duplicate ids within one ingest run (ingest-scratch.ts). */
  readonly ingestScratch: IngestScratch;
  readonly watchDelayMs: number;
  readonly createLeaseMs: number;
  readonly notify: boolean;

  constructor(
    redis: RedisLike,
    readonly prefix: string,
    options: LedgerOptions = {},
  ) {
    this.redis = withLedgerScripts(redis);
    this.keys = new LedgerKeys(prefix);
    this.watchDelayMs = options.watchDelayMs ?? 5 * 60_000;
    this.createLeaseMs = options.createLeaseMs ?? 60_000;
    this.notify = options.notify ?? false;
    this.index = new BatchIndex(this.redis, this.keys);
    this.fees = new FeeLedger(this.redis, this.keys);
    this.leases = new CreateLeases(this.redis, this.keys, this.createLeaseMs);
    this.restartWindow = new RestartWindow(this.redis, this.keys, options.lookupAfterRestartMs ?? 3_600_000);
    this.ingestScratch = new IngestScratch(this.redis, this.keys);
  }

  /** The id of the notification a script adds when the state changes; '' (none) when notifications are off. */
  private eventId(): string {
    return this.notify ? newEventId() : '';
  }

  /** The outbox stream's key (src/notify/relay.ts reads it). */
  outboxKey(): string {
    return this.keys.outbox();
  }

  // ---- batches ----

  async createBatch(batchId: string, meta: { source: string }): Promise<void> {
    const now = new Date().toISOString();
    await this.redis
      .multi()
      .hsetnx(this.keys.batch(batchId), 'createdAt', now)
      .hset(this.keys.batch(batchId), 'source', meta.source, 'updatedAt', now)
      .zadd(this.keys.batches(), 'NX', String(Date.now()), batchId)
      .exec();
  }

  async batchExists(batchId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.batch(batchId))) === 1;
  }

  async listBatches(): Promise<{ batchId: string; createdAt: string | null; source: string | null }[]> {
    const ids = await this.redis.zrevrange(this.keys.batches(), 0, 999);
    const out = [];
    for (const batchId of ids) {
      const [createdAt, source] = await this.redis.hmget(this.keys.batch(batchId), 'createdAt', 'source');
      out.push({ batchId, createdAt: createdAt ?? null, source: source ?? null });
    }
    return out;
  }

  /** Rows refused at ingest. Replaced as a whole when the same batch is ingested again. */
  async setInvalidRows(batchId: string, rows: InvalidRow[]): Promise<void> {
    const key = this.keys.batchInvalid(batchId);
    const m = this.redis.multi().del(key);
    for (let i = 0; i < rows.length; i += 1000) m.rpush(key, ...rows.slice(i, i + 1000).map((r) => JSON.stringify(r)));
    await m.exec();
  }

  async invalidCount(batchId: string): Promise<number> {
    return this.redis.llen(this.keys.batchInvalid(batchId));
  }

  async invalidRowsPage(batchId: string, offset: number, count: number): Promise<InvalidRow[]> {
    const raw = await this.redis.lrange(this.keys.batchInvalid(batchId), offset, offset + count - 1);
    return raw.map(parseInvalidRow);
  }

  async invalidRows(batchId: string): Promise<InvalidRow[]> {
    const raw = await this.redis.lrange(this.keys.batchInvalid(batchId), 0, -1);
    return raw.map(parseInvalidRow);
  }

  /** Customer ids of a batch in row order, a page at a time. */
  async batchCustomerIds(batchId: string, offset = 0, count = 1000): Promise<string[]> {
    return this.redis.zrange(this.keys.batchCustomers(batchId), String(offset), String(offset + count - 1));
  }

  async batchSize(batchId: string): Promise<number> {
    return this.redis.zcard(this.keys.batchCustomers(batchId));
  }

  // ---- reuse limits ----

  async reuseCount(kind: 'mobile' | 'email', value: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.reuse(kind), reuseHash(value))) ?? 0);
  }

  // ---- customers ----

  /** `firstStage`: where the customer's flow starts (the Sole Proprietor flow's starter-profile by default). */
  async register(batchId: string, row: number, customer: AnyCustomer, firstStage = 'starter-profile'): Promise<RegisterResult> {
    const now = new Date().toISOString();
    const history: HistoryEntry = { at: now, stage: firstStage, state: 'in_progress', event: `accepted in batch ${batchId}, row ${row}` };
    const reuse = reuseHashes(customer);
    const key = this.keys.customer(customer.customerId);
    const m = scriptedMulti(this.redis);
    m.a2pRegister(
      key,
      this.keys.batchCustomers(batchId),
      this.keys.reuse('mobile'),
      this.keys.reuse('email'),
      this.keys.history(customer.customerId),
      this.keys.watch(),
      this.keys.outbox(),
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
      this.eventId(),
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
    const raw = await this.redis.hget(this.keys.customer(customerId), 'data');
    if (raw === null) throw new Error(`customer ${customerId} is not in the ledger`);
    return customerSchema.parse(JSON.parse(raw));
  }

  /** The stored customer of either flow. */
  async getAnyCustomer(customerId: string): Promise<AnyCustomer> {
    const raw = await this.redis.hget(this.keys.customer(customerId), 'data');
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
    return (await this.redis.exists(this.keys.customer(customerId))) === 1;
  }

  async get(customerId: string): Promise<CustomerRecord | null> {
    const h = await this.redis.hgetall(this.keys.customer(customerId));
    if (!h['batch']) return null;
    return toRecord(customerId, h);
  }

  /** Records for many customers in one round trip. */
  async getMany(customerIds: string[]): Promise<(CustomerRecord | null)[]> {
    if (customerIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of customerIds) p.hgetall(this.keys.customer(id));
    const res = (await p.exec()) ?? [];
    return res.map(([err, h], i) => {
      if (err || !h || typeof h !== 'object') return null;
      const rec = h as Record<string, string>;
      return rec['batch'] ? toRecord(customerIds[i]!, rec) : null;
    });
  }

  async history(customerId: string): Promise<HistoryEntry[]> {
    return (await this.redis.lrange(this.keys.history(customerId), 0, -1)).map((r) => JSON.parse(r) as HistoryEntry);
  }

  // ---- SIDs and intents (the idempotency guard) ----

  async sid(customerId: string, name: SidName): Promise<string | null> {
    return this.redis.hget(this.keys.customer(customerId), `sid:${name}`);
  }

  async hasIntent(customerId: string, name: SidName): Promise<boolean> {
    return (await this.redis.hexists(this.keys.customer(customerId), `intent:${name}`)) === 1;
  }

  async setIntent(customerId: string, name: SidName): Promise<void> {
    await this.redis.hset(this.keys.customer(customerId), `intent:${name}`, new Date().toISOString());
  }

  async setSid(customerId: string, name: SidName, sid: string, stage: string): Promise<void> {
    const now = new Date().toISOString();
    const entry: HistoryEntry = { at: now, stage, state: 'in_progress', event: `${name} ${sid}` };
    const tx = this.redis
      .multi()
      .hset(this.keys.customer(customerId), `sid:${name}`, sid, 'updatedAt', now)
      .hdel(this.keys.customer(customerId), `intent:${name}`)
      .rpush(this.keys.history(customerId), JSON.stringify(entry))
      .hset(this.keys.sidOwner(), sid, customerId);
    // Every customer subaccount, for what works per account (Event Streams sinks, audits) without a scan of every SID.
    if (name === 'subaccount') tx.sadd(this.keys.subaccounts(), sid);
    await tx.exec();
  }

  /** Every subaccount recorded for a customer (ACCOUNT_MODE=subaccount), a page at a time; `ownerOf(sid)` names its customer. */
  async *subaccounts(pageSize = 500): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, sids] = await this.redis.sscan(this.keys.subaccounts(), cursor, 'COUNT', pageSize);
      cursor = next;
      if (sids.length) yield sids;
    } while (cursor !== '0');
  }

  /** Forget a SID whose resource was deleted at Twilio (a phone number taken off a bundle by corrected data). */
  async clearSid(customerId: string, name: SidName, stage: string): Promise<void> {
    const key = this.keys.customer(customerId);
    const sid = await this.redis.hget(key, `sid:${name}`);
    if (sid === null) return;
    const entry: HistoryEntry = { at: new Date().toISOString(), stage, state: 'in_progress', event: `${name} ${sid} removed` };
    await this.redis.multi().hdel(key, `sid:${name}`, `intent:${name}`, `fp:${name}`).rpush(this.keys.history(customerId), JSON.stringify(entry)).exec();
  }

  /** Which customer a Twilio SID belongs to (status callbacks name only the bundle). */
  async ownerOf(sid: string): Promise<string | null> {
    return this.redis.hget(this.keys.sidOwner(), sid);
  }

  /** Fingerprint of the data a resource was created or last updated with: a change means "update it". */
  async fingerprint(customerId: string, name: SidName): Promise<string | null> {
    return this.redis.hget(this.keys.customer(customerId), `fp:${name}`);
  }

  async setFingerprint(customerId: string, name: SidName, fp: string): Promise<void> {
    await this.redis.hset(this.keys.customer(customerId), `fp:${name}`, fp);
  }

  /**
   * Record the fee of one real submission, once per `key` (see FeeLedger.record). Returns false when
   * that submission was already recorded, or the customer is gone.
   */
  async recordFee(customerId: string, key: string, e: Omit<FeeEntry, 'key' | 'at'>): Promise<boolean> {
    const batchId = await this.redis.hget(this.keys.customer(customerId), 'batch');
    if (!batchId) return false;
    return this.fees.record(customerId, batchId, key, e);
  }

  // ---- stage and state ----

  /** Write status fields (null clears one); each is stored as its schema says (status-fields.ts). */
  async setStatus(customerId: string, patch: StatusPatch): Promise<void> {
    const flat: string[] = [];
    for (const [k, v] of Object.entries(encodeStatus(patch))) flat.push(`status:${k}`, v);
    if (flat.length) await this.redis.hset(this.keys.customer(customerId), ...flat);
  }

  /**
   * Move the customer to a stage/state; the history gets a line only when something changed or
   * `event` is given. Reason, details and action are replaced (cleared when not given).
   */
  async transition(customerId: string, stage: string, state: CustomerState, event?: string, opts: TransitionOptions = {}): Promise<void> {
    const key = this.keys.customer(customerId);
    const [prevStage, prevState, batchId, row] = await this.redis.hmget(key, 'stage', 'state', 'batch', 'row');
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const entry = event || prevStage !== stage || prevState !== state ? JSON.stringify({ at: now, stage, state, event: event ?? `${stage}: ${state}` } satisfies HistoryEntry) : '';
    const watchAt = WATCHED_STATES.includes(state) ? String(opts.watchAt ?? nowMs + this.watchDelayMs) : '';
    const m = scriptedMulti(this.redis);
    m.a2pTransition(
      key, this.keys.history(customerId), this.keys.watch(), this.keys.outbox(),
      customerId, stage, state, now, entry,
      opts.reason ?? '', opts.details ? JSON.stringify(opts.details) : '', opts.action ?? '', watchAt,
      this.eventId(),
    );
    // The batch's counts move in the same transaction as the record.
    if (batchId) this.index.queue(m, key, batchId, Number(row ?? 0), customerId, stage, state);
    const res = (await m.exec()) ?? [];
    for (const [err] of res) if (err) throw err;
  }

  /** Re-check a watched customer at `at` (ms epoch) without changing its state. */
  async watchAt(customerId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.watch(), 'XX', String(at), customerId);
  }

  /**
   * Stop re-checking a customer that stays in its state: nothing Twilio does can move it on, only the
   * operator (`ingest --update`, `redrive`), whose new generation is watched again.
   */
  async unwatch(customerId: string): Promise<void> {
    await this.redis.zrem(this.keys.watch(), customerId);
  }

  /** Up to `limit` customers due for a re-check by `now`; each is leased until `leaseUntil` so a second sweep skips it. */
  async claimDue(now: number, limit: number, leaseUntil: number): Promise<string[]> {
    return this.redis.a2pClaimDue(this.keys.watch(), String(now), String(limit), String(leaseUntil));
  }

  /** Every watched customer, a page at a time (for `sweep --all`). */
  async watched(offset: number, count: number): Promise<string[]> {
    return this.redis.zrange(this.keys.watch(), String(offset), String(offset + count - 1));
  }

  async watchedCount(): Promise<number> {
    return this.redis.zcard(this.keys.watch());
  }

  /** When the customer is next due for a re-check, or null when it is not watched. */
  async dueAt(customerId: string): Promise<number | null> {
    const s = await this.redis.zscore(this.keys.watch(), customerId);
    return s === null ? null : Number(s);
  }

  /** Batch ids, oldest first, a page at a time. */
  async batchIds(offset: number, count: number): Promise<string[]> {
    return this.redis.zrange(this.keys.batches(), String(offset), String(offset + count - 1));
  }

  /**
   * Event Streams deliver at least once: true the first time an event id is seen within `ttlMs`,
   * false for a duplicate or a replay. Forget it again (forgetEvent) when acting on it failed, so a
   * re-delivery is acted on.
   */
  async firstSightOfEvent(eventId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.eventSeen(eventId), '1', 'PX', Math.max(1, ttlMs), 'NX')) === 'OK';
  }

  async forgetEvent(eventId: string): Promise<void> {
    await this.redis.del(this.keys.eventSeen(eventId));
  }

  /** Take the OTP slot if the last OTP is at least `minIntervalMs` old; returns the OTP's number, or 0 when it is too early. */
  async claimOtp(customerId: string, now: number, minIntervalMs: number): Promise<number> {
    return this.redis.a2pClaimOtp(this.keys.customer(customerId), String(now), String(minIntervalMs));
  }

  /** The claimed OTP reached Twilio at `at`: the re-send interval counts from then (never moves back). */
  async otpSent(customerId: string, at: number): Promise<void> {
    await this.redis.a2pOtpSent(this.keys.customer(customerId), String(at));
  }

  /**
   * Start a new generation of the customer at `stage` (redrive), optionally with corrected data
   * (`ingest --update`). Jobs of older generations skip themselves when they run.
   */
  async newGeneration(customerId: string, stage: string, event: string, customer?: AnyCustomer): Promise<NewGenerationResult> {
    const nowMs = Date.now();
    const now = new Date(nowMs).toISOString();
    const entry: HistoryEntry = { at: now, stage, state: 'in_progress', event };
    const key = this.keys.customer(customerId);
    const [batchId, row] = await this.redis.hmget(key, 'batch', 'row');
    const m = scriptedMulti(this.redis);
    m.a2pNewGeneration(
      key, this.keys.history(customerId), this.keys.watch(), this.keys.reuse('mobile'), this.keys.reuse('email'), this.keys.outbox(),
      customerId, stage, now, JSON.stringify(entry), String(nowMs + this.watchDelayMs),
      customer ? JSON.stringify(customer) : '',
      customer ? reuseHashes(customer).mobile : '',
      customer ? reuseHashes(customer).email : '',
      String(REUSE_LIMITS.mobile), String(REUSE_LIMITS.email),
      this.eventId(),
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
    return this.redis.hget(this.keys.customer(customerId), 'data');
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
    state: isState(h['state'] ?? '') ? (h['state'] as CustomerState) : 'in_progress',
    flow: h['flow'] === 'business' ? 'business' : 'sole-proprietor',
    reason: h['reason'] ?? null,
    action: h['action'] ?? null,
    details,
    sids,
    status: parseStatus(status),
    rawStatus: status,
    createdAt: h['createdAt'] ?? '',
    updatedAt: h['updatedAt'] ?? '',
  };
}
