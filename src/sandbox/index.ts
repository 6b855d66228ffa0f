import type { AddressInfo } from 'node:net';
import { addressRoutes } from './addresses.js';
import { StatusCallbacks } from './callbacks.js';
import { Timers } from './clock.js';
import type { SandboxContext } from './context.js';
import { createSandboxServer } from './http.js';
import { Lifecycle } from './lifecycle.js';
import { messagingRoutes } from './messaging.js';
import { resolveSandboxOptions, type SandboxOptions } from './options.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { compileRoute } from './routes.js';
import { POLICY_SECONDARY_BUSINESS, Store, newSid, type RequestLogEntry } from './store.js';
import { trusthubRoutes } from './trusthub.js';

export { FAULT_KINDS, SANDBOX_DEFAULTS, sandboxOptionsFromEnv, type FaultKind, type SandboxOptions } from './options.js';
export type { RequestLogEntry } from './store.js';
export { POLICY_SECONDARY_BUSINESS, POLICY_SOLE_PROPRIETOR, POLICY_STARTER } from './store.js';

export interface SandboxCounts {
  customerProfiles: number;
  trustProducts: number;
  brands: number;
  services: number;
  campaigns: number;
  /** OTPs sent: the automatic one when a Sole Proprietor brand is approved, plus every SmsOtp create. */
  otps: number;
}

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
  /** Stops the server, clears every timer and destroys open sockets. */
  close(): Promise<void>;
}

const ROUTES = [...trusthubRoutes, ...messagingRoutes, ...addressRoutes].map(compileRoute);

export async function startSandbox(opts: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  const options = resolveSandboxOptions(opts);
  const store = new Store();
  const timers = new Timers();
  const callbacks = new StatusCallbacks(options.authToken);
  const lifecycle = new Lifecycle(options, store, timers, callbacks);

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

  const ctx: SandboxContext = {
    options,
    store,
    timers,
    lifecycle,
    otpLimiter: new SlidingWindowLimiter(options.otpRps),
    isvPrimaryProfileSid,
  };
  const { server, destroySockets } = createSandboxServer({ ctx, routes: ROUTES, budget: new SlidingWindowLimiter(options.maxRps) });
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
        server.close(() => resolve());
        server.closeAllConnections();
        destroySockets();
      });
      return closing;
    },
  };
}
