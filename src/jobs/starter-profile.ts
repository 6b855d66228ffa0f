import { assignOnce, ensureAddressDocument, evaluateOrReject, submitOnce } from './bundle.js';
import { ensure } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'starter-profile';

/**
 * Section 1 of the Sole Proprietor guide: the customer's Starter Customer Profile.
 * Create the profile (1.2), its end user (1.3), address (1.4) and address document (1.5),
 * assign them and the ISV's primary profile (1.6), evaluate (1.7) and submit (1.8).
 * Then wait 30 s for synchronous rejections before the trust bundle.
 */
export async function starterProfile(ctx: StageContext): Promise<StageOutcome<'trust-bundle'>> {
  const { gateway, settings, customerId } = ctx;
  const c = await ctx.ledger.getCustomer(customerId);

  const profile = await ensure(
    ctx, STAGE, 'customerProfile',
    () => gateway.createBundle('customerProfile', {
      friendlyName: friendlyName(customerId, 'Starter Customer Profile'),
      email: c.email,
      policySid: settings.starterPolicySid,
      statusCallback: settings.statusCallbackUrl,
    }),
    () => gateway.findBundleByFriendlyName('customerProfile', friendlyName(customerId, 'Starter Customer Profile')),
    { data: { email: c.email }, update: (sid) => gateway.updateBundle('customerProfile', sid, { email: c.email }) },
  );

  const endUserName = friendlyName(customerId, 'Starter Profile End User');
  const endUserAttributes = { first_name: c.firstName, last_name: c.lastName, email: c.email, phone_number: c.phoneNumber };
  const endUser = await ensure(
    ctx, STAGE, 'starterEndUser',
    () => gateway.createEndUser({ friendlyName: endUserName, type: 'starter_customer_profile_information', attributes: endUserAttributes }),
    (l) => gateway.findEndUserByFriendlyName(endUserName, l.afterRestart),
    { data: endUserAttributes, update: (sid) => gateway.updateEndUser(sid, endUserAttributes) },
  );

  const { address, document } = await ensureAddressDocument(ctx, STAGE, `${c.firstName} ${c.lastName}`, c);

  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignEndUser', endUser);
  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignDocument', document);
  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignPrimary', settings.isvPrimaryProfileSid);

  await evaluateOrReject(ctx, 'customerProfile', profile, settings.starterPolicySid, {
    endUsers: [{ type: 'starter_customer_profile_information', attributes: endUserAttributes }],
    documents: [{ type: 'customer_profile_address', attributes: { address_sids: address } }],
    customerProfiles: ['primary_customer_profile_type_business'],
  });
  const { status, submitted } = await submitOnce(ctx, 'customerProfile', profile);
  await ctx.ledger.setStatus(customerId, { customerProfile: status });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `starter profile ${profile} ${submitted ? 'submitted' : 'already submitted'} (${status})`);
  // The 30 s wait is for rejections of what was just submitted; nothing submitted, nothing to wait for.
  return { kind: 'next', stage: 'trust-bundle', delayMs: submitted ? settings.validationWaitMs : 0 };
}
