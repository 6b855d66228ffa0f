import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import type { Ledger, SidName } from '../ledger/ledger.js';
import type { FeeSchedule } from '../ledger/fees.js';
import type { TwilioGateway } from '../twilio/gateway.js';
import { TransientError } from '../twilio/errors.js';

/**
 * What a stage job gets and returns. Jobs are plain async functions: no BullMQ in here.
 * The worker wiring turns an outcome into the next queue's delayed job, or a re-check later.
 */

export const STAGES = ['starter-profile', 'trust-bundle', 'brand', 'brand-status', 'otp', 'campaign', 'sender-number', 'business-profile', 'shaken-stir'] as const;
export type StageName = (typeof STAGES)[number];

/** Where each flow starts: the Starter Customer Profile, or the Secondary Business Profile. */
export const FIRST_STAGE = { 'sole-proprietor': 'starter-profile', business: 'business-profile' } as const satisfies Record<string, StageName>;
export const DEAD_LETTER = 'dead-letter' as const;
/** Per-customer re-checks queued by the sweeps, and the sweep scheduler's own queue. */
export const RECHECK = 'recheck' as const;
export const SWEEP = 'sweep' as const;

export function isStageName(name: string): name is StageName {
  return (STAGES as readonly string[]).includes(name);
}

export interface StageSettings {
  isvPrimaryProfileSid: string;
  starterPolicySid: string;
  soleProprietorPolicySid: string;
  /** Secondary Customer Profile of type Business and SHAKEN/STIR Trust Product policies (business flow). */
  businessPolicySid: string;
  shakenStirPolicySid: string;
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
  /** Where Twilio should POST bundle status changes, when the dashboard is public. */
  statusCallbackUrl?: string | undefined;
  /** TWILIO_MOCK_BRANDS: register brands with Mock=true (no fees). */
  mockBrands?: boolean;
  /** Fee per submission, in cents (FEE_* settings); recorded in the ledger. */
  fees?: FeeSchedule;
}

export interface StageContext {
  customerId: string;
  /** The customer's generation this job belongs to (bumped by redrive and `ingest --update`). */
  gen: number;
  ledger: Ledger;
  gateway: TwilioGateway;
  settings: StageSettings;
  log: Logger;
  now(): number;
}

export type StageOutcome =
  | { kind: 'next'; stage: StageName; delayMs: number }
  /** Check again later (same job). */
  | { kind: 'poll'; delayMs: number }
  /**
   * The job is over; the customer waits on Twilio or on the customer and the sweeps re-check it
   * at `at`. `otp` names a claimed OTP slot: queue a fresh OTP request with that number.
   */
  | { kind: 'watch'; at: number; otp?: number }
  /** The customer's current stage job was lost (a Redis without persistence, a crash mid-ingest): run the stage again. */
  | { kind: 'rerun'; stage: StageName }
  | { kind: 'done' };

export type StageFn = (ctx: StageContext) => Promise<StageOutcome>;

/**
 * Twilio's limit on every FriendlyName we send: the OpenAPI files say "up to 64 characters" for Messaging
 * Services and Addresses, and Trust Hub (bundles, end users, supporting documents) holds names to the same.
 */
export const FRIENDLY_NAME_MAX = 64;
/** Hex digits of the customer id's SHA-256 kept in a shortened name: 40 bits, no two ids of one ISV collide in practice. */
const NAME_HASH_HEX = 10;

/**
 * Deterministic friendly names: how a lost answer is found again, and how an operator finds the customer
 * in Twilio's console. `a2p-onboard <customer id> <what>` when that fits in 64 characters (the names of
 * customers already in flight stay exactly as they were); otherwise the id is cut to a readable prefix
 * followed by `~` and a short hash of the whole id, so the name is still the same on every try and two long
 * ids sharing a prefix still get different names.
 */
export function friendlyName(customerId: string, what: string): string {
  const full = `a2p-onboard ${customerId} ${what}`;
  if ([...full].length <= FRIENDLY_NAME_MAX) return full;
  const hash = createHash('sha256').update(customerId).digest('hex').slice(0, NAME_HASH_HEX);
  const room = FRIENDLY_NAME_MAX - [...`a2p-onboard  ${what}`].length - 1 - hash.length;
  const prefix = [...customerId].slice(0, Math.max(0, room)).join('');
  const name = `a2p-onboard ${prefix}~${hash} ${what}`;
  // `what` is ours and short; should one ever be too long, cut it rather than send what Twilio refuses.
  return [...name].slice(0, FRIENDLY_NAME_MAX).join('');
}

/** Why ensure() looks a resource up. */
export interface Lookup {
  /** Set when the only reason is a Redis restart: the restart window's id (Ledger.lookupWindow). */
  afterRestart?: string;
}

/**
 * The idempotency guard around every create.
 * 1. The ledger has the SID: reuse it.
 * 2. An intent is recorded but no SID: an earlier try may have created it and died
 *    before writing it down, so look it up in Twilio first. The same for every create
 *    for a while after Redis restarted (Ledger.noteRedisRun): its last writes may be lost.
 *    Such a look gets the window's id (`Lookup.afterRestart`): what it looks for was created
 *    before the restart, so one listing of the account per window serves every look.
 * 3. Otherwise record the intent, create, record the SID.
 */
export async function ensure(
  ctx: StageContext,
  stage: StageName,
  name: SidName,
  create: () => Promise<string>,
  find: (lookup: Lookup) => Promise<string | null>,
  /**
   * For resources whose data can be corrected in place (end users, addresses, campaigns):
   * the fingerprint of the data we want, and how to update an existing resource to it.
   * An existing resource whose recorded fingerprint differs is updated, never recreated.
   */
  sync?: { data: unknown; update: (sid: string) => Promise<void> },
): Promise<string> {
  const fp = sync ? fingerprint(sync.data) : null;
  const known = await ctx.ledger.sid(ctx.customerId, name);
  if (known) {
    if (sync && fp) {
      const recorded = await ctx.ledger.fingerprint(ctx.customerId, name);
      if (recorded !== null && recorded !== fp) {
        await sync.update(known);
        await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
        ctx.log.info({ sidName: name, sid: known }, 'updated with corrected data');
      } else if (recorded === null) {
        await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
      }
    }
    return known;
  }
  // One try at a time from here: two tries of the same job running at once would both create.
  const lease = await ctx.ledger.claimCreate(ctx.customerId, name);
  if ('busyForMs' in lease) throw new CreateInProgressError(name, ctx.customerId, Math.min(lease.busyForMs, 5_000));
  try {
    return await ensureLocked(ctx, stage, name, create, find, sync, fp);
  } finally {
    await ctx.ledger.releaseCreate(ctx.customerId, name, lease.token);
  }
}

/**
 * Another try holds the create's lease (it runs right now, or died and its lease has not run out):
 * come back later. Not a failure: the worker delays the job without spending an attempt.
 */
export class CreateInProgressError extends Error {
  override name = 'CreateInProgressError';
  constructor(
    readonly sidName: SidName,
    readonly customerId: string,
    readonly retryInMs: number,
  ) {
    super(`another try is creating the ${sidName} of customer ${customerId} right now; looking again in ${retryInMs} ms`);
  }
}

async function ensureLocked(
  ctx: StageContext,
  stage: StageName,
  name: SidName,
  create: () => Promise<string>,
  find: (lookup: Lookup) => Promise<string | null>,
  sync: { data: unknown; update: (sid: string) => Promise<void> } | undefined,
  fp: string | null,
): Promise<string> {
  // The try that held the lease before may have just recorded it.
  const recorded = await ctx.ledger.sid(ctx.customerId, name);
  if (recorded) return recorded;
  // After a Redis restart the intent itself may be among the lost writes: look first for a while.
  const intent = await ctx.ledger.hasIntent(ctx.customerId, name);
  const window = intent ? null : await ctx.ledger.lookupWindow();
  if (intent || window) {
    const found = await find(window ? { afterRestart: window } : {});
    if (found) {
      ctx.log.info({ sidName: name, sid: found }, 'found a resource an earlier try created but did not record');
      // Data may have changed since that try: make the found resource match. The '?' marks
      // "not known to match" so a crash before the update finishes still updates next time.
      if (fp) await ctx.ledger.setFingerprint(ctx.customerId, name, '?');
      await ctx.ledger.setSid(ctx.customerId, name, found, stage);
      if (sync && fp) {
        await sync.update(found);
        await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
      }
      return found;
    }
  }
  await ctx.ledger.setIntent(ctx.customerId, name);
  const sid = await create();
  await ctx.ledger.setSid(ctx.customerId, name, sid, stage);
  if (fp) await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
  ctx.log.info({ sidName: name, sid }, 'created');
  return sid;
}

/** A stable digest of the data a resource holds (keys sorted), to notice corrections. */
export function fingerprint(data: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canon(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canon(data))).digest('hex').slice(0, 24);
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

/** A SID an earlier stage must have recorded; its absence is our bug or a manual edit, not the customer's. */
export async function requireSid(ctx: StageContext, name: SidName): Promise<string> {
  const sid = await ctx.ledger.sid(ctx.customerId, name);
  if (!sid) throw new TransientError(`ledger has no ${name} SID for customer ${ctx.customerId}; an earlier stage did not finish`);
  return sid;
}

/** Capped exponential re-check interval for statuses that change on Twilio's side. */
export function pollDelay(settings: StageSettings, polls: number): number {
  const base = Math.max(settings.validationWaitMs, 250);
  return Math.min(settings.statusPollMaxMs, Math.round(base * 1.5 ** Math.min(polls, 30)));
}
