import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { SID_NAMES, type Ledger, type SidName } from '../ledger/ledger.js';
import type { CustomerState } from '../ledger/states.js';
import { allCustomers, type BatchCustomer } from './batch-view.js';
import { FEE_KINDS } from '../ledger/fees.js';

/**
 * The batch report: one row per customer (accepted or refused at ingest) with its state,
 * stage, reason, suggested action, every Twilio SID and timestamps. Streamed a page at a
 * time, so a 100k-customer batch never sits in memory. Used by `a2p-onboard report` and
 * the batch page's download links.
 */

export type ReportFormat = 'csv' | 'json';

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const SID_COLUMNS: readonly { name: SidName; column: string }[] = SID_NAMES.map((name) => ({ name, column: `${snake(name)}_sid` }));

/** Fees per customer: the total and each kind, in US dollars with cents (FEE_* settings at the time of each submission). */
const FEE_COLUMNS = ['fees_usd', ...FEE_KINDS.map((k) => `fee_${snake(k)}_usd`), 'fee_submissions'] as const;

export const REPORT_COLUMNS = ['customer_id', 'row', 'state', 'stage', 'reason', 'action', ...SID_COLUMNS.map((c) => c.column), ...FEE_COLUMNS, 'created_at', 'updated_at'] as const;

export type ReportRow = Record<(typeof REPORT_COLUMNS)[number], string | number | null>;

function reportRow(c: BatchCustomer): ReportRow {
  const row: Record<string, string | number | null> = {
    customer_id: c.customerId,
    row: c.row,
    state: c.state,
    stage: c.stage,
    reason: c.reason,
    action: c.action,
  };
  for (const s of SID_COLUMNS) row[s.column] = c.sids[s.name] ?? null;
  const dollars = (cents: number) => (cents / 100).toFixed(2);
  row['fees_usd'] = dollars(c.fees?.cents ?? 0);
  for (const k of FEE_KINDS) row[`fee_${snake(k)}_usd`] = dollars(c.fees?.byKind[k].cents ?? 0);
  row['fee_submissions'] = FEE_KINDS.reduce((a, k) => a + (c.fees?.byKind[k].count ?? 0), 0);
  row['created_at'] = c.createdAt;
  row['updated_at'] = c.updatedAt;
  return row;
}

/**
 * One CSV cell. OWASP's rule against formula injection: a cell starting with = + - @, tab
 * or carriage return gets a leading single quote, so a spreadsheet shows it as text; every
 * cell is quoted, with quotes doubled.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '""';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

function csvLine(values: (string | number | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export interface ExportOptions {
  state?: CustomerState | undefined;
  pageSize?: number;
}

/** Write the report to `out` (not ended here); returns how many customers it holds. */
export async function writeReport(ledger: Ledger, batchId: string, format: ReportFormat, out: Writable, opts: ExportOptions = {}): Promise<number> {
  let n = 0;
  if (format === 'csv') await write(out, csvLine([...REPORT_COLUMNS]));
  else await write(out, '[');
  for await (const c of allCustomers(ledger, batchId, opts.state, opts.pageSize)) {
    const row = reportRow(c);
    if (format === 'csv') await write(out, csvLine(REPORT_COLUMNS.map((k) => row[k] ?? null)));
    else await write(out, `${n === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`);
    n += 1;
  }
  if (format === 'json') await write(out, n === 0 ? ']\n' : '\n]\n');
  return n;
}

export function formatOf(file: string): ReportFormat | null {
  const m = /\.(csv|json)$/i.exec(file);
  return m ? (m[1]!.toLowerCase() as ReportFormat) : null;
}
