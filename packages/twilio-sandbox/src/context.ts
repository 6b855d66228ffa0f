import type { EventEmitter } from 'node:events';
import type { Timers } from './clock.js';
import type { Lifecycle } from './lifecycle.js';
import type { SandboxOptions } from './options.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { Store } from './store.js';

export type AccountStatus = 'active' | 'suspended' | 'closed';

/** One account of the sandbox: the main account (SANDBOX_ACCOUNT_SID) or a subaccount of it (accounts.ts). */
export interface SandboxAccount {
  readonly sid: string;
  readonly authToken: string;
  /** The main account's SID for a subaccount; its own SID for the main account (as Twilio prints it). */
  readonly ownerAccountSid: string;
  friendlyName: string;
  status: AccountStatus;
  readonly dateCreated: number;
  dateUpdated: number;
  /** What a request acting as this account sees: its own store, lifecycle and credentials. */
  readonly ctx: SandboxContext;
}

/** Every account of the sandbox, main first, then subaccounts in creation order. */
export interface SandboxAccounts {
  readonly main: SandboxAccount;
  get(sid: string): SandboxAccount | undefined;
  all(): SandboxAccount[];
  /** A new active subaccount of `parent` (the caller checks that the parent may have one). */
  create(parent: SandboxAccount, friendlyName: string): SandboxAccount;
}

/**
 * Everything a route handler may use. A request gets the context of its acting account: `options.accountSid`
 * and `options.authToken` are that account's, `store` holds only what it owns.
 */
export interface SandboxContext {
  readonly options: SandboxOptions;
  readonly store: Store;
  readonly timers: Timers;
  readonly lifecycle: Lifecycle;
  readonly otpLimiter: SlidingWindowLimiter;
  readonly isvPrimaryProfileSid: string;
  /** Test hooks (see Sandbox.events): `created` fires when a create succeeded, before its answer is sent. */
  readonly events?: EventEmitter;
  /** The main account and its subaccounts. */
  readonly accounts: SandboxAccounts;
}
