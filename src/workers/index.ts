import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { STAGE_NAMES } from '../jobs/registry.js';
import type { AuthError } from '../twilio/errors.js';
import type { Runtime } from './runtime.js';
import { NOTIFY, RECHECK, SWEEP } from './queues.js';
import { createStageWorker } from './stage-worker.js';
import { processSweepJob, scheduleSweeps } from './sweep.js';
import { startNotifications } from './notify-worker.js';

export interface WorkerPool {
  workers: Worker[];
  /**
   * Let in-flight jobs finish for up to `deadlineMs`, then stop; cut-off jobs are retried later (they
   * are idempotent). 'deadline' means jobs were cut off: their code still runs until the process exits,
   * so the caller should exit promptly.
   */
  close(deadlineMs?: number): Promise<'done' | 'deadline'>;
  readonly paused: boolean;
}

/** One BullMQ Worker per stage, one for the sweeps' re-checks and one for the sweep scheduler, sharing the runtime. */
export function startWorkers(rt: Runtime): WorkerPool {
  let paused = false;
  let nagTimer: NodeJS.Timeout | undefined;
  const workers: Worker[] = [];

  const onAuthError = (err: AuthError) => {
    if (paused) return;
    paused = true;
    // Not the customer's fault: stop taking jobs instead of dead-lettering everyone.
    // Notifications keep going: they need no Twilio call, and a failure the ISV hears of is worth hearing.
    for (const w of workers) if (w.name !== NOTIFY) w.pause(true).catch(() => undefined);
    const say = () => rt.log.fatal({ twilio: err.details }, `WORKERS PAUSED: ${err.message}. No customer was failed; fix the credentials and restart the worker.`);
    say();
    nagTimer = setInterval(say, 60_000);
    nagTimer.unref();
  };

  for (const stage of [...STAGE_NAMES, RECHECK]) workers.push(createStageWorker(rt, stage, { onAuthError }));
  workers.push(
    new Worker(SWEEP, (job) => processSweepJob(rt, job), {
      connection: rt.redis,
      prefix: rt.config.QUEUE_PREFIX,
      concurrency: 1,
      lockDuration: rt.config.WORKER_LOCK_MS,
      stalledInterval: rt.config.WORKER_LOCK_MS,
      autorun: false,
    }),
  );
  // Notifications (NOTIFY_URL): the outbox relay and the `notify` queue's worker.
  const notify = startNotifications(rt);
  if (notify) workers.push(notify.worker);
  for (const w of workers) {
    w.on('error', (err) => rt.log.error({ err: err.message, queue: w.name }, 'worker error'));
    void w.run().catch((err: unknown) => rt.log.error({ err: String(err), queue: w.name }, 'worker stopped'));
  }
  const schedule = () => scheduleSweeps(rt).catch((err: unknown) => rt.log.error({ err: String(err) }, 'could not schedule the sweeps'));
  void schedule();
  // The scheduler lives in Redis: if its key is lost (a Redis restored from an older state, queues
  // wiped), nothing would sweep again until a worker restarts. Upserting it again is idempotent.
  const reschedule = setInterval(() => void schedule(), Math.min(Math.max(rt.config.SWEEP_INTERVAL_MS, 1_000) * 5, 300_000));
  reschedule.unref();

  return {
    workers,
    get paused() {
      return paused;
    },
    async close(deadlineMs = rt.config.SHUTDOWN_TIMEOUT_MS) {
      if (nagTimer) clearInterval(nagTimer);
      clearInterval(reschedule);
      await notify?.relay.stop();
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => 'done' as const);
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const how = await Promise.race([graceful, deadline]);
      if (timer) clearTimeout(timer);
      if (how === 'deadline') {
        rt.log.warn({ deadlineMs }, 'shutdown deadline reached: stopping with jobs in flight; they will be retried');
        // A forced close still waits on BullMQ's connections: bound it too, or the deadline means nothing.
        await Promise.race([Promise.all(workers.map((w) => w.close(true).catch(() => undefined))), sleep(1_000, undefined, { ref: false })]);
      }
      return how;
    },
  };
}
