import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { benchCsv, benchTemplateFile } from './lib/customers.js';
import { deletePrefix, redisCpuMs, runPipeline } from './lib/pipeline.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

/**
 * (c) Orchestration overhead: the sandbox answers at once, with no budget and no waits, so
 * the only limit is our own machinery (BullMQ, the ledger, the budgets' Redis script, zod,
 * twilio-node). Next to it: a bare BullMQ loop on the same Redis, the same number of jobs,
 * chained stage to stage through as many queues with the same concurrency, doing nothing else.
 */

export interface OverheadResult {
  n: number;
  concurrency: number;
  ours: { wallS: number; customersPerS: number; callsPerS: number; jobs: number; cpuS: number; redisCpuS: number; callsPerCustomer: number };
  bare: { wallS: number; customersPerS: number; jobsPerS: number; jobs: number; cpuS: number; redisCpuS: number };
  /** ours.customersPerS / bare.customersPerS */
  ratio: number;
  /** Twilio calls per second the pipeline could drive on 2 cores, from its CPU (and Redis's) per call. */
  projectedCallsPerSOn2Cores: number;
  /** Ten times TWILIO_MAX_RPS's default (25/s). */
  target: number;
}

export async function runOverhead(redisUrl: string, n: number, concurrency: number, progress: (msg: string) => void): Promise<OverheadResult> {
  const sandbox = await startSandboxProcess({ maxRps: 0, otpRps: 0, latencyMs: 0, reviewDelayMs: 0, brandDelayMs: 0, otpReplyDelayMs: 0, campaignDelayMs: 0 });
  let ours: OverheadResult['ours'];
  try {
    const run = await runPipeline({
      redisUrl,
      sandbox,
      csvFile: await benchCsv(n, 'o'),
      templateFile: benchTemplateFile(),
      timeoutMs: 600_000,
      env: {
        TWILIO_MAX_RPS: '100000',
        REGISTRATION_RPS: '100000',
        OTP_RPS: '100000',
        VALIDATION_WAIT_MS: '0',
        STATUS_POLL_MAX_MS: '250',
        WORKER_CONCURRENCY: String(concurrency),
        BUDGET_JITTER_MS: '0',
      },
      onProgress: (done, total) => progress(`overhead (ours): ${done}/${total}`),
    });
    if (run.completed !== n) throw new Error(`overhead run: ${run.completed}/${n} completed, ${run.failed} failed`);
    const wallS = run.wallMs / 1000;
    ours = {
      wallS,
      customersPerS: n / wallS,
      callsPerS: run.log.length / wallS,
      jobs: run.jobs,
      cpuS: run.cpuMs / 1000,
      redisCpuS: run.redisCpuMs / 1000,
      callsPerCustomer: run.log.length / n,
    };
  } finally {
    await sandbox.stop();
  }

  const bare = await runBare(redisUrl, n, Math.max(1, Math.round(ours.jobs / n)), concurrency, progress);
  const cpuPerCall = (ours.cpuS + ours.redisCpuS) / (ours.callsPerCustomer * n);
  return {
    n,
    concurrency,
    ours,
    bare,
    ratio: ours.customersPerS / bare.customersPerS,
    projectedCallsPerSOn2Cores: 2 / cpuPerCall,
    target: 250,
  };
}

/** n chains of `stages` jobs: each job, when processed, adds the next stage's job (as our stages do), nothing more. */
async function runBare(redisUrl: string, n: number, stages: number, concurrency: number, progress: (msg: string) => void): Promise<OverheadResult['bare']> {
  const prefix = `{bench-bare-${randomUUID().slice(0, 8)}}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const names = Array.from({ length: stages }, (_, i) => `stage${i}`);
  const queues = names.map((name) => new Queue(name, { connection, prefix, defaultJobOptions: { removeOnComplete: { count: 100_000 }, removeOnFail: false } }));
  let finished = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const workers = names.map(
    (name, i) =>
      new Worker(
        name,
        async (job: Job<{ c: number }>) => {
          const next = queues[i + 1];
          if (next) await next.add(names[i + 1]!, job.data, { jobId: `${names[i + 1]}.${job.data.c}` });
          else if (++finished === n) resolveDone();
        },
        { connection, prefix, concurrency },
      ),
  );
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const redis0 = await redisCpuMs(redisUrl);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    for (let i = 0; i < n; i += 500) {
      await queues[0]!.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ name: names[0]!, data: { c: i + k }, opts: { jobId: `${names[0]}.${i + k}` } })));
    }
    const ticker = setInterval(() => progress(`overhead (bare BullMQ): ${finished}/${n}`), 500);
    await done;
    clearInterval(ticker);
    const wallS = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const redisCpuS = ((await redisCpuMs(redisUrl)) - redis0) / 1000;
    return { wallS, customersPerS: n / wallS, jobsPerS: (n * stages) / wallS, jobs: n * stages, cpuS: (cpu.user + cpu.system) / 1e6, redisCpuS };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
    await deletePrefix(redisUrl, prefix);
  }
}
