import type { BusinessCustomer } from '../customers/business.js';
import type { CustomerRecord } from '../ledger/ledger.js';
import type { StatusPatch } from '../ledger/status-fields.js';
import { errorCodes, suggestAction } from '../reports/actions.js';
import { RejectedError } from '../twilio/errors.js';
import type { Brand, BrandVetting } from '../twilio/gateway.js';
import { describeErrors } from './bundle.js';
import { brandIsMock, recordFee } from './fees.js';
import type { StageContext, StageOutcome } from './outcome.js';
import { duration, nextCheck } from './settings.js';

const STAGE = 'brand-status';

/**
 * Standard brands after registration: secondary vetting results and Authentication+.
 *
 * Authentication+ (Twilio's changelog 2024-10-17; "Brand 2FA verify"; error pages 21736-21741): a public
 * for-profit company's brand is verified only once its contact confirms the email TCR sends to
 * `brand_contact_email`, within 7 days. How Twilio shows the wait is not in its OpenAPI files: a2p-onboard
 * reads the brand's Vettings (TCR runs Auth+ as a vetting of its own, "Auth+ 2.0") and takes a
 * brand that is not APPROVED, whose identity is verified and whose newest Auth+ vetting is PENDING, as
 * waiting for the email. A brand FAILED with 21737/21739/21741 (expired, not finished, code expired)
 * or an Auth+ vetting FAILED gets a fresh email (POST …/2fa, charged) at most AUTH_PLUS_RESENDS times per
 * generation, then `expired` with what to do. 21736/21738/21740 (domain not verifiable, undeliverable,
 * free mail domain) are the data's fault: a fresh email cannot help, so the customer is dead-lettered.
 */

/** Codes a fresh email can fix: the contact simply did not finish in time. */
const RESENDABLE = ['21737', '21739', '21741'];
/** Codes that need a different brand_contact_email. */
const FATAL = ['21736', '21738', '21740'];
const VERIFIED = new Set(['VERIFIED', 'VETTED_VERIFIED']);

/** The vetting class Auth+ is reported under, and the secondary vetting's (Aegis) class and provider. */
const AUTH_PLUS_CLASS = /^AUTH(?:_?PLUS|ENTICATION_?PLUS)$/i;
const isAuthPlus = (v: BrandVetting) => AUTH_PLUS_CLASS.test(v.vettingClass ?? '');
const isSecondaryVetting = (v: BrandVetting) => v.vettingProvider === 'aegis' || (v.vettingClass ?? '').toUpperCase() === 'STANDARD';

export function needsAuthPlus(c: BusinessCustomer): boolean {
  return c.a2p?.companyType === 'public';
}

/** Twilio's Auth+ codes on a FAILED brand. */
function authPlusCodes(b: Brand): Set<string> {
  const codes = errorCodes('', { errors: b.errors });
  return new Set([...codes].filter((c) => RESENDABLE.includes(c) || FATAL.includes(c)));
}

export function isAuthPlusFailure(b: Brand): boolean {
  return b.status === 'FAILED' && authPlusCodes(b).size > 0;
}

/**
 * Read the brand's vettings when they can tell something new (one call): record the secondary vetting's
 * result and score, and the fees of vettings and Auth+ attempts Twilio shows (keyed by the vetting SID,
 * so a vetting seen again is not charged again). Returns the newest Auth+ vetting, if any.
 */
async function readVettings(ctx: StageContext, b: Brand, rec: CustomerRecord): Promise<BrandVetting | null> {
  const vettings = await ctx.gateway.listBrandVettings(b.sid);
  const mock = brandIsMock(ctx, b.mock || rec.status.brandMock);
  const patch: StatusPatch = {};
  const secondary = vettings.find(isSecondaryVetting);
  if (secondary) {
    patch.brandVetting = secondary.vettingStatus ?? '';
    await recordFee(ctx, 'secondaryVetting', `secondaryVetting:${b.sid}:${secondary.sid}`, { sid: b.sid, what: `secondary vetting ${secondary.sid}`, mock });
  }
  if (b.brandScore !== null) patch.brandScore = b.brandScore;
  const authPlus = vettings.find(isAuthPlus) ?? null;
  if (authPlus) patch.authPlus = authPlus.vettingStatus ?? '';
  if (Object.keys(patch).length) await ctx.ledger.setStatus(ctx.customerId, patch);
  return authPlus;
}

/**
 * What a Standard brand's status means for its customer beyond the verdicts every brand shares
 * (brandVerdict): vetting results, and for a public company the Authentication+ wait. Null when the
 * caller should go on as for any brand (APPROVED → campaign, PENDING → poll again).
 */
export async function followStandardBrand(ctx: StageContext, b: Brand, rec: CustomerRecord, c: BusinessCustomer): Promise<StageOutcome | null> {
  const verified = VERIFIED.has(b.identityStatus ?? '');
  const vettingOpen = !rec.status.brandVetting || rec.status.brandVetting === 'PENDING';
  const publicCompany = needsAuthPlus(c);
  const authPlusOpen = publicCompany && (b.status !== 'APPROVED' || rec.status.authPlus !== 'SUCCESS');
  const lookAtVettings = (verified || b.status === 'APPROVED' || b.status === 'FAILED') && ((vettingOpen && !b.skipAutomaticSecVet) || authPlusOpen);
  const authPlus = lookAtVettings ? await readVettings(ctx, b, rec) : null;
  if (!publicCompany) return null;

  // Verdicts Twilio reached before our last re-send are about the previous email: wait for the new one.
  const resentAt = rec.status.authPlusResentAt ?? 0;
  const before = (t: number | null | undefined) => resentAt > 0 && (t ?? 0) <= resentAt;

  if (b.status === 'FAILED') {
    const codes = authPlusCodes(b);
    if (codes.size === 0) return null;
    if (before(b.dateUpdated)) return awaitEmail(ctx, b, rec, null);
    const fatal = FATAL.filter((x) => codes.has(x));
    if (fatal.length) {
      throw new RejectedError(
        `Brand ${b.sid} FAILED Authentication+: ${describeErrors(b.errors) || `error ${fatal.join(', ')}`}; a fresh email to the same brand_contact_email cannot pass`,
        { brandSid: b.sid, brandStatus: b.status, errors: b.errors, authPlus: true },
        { kind: 'auth-plus-failed' },
      );
    }
    return resendOrExpire(ctx, b, rec, `Twilio failed the brand for Authentication+ (${describeErrors(b.errors) || [...codes].join(', ')})`);
  }
  if (b.status === 'APPROVED' || !verified) return null;
  if (authPlus?.vettingStatus === 'FAILED') {
    if (before(authPlus.dateCreated)) return awaitEmail(ctx, b, rec, null);
    return resendOrExpire(ctx, b, rec, `the Authentication+ vetting ${authPlus.sid} FAILED`);
  }
  if (authPlus?.vettingStatus === 'PENDING') return awaitEmail(ctx, b, rec, authPlus);
  if (resentAt > 0) return awaitEmail(ctx, b, rec, null);
  return null;
}

/**
 * The contact has the email (`vetting`, or the one just re-sent whose vetting Twilio does not show yet):
 * watch until TCR confirms it, or until its 7 days run out.
 */
async function awaitEmail(ctx: StageContext, b: Brand, rec: CustomerRecord, vetting: BrandVetting | null): Promise<StageOutcome> {
  const { settings, customerId } = ctx;
  const now = ctx.now();
  const mock = brandIsMock(ctx, b.mock || rec.status.brandMock);
  const fresh = vetting !== null && rec.status.authPlusVetting !== vetting.sid;
  let sentAt = rec.status.authPlusSentAt ?? now;
  if (fresh) {
    sentAt = rec.status.authPlusResentAt ? Math.max(rec.status.authPlusResentAt, Math.min(now, vetting.dateCreated ?? now)) : Math.min(now, vetting.dateCreated ?? now);
    await ctx.ledger.setStatus(customerId, { authPlusVetting: vetting.sid, authPlusSentAt: sentAt, authPlusChecks: 0 });
    // The first email goes out with the registration; each re-send records its own fee when it is asked for.
    if (!rec.status.authPlusResentAt) await recordFee(ctx, 'authPlus', `authPlus:${b.sid}:first`, { sid: b.sid, what: 'Authentication+ email (with the brand registration)', mock });
  } else if (!rec.status.authPlusSentAt) {
    await ctx.ledger.setStatus(customerId, { authPlusSentAt: sentAt });
  }
  const expiresAt = sentAt + settings.authPlusExpiryMs;
  if (now >= expiresAt) return resendOrExpire(ctx, b, rec, `the Authentication+ email sent ${new Date(sentAt).toISOString()} was not confirmed within ${duration(settings.authPlusExpiryMs)}`);
  const checks = fresh ? 0 : (rec.status.authPlusChecks ?? 0);
  await ctx.ledger.setStatus(customerId, { authPlusChecks: checks + 1 });
  const at = nextCheck(settings, now, checks, expiresAt);
  const event = rec.state !== 'awaiting_email' || fresh ? `brand ${b.sid} verified (${b.identityStatus ?? 'identity unknown'}); waiting for the brand contact to confirm the Authentication+ email TCR sent to brand_contact_email` : undefined;
  await ctx.ledger.transition(customerId, STAGE, 'awaiting_email', event, {
    watchAt: at,
    details: { brandSid: b.sid, authPlus: true, ...(vetting ? { authPlusVetting: vetting.sid } : {}), emailSentAt: new Date(sentAt).toISOString(), expiresAt: new Date(expiresAt).toISOString() },
  });
  return { kind: 'watch', at };
}

/**
 * A fresh Authentication+ email (charged), at most AUTH_PLUS_RESENDS per generation, counted in the ledger
 * before the call so a crash after it never buys an extra one; then `expired` with what to do.
 */
async function resendOrExpire(ctx: StageContext, b: Brand, rec: CustomerRecord, why: string): Promise<StageOutcome> {
  const { settings, customerId, gen } = ctx;
  const sameGen = rec.status.authPlusResendGen === gen;
  const used = sameGen ? (rec.status.authPlusResends ?? 0) : 0;
  if (used >= settings.authPlusResends) {
    const allowed = settings.authPlusResends;
    await ctx.ledger.transition(customerId, STAGE, 'expired', `brand ${b.sid}: Authentication+ not confirmed`, {
      reason: `Brand ${b.sid}: ${why}; ${allowed ? `the ${allowed} automatic re-send${allowed > 1 ? 's' : ''} (AUTH_PLUS_RESENDS) ${allowed > 1 ? 'are' : 'is'} used up` : 'no automatic re-send (AUTH_PLUS_RESENDS=0)'}. Until the brand contact confirms, the brand is not verified and its campaigns cannot be registered`,
      details: { brandSid: b.sid, authPlus: true, resends: used },
      action: suggestAction({ state: 'expired', stage: STAGE, reason: null, details: { authPlus: true }, customerId, batchId: rec.batchId }),
    });
    return { kind: 'done' };
  }
  await ctx.ledger.setStatus(customerId, { authPlusResendGen: gen, authPlusResends: used + 1 });
  await ctx.gateway.resendBrandAuthPlus(b.sid);
  const mock = brandIsMock(ctx, b.mock || rec.status.brandMock);
  await recordFee(ctx, 'authPlus', `authPlus:${b.sid}:gen ${gen} resend ${used + 1}`, { sid: b.sid, what: `Authentication+ email re-sent (${used + 1} of ${settings.authPlusResends})`, mock });
  const now = ctx.now();
  // The new email's vetting is read on the next check; its 7 days count from now.
  await ctx.ledger.setStatus(customerId, { authPlusSentAt: now, authPlusResentAt: now, authPlus: 'PENDING', authPlusChecks: 0 });
  const at = nextCheck(settings, now, 0);
  await ctx.ledger.transition(customerId, STAGE, 'awaiting_email', `${why}: Authentication+ email re-sent to brand_contact_email (${used + 1} of ${settings.authPlusResends})`, {
    watchAt: at,
    details: { brandSid: b.sid, authPlus: true, emailSentAt: new Date(now).toISOString(), expiresAt: new Date(now + settings.authPlusExpiryMs).toISOString() },
  });
  return { kind: 'watch', at };
}
