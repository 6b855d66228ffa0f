import { z } from 'zod';

/**
 * The status fields of a customer's record: Twilio's statuses last seen, and the bookkeeping of
 * the stages (polls, generations submitted, the OTP clock, ...). Redis keeps each as a string in
 * the customer's hash (`status:<name>`); this table names every field with its type and how it is
 * stored, so readers get numbers and lists instead of parsing strings at each use. The stored
 * format is the one earlier versions wrote: existing records read unchanged.
 */

/** A decimal string; '' (a cleared field) or anything not a number reads as absent. */
const int = z.codec(z.string(), z.number(), {
  decode: (s) => (s.trim() === '' ? Number.NaN : Number(s)),
  encode: (n) => String(n),
});
/** A time as ms since the epoch, stored like an int. */
const epochMs = int;
/** Stored as written (Twilio's own words for statuses; '' when Twilio gave none). */
const text = z.string();
/** '1' when set. */
const flag = z.codec(z.string(), z.boolean(), { decode: (s) => s === '1', encode: (b) => (b ? '1' : '0') });
/** A comma-separated list; '' is the empty list. */
const list = z.codec(z.string(), z.array(z.string()), {
  decode: (s) => (s === '' ? [] : s.split(',')),
  encode: (a) => a.join(','),
});
/** JSON of a string map; '' is the empty map, unparsable JSON reads as absent. */
const stringMap = z.codec(z.string(), z.record(z.string(), z.string()), {
  decode: (s) => {
    try {
      return JSON.parse(s || '{}') as Record<string, string>;
    } catch {
      return null as unknown as Record<string, string>; // fails the output check: the field reads as absent
    }
  },
  encode: (m) => JSON.stringify(m),
});
/** `gen:SID`: which campaign `redrive --recreate-campaign` replaces, in which generation. */
const genAndSid = z.codec(z.string(), z.object({ gen: z.number().int(), sid: z.string().min(1) }), {
  decode: (s) => {
    const [gen = '', sid = ''] = s.split(':');
    return { gen: gen === '' ? Number.NaN : Number(gen), sid };
  },
  encode: (v) => `${v.gen}:${v.sid}`,
});

export const STATUS_FIELDS = {
  // ---- Twilio's statuses, as last seen (the dashboard and `status` show these) ----
  customerProfile: text,
  trustProduct: text,
  /** Business rows with a Standard brand: the A2P Messaging Trust Product. */
  a2pProduct: text,
  brand: text,
  brandIdentity: text,
  campaign: text,

  // ---- the bundles (Secondary Customer Profile / Sole Proprietor or SHAKEN/STIR Trust Product) ----
  /** When a status callback last reported on the bundle (ISO). */
  customerProfileCallbackAt: text,
  trustProductCallbackAt: text,
  a2pProductCallbackAt: text,
  /** The failure reason a status callback gave, kept for the re-check to report. */
  customerProfileFailureReason: text,
  trustProductFailureReason: text,
  a2pProductFailureReason: text,
  /** The customer's generation whose data the bundle was last submitted with (a rejected one is resubmitted once per generation). */
  customerProfileSubmittedGen: int,
  trustProductSubmittedGen: int,
  a2pProductSubmittedGen: int,
  /** Business flow: re-checks of the bundles under review. */
  bundleChecks: int,
  /** Business flow: PN SIDs of the customer's numbers, keyed by a hash of the number. */
  phoneNumberSids: stringMap,

  // ---- the brand ----
  /** A mock brand (TWILIO_MOCK_BRANDS): its fees are recorded, free. */
  brandMock: flag,
  brandSubmittedGen: int,
  brandPolls: int,
  /** When the brand was first seen IN_REVIEW (cleared once it leaves review). */
  brandReviewSeenAt: epochMs,
  /** The gate key of the last "stuck in review" alert, so it is raised once. */
  brandReviewStuck: text,
  /** Retries after Twilio's temporary error 30791: in which generation, how many, when the next is due. */
  brandRetryGen: int,
  brandRetries: int,
  brandRetryAt: epochMs,
  /** Standard brands: STANDARD, or LOW_VOLUME_STANDARD (STANDARD with SkipAutomaticSecVet), as registered. */
  brandType: text,
  /** Secondary vetting (Aegis) as last read from …/Vettings: PENDING, SUCCESS or FAILED; and the brand's score. */
  brandVetting: text,
  brandScore: int,

  // ---- Authentication+ (public for-profit companies: the brand contact confirms TCR's email) ----
  /** The last Auth+ vetting's status as read from …/Vettings: PENDING, SUCCESS or FAILED. */
  authPlus: text,
  /** The vetting SID of the email being waited on, and when it was sent (its 7 days count from here). */
  authPlusVetting: text,
  authPlusSentAt: epochMs,
  /** When a2p-onboard last asked for a fresh email: Twilio's verdicts older than this are about the previous one. */
  authPlusResentAt: epochMs,
  /** Re-sends (POST …/2fa) in which generation, and how many: counted before the call, so a crash never buys an extra one. */
  authPlusResendGen: int,
  authPlusResends: int,
  authPlusChecks: int,

  // ---- the OTP wait ----
  brandApprovedAt: epochMs,
  brandRegisteredAt: epochMs,
  otpSentAt: epochMs,
  otpCount: int,
  otpChecks: int,
  /** A redrive of an expired customer opens a fresh OTP window from here. */
  otpWindowFrom: epochMs,

  // ---- the campaign and the sender number ----
  messagingServiceSid: text,
  campaignChecks: int,
  campaignSubmittedGen: int,
  /** Corrected fields Twilio cannot update on an existing campaign (they need --recreate-campaign). */
  campaignNotUpdated: list,
  recreateCampaign: genAndSid,
  /** The number put on the Messaging Service, or 'missing' when there is none to use. */
  senderNumber: text,

  // ---- Event Streams ----
  /** An event arrived while the customer's own stage was still running: look again as soon as it waits (outcomes.ts). */
  eventPendingAt: epochMs,
} as const;

type Fields = typeof STATUS_FIELDS;
export type StatusField = keyof Fields;
/** The status fields of a record, parsed: a field never written, cleared or unreadable is absent. */
export type StatusFields = { [K in StatusField]?: z.output<Fields[K]> };
/** Fields to write; null clears one (stored as '', as earlier versions did). */
export type StatusPatch = { [K in StatusField]?: z.output<Fields[K]> | null };

/** Bundle-kind fields are named after the kind (`trustProductFailureReason`...). */
export type BundleKind = 'customerProfile' | 'trustProduct' | 'a2pProduct';
export function bundleField<K extends BundleKind, S extends 'CallbackAt' | 'FailureReason' | 'SubmittedGen'>(kind: K, suffix: S): `${K}${S}` {
  return `${kind}${suffix}`;
}

function isField(name: string): name is StatusField {
  return Object.hasOwn(STATUS_FIELDS, name);
}

/** Parse the stored strings field by field: one unreadable field does not hide the others. Unknown names are left out. */
export function parseStatus(raw: Readonly<Record<string, string>>): StatusFields {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!isField(name)) continue;
    const res = STATUS_FIELDS[name].safeDecode(value);
    if (res.success) out[name] = res.data;
  }
  return out;
}

/** The stored strings of a patch. A name not in the table is a programming error: it throws rather than write an undeclared field. */
export function encodeStatus(patch: StatusPatch): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(patch)) {
    if (!isField(name)) throw new Error(`status field ${name} is not declared in src/ledger/status-fields.ts`);
    if (value === undefined) continue;
    out[name] = value === null ? '' : (STATUS_FIELDS[name] as z.ZodType<unknown, string>).encode(value);
  }
  return out;
}
