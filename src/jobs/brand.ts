import { rejectIfRejected } from './bundle.js';
import { ensure, requireSid, type StageContext, type StageOutcome } from './context.js';

const STAGE = 'brand';

/**
 * Section 3: register the Sole Proprietor Brand. Brands cost fees, so look first: a
 * rejected profile or trust bundle ends here. A lost answer is found again by the trust
 * bundle SID (one bundle, one brand), never by creating a second brand. A FAILED brand is
 * resubmitted (same SID) once per generation of the customer: after a redrive or corrected data.
 */
export async function brand(ctx: StageContext): Promise<StageOutcome> {
  const { gateway, settings, customerId } = ctx;
  const profileSid = await requireSid(ctx, 'customerProfile');
  const bundleSid = await requireSid(ctx, 'trustProduct');
  const known = await ctx.ledger.sid(customerId, 'brand');

  if (!known) {
    const bundle = await gateway.fetchBundle('trustProduct', bundleSid);
    await ctx.ledger.setStatus(customerId, { trustProduct: bundle.status });
    rejectIfRejected('trustProduct', bundle);
  }

  const brandSid = await ensure(
    ctx, STAGE, 'brand',
    async () => (await gateway.createBrand({ customerProfileBundleSid: profileSid, a2pProfileBundleSid: bundleSid })).sid,
    (l) => gateway.findBrandByBundle(bundleSid, l.afterRestart),
  );

  let event = `brand ${brandSid} registered`;
  if (known) {
    const rec = await ctx.ledger.get(customerId);
    const submittedGen = Number(rec?.status['brandSubmittedGen'] ?? 1);
    const current = await gateway.fetchBrand(brandSid);
    if (current.status === 'FAILED' && ctx.gen > submittedGen) {
      const status = await resubmitBrand(ctx, brandSid);
      event = `brand ${brandSid} resubmitted (${status})`;
    } else {
      event = `brand ${brandSid} already registered (${current.status})`;
    }
  }
  await ctx.ledger.setStatus(customerId, { brandPolls: '0' });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', event);
  return { kind: 'next', stage: 'brand-status', delayMs: settings.validationWaitMs };
}

/**
 * The one place a brand is resubmitted (each resubmission is charged): after corrected data or a
 * redrive (above), and after Twilio's temporary error 30791 (brand-status, a bounded few times).
 * Returns the brand's status after the resubmission.
 */
export async function resubmitBrand(ctx: StageContext, brandSid: string): Promise<string> {
  const res = await ctx.gateway.resubmitBrand(brandSid);
  await ctx.ledger.setStatus(ctx.customerId, { brandSubmittedGen: String(ctx.gen), brand: res.status });
  return res.status;
}
