import { RejectedError } from '../twilio/errors.js';
import type { CampaignParams, CampaignRegistration } from '../twilio/gateway.js';
import { describeErrors } from './bundle.js';
import { ensure, friendlyName, requireSid, type StageContext, type StageOutcome } from './context.js';

const STAGE = 'campaign';

/**
 * Section 4: the customer's Messaging Service (unless the row names one) and the
 * SOLE_PROPRIETOR campaign. Campaigns cost fees: a lost answer is found on the service
 * (one campaign per service) before anything is created again. A FAILED campaign is corrected
 * and resubmitted (same SID) once per generation of the customer. Then the `sender-number` stage
 * puts the number on the service; vetting takes days and the sweeps watch it until VERIFIED (`live`).
 */
export async function campaign(ctx: StageContext): Promise<StageOutcome> {
  const { gateway, customerId } = ctx;
  const c = await ctx.ledger.getCustomer(customerId);
  const brandSid = await requireSid(ctx, 'brand');

  if (c.messagingServiceSid && !(await ctx.ledger.sid(customerId, 'campaign')) && !(await gateway.messagingServiceExists(c.messagingServiceSid))) {
    throw new RejectedError(`messaging_service_sid ${c.messagingServiceSid} does not exist on this Twilio account`);
  }
  const serviceName = friendlyName(customerId, 'Messaging Service');
  const serviceSid =
    c.messagingServiceSid ??
    (await ensure(
      ctx, STAGE, 'messagingService',
      () => gateway.createMessagingService(serviceName),
      (l) => gateway.findMessagingServiceByFriendlyName(serviceName, l.afterRestart),
    ));

  const params: CampaignParams = { brandRegistrationSid: brandSid, ...c.campaign };
  let status: string | null = null;
  const known = await ctx.ledger.sid(customerId, 'campaign');
  const campaignSid = await ensure(
    ctx, STAGE, 'campaign',
    async () => {
      const created = await gateway.createCampaign(serviceSid, params);
      status = created.campaignStatus;
      return created.sid;
    },
    async () => {
      const found = await gateway.findCampaign(serviceSid, brandSid);
      status = found?.campaignStatus ?? null;
      return found?.sid ?? null;
    },
  );
  let event = `campaign ${campaignSid} created on ${serviceSid}`;
  if (known) {
    const rec = await ctx.ledger.get(customerId);
    const current = await gateway.fetchCampaign(serviceSid, campaignSid);
    status = current.campaignStatus;
    event = `campaign ${campaignSid} already created`;
    if (current.campaignStatus === 'FAILED') {
      if (ctx.gen > Number(rec?.status['campaignSubmittedGen'] ?? 1)) {
        status = (await gateway.updateCampaign(serviceSid, campaignSid, params)).campaignStatus;
        await ctx.ledger.setStatus(customerId, { campaignSubmittedGen: String(ctx.gen) });
        event = `campaign ${campaignSid} corrected and resubmitted`;
      } else {
        campaignFailed(current);
      }
    }
  }
  const fields: Record<string, string> = { messagingServiceSid: serviceSid, campaignChecks: '0' };
  if (status) fields['campaign'] = status;
  await ctx.ledger.setStatus(customerId, fields);
  ctx.log.info({ customerId, event, campaign: status }, 'campaign stage done');
  // The sender number goes on the service next; that stage marks the customer completed and watches the vetting.
  return { kind: 'next', stage: 'sender-number', delayMs: 0 };
}

/** Twilio's verdict on a FAILED campaign, with its error codes, as a dead-letter reason. */
export function campaignFailed(c: CampaignRegistration): never {
  const why = describeErrors(c.errors) || 'no reason given';
  throw new RejectedError(`Campaign ${c.sid} FAILED: ${why}`, { campaignSid: c.sid, errors: c.errors });
}
