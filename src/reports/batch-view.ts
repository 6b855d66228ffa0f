import type { StageStateCount } from '../ledger/batch-index.js';
import { emptyCounts } from '../ledger/states.js';
import type { Ledger, SidName } from '../ledger/ledger.js';
import { STATES, type CustomerState } from '../ledger/states.js';
import { campaignNotUpdatedAction, suggestAction } from './actions.js';
import { sumEntries, type FeeTotals } from '../ledger/fees.js';

/**
 * A batch as the operator's views read it (batch pages, report export), a page at a time:
 * accepted customers in row order from the ledger's batch zset (or the state's zset when
 * filtered), then the rows refused at ingest. Nothing here loads a whole batch.
 */

export interface BatchCustomer {
  customerId: string | null;
  row: number;
  stage: string;
  state: CustomerState;
  reason: string | null;
  action: string | null;
  details: Record<string, unknown> | null;
  sids: Partial<Record<SidName, string>>;
  /** Twilio statuses last seen (brand, brandIdentity...). */
  status: Record<string, string>;
  createdAt: string | null;
  updatedAt: string | null;
  /** Twilio fees this customer incurred (none for rows refused at ingest). */
  fees?: FeeTotals;
}

export interface BatchSummary {
  batchId: string;
  exists: boolean;
  createdAt: string | null;
  source: string | null;
  counts: Record<CustomerState, number>;
  total: number;
  done: number;
  funnel: StageStateCount[];
}

const TERMINAL_STATES: readonly string[] = ['completed', 'failed', 'invalid', 'expired', 'live'];

function isTerminal(state: string): boolean {
  return TERMINAL_STATES.includes(state);
}

export function isCustomerState(s: string): s is CustomerState {
  return (STATES as readonly string[]).includes(s);
}

export async function batchSummary(ledger: Ledger, batchId: string, meta?: { createdAt: string | null; source: string | null }): Promise<BatchSummary> {
  const [exists, funnel, invalid] = await Promise.all([ledger.batchExists(batchId), ledger.index.stageStateCounts(batchId), ledger.invalidCount(batchId)]);
  const counts = emptyCounts();
  for (const f of funnel) counts[f.state] += f.count;
  counts.invalid += invalid;
  if (invalid > 0) funnel.push({ stage: 'ingest', state: 'invalid', count: invalid });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const done = Object.entries(counts).reduce((a, [s, n]) => a + (isTerminal(s) ? n : 0), 0);
  return { batchId, exists, createdAt: meta?.createdAt ?? null, source: meta?.source ?? null, counts, total, done, funnel };
}

export async function listBatchSummaries(ledger: Ledger): Promise<BatchSummary[]> {
  const batches = await ledger.listBatches();
  return Promise.all(batches.map((b) => batchSummary(ledger, b.batchId, b)));
}

/** Accepted customers as the views show them (action and fees included); ids with no record are left out. */
export async function accepted(ledger: Ledger, batchId: string, ids: string[]): Promise<BatchCustomer[]> {
  const [recs, fees] = await Promise.all([ledger.getMany(ids), ledger.fees.entriesMany(ids)]);
  const out: BatchCustomer[] = [];
  recs.forEach((r, i) => {
    if (!r) return;
    out.push({
      customerId: r.customerId,
      row: r.row,
      stage: r.stage,
      state: r.state,
      reason: r.reason,
      action: r.action ?? campaignNotUpdatedAction(r.customerId, r.status) ?? suggestAction({ state: r.state, stage: r.stage, reason: r.reason, details: r.details, customerId: r.customerId, batchId, flow: r.flow }),
      details: r.details,
      sids: r.sids,
      status: r.rawStatus,
      createdAt: r.createdAt || null,
      updatedAt: r.updatedAt || null,
      fees: sumEntries(fees[i] ?? []),
    });
  });
  return out;
}

async function invalidPage(ledger: Ledger, batchId: string, offset: number, count: number): Promise<BatchCustomer[]> {
  const rows = await ledger.invalidRowsPage(batchId, offset, count);
  return rows.map((r) => ({
    customerId: r.customerId,
    row: r.row,
    stage: 'ingest',
    state: 'invalid' as const,
    reason: r.reason,
    action: suggestAction({ state: 'invalid', stage: 'ingest', reason: r.reason, column: r.column ?? null, rule: r.rule ?? null, customerId: r.customerId, batchId }),
    details: null,
    sids: {},
    status: {},
    createdAt: null,
    updatedAt: null,
  }));
}

/** How many customers a page of this filter can reach. */
export async function filteredTotal(ledger: Ledger, batchId: string, state: CustomerState | undefined): Promise<number> {
  if (state === 'invalid') return ledger.invalidCount(batchId);
  if (state) return (await ledger.index.stateCounts(batchId))[state];
  const [a, i] = await Promise.all([ledger.batchSize(batchId), ledger.invalidCount(batchId)]);
  return a + i;
}

/** One page of a batch's customers, optionally only those in one state. */
export async function customersPage(ledger: Ledger, batchId: string, state: CustomerState | undefined, offset: number, limit: number): Promise<BatchCustomer[]> {
  if (limit <= 0) return [];
  if (state === 'invalid') return invalidPage(ledger, batchId, offset, limit);
  if (state) return accepted(ledger, batchId, await ledger.index.idsInState(batchId, state, offset, limit));
  const size = await ledger.batchSize(batchId);
  const out: BatchCustomer[] = [];
  let consumed = 0;
  if (offset < size) {
    const ids = await ledger.batchCustomerIds(batchId, offset, limit);
    consumed = ids.length;
    out.push(...(await accepted(ledger, batchId, ids)));
  }
  if (limit - consumed > 0) out.push(...(await invalidPage(ledger, batchId, Math.max(0, offset - size), limit - consumed)));
  return out;
}

/** Every customer of a batch (or of one state), a page at a time, for exports. */
export async function* allCustomers(ledger: Ledger, batchId: string, state?: CustomerState, pageSize = 500): AsyncGenerator<BatchCustomer> {
  if (state !== 'invalid') {
    for (let offset = 0; ; offset += pageSize) {
      const ids = state ? await ledger.index.idsInState(batchId, state, offset, pageSize) : await ledger.batchCustomerIds(batchId, offset, pageSize);
      yield* await accepted(ledger, batchId, ids);
      if (ids.length < pageSize) break;
    }
  }
  if (state === undefined || state === 'invalid') {
    for (let offset = 0; ; offset += pageSize) {
      const page = await invalidPage(ledger, batchId, offset, pageSize);
      yield* page;
      if (page.length < pageSize) break;
    }
  }
}
