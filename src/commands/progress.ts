import cliProgress from 'cli-progress';
import type { IngestProgress } from '../producers/ingest.js';

/**
 * Progress for long commands (ingest of a big file, wait): a bar with rate and ETA on a
 * terminal, and a plain line every few seconds otherwise (CI, logs, `| tee`), so a
 * non-interactive run still shows it is alive without flooding the output.
 */

export interface ProgressUpdate {
  /** Work done and total, in any unit (bytes of the file, customers done). */
  value: number;
  total: number;
  /** What the rate counts (rows, customers); defaults to value. */
  count?: number;
  /** Shown after the numbers: a phase, counts by state. */
  detail?: string;
}

export interface Progress {
  update(u: ProgressUpdate): void;
  /** Print the final state (plain mode) and release the terminal. */
  stop(): void;
}

export interface ProgressOptions {
  out?: NodeJS.WriteStream;
  label: string;
  /** What `count` counts, for the rate: "rows", "customers". */
  unit: string;
  quiet?: boolean;
  /** Plain-line interval when not on a terminal. */
  intervalMs?: number;
  now?: () => number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Rate over a sliding window of recent samples: reacts to slowdowns, unlike an average since start. */
class Rate {
  private samples: { t: number; value: number; count: number }[] = [];
  constructor(private readonly windowMs = 15_000) {}
  add(t: number, value: number, count: number): void {
    this.samples.push({ t, value, count });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }
  /** [count per second, value per second] */
  get(): [number, number] {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    if (!a || !b || b.t <= a.t) return [0, 0];
    const dt = (b.t - a.t) / 1000;
    return [(b.count - a.count) / dt, (b.value - a.value) / dt];
  }
}

export function createProgress(opts: ProgressOptions): Progress {
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? Date.now;
  const tty = !opts.quiet && out.isTTY === true;
  const interval = opts.intervalMs ?? 5_000;
  const started = now();
  const rate = new Rate();
  let bar: cliProgress.SingleBar | undefined;
  let last: ProgressUpdate | undefined;
  let lastLine = 0;

  const describe = (u: ProgressUpdate) => {
    const [perSec, valuePerSec] = rate.get();
    const eta = u.value >= u.total ? 0 : valuePerSec > 0 ? (u.total - u.value) / valuePerSec : Number.NaN;
    const pct = u.total > 0 ? Math.floor((100 * u.value) / u.total) : 0;
    const r = perSec > 0 && perSec < 10 ? perSec.toFixed(1) : fmt(perSec);
    return { pct, rate: `${r} ${opts.unit}/s`, eta: formatDuration(eta), elapsed: formatDuration((now() - started) / 1000) };
  };

  return {
    update(u) {
      last = u;
      rate.add(now(), u.value, u.count ?? u.value);
      if (opts.quiet) return;
      const d = describe(u);
      if (tty) {
        const payload = { label: opts.label, rate: d.rate, etaText: d.eta, detail: u.detail ?? '' };
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: ' {label} {bar} {percentage}% | {rate} | ETA {etaText} | {detail}', hideCursor: true, stream: out, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(1, u.total), u.value, payload);
        }
        bar.setTotal(Math.max(1, u.total));
        bar.update(u.value, payload);
      } else if (now() - lastLine >= interval) {
        lastLine = now();
        out.write(`[${opts.label}] ${d.pct}% ${u.detail ?? ''} | ${d.rate}, ETA ${d.eta}, ${d.elapsed} elapsed\n`.replace(/  +/g, ' '));
      }
    },
    stop() {
      if (bar) bar.stop();
      else if (!opts.quiet && !tty && last && lastLine !== now()) {
        const d = describe(last);
        out.write(`[${opts.label}] ${d.pct}% ${last.detail ?? ''} | ${d.elapsed} elapsed\n`.replace(/  +/g, ' '));
      }
    },
  };
}

/** Ingest on one bar: a real run reads the file twice (check, then enqueue), each pass half of the work; a dry run once. */
export function ingestProgress(opts: Omit<ProgressOptions, 'label' | 'unit'> & { label?: string; dryRun?: boolean }) {
  const progress = createProgress({ label: opts.label ?? 'ingest', unit: 'rows', ...opts });
  const passes = opts.dryRun ? 1 : 2;
  return {
    // An arrow, not a method: the CLI hands it on as a callback.
    onProgress: (p: IngestProgress): void => {
      const base = passes === 2 && p.phase === 'enqueuing' ? p.totalBytes : 0;
      const detail =
        p.phase === 'checking'
          ? `checking every row: ${fmt(p.rows)} rows read`
          : `enqueuing: ${fmt(p.rows)} rows, ${fmt(p.accepted)} accepted, ${fmt(p.rejected)} rejected`;
      progress.update({ value: base + p.bytesRead, total: passes * p.totalBytes, count: p.rows, detail });
    },
    stop: () => progress.stop(),
  };
}
