import { z } from 'zod';

/**
 * The customer as the pipeline sees it: one validated, normalized CSV row.
 * This is the contract between ingest (which builds it) and the stage jobs
 * (which read it back from the ledger). Phone numbers are E.164, strings are trimmed.
 */

/**
 * Industries of a Secondary Business Profile, exactly as document 003 lists `business_industry`
 * (in its order).
 */
export const INDUSTRIES = [
  'AUTOMOTIVE', 'AGRICULTURE', 'BANKING', 'CONSUMER', 'EDUCATION', 'ENGINEERING', 'ENERGY', 'OIL_AND_GAS',
  'FAST_MOVING_CONSUMER_GOODS', 'FINANCIAL', 'FINTECH', 'FOOD_AND_BEVERAGE', 'GOVERNMENT', 'HEALTHCARE',
  'HOSPITALITY', 'INSURANCE', 'LEGAL', 'MANUFACTURING', 'MEDIA', 'ONLINE', 'RAW_MATERIALS', 'REAL_ESTATE',
  'RELIGION', 'RETAIL', 'JEWELRY', 'TECHNOLOGY', 'TELECOMMUNICATIONS', 'TRANSPORTATION', 'TRAVEL',
  'ELECTRONICS', 'NOT_FOR_PROFIT',
] as const;

/**
 * The optional `vertical` of a Sole Proprietor: document 002 says its values "are the same as the vertical
 * field in Primary Customer Profiles and Secondary Customer Profiles" (003's industry list), and 002's own
 * example end user sends `COMMUNICATION`, so that value is accepted too.
 */
export const VERTICALS = [...INDUSTRIES, 'COMMUNICATION'] as const;
export type Vertical = (typeof VERTICALS)[number];

/** The ISV's own id: it goes into every friendly name and job id, so keep it plain. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
export const MESSAGING_SERVICE_SID_PATTERN = /^MG[0-9a-fA-F]{32}$/;
/** A Twilio account (a subaccount the row names in `account_sid`). */
export const ACCOUNT_SID_PATTERN = /^AC[0-9a-fA-F]{32}$/;

/** The `account_sid` cell: its SID, or the reason it is refused. */
export function parseAccountSid(raw: string): { ok: true; sid: string } | { ok: false; reason: string } {
  if (ACCOUNT_SID_PATTERN.test(raw)) return { ok: true, sid: raw };
  return { ok: false, reason: `"${raw.length > 40 ? `${raw.slice(0, 40)}…` : raw}" is not an Account SID (AC followed by 32 hex digits); name an existing subaccount, or leave it empty to have one created` };
}
/** Twilio's keyword rule: alphanumeric values. */
export const KEYWORD_PATTERN = /^[A-Za-z0-9]+$/;

/** Twilio's limits count characters, not UTF-16 units: an emoji is one. */
const text = (min: number, max: number) =>
  z.string().refine((s) => {
    const n = [...s].length;
    return n >= min && n <= max;
  }, `must be ${min}-${max} characters`);

/** A privacy policy or terms page: Twilio asks for a valid, publicly accessible HTTPS URL (errors 30933, 30934). */
export const httpsUrlSchema = z.string().url().refine((u) => u.startsWith('https://'), 'must be an https:// URL');

export const campaignSchema = z.object({
  description: text(40, 4096),
  messageFlow: text(40, 2048),
  messageSamples: z.array(text(20, 1024)).min(2).max(5),
  hasEmbeddedLinks: z.boolean(),
  hasEmbeddedPhone: z.boolean(),
  optInKeywords: z.array(z.string().regex(KEYWORD_PATTERN)).optional(),
  optInMessage: text(20, 320).optional(),
  optOutKeywords: z.array(z.string().regex(KEYWORD_PATTERN)).optional(),
  optOutMessage: text(20, 320).optional(),
  helpKeywords: z.array(z.string().regex(KEYWORD_PATTERN)).optional(),
  helpMessage: text(20, 320).optional(),
  /**
   * Required at ingest on every row with a campaign (Twilio errors 30933, 30934: since 2026-06-30 a campaign
   * without them is refused; row.ts, business.ts). Optional here so that customers ingested before still read
   * back from the ledger: their campaign create gets Twilio's error, with what to do.
   */
  privacyPolicyUrl: httpsUrlSchema.optional(),
  termsAndConditionsUrl: httpsUrlSchema.optional(),
});
export type Campaign = z.infer<typeof campaignSchema>;

/** The postal address columns; both flows take the same ones (US or Canada). */
export const postalAddressShape = {
  street: z.string().min(1),
  streetSecondary: z.string().min(1).optional(),
  city: z.string().min(1),
  region: z.string().min(2),
  postalCode: z.string().min(3),
  isoCountry: z.enum(['US', 'CA']),
};
export type PostalAddress = z.infer<z.ZodObject<typeof postalAddressShape>>;

export const customerSchema = z.object({
  customerId: z.string().regex(CUSTOMER_ID_PATTERN),
  firstName: z.string().min(1),
  lastName: z.string().min(1),
  email: z.string().email(),
  phoneNumber: z.string().regex(E164_PATTERN),
  mobilePhoneNumber: z.string().regex(E164_PATTERN),
  brandName: z.string().min(1),
  vertical: z.enum(VERTICALS).optional(),
  ...postalAddressShape,
  messagingServiceSid: z.string().regex(MESSAGING_SERVICE_SID_PATTERN).optional(),
  /** The account's number to add to the Messaging Service (E.164); absent: bought (BUY_SENDER_NUMBERS) or awaited. */
  senderNumber: z.string().regex(E164_PATTERN).optional(),
  /** ACCOUNT_MODE=subaccount: the existing subaccount the customer is registered in (else one is created). */
  accountSid: z.string().regex(ACCOUNT_SID_PATTERN).optional(),
  campaign: campaignSchema,
});
export type Customer = z.infer<typeof customerSchema>;
