import type twilio from 'twilio';
import { z } from 'zod';
import { takeAll, type Budget } from './budget.js';
import { AuthError, classifyTwilioError, RejectedError, TransientError } from './errors.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { cappedJitterBackoff } from '../backoff.js';
import { policyRequirementsSchema, type Policy } from './policy.js';

/**
 * The one place the pipeline calls Twilio. Every call takes a slot from the shared
 * account budget (registration calls and OTPs also from their own), converts failures to
 * the four error kinds, and checks with zod the fields of Twilio's answer the code relies on.
 * Jobs see plain values, never twilio-node instances.
 */

const bundleStatusSchema = z.enum(['draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved', 'provisionally-approved']);
export type BundleStatus = z.infer<typeof bundleStatusSchema>;

const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));
const created = (prefix: string) => z.object({ sid: sid(prefix) }).passthrough();

const bundleSchema = z
  .object({
    sid: sid('BU'),
    status: bundleStatusSchema,
    friendlyName: z.string().nullish(),
    policySid: z.string().nullish(),
    errors: z.array(z.record(z.string(), z.unknown())).nullish(),
  })
  .passthrough();
export type Bundle = { sid: string; status: BundleStatus; friendlyName: string | null; errors: Record<string, unknown>[] };

const evaluationSchema = z
  .object({
    sid: sid('EL'),
    status: z.enum(['compliant', 'noncompliant']),
    results: z.array(z.record(z.string(), z.unknown())).nullish(),
  })
  .passthrough();
export type Evaluation = { sid: string; status: 'compliant' | 'noncompliant'; results: Record<string, unknown>[] };

const brandSchema = z
  .object({
    sid: sid('BN'),
    status: z.string(),
    identityStatus: z.string().nullish(),
    a2pProfileBundleSid: z.string().nullish(),
    customerProfileBundleSid: z.string().nullish(),
    failureReason: z.string().nullish(),
    errors: z.array(z.unknown()).nullish(),
    brandType: z.string().nullish(),
    skipAutomaticSecVet: z.boolean().nullish(),
    brandScore: z.number().nullish(),
    // twilio-node turns date_created/date_updated into Dates; an absent or unparsable one is null.
    dateCreated: z.union([z.date(), z.string()]).nullish(),
    dateUpdated: z.union([z.date(), z.string()]).nullish(),
    mock: z.boolean().nullish(),
  })
  .passthrough();

/** BrandRegistrations `status` and `identity_status` values (twilio_messaging_v1.json enums). */
export const BRAND_STATUSES = ['PENDING', 'APPROVED', 'FAILED', 'IN_REVIEW', 'DELETION_PENDING', 'DELETION_FAILED', 'SUSPENDED'] as const;
export const BRAND_IDENTITY_STATUSES = ['SELF_DECLARED', 'UNVERIFIED', 'VERIFIED', 'VETTED_VERIFIED'] as const;
export type BrandStatus = (typeof BRAND_STATUSES)[number];
export type BrandIdentityStatus = (typeof BRAND_IDENTITY_STATUSES)[number];

export type Brand = {
  sid: string;
  /** One of BRAND_STATUSES, or a value Twilio added since (kept as is: the stage treats it as undecided). */
  status: BrandStatus | (string & {});
  identityStatus: BrandIdentityStatus | (string & {}) | null;
  a2pProfileBundleSid: string | null;
  failureReason: string | null;
  errors: unknown[];
  /** When the brand was registered (ms epoch): the 30-day OTP limit counts from here (002 §3.1). */
  dateCreated: number | null;
  /** Its last change (ms epoch), e.g. when it entered IN_REVIEW. */
  dateUpdated: number | null;
  /** Registered with Mock=true: no fees (and it never sends). */
  mock: boolean;
  /** SOLE_PROPRIETOR or STANDARD (a Low-Volume Standard brand is STANDARD with skipAutomaticSecVet). */
  brandType: string | null;
  skipAutomaticSecVet: boolean;
  /** The secondary vetting score, or TCR's brand score; null when none. */
  brandScore: number | null;
};

/** One of a brand's vettings (…/BrandRegistrations/{BN}/Vettings): secondary vetting (Aegis), Authentication+ (TCR) and the like. */
export type BrandVetting = {
  sid: string;
  /** `STANDARD` (Aegis secondary vetting), `POLITICAL`, or the class Authentication+ is reported under (the sandbox says `AUTHPLUS`). */
  vettingClass: string | null;
  /** PENDING, SUCCESS or FAILED. */
  vettingStatus: string | null;
  vettingProvider: string | null;
  dateCreated: number | null;
};

const brandVettingSchema = z
  .object({
    brandVettingSid: z.string().nullish(),
    vettingClass: z.string().nullish(),
    vettingStatus: z.string().nullish(),
    vettingProvider: z.string().nullish(),
    dateCreated: z.union([z.date(), z.string()]).nullish(),
  })
  .passthrough();

/** GET …/Compliance/Usa2p/Usecases: the use cases a brand may register campaigns for. */
const usecasesSchema = z.object({ usAppToPersonUsecases: z.array(z.object({ code: z.string() }).passthrough()) }).passthrough();

const campaignSchema = z
  .object({
    sid: sid('QE'),
    campaignStatus: z.string().nullish(),
    brandRegistrationSid: z.string().nullish(),
    errors: z.array(z.unknown()).nullish(),
    mock: z.boolean().nullish(),
    // What the campaign holds, to tell which corrections UpdateUsAppToPerson cannot make.
    optInKeywords: z.array(z.string()).nullish(),
    optInMessage: z.string().nullish(),
    optOutKeywords: z.array(z.string()).nullish(),
    optOutMessage: z.string().nullish(),
    helpKeywords: z.array(z.string()).nullish(),
    helpMessage: z.string().nullish(),
  })
  .passthrough();
const availableNumberSchema = z
  .object({
    phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/),
    region: z.string().nullish(),
    capabilities: z.object({ sms: z.boolean().optional(), SMS: z.boolean().optional() }).passthrough().nullish(),
  })
  .passthrough();
export type AvailableNumber = { phoneNumber: string; region: string | null; sms: boolean };

/** The campaign fields UpdateUsAppToPerson does not take: a change to one needs a new campaign. */
export const CAMPAIGN_FIXED_FIELDS = ['optInKeywords', 'optInMessage', 'optOutKeywords', 'optOutMessage', 'helpKeywords', 'helpMessage'] as const;
export type CampaignFixedField = (typeof CAMPAIGN_FIXED_FIELDS)[number];
export type CampaignRegistration = {
  sid: string;
  campaignStatus: string | null;
  brandRegistrationSid: string | null;
  errors: unknown[];
  mock: boolean;
  /** As Twilio holds them (null: not set). */
  fixed: Record<CampaignFixedField, string | string[] | null>;
};

export interface GatewayBudgets {
  /**
   * A subaccount's gateway: the parent-wide ceiling every call also takes (the parent's account budget),
   * so all subaccounts together stay under TWILIO_MAX_RPS. Absent for the parent's own gateway.
   */
  ceiling?: Budget;
  /** Every call. */
  account: Budget;
  /** Brand and campaign registration (Twilio's ISV guide: about 1 per second). */
  registration: Budget;
  /** Brand OTP requests (10 per second per account). */
  otp: Budget;
}

export interface CampaignParams {
  brandRegistrationSid: string;
  description: string;
  messageFlow: string;
  messageSamples: string[];
  hasEmbeddedLinks: boolean;
  hasEmbeddedPhone: boolean;
  optInKeywords?: string[] | undefined;
  optInMessage?: string | undefined;
  optOutKeywords?: string[] | undefined;
  optOutMessage?: string | undefined;
  helpKeywords?: string[] | undefined;
  helpMessage?: string | undefined;
  /** Twilio's error 30933: since 2026-06-30 a campaign without PrivacyPolicyUrl is rejected. */
  privacyPolicyUrl?: string | undefined;
  termsAndConditionsUrl?: string | undefined;
  /** UsAppToPersonUsecase; SOLE_PROPRIETOR when absent. */
  usecase?: string | undefined;
}

export interface AddressParams {
  friendlyName: string;
  customerName: string;
  street: string;
  streetSecondary?: string | undefined;
  city: string;
  region: string;
  postalCode: string;
  isoCountry: string;
}

interface PageLike<T> {
  instances: T[];
  nextPageUrl?: string | undefined;
  nextPage(): Promise<PageLike<T>> | undefined;
}

type BundleKind = 'customerProfile' | 'trustProduct';

/** Calls whose name starts so are GETs: safe to repeat. */
const READ_PATTERN = /^(fetch|list) /;
const READ_RETRIES = 2;
const readRetryDelay = cappedJitterBackoff(150, 1_000);

/** A subaccount's status and auth token, as the parent reads them. The token never leaves memory. */
export interface SubaccountCredentials {
  sid: string;
  status: SubaccountStatus;
  /** The account that owns it: the parent for a subaccount, itself for a parent. */
  ownerAccountSid: string | null;
  authToken: string;
}
export type SubaccountStatus = 'active' | 'suspended' | 'closed';

const accountSchema = z
  .object({
    sid: sid('AC'),
    status: z.enum(['active', 'suspended', 'closed']),
    friendlyName: z.string().nullish(),
    ownerAccountSid: z.string().nullish(),
    authToken: z.string().min(1),
  })
  .passthrough();

export interface GatewayOptions {
  /**
   * A subaccount's gateway: called when Twilio refuses its credentials, to read the token again (it may
   * have been rotated) and give a client built with it; the call is then tried once more. It throws a
   * RejectedError when the subaccount is no longer active.
   */
  reauth?: () => Promise<twilio.Twilio>;
}

export class TwilioGateway {
  constructor(
    private client: twilio.Twilio,
    readonly accountSid: string,
    private readonly budgets: GatewayBudgets,
    private readonly opts: GatewayOptions = {},
  ) {}

  private async call<T>(what: string, fn: () => Promise<T>, opts: { create?: boolean; extra?: Budget } = {}): Promise<T> {
    // Reads ("fetch …", "list …") change nothing, so a network error or 5xx on one is retried here,
    // briefly, instead of failing the job: a job attempt re-does all its reads, so at a high fault
    // rate a stage with several reads could otherwise spend every attempt without one bad write.
    const retries = READ_PATTERN.test(what) ? READ_RETRIES : 0;
    let reauthed = false;
    const { ceiling, account } = this.budgets;
    const budgets = [...(ceiling ? [ceiling] : []), account, ...(opts.extra ? [opts.extra] : [])];
    for (let attempt = 0; ; attempt++) {
      // One reservation across the account and the call's own budget: no account slot is held while the narrow one waits.
      await takeAll(budgets);
      try {
        return await fn();
      } catch (err) {
        const e = classifyTwilioError(err, what, opts.create ?? false);
        if (e instanceof AuthError && this.opts.reauth) {
          // A subaccount's token refused: read it again once (a 401 means Twilio did nothing, so a retry is safe).
          // Refused again, it is not the parent's credentials at fault: do not let it pause every worker.
          if (reauthed) throw new TransientError(`${what}: Twilio refused subaccount ${this.accountSid}'s credentials even after reading them again from the parent`, false, e.details);
          reauthed = true;
          this.client = await this.opts.reauth();
          attempt -= 1;
          continue;
        }
        if (!(e instanceof TransientError) || attempt >= retries) throw e;
        await sleep(readRetryDelay(attempt + 1));
      }
    }
  }

  /**
   * Listings taken once per Redis-restart window (see ensure() in src/jobs/ensure.ts), keyed by
   * what they list. After a restart every create looks first, for an hour; without these, each
   * look would page through every end user, document, service or brand of the account.
   */
  private readonly listings = new Map<string, { window: string; index: Promise<Map<string, string>> }>();

  /**
   * The whole listing as `key → SID`, taken once in `window` and shared by every lookup in it.
   * What it misses was created after the listing, by a try that recorded its intent in the
   * restarted Redis: those are looked up without a window, by a fresh search.
   */
  private listingOnce<T>(what: string, window: string, first: () => Promise<PageLike<T>>, key: (item: T) => string | null | undefined, sidOf: (item: T) => string): Promise<Map<string, string>> {
    const cached = this.listings.get(what);
    if (cached?.window === window) return cached.index;
    const index = (async () => {
      const map = new Map<string, string>();
      await this.findInPages(what, first, (item) => {
        const k = key(item);
        if (k && !map.has(k)) map.set(k, sidOf(item));
        return false;
      });
      return map;
    })();
    this.listings.set(what, { window, index });
    // A listing that failed is taken again by the next lookup.
    index.catch(() => {
      if (this.listings.get(what)?.index === index) this.listings.delete(what);
    });
    return index;
  }

  /** Find by a key: in the window's listing when given, else by walking the pages now. */
  private async findSid<T>(what: string, first: () => Promise<PageLike<T>>, key: (item: T) => string | null | undefined, sidOf: (item: T) => string, wanted: string, window: string | undefined): Promise<string | null> {
    if (window) return (await this.listingOnce(what, window, first, key, sidOf)).get(wanted) ?? null;
    const hit = await this.findInPages(what, first, (item) => key(item) === wanted);
    return hit ? sidOf(hit) : null;
  }

  /** Walk pages (each page a budgeted call) until `match` finds an item. */
  private async findInPages<T>(what: string, first: () => Promise<PageLike<T>>, match: (item: T) => boolean): Promise<T | null> {
    let page: PageLike<T> | undefined = await this.call(what, first);
    while (page) {
      const hit = page.instances.find(match);
      if (hit) return hit;
      if (!page.nextPageUrl) return null;
      const current: PageLike<T> = page;
      page = await this.call(what, async () => current.nextPage());
    }
    return null;
  }

  // ---- account ----

  /** A cheap authenticated call: proves the credentials before workers take jobs. */
  async checkCredentials(): Promise<void> {
    await this.call('fetch account', () => this.client.api.v2010.accounts(this.accountSid).fetch());
  }

  // ---- subaccounts (ACCOUNT_MODE=subaccount; called on the parent's gateway) ----

  /** POST /2010-04-01/Accounts.json: a new subaccount of this account. */
  async createSubaccount(friendlyName: string): Promise<string> {
    const res = await this.call('create subaccount', () => this.client.api.v2010.accounts.create({ friendlyName }), { create: true });
    return created('AC').parse(res).sid;
  }

  /** The subaccount with exactly this FriendlyName (any status), as an earlier try may have created it. */
  async findSubaccountByFriendlyName(friendlyName: string): Promise<string | null> {
    const list: { sid: string; friendlyName: string; ownerAccountSid: string }[] = await this.call('list subaccounts by friendly name', () =>
      this.client.api.v2010.accounts.list({ friendlyName, pageSize: 20, limit: 20 }),
    );
    // The listing may include the parent itself; only a subaccount of this parent is ours.
    const hit = list.find((a) => a.friendlyName === friendlyName && a.sid !== this.accountSid && a.ownerAccountSid === this.accountSid);
    return hit ? hit.sid : null;
  }

  /**
   * A subaccount's status, owner and auth token (GET /2010-04-01/Accounts/{AC}.json with the parent's
   * credentials); null when this account cannot see it. The token is for src/twilio/accounts.ts only: never log it.
   */
  async fetchSubaccount(accountSid: string): Promise<SubaccountCredentials | null> {
    return this.unlessGone(async () => {
      const raw: unknown = await this.call<unknown>('fetch subaccount', () => this.client.api.v2010.accounts(accountSid).fetch()).catch((err: unknown) => {
        // 403 with the parent's (good) credentials: an account that is not the parent's to read.
        if (err instanceof AuthError && err.details.status === 403) throw new RejectedError(`account ${accountSid} is not this account's`, { status: 404 });
        throw err;
      });
      const a = accountSchema.safeParse(raw);
      // Never echo the answer: it holds the token.
      if (!a.success) throw new TransientError(`fetch subaccount ${accountSid}: Twilio's answer lacked ${a.error.issues.map((i) => i.path.join('.')).join(', ')}`, false);
      return { sid: a.data.sid, status: a.data.status, ownerAccountSid: a.data.ownerAccountSid ?? null, authToken: a.data.authToken };
    }, null);
  }

  /** The ISV's own approved primary profile, when ISV_PRIMARY_PROFILE_SID is not set. */
  /**
   * The account's twilio-approved primary profiles. Secondary Customer Profiles share the primary's policy
   * (reference 003), so once businesses are approved the policy alone no longer tells them apart: every
   * approved profile is read (paged), those a2p-onboard created for customers (`a2p-onboard {id} …`) are
   * left out, and of the others any that has a customer profile assigned (a secondary rests on its
   * primary) is left out too. Without this, a worker started after the first business was approved would
   * refuse to guess between "several primary profiles".
   */
  async findApprovedPrimaryProfile(policySid: string): Promise<string[]> {
    const candidates: string[] = [];
    await this.findInPages(
      'list approved customer profiles',
      () => this.client.trusthub.v1.customerProfiles.page({ status: 'twilio-approved', policySid, pageSize: 100 }),
      (p) => {
        if (!/^a2p-onboard \S+ /.test(p.friendlyName ?? '')) candidates.push(p.sid);
        return false;
      },
    );
    if (candidates.length <= 1) return candidates;
    const primaries: string[] = [];
    for (const sid of candidates) {
      const assigned = await this.call('list customerProfile assignments', () => this.client.trusthub.v1.customerProfiles(sid).customerProfilesEntityAssignments.list({ pageSize: 50 }));
      if (!assigned.some((a) => /^BU[0-9a-fA-F]{32}$/.test(a.objectSid))) primaries.push(sid);
    }
    return primaries;
  }

  /**
   * The end users assigned to a customer profile, with their type and attributes: what the ISV's primary
   * profile says about the business (doctor checks its business_identity).
   */
  async customerProfileEndUsers(bundleSid: string): Promise<{ sid: string; type: string; attributes: Record<string, unknown> }[]> {
    const th = this.client.trusthub.v1;
    const assigned: { objectSid: string }[] = await this.call<{ objectSid: string }[]>('list customerProfile assignments', () =>
      th.customerProfiles(bundleSid).customerProfilesEntityAssignments.list({ pageSize: 50 }),
    );
    const out: { sid: string; type: string; attributes: Record<string, unknown> }[] = [];
    for (const a of assigned) {
      if (!a.objectSid.startsWith('IT')) continue;
      const raw: unknown = await this.call<unknown>('fetch end user', () => th.endUsers(a.objectSid).fetch());
      const eu = z.object({ sid: sid('IT'), type: z.string().min(1), attributes: z.record(z.string(), z.unknown()).nullish() }).passthrough().parse(raw);
      out.push({ sid: eu.sid, type: eu.type, attributes: eu.attributes ?? {} });
    }
    return out;
  }

  // ---- bundles (customer profiles and trust products share a shape) ----

  async createBundle(kind: BundleKind, p: { friendlyName: string; email: string; policySid: string; statusCallback?: string | undefined }): Promise<string> {
    const th = this.client.trusthub.v1;
    const res = await this.call<unknown>(
      `create ${kind}`,
      () => (kind === 'customerProfile' ? th.customerProfiles.create(p) : th.trustProducts.create(p)),
      { create: true },
    );
    return created('BU').parse(res).sid;
  }

  async findBundleByFriendlyName(kind: BundleKind, friendlyName: string): Promise<string | null> {
    const th = this.client.trusthub.v1;
    const q = { friendlyName, pageSize: 20, limit: 20 };
    const list: { sid: string; friendlyName: string }[] = await this.call<{ sid: string; friendlyName: string }[]>(`list ${kind} by friendly name`, () =>
      kind === 'customerProfile' ? th.customerProfiles.list(q) : th.trustProducts.list(q),
    );
    const hit = list.find((b) => b.friendlyName === friendlyName);
    return hit ? hit.sid : null;
  }

  async fetchBundle(kind: BundleKind, bundleSid: string): Promise<Bundle> {
    const th = this.client.trusthub.v1;
    const raw: unknown = await this.call<unknown>(`fetch ${kind}`, () =>
      kind === 'customerProfile' ? th.customerProfiles(bundleSid).fetch() : th.trustProducts(bundleSid).fetch(),
    );
    const res = bundleSchema.parse(raw);
    return { sid: res.sid, status: res.status, friendlyName: res.friendlyName ?? null, errors: res.errors ?? [] };
  }

  async assign(kind: BundleKind, bundleSid: string, objectSid: string): Promise<string> {
    const th = this.client.trusthub.v1;
    const raw: unknown = await this.call<unknown>(
      `assign to ${kind}`,
      () =>
        kind === 'customerProfile'
          ? th.customerProfiles(bundleSid).customerProfilesEntityAssignments.create({ objectSid })
          : th.trustProducts(bundleSid).trustProductsEntityAssignments.create({ objectSid }),
      { create: true },
    );
    return created('BV').parse(raw).sid;
  }

  async findAssignment(kind: BundleKind, bundleSid: string, objectSid: string): Promise<string | null> {
    const th = this.client.trusthub.v1;
    const list: { sid: string; objectSid: string }[] = await this.call<{ sid: string; objectSid: string }[]>(`list ${kind} assignments`, () =>
      kind === 'customerProfile'
        ? th.customerProfiles(bundleSid).customerProfilesEntityAssignments.list({ pageSize: 50 })
        : th.trustProducts(bundleSid).trustProductsEntityAssignments.list({ pageSize: 50 }),
    );
    const hit = list.find((a) => a.objectSid === objectSid);
    return hit ? hit.sid : null;
  }

  /** Take an item off a bundle (corrected data no longer has it); an assignment already gone is fine. */
  async removeAssignment(kind: BundleKind, bundleSid: string, assignmentSid: string): Promise<void> {
    const th = this.client.trusthub.v1;
    await this.unlessGone(
      () =>
        this.call(`remove ${kind} assignment`, () =>
          kind === 'customerProfile'
            ? th.customerProfiles(bundleSid).customerProfilesEntityAssignments(assignmentSid).remove()
            : th.trustProducts(bundleSid).trustProductsEntityAssignments(assignmentSid).remove(),
        ),
      false,
    );
  }

  async evaluate(kind: BundleKind, bundleSid: string, policySid: string): Promise<Evaluation> {
    const th = this.client.trusthub.v1;
    const raw: unknown = await this.call<unknown>(`evaluate ${kind}`, () =>
      kind === 'customerProfile'
        ? th.customerProfiles(bundleSid).customerProfilesEvaluations.create({ policySid })
        : th.trustProducts(bundleSid).trustProductsEvaluations.create({ policySid }),
    );
    const res = evaluationSchema.parse(raw);
    return { sid: res.sid, status: res.status, results: res.results ?? [] };
  }

  async submit(kind: BundleKind, bundleSid: string): Promise<BundleStatus> {
    const th = this.client.trusthub.v1;
    const raw: unknown = await this.call<unknown>(`submit ${kind}`, () =>
      kind === 'customerProfile'
        ? th.customerProfiles(bundleSid).update({ status: 'pending-review' })
        : th.trustProducts(bundleSid).update({ status: 'pending-review' }),
    );
    return bundleSchema.parse(raw).status;
  }

  /** Correct a bundle's own fields (its email) before a resubmission. */
  async updateBundle(kind: BundleKind, bundleSid: string, p: { email: string }): Promise<void> {
    const th = this.client.trusthub.v1;
    await this.call<unknown>(`update ${kind}`, () =>
      kind === 'customerProfile' ? th.customerProfiles(bundleSid).update(p) : th.trustProducts(bundleSid).update(p),
    );
  }

  // ---- policies and phone numbers (business flow) ----

  /** A Policy and its requirements (what a bundle needs); "policies can and do change". */
  async fetchPolicy(policySid: string): Promise<Policy> {
    const raw: unknown = await this.call<unknown>('fetch policy', () => this.client.trusthub.v1.policies(policySid).fetch());
    const res = z.object({ sid: sid('RN'), friendlyName: z.string().nullish(), requirements: policyRequirementsSchema }).passthrough().parse(raw);
    return { sid: res.sid, friendlyName: res.friendlyName ?? res.sid, requirements: res.requirements };
  }

  /** The account's IncomingPhoneNumber for an E.164 number (its PN SID), or null when the account does not own it. */
  async findIncomingPhoneNumber(e164: string): Promise<string | null> {
    const list = await this.call('list incoming phone numbers', () =>
      this.client.api.v2010.accounts(this.accountSid).incomingPhoneNumbers.list({ phoneNumber: e164, pageSize: 20, limit: 20 }),
    );
    const hit = list.find((n) => n.phoneNumber === e164);
    return hit ? sid('PN').parse(hit.sid) : null;
  }

  // ---- sender numbers (Sole Proprietor flow: the number on the customer's Messaging Service) ----

  /**
   * Local numbers the account could buy now, SMS-capable (AvailablePhoneNumbers/{Country}/Local). Filters as
   * documented in the API 2010 spec: `AreaCode` (US and Canada) and `InRegion` (a state or province).
   */
  async listAvailableLocalNumbers(isoCountry: 'US' | 'CA', filter: { areaCode?: number | undefined; inRegion?: string | undefined }): Promise<AvailableNumber[]> {
    const q = {
      smsEnabled: true,
      pageSize: 20,
      limit: 20,
      ...(filter.areaCode !== undefined ? { areaCode: filter.areaCode } : {}),
      ...(filter.inRegion !== undefined ? { inRegion: filter.inRegion } : {}),
    };
    const list: unknown = await this.call('list available local phone numbers', () =>
      this.client.api.v2010.accounts(this.accountSid).availablePhoneNumbers(isoCountry).local.list(q),
    );
    return z.array(availableNumberSchema).parse(list).map((n) => ({ phoneNumber: n.phoneNumber, region: n.region ?? null, sms: n.capabilities?.sms ?? n.capabilities?.SMS ?? true })).filter((n) => n.sms);
  }

  /** Buy a number the account was just offered. Costs money: only through ensure(), with a FriendlyName to find a lost answer by. */
  async buyPhoneNumber(p: { phoneNumber: string; friendlyName: string }): Promise<string> {
    const res = await this.call('buy incoming phone number', () => this.client.api.v2010.accounts(this.accountSid).incomingPhoneNumbers.create(p), { create: true });
    return created('PN').parse(res).sid;
  }

  /** A number bought earlier under this FriendlyName (its PN SID), or null. */
  async findIncomingPhoneNumberByFriendlyName(friendlyName: string): Promise<string | null> {
    const list = await this.call('list incoming phone numbers by friendly name', () =>
      this.client.api.v2010.accounts(this.accountSid).incomingPhoneNumbers.list({ friendlyName, pageSize: 20, limit: 20 }),
    );
    const hit = list.find((n) => n.friendlyName === friendlyName);
    return hit ? sid('PN').parse(hit.sid) : null;
  }

  /** Add a number (PN SID) to a Messaging Service; the answer's SID is the number's own PN SID. */
  async addServicePhoneNumber(messagingServiceSid: string, phoneNumberSid: string): Promise<string> {
    const res = await this.call('add phone number to messaging service', () => this.client.messaging.v1.services(messagingServiceSid).phoneNumbers.create({ phoneNumberSid }), { create: true });
    return created('PN').parse(res).sid;
  }

  /** The numbers on a Messaging Service: PN SID and E.164. */
  async listServicePhoneNumbers(messagingServiceSid: string): Promise<Array<{ sid: string; phoneNumber: string | null }>> {
    const list: unknown = await this.call('list phone numbers of messaging service', () => this.client.messaging.v1.services(messagingServiceSid).phoneNumbers.list({ pageSize: 50, limit: 50 }));
    return z.array(z.object({ sid: sid('PN'), phoneNumber: z.string().nullish() }).passthrough()).parse(list).map((n) => ({ sid: n.sid, phoneNumber: n.phoneNumber ?? null }));
  }

  /** Take a number off a Messaging Service (a corrected sender_number replaces it); already gone is fine. */
  async removeServicePhoneNumber(messagingServiceSid: string, phoneNumberSid: string): Promise<void> {
    await this.unlessGone(() => this.call('remove phone number from messaging service', () => this.client.messaging.v1.services(messagingServiceSid).phoneNumbers(phoneNumberSid).remove()), false);
  }

  /** Assign a phone number (PN SID) to a bundle as a channel endpoint. */
  async assignChannelEndpoint(kind: BundleKind, bundleSid: string, channelEndpointSid: string): Promise<string> {
    const th = this.client.trusthub.v1;
    const p = { channelEndpointType: 'phone-number', channelEndpointSid };
    const raw: unknown = await this.call<unknown>(
      `assign phone number to ${kind}`,
      () =>
        kind === 'customerProfile'
          ? th.customerProfiles(bundleSid).customerProfilesChannelEndpointAssignment.create(p)
          : th.trustProducts(bundleSid).trustProductsChannelEndpointAssignment.create(p),
      { create: true },
    );
    return created('RA').parse(raw).sid;
  }

  async findChannelEndpointAssignment(kind: BundleKind, bundleSid: string, channelEndpointSid: string): Promise<string | null> {
    const th = this.client.trusthub.v1;
    const q = { channelEndpointSid, pageSize: 20, limit: 20 };
    const list: { sid: string; channelEndpointSid: string }[] = await this.call<{ sid: string; channelEndpointSid: string }[]>(`list ${kind} channel endpoint assignments`, () =>
      kind === 'customerProfile'
        ? th.customerProfiles(bundleSid).customerProfilesChannelEndpointAssignment.list(q)
        : th.trustProducts(bundleSid).trustProductsChannelEndpointAssignment.list(q),
    );
    const hit = list.find((a) => a.channelEndpointSid === channelEndpointSid);
    return hit ? hit.sid : null;
  }

  /** Take a phone number off a bundle (corrected phone_numbers); an assignment already gone is fine. */
  async removeChannelEndpointAssignment(kind: BundleKind, bundleSid: string, assignmentSid: string): Promise<void> {
    const th = this.client.trusthub.v1;
    await this.unlessGone(
      () =>
        this.call(`remove ${kind} channel endpoint assignment`, () =>
          kind === 'customerProfile'
            ? th.customerProfiles(bundleSid).customerProfilesChannelEndpointAssignment(assignmentSid).remove()
            : th.trustProducts(bundleSid).trustProductsChannelEndpointAssignment(assignmentSid).remove(),
        ),
      false,
    );
  }

  // ---- end users, addresses, supporting documents ----

  async updateEndUser(endUserSid: string, attributes: Record<string, string>): Promise<void> {
    await this.call('update end user', () => this.client.trusthub.v1.endUsers(endUserSid).update({ attributes }));
  }

  /** An Address's country cannot change (Twilio's update has no IsoCountry); the rest can. */
  async updateAddress(addressSid: string, p: Omit<AddressParams, 'isoCountry' | 'friendlyName'>): Promise<void> {
    await this.call('update address', () =>
      this.client.api.v2010.accounts(this.accountSid).addresses(addressSid).update({
        customerName: p.customerName,
        street: p.street,
        streetSecondary: p.streetSecondary ?? '',
        city: p.city,
        region: p.region,
        postalCode: p.postalCode,
      }),
    );
  }

  async createEndUser(p: { friendlyName: string; type: string; attributes: Record<string, string> }): Promise<string> {
    const res = await this.call('create end user', () => this.client.trusthub.v1.endUsers.create(p), { create: true });
    return created('IT').parse(res).sid;
  }

  /** `window`: a Redis-restart window's id, to look in one listing per window (see listingOnce). */
  async findEndUserByFriendlyName(friendlyName: string, window?: string): Promise<string | null> {
    return this.findSid('list end users', () => this.client.trusthub.v1.endUsers.page({ pageSize: 100 }), (e) => e.friendlyName, (e) => e.sid, friendlyName, window);
  }

  async createAddress(p: AddressParams): Promise<string> {
    const res = await this.call('create address', () => this.client.api.v2010.accounts(this.accountSid).addresses.create(p), { create: true });
    return created('AD').parse(res).sid;
  }

  async findAddressByFriendlyName(friendlyName: string): Promise<string | null> {
    const list = await this.call('list addresses by friendly name', () =>
      this.client.api.v2010.accounts(this.accountSid).addresses.list({ friendlyName, pageSize: 20, limit: 20 }),
    );
    const hit = list.find((a) => a.friendlyName === friendlyName);
    return hit ? hit.sid : null;
  }

  async createSupportingDocument(p: { friendlyName: string; type: string; attributes: Record<string, string> }): Promise<string> {
    const res = await this.call('create supporting document', () => this.client.trusthub.v1.supportingDocuments.create(p), { create: true });
    return created('RD').parse(res).sid;
  }

  async findSupportingDocumentByFriendlyName(friendlyName: string, window?: string): Promise<string | null> {
    return this.findSid('list supporting documents', () => this.client.trusthub.v1.supportingDocuments.page({ pageSize: 100 }), (d) => d.friendlyName, (d) => d.sid, friendlyName, window);
  }

  // ---- brand ----

  /** `mock`: TWILIO_MOCK_BRANDS, a brand Twilio registers without fees (a rehearsal; it never sends). */
  async createBrand(p: { customerProfileBundleSid: string; a2pProfileBundleSid: string; mock?: boolean; brandType?: 'SOLE_PROPRIETOR' | 'STANDARD'; skipAutomaticSecVet?: boolean }): Promise<Brand> {
    const res = await this.call(
      'create brand registration',
      () =>
        this.client.messaging.v1.brandRegistrations.create({
          customerProfileBundleSid: p.customerProfileBundleSid,
          a2PProfileBundleSid: p.a2pProfileBundleSid,
          brandType: p.brandType ?? 'SOLE_PROPRIETOR',
          // Low-Volume Standard: a STANDARD brand that skips the (charged) automatic secondary vetting.
          ...(p.skipAutomaticSecVet ? { skipAutomaticSecVet: true } : {}),
          ...(p.mock ? { mock: true } : {}),
        }),
      { create: true, extra: this.budgets.registration },
    );
    return toBrand(brandSchema.parse(res));
  }

  /** A brand is found by its trust bundle: one bundle, one brand. Returns the brand's SID. */
  async findBrandByBundle(a2pProfileBundleSid: string, window?: string): Promise<string | null> {
    return this.findSid('list brand registrations', () => this.client.messaging.v1.brandRegistrations.page({ pageSize: 100 }), (b) => b.a2pProfileBundleSid, (b) => sid('BN').parse(b.sid), a2pProfileBundleSid, window);
  }

  async fetchBrand(brandSid: string): Promise<Brand> {
    return toBrand(brandSchema.parse(await this.call('fetch brand registration', () => this.client.messaging.v1.brandRegistrations(brandSid).fetch())));
  }

  /** Resubmit a FAILED brand once what it relies on is fixed (Twilio re-runs the registration; no new brand). */
  async resubmitBrand(brandSid: string): Promise<Brand> {
    const res = await this.call('resubmit brand registration', () => this.client.messaging.v1.brandRegistrations(brandSid).update(), {
      extra: this.budgets.registration,
    });
    return toBrand(brandSchema.parse(res));
  }

  /** The brand's vettings, newest first: secondary vetting results and Authentication+ attempts. */
  async listBrandVettings(brandSid: string): Promise<BrandVetting[]> {
    const list = await this.call('list brand vettings', () => this.client.messaging.v1.brandRegistrations(brandSid).brandVettings.list({ limit: 50 }));
    return list
      .map((v) => brandVettingSchema.parse(v))
      .map((v) => ({ sid: v.brandVettingSid ?? '', vettingClass: v.vettingClass ?? null, vettingStatus: v.vettingStatus ?? null, vettingProvider: v.vettingProvider ?? null, dateCreated: epochMs(v.dateCreated) }))
      .sort((a, b) => (b.dateCreated ?? 0) - (a.dateCreated ?? 0));
  }

  /**
   * Authentication+: ask TCR to email the brand contact a fresh verification link (POST …/BrandRegistrations/{BN}/2fa,
   * Twilio's "Brand 2FA verify" page; twilio-node has no method for it). Charged like every attempt. Not retried here
   * on a lost answer: the caller counts attempts in the ledger before calling.
   */
  async resendBrandAuthPlus(brandSid: string): Promise<void> {
    await this.call('request brand Authentication+ email (2fa)', () => this.client.messaging.v1.create({ uri: `/a2p/BrandRegistrations/${sid('BN').parse(brandSid)}/2fa`, method: 'post' }), {
      extra: this.budgets.registration,
    });
  }

  /** The use case codes Twilio offers this brand for a campaign on this Messaging Service. */
  async listUsecases(messagingServiceSid: string, brandSid: string): Promise<string[]> {
    const res = await this.call('fetch campaign use cases', () => this.client.messaging.v1.services(messagingServiceSid).usAppToPersonUsecases.fetch({ brandRegistrationSid: brandSid }));
    return usecasesSchema.parse(res).usAppToPersonUsecases.map((u) => u.code);
  }

  async requestBrandOtp(brandSid: string): Promise<void> {
    await this.call('request brand OTP', () => this.client.messaging.v1.brandRegistrations(brandSid).brandRegistrationOtps.create(), {
      extra: this.budgets.otp,
    });
  }

  // ---- messaging service and campaign ----

  async createMessagingService(friendlyName: string): Promise<string> {
    const res = await this.call('create messaging service', () => this.client.messaging.v1.services.create({ friendlyName }), { create: true });
    return created('MG').parse(res).sid;
  }

  /** A Messaging Service the CSV names must exist on this account. */
  async messagingServiceExists(serviceSid: string): Promise<boolean> {
    return this.unlessGone(async () => {
      await this.call('fetch messaging service', () => this.client.messaging.v1.services(serviceSid).fetch());
      return true;
    }, false);
  }

  async findMessagingServiceByFriendlyName(friendlyName: string, window?: string): Promise<string | null> {
    return this.findSid('list messaging services', () => this.client.messaging.v1.services.page({ pageSize: 100 }), (s) => s.friendlyName, (s) => s.sid, friendlyName, window);
  }

  async createCampaign(messagingServiceSid: string, p: CampaignParams): Promise<CampaignRegistration> {
    const res = await this.call(
      'create campaign (usAppToPerson)',
      () => {
        const { usecase, ...fields } = p;
        return this.client.messaging.v1.services(messagingServiceSid).usAppToPerson.create({ ...fields, usAppToPersonUsecase: usecase ?? 'SOLE_PROPRIETOR' });
      },
      { create: true, extra: this.budgets.registration },
    );
    return toCampaign(campaignSchema.parse(res));
  }

  async fetchCampaign(messagingServiceSid: string, campaignSid: string): Promise<CampaignRegistration> {
    const res = await this.call('fetch campaign (usAppToPerson)', () => this.client.messaging.v1.services(messagingServiceSid).usAppToPerson(campaignSid).fetch());
    return toCampaign(campaignSchema.parse(res));
  }

  /** Correct and resubmit a FAILED campaign (Twilio allows editing these fields; the campaign keeps its SID). */
  async updateCampaign(messagingServiceSid: string, campaignSid: string, p: CampaignParams): Promise<CampaignRegistration> {
    const res = await this.call(
      'update campaign (usAppToPerson)',
      () =>
        this.client.messaging.v1.services(messagingServiceSid).usAppToPerson(campaignSid).update({
          hasEmbeddedLinks: p.hasEmbeddedLinks,
          hasEmbeddedPhone: p.hasEmbeddedPhone,
          messageSamples: p.messageSamples,
          messageFlow: p.messageFlow,
          description: p.description,
          ageGated: false,
          directLending: false,
          ...(p.privacyPolicyUrl ? { privacyPolicyUrl: p.privacyPolicyUrl } : {}),
          ...(p.termsAndConditionsUrl ? { termsAndConditionsUrl: p.termsAndConditionsUrl } : {}),
        }),
      { extra: this.budgets.registration },
    );
    return toCampaign(campaignSchema.parse(res));
  }

  /**
   * Delete a campaign (DeleteUsAppToPerson), to create it again with fields an update cannot change.
   * Resolves once Twilio confirmed it (204), or it was already gone (404): either way none is left.
   */
  async deleteCampaign(messagingServiceSid: string, campaignSid: string): Promise<'deleted' | 'already gone'> {
    return this.unlessGone<'deleted' | 'already gone'>(async () => {
      await this.call('delete campaign (usAppToPerson)', () => this.client.messaging.v1.services(messagingServiceSid).usAppToPerson(campaignSid).remove());
      return 'deleted';
    }, 'already gone');
  }

  /** Twilio's 404 means the resource is not there (deleted already, or never existed): answer `gone` instead. */
  private async unlessGone<T>(fn: () => Promise<T>, gone: T): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RejectedError && err.details.status === 404) return gone;
      throw err;
    }
  }

  /** A Messaging Service holds at most one campaign: find the one for this brand. */
  async findCampaign(messagingServiceSid: string, brandRegistrationSid: string): Promise<CampaignRegistration | null> {
    const list = await this.call('list campaigns of messaging service', () => this.client.messaging.v1.services(messagingServiceSid).usAppToPerson.list({ pageSize: 20 }));
    const hit = list.find((c) => c.brandRegistrationSid === brandRegistrationSid);
    return hit ? toCampaign(campaignSchema.parse(hit)) : null;
  }

  // ---- Event Streams (events v1): the webhook Sink and Subscription `events setup` makes ----

  /** Every Sink of the account (a handful). */
  async listSinks(): Promise<EventSink[]> {
    const list = await this.call('list event sinks', () => this.client.events.v1.sinks.list({ pageSize: 100 }));
    return list.map((s) => toSink(sinkSchema.parse(s)));
  }

  /** A webhook Sink posting batches of events to `destination`. */
  async createWebhookSink(description: string, destination: string): Promise<EventSink> {
    const res = await this.call('create event sink', () =>
      this.client.events.v1.sinks.create({ description, sinkType: 'webhook', sinkConfiguration: { destination, method: 'POST', batch_events: true } }),
    { create: true });
    return toSink(sinkSchema.parse(res));
  }

  async listSubscriptions(sinkSid: string): Promise<EventSubscription[]> {
    const list = await this.call('list event subscriptions', () => this.client.events.v1.subscriptions.list({ sinkSid, pageSize: 100 }));
    return list.map((s) => subscriptionSchema.parse(s)).map((s) => ({ sid: s.sid, sinkSid: s.sinkSid ?? sinkSid, description: s.description ?? '' }));
  }

  /** Types without a schema version: Twilio then uses the type's current one; the pipeline reads only the SIDs every version has. */
  async createSubscription(description: string, sinkSid: string, types: readonly string[]): Promise<EventSubscription> {
    const res = await this.call('create event subscription', () => this.client.events.v1.subscriptions.create({ description, sinkSid, types: types.map((type) => ({ type })) }), { create: true });
    const s = subscriptionSchema.parse(res);
    return { sid: s.sid, sinkSid: s.sinkSid ?? sinkSid, description: s.description ?? description };
  }

  async listSubscribedEventTypes(subscriptionSid: string): Promise<string[]> {
    const list = await this.call('list subscribed events', () => this.client.events.v1.subscriptions(subscriptionSid).subscribedEvents.list({ pageSize: 100 }));
    return list.map((e) => z.object({ type: z.string() }).passthrough().parse(e).type);
  }

  async addSubscribedEventType(subscriptionSid: string, type: string): Promise<void> {
    await this.call('create subscribed event', () => this.client.events.v1.subscriptions(subscriptionSid).subscribedEvents.create({ type }), { create: true });
  }
}

const sinkSchema = z
  .object({
    sid: sid('DG'),
    description: z.string().nullish(),
    status: z.string().nullish(),
    sinkType: z.string().nullish(),
    sinkConfiguration: z.unknown(),
  })
  .passthrough();
const subscriptionSchema = z.object({ sid: sid('DF'), sinkSid: z.string().nullish(), description: z.string().nullish() }).passthrough();

/** An Event Streams Sink, as far as a2p-onboard cares: where it posts, and whether Twilio uses it. */
export type EventSink = { sid: string; description: string; status: string; sinkType: string; destination: string | null };
export type EventSubscription = { sid: string; sinkSid: string; description: string };

function toSink(s: z.infer<typeof sinkSchema>): EventSink {
  // twilio-node passes sink_configuration through as Twilio sent it: an object, or a JSON string.
  let conf: unknown = s.sinkConfiguration;
  if (typeof conf === 'string') {
    try {
      conf = JSON.parse(conf);
    } catch {
      conf = null;
    }
  }
  const destination = conf && typeof conf === 'object' && typeof (conf as { destination?: unknown }).destination === 'string' ? (conf as { destination: string }).destination : null;
  return { sid: s.sid, description: s.description ?? '', status: s.status ?? 'unknown', sinkType: s.sinkType ?? 'unknown', destination };
}

function toBrand(b: z.infer<typeof brandSchema>): Brand {
  return {
    sid: b.sid,
    status: b.status,
    identityStatus: b.identityStatus ?? null,
    a2pProfileBundleSid: b.a2pProfileBundleSid ?? null,
    failureReason: b.failureReason ?? null,
    errors: b.errors ?? [],
    dateCreated: epochMs(b.dateCreated),
    dateUpdated: epochMs(b.dateUpdated),
    mock: b.mock ?? false,
    brandType: b.brandType ?? null,
    skipAutomaticSecVet: b.skipAutomaticSecVet ?? false,
    brandScore: b.brandScore ?? null,
  };
}

function epochMs(d: Date | string | null | undefined): number | null {
  if (d === null || d === undefined) return null;
  const ms = d instanceof Date ? d.getTime() : Date.parse(d);
  return Number.isFinite(ms) ? ms : null;
}

function toCampaign(c: z.infer<typeof campaignSchema>): CampaignRegistration {
  const fixed = Object.fromEntries(CAMPAIGN_FIXED_FIELDS.map((f) => [f, c[f] ?? null])) as CampaignRegistration['fixed'];
  return { sid: c.sid, campaignStatus: c.campaignStatus ?? null, brandRegistrationSid: c.brandRegistrationSid ?? null, errors: c.errors ?? [], mock: c.mock ?? false, fixed };
}
