import type { Logger } from '../log.js';
import type { Ledger, SidName } from '../ledger/ledger.js';
import type { TwilioGateway } from '../twilio/gateway.js';
import { TransientError } from '../twilio/errors.js';

/**
 * What a stage job gets and returns. Jobs are plain async functions: no BullMQ in here.
 * The worker wiring turns an outcome into the next queue's delayed job, or a re-check later.
 */

export const STAGES = ['starter-profile', 'trust-bundle', 'brand', 'brand-status', 'otp', 'campaign'] as const;
export type StageName = (typeof STAGES)[number];
export const DEAD_LETTER = 'dead-letter' as const;

export interface StageSettings {
  isvPrimaryProfileSid: string;
  starterPolicySid: string;
  soleProprietorPolicySid: string;
  /** Twilio's advised wait after each submission, to catch synchronous rejections early. */
  validationWaitMs: number;
  statusPollMaxMs: number;
  otpResendMs: number;
  /** Where Twilio should POST bundle status changes, when the dashboard is public. */
  statusCallbackUrl?: string | undefined;
}

export interface StageContext {
  customerId: string;
  ledger: Ledger;
  gateway: TwilioGateway;
  settings: StageSettings;
  log: Logger;
  now(): number;
}

export type StageOutcome =
  | { kind: 'next'; stage: StageName; delayMs: number }
  /** Check again later (same job); optionally ask the otp queue for a fresh OTP first. */
  | { kind: 'poll'; delayMs: number; requestOtp?: boolean }
  | { kind: 'done' };

export type StageFn = (ctx: StageContext) => Promise<StageOutcome>;

/** Deterministic friendly names: how a lost answer is found again, and how an operator finds the customer in Twilio's console. */
export function friendlyName(customerId: string, what: string): string {
  return `a2p-onboard ${customerId} ${what}`;
}

/**
 * The idempotency guard around every create.
 * 1. The ledger has the SID: reuse it.
 * 2. An intent is recorded but no SID: an earlier try may have created it and died
 *    before writing it down, so look it up in Twilio first.
 * 3. Otherwise record the intent, create, record the SID.
 */
export async function ensure(
  ctx: StageContext,
  stage: StageName,
  name: SidName,
  create: () => Promise<string>,
  find: () => Promise<string | null>,
): Promise<string> {
  const known = await ctx.ledger.sid(ctx.customerId, name);
  if (known) return known;
  if (await ctx.ledger.hasIntent(ctx.customerId, name)) {
    const found = await find();
    if (found) {
      ctx.log.info({ sidName: name, sid: found }, 'found a resource an earlier try created but did not record');
      await ctx.ledger.setSid(ctx.customerId, name, found, stage);
      return found;
    }
  }
  await ctx.ledger.setIntent(ctx.customerId, name);
  const sid = await create();
  await ctx.ledger.setSid(ctx.customerId, name, sid, stage);
  ctx.log.info({ sidName: name, sid }, 'created');
  return sid;
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
