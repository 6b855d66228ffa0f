import { requireSid, type StageContext, type StageOutcome } from './context.js';

/** Section 3.2: ask Twilio to text the customer a fresh OTP (10 per second per account). */
export async function otp(ctx: StageContext): Promise<StageOutcome> {
  const brandSid = await requireSid(ctx, 'brand');
  await ctx.gateway.requestBrandOtp(brandSid);
  await ctx.ledger.transition(ctx.customerId, 'brand-status', 'awaiting_otp', `fresh OTP requested for brand ${brandSid}`);
  return { kind: 'done' };
}
