import { z } from 'zod';

export const FAULT_KINDS = ['500', '503', '429', '429-retry-after', 'timeout', 'reset-after-create'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SandboxOptions {
  /** 0 = pick a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host: string;
  accountSid: string;
  authToken: string;
  /** Time from submission (in-review) to the review outcome of a bundle. */
  reviewDelayMs: number;
  /** Time from brand creation (PENDING) to APPROVED or FAILED; for STANDARD brands also the secondary vetting's time. */
  brandDelayMs: number;
  /** How long a STANDARD brand a marker or a scripted outcome sends to IN_REVIEW stays there before its identity is verified. */
  brandReviewDelayMs: number;
  /** Time from the Authentication+ email to the brand contact's confirmation; -1 = never confirmed. */
  authPlusConfirmDelayMs: number;
  /** How long an Authentication+ email stays valid (Twilio: 7 days); unconfirmed by then, the brand FAILS with 21737. */
  authPlusExpiryMs: number;
  /** Time from an OTP being sent to the customer's YES reply; -1 = customers never reply. */
  otpReplyDelayMs: number;
  /** Time from campaign creation (IN_PROGRESS) to VERIFIED. */
  campaignDelayMs: number;
  /** Account-wide API request budget per sliding second; 0 = unlimited. */
  maxRps: number;
  /** SmsOtp create limit per sliding second per account (Twilio documents 10). */
  otpRps: number;
  /** How many subaccounts the main account may have; the next create gets 21480 (Twilio: 1000 unless support raises it). */
  maxSubaccounts: number;
  /** Added to every API response. */
  latencyMs: number;
  /** Probability (0..1) that an API request gets one of faultKinds. */
  faultRate: number;
  faultKinds: FaultKind[];
  /** When set, 429 answers carry a Retry-After header with this many seconds. */
  retryAfterSeconds?: number;
  /** Keep each request's form body and each answer's body in the request log (contract tests). Off: the log stays small. */
  recordBodies: boolean;
  /** Folder with Twilio's OpenAPI files; unset = the installed `@twilio-alpha/mcp` package. */
  openapiDir?: string;
  /** The numbers the account owns (IncomingPhoneNumbers), E.164. */
  phoneNumbers: string[];
  /**
   * What GET /v1/Policies/{Starter} answers: `documented` (what §1.7 evaluates) or `sample-1.1`, the
   * sample response printed in 002 §1.1 (business information and authorized representatives).
   * Evaluations judge as §1.7 either way.
   */
  starterPolicyShape: StarterPolicyShape;
}

export const STARTER_POLICY_SHAPES = ['documented', 'sample-1.1'] as const;
export type StarterPolicyShape = (typeof STARTER_POLICY_SHAPES)[number];

/** The numbers examples/businesses.csv uses: the sandbox account owns them unless SANDBOX_PHONE_NUMBERS says otherwise. */
export const DEFAULT_PHONE_NUMBERS: readonly string[] = [
  '+14155550170', '+14155550171', '+12125550172', '+13125550173', '+15125550174', '+16175550175',
  // The Standard-brand rows (biz-2008..2012): their phone_numbers, and biz-2008's sender_number.
  '+14155550176', '+14155550181', '+13125550178', '+15125550179', '+12125550177', '+16175550180',
];

export const SANDBOX_DEFAULTS: SandboxOptions = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  accountSid: 'ACa2b000000000000000000000000000af',
  authToken: 'sandbox-auth-token',
  reviewDelayMs: 800,
  brandDelayMs: 1000,
  brandReviewDelayMs: 3000,
  authPlusConfirmDelayMs: 2000,
  authPlusExpiryMs: 7 * 24 * 60 * 60 * 1000,
  otpReplyDelayMs: 1000,
  campaignDelayMs: 1500,
  maxRps: 100,
  otpRps: 10,
  maxSubaccounts: 1000,
  latencyMs: 0,
  faultRate: 0,
  faultKinds: [...FAULT_KINDS],
  recordBodies: false,
  phoneNumbers: [...DEFAULT_PHONE_NUMBERS],
  starterPolicyShape: 'documented',
});

const faultKindSchema = z.enum(FAULT_KINDS);

const sandboxOptionsSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'accountSid must match ^AC[0-9a-fA-F]{32}$'),
  authToken: z.string().min(1),
  reviewDelayMs: z.number().int().min(0),
  brandDelayMs: z.number().int().min(0),
  brandReviewDelayMs: z.number().int().min(0),
  authPlusConfirmDelayMs: z.number().int().min(-1),
  // setTimeout's ceiling: a longer expiry would fire at once.
  authPlusExpiryMs: z.number().int().min(0).max(2_147_483_647),
  otpReplyDelayMs: z.number().int().min(-1),
  campaignDelayMs: z.number().int().min(0),
  maxRps: z.number().int().min(0),
  otpRps: z.number().int().min(0),
  maxSubaccounts: z.number().int().min(0),
  latencyMs: z.number().int().min(0),
  faultRate: z.number().min(0).max(1),
  faultKinds: z.array(faultKindSchema),
  retryAfterSeconds: z.number().int().min(0).optional(),
  recordBodies: z.boolean(),
  openapiDir: z.string().min(1).optional(),
  phoneNumbers: z.array(z.string().regex(/^\+[1-9]\d{6,14}$/, 'phone numbers must be E.164 (+14155550100)')),
  starterPolicyShape: z.enum(STARTER_POLICY_SHAPES),
});

/** Merges a partial over the defaults and validates the result (throws a ZodError when invalid). */
export function resolveSandboxOptions(opts: Partial<SandboxOptions> = {}): SandboxOptions {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const merged: unknown = { ...SANDBOX_DEFAULTS, faultKinds: [...SANDBOX_DEFAULTS.faultKinds], phoneNumbers: [...SANDBOX_DEFAULTS.phoneNumbers], ...defined };
  const parsed = sandboxOptionsSchema.parse(merged);
  const out: SandboxOptions = { ...parsed, faultKinds: [...parsed.faultKinds], phoneNumbers: [...parsed.phoneNumbers] };
  if (parsed.retryAfterSeconds === undefined) delete out.retryAfterSeconds;
  return out;
}

const intFromEnv = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `${name} must be an integer`)
    .transform((s) => Number.parseInt(s, 10));

/** The SANDBOX_* settings, each described: sandboxSettings() lists them for the docs. */
const envSchema = z.object({
  SANDBOX_PORT: intFromEnv('SANDBOX_PORT').optional().describe('Port to listen on; `0` picks a free one (`a2p-onboard sandbox --port N` overrides it).'),
  SANDBOX_HOST: z.string().trim().min(1).optional().describe('Address to listen on. The admin endpoints under `/_sandbox/` answer loopback callers only.'),
  SANDBOX_ACCOUNT_SID: z.string().trim().optional().describe('The SID of the main account (HTTP Basic user); its subaccounts (created through `POST /2010-04-01/Accounts.json`) have their own. Other credentials get 401, code 20003.'),
  SANDBOX_AUTH_TOKEN: z.string().optional().describe('The auth token of the main account (HTTP Basic password); it also signs the status callbacks of the main account (those of a subaccount are signed with its own token).'),
  SANDBOX_REVIEW_DELAY_MS: intFromEnv('SANDBOX_REVIEW_DELAY_MS').optional().describe('When a submitted profile or bundle is reviewed (and rejected if it breaks a rule).'),
  SANDBOX_BRAND_DELAY_MS: intFromEnv('SANDBOX_BRAND_DELAY_MS').optional().describe('Brand PENDING → APPROVED (or FAILED); for a STANDARD brand, PENDING → identity VERIFIED, and again for its secondary vetting (→ VETTED_VERIFIED).'),
  SANDBOX_BRAND_REVIEW_DELAY_MS: intFromEnv('SANDBOX_BRAND_REVIEW_DELAY_MS').optional().describe('How long a STANDARD brand sent to manual review (a `manualreview` legal name, or a scripted `IN_REVIEW` outcome) stays `IN_REVIEW` before its identity is verified.'),
  SANDBOX_AUTH_PLUS_CONFIRM_DELAY_MS: intFromEnv('SANDBOX_AUTH_PLUS_CONFIRM_DELAY_MS').optional().describe('When the brand contact of a public company confirms the Authentication+ email (the sandbox\'s model); `-1` means never. A `brand_contact_email` whose local part contains `noconfirm` never confirms.'),
  SANDBOX_AUTH_PLUS_EXPIRY_MS: intFromEnv('SANDBOX_AUTH_PLUS_EXPIRY_MS').optional().describe('How long the Authentication+ email stays valid (Twilio: 7 days); unconfirmed by then, the AUTHPLUS vetting and the brand FAIL with error 21737.'),
  SANDBOX_OTP_REPLY_DELAY_MS: intFromEnv('SANDBOX_OTP_REPLY_DELAY_MS').optional().describe('When the simulated customer replies YES to the OTP; `-1` means never.'),
  SANDBOX_CAMPAIGN_DELAY_MS: intFromEnv('SANDBOX_CAMPAIGN_DELAY_MS').optional().describe('Campaign IN_PROGRESS → VERIFIED.'),
  SANDBOX_MAX_RPS: intFromEnv('SANDBOX_MAX_RPS').optional().describe('Request budget per sliding second of each account (the main account and each subaccount apart); over it, 429 with code 20429. `0` means unlimited.'),
  SANDBOX_OTP_RPS: intFromEnv('SANDBOX_OTP_RPS').optional().describe('SmsOtp creates per sliding second (Twilio documents 10).'),
  SANDBOX_MAX_SUBACCOUNTS: intFromEnv('SANDBOX_MAX_SUBACCOUNTS').optional().describe('How many subaccounts the main account may create; the next one gets 400, code 21480 (Twilio allows 1000 unless support raises it).'),
  SANDBOX_LATENCY_MS: intFromEnv('SANDBOX_LATENCY_MS').optional().describe('Added to every API answer.'),
  SANDBOX_FAULT_RATE: z
    .string()
    .trim()
    .regex(/^\d*\.?\d+$/, 'SANDBOX_FAULT_RATE must be a number between 0 and 1')
    .transform(Number)
    .optional()
    .describe('Share of API requests (0..1) that fail with one of `SANDBOX_FAULT_KINDS`.'),
  SANDBOX_FAULT_KINDS: z
    .string()
    .transform((s) => s.split(',').map((k) => k.trim()).filter((k) => k.length > 0))
    .pipe(z.array(faultKindSchema))
    .optional()
    .describe('How injected faults fail, comma-separated: `500`, `503`, `429`, `429-retry-after`, `timeout`, `reset-after-create` (the create happens, then the connection drops).'),
  SANDBOX_RETRY_AFTER_SECONDS: intFromEnv('SANDBOX_RETRY_AFTER_SECONDS').optional().describe("`Retry-After` header on the sandbox's 429s; unset, none."),
  SANDBOX_RECORD_BODIES: z
    .string()
    .trim()
    .regex(/^(true|false|1|0)$/i, 'SANDBOX_RECORD_BODIES must be true or false')
    .transform((s) => /^(true|1)$/i.test(s))
    .optional()
    .describe("Keep each request's form body and each answer's JSON in the request log (`/_sandbox/requests`); off, the log keeps method, path, query, status and operation only."),
  SANDBOX_OPENAPI_DIR: z.string().trim().min(1).optional().describe("Folder holding Twilio's `twilio_trusthub_v1.json`, `twilio_messaging_v1.json` and `twilio_api_v2010.json`; the sandbox refuses to start without them."),
  SANDBOX_PHONE_NUMBERS: z
    .string()
    .transform((s) => s.split(',').map((n) => n.trim()).filter((n) => n.length > 0))
    .optional()
    .describe('The numbers the main account owns (its IncomingPhoneNumbers), E.164, comma-separated; a subaccount starts with none and buys its own.'),
  SANDBOX_STARTER_POLICY_SHAPE: z.enum(STARTER_POLICY_SHAPES).optional().describe("What fetching the Starter policy answers: `documented` (what §1.7 evaluates) or `sample-1.1` (002 §1.1's sample response). Evaluations judge as §1.7 either way."),
});

/** Reads SANDBOX_* variables (empty values count as unset); missing ones take SANDBOX_DEFAULTS. Throws on invalid values. */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv): SandboxOptions {
  const present = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('SANDBOX_') && v !== undefined && v.trim() !== ''),
  );
  const e = envSchema.parse(present);
  return resolveSandboxOptions({
    port: e.SANDBOX_PORT,
    host: e.SANDBOX_HOST,
    accountSid: e.SANDBOX_ACCOUNT_SID,
    authToken: e.SANDBOX_AUTH_TOKEN,
    reviewDelayMs: e.SANDBOX_REVIEW_DELAY_MS,
    brandDelayMs: e.SANDBOX_BRAND_DELAY_MS,
    brandReviewDelayMs: e.SANDBOX_BRAND_REVIEW_DELAY_MS,
    authPlusConfirmDelayMs: e.SANDBOX_AUTH_PLUS_CONFIRM_DELAY_MS,
    authPlusExpiryMs: e.SANDBOX_AUTH_PLUS_EXPIRY_MS,
    otpReplyDelayMs: e.SANDBOX_OTP_REPLY_DELAY_MS,
    campaignDelayMs: e.SANDBOX_CAMPAIGN_DELAY_MS,
    maxRps: e.SANDBOX_MAX_RPS,
    otpRps: e.SANDBOX_OTP_RPS,
    maxSubaccounts: e.SANDBOX_MAX_SUBACCOUNTS,
    latencyMs: e.SANDBOX_LATENCY_MS,
    faultRate: e.SANDBOX_FAULT_RATE,
    faultKinds: e.SANDBOX_FAULT_KINDS,
    retryAfterSeconds: e.SANDBOX_RETRY_AFTER_SECONDS,
    recordBodies: e.SANDBOX_RECORD_BODIES,
    openapiDir: e.SANDBOX_OPENAPI_DIR,
    phoneNumbers: e.SANDBOX_PHONE_NUMBERS,
    starterPolicyShape: e.SANDBOX_STARTER_POLICY_SHAPE,
  });
}

type SettingName = keyof typeof envSchema.shape;

/** Which option each setting sets (for its default); SANDBOX_FAULT_KINDS lists FAULT_KINDS. */
const SETTING_OPTION: Record<SettingName, keyof SandboxOptions> = {
  SANDBOX_PORT: 'port',
  SANDBOX_HOST: 'host',
  SANDBOX_ACCOUNT_SID: 'accountSid',
  SANDBOX_AUTH_TOKEN: 'authToken',
  SANDBOX_REVIEW_DELAY_MS: 'reviewDelayMs',
  SANDBOX_BRAND_DELAY_MS: 'brandDelayMs',
  SANDBOX_BRAND_REVIEW_DELAY_MS: 'brandReviewDelayMs',
  SANDBOX_AUTH_PLUS_CONFIRM_DELAY_MS: 'authPlusConfirmDelayMs',
  SANDBOX_AUTH_PLUS_EXPIRY_MS: 'authPlusExpiryMs',
  SANDBOX_OTP_REPLY_DELAY_MS: 'otpReplyDelayMs',
  SANDBOX_CAMPAIGN_DELAY_MS: 'campaignDelayMs',
  SANDBOX_MAX_RPS: 'maxRps',
  SANDBOX_OTP_RPS: 'otpRps',
  SANDBOX_MAX_SUBACCOUNTS: 'maxSubaccounts',
  SANDBOX_LATENCY_MS: 'latencyMs',
  SANDBOX_FAULT_RATE: 'faultRate',
  SANDBOX_FAULT_KINDS: 'faultKinds',
  SANDBOX_RETRY_AFTER_SECONDS: 'retryAfterSeconds',
  SANDBOX_RECORD_BODIES: 'recordBodies',
  SANDBOX_OPENAPI_DIR: 'openapiDir',
  SANDBOX_PHONE_NUMBERS: 'phoneNumbers',
  SANDBOX_STARTER_POLICY_SHAPE: 'starterPolicyShape',
};

/** Defaults that are not a value of SANDBOX_DEFAULTS. */
const DEFAULT_TEXT: Partial<Record<SettingName, string>> = {
  SANDBOX_OPENAPI_DIR: 'the installed `@twilio-alpha/mcp` (a dependency of this package)',
};

export interface SandboxSetting {
  name: string;
  /** As a person writes it in the environment; `unset` when nothing is the default. */
  default: string;
  description: string;
}

/** Every SANDBOX_* setting with its default and description, in the schema's order (the README's settings table). */
export function sandboxSettings(): SandboxSetting[] {
  return (Object.keys(envSchema.shape) as SettingName[]).map((name) => {
    const value = SANDBOX_DEFAULTS[SETTING_OPTION[name]];
    const shown = DEFAULT_TEXT[name] ?? (value === undefined ? 'unset' : Array.isArray(value) ? value.join(',') : String(value));
    return { name, default: shown, description: envSchema.shape[name].description ?? '' };
  });
}
