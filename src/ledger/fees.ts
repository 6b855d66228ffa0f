import { z } from 'zod';
import type { Config } from '../config.js';
import type { LedgerKeys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';

/**
 * Twilio's fees, as the ledger records them: one entry per real submission (brand submission or
 * resubmission, campaign vetting, Authentication+ attempt, secondary vetting), per customer, with
 * the amount the settings gave at the time. Amounts are whole cents. Each entry has a key naming
 * the submission (SID and generation or Twilio's timestamp): recording the same key twice (a
 * retried job, a lost answer found again) counts once. Totals per batch and for the whole ledger
 * move in the same script, so `status`, the batch page and /metrics read two small hashes.
 */

export const FEE_KINDS = ['brand', 'campaignVetting', 'authPlus', 'secondaryVetting'] as const;
export type FeeKind = (typeof FEE_KINDS)[number];

/** What an operator reads for each kind (status, report, pages). */
export const FEE_LABELS: Record<FeeKind, string> = {
  brand: 'brand submissions',
  campaignVetting: 'campaign vettings',
  authPlus: 'Authentication+ attempts',
  secondaryVetting: 'secondary vettings',
};

export type FeeSchedule = Record<FeeKind, number>;

export function feeSchedule(config: Pick<Config, 'FEE_BRAND_USD' | 'FEE_CAMPAIGN_VETTING_USD' | 'FEE_AUTH_PLUS_USD' | 'FEE_SECONDARY_VETTING_USD'>): FeeSchedule {
  return {
    brand: config.FEE_BRAND_USD,
    campaignVetting: config.FEE_CAMPAIGN_VETTING_USD,
    authPlus: config.FEE_AUTH_PLUS_USD,
    secondaryVetting: config.FEE_SECONDARY_VETTING_USD,
  };
}

const feeEntrySchema = z.object({
  kind: z.enum(FEE_KINDS),
  cents: z.number().int().min(0),
  /** A mock brand (TWILIO_MOCK_BRANDS) and its campaign: recorded, free. */
  mock: z.boolean(),
  sid: z.string(),
  what: z.string(),
  at: z.string(),
});
export type FeeEntry = z.infer<typeof feeEntrySchema> & { key: string };

/** Sums: total cents, and per kind cents and count (mock submissions counted apart). */
export interface FeeTotals {
  cents: number;
  byKind: Record<FeeKind, { cents: number; count: number; mock: number }>;
}

export function emptyTotals(): FeeTotals {
  return { cents: 0, byKind: Object.fromEntries(FEE_KINDS.map((k) => [k, { cents: 0, count: 0, mock: 0 }])) as FeeTotals['byKind'] };
}

/** 1550 → "USD 15.50". */
export function usd(cents: number): string {
  return `USD ${(cents / 100).toFixed(2)}`;
}

/** "USD 19.50 (1 brand submissions USD 4.50, 1 campaign vettings USD 15.00; 2 mock, free)". */
export function describeTotals(t: FeeTotals): string {
  const parts = FEE_KINDS.filter((k) => t.byKind[k].count > 0).map((k) => `${t.byKind[k].count} ${FEE_LABELS[k]} ${usd(t.byKind[k].cents)}`);
  const mock = FEE_KINDS.reduce((a, k) => a + t.byKind[k].mock, 0);
  if (!parts.length) return `${usd(0)} (no submissions yet)`;
  return `${usd(t.cents)} (${parts.join(', ')}${mock ? `; ${mock} of them mock, free` : ''})`;
}


/** Entries and totals (lua/recordFee-3.lua moves them together). */
export class FeeLedger {
  constructor(
    private readonly redis: ScriptedRedis,
    /** The ledger's keys: fees sit in one Cluster slot with the customer's record. */
    private readonly keys: LedgerKeys,
  ) {}

  private customerKey(customerId: string): string {
    return this.keys.customerFees(customerId);
  }

  private batchKey(batchId: string): string {
    return this.keys.batchFees(batchId);
  }

  private globalKey(): string {
    return this.keys.fees();
  }

  /**
   * Record one submission's fee, once per `key` (e.g. `brand:BN…:created`). Returns false when that
   * submission was already recorded. `batchId` is the customer's batch (totals per batch).
   */
  async record(customerId: string, batchId: string, key: string, e: Omit<FeeEntry, 'key' | 'at'>): Promise<boolean> {
    const entry = { ...e, cents: e.mock ? 0 : e.cents, at: new Date().toISOString() };
    const res = await this.redis.a2pRecordFee(
      this.customerKey(customerId), this.batchKey(batchId), this.globalKey(),
      key, JSON.stringify(entry), e.kind, String(entry.cents), e.mock ? '1' : '0',
    );
    return res === 1;
  }

  /** A customer's fee entries, oldest first. */
  async entries(customerId: string): Promise<FeeEntry[]> {
    const h = await this.redis.hgetall(this.customerKey(customerId));
    return parseEntries(h);
  }

  /** Entries of many customers in one round trip (report pages). */
  async entriesMany(customerIds: string[]): Promise<FeeEntry[][]> {
    if (customerIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of customerIds) p.hgetall(this.customerKey(id));
    const res = (await p.exec()) ?? [];
    return res.map(([err, h]) => (err || !h || typeof h !== 'object' ? [] : parseEntries(h as Record<string, string>)));
  }

  async batchTotals(batchId: string): Promise<FeeTotals> {
    return toTotals(await this.redis.hgetall(this.batchKey(batchId)));
  }

  async totals(): Promise<FeeTotals> {
    return toTotals(await this.redis.hgetall(this.globalKey()));
  }
}

function parseEntries(h: Record<string, string>): FeeEntry[] {
  const out: FeeEntry[] = [];
  for (const [key, raw] of Object.entries(h)) {
    const parsed = feeEntrySchema.safeParse(JSON.parse(raw));
    if (parsed.success) out.push({ ...parsed.data, key });
  }
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** A customer's entries summed like a batch's. */
export function sumEntries(entries: FeeEntry[]): FeeTotals {
  const t = emptyTotals();
  for (const e of entries) {
    t.cents += e.cents;
    t.byKind[e.kind].cents += e.cents;
    t.byKind[e.kind].count += 1;
    if (e.mock) t.byKind[e.kind].mock += 1;
  }
  return t;
}

function toTotals(h: Record<string, string>): FeeTotals {
  const t = emptyTotals();
  t.cents = Number(h['cents'] ?? 0);
  for (const k of FEE_KINDS) t.byKind[k] = { cents: Number(h[`${k}:cents`] ?? 0), count: Number(h[`${k}:count`] ?? 0), mock: Number(h[`${k}:mock`] ?? 0) };
  return t;
}

/** The documented defaults (beyond-the-seeds.md), for stage settings built without the FEE_* settings. */
export const DEFAULT_FEES: FeeSchedule = { brand: 450, campaignVetting: 1500, authPlus: 1250, secondaryVetting: 4000 };
