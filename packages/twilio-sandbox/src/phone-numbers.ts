import { z } from 'zod';
import { iso8601, rfc2822 } from './clock.js';
import type { SandboxContext } from './context.js';
import { badRequest, invalidParam, missingParam, notFound } from './errors.js';
import { fields } from './forms.js';
import { v2010Page } from './paging.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
import { newSid, type MessagingService, type PhoneNumber, type ServicePhoneNumber, type Store } from './store.js';

/**
 * The account's IncomingPhoneNumbers (API 2010): the numbers SANDBOX_PHONE_NUMBERS gives it, and those it buys
 * (create, from what AvailablePhoneNumbers offers). List (with `PhoneNumber`, `FriendlyName`) and fetch.
 * AvailablePhoneNumbers/{Country}/Local: a made-up inventory per area code (below). A Messaging Service's
 * PhoneNumbers: create, list, fetch, delete.
 *
 * Refusals answer 400 with code 20001 (Twilio's invalid-parameter code, as elsewhere in the sandbox). No
 * reference document names Twilio's own codes for "not available", "already in another Messaging Service"
 * or "a second number on a Sole Proprietor service": those codes are UNVERIFIED (Twilio may answer a more
 * specific one). The wording of the Sole Proprietor rule is 002 §4.1's.
 */

const NUMBERS = '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers';

function checkAccount(req: ApiRequest, ctx: SandboxContext): void {
  if (req.params['AccountSid'] !== ctx.options.accountSid) throw notFound(req.twilioPath);
}

/** "(415) 555-0100" for +14155550100, as Twilio names a number; other numbers keep E.164. */
function friendly(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}

export function addPhoneNumber(store: Store, e164: string, friendlyName?: string): PhoneNumber {
  const existing = [...store.phoneNumbers.values()].find((n) => n.phoneNumber === e164);
  if (existing) return existing;
  const n: PhoneNumber = { sid: newSid('PN'), phoneNumber: e164, friendlyName: friendlyName ?? friendly(e164), dateCreated: Date.now() };
  store.phoneNumbers.set(n.sid, n);
  return n;
}

function render(ctx: SandboxContext, n: PhoneNumber): Record<string, unknown> {
  const account = ctx.options.accountSid;
  const uri = `/2010-04-01/Accounts/${account}/IncomingPhoneNumbers/${n.sid}.json`;
  const bundle = [...ctx.store.channelEndpointAssignments.values()].find((a) => a.channelEndpointSid === n.sid)?.bundleSid ?? null;
  return {
    account_sid: account,
    address_sid: null,
    address_requirements: 'none',
    api_version: '2010-04-01',
    beta: false,
    capabilities: { mms: true, sms: true, voice: true, fax: false },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateCreated),
    friendly_name: n.friendlyName,
    identity_sid: null,
    phone_number: n.phoneNumber,
    origin: 'twilio',
    sid: n.sid,
    sms_application_sid: null,
    sms_fallback_method: 'POST',
    sms_fallback_url: null,
    sms_method: 'POST',
    sms_url: null,
    status_callback: null,
    status_callback_method: 'POST',
    trunk_sid: null,
    uri,
    voice_receive_mode: 'voice',
    voice_application_sid: null,
    voice_caller_id_lookup: false,
    voice_fallback_method: 'POST',
    voice_fallback_url: null,
    voice_method: 'POST',
    voice_url: null,
    emergency_status: 'Inactive',
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    bundle_sid: bundle,
    status: 'in-use',
  };
}

/** Twilio matches PhoneNumber on the digits given (a pattern); the sandbox on the digits of the number. */
function matches(n: PhoneNumber, v: string): boolean {
  const digits = v.replace(/[^\d]/g, '');
  return digits.length > 0 && n.phoneNumber.replace(/[^\d]/g, '').includes(digits);
}

// ---- numbers for sale (the sandbox's own made-up inventory; it copies nothing from the pipeline) ----

interface AreaCode {
  country: 'US' | 'CA';
  region: string;
  locality: string;
  latitude: number;
  longitude: number;
  postalCode: string;
}

/** Area codes the sandbox sells numbers in. Those in SOLD_OUT have none, so a buyer's fallback (same state, then the country) is exercised. */
const AREA_CODES: Readonly<Record<string, AreaCode>> = {
  '415': { country: 'US', region: 'CA', locality: 'San Francisco', latitude: 37.77, longitude: -122.42, postalCode: '94105' },
  '510': { country: 'US', region: 'CA', locality: 'Oakland', latitude: 37.8, longitude: -122.27, postalCode: '94612' },
  '213': { country: 'US', region: 'CA', locality: 'Los Angeles', latitude: 34.05, longitude: -118.24, postalCode: '90012' },
  '212': { country: 'US', region: 'NY', locality: 'New York', latitude: 40.71, longitude: -74.0, postalCode: '10007' },
  '646': { country: 'US', region: 'NY', locality: 'New York', latitude: 40.75, longitude: -73.99, postalCode: '10001' },
  '718': { country: 'US', region: 'NY', locality: 'Brooklyn', latitude: 40.68, longitude: -73.94, postalCode: '11201' },
  '312': { country: 'US', region: 'IL', locality: 'Chicago', latitude: 41.88, longitude: -87.63, postalCode: '60601' },
  '512': { country: 'US', region: 'TX', locality: 'Austin', latitude: 30.27, longitude: -97.74, postalCode: '78701' },
  '617': { country: 'US', region: 'MA', locality: 'Boston', latitude: 42.36, longitude: -71.06, postalCode: '02108' },
  '206': { country: 'US', region: 'WA', locality: 'Seattle', latitude: 47.61, longitude: -122.33, postalCode: '98101' },
  '305': { country: 'US', region: 'FL', locality: 'Miami', latitude: 25.76, longitude: -80.19, postalCode: '33130' },
  '907': { country: 'US', region: 'AK', locality: 'Anchorage', latitude: 61.22, longitude: -149.9, postalCode: '99501' },
  '416': { country: 'CA', region: 'ON', locality: 'Toronto', latitude: 43.65, longitude: -79.38, postalCode: 'M5H 2N2' },
  '604': { country: 'CA', region: 'BC', locality: 'Vancouver', latitude: 49.28, longitude: -123.12, postalCode: 'V6B 1A1' },
};
const SOLD_OUT: ReadonlySet<string> = new Set(['212', '213', '646', '907']);
const NUMBERS_PER_AREA_CODE = 100;

/** An offer: `sid` is the number itself, only so the list pages like every other. */
interface Offer {
  sid: string;
  areaCode: string;
  info: AreaCode;
}

/** What the account could buy now in a country: +1 {area} 555-02xx, less every number an account here already owns. */
function offers(store: Store, country: string): Offer[] {
  const owned = new Set(store.everyPhoneNumber().map((n) => n.phoneNumber));
  const out: Offer[] = [];
  for (const [areaCode, info] of Object.entries(AREA_CODES)) {
    if (info.country !== country || SOLD_OUT.has(areaCode)) continue;
    for (let i = 0; i < NUMBERS_PER_AREA_CODE; i++) {
      const e164 = `+1${areaCode}555${String(200 + i).padStart(4, '0')}`;
      if (!owned.has(e164)) out.push({ sid: e164, areaCode, info });
    }
  }
  return out;
}

function renderOffer(o: Offer): Record<string, unknown> {
  return {
    friendly_name: friendly(o.sid),
    phone_number: o.sid,
    lata: null,
    locality: o.info.locality,
    rate_center: o.info.locality.toUpperCase(),
    latitude: o.info.latitude,
    longitude: o.info.longitude,
    region: o.info.region,
    postal_code: o.info.postalCode,
    iso_country: o.info.country,
    address_requirements: 'none',
    beta: false,
    capabilities: { mms: true, sms: true, voice: true, fax: false },
  };
}

const availableRoute: Route = {
  method: 'GET',
  product: 'api',
  path: '/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json',
  operation: 'availablePhoneNumberLocal.list',
  handle(req, ctx) {
    checkAccount(req, ctx);
    const country = req.params['CountryCode'] ?? '';
    if (country !== 'US' && country !== 'CA') throw notFound(req.twilioPath);
    const keep: Record<string, (o: Offer, v: string) => boolean> = {
      AreaCode: (o, v) => o.areaCode === v,
      InRegion: (o, v) => o.info.region === v.toUpperCase(),
      InLocality: (o, v) => o.info.locality.toLowerCase() === v.toLowerCase(),
      InPostalCode: (o, v) => o.info.postalCode === v,
      Contains: (o, v) => o.sid.includes(v.replace(/[^\d]/g, '')),
      // Every number on sale here can send and receive texts and calls.
      SmsEnabled: (_o, v) => v === 'true',
      MmsEnabled: (_o, v) => v === 'true',
      VoiceEnabled: (_o, v) => v === 'true',
    };
    let items = offers(ctx.store, country);
    const filters: Array<[string, string]> = [];
    for (const [name, test] of Object.entries(keep)) {
      const v = req.query.get(name);
      if (v === null) continue;
      filters.push([name, v]);
      items = items.filter((o) => test(o, v));
    }
    return { status: 200, body: v2010Page(items, req.query, req.twilioPath.replace(/\/$/, ''), 'available_phone_numbers', filters, renderOffer) };
  },
};

const buySchema = z.object({
  PhoneNumber: z.string().optional(),
  AreaCode: z.string().optional(),
  // The spec: "It can be up to 64 characters long."
  FriendlyName: z.string().max(64, { message: 'must be at most 64 characters' }).optional(),
});

/** Buying a number: `PhoneNumber` must be one AvailablePhoneNumbers offers, or `AreaCode` one with numbers left ("You must provide an area_code or a phone_number"). */
const buyRoute: Route = {
  method: 'POST',
  product: 'api',
  path: `${NUMBERS}.json`,
  operation: 'incomingPhoneNumber.create',
  creates: true,
  handle(req, ctx) {
    checkAccount(req, ctx);
    const f = fields(req, buySchema);
    let e164: string;
    if (f.PhoneNumber !== undefined) {
      const country = AREA_CODES[f.PhoneNumber.slice(2, 5)]?.country ?? 'US';
      if (!offers(ctx.store, country).some((o) => o.sid === f.PhoneNumber)) {
        throw invalidParam('PhoneNumber', `${f.PhoneNumber} is not available to buy; list AvailablePhoneNumbers for one that is`);
      }
      e164 = f.PhoneNumber;
    } else if (f.AreaCode !== undefined) {
      const info = AREA_CODES[f.AreaCode];
      const offer = info ? offers(ctx.store, info.country).find((o) => o.areaCode === f.AreaCode) : undefined;
      if (!offer) throw invalidParam('AreaCode', `no phone numbers are available in area code ${f.AreaCode}`);
      e164 = offer.sid;
    } else {
      throw missingParam('PhoneNumber');
    }
    const n = addPhoneNumber(ctx.store, e164, f.FriendlyName);
    return { status: 201, body: render(ctx, n) };
  },
};

// ---- a Messaging Service's numbers ----

const MESSAGING_HOST = 'https://messaging.twilio.com';

function serviceOf(ctx: SandboxContext, req: ApiRequest): MessagingService {
  const svc = ctx.store.services.get(req.params['ServiceSid'] ?? '');
  if (!svc) throw notFound(req.twilioPath);
  return svc;
}

function renderServiceNumber(ctx: SandboxContext, s: ServicePhoneNumber): Record<string, unknown> {
  const n = ctx.store.phoneNumbers.get(s.sid);
  const e164 = n?.phoneNumber ?? null;
  return {
    sid: s.sid,
    account_sid: ctx.options.accountSid,
    service_sid: s.serviceSid,
    date_created: iso8601(s.dateCreated),
    date_updated: iso8601(s.dateCreated),
    phone_number: e164,
    country_code: e164 ? (AREA_CODES[e164.slice(2, 5)]?.country ?? 'US') : null,
    capabilities: ['SMS', 'MMS', 'Voice'],
    url: `${MESSAGING_HOST}/v1/Services/${s.serviceSid}/PhoneNumbers/${s.sid}`,
  };
}

const serviceNumberCreateSchema = z.object({ PhoneNumberSid: z.string() });

export const servicePhoneNumberRoutes: Route[] = [
  ...collectionRoutes<ServicePhoneNumber>({
    product: 'messaging',
    name: 'servicePhoneNumber',
    list: '/v1/Services/{ServiceSid}/PhoneNumbers',
    key: 'phone_numbers',
    paging: 'v1',
    host: MESSAGING_HOST,
    items(ctx, req) {
      const svc = serviceOf(ctx, req);
      return [...ctx.store.servicePhoneNumbers.values()].filter((s) => s.serviceSid === svc.sid);
    },
    get(ctx, req, sid) {
      const svc = serviceOf(ctx, req);
      const s = ctx.store.servicePhoneNumbers.get(sid);
      return s && s.serviceSid === svc.sid ? s : undefined;
    },
    render: (ctx, s) => renderServiceNumber(ctx, s),
    remove: (ctx, s) => void ctx.store.servicePhoneNumbers.delete(s.sid),
  }),
  {
    method: 'POST',
    product: 'messaging',
    path: '/v1/Services/{ServiceSid}/PhoneNumbers',
    operation: 'servicePhoneNumber.create',
    creates: true,
    handle(req, ctx) {
      const svc = serviceOf(ctx, req);
      const f = fields(req, serviceNumberCreateSchema);
      const pn = ctx.store.phoneNumbers.get(f.PhoneNumberSid);
      if (!pn) throw invalidParam('PhoneNumberSid', `Phone Number ${f.PhoneNumberSid} was not found on this account`);
      const taken = ctx.store.servicePhoneNumbers.get(pn.sid);
      if (taken) {
        throw badRequest(
          taken.serviceSid === svc.sid
            ? `Phone Number ${pn.sid} is already in Messaging Service ${svc.sid}.`
            : `Phone Number ${pn.sid} is already in another Messaging Service (${taken.serviceSid}); a number can be in only one Messaging Service.`,
        );
      }
      // 002 §4.1: "Sole Proprietor Campaigns can only have one 10DLC phone number attached to them."
      const soleProprietor = [...ctx.store.campaigns.values()].some((c) => c.messagingServiceSid === svc.sid && c.usAppToPersonUsecase === 'SOLE_PROPRIETOR');
      const count = [...ctx.store.servicePhoneNumbers.values()].filter((s) => s.serviceSid === svc.sid).length;
      if (soleProprietor && count >= 1) {
        throw badRequest(`Messaging Service ${svc.sid} has a Sole Proprietor campaign and already holds a number: Sole Proprietor Campaigns can only have one 10DLC phone number attached to them.`);
      }
      const s: ServicePhoneNumber = { sid: pn.sid, serviceSid: svc.sid, dateCreated: Date.now() };
      ctx.store.servicePhoneNumbers.set(s.sid, s);
      return { status: 201, body: renderServiceNumber(ctx, s) };
    },
  },
];

export const phoneNumberRoutes: Route[] = [availableRoute, buyRoute, ...collectionRoutes<PhoneNumber>({
  product: 'api',
  name: 'incomingPhoneNumber',
  list: `${NUMBERS}.json`,
  item: `${NUMBERS}/{Sid}.json`,
  key: 'incoming_phone_numbers',
  paging: '2010',
  items(ctx, req) {
    checkAccount(req, ctx);
    return ctx.store.phoneNumbers.values();
  },
  get(ctx, req, sid) {
    checkAccount(req, ctx);
    return ctx.store.phoneNumbers.get(sid);
  },
  render: (ctx, n) => render(ctx, n),
  filters: {
    PhoneNumber: (n, v) => matches(n, v),
    FriendlyName: (n, v) => n.friendlyName === v,
  },
})];
