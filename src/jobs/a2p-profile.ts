import type { BusinessCustomer } from '../customers/business.js';
import { BUNDLE_ROLES, assignOnce, evaluateOrReject, rejectIfRejected, submitOnce } from './bundle.js';
import { businessCompleted } from './business-profile.js';
import { ensure, requireSid } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'a2p-profile';

/**
 * Twilio's Standard ISV guide, step 2: the A2P Messaging Trust Product (policy A2P_MESSAGING_POLICY_SID)
 * with its `us_a2p_messaging_profile_information` end user and the Secondary Customer Profile assigned,
 * checked against the policy, evaluated and submitted. The guide says not to wait for the profile's
 * approval: it runs as soon as the profile is submitted, and stops only if Twilio has already rejected it.
 * The brand registration follows after the validation wait.
 */
export async function a2pProfile(ctx: StageContext): Promise<StageOutcome<'brand'>> {
  const { gateway, settings, customerId } = ctx;
  const c = await ctx.ledger.getBusinessCustomer(customerId);
  // Corrected data (`ingest --update`) may have turned the brand off since this job was queued.
  if (!c.a2p) return businessCompleted(ctx, STAGE, 'brand_type none: no A2P brand');
  const profileSid = await requireSid(ctx, 'customerProfile');
  const profile = await gateway.fetchBundle('customerProfile', profileSid);
  await ctx.ledger.setStatus(customerId, { customerProfile: profile.status });
  rejectIfRejected('customerProfile', profile, BUNDLE_ROLES.businessProfile);

  const productName = friendlyName(customerId, 'A2P Messaging Trust Product');
  const product = await ensure(
    ctx, STAGE, 'a2pProduct',
    () => gateway.createBundle('trustProduct', { friendlyName: productName, email: c.email, policySid: settings.a2pMessagingPolicySid, statusCallback: settings.statusCallbackUrl }),
    () => gateway.findBundleByFriendlyName('trustProduct', productName),
    { data: { email: c.email }, update: (sid) => gateway.updateBundle('trustProduct', sid, { email: c.email }) },
  );

  const attributes = a2pMessagingInformation(c);
  const endUserName = friendlyName(customerId, 'A2P Messaging Profile Information');
  const endUser = await ensure(
    ctx, STAGE, 'a2pEndUser',
    () => gateway.createEndUser({ friendlyName: endUserName, type: 'us_a2p_messaging_profile_information', attributes }),
    (l) => gateway.findEndUserByFriendlyName(endUserName, l.afterRestart),
    { data: attributes, update: (sid) => gateway.updateEndUser(sid, attributes) },
  );
  await assignOnce(ctx, STAGE, 'trustProduct', product, 'a2pAssignEndUser', endUser);
  await assignOnce(ctx, STAGE, 'trustProduct', product, 'a2pAssignProfile', profileSid);

  await evaluateOrReject(
    ctx, 'trustProduct', product, settings.a2pMessagingPolicySid,
    { endUsers: [{ type: 'us_a2p_messaging_profile_information', attributes }], documents: [], customerProfiles: ['secondary_customer_profile_type_business'] },
    BUNDLE_ROLES.a2pProduct,
  );
  const { status, submitted } = await submitOnce(ctx, 'trustProduct', product, BUNDLE_ROLES.a2pProduct, 'a2pProduct');
  await ctx.ledger.setStatus(customerId, { a2pProduct: status });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `A2P Messaging trust product ${product} ${submitted ? 'submitted' : 'already submitted'} (${status})`);
  return { kind: 'next', stage: 'brand', delayMs: submitted ? settings.validationWaitMs : 0 };
}

/**
 * The end user's attributes as the guide names them: `company_type`, and for a public company its
 * `stock_exchange` and `stock_ticker`; `brand_contact_email` (what Authentication+ writes to) when given.
 */
function a2pMessagingInformation(c: BusinessCustomer): Record<string, string> {
  const a = c.a2p;
  if (!a) return {};
  const out: Record<string, string> = { company_type: a.companyType };
  if (a.stockExchange) out['stock_exchange'] = a.stockExchange;
  if (a.stockTicker) out['stock_ticker'] = a.stockTicker;
  if (a.brandContactEmail) out['brand_contact_email'] = a.brandContactEmail;
  return out;
}
