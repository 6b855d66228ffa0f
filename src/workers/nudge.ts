import { SETTLED_STATES } from '../ledger/states.js';
import type { Ledger } from '../ledger/ledger.js';
import { isStageName } from '../jobs/registry.js';
import type { Logger } from '../log.js';
import { RECHECK, recheckJobId, stageJobId, type Queues } from './queues.js';

/** What a nudge did: nothing to do for a settled or unknown customer, a delayed stage job run now, or a re-check queued. */
export type NudgeResult = 'unknown' | 'settled' | 'promoted' | 'rechecked';

/**
 * Something outside the pipeline (an Event Streams event) says a customer's brand or campaign
 * changed: look at it now rather than at its next poll or sweep. A customer whose stage job is
 * waiting out a poll delay (brand-status on a PENDING brand) has that job run now; a customer in a
 * watched state gets the same re-check a sweep would queue, sharing its deduplication so a pending
 * sweep re-check and an event do not both run. Either way Twilio is read before anything is done,
 * so a stale or repeated hint costs one read and changes nothing.
 */
export async function nudgeCustomer(rt: { queues: Queues; ledger: Ledger; log: Logger }, customerId: string, token: string): Promise<NudgeResult> {
  const rec = await rt.ledger.get(customerId);
  if (!rec) return 'unknown';
  if (SETTLED_STATES.includes(rec.state)) return 'settled';
  if (rec.state === 'in_progress' && isStageName(rec.stage)) {
    const job = await rt.queues[rec.stage].getJob(stageJobId(rec.stage, customerId, rec.gen));
    if (job && (await job.isDelayed())) {
      try {
        await job.promote();
        return 'promoted';
      } catch {
        // It left the delayed set meanwhile (it is running): the re-check below is harmless.
      }
    }
  }
  // Its stage is running or queued, and may finish into a wait (`completed` after the sender number) just after
  // reading Twilio: remember the event, so that wait starts with a re-check instead of the sweep's first interval.
  if (rec.state === 'in_progress') await rt.ledger.setStatus(customerId, { eventPendingAt: Date.now() });
  const data = { customerId, batchId: rec.batchId, gen: rec.gen };
  await rt.queues[RECHECK].add(RECHECK, data, {
    jobId: recheckJobId(customerId, rec.gen, `ev-${token}`),
    deduplication: { id: recheckJobId(customerId, rec.gen, 'sweep') },
  });
  return 'rechecked';
}
