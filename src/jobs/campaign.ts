import { RejectedError } from '../twilio/errors.js';
import { ensure, friendlyName, requireSid, type StageContext, type StageOutcome } from './context.js';

const STAGE = 'campaign';

/**
 * Section 4: the customer's Messaging Service (unless the row names one) and the
 * SOLE_PROPRIETOR campaign. Campaigns cost fees: a lost answer is found on the service
 * (one campaign per service) before anything is created again.
 */
export async function campaign(ctx: StageContext): Promise<StageOutcome> {
  const { gateway, customerId } = ctx;
  const c = await ctx.ledger.getCustomer(customerId);
  const brandSid = await requireSid(ctx, 'brand');

  if (c.messagingServiceSid && !(await ctx.ledger.sid(customerId, 'campaign')) && !(await gateway.messagingServiceExists(c.messagingServiceSid))) {
    throw new RejectedError(
      `messaging_service_sid ${c.messagingServiceSid} does not exist on this Twilio account: fix the column, or leave it empty to have a Messaging Service created`,
    );
  }
  const serviceName = friendlyName(customerId, 'Messaging Service');
  const serviceSid =
    c.messagingServiceSid ??
    (await ensure(
      ctx, STAGE, 'messagingService',
      () => gateway.createMessagingService(serviceName),
      () => gateway.findMessagingServiceByFriendlyName(serviceName),
    ));

  let campaignStatus: string | null = null;
  const campaignSid = await ensure(
    ctx, STAGE, 'campaign',
    async () => {
      const created = await gateway.createCampaign(serviceSid, { brandRegistrationSid: brandSid, ...c.campaign });
      campaignStatus = created.campaignStatus;
      return created.sid;
    },
    async () => {
      const found = await gateway.findCampaign(serviceSid, brandSid);
      campaignStatus = found?.campaignStatus ?? null;
      return found?.sid ?? null;
    },
  );
  const fields: Record<string, string> = { messagingServiceSid: serviceSid };
  if (campaignStatus) fields['campaign'] = campaignStatus;
  await ctx.ledger.setStatus(customerId, fields);
  await ctx.ledger.transition(customerId, STAGE, 'completed', `campaign ${campaignSid} created on ${serviceSid}${campaignStatus ? ` (${campaignStatus})` : ''}`);
  return { kind: 'done' };
}
