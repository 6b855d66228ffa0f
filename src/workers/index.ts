import type { Worker } from 'bullmq';
import { STAGES } from '../jobs/context.js';
import type { AuthError } from '../twilio/errors.js';
import type { Runtime } from './runtime.js';
import { createStageWorker } from './stage-worker.js';

export interface WorkerPool {
  workers: Worker[];
  /** Let in-flight jobs finish for up to `deadlineMs`, then stop; cut-off jobs are retried later (they are idempotent). */
  close(deadlineMs?: number): Promise<void>;
  readonly paused: boolean;
}

/** One BullMQ Worker per stage, sharing the runtime. */
export function startWorkers(rt: Runtime): WorkerPool {
  let paused = false;
  let nagTimer: NodeJS.Timeout | undefined;
  const workers: Worker[] = [];

  const onAuthError = (err: AuthError) => {
    if (paused) return;
    paused = true;
    // Not the customer's fault: stop taking jobs instead of dead-lettering everyone.
    for (const w of workers) w.pause(true).catch(() => undefined);
    const say = () => rt.log.fatal({ twilio: err.details }, `WORKERS PAUSED: ${err.message}. No customer was failed; fix the credentials and restart the worker.`);
    say();
    nagTimer = setInterval(say, 60_000);
    nagTimer.unref();
  };

  for (const stage of STAGES) {
    const w = createStageWorker(rt, stage, { onAuthError });
    w.on('error', (err) => rt.log.error({ err: err.message, stage }, 'worker error'));
    workers.push(w);
    void w.run().catch((err: unknown) => rt.log.error({ err: String(err), stage }, 'worker stopped'));
  }

  return {
    workers,
    get paused() {
      return paused;
    },
    async close(deadlineMs = rt.config.SHUTDOWN_TIMEOUT_MS) {
      if (nagTimer) clearInterval(nagTimer);
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => 'done' as const);
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const how = await Promise.race([graceful, deadline]);
      if (timer) clearTimeout(timer);
      if (how === 'deadline') {
        rt.log.warn({ deadlineMs }, 'shutdown deadline reached: stopping with jobs in flight; they will be retried');
        await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
      }
    },
  };
}
