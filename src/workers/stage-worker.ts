import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { STAGE_FUNCTIONS, type StageContext, type StageName, type StageOutcome } from '../jobs/index.js';
import { BudgetExhaustedError } from '../twilio/budget.js';
import { AuthError, RateLimitedError, RejectedError, TransientError } from '../twilio/errors.js';
import { stageJobId, stageJobSchema, type DeadLetterJob, type StageJob } from './queues.js';
import type { Runtime } from './runtime.js';

/** BullMQ wiring for one stage: parse the payload, run the plain job function, act on its outcome or error. */

export interface StageWorkerHooks {
  /** Twilio refused the credentials: the caller pauses every worker. */
  onAuthError(err: AuthError): void;
}

/** Exponential backoff with "equal jitter", capped: spreads retries of many jobs after one Twilio hiccup. */
export function cappedJitterBackoff(baseMs: number, maxMs: number) {
  return (attemptsMade: number): number => {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  };
}

export async function deadLetter(rt: Runtime, data: StageJob, stage: string, reason: string, details: Record<string, unknown> | null, attemptsMade: number): Promise<void> {
  const payload: DeadLetterJob = { ...data, stage, reason, details, failedAt: new Date().toISOString(), attemptsMade };
  await rt.queues['dead-letter'].add('dead-letter', payload, { jobId: stageJobId('dead-letter', data.customerId, data.gen), attempts: 1 });
  await rt.ledger.transition(data.customerId, stage, 'failed', `dead-lettered at ${stage}: ${reason}`, reason, details);
}

async function applyOutcome(rt: Runtime, job: Job, token: string | undefined, data: StageJob, outcome: StageOutcome): Promise<void> {
  switch (outcome.kind) {
    case 'next': {
      await rt.queues[outcome.stage].add(outcome.stage, data, {
        jobId: stageJobId(outcome.stage, data.customerId, data.gen),
        delay: outcome.delayMs,
      });
      const rec = await rt.ledger.get(data.customerId);
      if (rec && rec.state !== 'completed' && rec.state !== 'failed') {
        await rt.ledger.transition(data.customerId, outcome.stage, rec.state === 'awaiting_otp' && outcome.stage !== 'campaign' ? 'awaiting_otp' : 'in_progress');
      }
      return;
    }
    case 'poll': {
      if (outcome.requestOtp) {
        const rec = await rt.ledger.get(data.customerId);
        await rt.queues.otp.add('otp', data, { jobId: stageJobId('otp', data.customerId, data.gen, rec?.status['otpCount'] ?? Date.now()) });
      }
      // Check again later as the same job: a re-check is not a retry and spends no attempt.
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    case 'done':
      return;
  }
}

export function createStageWorker(rt: Runtime, stage: StageName, hooks: StageWorkerHooks): Worker {
  const fn = STAGE_FUNCTIONS[stage];
  const queue = rt.queues[stage];
  const attemptsFor = (job: Job) => job.opts.attempts ?? rt.config.JOB_ATTEMPTS;

  const processor = async (job: Job, token?: string): Promise<void> => {
    const data = stageJobSchema.parse(job.data);
    const log = rt.log.child({ customerId: data.customerId, batch: data.batchId, stage, jobId: job.id, attempt: job.attemptsMade + 1 });
    const ctx: StageContext = { customerId: data.customerId, ledger: rt.ledger, gateway: rt.gateway, settings: rt.settings, log, now: Date.now };
    try {
      const rec = await rt.ledger.get(data.customerId);
      if (!rec) throw new RejectedError(`customer ${data.customerId} is not in the ledger (was its record deleted?)`);
      if (rec.state === 'failed' || rec.gen !== data.gen) {
        log.info({ state: rec.state }, 'skipping: the customer was dead-lettered or redriven since this job was queued');
        return;
      }
      const outcome = await fn(ctx);
      await applyOutcome(rt, job, token, data, outcome);
      log.debug({ outcome: outcome.kind }, 'stage step done');
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof RejectedError) {
        log.warn({ reason: err.reason }, 'rejected: dead-lettering the customer');
        await deadLetter(rt, data, stage, err.reason, err.details, job.attemptsMade + 1);
        throw new UnrecoverableError(err.reason);
      }
      if (err instanceof RateLimitedError || err instanceof BudgetExhaustedError) {
        const ms = err instanceof RateLimitedError ? err.retryAfterMs : err.retryInMs;
        log.info({ retryInMs: ms, why: err.message }, 'rate limited: job goes back to the queue without spending an attempt');
        await queue.rateLimit(ms);
        throw Worker.RateLimitError();
      }
      if (err instanceof AuthError) {
        hooks.onAuthError(err);
        await job.moveToDelayed(Date.now() + 60_000, token);
        throw new DelayedError();
      }
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof TransientError)) log.error({ err }, 'unexpected error (a bug, or Twilio answered something we do not understand)');
      if (job.attemptsMade + 1 >= attemptsFor(job)) {
        const reason = `gave up after ${attemptsFor(job)} attempts at ${stage}: ${message}`;
        log.warn({ reason }, 'retries exhausted: dead-lettering the customer');
        await deadLetter(rt, data, stage, reason, err instanceof TransientError ? err.details : null, job.attemptsMade + 1);
        throw new UnrecoverableError(reason);
      }
      log.warn({ err: message }, 'transient failure: will retry with backoff');
      throw err;
    }
  };

  return new Worker(stage, processor, {
    connection: rt.redis,
    prefix: rt.config.QUEUE_PREFIX,
    concurrency: rt.config.WORKER_CONCURRENCY,
    // The OTP endpoint allows 10 requests per second per account; BullMQ's limiter is global across workers.
    ...(stage === 'otp' ? { limiter: { max: rt.config.OTP_RPS, duration: 1000 } } : {}),
    settings: { backoffStrategy: cappedJitterBackoff(rt.config.BACKOFF_BASE_MS, rt.config.BACKOFF_MAX_MS) },
    autorun: false,
  });
}
