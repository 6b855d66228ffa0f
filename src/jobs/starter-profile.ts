import { assignOnce, evaluateOrReject, submitOnce } from './bundle.js';
import { ensure, friendlyName, type StageContext, type StageOutcome } from './context.js';

const STAGE = 'starter-profile';

/**
 * Section 1 of the Sole Proprietor guide: the customer's Starter Customer Profile.
 * Create the profile (1.2), its end user (1.3), address (1.4) and address document (1.5),
 * assign them and the ISV's primary profile (1.6), evaluate (1.7) and submit (1.8).
 * Then wait 30 s for synchronous rejections before the trust bundle.
 */
export async function starterProfile(ctx: StageContext): Promise<StageOutcome> {
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
  );

  const endUserName = friendlyName(customerId, 'Starter Profile End User');
  const endUser = await ensure(
    ctx, STAGE, 'starterEndUser',
    () => gateway.createEndUser({
      friendlyName: endUserName,
      type: 'starter_customer_profile_information',
      attributes: { first_name: c.firstName, last_name: c.lastName, email: c.email, phone_number: c.phoneNumber },
    }),
    () => gateway.findEndUserByFriendlyName(endUserName),
  );

  const addressName = friendlyName(customerId, 'Address');
  const address = await ensure(
    ctx, STAGE, 'address',
    () => gateway.createAddress({
      friendlyName: addressName,
      customerName: `${c.firstName} ${c.lastName}`,
      street: c.street,
      streetSecondary: c.streetSecondary,
      city: c.city,
      region: c.region,
      postalCode: c.postalCode,
      isoCountry: c.isoCountry,
    }),
    () => gateway.findAddressByFriendlyName(addressName),
  );

  const documentName = friendlyName(customerId, 'Address Document');
  const document = await ensure(
    ctx, STAGE, 'addressDocument',
    () => gateway.createSupportingDocument({ friendlyName: documentName, type: 'customer_profile_address', attributes: { address_sids: address } }),
    () => gateway.findSupportingDocumentByFriendlyName(documentName),
  );

  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignEndUser', endUser);
  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignDocument', document);
  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignPrimary', settings.isvPrimaryProfileSid);

  await evaluateOrReject(ctx, 'customerProfile', profile, settings.starterPolicySid);
  const status = await submitOnce(ctx, 'customerProfile', profile);
  await ctx.ledger.setStatus(customerId, { customerProfile: status });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `starter profile ${profile} submitted (${status})`);
  return { kind: 'next', stage: 'trust-bundle', delayMs: settings.validationWaitMs };
}
