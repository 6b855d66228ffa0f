import { assignOnce, evaluateOrReject, rejectIfRejected, submitOnce } from './bundle.js';
import { ensure, requireSid } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'trust-bundle';

/**
 * Section 2: the Sole Proprietor A2P Trust Bundle. First look at the starter profile:
 * a rejection surfaced during the wait ends the customer here, before any fee is due.
 * Then create the trust product (2.2), its sole_proprietor_information end user (2.3),
 * assign it and the starter profile (2.4), evaluate (2.5) and submit (2.6).
 */
export async function trustBundle(ctx: StageContext): Promise<StageOutcome<'brand'>> {
  const { gateway, settings, customerId } = ctx;
  const c = await ctx.ledger.getCustomer(customerId);
  const profileSid = await requireSid(ctx, 'customerProfile');

  const profile = await gateway.fetchBundle('customerProfile', profileSid);
  await ctx.ledger.setStatus(customerId, { customerProfile: profile.status });
  rejectIfRejected('customerProfile', profile);

  const bundleName = friendlyName(customerId, 'Sole Proprietor A2P Trust Bundle');
  const bundle = await ensure(
    ctx, STAGE, 'trustProduct',
    () => gateway.createBundle('trustProduct', {
      friendlyName: bundleName,
      email: c.email,
      policySid: settings.soleProprietorPolicySid,
      statusCallback: settings.statusCallbackUrl,
    }),
    () => gateway.findBundleByFriendlyName('trustProduct', bundleName),
    { data: { email: c.email }, update: (sid) => gateway.updateBundle('trustProduct', sid, { email: c.email }) },
  );

  const endUserName = friendlyName(customerId, 'Sole Proprietor End User');
  const attributes: Record<string, string> = { brand_name: c.brandName, mobile_phone_number: c.mobilePhoneNumber };
  if (c.vertical) attributes['vertical'] = c.vertical;
  const endUser = await ensure(
    ctx, STAGE, 'soleProprietorEndUser',
    () => gateway.createEndUser({ friendlyName: endUserName, type: 'sole_proprietor_information', attributes }),
    (l) => gateway.findEndUserByFriendlyName(endUserName, l.afterRestart),
    { data: attributes, update: (sid) => gateway.updateEndUser(sid, attributes) },
  );

  await assignOnce(ctx, STAGE, 'trustProduct', bundle, 'bundleAssignEndUser', endUser);
  await assignOnce(ctx, STAGE, 'trustProduct', bundle, 'bundleAssignProfile', profileSid);

  await evaluateOrReject(ctx, 'trustProduct', bundle, settings.soleProprietorPolicySid, {
    endUsers: [{ type: 'sole_proprietor_information', attributes }],
    documents: [],
    customerProfiles: ['starter_customer_profile_type_business'],
  });
  const { status, submitted } = await submitOnce(ctx, 'trustProduct', bundle);
  await ctx.ledger.setStatus(customerId, { trustProduct: status });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `trust bundle ${bundle} ${submitted ? 'submitted' : 'already submitted'} (${status})`);
  return { kind: 'next', stage: 'brand', delayMs: submitted ? settings.validationWaitMs : 0 };
}
