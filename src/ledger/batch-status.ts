import type { CustomerState, Ledger } from './ledger.js';

/** A batch as operators see it: every row accounted for, accepted customers and rows refused at ingest. */

export interface CustomerStatus {
  customerId: string | null;
  row: number;
  stage: string;
  state: CustomerState;
  reason: string | null;
  sids: Record<string, string>;
  updatedAt: string | null;
}

export interface BatchStatus {
  batch: string;
  exists: boolean;
  counts: Record<CustomerState, number>;
  total: number;
  done: number;
  customers: CustomerStatus[];
}

export const TERMINAL: readonly CustomerState[] = ['completed', 'failed', 'invalid'];

export async function batchStatus(ledger: Ledger, batch: string): Promise<BatchStatus> {
  const exists = await ledger.batchExists(batch);
  const customers: CustomerStatus[] = [];
  for (let offset = 0; ; offset += 1000) {
    const ids = await ledger.batchCustomerIds(batch, offset, 1000);
    if (ids.length === 0) break;
    const recs = await ledger.getMany(ids);
    recs.forEach((r, i) => {
      if (!r) return;
      customers.push({ customerId: ids[i]!, row: r.row, stage: r.stage, state: r.state, reason: r.reason, sids: { ...r.sids }, updatedAt: r.updatedAt });
    });
    if (ids.length < 1000) break;
  }
  for (const inv of await ledger.invalidRows(batch)) {
    customers.push({ customerId: inv.customerId, row: inv.row, stage: 'ingest', state: 'invalid', reason: inv.reason, sids: {}, updatedAt: null });
  }
  customers.sort((a, b) => a.row - b.row);
  const counts: Record<CustomerState, number> = { invalid: 0, in_progress: 0, awaiting_otp: 0, completed: 0, failed: 0 };
  for (const c of customers) counts[c.state] += 1;
  const done = customers.filter((c) => TERMINAL.includes(c.state)).length;
  return { batch, exists, counts, total: customers.length, done, customers };
}
