/**
 * `npm run bench`: the four comparisons of docs/performance.md, measured in one run, printed as a
 * table and written to bench/results/latest.json.
 *
 *   npm run bench                                  everything, full size (about 15 minutes on 2 cores)
 *   npm run bench -- --only efficiency,naive --n 100
 *   npm run bench -- --only ingest --rows 100000
 *
 * Redis: REDIS_URL, or a private redis-server started for the run. Big generated CSVs go to the
 * OS temp dir, never into the repository.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startLocalRedis, type LocalRedis } from '../src/local-redis.js';
import { EFFICIENCY_DEFAULTS, runEfficiency, type EfficiencyResult } from './efficiency.js';
import { runIngest, type IngestResult } from './ingest.js';
import { runNaive, type NaiveResult } from './naive.js';
import { runOverhead, type OverheadResult } from './overhead.js';
import { EVENTS_BENCH_DEFAULTS, runEventsBench, type EventsBenchResult } from './events.js';

const BENCHES = ['efficiency', 'naive', 'overhead', 'ingest', 'events'] as const;
type BenchName = (typeof BENCHES)[number];

const { values: raw } = parseArgs({
  options: {
    only: { type: 'string' },
    n: { type: 'string' },
    'account-rps': { type: 'string' },
    'registration-rps': { type: 'string' },
    'wait-ms': { type: 'string' },
    concurrency: { type: 'string' },
    'naive-n': { type: 'string' },
    'overhead-n': { type: 'string' },
    'overhead-concurrency': { type: 'string' },
    rows: { type: 'string' },
    'events-n': { type: 'string' },
    'events-scale': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (raw.help) {
  console.log(`npm run bench -- [options]
  --only LIST              comma-separated: ${BENCHES.join(',')} (default: all)
  --n N                    customers in the efficiency run (default ${EFFICIENCY_DEFAULTS.n})
  --account-rps R          account budget, sandbox and workers (default ${EFFICIENCY_DEFAULTS.accountRps})
  --registration-rps R     brand + campaign registration budget (default ${EFFICIENCY_DEFAULTS.registrationRps})
  --wait-ms MS             validation wait, Twilio's 30 s scaled (default ${EFFICIENCY_DEFAULTS.waitMs})
  --concurrency C          WORKER_CONCURRENCY (default ${EFFICIENCY_DEFAULTS.concurrency})
  --naive-n N              customers run the naive way (default 3)
  --overhead-n N           customers in the overhead run (default 1000)
  --overhead-concurrency C WORKER_CONCURRENCY there, and the bare loop's (default 32: enough jobs in flight to find the CPU limit)
  --rows N                 rows in the ingest CSV (default 1000000)
  --events-n N             customers per mode in the events run (default ${EVENTS_BENCH_DEFAULTS.n})
  --events-scale S         durations of the scaled modes divided by S (default ${EVENTS_BENCH_DEFAULTS.scale})
  --out FILE               results file (default bench/results/latest.json)`);
  process.exit(0);
}

const pos = (d: number) => z.coerce.number().positive().default(d);
const opts = z
  .object({
    only: z
      .string()
      .default(BENCHES.join(','))
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.enum(BENCHES))),
    n: pos(EFFICIENCY_DEFAULTS.n).pipe(z.number().int()),
    'account-rps': pos(EFFICIENCY_DEFAULTS.accountRps),
    'registration-rps': pos(EFFICIENCY_DEFAULTS.registrationRps),
    'wait-ms': pos(EFFICIENCY_DEFAULTS.waitMs).pipe(z.number().int()),
    concurrency: pos(EFFICIENCY_DEFAULTS.concurrency).pipe(z.number().int()),
    'naive-n': pos(3).pipe(z.number().int()),
    'overhead-n': pos(1000).pipe(z.number().int()),
    'overhead-concurrency': pos(32).pipe(z.number().int()),
    rows: pos(1_000_000).pipe(z.number().int()),
    'events-n': pos(EVENTS_BENCH_DEFAULTS.n).pipe(z.number().int()),
    'events-scale': pos(EVENTS_BENCH_DEFAULTS.scale),
    out: z.string().default(fileURLToPath(new URL('results/latest.json', import.meta.url))),
  })
  .parse(raw);

const progress = (msg: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${msg}`);
};
const say = (msg: string) => {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
  process.stderr.write(`${msg}\n`);
};
const want = (b: BenchName) => opts.only.includes(b);

const settings = {
  ...EFFICIENCY_DEFAULTS,
  n: opts.n,
  accountRps: opts['account-rps'],
  registrationRps: opts['registration-rps'],
  waitMs: opts['wait-ms'],
  concurrency: opts.concurrency,
};

let local: LocalRedis | undefined;
let redisUrl = process.env['REDIS_URL'];
if (!redisUrl) {
  local = await startLocalRedis();
  redisUrl = local.url;
}

const results: { efficiency?: EfficiencyResult; naive?: NaiveResult; overhead?: OverheadResult; ingest?: IngestResult; events?: EventsBenchResult } = {};
const started = new Date();
// The host's load while we measure: on a shared machine, other work steals the CPU the pipeline's timing needs.
const loads: number[] = [];
const loadTimer = setInterval(() => loads.push(loadavg()[0]!), 5_000);
try {
  if (want('efficiency')) {
    say(`(a) efficiency: ${settings.n} customers, account ${settings.accountRps}/s, registration ${settings.registrationRps}/s, waits ${settings.waitMs} ms`);
    results.efficiency = await runEfficiency(redisUrl, settings, progress);
  }
  if (want('naive')) {
    say(`(b) naive baseline: ${opts['naive-n']} customers one after another`);
    results.naive = await runNaive(settings, opts['naive-n'], settings.n, progress);
  }
  if (want('overhead')) {
    say(`(c) orchestration overhead: ${opts['overhead-n']} customers, zero-latency unlimited sandbox`);
    results.overhead = await runOverhead(redisUrl, opts['overhead-n'], opts['overhead-concurrency'], progress);
  }
  if (want('ingest')) {
    say(`(d) ingest: ${opts.rows} rows`);
    results.ingest = await runIngest(redisUrl, opts.rows, progress);
  }
  if (want('events')) {
    const es = { ...EVENTS_BENCH_DEFAULTS, n: opts['events-n'], scale: opts['events-scale'] };
    say(`(e) noticing Twilio's decisions: ${es.n} customers per mode; OTP reply after ${es.otpReplyHours} h, campaign vetting ${es.campaignDays} day (run 1:${es.scale}), and events in real time`);
    results.events = await runEventsBench(redisUrl, es, progress);
  }
} finally {
  clearInterval(loadTimer);
  await local?.stop();
}
const load = { mean: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length), max: Math.max(0, ...loads) };
say('');

// ---- the table ----
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const rows: [string, string, string, string][] = [];
const e = results.efficiency;
if (e) {
  rows.push([
    `(a) efficiency, ${e.settings.n} customers`,
    `${f(e.wallS)} s wall`,
    `${f(e.minS)} s minimum (${e.bound.binding}-bound)`,
    `${f(e.efficiency, 3)} of the minimum`,
  ]);
}
const nv = results.naive;
if (nv) {
  const ours = e ? e.wallS : NaN;
  rows.push([
    `(b) naive, ${nv.n} run, extrapolated to ${nv.extrapolatedTo}`,
    `${f(nv.extrapolatedS)} s (${f(nv.perCustomerS, 2)} s/customer)`,
    e ? `${f(ours)} s ours` : 'run (a) to compare',
    e ? `${f(nv.extrapolatedS / ours, 1)}x faster` : '-',
  ]);
}
const o = results.overhead;
if (o) {
  rows.push([
    `(c) overhead, ${o.n} customers, no limits`,
    `${f(o.ours.customersPerS)} customers/s (${f(o.ours.callsPerS, 0)} calls/s)`,
    `${f(o.bare.customersPerS)} chains/s bare BullMQ (${f(o.bare.jobsPerS, 0)} jobs/s)`,
    `${f(o.ratio, 2)} of bare BullMQ`,
  ]);
}
const ig = results.ingest;
if (ig) {
  rows.push([
    `(d) ingest, ${ig.rows} rows (${f(ig.fileMb, 0)} MB)`,
    `${f(ig.ingest.rowsPerS, 0)} rows/s, peak RSS ${f(ig.ingest.peakRssMb, 0)} MB`,
    `${f(ig.parseOnly.rowsPerS, 0)} rows/s csv-parse alone, ${f(ig.parseOnly.peakRssMb, 0)} MB`,
    `${f(ig.ratio, 2)} of csv-parse`,
  ]);
}
const head: [string, string, string, string] = ['benchmark', 'ours', 'reference', 'ratio'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
if (e) {
  console.log('');
  console.log(`(a) calls per customer: ${f(e.callsPerCustomer.account, 2)} (registration ${f(e.callsPerCustomer.registration, 2)}, OTP ${f(e.callsPerCustomer.otp, 2)}); waits per customer: ${e.waitsPerCustomer} x ${e.settings.waitMs} ms`);
  console.log(`    minimum = max(one customer ${f(e.bound.oneCustomerS)} s, account ${f(e.bound.accountS)} s, registration ${f(e.bound.registrationS)} s, OTP ${f(e.bound.otpS)} s)`);
  console.log(`    busiest second at the sandbox: ${e.windows.maxAccount}/${e.settings.accountRps} calls, ${e.windows.maxRegistration}/${e.settings.registrationRps} registrations (as sent: ${e.sentWindows.maxAccount}, ${e.sentWindows.maxRegistration}); 429s: ${e.windows.tooMany}; ${e.completed} completed, ${e.failed} failed`);
  console.log(`    account budget used ${f(e.utilisation.account * 100)}% of the wall time; budget slots: ${e.budget.taken} used, ${e.budget.late} given up late, ${e.budget.exhausted} jobs sent back`);
}
const ev = results.events;
if (ev) {
  const secs = (x: number) => (x >= 3600 ? `${f(x / 3600, 1)} h` : x >= 60 ? `${f(x / 60, 1)} min` : `${f(x, 1)} s`);
  console.log('');
  console.log('(e) mode       | YES -> campaign submitted (p50 / max) | approved -> live (p50 / max) | Twilio calls per waiting customer per hour');
  for (const m of ev.modes) {
    const cell = (x: { p50: number; max: number; measured: string }) => `${secs(x.p50)} / ${secs(x.max)} (${x.measured})`;
    console.log(`    ${m.mode.padEnd(10)} | ${cell(m.verifiedToCampaignS).padEnd(37)} | ${cell(m.approvedToLiveS).padEnd(28)} | ${f(m.callsPerWaitingHour, 2)} (${m.live}/${m.n} live)`);
  }
  console.log(`    the pipeline's own time after a push: ${f(ev.processingMs.verifiedToCampaign, 0)} ms to submit the campaign, ${f(ev.processingMs.approvedToLive, 0)} ms to live (real time, p50)`);
}
if (o) {
  console.log(`(c) CPU per customer: ${f((o.ours.cpuS / o.n) * 1000, 1)} ms node + ${f((o.ours.redisCpuS / o.n) * 1000, 1)} ms redis; projected on 2 cores: ${f(o.projectedCallsPerSOn2Cores, 0)} calls/s (target ${o.target}/s, 10x TWILIO_MAX_RPS's default)`);
}

console.log(`host: ${cpus().length} CPUs, 1-minute load average during the run ${f(load.mean, 2)} (max ${f(load.max, 2)})`);

mkdirSync(fileURLToPath(new URL('results/', import.meta.url)), { recursive: true });
const machine = { hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform, loadAverage1m: load };
writeFileSync(opts.out, `${JSON.stringify({ startedAt: started.toISOString(), finishedAt: new Date().toISOString(), machine, options: opts, results }, null, 2)}\n`);
say(`results written to ${opts.out}`);
