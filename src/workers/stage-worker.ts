import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { FailureKind } from '../failure-kinds.js';
import { CreateInProgressError } from '../jobs/ensure.js';
import type { StageContext } from '../jobs/outcome.js';
import { recheck } from '../jobs/recheck.js';
import { stageDef, type StageDef, type StageName } from '../jobs/registry.js';
import { SETTLED_STATES } from '../ledger/states.js';
import { BudgetExhaustedError, withBudgetPriority } from '../twilio/budget.js';
import { AuthError, RateLimitedError, RejectedError, TransientError } from '../twilio/errors.js';
import { applyOutcome, deadLetter, deadLetterRejected } from './outcomes.js';
import { RECHECK, stageJobSchema } from './queues.js';
import type { Runtime } from './runtime.js';
import { cappedJitterBackoff } from '../backoff.js';

export { deadLetter } from './outcomes.js';

/** BullMQ wiring for one stage (or the sweeps' re-checks): parse the payload, run the plain job function, act on its outcome or error. */

/** What a worker takes from a stage's registry row; a re-check runs like a stage under way. */
type WorkerDef = Pick<StageDef<StageName>, 'run' | 'budgetPriority' | 'limiter'>;
const RECHECK_DEF: WorkerDef = { run: recheck, budgetPriority: 'high' };

export interface StageWorkerHooks {
  /** Twilio refused the credentials: the caller pauses every worker. */
  onAuthError(err: AuthError): void;
}

export function createStageWorker(rt: Runtime, name: StageName | typeof RECHECK, hooks: StageWorkerHooks): Worker {
  const def = name === RECHECK ? RECHECK_DEF : stageDef(name);
  const queue = rt.queues[name];
  const attemptsFor = (job: Job) => job.opts.attempts ?? rt.config.JOB_ATTEMPTS;

  const processor = async (job: Job, token?: string): Promise<void> => {
    const data = stageJobSchema.parse(job.data);
    const log = rt.log.child({ customerId: data.customerId, batch: data.batchId, stage: name, jobId: job.id, attempt: job.attemptsMade + 1 });
    const ctx: StageContext = { customerId: data.customerId, gen: data.gen, ledger: rt.ledger, gateway: rt.gateway, parent: rt.gateway, gatewayOf: (sid) => rt.accounts.gatewayFor(sid), settings: rt.settings, log, now: Date.now };
    // Where a failure is recorded: the job's stage, or for a re-check the stage the customer is at.
    let stage: string = name;
    try {
      const rec = await rt.ledger.get(data.customerId);
      if (!rec) throw new RejectedError(`customer ${data.customerId} is not in the ledger (was its record deleted?)`, {}, { kind: 'customer-missing' });
      if (name === RECHECK) stage = rec.stage;
      if (SETTLED_STATES.includes(rec.state) || rec.gen !== data.gen) {
        log.info({ state: rec.state, gen: rec.gen }, 'skipping: the customer was settled, dead-lettered or redriven since this job was queued');
        return;
      }
      // The customer's resources are created in its subaccount, once it has one (ACCOUNT_MODE=subaccount).
      ctx.gateway = await rt.gatewayFor(rec);
      // The row's budget priority: a new customer's calls yield the account budget to customers already under way.
      const outcome = await withBudgetPriority(def.budgetPriority, () => def.run(ctx));
      await applyOutcome(rt, data, outcome, { job, token });
      log.debug({ outcome: outcome.kind }, 'stage step done');
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof RejectedError) {
        log.warn({ reason: err.reason }, 'rejected: dead-lettering the customer');
        await deadLetterRejected(rt, data, stage, err, job.attemptsMade + 1);
        throw new UnrecoverableError(err.reason);
      }
      if (err instanceof RateLimitedError || err instanceof BudgetExhaustedError) {
        const ms = err instanceof RateLimitedError ? err.retryAfterMs : err.retryInMs;
        log.info({ retryInMs: ms, why: err.message }, 'rate limited: job goes back to the queue without spending an attempt');
        await queue.rateLimit(ms);
        throw Worker.RateLimitError();
      }
      if (err instanceof CreateInProgressError) {
        // Two tries of one job at once (a stalled job taken over): let the other one finish.
        log.info({ retryInMs: err.retryInMs, sidName: err.sidName }, 'another try is creating this resource: looking again later, no attempt spent');
        await job.moveToDelayed(Date.now() + err.retryInMs, token);
        throw new DelayedError();
      }
      if (err instanceof AuthError) {
        hooks.onAuthError(err);
        await job.moveToDelayed(Date.now() + 60_000, token);
        throw new DelayedError();
      }
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof TransientError)) log.error({ err }, 'unexpected error (a bug, or Twilio answered something we do not understand)');
      if (job.attemptsMade + 1 >= attemptsFor(job)) {
        if (name === RECHECK) {
          // A failed look is not the customer's failure: the lease runs out and the next sweep looks again.
          log.warn({ err: message }, 're-check failed; the next sweep will try again');
          throw new UnrecoverableError(message);
        }
        const reason = `gave up after ${attemptsFor(job)} attempts at ${stage}: ${message}`;
        log.warn({ reason }, 'retries exhausted: dead-lettering the customer');
        const kind: FailureKind = 'retries-exhausted';
        await deadLetter(rt, data, stage, reason, { ...(err instanceof TransientError ? err.details : {}), kind }, job.attemptsMade + 1);
        throw new UnrecoverableError(reason);
      }
      log.warn({ err: message }, 'transient failure: will retry with backoff');
      throw err;
    }
  };

  return new Worker(name, processor, {
    connection: rt.redis,
    prefix: rt.config.QUEUE_PREFIX,
    concurrency: rt.config.WORKER_CONCURRENCY,
    // A row's limiter (the OTP endpoint allows 10 requests per second per account); BullMQ's limiter is global across workers.
    ...(def.limiter ? { limiter: { max: rt.config[def.limiter.perSecond], duration: 1000 } } : {}),
    settings: { backoffStrategy: cappedJitterBackoff(rt.config.BACKOFF_BASE_MS, rt.config.BACKOFF_MAX_MS) },
    // A killed worker's jobs go back to the queue when their lock runs out; stalled jobs are looked for as often.
    lockDuration: rt.config.WORKER_LOCK_MS,
    stalledInterval: rt.config.WORKER_LOCK_MS,
    autorun: false,
  });
}
