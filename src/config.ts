import { z } from 'zod';
import { InputError } from './errors.js';

/**
 * Every setting, read from the environment in one place and validated with zod.
 * The README's configuration table mirrors SETTINGS below; keep them together.
 */

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const num = (def: number, min = 0) => z.coerce.number().min(min).default(def);
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
/** `true`/`false` (also 1/0, yes/no): a plain z.coerce.boolean would read "false" as true. */
const flag = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** A US dollar amount such as 4.50, kept as whole cents so sums never drift. */
const usdCents = (def: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,2})?$/, 'must be an amount in US dollars such as 4.50')
    .default(def)
    .transform((v) => Math.round(Number(v) * 100));

export const STARTER_PROFILE_POLICY_SID = 'RN806dd6cd175f314e1f96a9727ee271f4';
export const SOLE_PROPRIETOR_POLICY_SID = 'RN670d5d2e282a6130ae063b234b6019c8';
export const PRIMARY_PROFILE_POLICY_SID = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
/** Secondary Customer Profile of type Business (reference 003): the same policy as the ISV's primary profile. */
export const SECONDARY_BUSINESS_POLICY_SID = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
export const SHAKEN_STIR_POLICY_SID = 'RN7a97559effdf62d00f4298208492a5ea';

export const configSchema = z.object({
  REDIS_URL: z.string().default('redis://127.0.0.1:6379').describe('the Redis holding queues, ledger and budgets (persistence on, maxmemory-policy noeviction: `doctor` checks)'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9{}_:.-]+$/, 'letters, digits, {}, _, :, . and - only')
    .default('{a2p}'),
  TWILIO_ACCOUNT_SID: optionalString.pipe(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional()).describe('the Twilio account the customers send from'),
  TWILIO_AUTH_TOKEN: optionalString.describe("that account's auth token (never logged)"),
  TWILIO_API_BASE: optionalString.pipe(z.string().url().optional()).describe("empty for the real Twilio; the sandbox's URL for a local run"),
  TWILIO_TIMEOUT_MS: int(30_000, 1),
  ISV_PRIMARY_PROFILE_SID: optionalString.pipe(z.string().regex(/^BU[0-9a-fA-F]{32}$/, 'must look like BU followed by 32 hex digits').optional()).describe('the ISV\'s approved primary profile (BU...); empty: the worker finds it'),
  STARTER_PROFILE_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(STARTER_PROFILE_POLICY_SID),
  SOLE_PROPRIETOR_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(SOLE_PROPRIETOR_POLICY_SID),
  SECONDARY_BUSINESS_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(SECONDARY_BUSINESS_POLICY_SID),
  SHAKEN_STIR_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(SHAKEN_STIR_POLICY_SID),
  POLICY_REFRESH_MS: int(3600_000, 0),
  PUBLIC_BASE_URL: optionalString.pipe(z.string().url().optional()).describe('the dashboard\'s public HTTPS URL: turns on Twilio status callbacks'),
  VALIDATION_WAIT_MS: int(30_000),
  STATUS_POLL_MAX_MS: int(15 * 60_000, 1),
  OTP_RESEND_MS: int(24 * 3600_000, 1),
  OTP_EXPIRY_MS: int(30 * 24 * 3600_000, 1),
  /** Twilio asks ISVs to contact support about a brand IN_REVIEW for more than 2 days. */
  BRAND_REVIEW_STUCK_MS: int(2 * 24 * 3600_000, 1).describe('a brand IN_REVIEW longer than this gets the action "contact Twilio support" (default 2 days)'),
  /** Error 30791 (temporary brand error): resubmit after about 30 s, at most BRAND_RETRIES times per generation. */
  BRAND_RETRY_MS: int(30_000, 0).describe('after the temporary brand error 30791, resubmit after this long (each resubmission is a brand fee)'),
  BRAND_RETRIES: int(3, 0).describe('at most this many 30791 resubmissions per generation of a customer'),
  SWEEP_INTERVAL_MS: int(5 * 60_000),
  SWEEP_MAX_INTERVAL_MS: int(6 * 3600_000, 1),
  TWILIO_MAX_RPS: num(25, 0.01),
  REGISTRATION_RPS: num(1, 0.01),
  OTP_RPS: int(10, 1),
  BUDGET_JITTER_MS: int(50, 0),
  WORKER_CONCURRENCY: int(8, 1),
  JOB_ATTEMPTS: int(8, 1),
  BACKOFF_BASE_MS: int(2_000, 1),
  BACKOFF_MAX_MS: int(5 * 60_000, 1),
  SHUTDOWN_TIMEOUT_MS: int(30_000, 0),
  /** BullMQ job lock: a crashed worker's jobs are picked up again once it runs out (and the stalled check runs). */
  WORKER_LOCK_MS: int(30_000, 1_000),
  /** After a Redis restart, every create looks for an existing resource first for this long. */
  LOOKUP_AFTER_RESTART_MS: int(3_600_000, 0),
  DASHBOARD_HOST: z.string().default('127.0.0.1'),
  DASHBOARD_PORT: int(3000, 0),
  DASHBOARD_USER: z.string().default('admin'),
  DASHBOARD_PASSWORD: optionalString,
  METRICS_PORT: optionalString.pipe(z.string().regex(/^\d+$/, 'must be a port number').transform(Number).pipe(z.number().int().max(65535)).optional()),
  METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_TOKEN: optionalString,
  /**
   * A Sole Proprietor customer without `sender_number` gets one local, SMS-capable number bought for
   * it (area code of its phone, else its state, else its country). Off: such a customer waits, with what to do.
   */
  BUY_SENDER_NUMBERS: z
    .string()
    .trim()
    .regex(/^(true|false|1|0|yes|no|)$/i, 'must be true or false')
    .transform((v) => /^(true|1|yes)$/i.test(v))
    .default(false)
    .describe('buy one local number for a Sole Proprietor customer without sender_number (area code of its phone, else its state, else its country)'),
  /** Register every brand with Mock=true: no fees, for a rehearsal on a real account (mock brands never send). */
  TWILIO_MOCK_BRANDS: flag(false).describe('register every brand with Mock=true (no fees): rehearse a batch on a real account'),
  // Twilio's fees (beyond-the-seeds.md, amounts unconfirmed): what the ledger records per submission.
  FEE_BRAND_USD: usdCents('4.50').describe('fee recorded per brand submission or resubmission (USD; unconfirmed default 4.50)'),
  FEE_CAMPAIGN_VETTING_USD: usdCents('15').describe('fee recorded per campaign vetting: create, resubmission, recreation (USD; unconfirmed default 15)'),
  FEE_AUTH_PLUS_USD: usdCents('12.50').describe('fee recorded per Authentication+ attempt (USD; unconfirmed default 12.50)'),
  FEE_SECONDARY_VETTING_USD: usdCents('40').describe('fee recorded per secondary vetting (USD; unconfirmed default 40)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine((c, ctx) => {
  // On a Redis Cluster every key of a flow must hash to one slot: BullMQ's scripts and the ledger's need it.
  if (/^rediss?\+cluster:\/\//i.test(c.REDIS_URL) && !hasHashTag(c.QUEUE_PREFIX)) {
    ctx.addIssue({ code: 'custom', path: ['QUEUE_PREFIX'], message: 'must contain a {hash tag} (for example {a2p}) when REDIS_URL is a redis+cluster:// URL' });
  }
});

/** A Redis Cluster hash tag: the first `{` followed by at least one character before the next `}`. */
export function hasHashTag(prefix: string): boolean {
  const i = prefix.indexOf('{');
  const j = i < 0 ? -1 : prefix.indexOf('}', i + 1);
  return j > i + 1;
}

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends InputError {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, string>> = {}): Config {
  const source: Record<string, string | undefined> = {};
  for (const key of Object.keys(configSchema.shape)) source[key] = env[key];
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) source[k] = v;
  const parsed = configSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The Twilio credentials a command that calls Twilio cannot run without. */
export function requireTwilio(config: Config): { accountSid: string; authToken: string; apiBase: string | undefined } {
  if (!config.TWILIO_ACCOUNT_SID || !config.TWILIO_AUTH_TOKEN) {
    throw new ConfigError(
      'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set (use the sandbox\'s values with TWILIO_API_BASE for local runs; see .env.example).',
    );
  }
  return { accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN, apiBase: config.TWILIO_API_BASE };
}

/**
 * The settings whose schema carries a description, for `--help`: the ones an operator sets to point
 * the tool at a real account and keep it safe there. The README's Configuration table has every one.
 */
export function describedSettings(): { name: string; description: string }[] {
  return Object.entries(configSchema.shape).flatMap(([name, schema]) => (schema.description ? [{ name, description: schema.description }] : []));
}
