import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { addressRoutes } from './addresses.js';
import { StatusCallbacks } from './callbacks.js';
import { Timers } from './clock.js';
import { A2pEvents, EventStreams, type EventDelivery } from './event-streams.js';
import { eventsRoutes } from './events.js';
import type { SandboxContext } from './context.js';
import { createSandboxServer } from './http.js';
import { Lifecycle } from './lifecycle.js';
import { messagingRoutes } from './messaging.js';
import { resolveSandboxOptions, type FaultKind, type SandboxOptions } from './options.js';
import { countFaults } from './faults.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { loadContract } from './contract.js';
import { compileRoute } from './routes.js';
import { POLICY_SECONDARY_BUSINESS, Store, newSid, type RequestLogEntry } from './store.js';
import { trusthubRoutes } from './trusthub.js';
import { addPhoneNumber, phoneNumberRoutes, servicePhoneNumberRoutes } from './phone-numbers.js';
import { defaultPolicies, setStarterPolicyShape } from './policies.js';
import { ISV_RESELLER_OR_PARTNER } from './business-rules.js';

export { FAULT_KINDS, SANDBOX_DEFAULTS, sandboxOptionsFromEnv, sandboxSettings, type FaultKind, type SandboxOptions, type SandboxSetting } from './options.js';
export type { RequestLogEntry } from './store.js';
export type { CreatedEvent } from './http.js';
export type { CloudEvent, EventDelivery } from './event-streams.js';
export { EVENT_TYPES, BRAND_EVENT_PREFIX, CAMPAIGN_EVENT_PREFIX } from './event-types.js';
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
  counts(): SandboxCounts;
  /** Change the fault rate, latency or Event Streams unreliability of a running sandbox (tests: faults during a batch, none during the audit). */
  tune(changes: Partial<Pick<SandboxOptions, 'faultRate' | 'latencyMs' | 'eventDelayMs' | 'eventDuplicateRate' | 'eventReorder'>>): void;
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
  /** Event Streams deliveries so far, oldest first (also GET /_sandbox/event-deliveries). */
  eventDeliveries(): EventDelivery[];
  /** Stops the server, clears every timer and destroys open sockets. */
  close(): Promise<void>;
}

const ROUTES = [...trusthubRoutes, ...messagingRoutes, ...servicePhoneNumberRoutes, ...addressRoutes, ...phoneNumberRoutes, ...eventsRoutes];

/** What the sandbox serves: Twilio's product, method and OpenAPI path template of each route (for docs and contract tests). */
export function sandboxRoutes(): Array<{ product: string; method: string; path: string; operation: string }> {
  return ROUTES.map((r) => ({ product: r.product, method: r.method, path: r.path, operation: r.operation }));
}

export async function startSandbox(opts: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const options = resolveSandboxOptions(opts);
  // Twilio's OpenAPI files are the contract: every route is bound to its operation, every request checked against it.
  const contract = loadContract(options.openapiDir);
  const routes = ROUTES.map((r) => compileRoute(r, contract));
  const store = new Store();
  const timers = new Timers();
  const callbacks = new StatusCallbacks(options.authToken);
  const eventStreams = new EventStreams(options, store, timers);
  const a2pEvents = new A2pEvents(options, eventStreams);
  const lifecycle = new Lifecycle(options, store, timers, callbacks, a2pEvents);

  for (const [sid, p] of defaultPolicies()) store.policies.set(sid, p);
  setStarterPolicyShape(store, options.starterPolicyShape);
  for (const n of options.phoneNumbers) addPhoneNumber(store, n);
  const now = Date.now();
  const isvPrimaryProfileSid = newSid('BU');
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

  const ctx: SandboxContext = {
    options,
    store,
    timers,
    lifecycle,
    otpLimiter: new SlidingWindowLimiter(options.otpRps),
    isvPrimaryProfileSid,
    events: new EventEmitter(),
    eventStreams,
    a2pEvents,
  };
  const { server, destroySockets } = createSandboxServer({ ctx, routes, contract, budget: new SlidingWindowLimiter(options.maxRps) });
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
      if (changes.eventDelayMs !== undefined) options.eventDelayMs = Math.max(0, Math.round(changes.eventDelayMs));
      if (changes.eventDuplicateRate !== undefined) options.eventDuplicateRate = Math.min(1, Math.max(0, changes.eventDuplicateRate));
      if (changes.eventReorder !== undefined) options.eventReorder = changes.eventReorder;
    },
    events: ctx.events!,
    idle: () => timers.idle(),
    eventDeliveries: () => eventStreams.deliveries.map((d) => ({ ...d })),
    counts: () => ({
      customerProfiles: store.customerProfiles.size,
      trustProducts: store.trustProducts.size,
      brands: store.brands.size,
      services: store.services.size,
      campaigns: store.campaigns.size,
      otps: store.otps,
    }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        timers.clearAll();
        callbacks.close();
        eventStreams.close();
        server.close(() => resolve());
        server.closeAllConnections();
        destroySockets();
      });
      return closing;
    },
  };
}
