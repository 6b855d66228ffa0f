import { z } from 'zod';
import { InputError } from './errors.js';

/**
 * Every setting, read from the environment in one place and validated with zod. Each one's description
 * lives in the schema: docs/configuration.md's table is generated from it (`npm run docs`), and
 * test/docs.test.ts fails on a setting without one.
 */

declare module 'zod' {
  interface GlobalMeta {
    /** What the docs show as the default when it is not the schema's literal default (e.g. found at start). */
    shownDefault?: string;
    /** A one-line summary for `--help`: only the settings that point the tool at a real account and keep it safe. */
    help?: string;
  }
}

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
const SECONDARY_BUSINESS_POLICY_SID = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
const SHAKEN_STIR_POLICY_SID = 'RN7a97559effdf62d00f4298208492a5ea';
/** A2P Messaging profile Trust Product (Standard / Low-Volume Standard brands; Twilio's Standard ISV guide). */
const A2P_MESSAGING_POLICY_SID = 'RNb0d4771c2c98518d916a3d4cd70a8f8b';

const configSchema = z.object({
  REDIS_URL: z.string().default('redis://127.0.0.1:6379')
    .describe('Redis 6.2+. Use `maxmemory-policy noeviction` and AOF persistence in production. For a Redis Cluster: `redis+cluster://host:port[,host:port...]` (or `rediss+cluster://`, with `user:password@` if needed).')
    .meta({ help: 'the Redis holding queues, ledger and budgets (persistence on, maxmemory-policy noeviction: `doctor` checks)' }),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9{}_:.-]+$/, 'letters, digits, {}, _, :, . and - only')
    .default('{a2p}')
    .describe('Key prefix for the queues, the ledger and the rate budgets. Keep the `{hash tag}` for Redis Cluster.'),
  TWILIO_ACCOUNT_SID: optionalString.pipe(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits').optional())
    .describe('The account that registers the customers (`AC…`).')
    .meta({ help: 'the Twilio account the customers send from' }),
  TWILIO_AUTH_TOKEN: optionalString
    .describe('Its auth token. Never logged.')
    .meta({ help: 'that account\'s auth token (never logged)' }),
  TWILIO_API_BASE: optionalString.pipe(z.string().url().optional())
    .describe('Send every request here instead (`https://{product}.twilio.com/x` → `{TWILIO_API_BASE}/{product}/x`); for the sandbox.')
    .meta({ help: 'empty for the real Twilio; the sandbox\'s URL for a local run', shownDefault: 'unset (Twilio)' }),
  TWILIO_TIMEOUT_MS: int(30_000, 1)
    .describe('HTTP timeout of one Twilio call.'),
  ISV_PRIMARY_PROFILE_SID: optionalString.pipe(z.string().regex(/^BU[0-9a-fA-F]{32}$/, 'must look like BU followed by 32 hex digits').optional())
    .describe('Your approved ISV primary customer profile (`BU…`). When unset, the worker uses the account\'s only `twilio-approved` primary profile and refuses to guess between several.')
    .meta({ help: 'the ISV\'s approved primary profile (BU...); empty: the worker finds it', shownDefault: 'found' }),
  STARTER_PROFILE_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(STARTER_PROFILE_POLICY_SID)
    .describe('Starter Customer Profile policy ("policies can and do change").'),
  SOLE_PROPRIETOR_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(SOLE_PROPRIETOR_POLICY_SID)
    .describe('Sole Proprietor A2P Trust Bundle policy.'),
  SECONDARY_BUSINESS_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(SECONDARY_BUSINESS_POLICY_SID)
    .describe('Secondary Customer Profile of type Business policy (business flow).'),
  SHAKEN_STIR_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(SHAKEN_STIR_POLICY_SID)
    .describe('SHAKEN/STIR Trust Product policy (business flow).'),
  A2P_MESSAGING_POLICY_SID: z.string().regex(/^RN[0-9a-fA-F]{32}$/).default(A2P_MESSAGING_POLICY_SID)
    .describe('A2P Messaging profile Trust Product policy (business rows with `brand_type` standard or low_volume_standard).'),
  POLICY_REFRESH_MS: int(3600_000, 0)
    .describe('The worker fetches each policy at start, then again on this schedule (and before a check whose copy is older than this), and logs a warning when one changed. Bundles are checked against the copy before every evaluation. `0` fetches before every check.'),
  PUBLIC_BASE_URL: optionalString.pipe(z.string().url().optional())
    .describe('The dashboard\'s public address. When set, profiles and bundles are created with `statusCallback` = `{PUBLIC_BASE_URL}/webhooks/twilio/status`, and the webhook checks signatures against exactly that URL.')
    .meta({ help: 'the dashboard\'s public HTTPS URL: turns on Twilio status callbacks' }),
  VALIDATION_WAIT_MS: int(30_000)
    .describe('Twilio\'s advised wait after profile submission, bundle submission and brand registration. It also sets the first status re-check interval.'),
  STATUS_POLL_MAX_MS: int(15 * 60_000, 1)
    .describe('The longest interval between two checks of a brand that is still PENDING. The interval grows from `VALIDATION_WAIT_MS` by 1.5× per check.'),
  OTP_RESEND_MS: int(24 * 3600_000, 1)
    .describe('Ask for a fresh OTP when the customer has not answered the last one for this long, at most one per this interval per brand. An OTP is valid for 24 h.'),
  OTP_EXPIRY_MS: int(30 * 24 * 3600_000, 1)
    .describe('A brand not verified this long after its registration (its `date_created`: 30 days, Twilio\'s limit, 002 §3.1) marks its customer `expired`, with what to do. Customers already waiting before this rule count from their approval; `redrive` of an expired customer opens a fresh window.'),
  /** Twilio asks ISVs to contact support about a brand IN_REVIEW for more than 2 days. */
  BRAND_REVIEW_STUCK_MS: int(2 * 24 * 3600_000, 1)
    .describe('A brand `IN_REVIEW` longer than this (2 days, counted from when it entered review as far as Twilio\'s `date_updated` and our first look tell) is still followed, but its customer\'s action becomes "contact Twilio Support" with the brand SID.')
    .meta({ help: 'a brand IN_REVIEW longer than this gets the action "contact Twilio support" (default 2 days)' }),
  /** Error 30791 (temporary brand error): resubmit after about 30 s, at most BRAND_RETRIES times per generation. */
  BRAND_RETRY_MS: int(30_000, 0)
    .describe('A brand `FAILED` with Twilio\'s temporary error 30791 is resubmitted after this long (Twilio says about 30 s), at most `BRAND_RETRIES` times.')
    .meta({ help: 'after the temporary brand error 30791, resubmit after this long (each resubmission is a brand fee)' }),
  BRAND_RETRIES: int(3, 0)
    .describe('How many times a brand `FAILED` with the temporary error 30791 is resubmitted per generation of the customer (each resubmission is charged); then the customer is `failed` with what to do.')
    .meta({ help: 'at most this many 30791 resubmissions per generation of a customer' }),
  AUTH_PLUS_EXPIRY_MS: int(7 * 24 * 3600_000, 1)
    .describe('Authentication+ (public for-profit companies): how long the brand contact has to confirm the email TCR sends to `brand_contact_email` (7 days). When a sent email is this old, or Twilio fails the brand for it (errors 21737, 21739, 21741), a2p-onboard re-sends it (`AUTH_PLUS_RESENDS`) or marks the customer `expired`, with what to do.')
    .meta({ help: 'Authentication+: how long the brand contact has to confirm the email (7 days)' }),
  AUTH_PLUS_RESENDS: int(1, 0)
    .describe('Authentication+ emails re-sent automatically per generation of a customer (`POST …/BrandRegistrations/{BN}/2fa`), each charged `FEE_AUTH_PLUS_USD`. `0`: never; the customer becomes `expired` and a `redrive` re-sends one.')
    .meta({ help: 'Authentication+ emails re-sent automatically (each a fee)' }),
  SWEEP_INTERVAL_MS: int(5 * 60_000)
    .describe('How often the scheduled sweep runs (a BullMQ job scheduler, one per deployment). It is also the first re-check delay of a waiting customer, which then doubles up to `SWEEP_MAX_INTERVAL_MS`. `0` turns the schedule off (run `a2p-onboard sweep` yourself).'),
  SWEEP_MAX_INTERVAL_MS: int(6 * 3600_000, 1)
    .describe('The longest wait between two re-checks of a customer waiting on Twilio (6 h: with 100,000 customers waiting, under 5 Twilio calls per second). OTP re-sends and the 30-day limit are checked on time regardless.'),
  EVENT_STREAMS: flag(false)
    .describe('`true`: this deployment receives Twilio\'s Event Streams at `{PUBLIC_BASE_URL}/webhooks/twilio/events` (set them up with `a2p-onboard events setup`). A brand or campaign event re-checks its customer within seconds, so the sweeps and brand polls only reconcile and back off to `EVENTS_SWEEP_MAX_INTERVAL_MS` and `EVENTS_STATUS_POLL_MAX_MS` instead. `doctor` checks that the sink and subscription exist and point here.')
    .meta({ help: 'Twilio Event Streams are set up (`events setup`): waits back off further and events re-check customers at once' }),
  EVENTS_SWEEP_MAX_INTERVAL_MS: int(24 * 3600_000, 1)
    .describe('With `EVENT_STREAMS` on: the longest wait between two re-checks of a waiting customer (instead of `SWEEP_MAX_INTERVAL_MS`). Events say when something changed; this sweep only catches an event Twilio gave up delivering (it retries for 4 hours).'),
  EVENTS_STATUS_POLL_MAX_MS: int(3600_000, 1)
    .describe('With `EVENT_STREAMS` on: the longest interval between two checks of a brand still `PENDING` or `IN_REVIEW` (instead of `STATUS_POLL_MAX_MS`).'),
  TWILIO_MAX_RPS: num(25, 0.01)
    .describe('Account-wide budget for all Twilio calls, shared through Redis by every worker process. With `ACCOUNT_MODE=subaccount` it is the parent-wide ceiling: the calls of every subaccount together stay under it.'),
  ACCOUNT_MODE: z.enum(['single', 'subaccount']).default('single')
    .describe('`single`: every customer is registered in the account of `TWILIO_ACCOUNT_SID`. `subaccount`: each customer gets its own Twilio subaccount (created once by the `subaccount` stage, FriendlyName `a2p-onboard {customer_id}`, or the one its `account_sid` column names) and all its profiles, bundles, brand, Messaging Service and campaign are created with that subaccount\'s credentials; the ISV primary profile stays in the parent. Changing it affects customers not yet started: a customer keeps the account it was started in.')
    .meta({ help: 'single (one account) or subaccount (one Twilio subaccount per customer)' }),
  SUBACCOUNT_MAX_RPS: num(10, 0.01)
    .describe('`ACCOUNT_MODE=subaccount`: the request budget of each subaccount, shared through Redis, inside the parent-wide `TWILIO_MAX_RPS`. Twilio\'s REST limits are per account, so one busy customer cannot take the whole parent budget; a customer makes a few calls per stage, so 10 per second never slows one down.'),
  SUBACCOUNT_TOKEN_TTL_MS: int(10 * 60_000, 1_000)
    .describe('`ACCOUNT_MODE=subaccount`: how long a subaccount\'s auth token, read from the parent (`GET /2010-04-01/Accounts/{AC}.json`), is kept in the worker\'s memory (never in Redis, logs or reports). A call refused for authentication fetches it again once, so a rotated token is picked up at once.'),
  SUBACCOUNT_TOKEN_CACHE_SIZE: int(1_000, 1)
    .describe('`ACCOUNT_MODE=subaccount`: at most this many subaccount tokens (and their Twilio clients) are kept per process; the least recently used go first. A worker only needs the customers it is working on.'),
  REGISTRATION_RPS: num(1, 0.01)
    .describe('Budget for brand and campaign registration together, as Twilio\'s ISV guide asks.'),
  OTP_RPS: int(10, 1)
    .describe('OTP requests per second: the `otp` queue\'s limiter, plus a spacing budget with at least 100 ms of margin per second (about 9 per second reach Twilio), since Twilio counts them as they arrive.'),
  BUDGET_JITTER_MS: int(50, 0)
    .describe('How unevenly calls may reach Twilio without breaking a budget: each budget spaces its calls `(1000 + this) / rate` ms apart. Costs this many thousandths of each budget.'),
  WORKER_CONCURRENCY: int(8, 1)
    .describe('Jobs processed at once per stage, per process.'),
  JOB_ATTEMPTS: int(8, 1)
    .describe('Attempts for transient failures before a customer is dead-lettered. 429s and budget waits do not count.'),
  BACKOFF_BASE_MS: int(2_000, 1)
    .describe('Exponential backoff with jitter between attempts: its base.'),
  BACKOFF_MAX_MS: int(5 * 60_000, 1)
    .describe('The cap of the exponential backoff between attempts.'),
  SHUTDOWN_TIMEOUT_MS: int(30_000, 0)
    .describe('How long SIGTERM waits for in-flight jobs. Jobs still running then are cut off (the process exits about a second later, status 0) and retried by another worker once their lock runs out.'),
  /** BullMQ job lock: a crashed worker's jobs are picked up again once it runs out (and the stalled check runs). */
  WORKER_LOCK_MS: int(30_000, 1_000)
    .describe('BullMQ job lock, renewed while a job runs. A killed worker\'s jobs go back to the queue when it runs out (checked as often).'),
  /** After a Redis restart, every create looks for an existing resource first for this long. */
  LOOKUP_AFTER_RESTART_MS: int(3_600_000, 0)
    .describe('After a Redis restart (noticed by its run id), every create looks for an existing resource first for this long: the restart may have lost the last second of writes, an intent and its SID included.'),
  DASHBOARD_HOST: z.string().default('127.0.0.1')
    .describe('Where the dashboard listens: its host (`dashboard --host` wins).'),
  DASHBOARD_PORT: int(3000, 0)
    .describe('Where the dashboard listens: its port (`dashboard --port` wins).'),
  DASHBOARD_USER: z.string().default('admin')
    .describe('User of the dashboard\'s basic auth.'),
  DASHBOARD_PASSWORD: optionalString
    .describe('Password of the dashboard\'s basic auth. Required unless the dashboard is bound to loopback. Never logged.'),
  UPLOAD_MAX_BYTES: int(20 * 1024 * 1024, 1)
    .describe('The dashboard\'s upload page (`/upload`): the largest file it accepts (the CSV, or an uploaded campaign template), in bytes. A bigger upload is answered 413 and nothing of it is kept.'),
  UPLOAD_EXPIRY_MS: int(3600_000, 1_000)
    .describe('How long an uploaded CSV waits, previewed, for its Confirm (kept in a temporary folder of the dashboard process; removed then, after Confirm, and when the dashboard stops).'),
  UPLOAD_TEMPLATES_DIR: optionalString
    .describe('A folder of campaign templates (`*.json`, as for `ingest --template`) the upload page offers by name, so staff need not upload one. Unset: the page takes an uploaded template file, or none when the CSV has the campaign columns.'),
  METRICS_PORT: optionalString.pipe(z.string().regex(/^\d+$/, 'must be a port number').transform(Number).pipe(z.number().int().max(65535)).optional())
    .describe('The worker serves Prometheus metrics on this port (`--metrics-port` wins). Unset: no metrics server in the worker.'),
  METRICS_HOST: z.string().default('127.0.0.1')
    .describe('Where the worker\'s metrics server listens; `0.0.0.0` in a container that Prometheus scrapes from outside.'),
  METRICS_TOKEN: optionalString
    .describe('When set, the worker\'s `/metrics` requires `Authorization: Bearer <token>`, and the dashboard\'s `/metrics` accepts it instead of basic auth. Never logged.'),
  DASHBOARD_AUTH_FAILURE_DELAY_MS: int(1_000, 0)
    .describe('Each wrong basic-auth attempt from a client address is answered this much later per wrong attempt from it in the last 15 minutes (at most 10 times as much); after 50 the address gets 429 until the 15 minutes pass. A correct password is never delayed.'),
  DASHBOARD_TRUST_PROXY: int(0, 0)
    .describe('How many reverse proxies stand in front of the dashboard (Express\'s `trust proxy` hop count). 0: the client address is the connection\'s. Behind a proxy set it, or every client shares the proxy\'s address for the slowed wrong passwords above.'),
  API_MAX_CSV_BYTES: int(5 * 1024 * 1024, 1)
    .describe('Largest CSV body `POST /api/v1/batches` takes, in bytes; a larger one gets 413. (JSON bodies are limited to 64 KiB.)'),
  API_RATE_LIMIT_PER_MINUTE: int(300, 1)
    .describe('Requests per minute per API key on /api/v1 (counted in Redis, across dashboard processes); more get 429 with Retry-After.'),
  API_CAMPAIGN_TEMPLATE: optionalString
    .describe('Campaign template JSON (as `ingest --template`) for customers sent to /api/v1: campaign fields a request leaves out come from it. Unset: every request carries the campaign fields.'),
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
    .describe('A Sole Proprietor customer without `sender_number` gets one local, SMS-capable number bought for it (it costs a monthly fee): in the area code of its `phone_number`, else in its state or province (`InRegion`), else anywhere in its country. Bought once, with FriendlyName `a2p-onboard {customer_id} Sender Number`, so a lost answer is found again and never bought twice. Off: such a customer stays `completed` at `sender-number`, not `live`, with what to do. The demo turns it on.')
    .meta({ help: 'buy one local number for a Sole Proprietor customer without sender_number (area code of its phone, else its state, else its country)' }),
  /** Register every brand with Mock=true: no fees, for a rehearsal on a real account (mock brands never send). */
  TWILIO_MOCK_BRANDS: flag(false)
    .describe('`true`: every brand is registered with `Mock=true` (Twilio charges no fee; a mock brand and its campaign never send). To rehearse a batch on the real account. Their submissions are recorded as mock, at USD 0.')
    .meta({ help: 'register every brand with Mock=true (no fees): rehearse a batch on a real account' }),
  // Twilio's fees (beyond-the-seeds.md, amounts unconfirmed): what the ledger records per submission.
  FEE_BRAND_USD: usdCents('4.50')
    .describe('Fee recorded per brand submission and resubmission. Amounts are Twilio\'s published prices as we found them, **unconfirmed**: set your contract\'s. Stored in cents.')
    .meta({ help: 'fee recorded per brand submission or resubmission (USD; unconfirmed default 4.50)' }),
  FEE_CAMPAIGN_VETTING_USD: usdCents('15')
    .describe('Fee recorded per campaign vetting: creation, each resubmission of a failed campaign, each recreation.')
    .meta({ help: 'fee recorded per campaign vetting: create, resubmission, recreation (USD; unconfirmed default 15)' }),
  FEE_AUTH_PLUS_USD: usdCents('12.50')
    .describe('Fee per Authentication+ attempt (public companies).')
    .meta({ help: 'fee recorded per Authentication+ attempt (USD; unconfirmed default 12.50)' }),
  FEE_SECONDARY_VETTING_USD: usdCents('40')
    .describe('Fee per secondary vetting.')
    .meta({ help: 'fee recorded per secondary vetting (USD; unconfirmed default 40)' }),
  NOTIFY_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
    .describe('Where every change of a customer\'s state is POSTed as a signed JSON notification (`in_progress` first seen, `awaiting_otp`, `awaiting_email`, `completed`, `live`, `failed`, `expired`; see docs/operations.md, "Notifications"). Needs `NOTIFY_SECRET`. Every process (worker, ingest, redrive) must have the same two settings.')
    .meta({ help: 'POST signed notifications of every customer state change here (with NOTIFY_SECRET)' }),
  NOTIFY_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional())
    .describe('The key of the HMAC-SHA256 in each notification\'s `A2P-Signature` header; share it with the receiver only. At least 16 characters. Never logged.'),
  NOTIFY_TIMEOUT_MS: int(10_000, 100)
    .describe('How long one notification POST may take before it counts as failed and is retried.'),
  NOTIFY_RETRY_WINDOW_MS: int(24 * 3600_000, 0)
    .describe('How long a notification the receiver does not accept (non-2xx, timeout, no connection) keeps being retried, with capped exponential backoff (at least this long; with the random half of each wait, about 1.5 times as long on average), before it is dead-lettered (kept failed in the `notify` queue and listed on the dashboard\'s Notifications page).'),
  NOTIFY_BACKOFF_BASE_MS: int(10_000, 1)
    .describe('First wait before retrying a notification; doubles each retry up to `NOTIFY_BACKOFF_MAX_MS` (half fixed, half random).'),
  NOTIFY_BACKOFF_MAX_MS: int(3600_000, 1)
    .describe('Longest wait between two tries of a notification.'),
  NOTIFY_CONCURRENCY: int(10, 1)
    .describe('Notification POSTs in flight at once per worker process.'),
  NOTIFY_CLAIM_IDLE_MS: int(60_000, 100)
    .describe('A state change read from the outbox by a worker that then died is taken over by another worker after this long.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('pino level: `fatal` … `trace`, or `silent`.'),
}).superRefine((c, ctx) => {
  if (!!c.NOTIFY_URL !== !!c.NOTIFY_SECRET) {
    ctx.addIssue({ code: 'custom', path: [c.NOTIFY_URL ? 'NOTIFY_SECRET' : 'NOTIFY_URL'], message: 'NOTIFY_URL and NOTIFY_SECRET go together: set both to send notifications, or neither' });
  }
  // On a Redis Cluster every key of a flow must hash to one slot: BullMQ's scripts and the ledger's need it.
  if (/^rediss?\+cluster:\/\//i.test(c.REDIS_URL) && !hasHashTag(c.QUEUE_PREFIX)) {
    ctx.addIssue({ code: 'custom', path: ['QUEUE_PREFIX'], message: 'must contain a {hash tag} (for example {a2p}) when REDIS_URL is a redis+cluster:// URL' });
  }
});

/** A Redis Cluster hash tag: the first `{` followed by at least one character before the next `}`. */
function hasHashTag(prefix: string): boolean {
  const i = prefix.indexOf('{');
  const j = i < 0 ? -1 : prefix.indexOf('}', i + 1);
  return j > i + 1;
}

export type Config = z.infer<typeof configSchema>;

/** Where and how to send notifications, or undefined when they are off. */
export function notifySettings(c: Config): { url: string; secret: string } | undefined {
  return c.NOTIFY_URL && c.NOTIFY_SECRET ? { url: c.NOTIFY_URL, secret: c.NOTIFY_SECRET } : undefined;
}

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

export interface SettingDoc {
  name: string;
  /** The schema's default as an operator would write it (`4.50`, not 450 cents); undefined: none. */
  defaultValue: string | undefined;
  /** Shown instead of the default where the literal would mislead (`found`, `unset (Twilio)`). */
  shownDefault: string | undefined;
  description: string | undefined;
  help: string | undefined;
}

/** Every setting with what the docs and `--help` say of it, in the schema's order. */
export function settingDocs(): SettingDoc[] {
  return Object.entries(configSchema.shape).map(([name, schema]) => {
    const meta = schema.meta();
    return { name, defaultValue: defaultOf(schema), shownDefault: meta?.shownDefault, description: schema.description, help: meta?.help };
  });
}

/** The input-side default: found through the wrappers (optional, pipes) down to a `.default()`. */
function defaultOf(schema: z.core.$ZodType): string | undefined {
  if (schema instanceof z.core.$ZodDefault) return String(schema._zod.def.defaultValue);
  if (schema instanceof z.core.$ZodPipe) return defaultOf(schema._zod.def.in);
  if (schema instanceof z.core.$ZodOptional) return defaultOf(schema._zod.def.innerType);
  return undefined;
}

/** The settings `--help` lists, with their one-line summaries; docs/configuration.md has every one. */
export function describedSettings(): { name: string; description: string }[] {
  return settingDocs().flatMap((s) => (s.help ? [{ name: s.name, description: s.help }] : []));
}
