import type { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { StatusCallbacks } from './callbacks.js';
import type { Timers } from './clock.js';
import { rfc2822 } from './clock.js';
import type { AccountStatus, SandboxAccount, SandboxAccounts, SandboxContext } from './context.js';
import { TwilioApiError, badRequest, notFound, unauthorized } from './errors.js';
import { fields } from './forms.js';
import { Lifecycle } from './lifecycle.js';
import type { SandboxOptions } from './options.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import { collectionRoutes, type Route } from './routes.js';
import { Store, newSid } from './store.js';

/**
 * API 2010 Accounts: the main account (SANDBOX_ACCOUNT_SID / SANDBOX_AUTH_TOKEN) and its subaccounts, each with
 * its own SID, auth token and resources (Twilio's "one subaccount per customer" for ISVs). A subaccount's
 * resources live in its own Store, so another account's SID is not found, exactly like an unknown one.
 *
 * Twilio's subaccount pages: the main account's credentials create, list, fetch (auth token included) and
 * update its subaccounts; a subaccount's credentials reach only that subaccount; "a subaccount cannot contain
 * nested subaccounts" (error 21101); a suspended or closed account cannot be used (401 / 20003); a closed
 * account cannot be reopened and its numbers are released; the main account cannot be suspended or closed.
 */

/** An account of the sandbox as tests see it (GET /_sandbox/accounts prints the same, without tokens). */
export interface SandboxAccountInfo {
  sid: string;
  authToken: string;
  ownerAccountSid: string;
  friendlyName: string;
  status: string;
  /** true for a subaccount. */
  subaccount: boolean;
}

/** What one account owns, by kind: SIDs in creation order (GET /_sandbox/resources?account=AC…). */
export interface AccountResources {
  accountSid: string;
  customerProfiles: string[];
  trustProducts: string[];
  endUsers: string[];
  supportingDocuments: string[];
  addresses: string[];
  entityAssignments: string[];
  channelEndpointAssignments: string[];
  evaluations: string[];
  brands: string[];
  vettings: string[];
  services: string[];
  campaigns: string[];
  phoneNumbers: string[];
}

/** Twilio's error 21101: "Subaccounts cannot contain subaccounts". */
export const SUBACCOUNT_NESTED_CODE = 21101;
/** Twilio's error 21480: "Reached maximum number of subaccounts" (1000 by default). */
export const SUBACCOUNT_LIMIT_CODE = 21480;

/** `SubAccount Created at {YYYY-MM-DD HH:MM meridian}`, the default FriendlyName CreateAccount documents (UTC here). */
export function defaultSubaccountName(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours();
  return `SubAccount Created at ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(h % 12 === 0 ? 12 : h % 12)}:${pad(d.getUTCMinutes())} ${h < 12 ? 'am' : 'pm'}`;
}

/**
 * An account's view of the options: its own SID and token, everything else read through the prototype, so tune()
 * reaches every account. Never spread it (`{...options}` would drop the inherited settings).
 */
function accountOptions(base: SandboxOptions, sid: string, authToken: string): SandboxOptions {
  return Object.create(base, {
    accountSid: { value: sid, enumerable: true },
    authToken: { value: authToken, enumerable: true },
  }) as SandboxOptions;
}

export interface AccountDeps {
  options: SandboxOptions;
  timers: Timers;
  otpLimiter: SlidingWindowLimiter;
  isvPrimaryProfileSid: string;
  events: EventEmitter;
}

class Account implements SandboxAccount {
  friendlyName: string;
  status: AccountStatus = 'active';
  readonly dateCreated = Date.now();
  dateUpdated = this.dateCreated;
  readonly ctx: SandboxContext;
  /** Signs this account's status callbacks with its own token. */
  readonly callbacks: StatusCallbacks;

  constructor(
    readonly sid: string,
    readonly authToken: string,
    readonly ownerAccountSid: string,
    friendlyName: string,
    deps: AccountDeps,
    accounts: SandboxAccounts,
    parentStore?: Store,
  ) {
    this.friendlyName = friendlyName;
    const main = parentStore === undefined;
    const options = main ? deps.options : accountOptions(deps.options, sid, authToken);
    const store = new Store(parentStore);
    this.callbacks = new StatusCallbacks(authToken);
    this.ctx = {
      options,
      store,
      timers: deps.timers,
      lifecycle: new Lifecycle(options, store, deps.timers, this.callbacks),
      otpLimiter: deps.otpLimiter,
      isvPrimaryProfileSid: deps.isvPrimaryProfileSid,
      events: deps.events,
      accounts,
    };
  }
}

export class AccountRegistry implements SandboxAccounts {
  readonly main: Account;
  private readonly bySid = new Map<string, Account>();

  constructor(private readonly deps: AccountDeps) {
    const o = deps.options;
    this.main = new Account(o.accountSid, o.authToken, o.accountSid, 'a2p-onboard sandbox account', deps, this);
    this.bySid.set(this.main.sid, this.main);
  }

  get(sid: string): Account | undefined {
    return this.bySid.get(sid);
  }

  all(): Account[] {
    return [...this.bySid.values()];
  }

  create(parent: SandboxAccount, friendlyName: string): Account {
    const a = new Account(newSid('AC'), randomBytes(16).toString('hex'), parent.sid, friendlyName, this.deps, this, parent.ctx.store);
    this.bySid.set(a.sid, a);
    return a;
  }

  /**
   * The account basic auth names, if its token is right and it (and its owner) may be used. Twilio answers
   * 401 / 20003 both for wrong credentials and for a suspended or closed account.
   */
  authenticate(username: string, password: string): Account {
    const a = this.bySid.get(username);
    if (!a || a.authToken !== password) throw unauthorized();
    const owner = this.bySid.get(a.ownerAccountSid);
    const blocked = a.status !== 'active' ? a : owner && owner.status !== 'active' ? owner : null;
    if (blocked) throw new TwilioApiError(401, 20003, 'Authenticate', { detail: `Account ${blocked.sid} is ${blocked.status}.` });
    return a;
  }

  /** Stops every account's status callbacks. */
  close(): void {
    for (const a of this.bySid.values()) a.callbacks.close();
  }
}

/** The accounts a request may see: the main account sees itself and its subaccounts; a subaccount only itself. */
function visible(ctx: SandboxContext): SandboxAccount[] {
  const me = ctx.accounts.get(ctx.options.accountSid);
  if (!me) return [];
  if (me.ownerAccountSid !== me.sid) return [me];
  return ctx.accounts.all().filter((a) => a.sid === me.sid || a.ownerAccountSid === me.sid);
}

function acting(ctx: SandboxContext): SandboxAccount {
  const me = ctx.accounts.get(ctx.options.accountSid);
  if (!me) throw unauthorized();
  return me;
}

function render(a: SandboxAccount): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${a.sid}`;
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    owner_account_sid: a.ownerAccountSid,
    sid: a.sid,
    status: a.status,
    subresource_uris: {
      addresses: `${uri}/Addresses.json`,
      available_phone_numbers: `${uri}/AvailablePhoneNumbers.json`,
      incoming_phone_numbers: `${uri}/IncomingPhoneNumbers.json`,
      messages: `${uri}/Messages.json`,
    },
    type: 'Full',
    uri: `${uri}.json`,
  };
}

const createSchema = z.object({ FriendlyName: z.string().max(64, { message: 'must be 64 characters or fewer' }).optional() });
const updateSchema = z.object({
  FriendlyName: z.string().max(64, { message: 'must be 64 characters or fewer' }).optional(),
  Status: z.enum(['active', 'suspended', 'closed']).optional(),
});

export const accountRoutes: Route[] = [
  ...collectionRoutes<SandboxAccount>({
    product: 'api',
    name: 'account',
    list: '/2010-04-01/Accounts.json',
    item: '/2010-04-01/Accounts/{Sid}.json',
    key: 'accounts',
    paging: '2010',
    items: (ctx) => visible(ctx),
    get: (ctx, _req, sid) => visible(ctx).find((a) => a.sid === sid),
    render: (_ctx, a) => render(a),
    filters: {
      FriendlyName: (a, v) => a.friendlyName === v,
      Status: (a, v) => a.status === v,
    },
  }),
  {
    method: 'POST',
    product: 'api',
    path: '/2010-04-01/Accounts.json',
    operation: 'account.create',
    creates: true,
    handle(req, ctx) {
      const me = acting(ctx);
      const f = fields(req, createSchema);
      if (me.ownerAccountSid !== me.sid) throw badRequest('Subaccounts cannot contain subaccounts', SUBACCOUNT_NESTED_CODE);
      if (ctx.accounts.all().filter((a) => a.ownerAccountSid === me.sid && a.sid !== me.sid).length >= ctx.options.maxSubaccounts) {
        throw badRequest('Reached maximum number of subaccounts', SUBACCOUNT_LIMIT_CODE);
      }
      const a = ctx.accounts.create(me, f.FriendlyName ?? defaultSubaccountName(Date.now()));
      return { status: 201, body: render(a) };
    },
  },
  {
    method: 'POST',
    product: 'api',
    path: '/2010-04-01/Accounts/{Sid}.json',
    operation: 'account.update',
    handle(req, ctx) {
      const me = acting(ctx);
      const a = visible(ctx).find((x) => x.sid === req.params['Sid']);
      if (!a) throw notFound(req.twilioPath);
      const f = fields(req, updateSchema);
      // UNVERIFIED codes: no document names Twilio's code for these three refusals; 20001 as elsewhere.
      if (f.Status !== undefined && f.Status !== a.status) {
        if (a.ownerAccountSid === a.sid) throw badRequest(`The main account ${a.sid} cannot be ${f.Status === 'active' ? 'reactivated' : f.Status} through the API.`);
        if (me.sid === a.sid) throw badRequest(`Only the main account's credentials can change the status of subaccount ${a.sid}.`);
        if (a.status === 'closed') throw badRequest(`Subaccount ${a.sid} is closed; a closed account cannot be reopened.`);
      }
      if (f.FriendlyName !== undefined) a.friendlyName = f.FriendlyName;
      if (f.Status !== undefined && f.Status !== a.status) {
        a.status = f.Status;
        // "When you close a subaccount, Twilio will release all phone numbers assigned to it."
        if (f.Status === 'closed') {
          const s = a.ctx.store;
          for (const n of [...s.phoneNumbers.keys()]) {
            s.phoneNumbers.delete(n);
            s.servicePhoneNumbers.delete(n);
          }
        }
      }
      a.dateUpdated = Date.now();
      return { status: 200, body: render(a) };
    },
  },
];

export function accountInfo(a: SandboxAccount): SandboxAccountInfo {
  return { sid: a.sid, authToken: a.authToken, ownerAccountSid: a.ownerAccountSid, friendlyName: a.friendlyName, status: a.status, subaccount: a.ownerAccountSid !== a.sid };
}

/** SIDs an account owns, by kind. */
export function resourcesOf(a: SandboxAccount): AccountResources {
  const s = a.ctx.store;
  const sids = (m: Map<string, unknown>) => [...m.keys()];
  return {
    accountSid: a.sid,
    customerProfiles: sids(s.customerProfiles),
    trustProducts: sids(s.trustProducts),
    endUsers: sids(s.endUsers),
    supportingDocuments: sids(s.supportingDocuments),
    addresses: sids(s.addresses),
    entityAssignments: sids(s.assignments),
    channelEndpointAssignments: sids(s.channelEndpointAssignments),
    evaluations: sids(s.evaluations),
    brands: sids(s.brands),
    vettings: sids(s.vettings),
    services: sids(s.services),
    campaigns: sids(s.campaigns),
    phoneNumbers: sids(s.phoneNumbers),
  };
}
