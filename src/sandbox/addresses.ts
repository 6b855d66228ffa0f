import { z } from 'zod';
import { rfc2822 } from './clock.js';
import type { SandboxContext } from './context.js';
import { notFound } from './errors.js';
import { parseForm, pathSid, zBool, zNonEmpty } from './forms.js';
import { v2010Page } from './paging.js';
import type { ApiRequest, Route } from './routes.js';
import { newSid, type Address } from './store.js';

function renderAddress(ctx: SandboxContext, a: Address): Record<string, unknown> {
  return {
    account_sid: ctx.options.accountSid,
    city: a.city,
    customer_name: a.customerName,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    emergency_enabled: a.emergencyEnabled,
    friendly_name: a.friendlyName,
    iso_country: a.isoCountry,
    postal_code: a.postalCode,
    region: a.region,
    sid: a.sid,
    street: a.street,
    street_secondary: a.streetSecondary,
    uri: `/2010-04-01/Accounts/${ctx.options.accountSid}/Addresses/${a.sid}.json`,
    validated: false,
    verified: false,
  };
}

/** The AccountSid in a 2010 path must be the authenticated (configured) account; anything else is not found. */
function checkAccount(req: ApiRequest, ctx: SandboxContext, param: string): void {
  if (req.params[param] !== ctx.options.accountSid) throw notFound(req.twilioPath);
}

const createSchema = z.object({
  CustomerName: zNonEmpty,
  Street: zNonEmpty,
  City: zNonEmpty,
  Region: zNonEmpty,
  PostalCode: zNonEmpty,
  IsoCountry: z.string().regex(/^[A-Za-z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 country code' }),
  FriendlyName: z.string().optional(),
  EmergencyEnabled: zBool.optional(),
  AutoCorrectAddress: zBool.optional(),
  StreetSecondary: z.string().optional(),
});

export const addressRoutes: Route[] = [
  {
    method: 'GET',
    product: 'api',
    pattern: '/2010-04-01/Accounts/:Sid.json',
    operation: 'account.fetch',
    handle(req, ctx) {
      checkAccount(req, ctx, 'Sid');
      const sid = ctx.options.accountSid;
      const created = rfc2822(ctx.store.startedAt);
      return {
        status: 200,
        body: {
          auth_token: ctx.options.authToken,
          date_created: created,
          date_updated: created,
          friendly_name: 'a2p-onboard sandbox account',
          owner_account_sid: sid,
          sid,
          status: 'active',
          subresource_uris: {
            addresses: `/2010-04-01/Accounts/${sid}/Addresses.json`,
            incoming_phone_numbers: `/2010-04-01/Accounts/${sid}/IncomingPhoneNumbers.json`,
            messages: `/2010-04-01/Accounts/${sid}/Messages.json`,
          },
          type: 'Full',
          uri: `/2010-04-01/Accounts/${sid}.json`,
        },
      };
    },
  },
  {
    method: 'POST',
    product: 'api',
    pattern: '/2010-04-01/Accounts/:AccountSid/Addresses.json',
    operation: 'address.create',
    creates: true,
    handle(req, ctx) {
      checkAccount(req, ctx, 'AccountSid');
      const f = parseForm(req.form, createSchema);
      const now = Date.now();
      const a: Address = {
        sid: newSid('AD'),
        customerName: f.CustomerName,
        friendlyName: f.FriendlyName ?? null,
        street: f.Street,
        streetSecondary: f.StreetSecondary ?? null,
        city: f.City,
        region: f.Region,
        postalCode: f.PostalCode,
        isoCountry: f.IsoCountry.toUpperCase(),
        emergencyEnabled: f.EmergencyEnabled ?? false,
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.store.addresses.set(a.sid, a);
      return { status: 201, body: renderAddress(ctx, a) };
    },
  },
  {
    method: 'GET',
    product: 'api',
    pattern: '/2010-04-01/Accounts/:AccountSid/Addresses.json',
    operation: 'address.list',
    handle(req, ctx) {
      checkAccount(req, ctx, 'AccountSid');
      const customerName = req.query.get('CustomerName');
      const friendlyName = req.query.get('FriendlyName');
      const isoCountry = req.query.get('IsoCountry');
      const filters: Array<[string, string]> = [];
      if (customerName !== null) filters.push(['CustomerName', customerName]);
      if (friendlyName !== null) filters.push(['FriendlyName', friendlyName]);
      if (isoCountry !== null) filters.push(['IsoCountry', isoCountry]);
      const items = [...ctx.store.addresses.values()].filter(
        (a) =>
          (customerName === null || a.customerName === customerName) &&
          (friendlyName === null || a.friendlyName === friendlyName) &&
          (isoCountry === null || a.isoCountry === isoCountry.toUpperCase()),
      );
      const base = `/2010-04-01/Accounts/${ctx.options.accountSid}/Addresses.json`;
      return { status: 200, body: v2010Page(items, req.query, base, 'addresses', filters, (a) => renderAddress(ctx, a)) };
    },
  },
  {
    method: 'GET',
    product: 'api',
    pattern: '/2010-04-01/Accounts/:AccountSid/Addresses/:Sid.json',
    operation: 'address.fetch',
    handle(req, ctx) {
      checkAccount(req, ctx, 'AccountSid');
      const a = ctx.store.addresses.get(pathSid(req.params, 'Sid', 'AD', req.twilioPath));
      if (!a) throw notFound(req.twilioPath);
      return { status: 200, body: renderAddress(ctx, a) };
    },
  },
];
