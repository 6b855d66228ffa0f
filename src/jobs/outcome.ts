import type { Logger } from '../log.js';
import type { Ledger } from '../ledger/ledger.js';
import type { TwilioGateway } from '../twilio/gateway.js';
import type { StageSettings } from './settings.js';

/**
 * What a stage job gets and returns. Jobs are plain async functions: no BullMQ in here.
 * The worker wiring turns an outcome into the next queue's delayed job, or a re-check later.
 */

export interface StageContext {
  customerId: string;
  /** The customer's generation this job belongs to (bumped by redrive and `ingest --update`). */
  gen: number;
  ledger: Ledger;
  /** The gateway of the account the customer's resources live in: its subaccount's once recorded, else the parent's. */
  gateway: TwilioGateway;
  /** The parent account's gateway (TWILIO_ACCOUNT_SID), where subaccounts are created; absent: `gateway` is the parent's. */
  parent?: TwilioGateway;
  /** Any account's gateway by SID (a subaccount's, with its own credentials): for work done in an account the customer is not yet bound to. */
  gatewayOf?: (accountSid: string) => Promise<TwilioGateway>;
  settings: StageSettings;
  log: Logger;
  now(): number;
}

/**
 * `Next` names the stages an outcome may move the customer on to, `Rerun` the stages it may run
 * again. A stage spells its own (`StageOutcome<'trust-bundle'>`) and the registry checks them against
 * its row, so this module needs no list of stages.
 */
export type StageOutcome<Next extends string = never, Rerun extends string = never> =
  | { kind: 'next'; stage: Next; delayMs: number }
  /** Check again later (same job). */
  | { kind: 'poll'; delayMs: number }
  /**
   * The job is over; the customer waits on Twilio or on the customer and the sweeps re-check it
   * at `at`. `otp` names a claimed OTP slot: queue a fresh OTP request with that number.
   */
  | { kind: 'watch'; at: number; otp?: number }
  /** The customer's current stage job was lost (a Redis without persistence, a crash mid-ingest): run the stage again. */
  | { kind: 'rerun'; stage: Rerun }
  | { kind: 'done' };

export type StageFn<Next extends string = never, Rerun extends string = never> = (ctx: StageContext) => Promise<StageOutcome<Next, Rerun>>;
