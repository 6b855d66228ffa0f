import { RejectedError } from '../twilio/errors.js';
import { describeErrors } from './bundle.js';
import { pollDelay, requireSid, type StageContext, type StageOutcome } from './context.js';

const STAGE = 'brand-status';

/**
 * Section 3.1: follow the brand until it is APPROVED and the customer has answered the
 * OTP text (identity VERIFIED). FAILED and SUSPENDED end in the dead letter with Twilio's
 * reason. While the customer has not answered, ask for a fresh OTP once the last one is
 * OTP_RESEND_MS old (24 h: the OTP's validity).
 */
export async function brandStatus(ctx: StageContext): Promise<StageOutcome> {
  const { gateway, settings, customerId } = ctx;
  const brandSid = await requireSid(ctx, 'brand');
  const b = await gateway.fetchBrand(brandSid);
  const rec = await ctx.ledger.get(customerId);
  const polls = Number(rec?.status['brandPolls'] ?? 0);
  await ctx.ledger.setStatus(customerId, { brand: b.status, brandIdentity: b.identityStatus ?? '', brandPolls: String(polls + 1) });

  if (b.status === 'FAILED') {
    const why = [b.failureReason, describeErrors(b.errors)].filter(Boolean).join('; ') || 'no reason given';
    throw new RejectedError(`Brand ${brandSid} FAILED: ${why}`, { brandSid, failureReason: b.failureReason, errors: b.errors });
  }
  if (b.status === 'SUSPENDED') {
    throw new RejectedError(`Brand ${brandSid} is SUSPENDED: it may have broken A2P brand rules; this needs Twilio Support`, { brandSid });
  }
  if (b.status === 'APPROVED' && b.identityStatus === 'VERIFIED') {
    await ctx.ledger.transition(customerId, STAGE, 'in_progress', `brand ${brandSid} approved and verified`);
    return { kind: 'next', stage: 'campaign', delayMs: 0 };
  }
  if (b.status === 'APPROVED') {
    // Twilio texts the first OTP itself when the brand is approved; later ones are ours to ask for.
    const now = ctx.now();
    let lastOtp = Number(rec?.status['otpSentAt'] ?? 0);
    let requestOtp = false;
    if (lastOtp === 0) {
      lastOtp = now;
      await ctx.ledger.setStatus(customerId, { otpSentAt: String(now), otpCount: '1' });
      await ctx.ledger.transition(customerId, STAGE, 'awaiting_otp', `brand ${brandSid} approved; waiting for the customer to reply YES to the OTP text`);
    } else if (now - lastOtp >= settings.otpResendMs) {
      requestOtp = true;
      lastOtp = now;
      await ctx.ledger.setStatus(customerId, { otpSentAt: String(now), otpCount: String(Number(rec?.status['otpCount'] ?? 1) + 1) });
    }
    const untilResend = lastOtp + settings.otpResendMs - now;
    return { kind: 'poll', delayMs: Math.max(250, Math.min(pollDelay(settings, polls), untilResend)), requestOtp };
  }
  // PENDING (or IN_REVIEW on newer accounts): check again later.
  return { kind: 'poll', delayMs: pollDelay(settings, polls) };
}
