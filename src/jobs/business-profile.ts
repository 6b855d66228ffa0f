import { maskPhone } from '../customers/phone.js';
import type { BusinessCustomer } from '../customers/business.js';
import { RejectedError } from '../twilio/errors.js';
import { reuseHash } from '../ledger/ledger.js';
import { BUNDLE_ROLES, assignOnce, ensureAddressDocument, evaluateOrReject, submitOnce, syncEndpoints } from './bundle.js';
import { ensure } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import { nextCheck } from './settings.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'business-profile';

/**
 * The business flow, part 1 (reference 003, "Create Secondary Business Profile, Add Phone Numbers"):
 * the Secondary Customer Profile with the ISV's primary profile assigned, a customer_profile_address
 * document, the customer_profile_business_information end user and one or two authorized
 * representatives; the customer's phone numbers as channel endpoints; a local check against the
 * policy; evaluation; submission. Then, after the validation wait, the SHAKEN/STIR Trust Product (when
 * asked for) and the Standard brand's A2P Messaging Trust Product (brand_type standard or
 * low_volume_standard); without either the customer is `completed` and watched until Twilio approves.
 */
export async function businessProfile(ctx: StageContext): Promise<StageOutcome<'shaken-stir' | 'a2p-profile'>> {
  const { gateway, settings, customerId } = ctx;
  const c = await ctx.ledger.getBusinessCustomer(customerId);

  const profileName = friendlyName(customerId, 'Secondary Customer Profile');
  const profile = await ensure(
    ctx, STAGE, 'customerProfile',
    () => gateway.createBundle('customerProfile', { friendlyName: profileName, email: c.email, policySid: settings.businessPolicySid, statusCallback: settings.statusCallbackUrl }),
    () => gateway.findBundleByFriendlyName('customerProfile', profileName),
    { data: { email: c.email }, update: (sid) => gateway.updateBundle('customerProfile', sid, { email: c.email }) },
  );

  const info = businessInformation(c);
  const infoName = friendlyName(customerId, 'Business Information');
  const infoSid = await ensure(
    ctx, STAGE, 'businessInfoEndUser',
    () => gateway.createEndUser({ friendlyName: infoName, type: 'customer_profile_business_information', attributes: info }),
    (l) => gateway.findEndUserByFriendlyName(infoName, l.afterRestart),
    { data: info, update: (sid) => gateway.updateEndUser(sid, info) },
  );

  const reps: { type: string; attributes: Record<string, string>; sid: string }[] = [];
  for (const [i, r] of c.representatives.entries()) {
    const n = (i + 1) as 1 | 2;
    const type = `authorized_representative_${n}`;
    const attributes = { first_name: r.firstName, last_name: r.lastName, email: r.email, phone_number: r.phoneNumber, business_title: r.businessTitle, job_position: r.jobPosition };
    const name = friendlyName(customerId, `Authorized Representative ${n}`);
    const sid = await ensure(
      ctx, STAGE, n === 1 ? 'rep1EndUser' : 'rep2EndUser',
      () => gateway.createEndUser({ friendlyName: name, type, attributes }),
      (l) => gateway.findEndUserByFriendlyName(name, l.afterRestart),
      { data: attributes, update: (s) => gateway.updateEndUser(s, attributes) },
    );
    reps.push({ type, attributes, sid });
  }

  const { address, document } = await ensureAddressDocument(ctx, STAGE, c.business.name, c);

  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignPrimary', settings.isvPrimaryProfileSid);
  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignDocument', document);
  await assignOnce(ctx, STAGE, 'customerProfile', profile, 'profileAssignBusinessInfo', infoSid);
  for (const [i, r] of reps.entries()) await assignOnce(ctx, STAGE, 'customerProfile', profile, i === 0 ? 'profileAssignRep1' : 'profileAssignRep2', r.sid);
  // Corrected data without a second representative: take the earlier one off the profile (the end user is kept for reuse).
  const staleRep2 = reps.length < 2 ? await ctx.ledger.sid(customerId, 'profileAssignRep2') : null;
  if (staleRep2) {
    await gateway.removeAssignment('customerProfile', profile, staleRep2);
    await ctx.ledger.clearSid(customerId, 'profileAssignRep2', STAGE);
  }

  await syncEndpoints(ctx, STAGE, 'customerProfile', profile, await phoneNumberSids(ctx, c));

  await evaluateOrReject(
    ctx, 'customerProfile', profile, settings.businessPolicySid,
    {
      endUsers: [{ type: 'customer_profile_business_information', attributes: info }, ...reps],
      documents: [{ type: 'customer_profile_address', attributes: { address_sids: address } }],
      customerProfiles: ['primary_customer_profile_type_business'],
    },
    BUNDLE_ROLES.businessProfile,
  );
  const { status, submitted } = await submitOnce(ctx, 'customerProfile', profile, BUNDLE_ROLES.businessProfile);
  await ctx.ledger.setStatus(customerId, { customerProfile: status });
  const event = `secondary business profile ${profile} ${submitted ? 'submitted' : 'already submitted'} (${status})`;
  if (c.shakenStir || c.a2p) {
    await ctx.ledger.transition(customerId, STAGE, 'in_progress', event);
    // Both look at the profile first: after the validation wait, a synchronous rejection stops the customer there.
    return { kind: 'next', stage: c.shakenStir ? 'shaken-stir' : 'a2p-profile', delayMs: submitted ? settings.validationWaitMs : 0 };
  }
  return businessCompleted(ctx, STAGE, event);
}

/** customer_profile_business_information attributes, as the guide (003) names them. */
function businessInformation(c: BusinessCustomer): Record<string, string> {
  const b = c.business;
  return {
    business_name: b.name,
    business_identity: b.identity,
    business_type: b.type,
    business_industry: b.industry,
    business_registration_identifier: b.registrationIdentifier,
    business_registration_number: b.registrationNumber,
    business_regions_of_operation: b.regionsOfOperation,
    website_url: b.websiteUrl,
    social_media_profile_urls: b.socialMediaProfileUrls ?? '',
  };
}

/**
 * The PN SIDs of the customer's numbers, through the account's IncomingPhoneNumbers (recorded in the
 * ledger, so a re-run does not look them up again). A number the account does not own is the
 * customer's data problem: a rejection naming which number (masked) and what to do.
 */
export async function phoneNumberSids(ctx: StageContext, c: BusinessCustomer): Promise<string[]> {
  const rec = await ctx.ledger.get(ctx.customerId);
  const known: Record<string, string> = { ...rec?.status.phoneNumberSids };
  const out: string[] = [];
  const missing: string[] = [];
  for (const [i, e164] of c.phoneNumbers.entries()) {
    // Keyed by a hash: the status fields stay free of customers' numbers.
    const key = reuseHash(e164);
    let sid = known[key];
    if (!sid) {
      sid = (await ctx.gateway.findIncomingPhoneNumber(e164)) ?? undefined;
      if (sid) known[key] = sid;
    }
    if (sid) out.push(sid);
    else missing.push(`number ${i + 1} (${maskPhone(e164)})`);
  }
  await ctx.ledger.setStatus(ctx.customerId, { phoneNumberSids: known });
  if (missing.length) {
    throw new RejectedError(
      `phone_numbers: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not a phone number of this Twilio account (no IncomingPhoneNumber); only the account's own numbers can be assigned to the customer's profile`,
      { missing: missing.length },
      { kind: 'phone-numbers-not-owned' },
    );
  }
  return out;
}

/**
 * The business customer's terminal state in this pipeline: `completed` once every bundle is
 * submitted; the sweeps (and the status callbacks) then watch the bundles until Twilio approves
 * them all (`live`) or rejects one (dead letter, with Twilio's reason).
 */
export async function businessCompleted(ctx: StageContext, stage: string, event: string): Promise<StageOutcome> {
  const at = nextCheck(ctx.settings, ctx.now(), 0);
  await ctx.ledger.setStatus(ctx.customerId, { bundleChecks: 0 });
  await ctx.ledger.transition(ctx.customerId, stage, 'completed', `${event}; every bundle submitted, waiting for Twilio's review`, { watchAt: at });
  return { kind: 'watch', at };
}
