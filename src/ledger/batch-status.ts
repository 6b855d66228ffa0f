import type { Ledger } from './ledger.js';
import { STATES, type CustomerState } from './states.js';
import type { FeeTotals } from './fees.js';
import { campaignNotUpdatedAction } from '../reports/actions.js';

/** A batch as operators see it: every row accounted for, accepted customers and rows refused at ingest. */

export interface CustomerStatus {
  customerId: string | null;
  row: number;
  stage: string;
  state: CustomerState;
  reason: string | null;
  action: string | null;
  sids: Record<string, string>;
  /** Twilio's statuses last seen: customerProfile, trustProduct, brand, brandIdentity, campaign. */
  twilio: Record<string, string>;
  updatedAt: string | null;
}

export interface BatchStatus {
  batch: string;
  exists: boolean;
  counts: Record<CustomerState, number>;
  total: number;
  done: number;
  customers: CustomerStatus[];
  /** Twilio fees the batch has incurred so far (recorded per submission). */
  fees?: FeeTotals;
}

/** Nothing left for the pipeline to do right now: `wait` returns once every row is here. */
const TERMINAL: readonly CustomerState[] = ['completed', 'live', 'failed', 'expired', 'invalid'];

export async function batchStatus(ledger: Ledger, batch: string): Promise<BatchStatus> {
  const exists = await ledger.batchExists(batch);
  const customers: CustomerStatus[] = [];
  for (let offset = 0; ; offset += 1000) {
    const ids = await ledger.batchCustomerIds(batch, offset, 1000);
    if (ids.length === 0) break;
    const recs = await ledger.getMany(ids);
    recs.forEach((r, i) => {
      if (!r) return;
      customers.push({ customerId: ids[i]!, row: r.row, stage: r.stage, state: r.state, reason: r.reason, action: r.action ?? campaignNotUpdatedAction(ids[i]!, r.status), sids: { ...r.sids }, twilio: twilioStatuses(r.rawStatus), updatedAt: r.updatedAt });
    });
    if (ids.length < 1000) break;
  }
  for (const inv of await ledger.invalidRows(batch)) {
    customers.push({ customerId: inv.customerId, row: inv.row, stage: 'ingest', state: 'invalid', reason: inv.reason, action: 'fix the row in the CSV and ingest it again', sids: {}, twilio: {}, updatedAt: null });
  }
  customers.sort((a, b) => a.row - b.row);
  const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CustomerState, number>;
  for (const c of customers) counts[c.state] += 1;
  const done = customers.filter((c) => TERMINAL.includes(c.state)).length;
  return { batch, exists, counts, total: customers.length, done, customers, fees: await ledger.fees.batchTotals(batch) };
}

const TWILIO_STATUS_KEYS = ['customerProfile', 'trustProduct', 'brand', 'brandIdentity', 'campaign'] as const;

function twilioStatuses(status: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of TWILIO_STATUS_KEYS) if (status[k]) out[k] = status[k];
  return out;
}

/** Customers per stage and state: the table `status` prints and the funnel pages draw. */
export function countsByStage(s: BatchStatus): Map<string, Record<CustomerState, number>> {
  const out = new Map<string, Record<CustomerState, number>>();
  for (const c of s.customers) {
    let row = out.get(c.stage);
    if (!row) {
      row = Object.fromEntries(STATES.map((st) => [st, 0])) as Record<CustomerState, number>;
      out.set(c.stage, row);
    }
    row[c.state] += 1;
  }
  return out;
}
