import type { RowProblem } from '../customers/row.js';
import { FIRST_STAGE, firstStage, isStageName, type StageName } from '../jobs/registry.js';
import { isBusiness, type AnyCustomer, type CustomerRecord, type Ledger } from '../ledger/ledger.js';
import { REDRIVABLE_STATES, type CustomerState } from '../ledger/states.js';
import { DEFAULT_FEES, usd, type FeeSchedule } from '../ledger/fees.js';
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
  | { ok: false; customerId: string; reason: string; /** The refused corrected cell, when the refusal is about one. */ problem?: RowProblem };

/**
 * Failed and expired customers, and a Sole Proprietor customer waiting for a sender number: it is
 * `completed` (its campaign is vetted meanwhile) but only the operator can give it a number.
 */
export function isRedrivable(rec: CustomerRecord): boolean {
  return REDRIVABLE_STATES.includes(rec.state) || (rec.state === 'completed' && rec.stage === 'sender-number' && rec.status.senderNumber === 'missing');
}

/** Where a plain redrive starts: the stage that failed (expired customers: the brand status, for a fresh OTP). */
function redriveStage(rec: CustomerRecord): StageName {
  if (rec.state === 'expired') return 'brand-status';
  if (rec.stage === 'otp') return 'brand-status';
  return isStageName(rec.stage) ? rec.stage : FIRST_STAGE[rec.flow];
}

/**
 * Where a corrected customer starts again: its flow's first stage, or the `subaccount` stage for a customer
 * in a subaccount (recorded, named by the corrected row, or being set up when it failed), which checks the
 * subaccount again before anything is created in it.
 */
function correctedStart(rec: CustomerRecord, customer: AnyCustomer): StageName {
  const flow = isBusiness(customer) ? 'business' : 'sole-proprietor';
  const inSubaccount = Boolean(rec.sids.subaccount || customer.accountSid || rec.stage === 'subaccount');
  return firstStage(flow, inSubaccount ? 'subaccount' : 'single');
}

/** States from which `redrive --recreate-campaign` may replace a campaign (the campaign exists; vetting may be over). */
const RECREATABLE_STATES: readonly CustomerState[] = ['failed', 'expired', 'completed', 'live'];

/** Why a customer's campaign cannot be recreated, or null when it can. */
function cannotRecreate(rec: CustomerRecord | null): string | null {
  if (!rec) return 'no such customer in this Redis (check QUEUE_PREFIX)';
  if (rec.flow !== 'sole-proprietor') return 'is a business customer: this tool registers no campaign for it';
  if (!rec.sids.campaign || (!rec.sids.messagingService && !rec.status.messagingServiceSid)) return `has no campaign yet (${rec.state} at ${rec.stage}); a plain redrive creates it`;
  if (!RECREATABLE_STATES.includes(rec.state)) return `is ${rec.state} at ${rec.stage}; wait until it is failed, expired, completed or live`;
  return null;
}

export async function redriveCustomer(
  deps: RedriveDeps,
  customerId: string,
  opts: {
    fromStage?: StageName | undefined;
    customer?: AnyCustomer;
    event?: string;
    /** `redrive --recreate-campaign`: delete the customer's campaign and create it again (a new vetting fee). */
    recreateCampaign?: boolean;
  } = {},
): Promise<RedriveResult> {
  const rec = await deps.ledger.get(customerId);
  if (!rec) return { ok: false, customerId, reason: 'no such customer in this Redis (check QUEUE_PREFIX)' };
  if (opts.recreateCampaign) {
    const why = cannotRecreate(rec);
    if (why) return { ok: false, customerId, reason: why };
  } else if (!isRedrivable(rec)) {
    return { ok: false, customerId, reason: `is ${rec.state} at ${rec.stage}; only failed or expired customers (or one waiting for a sender number) can be redriven` };
  }
  const stage = opts.recreateCampaign ? 'campaign' : opts.fromStage ?? (opts.customer ? correctedStart(rec, opts.customer) : redriveStage(rec));
  const event =
    opts.event ??
    (opts.recreateCampaign
      ? `redriven from ${rec.state} at ${rec.stage} to delete campaign ${rec.sids.campaign} and create it again`
      : `redriven from ${rec.state} at ${rec.stage}; restarting at ${stage}`);
  const res = await deps.ledger.newGeneration(customerId, stage, event, opts.customer);
  if (!res.ok) {
    if (res.kind === 'missing') return { ok: false, customerId, reason: 'no such customer in this Redis' };
    const problem: RowProblem = { column: res.kind === 'mobile' ? 'mobile_phone_number' : 'email', reason: `the corrected value is already used by ${res.count} brand registrations, the most The Campaign Registry allows`, rule: 'reuse-limit' };
    return { ok: false, customerId, reason: `${problem.column}: ${problem.reason}`, problem };
  }
  if (rec.state === 'expired') {
    // A new 30-day window for the customer to answer; re-sends stay at most one per OTP_RESEND_MS.
    await deps.ledger.setStatus(customerId, { otpWindowFrom: Date.now(), otpChecks: 0 });
  }
  if (opts.recreateCampaign && rec.sids.campaign) {
    // Before the stage job exists: the campaign stage of this generation deletes exactly this campaign.
    await deps.ledger.setStatus(customerId, { recreateCampaign: { gen: res.gen, sid: rec.sids.campaign } });
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

/** What a redrive or `ingest --update` would spend on Twilio fees, before it does anything. */
export interface ResubmissionCost {
  /** FAILED brands that would be resubmitted. */
  brands: number;
  /** FAILED campaigns that would be corrected and vetted again. */
  campaigns: number;
  /** Campaigns that would be deleted and created again (--recreate-campaign). */
  recreations: number;
  /** Of those, how many are mock brands (and their campaigns): free. */
  mock: number;
  cents: number;
}

/**
 * Count the resubmissions among `ids` from the ledger's recorded Twilio statuses: a brand last seen
 * FAILED is resubmitted, a campaign last seen FAILED is vetted again, and with `recreateCampaign`
 * every campaign is vetted again. Customers that cannot be redriven are not counted.
 */
export async function resubmissionCost(ledger: Ledger, ids: string[], fees: FeeSchedule = DEFAULT_FEES, opts: { recreateCampaign?: boolean } = {}): Promise<ResubmissionCost> {
  const out: ResubmissionCost = { brands: 0, campaigns: 0, recreations: 0, mock: 0, cents: 0 };
  for (let i = 0; i < ids.length; i += 500) {
    for (const rec of await ledger.getMany(ids.slice(i, i + 500))) {
      if (!rec) continue;
      const mock = rec.status.brandMock === true;
      const charge = (cents: number) => {
        if (mock) out.mock += 1;
        else out.cents += cents;
      };
      if (opts.recreateCampaign) {
        if (cannotRecreate(rec)) continue;
        out.recreations += 1;
        charge(fees.campaignVetting);
        continue;
      }
      if (!isRedrivable(rec)) continue;
      if (rec.status.brand === 'FAILED') {
        out.brands += 1;
        charge(fees.brand);
      }
      if (rec.status.campaign === 'FAILED') {
        out.campaigns += 1;
        charge(fees.campaignVetting);
      }
    }
  }
  return out;
}

/** "2 brand resubmissions (USD 9.00) and 1 campaign re-vetting (USD 15.00): USD 24.00". */
export function describeCost(c: ResubmissionCost, fees: FeeSchedule = DEFAULT_FEES): string {
  const parts: string[] = [];
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  if (c.brands) parts.push(`${n(c.brands, 'brand resubmission', 'brand resubmissions')} (${usd(fees.brand)} each)`);
  if (c.campaigns) parts.push(`${n(c.campaigns, 'campaign re-vetting', 'campaign re-vettings')} (${usd(fees.campaignVetting)} each)`);
  if (c.recreations) parts.push(`${n(c.recreations, 'campaign deleted and created again', 'campaigns deleted and created again')} (a new vetting, ${usd(fees.campaignVetting)} each)`);
  if (!parts.length) return 'no brand or campaign resubmission';
  return `${parts.join(' and ')}: ${usd(c.cents)} in Twilio fees${c.mock ? ` (${c.mock} of them mock brands, free)` : ''}`;
}

export function resubmissions(c: ResubmissionCost): number {
  return c.brands + c.campaigns + c.recreations;
}

/**
 * `redrive --recreate-campaign --batch ID`: the batch's customers whose campaign holds corrections
 * Twilio could not update in place (the campaign stage notes them), a page of records at a time.
 */
export async function customersWithCampaignNotUpdated(ledger: Ledger, batch: string): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const ids = await ledger.batchCustomerIds(batch, offset, 1000);
    for (const rec of await ledger.getMany(ids)) if (rec?.status.campaignNotUpdated?.length && !cannotRecreate(rec)) out.push(rec.customerId);
    if (ids.length < 1000) return out;
  }
}
