import { countsByStage, type BatchStatus } from '../ledger/batch-status.js';
import { STATES } from '../ledger/states.js';
import type { IngestReport } from '../producers/ingest.js';
import { safeCell } from '../customers/neutralise.js';
import { STAGE_NAMES } from '../jobs/registry.js';
import { FEE_KINDS, describeTotals, emptyTotals, type FeeTotals } from '../ledger/fees.js';

/**
 * Human-readable output of the commands. Reasons name columns and rules, never PII values.
 * Whatever came from the CSV (ids, header names, values quoted in reasons) goes through
 * safeCell: control characters escaped, spreadsheet formulas neutralised.
 */

export function printIngest(r: IngestReport, out: NodeJS.WritableStream = process.stdout): void {
  const upd = r.updated || r.unchanged ? `, ${r.updated} updated and redriven, ${r.unchanged} unchanged` : '';
  out.write(`${r.dryRun ? 'Dry run: batch' : 'Batch'} ${r.batch}: ${r.accepted} accepted${upd}, ${r.rejected.length} rejected${r.dryRun ? ' (nothing enqueued)' : ''}\n`);
  if (r.unknownColumns.length) {
    const shown = r.unknownColumns.slice(0, 20).map((c) => safeCell(c.length > 40 ? `${c.slice(0, 40)}…` : c));
    out.write(`Ignored unknown columns: ${shown.join(', ')}${r.unknownColumns.length > 20 ? `, and ${r.unknownColumns.length - 20} more` : ''}\n`);
  }
  if (r.accepted === 0 && r.rejected.length === 0 && r.updated === 0 && r.unchanged === 0) out.write('No customer rows after the header: nothing to register.\n');
  for (const x of r.rejected) out.write(`  row ${x.row}${x.customerId ? ` (${safeCell(x.customerId)})` : ''}: ${safeCell(x.reason)}\n`);
  const fixed = r.campaignNotUpdatable ?? [];
  if (fixed.length) {
    out.write(`Campaign corrections Twilio cannot update in place (not sent; the other corrections were):\n`);
    for (const x of fixed) out.write(`  row ${x.row} (${safeCell(x.customerId)}): ${x.fields.join(', ')}: to apply, a2p-onboard redrive --recreate-campaign --customer ${safeCell(x.customerId)} (a new campaign vetting fee)\n`);
  }
}

/** The funnel's order, the registry's (this list once lacked the business stages, which then sorted before ingest). */
const STAGE_ORDER: readonly string[] = ['ingest', ...STAGE_NAMES];

export function printStatus(s: BatchStatus, out: NodeJS.WritableStream = process.stdout): void {
  const c = s.counts;
  out.write(
    `Batch ${s.batch}: ${s.total} rows: ${c.live} live, ${c.completed} completed (campaign in vetting), ${c.awaiting_otp} awaiting OTP, ${c.awaiting_email} awaiting brand email, ` +
      `${c.in_progress} in progress, ${c.failed} failed, ${c.expired} expired, ${c.invalid} invalid\n`,
  );
  out.write(`Twilio fees incurred: ${describeTotals(s.fees ?? emptyTotals())}\n\n`);
  // Counts per stage and state: where the batch is, at a glance.
  const byStage = countsByStage(s);
  const states = STATES.filter((st) => s.customers.some((x) => x.state === st));
  const stages = [...byStage.keys()].sort((a, b) => STAGE_ORDER.indexOf(a) - STAGE_ORDER.indexOf(b));
  const sw = Math.max(5, ...stages.map((x) => x.length));
  const cw = states.map((st) => Math.max(st.length, 3));
  out.write(`  ${'stage'.padEnd(sw)}  ${states.map((st, i) => st.padStart(cw[i]!)).join('  ')}\n`);
  for (const stage of stages) {
    const row = byStage.get(stage)!;
    out.write(`  ${stage.padEnd(sw)}  ${states.map((st, i) => String(row[st] || '-').padStart(cw[i]!)).join('  ')}\n`);
  }
  out.write('\n');
  const w = Math.max(11, ...s.customers.map((x) => (x.customerId ?? '').length));
  out.write(`  ${'row'.padEnd(5)} ${'customer_id'.padEnd(w)} ${'stage'.padEnd(16)} ${'state'.padEnd(13)} ${'brand'.padEnd(20)} ${'campaign'.padEnd(11)} reason\n`);
  for (const x of s.customers) {
    const brand = x.twilio['brand'] ? `${x.twilio['brand']}${x.twilio['brandIdentity'] ? `/${x.twilio['brandIdentity']}` : ''}` : '-';
    out.write(
      `  ${String(x.row).padEnd(5)} ${safeCell(x.customerId ?? '-').padEnd(w)} ${x.stage.padEnd(16)} ${x.state.padEnd(13)} ${brand.padEnd(20)} ${(x.twilio['campaign'] ?? '-').padEnd(11)} ${safeCell(x.reason ?? '')}\n`,
    );
    // A customer with an action the operator must take: failed, expired, and a waiting one with a reason (no sender number,
    // a brand IN_REVIEW too long) or corrections Twilio could not apply in place.
    if (x.action && (x.state === 'failed' || x.state === 'expired' || x.state === 'completed' || x.state === 'live' || x.reason)) out.write(`  ${' '.repeat(5 + w + 16 + 13 + 20 + 11 + 5)} what to do: ${x.action}\n`);
  }
}

/** Fees as JSON: dollars with cents, per kind. */
function feesJson(t: FeeTotals) {
  return {
    totalUsd: (t.cents / 100).toFixed(2),
    byKind: Object.fromEntries(FEE_KINDS.map((k) => [k, { count: t.byKind[k].count, mock: t.byKind[k].mock, usd: (t.byKind[k].cents / 100).toFixed(2) }])),
  };
}

export function statusJson(s: BatchStatus) {
  return {
    batch: s.batch,
    fees: feesJson(s.fees ?? emptyTotals()),
    customers: s.customers.map((x) => ({ customerId: x.customerId, row: x.row, stage: x.stage, state: x.state, reason: x.reason, action: x.action, twilio: x.twilio, sids: x.sids })),
  };
}
