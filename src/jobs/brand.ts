import { isBusiness } from '../ledger/ledger.js';
import { isAuthPlusFailure } from './auth-plus.js';
import { BUNDLE_ROLES, rejectIfRejected } from './bundle.js';
import { ensure, requireSid } from './ensure.js';
import type { StageContext, StageOutcome } from './outcome.js';
import { brandIsMock, recordFee } from './fees.js';
import type { Brand } from '../twilio/gateway.js';

const STAGE = 'brand';

/**
 * Register the brand: a Sole Proprietor's (002 section 3) on its trust bundle, or a business's Standard
 * brand (Twilio's Standard ISV guide, step 3) on its A2P Messaging Trust Product, `STANDARD`, with
 * SkipAutomaticSecVet for Low-Volume Standard. Brands cost fees, so look first: a rejected profile or
 * trust bundle ends here. A lost answer is found again by the trust bundle SID (one bundle, one brand),
 * never by creating a second brand. A FAILED brand is resubmitted (same SID) once per generation of the
 * customer: after a redrive or corrected data.
 */
export async function brand(ctx: StageContext): Promise<StageOutcome<'brand-status'>> {
  const { gateway, settings, customerId } = ctx;
  const customer = await ctx.ledger.getAnyCustomer(customerId);
  const business = isBusiness(customer) ? customer : null;
  const profileSid = await requireSid(ctx, 'customerProfile');
  // A business's brand rests on its A2P Messaging Trust Product; a Sole Proprietor's on its trust bundle.
  const slot = business ? 'a2pProduct' : 'trustProduct';
  const bundleSid = await requireSid(ctx, slot);
  const known = await ctx.ledger.sid(customerId, 'brand');

  if (!known) {
    const bundle = await gateway.fetchBundle('trustProduct', bundleSid);
    await ctx.ledger.setStatus(customerId, { [slot]: bundle.status });
    rejectIfRejected('trustProduct', bundle, business ? BUNDLE_ROLES.a2pProduct : BUNDLE_ROLES.soleProprietorBundle);
  }

  const mock = settings.mockBrands ?? false;
  const lowVolume = business?.brandType === 'low_volume_standard';
  const brandSid = await ensure(
    ctx, STAGE, 'brand',
    async () => {
      const created = await gateway.createBrand({
        customerProfileBundleSid: profileSid,
        a2pProfileBundleSid: bundleSid,
        mock,
        ...(business ? { brandType: 'STANDARD' as const, skipAutomaticSecVet: lowVolume } : {}),
      });
      // Recorded as soon as Twilio answers, keyed by the SID: the fee is tied to the brand, not to this try.
      await recordBrandFee(ctx, created, 'created', 'brand registered');
      if (created.mock || mock) await ctx.ledger.setStatus(customerId, { brandMock: true });
      return created.sid;
    },
    async (l) => {
      const found = await gateway.findBrandByBundle(bundleSid, l.afterRestart);
      // A brand an earlier try created but did not record was submitted (and charged) all the same:
      // the same key as above, so a fee that try did record is not counted again.
      if (found) await recordFee(ctx, 'brand', `brand:${found}:created`, { sid: found, what: 'brand registered (found after a lost answer)', mock });
      return found;
    },
  );

  if (business) await ctx.ledger.setStatus(customerId, { brandType: lowVolume ? 'LOW_VOLUME_STANDARD' : 'STANDARD' });
  let event = `${business ? (lowVolume ? 'Low-Volume Standard ' : 'Standard ') : ''}brand ${brandSid} registered`;
  if (known) {
    const rec = await ctx.ledger.get(customerId);
    const submittedGen = rec?.status.brandSubmittedGen ?? 1;
    const current = await gateway.fetchBrand(brandSid);
    if (current.status === 'FAILED' && isAuthPlusFailure(current)) {
      // Authentication+ not finished: a fresh email (brand-status), not a new registration, is what helps.
      event = `brand ${brandSid} FAILED for Authentication+; the brand-status stage asks for a fresh email`;
    } else if (current.status === 'FAILED' && ctx.gen > submittedGen) {
      const res = await resubmitBrand(ctx, brandSid, `gen ${ctx.gen}`);
      event = `brand ${brandSid} resubmitted (${res.status})`;
    } else {
      event = `brand ${brandSid} already registered (${current.status})`;
    }
  }
  await ctx.ledger.setStatus(customerId, { brandPolls: 0 });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', event);
  return { kind: 'next', stage: 'brand-status', delayMs: settings.validationWaitMs };
}

/**
 * The one place a brand is resubmitted, so each resubmission is charged in the ledger (Twilio bills
 * resubmissions like first submissions): after corrected data or a redrive (above), and after Twilio's
 * temporary error 30791 (brand-status, a bounded few times). `key` names this submission among the
 * brand's (`gen 3`, `gen 3 retry 1`): a try that repeats it records no second fee.
 */
export async function resubmitBrand(ctx: StageContext, brandSid: string, key: string): Promise<Brand> {
  const res = await ctx.gateway.resubmitBrand(brandSid);
  await ctx.ledger.setStatus(ctx.customerId, { brandSubmittedGen: ctx.gen, brand: res.status });
  await recordBrandFee(ctx, res, `resubmitted ${key}`, `brand resubmitted (${key})`);
  return res;
}

async function recordBrandFee(ctx: StageContext, b: Brand, submission: string, what: string): Promise<void> {
  await recordFee(ctx, 'brand', `brand:${b.sid}:${submission}`, { sid: b.sid, what, mock: brandIsMock(ctx, b.mock) });
}
