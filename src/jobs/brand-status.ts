import type { CustomerRecord } from '../ledger/ledger.js';
import { RejectedError } from '../twilio/errors.js';
import type { Brand } from '../twilio/gateway.js';
import { suggestAction } from '../reports/actions.js';
import { describeErrors } from './bundle.js';
import { nextCheck, pollDelay, requireSid, type StageContext, type StageOutcome } from './context.js';

const STAGE = 'brand-status';

/**
 * Section 3.1: follow the brand until it is APPROVED. FAILED and SUSPENDED end in the dead
 * letter with Twilio's reason. Once APPROVED the customer must answer the OTP text: that can
 * take hours or days, so the job ends and the sweeps watch the customer (see awaitOtp).
 */
export async function brandStatus(ctx: StageContext): Promise<StageOutcome> {
  const { gateway, settings, customerId } = ctx;
  const brandSid = await requireSid(ctx, 'brand');
  const b = await gateway.fetchBrand(brandSid);
  const rec = await ctx.ledger.get(customerId);
  const polls = Number(rec?.status['brandPolls'] ?? 0);
  await ctx.ledger.setStatus(customerId, { brand: b.status, brandIdentity: b.identityStatus ?? '', brandPolls: String(polls + 1) });

  const settled = await brandVerdict(ctx, b);
  if (settled) return settled;
  if (b.status === 'APPROVED' && rec) return awaitOtp(ctx, b, rec);
  // PENDING (or IN_REVIEW on newer accounts): check again later.
  return { kind: 'poll', delayMs: pollDelay(settings, polls) };
}

/** FAILED/SUSPENDED throw; APPROVED+VERIFIED moves on to the campaign; anything else is undecided (null). */
export async function brandVerdict(ctx: StageContext, b: Brand): Promise<StageOutcome | null> {
  if (b.status === 'FAILED') {
    const why = [b.failureReason, describeErrors(b.errors)].filter(Boolean).join('; ') || 'no reason given';
    throw new RejectedError(`Brand ${b.sid} FAILED: ${why}`, { brandSid: b.sid, failureReason: b.failureReason, errors: b.errors });
  }
  if (b.status === 'SUSPENDED') {
    throw new RejectedError(`Brand ${b.sid} is SUSPENDED: it may have broken A2P brand rules`, { brandSid: b.sid });
  }
  if (b.status === 'APPROVED' && b.identityStatus === 'VERIFIED') {
    await ctx.ledger.transition(ctx.customerId, 'campaign', 'in_progress', `brand ${b.sid} approved and verified`);
    return { kind: 'next', stage: 'campaign', delayMs: 0 };
  }
  return null;
}

/** Where a customer is in its OTP wait, from the ledger; before the first look, the wait starts now. */
export function otpClock(rec: CustomerRecord, settings: StageContext['settings'], now: number) {
  const approvedAt = Number(rec.status['brandApprovedAt'] ?? 0) || now;
  const lastOtp = Number(rec.status['otpSentAt'] ?? 0) || approvedAt;
  const expiresAt = Number(rec.status['otpWindowFrom'] ?? approvedAt) + settings.otpExpiryMs;
  return { approvedAt, lastOtp, expiresAt, resendDue: now - lastOtp >= settings.otpResendMs, expired: now >= expiresAt };
}

/**
 * The brand is APPROVED and waits for the customer's YES. Twilio texts the first OTP itself;
 * an OTP is valid 24 h, after which a fresh one is requested (at most one per OTP_RESEND_MS,
 * claimed atomically in the ledger, so sweeps and jobs racing cannot send two). Verification
 * must happen within 30 days of registration (OTP_EXPIRY_MS): after that the customer is
 * `expired` with what to do. Returns when to look again.
 */
export async function awaitOtp(ctx: StageContext, b: Brand, rec: CustomerRecord): Promise<StageOutcome> {
  const { settings, customerId } = ctx;
  const now = ctx.now();
  const clock = otpClock(rec, settings, now);
  const { approvedAt, expiresAt } = clock;
  let { lastOtp } = clock;
  if (!rec.status['brandApprovedAt']) {
    await ctx.ledger.setStatus(customerId, { brandApprovedAt: String(now), otpWindowFrom: String(now), otpSentAt: String(lastOtp), otpCount: rec.status['otpCount'] ?? '1' });
  }
  if (clock.expired) {
    const days = Math.round(settings.otpExpiryMs / 86_400_000);
    await ctx.ledger.transition(customerId, STAGE, 'expired', `brand ${b.sid} not verified in time`, {
      reason: `Brand ${b.sid} is APPROVED but the customer has not confirmed it by replying YES to the OTP text within ${days >= 1 ? `${days} days` : `${settings.otpExpiryMs} ms`}; The Campaign Registry may mark it EXPIRED, after which it must be deleted and registered again`,
      action: suggestAction({ state: 'expired', stage: STAGE, reason: null, customerId }),
      details: { brandSid: b.sid, otpCount: Number(rec.status['otpCount'] ?? 1), approvedAt: new Date(approvedAt).toISOString() },
    });
    return { kind: 'done' };
  }
  let otp = 0;
  if (clock.resendDue) {
    otp = await ctx.ledger.claimOtp(customerId, now, settings.otpResendMs);
    if (otp) lastOtp = now;
  }
  const checks = Number(rec.status['otpChecks'] ?? 0);
  await ctx.ledger.setStatus(customerId, { otpChecks: String(checks + 1) });
  const at = nextCheck(settings, now, checks, Math.min(lastOtp + settings.otpResendMs, expiresAt));
  const event =
    rec.state !== 'awaiting_otp'
      ? `brand ${b.sid} approved; waiting for the customer to reply YES to the OTP text`
      : otp
        ? `the last OTP expired without a reply: fresh OTP #${otp} requested`
        : undefined;
  await ctx.ledger.transition(customerId, STAGE, 'awaiting_otp', event, { watchAt: at });
  return otp ? { kind: 'watch', at, otp } : { kind: 'watch', at };
}
