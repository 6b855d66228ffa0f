import type { CustomerRecord } from '../ledger/ledger.js';
import type { StatusPatch } from '../ledger/status-fields.js';
import { RejectedError } from '../twilio/errors.js';
import { BRAND_STATUSES, type Brand, type BrandIdentityStatus } from '../twilio/gateway.js';
import { errorCodes, suggestAction } from '../reports/actions.js';
import { describeErrors } from './bundle.js';
import { resubmitBrand } from './brand.js';
import { duration, nextCheck, pollDelay } from './settings.js';
import { requireSid } from './ensure.js';
import type { StageContext, StageOutcome } from './outcome.js';
import { isBusiness } from '../ledger/ledger.js';
import { followStandardBrand } from './auth-plus.js';

const STAGE = 'brand-status';

/** Identity statuses of a verified customer: VETTED_VERIFIED is verified and vetted (twilio_messaging_v1.json). */
const VERIFIED_IDENTITIES: ReadonlySet<string> = new Set<BrandIdentityStatus>(['VERIFIED', 'VETTED_VERIFIED']);

/** Error 30791, "temporary brand error": retry after about 30 s (beyond-the-seeds.md, rejection codes). */
const TEMPORARY_BRAND_ERROR = '30791';

/**
 * Section 3.1: follow the brand until it is APPROVED. FAILED, SUSPENDED, DELETION_PENDING and
 * DELETION_FAILED end in the dead letter with Twilio's reason and what to do; a FAILED brand whose
 * error is the temporary 30791 is resubmitted by itself a few times first. A brand IN_REVIEW for
 * longer than BRAND_REVIEW_STUCK_MS is still followed, with the action "contact Twilio support".
 * Once APPROVED the customer must answer the OTP text: that can take hours or days, so the job
 * ends and the sweeps watch the customer (see awaitOtp).
 */
export async function brandStatus(ctx: StageContext): Promise<StageOutcome<'campaign'>> {
  const { gateway, settings, customerId } = ctx;
  const brandSid = await requireSid(ctx, 'brand');
  const b = await gateway.fetchBrand(brandSid);
  const rec = await ctx.ledger.get(customerId);
  const polls = rec?.status.brandPolls ?? 0;
  const now = ctx.now();
  const reviewSeen = b.status === 'IN_REVIEW' ? rec?.status.brandReviewSeenAt || now : 0;
  await ctx.ledger.setStatus(customerId, {
    brand: b.status,
    brandIdentity: b.identityStatus ?? '',
    brandPolls: polls + 1,
    brandReviewSeenAt: reviewSeen || null,
  });

  if (rec && isTemporaryFailure(b)) {
    const retry = await retryTemporaryFailure(ctx, b, rec);
    if (retry) return retry;
  }
  const customer = rec ? await ctx.ledger.getAnyCustomer(customerId) : null;
  const business = customer && isBusiness(customer) ? customer : null;
  if (business && rec) {
    // Vetting results, and a public company's Authentication+ wait (src/jobs/auth-plus.ts).
    const standard = await followStandardBrand(ctx, b, rec, business);
    if (standard) return standard;
  }
  const settled = await brandVerdict(ctx, b, business !== null);
  if (settled) return settled;
  if (b.status === 'APPROVED' && rec) return awaitOtp(ctx, b, rec);
  if (b.status === 'IN_REVIEW' && rec) await flagLongReview(ctx, b, rec, reviewSeen);
  if (!(BRAND_STATUSES as readonly string[]).includes(b.status)) {
    ctx.log.warn({ brandSid, status: b.status }, 'brand status unknown to a2p-onboard (not in the OpenAPI enum): still checking it; report it so the pipeline learns what it means');
  }
  // PENDING, IN_REVIEW, APPROVED without a record, or a status Twilio added since: check again later.
  return { kind: 'poll', delayMs: pollDelay(settings, polls) };
}

/** FAILED with Twilio's temporary error 30791. */
export function isTemporaryFailure(b: Brand): boolean {
  return b.status === 'FAILED' && errorCodes('', { errors: b.errors }).has(TEMPORARY_BRAND_ERROR);
}

/**
 * 30791: wait BRAND_RETRY_MS (about 30 s, as Twilio advises), then resubmit the brand through the
 * brand stage's resubmission (charged like any). At most BRAND_RETRIES per generation; after that
 * null, and the brand's failure dead-letters the customer like any other.
 */
async function retryTemporaryFailure(ctx: StageContext, b: Brand, rec: CustomerRecord): Promise<StageOutcome | null> {
  const { settings, customerId } = ctx;
  const gen = ctx.gen;
  const sameGen = rec.status.brandRetryGen === gen;
  const used = sameGen ? (rec.status.brandRetries ?? 0) : 0;
  if (used >= settings.brandRetries) return null;
  const now = ctx.now();
  const dueAt = sameGen ? (rec.status.brandRetryAt ?? 0) : 0;
  const retry = `retry ${used + 1} of ${settings.brandRetries}`;
  if (!dueAt) {
    const at = now + settings.brandRetryMs;
    await ctx.ledger.setStatus(customerId, { brandRetryGen: gen, brandRetries: used, brandRetryAt: at });
    await ctx.ledger.transition(customerId, STAGE, 'in_progress', `brand ${b.sid} FAILED with Twilio's temporary error 30791: resubmitting it in ${Math.round(settings.brandRetryMs / 1000)} s (${retry})`);
    return { kind: 'poll', delayMs: settings.brandRetryMs };
  }
  if (now < dueAt) return { kind: 'poll', delayMs: dueAt - now };
  // Count before the call: a crash after it must not buy an extra (charged) resubmission.
  await ctx.ledger.setStatus(customerId, { brandRetries: used + 1, brandRetryAt: null, brandPolls: 0 });
  const { status } = await resubmitBrand(ctx, b.sid, `gen ${gen} 30791 retry ${used + 1}`);
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `brand ${b.sid} resubmitted after the temporary error 30791 (${status}; ${retry})`);
  return { kind: 'poll', delayMs: settings.validationWaitMs };
}

/**
 * Twilio asks ISVs to contact support about a brand IN_REVIEW for more than 2 days. It entered
 * review at the latest when we first saw it there, and its date_updated (its last change) is the
 * better estimate when earlier; without either, its date_created.
 */
async function flagLongReview(ctx: StageContext, b: Brand, rec: CustomerRecord, firstSeen: number): Promise<void> {
  const { settings, customerId } = ctx;
  const since = Math.min(firstSeen, b.dateUpdated ?? b.dateCreated ?? firstSeen);
  const now = ctx.now();
  if (now - since <= settings.brandReviewStuckMs || rec.status.brandReviewStuck === gateKey(ctx, b)) return;
  await ctx.ledger.setStatus(customerId, { brandReviewStuck: gateKey(ctx, b) });
  const stuckAfter = duration(settings.brandReviewStuckMs);
  const details = { brandSid: b.sid, brandStatus: 'IN_REVIEW', reviewStuck: true, inReviewSince: new Date(since).toISOString(), stuckAfter };
  await ctx.ledger.transition(customerId, STAGE, 'in_progress', `brand ${b.sid} IN_REVIEW for more than ${stuckAfter}: Twilio asks ISVs to contact support`, {
    reason: `Brand ${b.sid} has been IN_REVIEW since ${details.inReviewSince} (more than ${stuckAfter}); Twilio asks ISVs to contact support about such brands`,
    details,
    action: suggestAction({ state: 'in_progress', stage: STAGE, reason: null, details, customerId, batchId: rec.batchId }),
  });
}

/** One flag per brand and generation, so a redriven customer is flagged again if its brand sticks again. */
function gateKey(ctx: StageContext, b: Brand): string {
  return `${ctx.gen}:${b.sid}`;
}

/**
 * The brand's verdict. FAILED, SUSPENDED, DELETION_PENDING and DELETION_FAILED throw (dead letter,
 * with brandStatus in the details so the action fits); APPROVED with a verified identity moves on
 * to the campaign; anything else is undecided (null).
 */
export async function brandVerdict(ctx: StageContext, b: Brand, standard = false): Promise<StageOutcome<'campaign'> | null> {
  const details = { brandSid: b.sid, brandStatus: b.status };
  switch (b.status) {
    case 'FAILED': {
      const why = [b.failureReason, describeErrors(b.errors)].filter(Boolean).join('; ') || 'no reason given';
      throw new RejectedError(`Brand ${b.sid} FAILED: ${why}`, { ...details, failureReason: b.failureReason, errors: b.errors }, { kind: 'brand-failed' });
    }
    case 'SUSPENDED':
      throw new RejectedError(`Brand ${b.sid} is SUSPENDED: it may have broken the A2P ecosystem's brand rules; only Twilio Support can lift a suspension`, details, { kind: 'brand-suspended' });
    case 'DELETION_PENDING':
      throw new RejectedError(`Brand ${b.sid} is DELETION_PENDING: it is being deleted at Twilio and can carry no campaign`, details, { kind: 'brand-deletion-pending' });
    case 'DELETION_FAILED':
      throw new RejectedError(`Brand ${b.sid} is DELETION_FAILED: Twilio was asked to delete it and could not; it is unusable until Twilio Support settles it`, details, { kind: 'brand-deletion-failed' });
  }
  // A Sole Proprietor's brand is verified by the customer's OTP reply; a Standard brand is ready for campaigns once APPROVED.
  if (b.status === 'APPROVED' && (standard || VERIFIED_IDENTITIES.has(b.identityStatus ?? ''))) {
    const identity = b.identityStatus === 'VETTED_VERIFIED' ? 'vetted-verified' : b.identityStatus === 'VERIFIED' ? 'verified' : `identity ${b.identityStatus ?? 'unknown'}`;
    await ctx.ledger.transition(ctx.customerId, 'campaign', 'in_progress', `brand ${b.sid} approved and ${identity}`);
    return { kind: 'next', stage: 'campaign', delayMs: 0 };
  }
  return null;
}

/**
 * Where a customer is in its OTP wait, from the ledger. 002 §3.1: verification must be completed
 * "within 30 days of Brand registration", so the window opens at the brand's date_created (passed
 * when just fetched, else as recorded). Customers that began waiting before it was recorded fall
 * back to their approval time; a redrive of an expired customer opens a fresh window (otpWindowFrom).
 */
export function otpClock(rec: CustomerRecord, settings: StageContext['settings'], now: number, brandCreatedAt?: number | null) {
  const recordedApproval = rec.status.brandApprovedAt ?? 0;
  const approvedAt = recordedApproval || now;
  const lastOtp = rec.status.otpSentAt || approvedAt;
  const registeredAt = brandCreatedAt ?? (rec.status.brandRegisteredAt || approvedAt);
  // Earlier versions also wrote otpWindowFrom at approval (equal to brandApprovedAt): that is not a redrive.
  const redrivenAt = rec.status.otpWindowFrom ?? 0;
  const windowFrom = redrivenAt && redrivenAt !== recordedApproval ? Math.max(redrivenAt, registeredAt) : registeredAt;
  const expiresAt = windowFrom + settings.otpExpiryMs;
  return { approvedAt, registeredAt, lastOtp, expiresAt, resendDue: now - lastOtp >= settings.otpResendMs, expired: now >= expiresAt };
}

/**
 * The brand is APPROVED and waits for the customer's YES. Twilio texts the first OTP itself;
 * an OTP is valid 24 h, after which a fresh one is requested (at most one per OTP_RESEND_MS,
 * claimed atomically in the ledger, so sweeps and jobs racing cannot send two). Verification
 * must happen within 30 days of the brand's registration (OTP_EXPIRY_MS): after that the customer
 * is `expired` with what to do. Returns when to look again.
 */
export async function awaitOtp(ctx: StageContext, b: Brand, rec: CustomerRecord): Promise<StageOutcome> {
  const { settings, customerId } = ctx;
  const now = ctx.now();
  const clock = otpClock(rec, settings, now, b.dateCreated);
  const { approvedAt, registeredAt, expiresAt } = clock;
  let { lastOtp } = clock;
  const first: StatusPatch = {};
  if (!rec.status.brandApprovedAt) {
    first.brandApprovedAt = now;
    first.otpSentAt = lastOtp;
    first.otpCount = rec.status.otpCount ?? 1;
  }
  if (b.dateCreated !== null && rec.status.brandRegisteredAt !== b.dateCreated) first.brandRegisteredAt = b.dateCreated;
  if (Object.keys(first).length > 0) await ctx.ledger.setStatus(customerId, first);
  if (clock.expired) {
    const days = Math.round(settings.otpExpiryMs / 86_400_000);
    const registered = new Date(registeredAt).toISOString();
    await ctx.ledger.transition(customerId, STAGE, 'expired', `brand ${b.sid} not verified in time`, {
      reason: `Brand ${b.sid} (registered ${registered}) is APPROVED but the customer has not confirmed it by replying YES to the OTP text within ${days >= 1 ? `${days} days` : `${settings.otpExpiryMs} ms`} of its registration; The Campaign Registry may mark it EXPIRED, after which it must be deleted and registered again`,
      action: suggestAction({ state: 'expired', stage: STAGE, reason: null, customerId }),
      details: { brandSid: b.sid, otpCount: rec.status.otpCount ?? 1, registeredAt: registered, approvedAt: new Date(approvedAt).toISOString() },
    });
    return { kind: 'done' };
  }
  let otp = 0;
  if (clock.resendDue) {
    otp = await ctx.ledger.claimOtp(customerId, now, settings.otpResendMs);
    if (otp) lastOtp = now;
  }
  const checks = rec.status.otpChecks ?? 0;
  await ctx.ledger.setStatus(customerId, { otpChecks: checks + 1 });
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
