import { FIRST_STAGE, isStageName, type StageName } from '../jobs/context.js';
import { REDRIVABLE_STATES, isBusiness, type AnyCustomer, type CustomerRecord, type Ledger } from '../ledger/ledger.js';
import type { Logger } from '../log.js';
import { stageJobId, type Queues } from '../workers/queues.js';

/**
 * Put a dead-lettered (failed) or expired customer back into the pipeline as a new
 * generation: jobs of the old generation become no-ops, its dead-letter job is removed, and
 * the chosen stage runs again. Stages reuse every SID the ledger holds, update what changed
 * and resubmit what Twilio rejected (once per generation), so a redrive never creates
 * anything twice.
 */

export interface RedriveDeps {
  ledger: Ledger;
  queues: Queues;
  log: Logger;
}

export type RedriveResult =
  | { ok: true; customerId: string; gen: number; stage: StageName; from: CustomerRecord['state'] }
  | { ok: false; customerId: string; reason: string };

/**
 * Failed and expired customers, and a Sole Proprietor customer waiting for a sender number: it is
 * `completed` (its campaign is vetted meanwhile) but only the operator can give it a number.
 */
export function isRedrivable(rec: CustomerRecord): boolean {
  return REDRIVABLE_STATES.includes(rec.state) || (rec.state === 'completed' && rec.stage === 'sender-number' && rec.status['senderNumber'] === 'missing');
}

/** Where a plain redrive starts: the stage that failed (expired customers: the brand status, for a fresh OTP). */
export function redriveStage(rec: CustomerRecord): StageName {
  if (rec.state === 'expired') return 'brand-status';
  if (rec.stage === 'otp') return 'brand-status';
  return isStageName(rec.stage) ? rec.stage : FIRST_STAGE[rec.flow];
}

export async function redriveCustomer(
  deps: RedriveDeps,
  customerId: string,
  opts: { fromStage?: StageName | undefined; customer?: AnyCustomer; event?: string } = {},
): Promise<RedriveResult> {
  const rec = await deps.ledger.get(customerId);
  if (!rec) return { ok: false, customerId, reason: 'no such customer in this Redis (check QUEUE_PREFIX)' };
  if (!isRedrivable(rec)) {
    return { ok: false, customerId, reason: `is ${rec.state} at ${rec.stage}; only failed or expired customers (or one waiting for a sender number) can be redriven` };
  }
  const stage = opts.fromStage ?? (opts.customer ? FIRST_STAGE[isBusiness(opts.customer) ? 'business' : 'sole-proprietor'] : redriveStage(rec));
  const event = opts.event ?? `redriven from ${rec.state} at ${rec.stage}; restarting at ${stage}`;
  const res = await deps.ledger.newGeneration(customerId, stage, event, opts.customer);
  if (!res.ok) {
    if (res.kind === 'missing') return { ok: false, customerId, reason: 'no such customer in this Redis' };
    return { ok: false, customerId, reason: `${res.kind === 'mobile' ? 'mobile_phone_number' : 'email'}: the corrected value is already used by ${res.count} brand registrations, the most The Campaign Registry allows` };
  }
  if (rec.state === 'expired') {
    // A new 30-day window for the customer to answer; re-sends stay at most one per OTP_RESEND_MS.
    await deps.ledger.setStatus(customerId, { otpWindowFrom: String(Date.now()), otpChecks: '0' });
  }
  // The dead letter lists who needs attention now; this customer no longer does.
  await deps.queues['dead-letter'].remove(stageJobId('dead-letter', customerId, rec.gen)).catch(() => 0);
  const data = { customerId, batchId: rec.batchId, gen: res.gen };
  await deps.queues[stage].add(stage, data, { jobId: stageJobId(stage, customerId, res.gen) });
  deps.log.info({ customerId, batch: rec.batchId, from: rec.state, stage, gen: res.gen }, 'customer redriven');
  return { ok: true, customerId, gen: res.gen, stage, from: rec.state };
}

/** Every failed or expired customer of a batch, or of every batch. */
export async function redrivableCustomers(ledger: Ledger, batch?: string): Promise<string[]> {
  if (!batch) {
    const out: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const batches = await ledger.batchIds(offset, 1000);
      for (const b of batches) out.push(...(await redrivableCustomers(ledger, b)));
      if (batches.length < 1000) return out;
    }
  }
  // From the batch's state index: a batch of 100,000 with 12 failed customers reads 12 ids, not 100,000 records.
  const out: string[] = [];
  for (const state of REDRIVABLE_STATES) {
    for (let offset = 0; ; offset += 1000) {
      const ids = await ledger.index.idsInState(batch, state, offset, 1000);
      out.push(...ids);
      if (ids.length < 1000) break;
    }
  }
  return out;
}
