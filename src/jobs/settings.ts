import type { FeeSchedule } from '../ledger/fees.js';

/** What the stages read from the configuration, resolved once per worker (src/workers/runtime.ts). */
export interface StageSettings {
  isvPrimaryProfileSid: string;
  starterPolicySid: string;
  soleProprietorPolicySid: string;
  /** Secondary Customer Profile of type Business and SHAKEN/STIR Trust Product policies (business flow). */
  businessPolicySid: string;
  shakenStirPolicySid: string;
  /** A2P Messaging profile Trust Product policy (Standard and Low-Volume Standard brands). */
  a2pMessagingPolicySid: string;
  /** Authentication+: the brand contact confirms TCR's email within this long (7 days). */
  authPlusExpiryMs: number;
  /** Authentication+ emails re-sent automatically per generation (each charged). */
  authPlusResends: number;
  /** How long a fetched Policy is trusted before it is fetched again ("policies can and do change"). */
  policyRefreshMs: number;
  /** Twilio's advised wait after each submission, to catch synchronous rejections early. */
  validationWaitMs: number;
  statusPollMaxMs: number;
  otpResendMs: number;
  /** Twilio: OTP verification must be completed within 30 days of brand registration. */
  otpExpiryMs: number;
  /** A brand IN_REVIEW longer than this: the operator should contact Twilio support (Twilio says 2 days). */
  brandReviewStuckMs: number;
  /** Error 30791 (temporary brand error): resubmit after this long, at most brandRetries times per generation. */
  brandRetryMs: number;
  brandRetries: number;
  /** First re-check of a waiting customer after this long; doubles up to sweepMaxIntervalMs. */
  sweepIntervalMs: number;
  sweepMaxIntervalMs: number;
  /** Buy a local number for a Sole Proprietor customer without `sender_number` (BUY_SENDER_NUMBERS). */
  buySenderNumbers: boolean;
  /** EVENT_STREAMS with PUBLIC_BASE_URL: the Event Streams sink every new customer subaccount gets too. */
  eventsSinkUrl?: string | undefined;
  /** Where Twilio should POST bundle status changes, when the dashboard is public. */
  statusCallbackUrl?: string | undefined;
  /** TWILIO_MOCK_BRANDS: register brands with Mock=true (no fees). */
  mockBrands?: boolean;
  /** Fee per submission, in cents (FEE_* settings); recorded in the ledger. */
  fees?: FeeSchedule;
}

/**
 * When a waiting customer is next re-checked: soon at first, then less often (sweeps must
 * stay cheap with 100k customers waiting days on Twilio), never later than `cap` if given.
 */
export function nextCheck(settings: StageSettings, now: number, checks: number, cap?: number): number {
  const interval = Math.min(settings.sweepMaxIntervalMs, settings.sweepIntervalMs * 2 ** Math.min(checks, 30));
  const at = now + interval;
  return cap !== undefined ? Math.max(now, Math.min(at, cap)) : at;
}

/** Capped exponential re-check interval for statuses that change on Twilio's side. */
export function pollDelay(settings: StageSettings, polls: number): number {
  const base = Math.max(settings.validationWaitMs, 250);
  return Math.min(settings.statusPollMaxMs, Math.round(base * 1.5 ** Math.min(polls, 30)));
}

/** A span of time as an operator reads it in a reason: "2 days", "7 days", or the milliseconds a test setting gives. */
export function duration(ms: number): string {
  const days = ms / 86_400_000;
  if (days >= 1) return `${Number(days.toFixed(1))} day${days === 1 ? '' : 's'}`;
  return `${ms} ms`;
}
