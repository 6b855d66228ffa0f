import { z } from 'zod';
import { iso8601 } from './clock.js';
import type { SandboxContext } from './context.js';
import { TwilioApiError, badRequest, invalidParam, notFound, tooManyRequests } from './errors.js';
import { parseForm, pathSid, zBool, zNonEmpty, zSid, zUri } from './forms.js';
import { v1Page } from './paging.js';
import type { Route } from './routes.js';
import { newSid, type Brand, type Campaign, type MessagingService } from './store.js';

const BASE = 'https://messaging.twilio.com/v1';
const BRAND_TYPES = ['STANDARD', 'SOLE_PROPRIETOR', 'LOW_VOLUME_STANDARD'] as const;

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
    brand_score: null,
    brand_feedback: null,
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
    mock: false,
    errors: c.errors,
  };
}

const brandCreateSchema = z.object({
  CustomerProfileBundleSid: zSid('BU'),
  A2PProfileBundleSid: zSid('BU'),
  BrandType: z.enum(BRAND_TYPES, { message: `must be one of ${BRAND_TYPES.join(', ')}` }).optional(),
  Mock: zBool.optional(),
  SkipAutomaticSecVet: zBool.optional(),
});

const httpMethod = z.enum(['GET', 'POST'], { message: 'must be GET or POST' });
const serviceCreateSchema = z.object({
  FriendlyName: zNonEmpty,
  InboundRequestUrl: zUri.optional(),
  InboundMethod: httpMethod.optional(),
  FallbackUrl: zUri.optional(),
  FallbackMethod: httpMethod.optional(),
  StatusCallback: zUri.optional(),
  StickySender: zBool.optional(),
  MmsConverter: zBool.optional(),
  SmartEncoding: zBool.optional(),
  ScanMessageContent: z.enum(['inherit', 'enable', 'disable'], { message: 'must be inherit, enable or disable' }).optional(),
  FallbackToLongCode: zBool.optional(),
  AreaCodeGeomatch: zBool.optional(),
  ValidityPeriod: z
    .string()
    .regex(/^\d+$/, { message: 'must be an integer' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 36000, { message: 'must be between 1 and 36000' })
    .optional(),
  SynchronousValidation: zBool.optional(),
  Usecase: z.string().optional(),
  UseInboundWebhookOnNumber: zBool.optional(),
});

const len = (min: number, max: number) => z.string().min(min, { message: `must be at least ${min} characters` }).max(max, { message: `must be at most ${max} characters` });
const keywords = z.array(
  z.string().regex(/^[A-Za-z0-9]+$/, { message: 'keywords must be alphanumeric' }).max(255, { message: 'keywords must be at most 255 characters' }),
);
const CAMPAIGN_ARRAYS = ['MessageSamples', 'OptInKeywords', 'OptOutKeywords', 'HelpKeywords'] as const;
const campaignCreateSchema = z.object({
  BrandRegistrationSid: zSid('BN'),
  Description: len(40, 4096),
  MessageFlow: len(40, 2048),
  MessageSamples: z
    .array(len(20, 1024))
    .min(2, { message: 'at least 2 message samples are required' })
    .max(5, { message: 'at most 5 message samples are allowed' }),
  UsAppToPersonUsecase: zNonEmpty,
  HasEmbeddedLinks: zBool,
  HasEmbeddedPhone: zBool,
  OptInMessage: len(20, 320).optional(),
  OptOutMessage: len(20, 320).optional(),
  HelpMessage: len(20, 320).optional(),
  OptInKeywords: keywords.optional(),
  OptOutKeywords: keywords.optional(),
  HelpKeywords: keywords.optional(),
  SubscriberOptIn: zBool.optional(),
  AgeGated: zBool.optional(),
  DirectLending: zBool.optional(),
});

function getBrand(ctx: SandboxContext, params: Record<string, string>, name: string, twilioPath: string): Brand {
  const b = ctx.store.brands.get(pathSid(params, name, 'BN', twilioPath));
  if (!b) throw notFound(twilioPath);
  return b;
}

function getService(ctx: SandboxContext, params: Record<string, string>, name: string, twilioPath: string): MessagingService {
  const s = ctx.store.services.get(pathSid(params, name, 'MG', twilioPath));
  if (!s) throw notFound(twilioPath);
  return s;
}

export const messagingRoutes: Route[] = [
  {
    method: 'POST',
    product: 'messaging',
    pattern: '/v1/a2p/BrandRegistrations',
    operation: 'brand.create',
    creates: true,
    handle(req, ctx) {
      const f = parseForm(req.form, brandCreateSchema);
      const brandType = f.BrandType ?? 'STANDARD';
      if (brandType !== 'SOLE_PROPRIETOR') {
        throw invalidParam('BrandType', `the sandbox only registers SOLE_PROPRIETOR brands (got ${brandType})`);
      }
      if (!ctx.store.customerProfiles.has(f.CustomerProfileBundleSid)) {
        throw invalidParam('CustomerProfileBundleSid', `Customer Profile ${f.CustomerProfileBundleSid} was not found`);
      }
      if (!ctx.store.trustProducts.has(f.A2PProfileBundleSid)) {
        throw invalidParam('A2PProfileBundleSid', `A2P Trust Bundle ${f.A2PProfileBundleSid} was not found`);
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
      };
      ctx.store.brands.set(b.sid, b);
      ctx.lifecycle.brandCreated(b);
      return { status: 201, body: renderBrand(ctx, b) };
    },
  },
  {
    method: 'GET',
    product: 'messaging',
    pattern: '/v1/a2p/BrandRegistrations',
    operation: 'brand.list',
    handle(req, ctx) {
      return { status: 200, body: v1Page([...ctx.store.brands.values()], req.query, `${BASE}/a2p/BrandRegistrations`, 'data', [], (b) => renderBrand(ctx, b)) };
    },
  },
  {
    method: 'GET',
    product: 'messaging',
    pattern: '/v1/a2p/BrandRegistrations/:Sid',
    operation: 'brand.fetch',
    handle(req, ctx) {
      return { status: 200, body: renderBrand(ctx, getBrand(ctx, req.params, 'Sid', req.twilioPath)) };
    },
  },
  {
    method: 'POST',
    product: 'messaging',
    pattern: '/v1/a2p/BrandRegistrations/:BrandSid/SmsOtp',
    operation: 'otp.create',
    creates: true,
    handle(req, ctx) {
      const b = getBrand(ctx, req.params, 'BrandSid', req.twilioPath);
      if (!ctx.otpLimiter.tryAcquire(ctx.options.accountSid)) throw tooManyRequests(ctx.options.retryAfterSeconds);
      if (b.brandType !== 'SOLE_PROPRIETOR' || b.status !== 'APPROVED') {
        throw badRequest(`An OTP can only be sent for an APPROVED SOLE_PROPRIETOR brand; brand ${b.sid} is ${b.brandType} ${b.status}.`);
      }
      ctx.lifecycle.sendOtp(b);
      return { status: 201, body: { account_sid: ctx.options.accountSid, brand_registration_sid: b.sid } };
    },
  },
  {
    method: 'POST',
    product: 'messaging',
    pattern: '/v1/Services',
    operation: 'service.create',
    creates: true,
    handle(req, ctx) {
      const f = parseForm(req.form, serviceCreateSchema);
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
    method: 'GET',
    product: 'messaging',
    pattern: '/v1/Services',
    operation: 'service.list',
    handle(req, ctx) {
      return { status: 200, body: v1Page([...ctx.store.services.values()], req.query, `${BASE}/Services`, 'services', [], (s) => renderService(ctx, s)) };
    },
  },
  {
    method: 'GET',
    product: 'messaging',
    pattern: '/v1/Services/:Sid',
    operation: 'service.fetch',
    handle(req, ctx) {
      return { status: 200, body: renderService(ctx, getService(ctx, req.params, 'Sid', req.twilioPath)) };
    },
  },
  {
    method: 'POST',
    product: 'messaging',
    pattern: '/v1/Services/:ServiceSid/Compliance/Usa2p',
    operation: 'campaign.create',
    creates: true,
    handle(req, ctx) {
      const svc = getService(ctx, req.params, 'ServiceSid', req.twilioPath);
      const f = parseForm(req.form, campaignCreateSchema, CAMPAIGN_ARRAYS);
      const brand = ctx.store.brands.get(f.BrandRegistrationSid);
      if (!brand) throw invalidParam('BrandRegistrationSid', `Brand ${f.BrandRegistrationSid} was not found`);
      if (brand.status !== 'APPROVED') {
        throw badRequest(`Brand ${brand.sid} is ${brand.status}; a campaign can only be created for an APPROVED brand.`);
      }
      if (brand.brandType === 'SOLE_PROPRIETOR') {
        if (brand.identityStatus !== 'VERIFIED') {
          throw badRequest(`Sole Proprietor brand ${brand.sid} is ${brand.identityStatus}; the customer must complete OTP verification before a campaign can be created.`);
        }
        if (f.UsAppToPersonUsecase !== 'SOLE_PROPRIETOR') {
          throw invalidParam('UsAppToPersonUsecase', 'SOLE_PROPRIETOR is the only valid use case for a Sole Proprietor brand');
        }
      }
      const existing = [...ctx.store.campaigns.values()].find((c) => c.messagingServiceSid === svc.sid);
      if (existing) {
        throw new TwilioApiError(409, 20409, `Messaging Service ${svc.sid} already has a US A2P campaign (${existing.sid}); a Messaging Service can have only one.`);
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
    method: 'GET',
    product: 'messaging',
    pattern: '/v1/Services/:ServiceSid/Compliance/Usa2p',
    operation: 'campaign.list',
    handle(req, ctx) {
      const svc = getService(ctx, req.params, 'ServiceSid', req.twilioPath);
      const items = [...ctx.store.campaigns.values()].filter((c) => c.messagingServiceSid === svc.sid);
      return { status: 200, body: v1Page(items, req.query, `${BASE}/Services/${svc.sid}/Compliance/Usa2p`, 'compliance', [], (c) => renderCampaign(ctx, c)) };
    },
  },
  {
    method: 'GET',
    product: 'messaging',
    pattern: '/v1/Services/:ServiceSid/Compliance/Usa2p/:Sid',
    operation: 'campaign.fetch',
    handle(req, ctx) {
      const svc = getService(ctx, req.params, 'ServiceSid', req.twilioPath);
      const c = ctx.store.campaigns.get(pathSid(req.params, 'Sid', 'QE', req.twilioPath));
      if (!c || c.messagingServiceSid !== svc.sid) throw notFound(req.twilioPath);
      return { status: 200, body: renderCampaign(ctx, c) };
    },
  },
];
