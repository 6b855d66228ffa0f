import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { AccountRegistry, accountInfo, accountRoutes, resourcesOf, type AccountResources, type SandboxAccountInfo } from './accounts.js';
import { addressRoutes } from './addresses.js';
import { Timers } from './clock.js';
import type { SandboxContext } from './context.js';
import { createSandboxServer } from './http.js';
import { messagingRoutes } from './messaging.js';
import { resolveSandboxOptions, type FaultKind, type SandboxOptions } from './options.js';
import { countFaults } from './faults.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { loadContract } from './contract.js';
import { compileRoute } from './routes.js';
import { POLICY_SECONDARY_BUSINESS, newSid, type RequestLogEntry, type Store } from './store.js';
import { trusthubRoutes } from './trusthub.js';
import { addPhoneNumber, phoneNumberRoutes, servicePhoneNumberRoutes } from './phone-numbers.js';
import { defaultPolicies, setStarterPolicyShape } from './policies.js';
import { ISV_RESELLER_OR_PARTNER } from './business-rules.js';

export { FAULT_KINDS, SANDBOX_DEFAULTS, sandboxOptionsFromEnv, sandboxSettings, type FaultKind, type SandboxOptions, type SandboxSetting } from './options.js';
export type { RequestLogEntry } from './store.js';
export type { AccountStatus } from './context.js';
export { SUBACCOUNT_LIMIT_CODE, SUBACCOUNT_NESTED_CODE, defaultSubaccountName, type AccountResources, type SandboxAccountInfo } from './accounts.js';
export type { CreatedEvent } from './http.js';
export { POLICY_A2P_MESSAGING, POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR, POLICY_SOLE_PROPRIETOR, POLICY_STARTER } from './store.js';
export { DEFAULT_PHONE_NUMBERS } from './options.js';
// The contract and the rule tables, for tests that hold a client or the product's own rules against them.
export { loadContract, type Contract, type Product, type SpecOperation } from './contract.js';
export { STARTER_POLICY_SAMPLE_1_1 } from './policies.js';
export { DISPOSABLE_EMAIL_DOMAINS, SOLE_PROPRIETOR_VERTICALS, addressRejection } from './rules.js';
export { COMPANY_TYPE_VALUES, SPECIAL_USECASES, SPEC_USECASES, STANDARD_CODES, STANDARD_MARKERS, STOCK_EXCHANGE_VALUES } from './standard-rules.js';
export { CONTRACT_SUPPLEMENTS, type ContractSupplement } from './contract-supplements.js';

export interface SandboxCounts {
  customerProfiles: number;
  trustProducts: number;
  brands: number;
  services: number;
  campaigns: number;
  /** OTPs sent: the automatic one when a Sole Proprietor brand is approved, plus every SmsOtp create. */
  otps: number;
}

export type FaultCounts = Record<FaultKind, number> & { total: number };

export interface Sandbox {
  /** `http://127.0.0.1:PORT` — pass as `apiBase` to createTwilioClient. */
  url: string;
  port: number;
  options: SandboxOptions;
  /** The ISV's primary customer profile (twilio-approved, secondary-business policy), created at start. */
  isvPrimaryProfileSid: string;
  /** Every API request (admin calls excluded), oldest first. */
  requestLog(): RequestLogEntry[];
  /** Totals over every account (the main account and its subaccounts). */
  counts(): SandboxCounts;
  /** The main account and its subaccounts, main first (tests: find a customer's subaccount, its token). */
  accounts(): SandboxAccountInfo[];
  /** What one account owns, by kind (undefined for an unknown account): "each customer's resources in its own subaccount". */
  resources(accountSid: string): AccountResources | undefined;
  /** Change the fault rate or latency of a running sandbox (tests: faults during a batch, none during the audit). */
  tune(changes: Partial<Pick<SandboxOptions, 'faultRate' | 'latencyMs'>>): void;
  /** Faults injected so far, by kind (also GET /_sandbox/faults). */
  faultCounts(): FaultCounts;
  /**
   * Test hooks. `created` (a CreatedEvent) fires when a create succeeded, before the answer
   * leaves: a chaos harness kills the asking worker there, between Twilio's create and the ledger write.
   */
  events: EventEmitter;
  /**
   * Resolves once every scheduled transition has run and scheduled no other (requests in flight with
   * SANDBOX_LATENCY_MS count too): what a test waits on to see that something did not change, instead of a sleep.
   */
  idle(): Promise<void>;
  /** Stops the server, clears every timer and destroys open sockets. */
  close(): Promise<void>;
}

const ROUTES = [...accountRoutes, ...trusthubRoutes, ...messagingRoutes, ...servicePhoneNumberRoutes, ...addressRoutes, ...phoneNumberRoutes];

/** What the sandbox serves: Twilio's product, method and OpenAPI path template of each route (for docs and contract tests). */
export function sandboxRoutes(): Array<{ product: string; method: string; path: string; operation: string }> {
  return ROUTES.map((r) => ({ product: r.product, method: r.method, path: r.path, operation: r.operation }));
}

export async function startSandbox(opts: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const options = resolveSandboxOptions(opts);
  // Twilio's OpenAPI files are the contract: every route is bound to its operation, every request checked against it.
  const contract = loadContract(options.openapiDir);
  const routes = ROUTES.map((r) => compileRoute(r, contract));
  const timers = new Timers();
  const isvPrimaryProfileSid = newSid('BU');
  // Every account gets its own store, lifecycle and callback signer; the main account's is what single-account use sees.
  const accounts = new AccountRegistry({ options, timers, otpLimiter: new SlidingWindowLimiter(options.otpRps), isvPrimaryProfileSid, events: new EventEmitter() });
  const ctx: SandboxContext = accounts.main.ctx;
  const store = ctx.store;

  for (const [sid, p] of defaultPolicies()) store.policies.set(sid, p);
  setStarterPolicyShape(store, options.starterPolicyShape);
  for (const n of options.phoneNumbers) addPhoneNumber(store, n);
  const now = Date.now();
  store.customerProfiles.set(isvPrimaryProfileSid, {
    kind: 'customerProfile',
    sid: isvPrimaryProfileSid,
    policySid: POLICY_SECONDARY_BUSINESS,
    friendlyName: 'ISV Primary Customer Profile',
    email: 'compliance@isv.example.com',
    statusCallback: null,
    status: 'twilio-approved',
    validUntil: null,
    dateCreated: now,
    dateUpdated: now,
    errors: null,
    reviewPassed: true,
    submission: 1,
  });
  // Its business information says what 002's prerequisites demand: Business Identity "ISV Reseller or Partner".
  const isvInfoSid = newSid('IT');
  store.endUsers.set(isvInfoSid, {
    sid: isvInfoSid,
    friendlyName: 'ISV Business Information',
    type: 'customer_profile_business_information',
    attributes: {
      business_name: 'Example ISV Inc',
      business_identity: ISV_RESELLER_OR_PARTNER,
      business_type: 'Corporation',
      business_industry: 'TECHNOLOGY',
      business_registration_identifier: 'EIN',
      business_registration_number: '12-3456789',
      business_regions_of_operation: 'USA_AND_CANADA',
      website_url: 'https://isv.example.com',
      social_media_profile_urls: '',
    },
    dateCreated: now,
    dateUpdated: now,
  });
  const isvInfoAssignment = newSid('BV');
  store.assignments.set(isvInfoAssignment, { sid: isvInfoAssignment, bundleSid: isvPrimaryProfileSid, objectSid: isvInfoSid, dateCreated: now });

  const { server, destroySockets } = createSandboxServer({ ctx, authenticate: (u, p) => accounts.authenticate(u, p), routes, contract, budget: new SlidingWindowLimiter(options.maxRps) });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    port,
    options: { ...options, port },
    isvPrimaryProfileSid,
    requestLog: () => store.requestLog.map((e) => ({ ...e })),
    faultCounts: () => countFaults(store.requestLog),
    tune(changes) {
      if (changes.faultRate !== undefined) options.faultRate = Math.min(1, Math.max(0, changes.faultRate));
      if (changes.latencyMs !== undefined) options.latencyMs = Math.max(0, Math.round(changes.latencyMs));
    },
    events: ctx.events!,
    idle: () => timers.idle(),
    counts: () => {
      const sum = (f: (s: Store) => number) => store.accountStores.reduce((n, s) => n + f(s), 0);
      return {
        customerProfiles: sum((s) => s.customerProfiles.size),
        trustProducts: sum((s) => s.trustProducts.size),
        brands: sum((s) => s.brands.size),
        services: sum((s) => s.services.size),
        campaigns: sum((s) => s.campaigns.size),
        otps: sum((s) => s.otps),
      };
    },
    accounts: () => accounts.all().map(accountInfo),
    resources(accountSid) {
      const a = accounts.get(accountSid);
      return a ? resourcesOf(a) : undefined;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        timers.clearAll();
        accounts.close();
        server.close(() => resolve());
        server.closeAllConnections();
        destroySockets();
      });
      return closing;
    },
  };
}

