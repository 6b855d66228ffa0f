import { z } from 'zod';
import { iso8601 } from './clock.js';
import type { SandboxContext } from './context.js';
import { TwilioApiError, badRequest, invalidParam, notFound, tooManyRequests } from './errors.js';
import { fields, zNonEmpty } from './forms.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
import { newSid, type Brand, type Campaign, type MessagingService } from './store.js';

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
});

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
        throw badRequest(`Brand ${brand.sid} is ${brand.status}; a campaign can only be created for an APPROVED brand.`);
      }
      if (brand.brandType === 'SOLE_PROPRIETOR') {
        // VETTED_VERIFIED is a verified identity too (twilio_messaging_v1.json's identity_status enum).
        if (brand.identityStatus !== 'VERIFIED' && brand.identityStatus !== 'VETTED_VERIFIED') {
          throw badRequest(`Sole Proprietor brand ${brand.sid} is ${brand.identityStatus}; the customer must complete OTP verification before a campaign can be created.`);
        }
        if (f.UsAppToPersonUsecase !== 'SOLE_PROPRIETOR') {
          throw invalidParam('UsAppToPersonUsecase', 'SOLE_PROPRIETOR is the only valid use case for a Sole Proprietor brand');
        }
      }
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
      c.dateUpdated = Date.now();
      ctx.lifecycle.campaignUpdated(c);
      return { status: 200, body: renderCampaign(ctx, c) };
    },
  },
];
