/**
 * The four kinds of failure a stage can meet, as values the worker wiring acts on:
 * - TransientError: network, timeouts, 5xx. Retry with backoff. `ambiguous` marks a
 *   create whose answer was lost: it may have happened, so the next try looks it up first.
 * - RateLimitedError: Twilio's 429 (20429: never processed, always safe to retry).
 *   Put the job back without spending an attempt.
 * - RejectedError: Twilio refused this customer's data, or reviewed and rejected it.
 *   Dead-letter with the details; retrying cannot help.
 * - AuthError: 401/403, the account's credentials. Not the customer's fault: stop.
 */

import type { FailureKind } from '../failure-kinds.js';

export interface TwilioDetails {
  status?: number | undefined;
  code?: number | undefined;
  message?: string | undefined;
  moreInfo?: string | undefined;
  [key: string]: unknown;
}

export class TransientError extends Error {
  override name = 'TransientError';
  constructor(
    message: string,
    readonly ambiguous = false,
    readonly details: TwilioDetails = {},
  ) {
    super(message);
  }
}

export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(
    readonly retryAfterMs: number,
    message = 'Twilio answered 429 Too Many Requests (20429)',
  ) {
    super(message);
  }
}

export interface RejectedOptions {
  /** What kind of failure this is: the operator's action is keyed on it (src/reports/actions.ts). */
  kind: FailureKind;
  /** What to do about it; when absent the worker picks the action of the kind (and Twilio's code). */
  action?: string | undefined;
  /**
   * The stage the verdict belongs to, when not the one that found it (a sweep's re-check finding a
   * FAILED campaign): the dead letter records it there, so a redrive resubmits at that stage.
   */
  stage?: string | undefined;
}

export class RejectedError extends Error {
  override name = 'RejectedError';
  readonly kind: FailureKind;
  readonly action: string | undefined;
  readonly stage: string | undefined;
  constructor(
    /** What an operator reads: what Twilio said and what to do. */
    readonly reason: string,
    /** Twilio's answer as classified (its code in `code`), and what the stage knows (brandStatus, SIDs). */
    readonly details: TwilioDetails = {},
    opts: RejectedOptions = { kind: 'unclassified' },
  ) {
    super(reason);
    this.kind = opts.kind;
    this.action = opts.action;
    this.stage = opts.stage;
  }
}

export class AuthError extends Error {
  override name = 'AuthError';
  constructor(message: string, readonly details: TwilioDetails = {}) {
    super(message);
  }
}

/** What to do about a request twilio-node refused to send (a 'request-incomplete'). */
export const INCOMPLETE_REQUEST_ACTION = 'a2p-onboard built an incomplete request (a bug): report it with the logs, then redrive the customer once fixed';

/** Default wait after a 429 that carries no Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;

function field<T>(err: unknown, key: string): T | undefined {
  return err !== null && typeof err === 'object' && key in err ? ((err as Record<string, unknown>)[key] as T) : undefined;
}

/**
 * Map whatever twilio-node (RestException), axios (network) or our RequestClient threw
 * onto the four kinds. `what` names the call for the message; `isCreate` marks POSTs that
 * create something, whose lost answer makes the outcome ambiguous.
 */
export function classifyTwilioError(err: unknown, what: string, isCreate: boolean): Error {
  if (err instanceof TransientError || err instanceof RateLimitedError || err instanceof RejectedError || err instanceof AuthError) {
    return err;
  }
  const status = field<number>(err, 'status');
  const code = field<number>(err, 'code');
  const message = field<string>(err, 'message') ?? String(err);
  const moreInfo = field<string>(err, 'moreInfo');
  if (typeof status === 'number') {
    const details: TwilioDetails = { status, code: typeof code === 'number' ? code : undefined, message, moreInfo };
    if (status === 429) return new RateLimitedError(DEFAULT_RETRY_AFTER_MS);
    if (status === 401 || status === 403) {
      return new AuthError(
        `Twilio refused the credentials (${status}${typeof code === 'number' ? `, code ${code}` : ''}) on ${what}: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN`,
        details,
      );
    }
    if (status >= 500 || status === 408) return new TransientError(`${what}: Twilio answered ${status}: ${message}`, isCreate, details);
    return new RejectedError(`${what}: Twilio refused the request (${status}${typeof code === 'number' ? `, code ${code}` : ''}): ${message}`, details, { kind: 'request-refused' });
  }
  const netCode = field<string>(err, 'code');
  // Node's socket errors (ECONNRESET, ETIMEDOUT, EAI_AGAIN...) and axios's (ECONNABORTED, ERR_BAD_RESPONSE...).
  if (typeof netCode === 'string' && /^(E[A-Z_]+|ERR_[A-Z_]+)$/.test(netCode)) {
    return new TransientError(`${what}: network error ${netCode}`, isCreate, { message });
  }
  if (/timeout|socket hang up|network|aborted/i.test(message)) {
    return new TransientError(`${what}: ${message}`, isCreate, { message });
  }
  // twilio-node refuses before sending when a required parameter is missing: nothing reached
  // Twilio and a retry would refuse again, so do not spend eight attempts on it.
  if (/^Required parameter .* missing/i.test(message)) {
    return new RejectedError(`${what}: ${message}`, { message }, { kind: 'request-incomplete', action: INCOMPLETE_REQUEST_ACTION });
  }
  return err instanceof Error ? err : new Error(message);
}
