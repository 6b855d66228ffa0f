import { bundleField } from '../ledger/status-fields.js';
import { BUNDLE_ROLES, rejectIfRejected, type BundleRole } from './bundle.js';
import { followStandardBrand } from './auth-plus.js';
import type { BusinessCustomer } from '../customers/business.js';
import type { CustomerRecord } from '../ledger/ledger.js';
import type { BundleKind } from '../ledger/status-fields.js';
import { awaitOtp, brandVerdict, isTemporaryFailure, otpClock } from './brand-status.js';
import { campaignFailed } from './campaign.js';
import { nextCheck } from './settings.js';
import type { StageContext } from './outcome.js';
import { isStageName, type AnyStageOutcome } from './registry.js';
import { businessRecheck } from './business-status.js';

/**
 * What a sweep does for one watched customer: look at what it waits on and move it on.
 * - in_progress: our own job should be running; the wiring makes sure it exists (no Twilio call).
 * - awaiting_otp: bundles (with callbacks on, only before an OTP re-send or expiry), then brand status and identity; OTP re-sends and the 30-day limit (from the brand's registration).
 * - awaiting_email (a public company's Standard brand): the brand and its Authentication+ vetting; re-sends and the 7-day limit (auth-plus.ts).
 * - completed: campaign vetting; VERIFIED means live, FAILED goes to the dead letter with Twilio's codes.
 * Rejections throw RejectedError like any stage, so the dead letter and the reasons are the same.
 */
export async function recheck(ctx: StageContext): Promise<AnyStageOutcome> {
  const { gateway, customerId, settings } = ctx;
  const rec = await ctx.ledger.get(customerId);
  if (!rec) return { kind: 'done' };
  if (rec.flow === 'business') {
    const c = await ctx.ledger.getBusinessCustomer(customerId);
    if (!c.a2p) return businessRecheck(ctx, rec);
    return standardRecheck(ctx, rec, c);
  }

  // A status callback said a bundle was rejected: confirm with Twilio (callbacks can be late,
  // or about a submission a remediation has since replaced) and dead-letter at once if so.
  await confirmReportedRejections(ctx, rec, { customerProfile: BUNDLE_ROLES.starterProfile, trustProduct: BUNDLE_ROLES.soleProprietorBundle });

  switch (rec.state) {
    case 'in_progress':
      return isStageName(rec.stage) ? { kind: 'rerun', stage: rec.stage } : { kind: 'done' };

    case 'awaiting_otp': {
      // The wait can last 30 days. With status callbacks on, a bundle's rejection arrives by
      // callback (which re-checks at once, above), so a re-check reads only the brand: one call
      // instead of three. The bundles are still read before an OTP re-send and before the wait
      // expires, in case a callback was lost.
      const clock = otpClock(rec, settings, ctx.now());
      const readBundles = !settings.statusCallbackUrl || clock.resendDue || clock.expired;
      for (const kind of ['customerProfile', 'trustProduct'] as const) {
        const sid = rec.sids[kind];
        if (!sid || !readBundles) continue;
        const bundle = await gateway.fetchBundle(kind, sid);
        await ctx.ledger.setStatus(customerId, { [kind]: bundle.status });
        rejectIfRejected(kind, bundle);
      }
      const brandSid = rec.sids.brand;
      if (!brandSid) return { kind: 'rerun', stage: 'brand' };
      const b = await gateway.fetchBrand(brandSid);
      await ctx.ledger.setStatus(customerId, { brand: b.status, brandIdentity: b.identityStatus ?? '' });
      // Twilio's temporary error: the brand-status stage waits about 30 s and resubmits (bounded).
      if (isTemporaryFailure(b)) return { kind: 'rerun', stage: 'brand-status' };
      const settled = await brandVerdict(ctx, b);
      if (settled) return settled;
      if (b.status === 'APPROVED') return awaitOtp(ctx, b, rec);
      return { kind: 'rerun', stage: 'brand-status' };
    }

    case 'completed':
      return campaignRecheck(ctx, rec);

    default:
      return { kind: 'done' };
  }
}

/**
 * A business with a Standard brand: bundles whose rejection a status callback reported are confirmed
 * first; then the brand (a public company's Authentication+ wait) and the campaign's vetting, as for
 * a Sole Proprietor.
 */
async function standardRecheck(ctx: StageContext, rec: CustomerRecord, c: BusinessCustomer): Promise<AnyStageOutcome> {
  const { gateway, customerId } = ctx;
  await confirmReportedRejections(ctx, rec, { customerProfile: BUNDLE_ROLES.businessProfile, trustProduct: BUNDLE_ROLES.shakenStir, a2pProduct: BUNDLE_ROLES.a2pProduct });
  switch (rec.state) {
    case 'in_progress':
      return isStageName(rec.stage) ? { kind: 'rerun', stage: rec.stage } : { kind: 'done' };
    case 'awaiting_email': {
      const brandSid = rec.sids.brand;
      if (!brandSid) return { kind: 'rerun', stage: 'brand' };
      const b = await gateway.fetchBrand(brandSid);
      await ctx.ledger.setStatus(customerId, { brand: b.status, brandIdentity: b.identityStatus ?? '' });
      if (isTemporaryFailure(b)) return { kind: 'rerun', stage: 'brand-status' };
      const followed = await followStandardBrand(ctx, b, rec, c);
      if (followed) return followed;
      const settled = await brandVerdict(ctx, b, true);
      if (settled) return settled;
      return { kind: 'rerun', stage: 'brand-status' };
    }
    case 'completed':
      return campaignRecheck(ctx, rec);
    default:
      return { kind: 'done' };
  }
}

/** A status callback said a bundle was rejected: confirm with Twilio (callbacks can be late) and dead-letter at once if so. */
async function confirmReportedRejections(ctx: StageContext, rec: CustomerRecord, roles: Partial<Record<BundleKind, BundleRole>>): Promise<void> {
  for (const [slot, role] of Object.entries(roles) as [BundleKind, BundleRole][]) {
    const sid = rec.sids[slot];
    if (!sid || rec.status[slot] !== 'twilio-rejected') continue;
    const kind = slot === 'customerProfile' ? 'customerProfile' : 'trustProduct';
    const bundle = await ctx.gateway.fetchBundle(kind, sid);
    await ctx.ledger.setStatus(ctx.customerId, { [slot]: bundle.status });
    if (bundle.status === 'twilio-rejected' && bundle.errors.length === 0 && rec.status[bundleField(slot, 'FailureReason')]) {
      bundle.errors = [{ failure_reason: rec.status[bundleField(slot, 'FailureReason')] }];
    }
    rejectIfRejected(kind, bundle, role);
  }
}

/** A customer whose campaign is submitted: VERIFIED with a number on the service is live; FAILED is dead-lettered at `campaign`. */
async function campaignRecheck(ctx: StageContext, rec: CustomerRecord): Promise<AnyStageOutcome> {
  const { gateway, customerId, settings } = ctx;
  const serviceSid = rec.status.messagingServiceSid ?? rec.sids.messagingService;
  const campaignSid = rec.sids.campaign;
  if (!serviceSid || !campaignSid) return { kind: 'rerun', stage: 'campaign' };
  const c = await gateway.fetchCampaign(serviceSid, campaignSid);
  const checks = rec.status.campaignChecks ?? 0;
  await ctx.ledger.setStatus(customerId, { campaign: c.campaignStatus ?? '', campaignChecks: checks + 1 });
  // Dead-lettered at `campaign` (campaignFailed says so), so a redrive resubmits the campaign.
  if (c.campaignStatus === 'FAILED') campaignFailed(c);
  // Live means able to send: the campaign VERIFIED and a number on the service (the sender-number stage's).
  const number = rec.sids.servicePhoneNumber;
  if (!number && rec.status.senderNumber !== 'missing') return { kind: 'rerun', stage: 'sender-number' };
  if (c.campaignStatus === 'VERIFIED' && number) {
    await ctx.ledger.transition(customerId, 'sender-number', 'live', `campaign ${campaignSid} VERIFIED and number ${number} on Messaging Service ${serviceSid}: the customer can send A2P texts`);
    return { kind: 'done' };
  }
  // Vetted, and waiting for a number only the operator can give: re-checking would spend the budget for nothing.
  if (c.campaignStatus === 'VERIFIED') {
    await ctx.ledger.unwatch(customerId);
    return { kind: 'done' };
  }
  const at = nextCheck(settings, ctx.now(), checks + 1);
  return { kind: 'watch', at };
}
