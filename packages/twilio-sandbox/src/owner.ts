import type { SandboxOptions } from './options.js';

/**
 * Which account a request acts for, which account owns a brand or campaign, and the token that signs an account's
 * event deliveries. Every account has its own context (accounts.ts): its `options` carry that account's SID and
 * token, its store holds only what it owns, so the owner of a brand is the account whose context reports it.
 */

/** The acting account of a request: the one its context belongs to (null for admin hooks, which get the main account's). */
export function requestAccountSid(ctx: { readonly options: Pick<SandboxOptions, 'accountSid'> }, _req: { readonly twilioPath: string } | null): string {
  return ctx.options.accountSid;
}

/**
 * The account that owns a brand or campaign (whose sinks receive its events, whose auth token signs them):
 * `options` are the owning account's view (each account's lifecycle reports only its own store's resources).
 */
export function ownerAccountSid(options: Pick<SandboxOptions, 'accountSid'>, _resource: { sid: string }): string {
  return options.accountSid;
}

/** What Event Streams need of the accounts: an account's auth token (it signs that account's deliveries). */
export interface AccountTokens {
  get(accountSid: string): { readonly authToken: string } | undefined;
}

/** The auth token of an account, undefined for an unknown one. */
export function authTokenOf(accounts: AccountTokens, accountSid: string): string | undefined {
  return accounts.get(accountSid)?.authToken;
}
