import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { batchStatus } from '../../src/ledger/batch-status.js';
import { createLogger } from '../../src/log.js';
import { ingestFile } from '../../src/producers/ingest.js';
import type { RequestLogEntry } from '@a2p-onboard/twilio-sandbox';
import { budgetStats } from '../../src/twilio/budget.js';
import { startWorkers } from '../../src/workers/index.js';
import { createRuntime } from '../../src/workers/runtime.js';
import type { SandboxProcess } from './sandbox-process.js';

/** One batch through the real pipeline (runtime and workers in this process, as `a2p-onboard worker` runs them). */

export interface PipelineRun {
  n: number;
  completed: number;
  failed: number;
  /** Ingest start to the last customer's last ledger write. */
  wallMs: number;
  ingestMs: number;
  /** CPU of this process (workers, ledger, HTTP client) and of redis-server during the run. */
  cpuMs: number;
  redisCpuMs: number;
  /** Sandbox requests made by the batch (setup calls before it excluded). */
  log: RequestLogEntry[];
  /** Stage jobs BullMQ completed (each stage, each customer, re-checks included). */
  jobs: number;
  /** When each call of the batch left this process (epoch ms), and its method and URL. */
  sent: { at: number; url: string }[];
  /** What the budgets did in this process during the run. */
  budget: typeof budgetStats;
}

export const silent = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

export async function redisCpuMs(redisUrl: string): Promise<number> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await r.info('cpu');
    const get = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (get('used_cpu_sys') + get('used_cpu_user')) * 1000;
  } finally {
    r.disconnect();
  }
}

export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export async function runPipeline(opts: {
  redisUrl: string;
  sandbox: SandboxProcess;
  env: Partial<Record<keyof Config, string>>;
  csvFile: string;
  templateFile: string;
  timeoutMs: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<PipelineRun> {
  const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
  const config = loadConfig({}, {
    REDIS_URL: opts.redisUrl,
    QUEUE_PREFIX: prefix,
    TWILIO_ACCOUNT_SID: opts.sandbox.accountSid,
    TWILIO_AUTH_TOKEN: opts.sandbox.authToken,
    TWILIO_API_BASE: opts.sandbox.url,
    LOG_LEVEL: 'silent',
    // Customers who answered the OTP wait for a sweep's re-check: sweep at the sandbox's pace.
    SWEEP_INTERVAL_MS: '250',
    SWEEP_MAX_INTERVAL_MS: '1000',
    ...opts.env,
  });
  // When each call left this process (its start), next to when the sandbox says it arrived.
  const sent: { at: number; url: string }[] = [];
  const rt = await createRuntime(config, silent, { onCall: (i) => sent.push({ at: performance.timeOrigin + performance.now() - i.ms, url: `${i.method} ${i.url}` }) });
  const pool = startWorkers(rt);
  try {
    const stats0 = { ...budgetStats };
    const redis0 = await redisCpuMs(opts.redisUrl);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const report = await ingestFile(rt, opts.csvFile, { templatePath: opts.templateFile, batchId: 'bench' });
    const ingestMs = Date.now() - t0;
    // Cheap progress (two counters, not every record): finished campaigns plus dead letters.
    const finished = async () => {
      const c = await rt.queues.campaign.getJobCounts('completed');
      const d = await rt.queues['dead-letter'].getJobCounts();
      return (c['completed'] ?? 0) + Object.values(d).reduce((a, b) => a + b, 0);
    };
    for (let done = await finished(); done < report.accepted; done = await finished()) {
      if (Date.now() - t0 > opts.timeoutMs) throw new Error(`batch not done after ${opts.timeoutMs} ms: ${done}/${report.accepted}`);
      opts.onProgress?.(done, report.accepted);
      await sleep(250);
    }
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await redisCpuMs(opts.redisUrl)) - redis0;
    const status = await batchStatus(rt.ledger, 'bench');
    // The pipeline's work ends when a customer's campaign is submitted (`completed`); the move to
    // `live` later is Twilio's vetting seen by a sweep, not throughput. So: the last campaign job's end,
    // or a dead-letter's for customers that failed.
    const ends: number[] = [];
    for (const q of [rt.queues.campaign, rt.queues['dead-letter']]) {
      for (const j of await q.getJobs(['completed', 'waiting', 'failed'], 0, report.accepted + 10)) ends.push(j.finishedOn ?? j.timestamp);
    }
    const end = Math.max(...ends);
    const log = (await opts.sandbox.requestLog()).filter((e) => e.at >= t0);
    let jobs = 0;
    for (const q of Object.values(rt.queues)) jobs += (await q.getJobCounts('completed'))['completed'] ?? 0;
    return {
      n: report.accepted,
      completed: status.counts.completed + status.counts.live,
      failed: status.counts.failed,
      wallMs: end - t0,
      ingestMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      redisCpuMs: redisCpu,
      log,
      sent: sent.filter((x) => x.at >= t0),
      jobs,
      budget: {
        taken: budgetStats.taken - stats0.taken,
        late: budgetStats.late - stats0.late,
        deferred: budgetStats.deferred - stats0.deferred,
        exhausted: budgetStats.exhausted - stats0.exhausted,
      },
    };
  } finally {
    await pool.close(5_000);
    await rt.close();
    await deletePrefix(opts.redisUrl, prefix);
  }
}
