import { rejectIfRejected } from './bundle.js';
import { ensure, requireSid, type StageContext, type StageOutcome } from './context.js';
import { recordFee } from './fees.js';
import type { Brand } from '../twilio/gateway.js';

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

  const mock = settings.mockBrands ?? false;
  const brandSid = await ensure(
    ctx, STAGE, 'brand',
    async () => {
      const created = await gateway.createBrand({ customerProfileBundleSid: profileSid, a2pProfileBundleSid: bundleSid, mock });
      // Recorded as soon as Twilio answers, keyed by the SID: the fee is tied to the brand, not to this try.
      await recordBrandFee(ctx, created, 'created', 'brand registered');
      if (created.mock || mock) await ctx.ledger.setStatus(customerId, { brandMock: '1' });
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

  let event = `brand ${brandSid} registered`;
  if (known) {
    const rec = await ctx.ledger.get(customerId);
    const submittedGen = Number(rec?.status['brandSubmittedGen'] ?? 1);
    const current = await gateway.fetchBrand(brandSid);
    if (current.status === 'FAILED' && ctx.gen > submittedGen) {
      const res = await resubmitBrand(ctx, brandSid, `gen ${ctx.gen}`);
      await ctx.ledger.setStatus(customerId, { brandSubmittedGen: String(ctx.gen), brand: res.status });
      event = `brand ${brandSid} resubmitted (${res.status})`;
    } else {
      event = `brand ${brandSid} already registered (${current.status})`;
    }
  }
  await ctx.ledger.setStatus(customerId, { brandPolls: '0' });
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', event);
  return { kind: 'next', stage: 'brand-status', delayMs: settings.validationWaitMs };
}

/**
 * Every brand resubmission goes through here, so each one is charged in the ledger: Twilio bills
 * resubmissions like first submissions. The key is the brand's `date_updated` after the
 * resubmission (one per real submission), else `fallbackKey`.
 */
export async function resubmitBrand(ctx: StageContext, brandSid: string, fallbackKey: string): Promise<Brand> {
  const res = await ctx.gateway.resubmitBrand(brandSid);
  await recordBrandFee(ctx, res, `resubmitted ${res.dateUpdated ?? fallbackKey}`, `brand resubmitted (${fallbackKey})`);
  return res;
}

async function recordBrandFee(ctx: StageContext, b: Brand, submission: string, what: string): Promise<void> {
  await recordFee(ctx, 'brand', `brand:${b.sid}:${submission}`, { sid: b.sid, what, mock: b.mock || (ctx.settings.mockBrands ?? false) });
}
