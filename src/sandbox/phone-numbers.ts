import { rfc2822 } from './clock.js';
import type { SandboxContext } from './context.js';
import { notFound } from './errors.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
import { newSid, type PhoneNumber, type Store } from './store.js';

/** The account's IncomingPhoneNumbers (API 2010): the numbers SANDBOX_PHONE_NUMBERS gives it. List (with `PhoneNumber`) and fetch. */

const NUMBERS = '/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers';

function checkAccount(req: ApiRequest, ctx: SandboxContext): void {
  if (req.params['AccountSid'] !== ctx.options.accountSid) throw notFound(req.twilioPath);
}

/** "(415) 555-0100" for +14155550100, as Twilio names a number; other numbers keep E.164. */
function friendly(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}

export function addPhoneNumber(store: Store, e164: string): PhoneNumber {
  const existing = [...store.phoneNumbers.values()].find((n) => n.phoneNumber === e164);
  if (existing) return existing;
  const n: PhoneNumber = { sid: newSid('PN'), phoneNumber: e164, friendlyName: friendly(e164), dateCreated: Date.now() };
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

export const phoneNumberRoutes: Route[] = collectionRoutes<PhoneNumber>({
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
});
