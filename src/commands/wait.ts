import { batchStatus, type BatchStatus } from '../ledger/batch-status.js';
import type { Ledger } from '../ledger/ledger.js';
import { SETTLED_STATES, type CustomerState } from '../ledger/states.js';
import { batchSummary } from '../reports/batch-view.js';
import { createProgress } from './progress.js';

/**
 * Wait until every customer of a batch is done for now (completed, live, failed, expired or
 * invalid) or, with `settled`, until none waits on Twilio either (campaign vetting takes days
 * on the real Twilio), showing progress
 * (a bar with rate and ETA on a terminal, a line every 5 s otherwise). Polls the ledger's
 * per-batch counts, a few cheap reads whatever the batch size; reads every customer once,
 * at the end, for the summary.
 */
export async function waitForBatch(
  ledger: Ledger,
  batch: string,
  opts: { timeoutMs?: number | undefined; intervalMs?: number; out?: NodeJS.WriteStream; quiet?: boolean; settled?: boolean } = {},
): Promise<{ status: BatchStatus; timedOut: boolean }> {
  const interval = opts.intervalMs ?? 500;
  const started = Date.now();
  const settledCount = (counts: Record<CustomerState, number>) => SETTLED_STATES.reduce((a, st) => a + counts[st], 0);
  const final = async () => {
    const status = await batchStatus(ledger, batch);
    if (opts.settled) status.done = settledCount(status.counts);
    return status;
  };
  const progress = createProgress({ out: opts.out ?? process.stderr, label: batch, unit: 'customers', quiet: opts.quiet });
  try {
    for (;;) {
      const [s, accepted] = await Promise.all([batchSummary(ledger, batch), ledger.batchSize(batch)]);
      const c = s.counts;
      if (opts.settled) s.done = settledCount(c);
      progress.update({
        value: s.done,
        total: s.total,
        detail: `${s.done}/${s.total} done: ${c.live} live, ${c.completed} completed, ${c.failed} failed, ${c.expired} expired, ${c.invalid} invalid, ${c.awaiting_otp} awaiting OTP, ${c.awaiting_email} awaiting brand email, ${c.in_progress} in progress`,
      });
      // The index may miss a customer whose registration was cut short before it was indexed:
      // then trust only the full read.
      const indexed = s.total - c.invalid >= accepted;
      if (s.exists && s.done === s.total && indexed) return { status: await final(), timedOut: false };
      if (s.exists && s.done === s.total && !indexed) {
        const full = await final();
        if (full.done === full.total) return { status: full, timedOut: false };
      }
      if (opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs) return { status: await final(), timedOut: true };
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    progress.stop();
  }
}
