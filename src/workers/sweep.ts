import type { Job } from 'bullmq';
import type { StageContext } from '../jobs/outcome.js';
import { recheck } from '../jobs/recheck.js';
import { WATCHED_STATES, type CustomerState } from '../ledger/states.js';
import { RejectedError } from '../twilio/errors.js';
import { applyOutcome, deadLetterRejected } from './outcomes.js';
import { RECHECK, SWEEP, recheckJobId } from './queues.js';
import type { Runtime } from './runtime.js';

/**
 * Scheduled re-evaluation. A BullMQ job scheduler (one per deployment, however many workers
 * upsert it) fires a `sweep` job every SWEEP_INTERVAL_MS; the sweep reads only the customers
 * whose re-check is due from the ledger's `watch` index, a page at a time, leases them, and
 * queues one `recheck` job each. Re-checks run on the workers, inside the same budgets.
 */

const PAGE = 500;

export async function scheduleSweeps(rt: Pick<Runtime, 'queues' | 'config' | 'log'>): Promise<void> {
  const every = rt.config.SWEEP_INTERVAL_MS;
  if (every <= 0) {
    await rt.queues[SWEEP].removeJobScheduler(SWEEP);
    rt.log.warn('SWEEP_INTERVAL_MS is 0: scheduled sweeps are off; run `a2p-onboard sweep` yourself');
    return;
  }
  await rt.queues[SWEEP].upsertJobScheduler(SWEEP, { every }, { name: SWEEP, data: {} });
}

/** One scheduled sweep: queue re-checks for every customer due now. Returns how many were queued. */
export async function sweepDue(rt: Pick<Runtime, 'queues' | 'ledger' | 'config'>, now = Date.now()): Promise<number> {
  // The lease keeps a queued customer out of the next sweeps until its re-check sets a new due time.
  const leaseUntil = now + Math.max(rt.config.SWEEP_INTERVAL_MS * 2, 60_000);
  let queued = 0;
  for (;;) {
    const ids = await rt.ledger.claimDue(now, PAGE, leaseUntil);
    if (ids.length === 0) break;
    const recs = await rt.ledger.getMany(ids);
    const jobs = [];
    for (const rec of recs) {
      if (!rec || !WATCHED_STATES.includes(rec.state)) continue;
      const data = { customerId: rec.customerId, batchId: rec.batchId, gen: rec.gen };
      // One pending re-check per customer: when the queue runs behind by more than the lease, the next
      // sweep claims the customer again, and without this its re-checks would pile up behind each other.
      jobs.push({ name: RECHECK, data, opts: { jobId: recheckJobId(rec.customerId, rec.gen, now), deduplication: { id: recheckJobId(rec.customerId, rec.gen, 'sweep') } } });
    }
    if (jobs.length) await rt.queues[RECHECK].addBulk(jobs);
    queued += jobs.length;
    if (ids.length < PAGE) break;
  }
  return queued;
}

export async function processSweepJob(rt: Runtime, job: Job): Promise<{ queued: number }> {
  const queued = await sweepDue(rt);
  if (queued) rt.log.info({ queued, sweepJob: job.id }, 'sweep queued re-checks');
  return { queued };
}

export interface SweepReport {
  checked: number;
  /** Customers per state after the sweep, among those checked. */
  states: Partial<Record<CustomerState, number>>;
  errors: number;
}

/**
 * `a2p-onboard sweep`: re-check every watched customer now (due or not), in this process,
 * through the same budgets as the workers. Stage jobs it queues (campaign, OTP) run on workers.
 */
export async function sweepNow(rt: Runtime, opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<SweepReport> {
  const total = await rt.ledger.watchedCount();
  const ids: string[] = [];
  for (let offset = 0; offset < total; offset += PAGE) ids.push(...(await rt.ledger.watched(offset, PAGE)));
  const report: SweepReport = { checked: 0, states: {}, errors: 0 };
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const rec = await rt.ledger.get(id);
      if (!rec || !WATCHED_STATES.includes(rec.state)) continue;
      const data = { customerId: id, batchId: rec.batchId, gen: rec.gen };
      const log = rt.log.child({ customerId: id, batch: rec.batchId, stage: rec.stage, sweep: true });
      const ctx: StageContext = { customerId: id, gen: rec.gen, ledger: rt.ledger, gateway: rt.gateway, parent: rt.gateway, settings: rt.settings, log, now: Date.now };
      try {
        ctx.gateway = await rt.gatewayFor(rec);
        await applyOutcome(rt, data, await recheck(ctx));
      } catch (err) {
        if (err instanceof RejectedError) {
          await deadLetterRejected(rt, data, rec.stage, err, 1);
        } else {
          report.errors += 1;
          log.warn({ err: err instanceof Error ? err.message : String(err) }, 're-check failed; the next sweep will try again');
        }
      }
      const after = await rt.ledger.get(id);
      if (after) report.states[after.state] = (report.states[after.state] ?? 0) + 1;
      report.checked += 1;
      opts.onProgress?.(report.checked, ids.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  return report;
}
