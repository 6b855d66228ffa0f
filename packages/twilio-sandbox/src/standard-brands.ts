import { randomBytes } from 'node:crypto';
import type { Timers } from './clock.js';
import type { SandboxOptions } from './options.js';
import { A2P_PROFILE_END_USER, STANDARD_CODES, STANDARD_MARKERS } from './standard-rules.js';
import { BRAND_FAILURES } from './rules.js';
import { newSid, normaliseEmail, type Brand, type Store, type Vetting } from './store.js';

/**
 * The lifecycle of a STANDARD brand (issue 14), after TCR accepted its bundles:
 * PENDING → (IN_REVIEW, when a marker or a scripted outcome sends it there) → identity VERIFIED →
 * secondary vetting (aegis, → VETTED_VERIFIED with a brand_score) unless SkipAutomaticSecVet →
 * APPROVED, or for a public company first Authentication+ (the sandbox's model: an AUTHPLUS vetting the
 * brand contact confirms, or that expires with 21737).
 *
 * Every timer carries the brand's generation: a resubmission or a 2FA re-send makes older timers no-ops.
 */
export interface StandardBrandHooks {
  /** FAILED with a reason and errors (fails the brand's campaigns still being vetted). */
  fail(brand: Brand, reason: string, errors: Record<string, unknown>[]): void;
  /** The brand's status or identity may have changed (Event Streams). */
  changed?(brand: Brand): void;
}

/** The deprecated failure_reason of a brand whose Authentication+ expired (the error's title, page 21737). */
const AUTH_PLUS_EXPIRED = '2FA Verification Expired';

/** The brand score the sandbox's secondary vetting gives (the spec: "the secondary vetting score"); a made-up, plausible value. */
const SECONDARY_VETTING_SCORE = 75;

export class StandardBrands {
  /** The running Authentication+ clock of each brand (confirm or expiry), cancelled when it no longer matters. */
  private readonly authPlusClocks = new Map<string, () => void>();

  constructor(
    private readonly options: SandboxOptions,
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly hooks: StandardBrandHooks,
  ) {}

  /** The legal name of the brand's business (its Secondary Customer Profile's business information). */
  legalName(brand: Brand): string {
    const v = this.store.assignedEndUsers(brand.customerProfileBundleSid, 'customer_profile_business_information')[0]?.attributes['business_name'];
    return typeof v === 'string' ? v : '';
  }

  /** The A2P Messaging profile's end-user attributes (company_type, stock_*, brand_contact_email). */
  profile(brand: Brand): Record<string, unknown> {
    return this.store.assignedEndUsers(brand.a2pProfileBundleSid, A2P_PROFILE_END_USER)[0]?.attributes ?? {};
  }

  /** A public for-profit company: Authentication+ applies (the Authentication+ changelog and support article). */
  isPublic(brand: Brand): boolean {
    return brand.brandType === 'STANDARD' && this.profile(brand)['company_type'] === 'public';
  }

  /** The mobile a scripted outcome (`/_sandbox/brand-outcomes`) is keyed by: authorized representative #1's phone number. */
  scriptKey(brand: Brand): string | null {
    const v = this.store.assignedEndUsers(brand.customerProfileBundleSid, 'authorized_representative_1')[0]?.attributes['phone_number'];
    return typeof v === 'string' ? v : null;
  }

  brandContactEmail(brand: Brand): string | null {
    const v = this.profile(brand)['brand_contact_email'];
    return typeof v === 'string' && v.trim() !== '' ? normaliseEmail(v) : null;
  }

  /** TCR registration of a STANDARD brand whose bundles are usable and no scripted outcome applies. */
  register(brand: Brand): void {
    const name = this.legalName(brand).toLowerCase();
    if (name.includes(STANDARD_MARKERS.taxIdMismatch)) {
      brand.brandFeedback = ['TAX_ID'];
      this.hooks.fail(brand, BRAND_FAILURES.tcr, [
        {
          code: STANDARD_CODES.taxIdMismatch,
          field: 'business_registration_number',
          description: 'There is a data mismatch between the Tax ID (EIN) provided and its associated properties, such as the business legal name.',
        },
      ]);
      return;
    }
    if (name.includes(STANDARD_MARKERS.manualReview)) return this.startReview(brand);
    this.verify(brand);
  }

  /** Manual third-party review: IN_REVIEW for brandReviewDelayMs, then verified as usual. */
  startReview(brand: Brand): void {
    const gen = brand.generation;
    brand.status = 'IN_REVIEW';
    brand.dateUpdated = Date.now();
    this.timers.after(this.options.brandReviewDelayMs, () => {
      if (brand.generation !== gen || brand.status !== 'IN_REVIEW') return;
      brand.status = 'PENDING';
      this.verify(brand);
    });
  }

  /** TCR verified the identity: secondary vetting next unless skipped. The status stays PENDING until APPROVED. */
  private verify(brand: Brand): void {
    brand.identityStatus = 'VERIFIED';
    brand.tcrId ??= tcrId('B');
    brand.failureReason = null;
    brand.errors = [];
    brand.dateUpdated = Date.now();
    this.hooks.changed?.(brand);
    if (brand.skipAutomaticSecVet) return this.identityDone(brand);
    const gen = brand.generation;
    const vetting = this.addVetting(brand, 'STANDARD', 'aegis');
    this.timers.after(this.options.brandDelayMs, () => {
      if (brand.generation !== gen || vetting.vettingStatus !== 'PENDING') return;
      setVetting(vetting, 'SUCCESS');
      brand.identityStatus = 'VETTED_VERIFIED';
      brand.brandScore = SECONDARY_VETTING_SCORE;
      brand.dateUpdated = Date.now();
      this.hooks.changed?.(brand);
      this.identityDone(brand);
    });
  }

  private identityDone(brand: Brand): void {
    if (this.isPublic(brand)) return this.startAuthPlus(brand);
    this.approve(brand);
  }

  private approve(brand: Brand): void {
    brand.status = 'APPROVED';
    brand.failureReason = null;
    brand.errors = [];
    brand.dateUpdated = Date.now();
    this.hooks.changed?.(brand);
  }

  /** The "email" to brand_contact_email: a PENDING AUTHPLUS vetting; confirmed after the confirm delay, or expired. */
  private startAuthPlus(brand: Brand): void {
    brand.status = 'PENDING';
    brand.dateUpdated = Date.now();
    const vetting = this.addVetting(brand, 'AUTHPLUS', 'campaign-verify');
    const gen = brand.generation;
    const confirmAfter = this.confirmDelay(brand);
    this.stopClock(brand);
    this.hooks.changed?.(brand);
    // Only one clock runs, so idle() is not held for the 7-day expiry when the contact confirms first.
    const cancel =
      confirmAfter !== null && confirmAfter < this.options.authPlusExpiryMs
        ? this.timers.after(confirmAfter, () => {
            if (brand.generation === gen) this.confirm(brand, vetting);
          })
        : this.timers.after(this.options.authPlusExpiryMs, () => {
            if (brand.generation === gen) this.expire(brand, vetting);
          });
    this.authPlusClocks.set(brand.sid, cancel);
  }

  private stopClock(brand: Brand): void {
    this.authPlusClocks.get(brand.sid)?.();
    this.authPlusClocks.delete(brand.sid);
  }

  /** null = never confirmed (setting -1, or a `noconfirm` brand contact). */
  private confirmDelay(brand: Brand): number | null {
    if (this.options.authPlusConfirmDelayMs < 0) return null;
    const email = this.brandContactEmail(brand);
    const local = email ? email.slice(0, email.lastIndexOf('@')) : '';
    if (local.includes(STANDARD_MARKERS.neverConfirm)) return null;
    return this.options.authPlusConfirmDelayMs;
  }

  /** The newest AUTHPLUS vetting of the brand, if any. */
  authPlusVetting(brand: Brand): Vetting | undefined {
    return this.store.vettingsOf(brand.sid).filter((v) => v.vettingClass === 'AUTHPLUS').at(-1);
  }

  /** The brand contact clicked the link: vetting SUCCESS, brand APPROVED. False when that vetting is not the pending newest. */
  confirm(brand: Brand, vetting: Vetting | undefined = this.authPlusVetting(brand)): boolean {
    if (!vetting || vetting !== this.authPlusVetting(brand) || vetting.vettingStatus !== 'PENDING') return false;
    this.stopClock(brand);
    setVetting(vetting, 'SUCCESS');
    this.approve(brand);
    return true;
  }

  /** Unconfirmed within the expiry: vetting FAILED, brand FAILED with 21737. */
  expire(brand: Brand, vetting: Vetting | undefined = this.authPlusVetting(brand)): boolean {
    if (!vetting || vetting !== this.authPlusVetting(brand) || vetting.vettingStatus !== 'PENDING') return false;
    this.stopClock(brand);
    setVetting(vetting, 'FAILED');
    this.hooks.fail(brand, AUTH_PLUS_EXPIRED, [
      { code: STANDARD_CODES.authPlusExpired, field: 'brand_contact_email', description: `${AUTH_PLUS_EXPIRED}: the brand contact did not confirm the Authentication+ email in time.` },
    ]);
    return true;
  }

  /** Why a 2FA re-send is refused, or null when the brand may have one. */
  resendRefusal(brand: Brand): string | null {
    if (brand.brandType !== 'STANDARD' || !this.isPublic(brand)) return `Brand ${brand.sid} is not a STANDARD brand of a public company; Authentication+ (2FA) applies only to those.`;
    const v = this.authPlusVetting(brand);
    if (!v) return `Brand ${brand.sid} has no Authentication+ verification yet: its identity is still being verified.`;
    if (v.vettingStatus === 'SUCCESS') return `Brand ${brand.sid} has already completed Authentication+ (2FA).`;
    return null;
  }

  /** POST …/2fa: a fresh AUTHPLUS vetting; a brand FAILED for 21737 goes back to PENDING; both clocks restart. */
  resend(brand: Brand): void {
    brand.generation += 1;
    if (brand.status === 'FAILED') {
      brand.failureReason = null;
      brand.errors = [];
    }
    this.startAuthPlus(brand);
  }

  private addVetting(brand: Brand, vettingClass: Vetting['vettingClass'], provider: Vetting['vettingProvider']): Vetting {
    const now = Date.now();
    const v: Vetting = {
      sid: newSid('VT'),
      brandSid: brand.sid,
      vettingClass,
      vettingProvider: provider,
      vettingStatus: 'PENDING',
      vettingId: `${provider}-${randomBytes(8).toString('hex')}`,
      dateCreated: now,
      dateUpdated: now,
    };
    this.store.vettings.set(v.sid, v);
    return v;
  }
}

function setVetting(v: Vetting, status: Vetting['vettingStatus']): void {
  v.vettingStatus = status;
  v.dateUpdated = Date.now();
}

const TCR_ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
function tcrId(prefix: string): string {
  let s = prefix;
  for (const b of randomBytes(6)) s += TCR_ALNUM[b % TCR_ALNUM.length];
  return s;
}
