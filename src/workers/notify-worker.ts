import { Worker, type JobsOptions } from 'bullmq';
import { cappedJitterBackoff } from '../backoff.js';
import { notifySettings, type Config } from '../config.js';
import { notificationSchema } from '../notify/event.js';
import { DeliveryError, deliverNotification } from '../notify/deliver.js';
import { startOutboxRelay, type OutboxRelay } from './notify-relay.js';
import { NOTIFY } from './queues.js';
import type { Runtime } from './runtime.js';

/**
 * BullMQ wiring of the notifications: the `notify` queue's worker POSTs each (src/notify/deliver.ts)
 * and lets BullMQ retry a refusal with capped exponential backoff for NOTIFY_RETRY_WINDOW_MS; a job
 * that runs out of attempts stays failed (the dashboard's Notifications page lists them). It uses no
 * Twilio budget: notifications never slow the registrations down, nor the other way round.
 */

/**
 * How many tries cover the retry window: each wait is at least half its capped exponential step
 * (cappedJitterBackoff's fixed half), so the retries span at least the window, and on average a bit more.
 */
export function notifyAttempts(windowMs: number, baseMs: number, maxMs: number): number {
  let attempts = 1;
  for (let waited = 0; waited < windowMs && attempts < 10_000; attempts++) waited += Math.min(maxMs, baseMs * 2 ** (attempts - 1)) / 2;
  return attempts;
}

export function notifyJobOptions(c: Config): JobsOptions {
  return { attempts: notifyAttempts(c.NOTIFY_RETRY_WINDOW_MS, c.NOTIFY_BACKOFF_BASE_MS, c.NOTIFY_BACKOFF_MAX_MS), backoff: { type: 'capped-jitter' } };
}

export interface NotifyPipeline {
  worker: Worker;
  relay: OutboxRelay;
}

/** The relay and the worker, when NOTIFY_URL and NOTIFY_SECRET are set; undefined otherwise. */
export function startNotifications(rt: Runtime): NotifyPipeline | undefined {
  const target = notifySettings(rt.config);
  if (!target) return undefined;
  const c = rt.config;
  const settings = { ...target, timeoutMs: c.NOTIFY_TIMEOUT_MS };
  const worker = new Worker(
    NOTIFY,
    async (job) => {
      const n = notificationSchema.parse(job.data);
      const attempt = job.attemptsMade + 1;
      const attempts = job.opts.attempts ?? 1;
      // Ids and states only: a reason may quote what Twilio said, which the ledger and the dashboard already show.
      const log = rt.log.child({ eventId: n.id, type: n.type, customerId: n.customer.customerId, batch: n.customer.batchId, attempt });
      try {
        const r = await deliverNotification(n, settings, attempt);
        log.info({ status: r.status, ms: r.ms }, 'notification delivered');
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (attempt >= attempts) log.error({ err: msg, attempts }, 'notification dead-lettered: the receiver refused every try within NOTIFY_RETRY_WINDOW_MS; it is listed on the dashboard\'s Notifications page');
        else log.warn({ err: msg, status: err instanceof DeliveryError ? err.status : null }, 'notification not accepted: will retry with backoff');
        throw err;
      }
    },
    {
      connection: rt.redis,
      prefix: c.QUEUE_PREFIX,
      concurrency: c.NOTIFY_CONCURRENCY,
      settings: { backoffStrategy: cappedJitterBackoff(c.NOTIFY_BACKOFF_BASE_MS, c.NOTIFY_BACKOFF_MAX_MS) },
      // The lock is renewed while a POST runs; a killed worker's notification is retried once it runs out.
      lockDuration: c.WORKER_LOCK_MS,
      stalledInterval: c.WORKER_LOCK_MS,
      autorun: false,
    },
  );
  const relay = startOutboxRelay({ redis: rt.redis, key: rt.ledger.outboxKey(), queue: rt.queues[NOTIFY], log: rt.log, claimIdleMs: c.NOTIFY_CLAIM_IDLE_MS, jobOptions: notifyJobOptions(c) });
  return { worker, relay };
}
