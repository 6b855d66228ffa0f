import type { Redis } from 'ioredis';
import { PRIMARY_PROFILE_POLICY_SID, requireTwilio, type Config, ConfigError } from '../config.js';
import type { StageSettings } from '../jobs/context.js';
import { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../log.js';
import { createRedis } from '../redis.js';
import { Budget } from '../twilio/budget.js';
import { createTwilioClient, type CallInfo } from '../twilio/client.js';
import { TwilioGateway } from '../twilio/gateway.js';
import { createQueues, closeQueues, type Queues } from './queues.js';

/** Everything a worker process shares: one Redis connection, the queues, the ledger, the gateway. */
export interface Runtime {
  config: Config;
  redis: Redis;
  queues: Queues;
  ledger: Ledger;
  gateway: TwilioGateway;
  settings: StageSettings;
  log: Logger;
  close(): Promise<void>;
}

export function budgetKey(prefix: string, accountSid: string, name: string): string {
  return `${prefix}:budget:${accountSid}:${name}`;
}

export function createGateway(config: Config, redis: Redis, onCall?: (info: CallInfo) => void): TwilioGateway {
  const twilio = requireTwilio(config);
  const client = createTwilioClient({ ...twilio, timeoutMs: config.TWILIO_TIMEOUT_MS, onCall });
  const key = (name: string) => budgetKey(config.QUEUE_PREFIX, twilio.accountSid, name);
  return new TwilioGateway(client, twilio.accountSid, {
    account: new Budget(redis, key('account'), config.TWILIO_MAX_RPS),
    registration: new Budget(redis, key('registration'), config.REGISTRATION_RPS, 5_000),
    otp: new Budget(redis, key('otp'), config.OTP_RPS),
  });
}

/**
 * The ISV's primary profile is assigned to every starter profile. Without the setting,
 * use the account's single twilio-approved primary profile; refuse to guess between several.
 */
export async function resolvePrimaryProfile(config: Config, gateway: TwilioGateway): Promise<string> {
  if (config.ISV_PRIMARY_PROFILE_SID) return config.ISV_PRIMARY_PROFILE_SID;
  const found = await gateway.findApprovedPrimaryProfile(PRIMARY_PROFILE_POLICY_SID);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new ConfigError(
      'No twilio-approved primary customer profile was found on this account. Create and get approved the ISV primary profile in the Trust Hub first, or set ISV_PRIMARY_PROFILE_SID.',
    );
  }
  throw new ConfigError(`This account has ${found.length} approved primary profiles (${found.join(', ')}): set ISV_PRIMARY_PROFILE_SID to the one to use.`);
}

export function stageSettings(config: Config, isvPrimaryProfileSid: string): StageSettings {
  return {
    isvPrimaryProfileSid,
    starterPolicySid: config.STARTER_PROFILE_POLICY_SID,
    soleProprietorPolicySid: config.SOLE_PROPRIETOR_POLICY_SID,
    validationWaitMs: config.VALIDATION_WAIT_MS,
    statusPollMaxMs: config.STATUS_POLL_MAX_MS,
    otpResendMs: config.OTP_RESEND_MS,
    statusCallbackUrl: config.PUBLIC_BASE_URL ? new URL('/webhooks/twilio/status', config.PUBLIC_BASE_URL).toString() : undefined,
  };
}

export async function createRuntime(config: Config, log: Logger, opts: { onCall?: (info: CallInfo) => void } = {}): Promise<Runtime> {
  const redis = createRedis(config.REDIS_URL);
  try {
    const gateway = createGateway(config, redis, opts.onCall);
    await gateway.checkCredentials();
    const settings = stageSettings(config, await resolvePrimaryProfile(config, gateway));
    const queues = createQueues(redis, config.QUEUE_PREFIX, config.JOB_ATTEMPTS);
    const ledger = new Ledger(redis, config.QUEUE_PREFIX);
    return {
      config,
      redis,
      queues,
      ledger,
      gateway,
      settings,
      log,
      async close() {
        await closeQueues(queues);
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}
