import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import { z } from 'zod';
import { STAGE_NAMES, isStageName, stageDef, type StageName } from '../jobs/registry.js';

/** Customers dead-lettered by any stage, with the reason and what to do. */
export const DEAD_LETTER = 'dead-letter' as const;
/** Per-customer re-checks queued by the sweeps, and the sweep scheduler's own queue. */
export const RECHECK = 'recheck' as const;
export const SWEEP = 'sweep' as const;
/** Signed notifications to the ISV (NOTIFY_URL), one job per state change, its id the event's id. */
export const NOTIFY = 'notify' as const;

export type QueueName = StageName | typeof DEAD_LETTER | typeof RECHECK | typeof SWEEP | typeof NOTIFY;
/** Every queue a2p-onboard uses: one per stage (the registry's), the dead letter, the sweeps' re-checks, the sweep scheduler and the notifications. */
export const QUEUE_NAMES: readonly QueueName[] = [...STAGE_NAMES, DEAD_LETTER, RECHECK, SWEEP, NOTIFY];

/** What a stage job carries: just who. The customer's data lives in the ledger. */
export const stageJobSchema = z.object({
  customerId: z.string().min(1),
  batchId: z.string().min(1),
  gen: z.number().int().min(1).default(1),
});
export type StageJob = z.infer<typeof stageJobSchema>;

export const deadLetterJobSchema = stageJobSchema.extend({
  stage: z.string(),
  reason: z.string(),
  action: z.string().optional(),
  details: z.record(z.string(), z.unknown()).nullable(),
  failedAt: z.string(),
  attemptsMade: z.number().int(),
});
export type DeadLetterJob = z.infer<typeof deadLetterJobSchema>;

/**
 * Deterministic job ids: adding the same stage for the same customer twice (a retried
 * job, a re-run ingest) is a no-op while the first job exists. BullMQ forbids ':' in ids.
 */
export function stageJobId(stage: QueueName, customerId: string, gen: number, extra?: string | number): string {
  return [stage, customerId, gen, ...(extra === undefined ? [] : [extra])].join('.');
}

function defaultJobOptions(attempts: number): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: 'capped-jitter' },
    // Kept a week so ids stay deduplicated and Bull Board can show the history; failed jobs are kept.
    removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
    removeOnFail: false,
  };
}

export type Queues = Record<QueueName, Queue>;

/** Re-checks and sweeps are cheap and repeat: keep only recent ones, and never dead-letter a customer for a failed look. */
function housekeepingJobOptions(): DefaultJobOptions {
  return { attempts: 3, backoff: { type: 'capped-jitter' }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } };
}

/**
 * Notifications: delivered ones are kept a day (the id dedupes a re-relay meanwhile); the ones that ran out
 * of retries stay failed, the dead letter the dashboard lists. Attempts and backoff are set per job by the relay.
 */
function notifyJobOptions(): DefaultJobOptions {
  return { removeOnComplete: { age: 24 * 3600, count: 100_000 }, removeOnFail: false };
}

/** A queue's job defaults: a stage's row may set its own attempts; the rest use JOB_ATTEMPTS. */
function jobOptions(name: QueueName, attempts: number): DefaultJobOptions {
  if (name === RECHECK || name === SWEEP) return housekeepingJobOptions();
  if (name === NOTIFY) return notifyJobOptions();
  return defaultJobOptions(isStageName(name) ? (stageDef(name).attempts ?? attempts) : attempts);
}

export function createQueues(connection: ConnectionOptions, prefix: string, attempts: number): Queues {
  const out = {} as Queues;
  for (const name of QUEUE_NAMES) {
    out[name] = new Queue(name, { connection, prefix, defaultJobOptions: jobOptions(name, attempts) });
  }
  return out;
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** A re-check job id: one per customer, generation and sweep run. */
export function recheckJobId(customerId: string, gen: number, token: string | number): string {
  return stageJobId(RECHECK, customerId, gen, token);
}
