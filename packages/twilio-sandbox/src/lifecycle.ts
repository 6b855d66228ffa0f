import { randomBytes } from 'node:crypto';
import type { StatusCallbacks } from './callbacks.js';
import type { Timers } from './clock.js';
import type { SandboxOptions } from './options.js';
import { addressSidsOf } from './policies.js';
import {
  ADDRESS_REJECTIONS,
  BRAND_FAILURES,
  TCR_EMAIL_LIMIT,
  TCR_MOBILE_LIMIT,
  addressRejection,
  emailRejection,
} from './rules.js';
import { StandardBrands } from './standard-brands.js';
import {
  POLICY_A2P_MESSAGING,
  POLICY_SECONDARY_BUSINESS,
  POLICY_SHAKEN_STIR,
  POLICY_STARTER,
  normaliseEmail,
  normaliseMobile,
  type Brand,
  type Bundle,
  type BundleError,
  type ForcedBrandState,
  type BundleStatus,
  type Campaign,
  type Store,
} from './store.js';

/**
 * Campaign vetting failures the sandbox simulates. Twilio's page for error 30893 ("Inconsistency
 * between Sample Message and Use-case") says at least one sample should include the business name,
 * and beyond-the-seeds.md's table says 30893 is fixed and resubmitted: the sandbox's one content rule.
 */
const CAMPAIGN_CODES = { samplesWithoutBrand: 30893 } as const;
/**
 * UNVERIFIED: no document names the code of a campaign vetted while its brand is not APPROVED
 * (Twilio refuses to create one; the sandbox can only meet it when the brand changed since). Such a
 * campaign fails without a code rather than with an invented one.
 */
const UNVERIFIED_BRAND_NOT_APPROVED_CODE = null;
const CAMPAIGN_REJECTIONS = {
  samplesWithoutBrand: 'Campaign vetting rejection: the sample messages do not identify the brand by name.',
} as const;

/**
 * Codes placed in a rejected bundle's `errors` entries (the spec only shows `{code}`). 000's
 * noncompliant evaluation uses 22215 for a missing or invalid field of an end user (the email is a
 * field of the starter_customer_profile_information end user) and 22219 for the address.
 */
const REVIEW_CODES = { email: 22215, address: 22219 } as const;
/**
 * UNVERIFIED: no document names the code of a trust bundle rejected because its supporting customer
 * profile was; the sandbox leaves the code out (the failure_reason names the profile).
 */
const UNVERIFIED_SUPPORTING_PROFILE_CODE = undefined;

/**
 * Error 30915 (since 2026-07-17): a "Sole Proprietor" brand that is really an LLC or a corporation
 * (beyond-the-seeds.md, rejection codes). The sandbox's own heuristic: a brand name ending in a
 * company designator. It is deliberately independent of the pipeline's ingest check.
 */
const SOLE_PROPRIETOR_COMPANY_CODE = 30915;
const COMPANY_DESIGNATOR = /(?:^|[\s,])(?:l\.?\s?l\.?\s?c|l\.?\s?l\.?\s?p|p\.?\s?l\.?\s?l\.?\s?c|inc(?:orporated)?|corp(?:oration)?|ltd|limited|lp)\.?\s*$/i;
function looksLikeCompany(brandName: string): boolean {
  return COMPANY_DESIGNATOR.test(brandName.trim());
}

const TCR_ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
function tcrId(prefix: string): string {
  const bytes = randomBytes(6);
  let s = prefix;
  for (const b of bytes) s += TCR_ALNUM[b % TCR_ALNUM.length];
  return s;
}

function supportingCode(): { code?: number } {
  return UNVERIFIED_SUPPORTING_PROFILE_CODE === undefined ? {} : { code: UNVERIFIED_SUPPORTING_PROFILE_CODE };
}

function profileLabel(p: Bundle): string {
  return p.policySid === POLICY_STARTER ? 'Starter Customer Profile' : 'Secondary Customer Profile';
}

/** The time-driven state machine: bundle review, brand registration, OTP replies, campaign vetting. */
export class Lifecycle {
  /** STANDARD brands: identity, secondary vetting, Authentication+ (standard-brands.ts). */
  readonly standard: StandardBrands;

  constructor(
    private readonly options: SandboxOptions,
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly callbacks: StatusCallbacks,
  ) {
    this.standard = new StandardBrands(options, store, timers, { fail: (b, reason, errors) => this.failBrand(b, reason, errors) });
  }

  // ---------------------------------------------------------------- bundles

  private setBundleStatus(b: Bundle, status: BundleStatus, failureReason?: string): void {
    if (b.status === status) return;
    b.status = status;
    b.dateUpdated = Date.now();
    if (b.statusCallback) {
      const params: Record<string, string> = { AccountSid: this.options.accountSid, BundleSid: b.sid, Status: status };
      if (failureReason) params['FailureReason'] = failureReason;
      this.callbacks.send(b.statusCallback, params);
    }
  }

  /** Client set status=pending-review (already checked compliant): the bundle goes in-review and is reviewed later. */
  submit(b: Bundle): void {
    b.errors = null;
    b.reviewPassed = false;
    b.submission += 1;
    const submission = b.submission;
    // pending-review is transient: the answer to the update already shows in-review, as the document says.
    this.setBundleStatus(b, 'in-review');
    this.timers.after(this.options.reviewDelayMs, () => {
      if (b.submission === submission && b.status === 'in-review') this.review(b);
    });
  }

  /** Client submitted a noncompliant bundle: the status change is accepted, then the bundle is rejected with the evaluation's errors. */
  submitNoncompliant(b: Bundle, errors: BundleError[]): void {
    b.errors = null;
    b.reviewPassed = false;
    b.submission += 1;
    const submission = b.submission;
    this.setBundleStatus(b, 'pending-review');
    this.timers.after(0, () => {
      if (b.submission === submission && b.status === 'pending-review') this.reject(b, errors);
    });
  }

  private review(b: Bundle): void {
    const errors = b.kind === 'customerProfile' ? this.profileProblems(b) : this.trustProductProblems(b);
    if (errors === 'wait') {
      // the starter profile this trust product depends on has not been reviewed yet: look again shortly.
      const submission = b.submission;
      this.timers.after(50, () => {
        if (b.submission === submission && b.status === 'in-review') this.review(b);
      });
      return;
    }
    if (errors.length > 0) {
      this.reject(b, errors);
      return;
    }
    b.reviewPassed = true;
    b.dateUpdated = Date.now();
    // Sole Proprietor bundles are approved with the brand's OTP verification; a Secondary Business
    // Profile, a SHAKEN/STIR and an A2P Messaging Trust Product are approved by the review itself.
    if (b.policySid === POLICY_SECONDARY_BUSINESS || b.policySid === POLICY_SHAKEN_STIR || b.policySid === POLICY_A2P_MESSAGING) this.setBundleStatus(b, 'twilio-approved');
  }

  /** The documented asynchronous validations of a Starter Customer Profile (email and address); the address ones of a Secondary Business Profile too. */
  profileProblems(b: Bundle): BundleError[] {
    const errors: BundleError[] = [];
    if (b.policySid !== POLICY_STARTER && b.policySid !== POLICY_SECONDARY_BUSINESS) return errors;
    const emails = new Set<string>([b.email]);
    for (const eu of this.store.assignedEndUsers(b.sid, 'starter_customer_profile_information')) {
      const e = eu.attributes['email'];
      if (typeof e === 'string') emails.add(e);
    }
    for (const email of emails) {
      const reason = emailRejection(email);
      if (reason && !errors.some((x) => x.failure_reason === reason)) errors.push({ code: REVIEW_CODES.email, object_field: 'email', failure_reason: reason });
    }
    for (const doc of this.store.assignedDocuments(b.sid, 'customer_profile_address')) {
      for (const sid of addressSidsOf(doc.attributes)) {
        const a = this.store.addresses.get(sid);
        const reason = a ? addressRejection(a) : ADDRESS_REJECTIONS.notFound(sid);
        if (reason) errors.push({ code: REVIEW_CODES.address, object_field: 'address_sids', failure_reason: reason });
      }
    }
    return errors;
  }

  private trustProductProblems(b: Bundle): BundleError[] | 'wait' {
    const supporting = this.store.assignedProfiles(b.sid).filter((p) => p.policySid === POLICY_STARTER || p.policySid === POLICY_SECONDARY_BUSINESS);
    const rejected = supporting.find((p) => p.status === 'twilio-rejected' || p.status === 'draft');
    if (rejected) {
      return [{ ...supportingCode(), object_field: 'customer_profile', failure_reason: `The ${profileLabel(rejected)} ${rejected.sid} is ${rejected.status}.` }];
    }
    if (supporting.some((p) => p.status === 'in-review' && !p.reviewPassed)) return 'wait';
    return [];
  }

  private reject(b: Bundle, errors: BundleError[]): void {
    b.errors = errors;
    b.reviewPassed = false;
    this.setBundleStatus(b, 'twilio-rejected', errors.map((e) => e.failure_reason).join('; '));
    if (b.kind === 'customerProfile') {
      // trust products built on this profile are rejected with it
      for (const tp of this.store.bundlesAssigning(b.sid)) {
        if (tp.kind !== 'trustProduct') continue;
        if (tp.status !== 'in-review' && tp.status !== 'pending-review' && tp.status !== 'twilio-approved') continue;
        this.reject(tp, [{ ...supportingCode(), object_field: 'customer_profile', failure_reason: `The ${profileLabel(b)} ${b.sid} is twilio-rejected.` }]);
      }
    } else {
      // a brand built on a rejected bundle cannot succeed
    }
  }

  /** True once the review of an in-review bundle (and, for a trust product, of its starter profile) has passed. */
  private settled(b: Bundle): boolean {
    if (b.status !== 'in-review') return true;
    if (!b.reviewPassed) return false;
    if (b.kind === 'trustProduct') return this.store.assignedProfiles(b.sid).every((p) => this.settled(p));
    return true;
  }

  // ---------------------------------------------------------------- brands

  /** A registration (create, resubmission, forced PENDING): timers of an earlier one no longer apply. */
  brandCreated(brand: Brand): void {
    brand.generation += 1;
    brand.brandFeedback = null;
    const gen = brand.generation;
    this.timers.after(this.options.brandDelayMs, () => {
      if (brand.generation === gen) this.registerBrand(brand);
    });
  }

  private registerBrand(brand: Brand): void {
    if (brand.status !== 'PENDING') return;
    const cp = this.store.customerProfiles.get(brand.customerProfileBundleSid);
    const tp = this.store.trustProducts.get(brand.a2pProfileBundleSid);
    // Wait for outstanding bundle reviews: they decide whether the bundles are compliant.
    if ((cp && !this.settled(cp)) || (tp && !this.settled(tp))) {
      this.timers.after(Math.min(100, Math.max(10, this.options.reviewDelayMs)), () => this.registerBrand(brand));
      return;
    }
    const usable = (b: Bundle | undefined) => b !== undefined && (b.status === 'in-review' || b.status === 'twilio-approved');
    if (!usable(cp)) return this.failBrand(brand, BRAND_FAILURES.customerProfile, []);
    if (!usable(tp)) return this.failBrand(brand, BRAND_FAILURES.a2pBundle, []);

    const standard = brand.brandType === 'STANDARD';
    const spInfo = this.store.assignedEndUsers(tp!.sid, 'sole_proprietor_information')[0]?.attributes;
    // A STANDARD brand has no OTP mobile: scripted outcomes key on authorized representative #1's phone.
    const mobileRaw = standard ? this.standard.scriptKey(brand) : spInfo?.['mobile_phone_number'];
    const emailRaw = standard ? this.standard.brandContactEmail(brand) : this.store.assignedEndUsers(cp!.sid, 'starter_customer_profile_information')[0]?.attributes['email'] ?? cp!.email;
    brand.mobile = typeof mobileRaw === 'string' ? normaliseMobile(mobileRaw) : null;
    brand.email = typeof emailRaw === 'string' ? normaliseEmail(emailRaw) : null;

    // A test scripted how this brand (or the next brands of this mobile number) ends.
    const scripted = brand.scripted?.remaining ? brand.scripted : brand.mobile ? this.store.brandOutcomes.get(brand.mobile) : undefined;
    if (scripted && scripted.remaining > 0) {
      scripted.remaining -= 1;
      // A STANDARD brand sent to manual review comes out of it verified, as a marker-sent one does.
      if (standard && scripted.outcome.status === 'IN_REVIEW') return this.standard.startReview(brand);
      return this.forceBrand(brand, scripted.outcome);
    }
    // The Sole Proprietor limits below (mobile, email reuse; company names) are TCR's for Sole Proprietors only.
    if (standard) return this.standard.register(brand);
    const brandName = spInfo?.['brand_name'];
    if (brand.brandType === 'SOLE_PROPRIETOR' && typeof brandName === 'string' && looksLikeCompany(brandName)) {
      return this.failBrand(brand, BRAND_FAILURES.tcr, [
        { code: SOLE_PROPRIETOR_COMPANY_CODE, field: 'brand_name', description: 'The brand name looks like an LLC or a corporation, which cannot register as a Sole Proprietor: register it as a business (Standard or Low-Volume Standard brand).' },
      ]);
    }

    // Sole Proprietor brands only: a STANDARD brand's representative phone is not an OTP mobile.
    const others = this.store.everyBrand().filter((o) => o.sid !== brand.sid && o.brandType === 'SOLE_PROPRIETOR' && o.status !== 'FAILED' && o.status !== 'PENDING');
    if (brand.mobile) {
      const used = others.filter((o) => o.mobile === brand.mobile).length + (this.store.tcrMobileUsage.get(brand.mobile) ?? 0);
      if (used >= TCR_MOBILE_LIMIT) {
        return this.failBrand(brand, BRAND_FAILURES.tcr, [
          { code: 'MOBILE_LIMIT', field: 'mobile_phone_number', description: `The mobile phone number has already been used for ${used} Sole Proprietor brand registrations with TCR (maximum ${TCR_MOBILE_LIMIT}).` },
        ]);
      }
    }
    if (brand.email) {
      const used = others.filter((o) => o.email === brand.email).length + (this.store.tcrEmailUsage.get(brand.email) ?? 0);
      if (used >= TCR_EMAIL_LIMIT) {
        return this.failBrand(brand, BRAND_FAILURES.tcr, [
          { code: 'EMAIL_LIMIT', field: 'email', description: `The email address has already been used for ${used} brand registrations with TCR (maximum ${TCR_EMAIL_LIMIT}).` },
        ]);
      }
    }
    brand.status = 'APPROVED';
    brand.identityStatus = 'UNVERIFIED';
    brand.tcrId = tcrId('B');
    brand.failureReason = null;
    brand.dateUpdated = Date.now();
    // The change to APPROVED automatically sends the first OTP.
    this.sendOtp(brand);
  }

  failBrand(brand: Brand, reason: string, errors: Record<string, unknown>[]): void {
    brand.status = 'FAILED';
    brand.failureReason = reason;
    brand.errors = errors;
    brand.dateUpdated = Date.now();
    for (const c of this.store.campaigns.values()) {
      if (c.brandRegistrationSid === brand.sid && c.campaignStatus === 'IN_PROGRESS') {
        c.campaignStatus = 'FAILED';
        c.dateUpdated = Date.now();
      }
    }
  }

  /**
   * A test puts the brand in a state (any of the spec's statuses) as Twilio would: a FAILED brand
   * fails its vetting campaigns, an APPROVED one still UNVERIFIED gets its OTP, a verified identity
   * approves its bundles, PENDING registers it again.
   */
  forceBrand(brand: Brand, to: ForcedBrandState): void {
    const wasApproved = brand.status === 'APPROVED';
    if (to.status === 'FAILED') {
      this.failBrand(brand, to.failureReason ?? BRAND_FAILURES.tcr, to.errors ?? []);
      return;
    }
    brand.status = to.status;
    if (to.identityStatus) brand.identityStatus = to.identityStatus;
    brand.failureReason = to.failureReason ?? null;
    brand.errors = to.errors ?? [];
    brand.dateUpdated = Date.now();
    if (to.status === 'PENDING') return this.brandCreated(brand);
    if (to.status !== 'APPROVED') return;
    brand.tcrId ??= tcrId('B');
    if (brand.identityStatus === 'VERIFIED' || brand.identityStatus === 'VETTED_VERIFIED') {
      for (const sid of [brand.customerProfileBundleSid, brand.a2pProfileBundleSid]) {
        const b = this.store.bundle(sid);
        if (b && b.status === 'in-review') this.setBundleStatus(b, 'twilio-approved');
      }
    } else if (!wasApproved && brand.brandType === 'SOLE_PROPRIETOR') {
      this.sendOtp(brand);
    }
  }

  /** An OTP goes to the brand's mobile; unless replies are disabled, the customer answers YES after otpReplyDelayMs. */
  sendOtp(brand: Brand): void {
    brand.otpsSent += 1;
    this.store.otps += 1;
    if (this.options.otpReplyDelayMs < 0) return;
    if (brand.mobile && this.store.neverReply.has(brand.mobile)) return;
    this.timers.after(this.options.otpReplyDelayMs, () => this.otpReply(brand));
  }

  /** The customer replied YES: identity VERIFIED, and the profile and trust bundle become twilio-approved. */
  otpReply(brand: Brand): boolean {
    if (brand.status !== 'APPROVED' || brand.identityStatus !== 'UNVERIFIED') return false;
    if (brand.mobile && this.store.neverReply.has(brand.mobile)) return false;
    brand.identityStatus = 'VERIFIED';
    brand.dateUpdated = Date.now();
    for (const sid of [brand.customerProfileBundleSid, brand.a2pProfileBundleSid]) {
      const b = this.store.bundle(sid);
      if (b && b.status === 'in-review') this.setBundleStatus(b, 'twilio-approved');
    }
    return true;
  }

  // ---------------------------------------------------------------- campaigns

  campaignCreated(c: Campaign): void {
    const vetting = c.vetting = (c.vetting ?? 0) + 1;
    this.timers.after(this.options.campaignDelayMs, () => {
      if (c.campaignStatus !== 'IN_PROGRESS' || c.vetting !== vetting) return;
      const brand = this.store.brands.get(c.brandRegistrationSid);
      const problems = brand && brand.status === 'APPROVED' ? this.campaignProblems(c, brand) : [];
      if (!brand || brand.status !== 'APPROVED') {
        c.campaignStatus = 'FAILED';
        c.errors = [{ error_code: UNVERIFIED_BRAND_NOT_APPROVED_CODE, description: `The brand ${c.brandRegistrationSid} is not APPROVED.`, fields: ['brand_registration_sid'] }];
      } else if (problems.length > 0) {
        c.campaignStatus = 'FAILED';
        c.errors = problems;
      } else {
        c.campaignStatus = 'VERIFIED';
        c.campaignId = tcrId('C');
        c.errors = [];
        const svc = this.store.services.get(c.messagingServiceSid);
        if (svc) svc.dateUpdated = Date.now();
      }
      c.dateUpdated = Date.now();
    });
  }

  /**
   * Carrier vetting, reduced to what the walkthrough (step 4, message_samples) asks for:
   * "In the message, be sure to identify your Brand by name". A campaign none of whose samples
   * names the brand fails with error 30893, naming the field.
   */
  private campaignProblems(c: Campaign, brand: Brand): Record<string, unknown>[] {
    const brandName = this.store.assignedEndUsers(brand.a2pProfileBundleSid, 'sole_proprietor_information')[0]?.attributes['brand_name'];
    if (typeof brandName !== 'string' || brandName.trim() === '') return [];
    const named = c.messageSamples.some((m) => m.toLowerCase().includes(brandName.trim().toLowerCase()));
    if (named) return [];
    return [{ error_code: CAMPAIGN_CODES.samplesWithoutBrand, description: CAMPAIGN_REJECTIONS.samplesWithoutBrand, fields: ['message_samples'] }];
  }

  /** Update of a FAILED campaign (UpdateUsAppToPerson): back to IN_PROGRESS and vetted again. */
  campaignUpdated(c: Campaign): void {
    if (c.campaignStatus !== 'FAILED') return;
    c.campaignStatus = 'IN_PROGRESS';
    c.errors = [];
    c.dateUpdated = Date.now();
    this.campaignCreated(c);
  }


}
