/**
 * The business flow's rows: a customer with a tax ID registers with a Secondary Customer Profile of
 * type Business (and, for voice, a SHAKEN/STIR Trust Product) instead of a Sole Proprietor brand.
 * Field rules are the documented ones (reference 003: business information enums, authorized
 * representatives, phone numbers as channel endpoints). With `brand_type` standard or low_volume_standard
 * the row also carries what a Standard brand and its campaign need (a2p.ts: the A2P Messaging profile's
 * fields, the use case, the privacy and terms URLs; campaign.ts: the same campaign columns and template as
 * a Sole Proprietor row). Reasons never contain a PII value.
 */
import { z } from 'zod';
import { normalizeEmail } from './email.js';
import { normalizePhone, maskPhone } from './phone.js';
import { normalizeCountry, normalizePostalCode, normalizeRegion, postalCodeRegionProblem, type Country } from './address.js';
import { parseBoolean } from './campaign-rules.js';
import { ACCOUNT_SID_PATTERN, CUSTOMER_ID_PATTERN, E164_PATTERN, INDUSTRIES, campaignSchema, httpsUrlSchema, parseAccountSid, postalAddressShape } from './customer.js';
import { buildCampaign, type RowProblem } from './campaign.js';
import { A2P_USECASES, BRAND_TYPES, COMPANY_TYPES, STOCK_EXCHANGES, validateBrandColumns } from './a2p.js';
import type { CampaignTemplate } from './template.js';

/** business_type: the documented values (003). */
export const BUSINESS_TYPES = ['Sole Proprietorship', 'Partnership', 'Limited Liability Corporation', 'Corporation', 'Co-operative', 'Non-profit'] as const;
export const BUSINESS_IDENTITIES = ['direct_customer', 'isv_reseller_or_partner', 'unknown'] as const;
/** business_industry: the documented list (003). */
export const BUSINESS_INDUSTRIES = INDUSTRIES;
/** business_registration_identifier for US businesses (003: "USA: DUNS Number", "USA: Employer Identification Number (EIN)"). */
export const REGISTRATION_IDENTIFIERS = ['EIN', 'DUNS'] as const;
export const REGIONS_OF_OPERATION = ['AFRICA', 'ASIA', 'EUROPE', 'LATIN_AMERICA', 'USA_AND_CANADA'] as const;
/** job_position of an authorized representative, as Twilio's Trust Hub offers it. */
export const JOB_POSITIONS = ['Director', 'GM', 'VP', 'CEO', 'CFO', 'General Counsel', 'Other'] as const;

const representativeSchema = z.object({
  firstName: z.string().min(1),
  lastName: z.string().min(1),
  email: z.string().email(),
  phoneNumber: z.string().regex(E164_PATTERN),
  businessTitle: z.string().min(1).max(100),
  jobPosition: z.enum(JOB_POSITIONS),
});
export type Representative = z.infer<typeof representativeSchema>;

/**
 * What a Standard (or Low-Volume Standard) brand needs beyond the Secondary Customer Profile: the
 * `us_a2p_messaging_profile_information` end user's attributes and the campaign.
 */
const oneOf = (list: readonly string[], what: string) => z.string().refine((v) => list.includes(v), `is not ${what}`);
const a2pSchema = z.object({
  companyType: z.enum(COMPANY_TYPES),
  /** Only for public companies, and then required. */
  stockExchange: oneOf(STOCK_EXCHANGES, 'a stock exchange').optional(),
  stockTicker: z.string().regex(/^[A-Z0-9.-]{1,10}$/).optional(),
  /** Required for public companies (Authentication+ emails it); never on a free mail domain. */
  brandContactEmail: z.string().email().optional(),
  usecase: oneOf(A2P_USECASES, 'a use case'),
  campaign: campaignSchema.extend({ privacyPolicyUrl: httpsUrlSchema, termsAndConditionsUrl: httpsUrlSchema }),
});
export type A2pProfile = z.infer<typeof a2pSchema>;

export const businessCustomerSchema = z.object({
  flow: z.literal('business'),
  customerId: z.string().regex(CUSTOMER_ID_PATTERN),
  email: z.string().email(),
  business: z.object({
    name: z.string().min(1),
    identity: z.enum(BUSINESS_IDENTITIES),
    type: z.enum(BUSINESS_TYPES),
    industry: z.enum(BUSINESS_INDUSTRIES),
    registrationIdentifier: z.enum(REGISTRATION_IDENTIFIERS),
    registrationNumber: z.string().regex(/^\d{9}$/),
    /** Comma-separated, as Twilio's attribute takes several. */
    regionsOfOperation: z.string().min(1),
    websiteUrl: z.string().url(),
    socialMediaProfileUrls: z.string().optional(),
  }),
  representatives: z.array(representativeSchema).min(1).max(2),
  ...postalAddressShape,
  /** E.164, unique, in CSV order. */
  phoneNumbers: z.array(z.string().regex(E164_PATTERN)),
  shakenStir: z.boolean(),
  /** Records stored before issue 14 have none: they read as `none` (no brand), what they were. */
  brandType: z.enum(BRAND_TYPES).default('none'),
  /** Present iff brandType is not none. */
  a2p: a2pSchema.optional(),
  /** E.164: a number of the account to put on the brand's Messaging Service (may also be one of phoneNumbers). */
  senderNumber: z.string().regex(E164_PATTERN).optional(),
  /** ACCOUNT_MODE=subaccount: the existing subaccount the customer is registered in (else one is created). */
  accountSid: z.string().regex(ACCOUNT_SID_PATTERN).optional(),
}).superRefine((c, ctx) => {
  if ((c.brandType === 'none') !== (c.a2p === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['a2p'], message: c.brandType === 'none' ? 'a business without a brand has no A2P profile' : `a ${c.brandType} brand needs its A2P profile` });
  }
  if (c.a2p) {
    const isPublic = c.a2p.companyType === 'public';
    for (const key of ['stockExchange', 'stockTicker', 'brandContactEmail'] as const) {
      if (isPublic && c.a2p[key] === undefined) ctx.addIssue({ code: 'custom', path: ['a2p', key], message: 'is required for a public company' });
    }
    for (const key of ['stockExchange', 'stockTicker'] as const) {
      if (!isPublic && c.a2p[key] !== undefined) ctx.addIssue({ code: 'custom', path: ['a2p', key], message: 'is only for a public company' });
    }
  }
});
export type BusinessCustomer = z.infer<typeof businessCustomerSchema>;

/** "LLC", "limited liability company", "nonprofit", "co-op" → the documented value. */
const TYPE_ALIASES: Record<string, (typeof BUSINESS_TYPES)[number]> = {
  'sole proprietorship': 'Sole Proprietorship', 'sole proprietor': 'Sole Proprietorship',
  partnership: 'Partnership',
  'limited liability corporation': 'Limited Liability Corporation', 'limited liability company': 'Limited Liability Corporation', llc: 'Limited Liability Corporation',
  corporation: 'Corporation', corp: 'Corporation', inc: 'Corporation',
  'co-operative': 'Co-operative', cooperative: 'Co-operative', 'co-op': 'Co-operative', coop: 'Co-operative',
  'non-profit': 'Non-profit', nonprofit: 'Non-profit', 'non profit': 'Non-profit',
};

function enumKey(raw: string): string {
  return raw.trim().toUpperCase().replace(/&/g, ' AND ').replace(/[\s\-/]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A website: http(s) with a dotted host; a bare domain gets https://. Null when not one. */
export function normalizeUrl(raw: string): string | null {
  const text = raw.trim();
  if (text === '' || /\s/.test(text)) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
  try {
    const u = new URL(withScheme);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(u.hostname) || u.username || u.password) return null;
    return u.toString();
  } catch {
    return null;
  }
}

/**
 * Validate the business columns of a row whose flow is `business`. `cell` gives trimmed values
 * ('' when empty or unusable), `add` records a problem. Returns the customer when there were none.
 */
export function validateBusinessRow(
  cell: (column: string) => string,
  add: (column: string, reason: string) => void,
  customerId: string | undefined,
  hadProblems: () => boolean,
  template?: CampaignTemplate,
): BusinessCustomer | null {
  const required = (column: string, what: string): string | undefined => {
    const v = cell(column);
    if (v === '') add(column, `is required in the business flow (${what})`);
    return v === '' ? undefined : v;
  };

  let email: string | undefined;
  if (cell('email') === '') add('email', 'is required (the business contact email of the profile)');
  else {
    const r = normalizeEmail(cell('email'));
    if (r.ok) email = r.email;
    else add('email', r.reason);
  }

  const name = required('business_name', "the business's legal name");

  let identity: (typeof BUSINESS_IDENTITIES)[number] = 'direct_customer';
  const rawIdentity = cell('business_identity');
  if (rawIdentity) {
    const k = enumKey(rawIdentity).toLowerCase();
    const hit = BUSINESS_IDENTITIES.find((v) => v === k);
    if (hit) identity = hit;
    else add('business_identity', `"${clip(rawIdentity)}" is not one of ${BUSINESS_IDENTITIES.join(', ')}`);
  }

  let type: (typeof BUSINESS_TYPES)[number] | undefined;
  const rawType = required('business_type', BUSINESS_TYPES.join(', '));
  if (rawType) {
    type = TYPE_ALIASES[rawType.toLowerCase().replace(/[.,]/g, '').replace(/\s+/g, ' ').trim()];
    if (!type) add('business_type', `"${clip(rawType)}" is not a business type; use one of ${BUSINESS_TYPES.join(', ')}`);
  }

  let industry: (typeof BUSINESS_INDUSTRIES)[number] | undefined;
  const rawIndustry = required('business_industry', 'e.g. RETAIL, TECHNOLOGY');
  if (rawIndustry) {
    const k = enumKey(rawIndustry);
    industry = BUSINESS_INDUSTRIES.find((v) => v === k);
    if (!industry) add('business_industry', `"${clip(rawIndustry)}" is not a business industry; use one of ${BUSINESS_INDUSTRIES.join(', ')}`);
  }

  let identifier: (typeof REGISTRATION_IDENTIFIERS)[number] = 'EIN';
  const rawIdentifier = cell('business_registration_identifier');
  if (rawIdentifier) {
    const k = enumKey(rawIdentifier);
    const hit = /\bDUNS\b|DUN_AND_BRADSTREET/.test(k) ? 'DUNS' : /\bEIN\b|EMPLOYER_IDENTIFICATION/.test(k) || k === 'EIN' ? 'EIN' : undefined;
    if (hit) identifier = hit;
    else add('business_registration_identifier', `"${clip(rawIdentifier)}" is not supported; use EIN or DUNS (US businesses)`);
  }

  let number: string | undefined;
  const numberColumn = cell('business_registration_number') ? 'business_registration_number' : 'tax_id';
  const rawNumber = cell(numberColumn);
  if (!rawNumber) add('business_registration_number', 'is required in the business flow (the EIN or DUNS number; or fill tax_id with the EIN)');
  else {
    const digits = rawNumber.replace(/[\s-]/g, '');
    if (!/^\d+$/.test(digits)) add(numberColumn, `must be a number (${identifier}: 9 digits, e.g. ${identifier === 'EIN' ? '12-3456789' : '123456789'})`);
    else if (digits.length !== 9) add(numberColumn, `has ${digits.length} digits; an ${identifier} has 9`);
    else number = digits;
  }

  let regions: string | undefined;
  const rawRegions = required('business_regions_of_operation', REGIONS_OF_OPERATION.join(', '));
  if (rawRegions) {
    const parts = rawRegions.split(/[;,]/).map((p) => p.trim()).filter(Boolean);
    const keys = parts.map((p) => enumKey(p).replace(/^USA?_AND_CANADA$|^US_AND_CANADA$/, 'USA_AND_CANADA'));
    const bad = parts.filter((_, i) => !(REGIONS_OF_OPERATION as readonly string[]).includes(keys[i]!));
    if (bad.length) add('business_regions_of_operation', `"${clip(bad[0]!)}" is not a region of operation; use ${REGIONS_OF_OPERATION.join(', ')} (several separated by ;)`);
    else regions = [...new Set(keys)].join(',');
  }

  let website: string | undefined;
  const rawWebsite = required('website_url', 'e.g. https://www.example.com');
  if (rawWebsite) {
    website = normalizeUrl(rawWebsite) ?? undefined;
    if (!website) add('website_url', `"${clip(rawWebsite)}" is not a website URL (e.g. https://www.example.com)`);
  }

  let social: string | undefined;
  const rawSocial = cell('social_media_profile_urls');
  if (rawSocial) {
    const urls = rawSocial.split(/[;\s]+/).filter(Boolean).map((u) => [u, normalizeUrl(u)] as const);
    const bad = urls.find(([, u]) => u === null);
    if (bad) add('social_media_profile_urls', `"${clip(bad[0])}" is not a URL; separate several URLs with ;`);
    else social = urls.map(([, u]) => u).join(',');
  }

  const representatives: Representative[] = [];
  for (const n of [1, 2] as const) {
    const p = `rep${n}_`;
    const columns = ['first_name', 'last_name', 'email', 'phone_number', 'business_title', 'job_position'].map((c) => p + c);
    if (n === 2 && columns.every((c) => cell(c) === '')) break;
    const what = n === 1 ? 'authorized representative #1' : 'authorized representative #2: give all six rep2_ columns, or none';
    const firstName = required(`${p}first_name`, what);
    const lastName = required(`${p}last_name`, what);
    let repEmail: string | undefined;
    const rawEmail = required(`${p}email`, what);
    if (rawEmail) {
      const r = normalizeEmail(rawEmail);
      if (r.ok) repEmail = r.email;
      else add(`${p}email`, r.reason);
    }
    let phone: string | undefined;
    const rawPhone = required(`${p}phone_number`, what);
    if (rawPhone) {
      const r = normalizePhone(rawPhone, { kind: 'any' });
      if (r.ok) phone = r.e164;
      else add(`${p}phone_number`, r.reason);
    }
    const title = required(`${p}business_title`, what);
    if (title && [...title].length > 100) add(`${p}business_title`, 'is longer than 100 characters');
    let position: (typeof JOB_POSITIONS)[number] | undefined;
    const rawPosition = required(`${p}job_position`, what);
    if (rawPosition) {
      const k = rawPosition.trim().toLowerCase().replace(/\s+/g, ' ');
      position = JOB_POSITIONS.find((v) => v.toLowerCase() === k || (v === 'GM' && k === 'general manager') || (v === 'VP' && k === 'vice president'));
      if (!position) add(`${p}job_position`, `"${clip(rawPosition)}" is not a job position; use one of ${JOB_POSITIONS.join(', ')}`);
    }
    if (firstName && lastName && repEmail && phone && title && position) {
      representatives.push({ firstName, lastName, email: repEmail, phoneNumber: phone, businessTitle: title, jobPosition: position });
    }
  }

  // Address: the same rules as the Sole Proprietor flow (US or Canada).
  const street = required('street', 'first line of the business address');
  const streetSecondary = cell('street_secondary') || undefined;
  const city = required('city', 'the city');
  let isoCountry: Country | undefined;
  const rawCountry = cell('iso_country');
  const country = normalizeCountry(rawCountry);
  if (country.ok) isoCountry = country.value;
  else add('iso_country', rawCountry === '' ? 'is required (US or CA)' : `"${clip(rawCountry)}" is not supported: a2p-onboard registers businesses with a US or Canadian address (use US or CA)`);
  let region: string | undefined;
  const r1 = normalizeRegion(cell('region'), isoCountry);
  if (r1.ok) region = r1.value;
  else add('region', r1.reason);
  let postalCode: string | undefined;
  const r2 = normalizePostalCode(cell('postal_code'), isoCountry);
  if (r2.ok) postalCode = r2.value;
  else add('postal_code', r2.reason);
  if (postalCode && region && isoCountry) {
    const problem = postalCodeRegionProblem(postalCode, region, isoCountry);
    if (problem) {
      add('postal_code', problem);
      postalCode = undefined;
    }
  }

  let shakenStir = false;
  const rawShaken = cell('shaken_stir');
  if (rawShaken) {
    const b = parseBoolean(rawShaken);
    if (b === undefined) add('shaken_stir', `"${clip(rawShaken)}" is not true or false (yes/no, y/n, 1/0)`);
    else shakenStir = b;
  }

  const phoneNumbers: string[] = [];
  const rawNumbers = cell('phone_numbers');
  if (rawNumbers) {
    rawNumbers.split(';').map((p) => p.trim()).filter(Boolean).forEach((p, i) => {
      const r = normalizePhone(p, { kind: 'any' });
      if (!r.ok) add('phone_numbers', `number ${i + 1} ${r.reason}`);
      else if (phoneNumbers.includes(r.e164)) add('phone_numbers', `number ${i + 1} (${maskPhone(r.e164)}) is listed twice`);
      else phoneNumbers.push(r.e164);
    });
  } else if (shakenStir) {
    add('phone_numbers', 'is required with shaken_stir: the SHAKEN/STIR Trust Product signs calls from these numbers');
  }

  // The brand: brand_type, then (for a Standard brand) its profile, use case, URLs and campaign.
  const brand = validateBrandColumns(cell, add, type);
  let a2p: A2pProfile | undefined;
  if (brand && brand.brandType !== 'none') {
    const campaignProblems: RowProblem[] = [];
    // The template's {{brand_name}} is the business's name; {{first_name}} {{last_name}} its first representative's.
    const campaign = buildCampaign(cell, template, { brand_name: name ?? '', first_name: cell('rep1_first_name'), last_name: cell('rep1_last_name') }, campaignProblems);
    for (const p of campaignProblems) add(p.column, p.reason);
    if (campaign && brand.profile) {
      const { privacyPolicyUrl, termsAndConditionsUrl, ...profile } = brand.profile;
      a2p = { ...profile, campaign: { ...campaign, privacyPolicyUrl, termsAndConditionsUrl } };
    }
  }

  // sender_number: as in the Sole Proprietor flow, a US/Canadian local (10DLC) number. validateBrandColumns
  // refuses it on a row without a brand. One of phone_numbers is fine: the numbers are added to the service once.
  let senderNumber: string | undefined;
  const rawSender = cell('sender_number');
  if (rawSender && brand && brand.brandType !== 'none') {
    const r = normalizePhone(rawSender, { kind: 'us-ca-mobile' });
    if (r.ok) senderNumber = r.e164;
    else {
      const any = normalizePhone(rawSender, { kind: 'any' });
      add('sender_number', any.ok ? 'must be a US or Canadian local (10DLC) number of this Twilio account; toll-free, premium and numbers outside the US and Canada cannot send A2P 10DLC texts' : any.reason);
    }
  }

  let accountSid: string | undefined;
  const rawAccount = cell('account_sid');
  if (rawAccount) {
    const r = parseAccountSid(rawAccount);
    if (r.ok) accountSid = r.sid;
    else add('account_sid', r.reason);
  }

  if (!brand || (brand.brandType !== 'none' && !a2p)) return null;
  if (hadProblems() || !customerId || !email || !name || !type || !industry || !number || !regions || !website || !street || !city || !region || !postalCode || !isoCountry || representatives.length === 0) {
    return null;
  }
  const parsed = businessCustomerSchema.safeParse({
    flow: 'business',
    customerId,
    email,
    business: {
      name, identity, type, industry, registrationIdentifier: identifier, registrationNumber: number, regionsOfOperation: regions, websiteUrl: website,
      ...(social ? { socialMediaProfileUrls: social } : {}),
    },
    representatives,
    street,
    ...(streetSecondary ? { streetSecondary } : {}),
    city,
    region,
    postalCode,
    isoCountry,
    phoneNumbers,
    shakenStir,
    brandType: brand.brandType,
    ...(a2p ? { a2p } : {}),
    ...(senderNumber ? { senderNumber } : {}),
    ...(accountSid ? { accountSid } : {}),
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) add(issue.path.join('.') || 'row', `failed the final schema check: ${issue.message}`);
    return null;
  }
  return parsed.data;
}

export type { RowProblem };
