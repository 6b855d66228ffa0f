import type twilio from 'twilio';
import type { Budget } from './budget.js';
import { RejectedError } from './errors.js';
import { TwilioGateway, type GatewayBudgets, type SubaccountCredentials } from './gateway.js';

/**
 * ACCOUNT_MODE=subaccount: one gateway per customer subaccount, built with that subaccount's own
 * credentials. The auth token is read from the parent (GET /2010-04-01/Accounts/{AC}.json) when
 * first needed and kept in this process's memory only: a bounded cache, least recently used first
 * out, each entry dropped after `ttlMs`. It is never written to Redis, a job, a log or an error: an
 * operator who rotates a subaccount's token needs to do nothing (a refused call reads it again once).
 */

export interface AccountGatewaysOptions {
  /** The parent's gateway: reads subaccounts and their tokens. */
  parent: TwilioGateway;
  /** The parent's budgets: its account budget is every subaccount's ceiling; registration and OTPs stay shared. */
  parentBudgets: GatewayBudgets;
  /** A subaccount's own request budget (SUBACCOUNT_MAX_RPS). */
  accountBudget(accountSid: string): Budget;
  /** A twilio-node client with these credentials (same HTTP settings as the parent's). */
  client(accountSid: string, authToken: string): twilio.Twilio;
  /** SUBACCOUNT_TOKEN_TTL_MS and SUBACCOUNT_TOKEN_CACHE_SIZE. */
  ttlMs: number;
  maxEntries: number;
  /** Fault injection in tests and reliability runs: wraps every subaccount gateway as the parent's is. */
  wrap?: ((gateway: TwilioGateway) => TwilioGateway) | undefined;
  now?: () => number;
}

interface Entry {
  authToken: string;
  expiresAt: number;
  gateway: TwilioGateway | undefined;
}

export const SUBACCOUNT_SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;

export class AccountGateways {
  private readonly entries = new Map<string, Entry>();
  /** One read of a token at a time per subaccount: a burst of jobs for one customer makes one call. */
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly now: () => number;

  constructor(private readonly opts: AccountGatewaysOptions) {
    this.now = opts.now ?? Date.now;
  }

  get parentSid(): string {
    return this.opts.parent.accountSid;
  }

  /** How many tokens this process holds now (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The gateway a customer's resources are created with: its subaccount's. Throws a RejectedError
   * (with what to do) when the subaccount is not an active subaccount of the parent.
   */
  async gatewayFor(accountSid: string): Promise<TwilioGateway> {
    if (accountSid === this.parentSid) return this.opts.parent;
    const entry = await this.entry(accountSid);
    if (!entry.gateway) {
      const { parentBudgets } = this.opts;
      const budgets: GatewayBudgets = {
        ceiling: parentBudgets.ceiling ?? parentBudgets.account,
        account: this.opts.accountBudget(accountSid),
        registration: parentBudgets.registration,
        otp: parentBudgets.otp,
      };
      const gateway = new TwilioGateway(this.opts.client(accountSid, entry.authToken), accountSid, budgets, {
        reauth: async () => {
          this.forget(accountSid);
          return this.opts.client(accountSid, (await this.entry(accountSid)).authToken);
        },
      });
      entry.gateway = this.opts.wrap ? this.opts.wrap(gateway) : gateway;
    }
    return entry.gateway;
  }

  /**
   * The subaccount's auth token, to check a status callback's signature; null when it is not a
   * subaccount of the parent (or no longer active).
   */
  async authToken(accountSid: string): Promise<string | null> {
    try {
      return (await this.entry(accountSid)).authToken;
    } catch (err) {
      if (err instanceof RejectedError) return null;
      throw err;
    }
  }

  /** Drop what is held for a subaccount: its token was refused, or it was closed. */
  forget(accountSid: string): void {
    this.entries.delete(accountSid);
  }

  private async entry(accountSid: string): Promise<Entry> {
    const held = this.entries.get(accountSid);
    if (held && held.expiresAt > this.now()) {
      // Least recently used goes first: move it to the end.
      this.entries.delete(accountSid);
      this.entries.set(accountSid, held);
      return held;
    }
    if (held) this.entries.delete(accountSid);
    const pending = this.inflight.get(accountSid);
    if (pending) return pending;
    const p = (async () => {
      const creds = await checkedSubaccount(this.opts.parent, accountSid);
      const entry: Entry = { authToken: creds.authToken, expiresAt: this.now() + this.opts.ttlMs, gateway: undefined };
      this.entries.set(accountSid, entry);
      while (this.entries.size > this.opts.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
      return entry;
    })().finally(() => this.inflight.delete(accountSid));
    this.inflight.set(accountSid, p);
    return p;
  }
}

/**
 * The parent's view of a subaccount, checked: it exists, the parent owns it, it is active. Each failure
 * is a RejectedError an operator can act on (the actions are keyed on its kind).
 */
export async function checkedSubaccount(parent: TwilioGateway, accountSid: string): Promise<SubaccountCredentials> {
  const creds = await parent.fetchSubaccount(accountSid);
  if (!creds || creds.sid === parent.accountSid || creds.ownerAccountSid !== parent.accountSid) {
    throw new RejectedError(
      `account ${accountSid} is not a subaccount of ${parent.accountSid} (TWILIO_ACCOUNT_SID)${creds?.sid === parent.accountSid ? ': it is the parent itself' : ''}`,
      { accountSid },
      { kind: 'subaccount-invalid' },
    );
  }
  if (creds.status !== 'active') {
    throw new RejectedError(`the customer's subaccount ${accountSid} is ${creds.status}: nothing can be registered in it`, { accountSid, accountStatus: creds.status }, { kind: 'subaccount-inactive' });
  }
  return creds;
}
