import type { SandboxOptions } from './options.js';

/**
 * Which account a request acts for (the request's credentials; null for admin hooks: the main account) and which
 * account owns a brand or campaign. Today the sandbox has one
 * account (options.accountSid); multi-account support changes these two functions, not their callers.
 */
export function requestAccountSid(ctx: { readonly options: Pick<SandboxOptions, 'accountSid'> }, _req: { readonly twilioPath: string } | null): string {
  return ctx.options.accountSid;
}

/** The account that owns a brand or campaign (whose sinks receive its events, whose auth token signs them). */
export function ownerAccountSid(options: Pick<SandboxOptions, 'accountSid'>, _resource: { sid: string }): string {
  return options.accountSid;
}

/** The auth token of an account: what signs its event deliveries. */
export function authTokenOf(options: Pick<SandboxOptions, 'accountSid' | 'authToken'>, accountSid: string): string | undefined {
  return accountSid === options.accountSid ? options.authToken : undefined;
}
