import type { Ledger } from '../ledger/ledger.js';

/** What both Twilio webhooks know of the accounts that may sign their requests. */
export interface SigningAccounts {
  /** The parent account (TWILIO_ACCOUNT_SID) and its token. */
  accountSid: string;
  authToken: string;
  ledger: Ledger;
  /** A subaccount's auth token (ACCOUNT_MODE=subaccount); null when it is not an active subaccount of the parent. */
  subaccountToken?: ((accountSid: string) => Promise<string | null>) | undefined;
}

/**
 * The token a request from `accountSid` must be signed with: the parent's, or a customer subaccount's;
 * null when it is neither. Only subaccounts the ledger records are looked up, so an unsigned post
 * cannot make the server read arbitrary accounts from Twilio.
 */
export async function signingToken(opts: SigningAccounts, accountSid: string | undefined): Promise<string | null> {
  if (accountSid === undefined || accountSid === opts.accountSid) return opts.authToken;
  if (!opts.subaccountToken || !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) return null;
  const owner = await opts.ledger.ownerOf(accountSid);
  const rec = owner ? await opts.ledger.get(owner) : null;
  if (rec?.sids.subaccount !== accountSid) return null;
  return opts.subaccountToken(accountSid);
}

/** The account a customer's resources live in, and so the only one whose signature may speak of them. */
export function accountOf(rec: { sids: Partial<Record<string, string>> }, parentSid: string): string {
  return rec.sids['subaccount'] ?? parentSid;
}
