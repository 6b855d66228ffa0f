import { z } from 'zod';
import { iso8601 } from './clock.js';
import type { SandboxContext } from './context.js';
import { TwilioApiError, badRequest, invalidParam, notFound, tooManyRequests } from './errors.js';
import { fields, zNonEmpty } from './forms.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
import { POLICY_A2P_MESSAGING, POLICY_SECONDARY_BUSINESS, newSid, type Brand, type Campaign, type MessagingService, type Vetting } from './store.js';
import {
  MAX_CAMPAIGNS_PER_STANDARD_BRAND,
  SOLE_PROPRIETOR_USECASE,
  SPECIAL_USECASES,
  SPEC_USECASES,
  STANDARD_CODES,
  type Usecase,
} from './standard-rules.js';

const HOST = 'https://messaging.twilio.com';

/**
 * UNVERIFIED: no document names Twilio's answer to a second campaign on one Messaging Service (002
 * only says a Sole Proprietor brand has one campaign). The sandbox refuses it as it refuses other
 * requests its resources' state does not allow: 400 with the generic 20001, not an invented code.
 */
const UNVERIFIED_SECOND_CAMPAIGN = { status: 400, code: 20001 } as const;
const BASE = `${HOST}/v1`;

function renderBrand(ctx: SandboxContext, b: Brand): Record<string, unknown> {
  const url = `${BASE}/a2p/BrandRegistrations/${b.sid}`;
  return {
    sid: b.sid,
    account_sid: ctx.options.accountSid,
    customer_profile_bundle_sid: b.customerProfileBundleSid,
    a2p_profile_bundle_sid: b.a2pProfileBundleSid,
    date_created: iso8601(b.dateCreated),
    date_updated: iso8601(b.dateUpdated),
    brand_type: b.brandType,
    status: b.status,
    tcr_id: b.tcrId,
    failure_reason: b.failureReason,
    errors: b.errors,
    url,
    brand_score: b.brandScore,
    brand_feedback: b.brandFeedback,
    identity_status: b.identityStatus,
    russell_3000: null,
    government_entity: null,
    tax_exempt_status: null,
    skip_automatic_sec_vet: b.skipAutomaticSecVet,
    mock: b.mock,
    links: {
      brand_vettings: `${url}/Vettings`,
      brand_registration_otps: `${url}/SmsOtp`,
    },
  };
}

function renderVetting(ctx: SandboxContext, v: Vetting): Record<string, unknown> {
  return {
    account_sid: ctx.options.accountSid,
    brand_sid: v.brandSid,
    brand_vetting_sid: v.sid,
    date_updated: iso8601(v.dateUpdated),
    date_created: iso8601(v.dateCreated),
    vetting_id: v.vettingId,
    vetting_class: v.vettingClass,
    vetting_status: v.vettingStatus,
    vetting_provider: v.vettingProvider,
    url: `${BASE}/a2p/BrandRegistrations/${v.brandSid}/Vettings/${v.sid}`,
  };
}

/**
 * The use cases a brand may register (FetchUsAppToPersonUsecase): the spec's example list without a brand;
 * none for a brand with a registration problem (the spec: "returns an empty list if there is an issue with
 * the customer's A2P brand registration"); SOLE_PROPRIETOR for a Sole Proprietor brand; for a STANDARD
 * brand (Low-Volume or not) the example's list without the special use cases that need extra vetting.
 */
export function usecasesFor(brand: Brand | undefined): readonly Usecase[] {
  if (!brand) return SPEC_USECASES;
  if (brand.status === 'FAILED' || brand.status === 'SUSPENDED' || brand.status === 'DELETION_PENDING' || brand.status === 'DELETION_FAILED') return [];
  if (brand.brandType === 'SOLE_PROPRIETOR') return [SOLE_PROPRIETOR_USECASE];
  return SPEC_USECASES.filter((u) => !SPECIAL_USECASES.has(u.code));
}

/** Why a STANDARD brand's bundles cannot carry it, or null: a Secondary Business profile (not rejected) and an A2P Messaging trust product. */
function standardBundleRefusal(ctx: SandboxContext, cpSid: string, tpSid: string): { param: string; why: string } | null {
  const cp = ctx.store.customerProfiles.get(cpSid);
  if (!cp || cp.policySid !== POLICY_SECONDARY_BUSINESS || cp.sid === ctx.isvPrimaryProfileSid) {
    return { param: 'CustomerProfileBundleSid', why: `${cpSid} is not a Secondary Customer Profile of type Business (policy ${POLICY_SECONDARY_BUSINESS}); a STANDARD brand needs one` };
  }
  if (cp.status === 'twilio-rejected') return { param: 'CustomerProfileBundleSid', why: `Secondary Customer Profile ${cpSid} is twilio-rejected; fix and resubmit it before registering the brand` };
  const tp = ctx.store.trustProducts.get(tpSid);
  if (!tp || tp.policySid !== POLICY_A2P_MESSAGING) {
    return { param: 'A2PProfileBundleSid', why: `${tpSid} is not an A2P Messaging profile Trust Product (policy ${POLICY_A2P_MESSAGING}); a STANDARD brand needs one` };
  }
  return null;
}

function renderService(ctx: SandboxContext, s: MessagingService): Record<string, unknown> {
  const url = `${BASE}/Services/${s.sid}`;
  const registered = [...ctx.store.campaigns.values()].some((c) => c.messagingServiceSid === s.sid && c.campaignStatus === 'VERIFIED');
  return {
    sid: s.sid,
    account_sid: ctx.options.accountSid,
    friendly_name: s.friendlyName,
    date_created: iso8601(s.dateCreated),
    date_updated: iso8601(s.dateUpdated),
    inbound_request_url: s.inboundRequestUrl,
    inbound_method: s.inboundMethod,
    fallback_url: s.fallbackUrl,
    fallback_method: s.fallbackMethod,
    status_callback: s.statusCallback,
    sticky_sender: s.stickySender,
    mms_converter: s.mmsConverter,
    smart_encoding: s.smartEncoding,
    scan_message_content: s.scanMessageContent,
    fallback_to_long_code: s.fallbackToLongCode,
    area_code_geomatch: s.areaCodeGeomatch,
    synchronous_validation: s.synchronousValidation,
    validity_period: s.validityPeriod,
    url,
    links: {
      phone_numbers: `${url}/PhoneNumbers`,
      short_codes: `${url}/ShortCodes`,
      alpha_senders: `${url}/AlphaSenders`,
      messages: `${url}/Messages`,
      us_app_to_person: `${url}/Compliance/Usa2p`,
      us_app_to_person_usecases: `${url}/Compliance/Usa2p/Usecases`,
      channel_senders: `${url}/ChannelSenders`,
      destination_alpha_senders: `${url}/DestinationAlphaSenders`,
    },
    usecase: s.usecase,
    us_app_to_person_registered: registered,
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
  };
}

function renderCampaign(ctx: SandboxContext, c: Campaign): Record<string, unknown> {
  return {
    sid: c.sid,
    account_sid: ctx.options.accountSid,
    brand_registration_sid: c.brandRegistrationSid,
    messaging_service_sid: c.messagingServiceSid,
    description: c.description,
    message_samples: c.messageSamples,
    us_app_to_person_usecase: c.usAppToPersonUsecase,
    has_embedded_links: c.hasEmbeddedLinks,
    has_embedded_phone: c.hasEmbeddedPhone,
    subscriber_opt_in: c.subscriberOptIn,
    age_gated: c.ageGated,
    direct_lending: c.directLending,
    campaign_status: c.campaignStatus,
    campaign_id: c.campaignId,
    is_externally_registered: false,
    rate_limits: null,
    message_flow: c.messageFlow,
    opt_in_message: c.optInMessage,
    opt_out_message: c.optOutMessage,
    help_message: c.helpMessage,
    opt_in_keywords: c.optInKeywords,
    opt_out_keywords: c.optOutKeywords,
    help_keywords: c.helpKeywords,
    date_created: iso8601(c.dateCreated),
    date_updated: iso8601(c.dateUpdated),
    url: `${BASE}/Services/${c.messagingServiceSid}/Compliance/Usa2p/${c.sid}`,
    // twilio-node 6.2.0 reads both (the bundled OpenAPI file predates them: contract supplements).
    privacy_policy_url: c.privacyPolicyUrl,
    terms_and_conditions_url: c.termsAndConditionsUrl,
    // "Mock campaigns will be automatically created if using a mock brand" (the spec's `mock`).
    mock: ctx.store.brands.get(c.brandRegistrationSid)?.mock ?? false,
    errors: c.errors,
  };
}

const brandCreateSchema = z.object({
  CustomerProfileBundleSid: z.string(),
  A2PProfileBundleSid: z.string(),
  BrandType: z.string().optional(),
  Mock: z.boolean().optional(),
  SkipAutomaticSecVet: z.boolean().optional(),
});

const serviceCreateSchema = z.object({
  FriendlyName: zNonEmpty,
  InboundRequestUrl: z.string().optional(),
  InboundMethod: z.enum(['GET', 'POST'], { message: 'must be GET or POST' }).optional(),
  FallbackUrl: z.string().optional(),
  FallbackMethod: z.enum(['GET', 'POST'], { message: 'must be GET or POST' }).optional(),
  StatusCallback: z.string().optional(),
  StickySender: z.boolean().optional(),
  MmsConverter: z.boolean().optional(),
  SmartEncoding: z.boolean().optional(),
  ScanMessageContent: z.enum(['inherit', 'enable', 'disable']).optional(),
  FallbackToLongCode: z.boolean().optional(),
  AreaCodeGeomatch: z.boolean().optional(),
  ValidityPeriod: z.number().int().min(1, { message: 'must be between 1 and 36000' }).max(36000, { message: 'must be between 1 and 36000' }).optional(),
  SynchronousValidation: z.boolean().optional(),
  Usecase: z.string().optional(),
  UseInboundWebhookOnNumber: z.boolean().optional(),
});

// Lengths and counts the spec gives only in prose ("Min length: 40 characters. Max length: 4096 characters.").
const len = (min: number, max: number) => z.string().min(min, { message: `must be at least ${min} characters` }).max(max, { message: `must be at most ${max} characters` });
const keywords = z.array(
  z.string().regex(/^[A-Za-z0-9]+$/, { message: 'keywords must be alphanumeric' }).max(255, { message: 'keywords must be at most 255 characters' }),
);
const campaignCreateSchema = z.object({
  BrandRegistrationSid: z.string(),
  Description: len(40, 4096),
  MessageFlow: len(40, 2048),
  MessageSamples: z
    .array(len(20, 1024))
    .min(2, { message: 'at least 2 message samples are required' })
    .max(5, { message: 'at most 5 message samples are allowed' }),
  UsAppToPersonUsecase: zNonEmpty,
  HasEmbeddedLinks: z.boolean(),
  HasEmbeddedPhone: z.boolean(),
  OptInMessage: len(20, 320).optional(),
  OptOutMessage: len(20, 320).optional(),
  HelpMessage: len(20, 320).optional(),
  OptInKeywords: keywords.optional(),
  OptOutKeywords: keywords.optional(),
  HelpKeywords: keywords.optional(),
  SubscriberOptIn: z.boolean().optional(),
  AgeGated: z.boolean().optional(),
  DirectLending: z.boolean().optional(),
  PrivacyPolicyUrl: z.string().optional(),
  TermsAndConditionsUrl: z.string().optional(),
});

/** UpdateUsAppToPersonRequest: every field is required (the spec's `required` list); lengths as for create. */
const campaignUpdateSchema = z.object({
  HasEmbeddedLinks: z.boolean(),
  HasEmbeddedPhone: z.boolean(),
  MessageSamples: campaignCreateSchema.shape.MessageSamples,
  MessageFlow: len(40, 2048),
  Description: len(40, 4096),
  AgeGated: z.boolean(),
  DirectLending: z.boolean(),
  PrivacyPolicyUrl: z.string().optional(),
  TermsAndConditionsUrl: z.string().optional(),
});

/**
 * A STANDARD brand's campaign: a use case the Usecases resource offers the brand (30900), and at most five
 * campaigns per brand (the Standard guide).
 */
function standardCampaignChecks(ctx: SandboxContext, brand: Brand, usecase: string): void {
  const offered = usecasesFor(brand).map((u) => u.code);
  if (!offered.includes(usecase)) {
    throw badRequest(`Campaign rejection - The campaign use case ${usecase} is ineligible for registration: brand ${brand.sid} may register ${offered.join(', ')} (see its Usecases).`, STANDARD_CODES.usecaseNotAllowed);
  }
  const count = [...ctx.store.campaigns.values()].filter((c) => c.brandRegistrationSid === brand.sid).length;
  if (count >= MAX_CAMPAIGNS_PER_STANDARD_BRAND) {
    throw badRequest(`Brand ${brand.sid} already has ${count} campaigns; a STANDARD brand can have up to ${MAX_CAMPAIGNS_PER_STANDARD_BRAND}.`);
  }
}

/**
 * Every campaign create, whatever its brand type: since 2026-06-30 Twilio refuses one without
 * PrivacyPolicyUrl (error 30933) or without TermsAndConditionsUrl (error 30934), absent or empty alike.
 */
function campaignUrlChecks(privacyPolicyUrl: string | undefined, termsAndConditionsUrl: string | undefined): void {
  if (privacyPolicyUrl === undefined || privacyPolicyUrl.trim() === '') {
    throw badRequest('Campaign registration rejected: Privacy Policy URL is required for A2P 10DLC campaign registration (PrivacyPolicyUrl).', STANDARD_CODES.privacyPolicyMissing);
  }
  if (termsAndConditionsUrl === undefined || termsAndConditionsUrl.trim() === '') {
    throw badRequest('Campaign registration rejected: Terms and Conditions URL is required for A2P 10DLC campaign registration (TermsAndConditionsUrl).', STANDARD_CODES.termsMissing);
  }
}

function getService(ctx: SandboxContext, req: ApiRequest, name: string): MessagingService {
  const s = ctx.store.services.get(req.params[name] ?? '');
  if (!s) throw notFound(req.twilioPath);
  return s;
}

export const messagingRoutes: Route[] = [
  ...collectionRoutes<Brand>({
    product: 'messaging',
    name: 'brand',
    list: '/v1/a2p/BrandRegistrations',
    key: 'data',
    paging: 'v1',
    host: HOST,
    items: (ctx) => ctx.store.brands.values(),
    get: (ctx, _req, sid) => ctx.store.brands.get(sid),
    render: (ctx, b) => renderBrand(ctx, b),
  }),
  {
    method: 'POST',
    product: 'messaging',
    path: '/v1/a2p/BrandRegistrations',
    operation: 'brand.create',
    creates: true,
    handle(req, ctx) {
      const f = fields(req, brandCreateSchema);
      // The spec: "One of: STANDARD, SOLE_PROPRIETOR"; STANDARD when absent.
      const brandType = f.BrandType ?? 'STANDARD';
      if (brandType !== 'SOLE_PROPRIETOR' && brandType !== 'STANDARD') {
        throw invalidParam('BrandType', `must be one of STANDARD, SOLE_PROPRIETOR (got ${brandType})`);
      }
      if (!ctx.store.customerProfiles.has(f.CustomerProfileBundleSid)) {
        throw invalidParam('CustomerProfileBundleSid', `Customer Profile ${f.CustomerProfileBundleSid} was not found`);
      }
      if (!ctx.store.trustProducts.has(f.A2PProfileBundleSid)) {
        throw invalidParam('A2PProfileBundleSid', `A2P Trust Bundle ${f.A2PProfileBundleSid} was not found`);
      }
      if (brandType === 'STANDARD') {
        const refusal = standardBundleRefusal(ctx, f.CustomerProfileBundleSid, f.A2PProfileBundleSid);
        if (refusal) throw invalidParam(refusal.param, refusal.why);
      }
      const now = Date.now();
      const b: Brand = {
        sid: newSid('BN'),
        customerProfileBundleSid: f.CustomerProfileBundleSid,
        a2pProfileBundleSid: f.A2PProfileBundleSid,
        brandType,
        status: 'PENDING',
        identityStatus: 'UNVERIFIED',
        failureReason: null,
        errors: [],
        tcrId: null,
        mock: f.Mock ?? false,
        skipAutomaticSecVet: f.SkipAutomaticSecVet ?? false,
        dateCreated: now,
        dateUpdated: now,
        mobile: null,
        email: null,
        otpsSent: 0,
        brandScore: null,
        brandFeedback: null,
        generation: 0,
      };
      ctx.store.brands.set(b.sid, b);
      ctx.lifecycle.brandCreated(b);
      return { status: 201, body: renderBrand(ctx, b) };
    },
  },
  {
    // Resubmission of a FAILED brand (after its bundles or data were fixed): back to PENDING and registered again.
    method: 'POST',
    product: 'messaging',
    path: '/v1/a2p/BrandRegistrations/{Sid}',
    operation: 'brand.update',
    handle(req, ctx) {
      const b = ctx.store.brands.get(req.params['Sid'] ?? '');
      if (!b) throw notFound(req.twilioPath);
      if (b.status !== 'FAILED') throw badRequest(`Brand ${b.sid} is ${b.status}; only a FAILED brand can be resubmitted.`);
      b.status = 'PENDING';
      b.failureReason = null;
      b.errors = [];
      b.dateUpdated = Date.now();
      ctx.lifecycle.brandCreated(b);
      return { status: 202, body: renderBrand(ctx, b) };
    },
  },
  {
    method: 'POST',
    product: 'messaging',
    path: '/v1/a2p/BrandRegistrations/{BrandRegistrationSid}/SmsOtp',
    operation: 'otp.create',
    creates: true,
    handle(req, ctx) {
      const b = ctx.store.brands.get(req.params['BrandRegistrationSid'] ?? '');
      if (!b) throw notFound(req.twilioPath);
      if (!ctx.otpLimiter.tryAcquire(ctx.options.accountSid)) throw tooManyRequests(ctx.options.retryAfterSeconds);
      if (b.brandType !== 'SOLE_PROPRIETOR' || b.status !== 'APPROVED') {
        throw badRequest(`An OTP can only be sent for an APPROVED SOLE_PROPRIETOR brand; brand ${b.sid} is ${b.brandType} ${b.status}.`);
      }
      ctx.lifecycle.sendOtp(b);
      return { status: 201, body: { account_sid: ctx.options.accountSid, brand_registration_sid: b.sid } };
    },
  },
  // Secondary vetting and Authentication+ records of a brand (ListBrandVetting / FetchBrandVetting). Creating one
  // (CreateBrandVetting: a Campaign Verify token import) is not simulated: no route, so Twilio's path answers 405.
  ...collectionRoutes<Vetting>({
    product: 'messaging',
    name: 'brandVetting',
    list: '/v1/a2p/BrandRegistrations/{BrandSid}/Vettings',
    item: '/v1/a2p/BrandRegistrations/{BrandSid}/Vettings/{BrandVettingSid}',
    itemParam: 'BrandVettingSid',
    key: 'data',
    paging: 'v1',
    host: HOST,
    items(ctx, req) {
      const b = ctx.store.brands.get(req.params['BrandSid'] ?? '');
      if (!b) throw notFound(req.twilioPath);
      return ctx.store.vettingsOf(b.sid);
    },
    get(ctx, req, sid) {
      const v = ctx.store.vettings.get(sid);
      return v && v.brandSid === req.params['BrandSid'] ? v : undefined;
    },
    render: (ctx, v) => renderVetting(ctx, v),
    filters: { VettingProvider: (v, value) => v.vettingProvider === value },
  }),
  {
    // Authentication+ re-send ("Brand 2FA verify" page; not in the bundled OpenAPI file: a contract supplement).
    method: 'POST',
    product: 'messaging',
    path: '/v1/a2p/BrandRegistrations/{BrandSid}/2fa',
    operation: 'brand2fa.create',
    creates: true,
    handle(req, ctx) {
      const b = ctx.store.brands.get(req.params['BrandSid'] ?? '');
      if (!b) throw notFound(req.twilioPath);
      const refusal = ctx.lifecycle.standard.resendRefusal(b);
      if (refusal) throw badRequest(refusal);
      ctx.lifecycle.standard.resend(b);
      return { status: 201, body: { account_sid: ctx.options.accountSid, brand_sid: b.sid } };
    },
  },
  ...collectionRoutes<MessagingService>({
    product: 'messaging',
    name: 'service',
    list: '/v1/Services',
    key: 'services',
    paging: 'v1',
    host: HOST,
    items: (ctx) => ctx.store.services.values(),
    get: (ctx, _req, sid) => ctx.store.services.get(sid),
    render: (ctx, s) => renderService(ctx, s),
    remove(ctx, s) {
      // Deleting a Messaging Service deletes its campaign with it.
      ctx.store.services.delete(s.sid);
      for (const c of [...ctx.store.campaigns.values()]) if (c.messagingServiceSid === s.sid) ctx.store.campaigns.delete(c.sid);
      for (const n of [...ctx.store.servicePhoneNumbers.values()]) if (n.serviceSid === s.sid) ctx.store.servicePhoneNumbers.delete(n.sid);
    },
  }),
  {
    method: 'POST',
    product: 'messaging',
    path: '/v1/Services',
    operation: 'service.create',
    creates: true,
    handle(req, ctx) {
      const f = fields(req, serviceCreateSchema);
      const now = Date.now();
      const s: MessagingService = {
        sid: newSid('MG'),
        friendlyName: f.FriendlyName,
        inboundRequestUrl: f.InboundRequestUrl ?? null,
        inboundMethod: f.InboundMethod ?? 'POST',
        fallbackUrl: f.FallbackUrl ?? null,
        fallbackMethod: f.FallbackMethod ?? 'POST',
        statusCallback: f.StatusCallback ?? null,
        stickySender: f.StickySender ?? true,
        mmsConverter: f.MmsConverter ?? true,
        smartEncoding: f.SmartEncoding ?? true,
        scanMessageContent: f.ScanMessageContent ?? 'inherit',
        fallbackToLongCode: f.FallbackToLongCode ?? true,
        areaCodeGeomatch: f.AreaCodeGeomatch ?? true,
        synchronousValidation: f.SynchronousValidation ?? false,
        validityPeriod: f.ValidityPeriod ?? 36000,
        usecase: f.Usecase ?? 'undeclared',
        useInboundWebhookOnNumber: f.UseInboundWebhookOnNumber ?? false,
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.services.set(s.sid, s);
      return { status: 201, body: renderService(ctx, s) };
    },
  },
  {
    // Before the campaign routes: `Usecases` would otherwise be taken for a campaign SID.
    method: 'GET',
    product: 'messaging',
    path: '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases',
    operation: 'usecases.fetch',
    handle(req, ctx) {
      getService(ctx, req, 'MessagingServiceSid');
      const sid = req.query.get('BrandRegistrationSid');
      const brand = sid === null ? undefined : ctx.store.brands.get(sid);
      if (sid !== null && !brand) throw invalidParam('BrandRegistrationSid', `Brand ${sid} was not found`);
      return { status: 200, body: { us_app_to_person_usecases: usecasesFor(brand).map((u) => ({ ...u })) } };
    },
  },
  ...collectionRoutes<Campaign>({
    product: 'messaging',
    name: 'campaign',
    list: '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p',
    key: 'compliance',
    paging: 'v1',
    host: HOST,
    items(ctx, req) {
      const svc = getService(ctx, req, 'MessagingServiceSid');
      return [...ctx.store.campaigns.values()].filter((c) => c.messagingServiceSid === svc.sid);
    },
    get(ctx, req, sid) {
      const svc = getService(ctx, req, 'MessagingServiceSid');
      const c = ctx.store.campaigns.get(sid);
      return c && c.messagingServiceSid === svc.sid ? c : undefined;
    },
    render: (ctx, c) => renderCampaign(ctx, c),
    // DeleteUsAppToPerson: 204, the campaign is gone (fetch 404, a new one may be created on the
    // service); a vetting still running for it no longer changes anything.
    remove: (ctx, c) => void ctx.store.campaigns.delete(c.sid),
  }),
  {
    method: 'POST',
    product: 'messaging',
    path: '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p',
    operation: 'campaign.create',
    creates: true,
    handle(req, ctx) {
      const svc = getService(ctx, req, 'MessagingServiceSid');
      const f = fields(req, campaignCreateSchema);
      const brand = ctx.store.brands.get(f.BrandRegistrationSid);
      if (!brand) throw invalidParam('BrandRegistrationSid', `Brand ${f.BrandRegistrationSid} was not found`);
      if (brand.status !== 'APPROVED') {
        const authPlus = brand.brandType === 'STANDARD' ? ctx.lifecycle.standard.authPlusVetting(brand) : undefined;
        if (authPlus && authPlus.vettingStatus !== 'SUCCESS') {
          throw badRequest(`Brand ${brand.sid} has not completed Authentication+ (2FA, vetting ${authPlus.sid} is ${authPlus.vettingStatus}): the brand contact must confirm the verification email before a campaign can be created.`, STANDARD_CODES.authPlusNotDone);
        }
        throw badRequest(`Brand ${brand.sid} is ${brand.status}; a campaign can only be created for an APPROVED brand.`);
      }
      if (brand.brandType === 'STANDARD') standardCampaignChecks(ctx, brand, f.UsAppToPersonUsecase);
      if (brand.brandType === 'SOLE_PROPRIETOR') {
        // VETTED_VERIFIED is a verified identity too (twilio_messaging_v1.json's identity_status enum).
        if (brand.identityStatus !== 'VERIFIED' && brand.identityStatus !== 'VETTED_VERIFIED') {
          throw badRequest(`Sole Proprietor brand ${brand.sid} is ${brand.identityStatus}; the customer must complete OTP verification before a campaign can be created.`);
        }
        if (f.UsAppToPersonUsecase !== 'SOLE_PROPRIETOR') {
          throw invalidParam('UsAppToPersonUsecase', 'SOLE_PROPRIETOR is the only valid use case for a Sole Proprietor brand');
        }
      }
      campaignUrlChecks(f.PrivacyPolicyUrl, f.TermsAndConditionsUrl);
      const existing = [...ctx.store.campaigns.values()].find((c) => c.messagingServiceSid === svc.sid);
      if (existing) {
        throw new TwilioApiError(UNVERIFIED_SECOND_CAMPAIGN.status, UNVERIFIED_SECOND_CAMPAIGN.code, `Messaging Service ${svc.sid} already has a US A2P campaign (${existing.sid}); a Messaging Service can have only one.`);
      }
      const now = Date.now();
      const c: Campaign = {
        sid: newSid('QE'),
        brandRegistrationSid: brand.sid,
        messagingServiceSid: svc.sid,
        description: f.Description,
        messageSamples: f.MessageSamples,
        usAppToPersonUsecase: f.UsAppToPersonUsecase,
        hasEmbeddedLinks: f.HasEmbeddedLinks,
        hasEmbeddedPhone: f.HasEmbeddedPhone,
        subscriberOptIn: f.SubscriberOptIn ?? null,
        ageGated: f.AgeGated ?? false,
        directLending: f.DirectLending ?? false,
        campaignStatus: 'IN_PROGRESS',
        campaignId: null,
        messageFlow: f.MessageFlow,
        optInMessage: f.OptInMessage ?? null,
        optOutMessage: f.OptOutMessage ?? null,
        helpMessage: f.HelpMessage ?? null,
        optInKeywords: f.OptInKeywords ?? null,
        optOutKeywords: f.OptOutKeywords ?? null,
        helpKeywords: f.HelpKeywords ?? null,
        privacyPolicyUrl: f.PrivacyPolicyUrl ?? null,
        termsAndConditionsUrl: f.TermsAndConditionsUrl ?? null,
        errors: [],
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.campaigns.set(c.sid, c);
      ctx.lifecycle.campaignCreated(c);
      return { status: 201, body: renderCampaign(ctx, c) };
    },
  },
  {
    // UpdateUsAppToPerson: correct a campaign's content; a FAILED campaign goes back to IN_PROGRESS and is vetted again.
    method: 'POST',
    product: 'messaging',
    path: '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}',
    operation: 'campaign.update',
    handle(req, ctx) {
      const svc = getService(ctx, req, 'MessagingServiceSid');
      const c = ctx.store.campaigns.get(req.params['Sid'] ?? '');
      if (!c || c.messagingServiceSid !== svc.sid) throw notFound(req.twilioPath);
      const f = fields(req, campaignUpdateSchema);
      c.hasEmbeddedLinks = f.HasEmbeddedLinks;
      c.hasEmbeddedPhone = f.HasEmbeddedPhone;
      c.messageSamples = f.MessageSamples;
      c.messageFlow = f.MessageFlow;
      c.description = f.Description;
      c.ageGated = f.AgeGated;
      c.directLending = f.DirectLending;
      if (f.PrivacyPolicyUrl !== undefined) c.privacyPolicyUrl = f.PrivacyPolicyUrl;
      if (f.TermsAndConditionsUrl !== undefined) c.termsAndConditionsUrl = f.TermsAndConditionsUrl;
      c.dateUpdated = Date.now();
      ctx.lifecycle.campaignUpdated(c);
      return { status: 200, body: renderCampaign(ctx, c) };
    },
  },
];
