import { DelayedError, type Job } from 'bullmq';
import type { AnyStageOutcome, StageName } from '../jobs/registry.js';
import { suggestAction } from '../reports/actions.js';
import type { RejectedError } from '../twilio/errors.js';
import { RECHECK, recheckJobId, stageJobId, type DeadLetterJob, type StageJob } from './queues.js';
import type { Runtime } from './runtime.js';

/** What the wiring does with a stage's outcome: queue the next stage, re-check later, watch, or re-run a lost job. */

type Rt = Pick<Runtime, 'queues' | 'ledger' | 'log'>;

/** A stage job that completed this recently may simply not have moved the ledger on yet. */
const RECENT_MS = 60_000;

/** Job states in which a stage job is still going to run. */
const ALIVE = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

export async function deadLetter(rt: Rt, data: StageJob, stage: string, reason: string, details: Record<string, unknown> | null, attemptsMade: number, action?: string): Promise<void> {
  // A stage's own action when it gives one; else the operator guidance keyed on the kind of failure (details.kind) and Twilio's codes.
  const act = action ?? suggestAction({ state: 'failed', stage, reason, details, customerId: data.customerId, batchId: data.batchId }) ?? undefined;
  // The ledger first: if the process dies between the two writes, the customer is failed and
  // watched by nobody, which `status` shows; a dead-letter job without a failed customer would lie.
  await rt.ledger.transition(data.customerId, stage, 'failed', `dead-lettered at ${stage}: ${reason}`, { reason, details, action: act ?? null });
  const payload: DeadLetterJob = { ...data, stage, reason, action: act, details, failedAt: new Date().toISOString(), attemptsMade };
  await rt.queues['dead-letter'].add('dead-letter', payload, { jobId: stageJobId('dead-letter', data.customerId, data.gen), attempts: 1 });
}

/**
 * Dead-letter a customer for a RejectedError, wherever it was caught (a stage worker, `a2p-onboard sweep`):
 * at the stage the verdict belongs to, with its kind in the details, so the action and a later redrive are right.
 */
export async function deadLetterRejected(rt: Rt, data: StageJob, caughtAt: string, err: RejectedError, attemptsMade: number): Promise<void> {
  await deadLetter(rt, data, err.stage ?? caughtAt, err.reason, { ...err.details, kind: err.kind }, attemptsMade, err.action);
}

/** Make sure the customer's current stage job exists; add it again when it was lost. True when it had to be added. */
async function ensureStageJob(rt: Rt, data: StageJob, stage: StageName): Promise<boolean> {
  const id = stageJobId(stage, data.customerId, data.gen);
  const state = await rt.queues[stage].getJobState(id);
  if (ALIVE.has(state)) return false;
  if (state === 'completed') {
    // Just finished: the ledger is a moment behind (the next stage's job is being added). Not lost.
    const job = await rt.queues[stage].getJob(id);
    if (job?.finishedOn && Date.now() - job.finishedOn < RECENT_MS) return false;
  }
  // Completed, failed or unknown while the ledger says the customer is here: run the stage
  // again under a fresh id. Stages are idempotent, so this can only finish what was lost.
  const rerunId = state === 'unknown' ? id : stageJobId(stage, data.customerId, data.gen, `rerun-${Date.now()}`);
  await rt.queues[stage].add(stage, data, { jobId: rerunId });
  rt.log.warn({ customerId: data.customerId, stage, jobState: state }, 'the customer had no live job at its stage: queued it again');
  return true;
}

async function queueOtp(rt: Rt, data: StageJob, otpNumber: number): Promise<void> {
  await rt.queues.otp.add('otp', data, { jobId: stageJobId('otp', data.customerId, data.gen, otpNumber) });
}

export async function applyOutcome(rt: Rt, data: StageJob, outcome: AnyStageOutcome, job?: { job: Job; token: string | undefined }): Promise<void> {
  switch (outcome.kind) {
    case 'next': {
      await rt.queues[outcome.stage].add(outcome.stage, data, {
        jobId: stageJobId(outcome.stage, data.customerId, data.gen),
        delay: outcome.delayMs,
      });
      const rec = await rt.ledger.get(data.customerId);
      if (rec && rec.state === 'in_progress' && rec.stage !== outcome.stage) await rt.ledger.transition(data.customerId, outcome.stage, 'in_progress');
      return;
    }
    case 'poll': {
      if (!job) throw new Error('a poll outcome needs a job to move back to delayed');
      // Check again later as the same job: a re-check is not a retry and spends no attempt.
      await job.job.moveToDelayed(Date.now() + outcome.delayMs, job.token);
      throw new DelayedError();
    }
    case 'watch': {
      if (outcome.otp) await queueOtp(rt, data, outcome.otp);
      await rt.ledger.watchAt(data.customerId, outcome.at);
      // An event came while the stage ran (nudge.ts): what it announced may postdate what the stage read.
      const pending = (await rt.ledger.get(data.customerId))?.status.eventPendingAt;
      if (pending) {
        await rt.ledger.setStatus(data.customerId, { eventPendingAt: null });
        // Not deduplicated with the sweep's: the job returning this outcome may be that very re-check, still active.
        await rt.queues[RECHECK].add(RECHECK, data, { jobId: recheckJobId(data.customerId, data.gen, `ev-pending-${pending}`) });
      }
      return;
    }
    case 'rerun':
      await ensureStageJob(rt, data, outcome.stage);
      await rt.ledger.watchAt(data.customerId, Date.now() + rt.ledger.watchDelayMs);
      return;
    case 'done':
      return;
  }
}
