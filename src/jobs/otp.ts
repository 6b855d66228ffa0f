import { requireSid } from './ensure.js';
import type { StageContext, StageOutcome } from './outcome.js';

/**
 * Section 3.2: ask Twilio to text the customer a fresh OTP (10 per second per account).
 * The slot was claimed in the ledger by whoever queued this job; this only sends it.
 */
export async function otp(ctx: StageContext): Promise<StageOutcome> {
  const brandSid = await requireSid(ctx, 'brand');
  await ctx.gateway.requestBrandOtp(brandSid);
  // The slot was claimed before the budget's wait and any retries: count the interval from the real send.
  await ctx.ledger.otpSent(ctx.customerId, ctx.now());
  ctx.log.info({ brandSid }, 'fresh OTP requested');
  return { kind: 'done' };
}
