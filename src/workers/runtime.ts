import { connectRedis, type RedisClient } from '../redis.js';
import { PRIMARY_PROFILE_POLICY_SID, notifySettings, requireTwilio, type Config, ConfigError } from '../config.js';
import type { StageSettings } from '../jobs/settings.js';
import { Ledger, type CustomerRecord } from '../ledger/ledger.js';
import { feeSchedule } from '../ledger/fees.js';
import { REDIS_RESTARTED } from '../ledger/restart-window.js';
import type { Logger } from '../log.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Budget } from '../twilio/budget.js';
import { RateLimitedError, TransientError } from '../twilio/errors.js';
import { createTwilioClient, type CallInfo } from '../twilio/client.js';
import { TwilioGateway, type GatewayBudgets } from '../twilio/gateway.js';
import { AccountGateways } from '../twilio/accounts.js';
import { createQueues, closeQueues, type Queues } from './queues.js';
import { STATUS_WEBHOOK_PATH } from '../server/webhook.js';
import { EVENTS_WEBHOOK_PATH } from '../server/events-webhook.js';
import type { WebhookOptions } from '../server/dashboard.js';
import type { UploadPageOptions } from '../server/upload-page.js';
import { policyCache, usedPolicies, warnUnknownRequirements } from '../jobs/policies.js';

/** Everything a worker process shares: one Redis connection, the queues, the ledger, the gateway. */
export interface Runtime {
  config: Config;
  redis: RedisClient;
  queues: Queues;
  ledger: Ledger;
  /** The parent account's gateway (TWILIO_ACCOUNT_SID). */
  gateway: TwilioGateway;
  /** Subaccounts' gateways (ACCOUNT_MODE=subaccount; customers started in a subaccount stay there in either mode). */
  accounts: AccountGateways;
  /** The gateway of the account a customer's resources live in: its recorded subaccount's, else the parent's. */
  gatewayFor(rec: Pick<CustomerRecord, 'sids'>): Promise<TwilioGateway>;
  settings: StageSettings;
  log: Logger;
  close(): Promise<void>;
}

function budgetKey(prefix: string, accountSid: string, name: string): string {
  return `${prefix}:budget:${accountSid}:${name}`;
}

/** The parent's budgets (shared through Redis by every process): with subaccounts, the account budget is the parent-wide ceiling. */
function parentBudgets(config: Config, redis: RedisClient, accountSid: string): GatewayBudgets {
  const key = (name: string) => budgetKey(config.QUEUE_PREFIX, accountSid, name);
  return {
    account: new Budget(redis, key('account'), config.TWILIO_MAX_RPS, 5_000, config.BUDGET_JITTER_MS),
    // Twilio does not say the ~1/s registration advice is per subaccount: it stays one budget for the whole parent.
    registration: new Budget(redis, key('registration'), config.REGISTRATION_RPS, 5_000, config.BUDGET_JITTER_MS),
    // Twilio counts OTP requests as they arrive, and 10 a second is tight: at least 100 ms of margin per second.
    otp: new Budget(redis, key('otp'), config.OTP_RPS, 5_000, Math.max(config.BUDGET_JITTER_MS, 100)),
  };
}

export function createGateway(config: Config, redis: RedisClient, onCall?: (info: CallInfo) => void): TwilioGateway {
  const twilio = requireTwilio(config);
  const client = createTwilioClient({ ...twilio, timeoutMs: config.TWILIO_TIMEOUT_MS, onCall });
  return new TwilioGateway(client, twilio.accountSid, parentBudgets(config, redis, twilio.accountSid));
}

/**
 * The subaccounts' gateways, read through `parent` (the plain parent gateway): each subaccount has its
 * own account budget (SUBACCOUNT_MAX_RPS) inside the parent's, and shares the parent's registration and OTP budgets.
 */
export function createAccountGateways(config: Config, redis: RedisClient, parent: TwilioGateway, opts: RuntimeOptions = {}): AccountGateways {
  const twilio = requireTwilio(config);
  return new AccountGateways({
    parent,
    parentBudgets: parentBudgets(config, redis, twilio.accountSid),
    accountBudget: (sid) => new Budget(redis, budgetKey(config.QUEUE_PREFIX, sid, 'account'), config.SUBACCOUNT_MAX_RPS, 5_000, config.BUDGET_JITTER_MS),
    client: (accountSid, authToken) => createTwilioClient({ accountSid, authToken, apiBase: twilio.apiBase, timeoutMs: config.TWILIO_TIMEOUT_MS, onCall: opts.onCall }),
    ttlMs: config.SUBACCOUNT_TOKEN_TTL_MS,
    maxEntries: config.SUBACCOUNT_TOKEN_CACHE_SIZE,
    wrap: opts.wrapGateway,
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

/** The webhook URL given to Twilio with every bundle, when the dashboard has a public address. */
export function statusCallbackUrl(config: Config): string | undefined {
  return config.PUBLIC_BASE_URL ? new URL(STATUS_WEBHOOK_PATH, config.PUBLIC_BASE_URL).toString() : undefined;
}

/** What the dashboard's status webhook needs; undefined without Twilio credentials (signatures cannot be checked). */
export function webhookOptions(config: Config, ledger: Ledger, log: Logger, accounts?: Pick<AccountGateways, 'authToken'>): WebhookOptions | undefined {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) return undefined;
  return {
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    // Callbacks and events of customers' subaccounts are checked with the subaccount's token, read from the parent.
    ...(accounts ? { subaccountToken: (sid: string) => accounts.authToken(sid) } : {}),
    publicUrl: statusCallbackUrl(config),
    eventsPublicUrl: eventsSinkUrl(config),
    ledger,
    log,
  };
}

/** The upload page's settings; with Twilio credentials, business rows' numbers are checked against the account as `ingest` does. */
export function uploadOptions(config: Config, log: Logger, redis: RedisClient): UploadPageOptions {
  const gateway = config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN ? createGateway(config, redis) : undefined;
  return {
    maxBytes: config.UPLOAD_MAX_BYTES,
    expiryMs: config.UPLOAD_EXPIRY_MS,
    templatesDir: config.UPLOAD_TEMPLATES_DIR,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    accountMode: config.ACCOUNT_MODE,
    // With subaccounts a customer's numbers are in its subaccount, not the parent: the worker checks them there.
    ownsPhoneNumber: gateway && config.ACCOUNT_MODE === 'single' ? async (n: string) => (await gateway.findIncomingPhoneNumber(n)) !== null : undefined,
    log,
  };
}

/** Where Twilio's Event Streams should deliver (the Sink's destination), when the dashboard has a public address. */
export function eventsSinkUrl(config: Config): string | undefined {
  return config.PUBLIC_BASE_URL ? new URL(EVENTS_WEBHOOK_PATH, config.PUBLIC_BASE_URL).toString() : undefined;
}

/** What the dashboard's webhook reads subaccount tokens with: the parent's gateway, its budgets. */
export function webhookAccounts(config: Config, redis: RedisClient): AccountGateways | undefined {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) return undefined;
  return createAccountGateways(config, redis, createGateway(config, redis));
}

/** How long a customer may sit in a watched state before a sweep looks at it: one sweep interval. */
export function watchDelay(config: Config): number {
  return Math.max(config.SWEEP_INTERVAL_MS, 1);
}

function stageSettings(config: Config, isvPrimaryProfileSid: string): StageSettings {
  return {
    isvPrimaryProfileSid,
    starterPolicySid: config.STARTER_PROFILE_POLICY_SID,
    soleProprietorPolicySid: config.SOLE_PROPRIETOR_POLICY_SID,
    businessPolicySid: config.SECONDARY_BUSINESS_POLICY_SID,
    shakenStirPolicySid: config.SHAKEN_STIR_POLICY_SID,
    a2pMessagingPolicySid: config.A2P_MESSAGING_POLICY_SID,
    authPlusExpiryMs: config.AUTH_PLUS_EXPIRY_MS,
    authPlusResends: config.AUTH_PLUS_RESENDS,
    buySenderNumbers: config.BUY_SENDER_NUMBERS,
    policyRefreshMs: config.POLICY_REFRESH_MS,
    validationWaitMs: config.VALIDATION_WAIT_MS,
    // Events say when a brand or campaign changed: the polls and sweeps only reconcile, so they may wait longer.
    statusPollMaxMs: config.EVENT_STREAMS ? config.EVENTS_STATUS_POLL_MAX_MS : config.STATUS_POLL_MAX_MS,
    otpResendMs: config.OTP_RESEND_MS,
    otpExpiryMs: config.OTP_EXPIRY_MS,
    brandReviewStuckMs: config.BRAND_REVIEW_STUCK_MS,
    brandRetryMs: config.BRAND_RETRY_MS,
    brandRetries: config.BRAND_RETRIES,
    sweepIntervalMs: Math.max(config.SWEEP_INTERVAL_MS, 1),
    sweepMaxIntervalMs: config.EVENT_STREAMS ? config.EVENTS_SWEEP_MAX_INTERVAL_MS : config.SWEEP_MAX_INTERVAL_MS,
    statusCallbackUrl: statusCallbackUrl(config),
    eventsSinkUrl: config.EVENT_STREAMS ? eventsSinkUrl(config) : undefined,
    mockBrands: config.TWILIO_MOCK_BRANDS,
    fees: feeSchedule(config),
  };
}

/**
 * A 429, a 5xx or a timeout while a worker starts is Twilio's hiccup, not a reason to exit:
 * try again with capped backoff for about a minute before giving up. Auth and config errors are final.
 */
async function retryTransient<T>(log: Logger, what: string, fn: () => Promise<T>, deadlineMs = 60_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TransientError || err instanceof RateLimitedError) || Date.now() > until) throw err;
      const wait = err instanceof RateLimitedError ? err.retryAfterMs : Math.min(5_000, 250 * 2 ** (attempt - 1));
      log.warn({ err: err.message, retryInMs: wait }, `${what}: Twilio did not answer properly; trying again`);
      await sleep(wait);
    }
  }
}

export interface RuntimeOptions {
  /** Sees every Twilio call (metrics). */
  onCall?: (info: CallInfo) => void;
  /** Wraps the gateway the stages use (fault injection in tests and reliability runs); start-up checks use the plain one. */
  wrapGateway?: (gateway: TwilioGateway) => TwilioGateway;
}

export async function createRuntime(config: Config, log: Logger, opts: RuntimeOptions = {}): Promise<Runtime> {
  const redis = connectRedis(config.REDIS_URL);
  try {
    const base = createGateway(config, redis, opts.onCall);
    const gateway = opts.wrapGateway ? opts.wrapGateway(base) : base;
    const accounts = createAccountGateways(config, redis, base, opts);
    const primary = await retryTransient(log, 'start-up checks', async () => {
      await base.checkCredentials();
      return resolvePrimaryProfile(config, base);
    });
    const settings = stageSettings(config, primary);
    // Every policy the stages use, fetched once at start, then again every POLICY_REFRESH_MS (and
    // before a check whose copy is older than that).
    const policies = policyCache(gateway, settings.policyRefreshMs);
    await retryTransient(log, 'policy fetch', () => policies.prime(usedPolicies(settings), log));
    await warnUnknownRequirements(policies, settings, log);
    const stopPolicyRefresh = policies.refreshEvery(usedPolicies(settings), log);
    const queues = createQueues(redis, config.QUEUE_PREFIX, config.JOB_ATTEMPTS);
    // A create's lease outlives the longest call: a budget wait (at most 5 s) plus the HTTP timeout.
    const ledger = new Ledger(redis, config.QUEUE_PREFIX, { watchDelayMs: watchDelay(config), createLeaseMs: config.TWILIO_TIMEOUT_MS + 10_000, lookupAfterRestartMs: config.LOOKUP_AFTER_RESTART_MS, notify: notifySettings(config) !== undefined });
    // On every (re)connect: did Redis restart, possibly losing its last second of writes?
    const noteRun = () =>
      ledger.restartWindow.noteRedisRun().then(
        (restarted) => {
          if (restarted) {
            log.warn({ lookupFirstMs: config.LOOKUP_AFTER_RESTART_MS }, REDIS_RESTARTED);
          }
        },
        (err: unknown) => log.warn({ err: String(err) }, 'could not check whether Redis restarted'),
      );
    await noteRun();
    redis.on('ready', () => void noteRun());
    return {
      config,
      redis,
      queues,
      ledger,
      gateway,
      accounts,
      // `this.gateway`, not the local: a test swaps the runtime's gateway (bad credentials) after it is built.
      gatewayFor(this: Runtime, rec) {
        return rec.sids.subaccount ? accounts.gatewayFor(rec.sids.subaccount) : Promise.resolve(this.gateway);
      },
      settings,
      log,
      async close() {
        stopPolicyRefresh();
        await closeQueues(queues);
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}
