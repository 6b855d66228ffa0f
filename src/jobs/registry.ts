import type { Config } from '../config.js';
import { FLOWS, type Flow } from '../customers/columns.js';
import type { BudgetPriority } from '../twilio/budget.js';
import { a2pProfile } from './a2p-profile.js';
import { brandStatus } from './brand-status.js';
import { brand } from './brand.js';
import { businessProfile } from './business-profile.js';
import { campaign } from './campaign.js';
import { otp } from './otp.js';
import type { StageFn, StageOutcome } from './outcome.js';
import { senderNumber } from './sender-number.js';
import { shakenStir } from './shaken-stir.js';
import { starterProfile } from './starter-profile.js';
import { subaccount } from './subaccount.js';
import { trustBundle } from './trust-bundle.js';

/**
 * Every stage, in one table. A stage is a plain function in `src/jobs/<name>.ts`; its row says how
 * it is queued and where it sits in its flow. The workers, the queues, ingest and redrive, the CLI,
 * the dashboard's funnel and the docs' stage table (scripts/stage-docs.ts) all read this table, so
 * adding a stage is its file plus one row here. test/registry.test.ts checks the table against src/jobs.
 */

/** A setting whose value is a number: what a limiter reads its rate from. */
export type NumericSetting = { [K in keyof Config]-?: Config[K] extends number ? K : never }[keyof Config];

export interface StageDef<Name extends string = string, Next extends string = Name> {
  /** The stage function. Its outcome type names where it may go (`StageOutcome<'trust-bundle'>`), checked against `next`. */
  run: StageFn<Next, Name>;
  /** One line for the docs: what the stage does. */
  does: string;
  /** The flow whose customers pass through it. */
  flow: Flow | 'both';
  /** Where its flow starts (ingest and redrive queue it first); exactly one per flow. */
  first?: true;
  /**
   * Runs only in this ACCOUNT_MODE, before the flow's first stage (which its `next` names): ingest and
   * redrive queue it first in that mode (see firstStage()); in other modes no customer reaches it.
   */
  entry?: 'subaccount';
  /** Stages that may follow it: its `next` outcomes, and the OTP requests its `watch` outcomes queue. */
  next: readonly Next[];
  /**
   * The account budget's priority for its Twilio calls. 'low': new customers yield the budget to customers
   * already under way (booked only while the budget's queue of reservations is short).
   */
  budgetPriority: BudgetPriority;
  /** BullMQ's limiter, global across every worker: at most this setting's value of jobs per second. */
  limiter?: { perSecond: NumericSetting };
  /** Attempts per job when not JOB_ATTEMPTS. */
  attempts?: number;
}

/** The stages a row may go to: what its `next` lists. */
type RowNext<R> = R extends { next: readonly (infer N extends string)[] } ? N : never;
/** Each row's `next` names rows of the table, and its function goes nowhere else. */
type Rows<T> = { [K in keyof T]: StageDef<Extract<keyof T, string>, RowNext<T[K]> & Extract<keyof T, string>> };

function defineStages<const T extends Rows<T>>(rows: T): T {
  return rows;
}

/** Order matters: it is the funnel's order on the dashboard and in `status`, each flow in its order. */
export const STAGES = defineStages({
  subaccount: {
    run: subaccount,
    does: "ACCOUNT_MODE=subaccount only: the customer's own Twilio subaccount, created once with the parent's credentials (or the row's account_sid, checked: a subaccount of the parent, active, no other customer's); every later stage uses its credentials",
    flow: 'both',
    entry: 'subaccount',
    next: ['starter-profile', 'business-profile'],
    budgetPriority: 'low',
  },
  'starter-profile': {
    run: starterProfile,
    does: 'Starter Customer Profile: end user, address and document, the ISV primary profile; evaluated and submitted',
    flow: 'sole-proprietor',
    first: true,
    next: ['trust-bundle'],
    budgetPriority: 'low',
  },
  'trust-bundle': {
    run: trustBundle,
    does: 'Sole Proprietor A2P Trust Bundle with its end user and the starter profile; evaluated and submitted',
    flow: 'sole-proprietor',
    next: ['brand'],
    budgetPriority: 'high',
  },
  'business-profile': {
    run: businessProfile,
    does: 'Secondary Customer Profile of type Business: business information, representatives, address, phone numbers; evaluated and submitted',
    flow: 'business',
    first: true,
    next: ['shaken-stir', 'a2p-profile'],
    budgetPriority: 'high',
  },
  'shaken-stir': {
    run: shakenStir,
    does: 'SHAKEN/STIR Trust Product (for customers who ask for it) with the profile and its phone numbers; without a Standard brand, the sweeps then watch the bundles',
    flow: 'business',
    next: ['a2p-profile'],
    budgetPriority: 'high',
  },
  'a2p-profile': {
    run: a2pProfile,
    does: 'A2P Messaging Trust Product (brand_type standard or low_volume_standard): company type, stock listing, brand contact email and the secondary profile; evaluated and submitted',
    flow: 'business',
    next: ['brand'],
    budgetPriority: 'high',
  },
  brand: {
    run: brand,
    does: 'brand registration (a fee): Sole Proprietor, or Standard (Low-Volume Standard skips the automatic secondary vetting)',
    flow: 'both',
    next: ['brand-status'],
    budgetPriority: 'high',
  },
  'brand-status': {
    run: brandStatus,
    does: "follows the brand's review (resubmits after 30791); once APPROVED a Sole Proprietor waits for the OTP and a public company's brand for its Authentication+ email, watched by the sweeps",
    flow: 'both',
    next: ['campaign', 'otp'],
    budgetPriority: 'high',
  },
  otp: {
    run: otp,
    does: 'asks Twilio to text the customer a fresh OTP (queued by the brand-status stage and the re-checks)',
    flow: 'sole-proprietor',
    next: [],
    budgetPriority: 'high',
    limiter: { perSecond: 'OTP_RPS' },
  },
  campaign: {
    run: campaign,
    does: "Messaging Service and the campaign (a vetting fee): SOLE_PROPRIETOR, or the row's use case when Twilio offers it to the brand",
    flow: 'both',
    next: ['sender-number'],
    budgetPriority: 'high',
  },
  'sender-number': {
    run: senderNumber,
    does: "puts the customer's numbers (or a bought one) on its Messaging Service; then the sweeps watch the campaign's vetting",
    flow: 'both',
    next: [],
    budgetPriority: 'high',
  },
});

export type StageName = keyof typeof STAGES;
/** What any stage function (or a re-check) may return. */
export type AnyStageOutcome = StageOutcome<StageName, StageName>;

/** Every stage name, in the table's order. */
export const STAGE_NAMES = Object.keys(STAGES) as StageName[];

export function isStageName(name: string): name is StageName {
  return Object.hasOwn(STAGES, name);
}

/** A stage's row, seen as any row (STAGES[name] is typed row by row). */
export function stageDef(name: StageName): StageDef<StageName> {
  return STAGES[name];
}

/** The stages of one flow, in order. */
export function stagesOf(flow: Flow): StageName[] {
  return STAGE_NAMES.filter((n) => inFlow(n, flow));
}

function inFlow(name: StageName, flow: Flow): boolean {
  const f = stageDef(name).flow;
  return f === flow || f === 'both';
}

/**
 * Where a customer of `flow` starts in this ACCOUNT_MODE: the mode's entry stage (the `subaccount`
 * stage), else the flow's first stage.
 */
export function firstStage(flow: Flow, mode: 'single' | 'subaccount' = 'single'): StageName {
  const entry = STAGE_NAMES.find((n) => stageDef(n).entry === mode && inFlow(n, flow));
  return entry ?? FIRST_STAGE[flow];
}

/** Where each flow starts (ACCOUNT_MODE=single): the Starter Customer Profile, or the Secondary Business Profile. */
export const FIRST_STAGE: Readonly<Record<Flow, StageName>> = firstStages();

function firstStages(): Record<Flow, StageName> {
  const out = {} as Record<Flow, StageName>;
  for (const flow of FLOWS) {
    const first = stagesOf(flow).filter((n) => stageDef(n).first);
    // A table without one start per flow is a programming error: fail at load, not at the first ingest.
    if (first.length !== 1) throw new Error(`stage registry: the ${flow} flow must have exactly one first stage, has ${first.length}`);
    out[flow] = first[0]!;
  }
  return out;
}
