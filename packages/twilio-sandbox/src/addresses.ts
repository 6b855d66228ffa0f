import { z } from 'zod';
import { rfc2822 } from './clock.js';
import type { SandboxContext } from './context.js';
import { notFound } from './errors.js';
import { fields, zNonEmpty } from './forms.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
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
  IsoCountry: z.string(),
  FriendlyName: z.string().optional(),
  EmergencyEnabled: z.boolean().optional(),
  AutoCorrectAddress: z.boolean().optional(),
  StreetSecondary: z.string().optional(),
});

const updateSchema = z.object({
  CustomerName: zNonEmpty.optional(),
  FriendlyName: z.string().optional(),
  Street: zNonEmpty.optional(),
  StreetSecondary: z.string().optional(),
  City: zNonEmpty.optional(),
  Region: zNonEmpty.optional(),
  PostalCode: zNonEmpty.optional(),
  EmergencyEnabled: z.boolean().optional(),
  AutoCorrectAddress: z.boolean().optional(),
});

const ADDRESSES = '/2010-04-01/Accounts/{AccountSid}/Addresses';

export const addressRoutes: Route[] = [
  ...collectionRoutes<Address>({
    product: 'api',
    name: 'address',
    list: `${ADDRESSES}.json`,
    item: `${ADDRESSES}/{Sid}.json`,
    key: 'addresses',
    paging: '2010',
    items(ctx, req) {
      checkAccount(req, ctx, 'AccountSid');
      return ctx.store.addresses.values();
    },
    get(ctx, req, sid) {
      checkAccount(req, ctx, 'AccountSid');
      return ctx.store.addresses.get(sid);
    },
    render: (ctx, a) => renderAddress(ctx, a),
    filters: {
      CustomerName: (a, v) => a.customerName === v,
      FriendlyName: (a, v) => a.friendlyName === v,
      EmergencyEnabled: (a, v) => String(a.emergencyEnabled) === v.toLowerCase(),
      IsoCountry: (a, v) => a.isoCountry === v.toUpperCase(),
    },
    remove: (ctx, a) => void ctx.store.addresses.delete(a.sid),
  }),
  {
    method: 'POST',
    product: 'api',
    path: `${ADDRESSES}.json`,
    operation: 'address.create',
    creates: true,
    handle(req, ctx) {
      checkAccount(req, ctx, 'AccountSid');
      const f = fields(req, createSchema);
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
    // UpdateAddress has no IsoCountry: an address cannot move to another country.
    method: 'POST',
    product: 'api',
    path: `${ADDRESSES}/{Sid}.json`,
    operation: 'address.update',
    handle(req, ctx) {
      checkAccount(req, ctx, 'AccountSid');
      const a = ctx.store.addresses.get(req.params['Sid'] ?? '');
      if (!a) throw notFound(req.twilioPath);
      const f = fields(req, updateSchema);
      if (f.CustomerName !== undefined) a.customerName = f.CustomerName;
      if (f.FriendlyName !== undefined) a.friendlyName = f.FriendlyName;
      if (f.Street !== undefined) a.street = f.Street;
      if (f.StreetSecondary !== undefined) a.streetSecondary = f.StreetSecondary === '' ? null : f.StreetSecondary;
      if (f.City !== undefined) a.city = f.City;
      if (f.Region !== undefined) a.region = f.Region;
      if (f.PostalCode !== undefined) a.postalCode = f.PostalCode;
      if (f.EmergencyEnabled !== undefined) a.emergencyEnabled = f.EmergencyEnabled;
      a.dateUpdated = Date.now();
      return { status: 200, body: renderAddress(ctx, a) };
    },
  },
];
