import { RejectedError } from '../twilio/errors.js';
import { CAMPAIGN_FIXED_FIELDS, type CampaignFixedField, type CampaignParams, type CampaignRegistration } from '../twilio/gateway.js';
import { DEFAULT_FEES, usd } from '../ledger/fees.js';
import type { StatusPatch } from '../ledger/status-fields.js';
import { describeErrors } from './bundle.js';
import { ensure, requireSid } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext, StageOutcome } from './outcome.js';
import type { Customer } from '../customers/customer.js';
import { isBusiness, type AnyCustomer } from '../ledger/ledger.js';
import { brandIsMock, recordFee } from './fees.js';

const STAGE = 'campaign';

/**
 * Section 4: the customer's Messaging Service (unless the row names one) and the
 * SOLE_PROPRIETOR campaign. Campaigns cost fees: a lost answer is found on the service
 * (one campaign per service) before anything is created again. A FAILED campaign is corrected
 * and resubmitted (same SID) once per generation of the customer. Then the `sender-number` stage
 * puts the number on the service; vetting takes days and the sweeps watch it until VERIFIED (`live`).
 */
export async function campaign(ctx: StageContext): Promise<StageOutcome<'sender-number'>> {
  const { gateway, customerId } = ctx;
  const c = campaignOf(await ctx.ledger.getAnyCustomer(customerId));
  const brandSid = await requireSid(ctx, 'brand');

  if (c.messagingServiceSid && !(await ctx.ledger.sid(customerId, 'campaign')) && !(await gateway.messagingServiceExists(c.messagingServiceSid))) {
    throw new RejectedError(`messaging_service_sid ${c.messagingServiceSid} does not exist on this Twilio account`, {}, { kind: 'service-missing' });
  }
  const serviceName = friendlyName(customerId, 'Messaging Service');
  const serviceSid =
    c.messagingServiceSid ??
    (await ensure(
      ctx, STAGE, 'messagingService',
      () => gateway.createMessagingService(serviceName),
      (l) => gateway.findMessagingServiceByFriendlyName(serviceName, l.afterRestart),
    ));

  const params: CampaignParams = { brandRegistrationSid: brandSid, ...c.campaign, ...(c.usecase ? { usecase: c.usecase } : {}) };
  let status: string | null = null;
  let recorded = await ctx.ledger.sid(customerId, 'campaign');
  // A Standard brand may register only the use cases Twilio offers it: asked before a campaign is created (a vetting fee).
  if (c.usecase && !recorded) await checkUsecase(ctx, serviceSid, brandSid, c.usecase);
  let deleted = '';
  const rec0 = await ctx.ledger.get(customerId);
  // `redrive --recreate-campaign` names the campaign to replace (`gen:QE…`). It is deleted, and its SID
  // forgotten, only once Twilio confirmed the delete: a crash in between deletes it again (404 is
  // fine), never leaves two campaigns. Once the SID differs, the new one exists and nothing is deleted.
  const recreate = rec0?.status.recreateCampaign;
  if (recorded && recreate?.sid === recorded && recreate.gen === ctx.gen) {
    const how = await gateway.deleteCampaign(serviceSid, recorded);
    await ctx.ledger.clearSid(customerId, 'campaign', STAGE);
    deleted = `campaign ${recorded} deleted (${how}) to be created again; `;
    recorded = null;
  }
  const brandMock = brandIsMock(ctx, rec0?.status.brandMock);
  const vetted = (sid: string, what: string, mock: boolean) => recordFee(ctx, 'campaignVetting', `campaign:${sid}:created`, { sid, what, mock: mock || brandMock });
  const campaignSid = await ensure(
    ctx, STAGE, 'campaign',
    async () => {
      const created = await gateway.createCampaign(serviceSid, params);
      status = created.campaignStatus;
      await vetted(created.sid, deleted ? 'campaign recreated' : 'campaign created', created.mock);
      await ctx.ledger.setStatus(customerId, { campaignNotUpdated: [] });
      return created.sid;
    },
    async () => {
      const found = await gateway.findCampaign(serviceSid, brandSid);
      status = found?.campaignStatus ?? null;
      // Created by an earlier try whose answer was lost: vetted (and charged) all the same, counted once.
      if (found) await vetted(found.sid, 'campaign created (found after a lost answer)', found.mock);
      return found?.sid ?? null;
    },
  );
  let event = `${deleted}campaign ${campaignSid} created on ${serviceSid}`;
  let action: string | null = null;
  if (recorded) {
    const current = await gateway.fetchCampaign(serviceSid, campaignSid);
    status = current.campaignStatus;
    event = `campaign ${campaignSid} already created`;
    if (current.campaignStatus === 'FAILED') {
      if (ctx.gen > (rec0?.status.campaignSubmittedGen ?? 1)) {
        // UpdateUsAppToPerson takes only some fields: the others are kept as they are, and said so.
        const fixed = fixedFieldChanges(c.campaign, current.fixed);
        const res = await gateway.updateCampaign(serviceSid, campaignSid, params);
        status = res.campaignStatus;
        // An update re-vets a FAILED campaign: charged like a new vetting, once per generation.
        await recordFee(ctx, 'campaignVetting', `campaign:${campaignSid}:resubmitted gen ${ctx.gen}`, { sid: campaignSid, what: 'campaign corrected and resubmitted', mock: res.mock || brandMock });
        await ctx.ledger.setStatus(customerId, { campaignSubmittedGen: ctx.gen });
        event = `campaign ${campaignSid} corrected and resubmitted`;
        // What is left to apply (redrive --recreate-campaign --batch finds the customers by it).
        await ctx.ledger.setStatus(customerId, { campaignNotUpdated: fixed });
        if (fixed.length) {
          const fee = usd(brandMock ? 0 : (ctx.settings.fees ?? DEFAULT_FEES).campaignVetting);
          event += `; NOT updated (Twilio cannot change these on an existing campaign): ${fixed.join(', ')}`;
          action = `${fixed.join(', ')} changed but Twilio cannot update ${fixed.length > 1 ? 'them' : 'it'} in place; to apply, delete and create the campaign again: a2p-onboard redrive --recreate-campaign --customer ${customerId} (another campaign vetting, ${fee})`;
        }
      } else {
        campaignFailed(current);
      }
    }
  }
  const fields: StatusPatch = { messagingServiceSid: serviceSid, campaignChecks: 0 };
  if (status) fields.campaign = status;
  await ctx.ledger.setStatus(customerId, fields);
  // The event (and fields Twilio could not update, whose action the status keeps in campaignNotUpdated)
  // goes into the history; the sender number goes on the service next, and that stage marks the
  // customer completed and watches the vetting.
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `${event}${status ? ` (${status})` : ''}`, { action });
  return { kind: 'next', stage: 'sender-number', delayMs: 0 };
}

/** What the campaign stage needs of either flow's customer. */
interface CampaignSource {
  messagingServiceSid?: string | undefined;
  campaign: Customer['campaign'];
  /** A Standard campaign's use case (the row's usecase); none: SOLE_PROPRIETOR. */
  usecase?: string | undefined;
}

function campaignOf(c: AnyCustomer): CampaignSource {
  if (!isBusiness(c)) return c;
  if (!c.a2p) throw new RejectedError(`customer ${c.customerId} has brand_type none: it registers no brand and no campaign`, {}, { kind: 'unclassified' });
  return { campaign: c.a2p.campaign, usecase: c.a2p.usecase };
}

/** GET …/Compliance/Usa2p/Usecases for this brand: the row's use case must be one of them. */
async function checkUsecase(ctx: StageContext, serviceSid: string, brandSid: string, usecase: string): Promise<void> {
  const offered = await ctx.gateway.listUsecases(serviceSid, brandSid);
  if (offered.includes(usecase)) return;
  throw new RejectedError(
    `usecase ${usecase} is not one Twilio offers brand ${brandSid}: it offers ${offered.length ? offered.join(', ') : 'none'}; no campaign was created (no vetting fee)`,
    { brandSid, usecase, offered },
    { kind: 'usecase-not-offered' },
  );
}

/** Twilio's verdict on a FAILED campaign, with its error codes, as a dead-letter reason. */
export function campaignFailed(c: CampaignRegistration): never {
  const why = describeErrors(c.errors) || 'no reason given';
  throw new RejectedError(`Campaign ${c.sid} FAILED: ${why}`, { campaignSid: c.sid, errors: c.errors }, { kind: 'campaign-failed', stage: STAGE });
}

const snake = (s: string) => s.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/**
 * Corrected campaign fields that UpdateUsAppToPerson cannot change (opt-in, opt-out and help
 * keywords and messages), as CSV column names: those the wanted data sets to something other than
 * what `held` has. A field the data leaves empty is not a correction (Twilio fills its defaults).
 */
export function fixedFieldChanges(wanted: Partial<Record<CampaignFixedField, string | string[] | undefined>>, held: Partial<Record<CampaignFixedField, string | string[] | null | undefined>>): string[] {
  const norm = (v: string | string[] | null | undefined) => (v === undefined || v === null ? null : JSON.stringify(Array.isArray(v) ? v.map((x) => x.toUpperCase()) : v));
  return CAMPAIGN_FIXED_FIELDS.filter((f) => wanted[f] !== undefined && norm(wanted[f]) !== norm(held[f])).map(snake);
}
