import { BUNDLE_ROLES, assignOnce, evaluateOrReject, rejectIfRejected, submitOnce, syncEndpoints } from './bundle.js';
import { businessCompleted, phoneNumberSids } from './business-profile.js';
import { ensure, requireSid } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'shaken-stir';

/**
 * The business flow, part 2 (reference 003, "Create Trust Product, Add Phone Numbers, and Submit"):
 * after the validation wait, a rejection of the Secondary Business Profile ends the customer here.
 * Otherwise the SHAKEN/STIR Trust Product, with the profile assigned and the same phone numbers
 * (only numbers already on the profile are eligible), is checked, evaluated and submitted.
 */
export async function shakenStir(ctx: StageContext): Promise<StageOutcome<'a2p-profile'>> {
  const { gateway, settings, customerId } = ctx;
  const c = await ctx.ledger.getBusinessCustomer(customerId);
  const profileSid = await requireSid(ctx, 'customerProfile');

  const profile = await gateway.fetchBundle('customerProfile', profileSid);
  await ctx.ledger.setStatus(customerId, { customerProfile: profile.status });
  rejectIfRejected('customerProfile', profile, BUNDLE_ROLES.businessProfile);

  const name = friendlyName(customerId, 'SHAKEN/STIR Trust Product');
  const product = await ensure(
    ctx, STAGE, 'trustProduct',
    () => gateway.createBundle('trustProduct', { friendlyName: name, email: c.email, policySid: settings.shakenStirPolicySid, statusCallback: settings.statusCallbackUrl }),
    () => gateway.findBundleByFriendlyName('trustProduct', name),
    { data: { email: c.email }, update: (sid) => gateway.updateBundle('trustProduct', sid, { email: c.email }) },
  );
  await assignOnce(ctx, STAGE, 'trustProduct', product, 'bundleAssignProfile', profileSid);
  await syncEndpoints(ctx, STAGE, 'trustProduct', product, await phoneNumberSids(ctx, c));

  await evaluateOrReject(
    ctx, 'trustProduct', product, settings.shakenStirPolicySid,
    { endUsers: [], documents: [], customerProfiles: ['secondary_customer_profile_type_business'] },
    BUNDLE_ROLES.shakenStir,
  );
  const { status, submitted } = await submitOnce(ctx, 'trustProduct', product, BUNDLE_ROLES.shakenStir);
  await ctx.ledger.setStatus(customerId, { trustProduct: status });
  const event = `SHAKEN/STIR trust product ${product} ${submitted ? 'submitted' : 'already submitted'} (${status})`;
  if (c.a2p) {
    // The A2P Messaging Trust Product rests on the profile, not on this product: no wait.
    await ctx.ledger.transition(customerId, STAGE, 'in_progress', event);
    return { kind: 'next', stage: 'a2p-profile', delayMs: 0 };
  }
  return businessCompleted(ctx, STAGE, event);
}
