import cliProgress from 'cli-progress';
import { batchStatus, type BatchStatus } from '../ledger/batch-status.js';
import type { Ledger } from '../ledger/ledger.js';

/** Wait until every customer of a batch is completed, failed or invalid, showing progress. */
export async function waitForBatch(
  ledger: Ledger,
  batch: string,
  opts: { timeoutMs?: number | undefined; intervalMs?: number; out?: NodeJS.WriteStream; quiet?: boolean } = {},
): Promise<{ status: BatchStatus; timedOut: boolean }> {
  const out = opts.out ?? process.stderr;
  const interval = opts.intervalMs ?? 500;
  const started = Date.now();
  const tty = !opts.quiet && out.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  try {
    for (;;) {
      const status = await batchStatus(ledger, batch);
      const { counts } = status;
      const payload = { completed: counts.completed, failed: counts.failed, invalid: counts.invalid, otp: counts.awaiting_otp };
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              format: ' {bar} {value}/{total} done | {completed} completed, {failed} failed, {invalid} invalid, {otp} awaiting OTP | {duration_formatted} elapsed, ETA {eta_formatted}',
              hideCursor: true,
              stream: out,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(status.total, status.done, payload);
        }
        bar.setTotal(status.total);
        bar.update(status.done, payload);
      } else if (!opts.quiet && Date.now() - lastLine >= 5_000) {
        lastLine = Date.now();
        const secs = Math.round((Date.now() - started) / 1000);
        out.write(`[${batch}] ${status.done}/${status.total} done: ${counts.completed} completed, ${counts.failed} failed, ${counts.invalid} invalid, ${counts.awaiting_otp} awaiting OTP, ${counts.in_progress} in progress (${secs}s)\n`);
      }
      if (status.exists && status.done === status.total) return { status, timedOut: false };
      if (opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs) return { status, timedOut: true };
      await new Promise((r) => setTimeout(r, interval));
    }
  } finally {
    bar?.stop();
  }
}
