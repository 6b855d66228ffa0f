import type { BatchStatus } from '../ledger/batch-status.js';
import type { IngestReport } from '../producers/ingest.js';

/** Human-readable output of the commands. Reasons name columns and rules, never PII values. */

export function printIngest(r: IngestReport, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${r.dryRun ? 'Dry run: batch' : 'Batch'} ${r.batch}: ${r.accepted} accepted, ${r.rejected.length} rejected${r.dryRun ? ' (nothing enqueued)' : ''}\n`);
  if (r.unknownColumns.length) out.write(`Ignored unknown columns: ${r.unknownColumns.join(', ')}\n`);
  for (const x of r.rejected) out.write(`  row ${x.row}${x.customerId ? ` (${x.customerId})` : ''}: ${x.reason}\n`);
}

export function printStatus(s: BatchStatus, out: NodeJS.WritableStream = process.stdout): void {
  const c = s.counts;
  out.write(`Batch ${s.batch}: ${s.total} rows: ${c.completed} completed, ${c.in_progress} in progress, ${c.awaiting_otp} awaiting OTP, ${c.failed} failed, ${c.invalid} invalid\n`);
  const w = Math.max(11, ...s.customers.map((x) => (x.customerId ?? '').length));
  out.write(`  ${'row'.padEnd(5)} ${'customer_id'.padEnd(w)} ${'stage'.padEnd(16)} ${'state'.padEnd(13)} reason\n`);
  for (const x of s.customers) {
    out.write(`  ${String(x.row).padEnd(5)} ${(x.customerId ?? '-').padEnd(w)} ${x.stage.padEnd(16)} ${x.state.padEnd(13)} ${x.reason ?? ''}\n`);
  }
}

export function statusJson(s: BatchStatus) {
  return {
    batch: s.batch,
    customers: s.customers.map((x) => ({ customerId: x.customerId, stage: x.stage, state: x.state, reason: x.reason })),
  };
}
