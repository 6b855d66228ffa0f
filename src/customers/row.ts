/**
 * One CSV record → a validated, normalized Customer, or every problem of the row.
 *
 * Each problem names the column and the rule in words an operator can act on. Reasons never
 * contain the value of a PII column (names, email, phones, street, city, postal code, brand
 * name); they may quote non-PII values (customer_id, vertical, iso_country, region, booleans,
 * keywords, messaging_service_sid).
 */
import {
  CUSTOMER_ID_PATTERN,
  MESSAGING_SERVICE_SID_PATTERN,
  parseAccountSid,
  VERTICALS,
  customerSchema,
  type Customer,
  type Vertical,
} from './customer.js';
import { COLUMNS, isCampaignColumn } from './columns.js';
import { normalizePhone } from './phone.js';
import { normalizeEmail } from './email.js';
import { normalizeCountry, normalizePostalCode, normalizeRegion, postalCodeRegionProblem, type Country } from './address.js';
import { brandNameProblem } from './brand-name.js';
import { buildCampaign, campaignUrl, type RowProblem } from './campaign.js';
import type { CampaignTemplate } from './template.js';
import { validateBusinessRow, type BusinessCustomer } from './business.js';
import { FLOWS, type Flow } from './columns.js';

export type { RowProblem } from './campaign.js';

export type RowResult =
  | { ok: true; row: number; customer: Customer }
  | { ok: false; row: number; customerId: string | null; problems: RowProblem[] };

/** Reason for a non-empty tax_id in the Sole Proprietor flow: the customer belongs in the business flow. */
export const TAX_ID_REASON =
  'customer has a tax ID: not eligible for Sole Proprietor registration; set the flow column to "business" to register it with a Secondary Business Profile (business_* and rep1_* columns), as Twilio asks for a Standard registration of businesses with an EIN';

/** Columns whose value is a single line of text (a line break there is a mistake). */
const SINGLE_LINE = new Set(
  COLUMNS.filter((c) => !isCampaignColumn(c.name) || c.name.endsWith('_keywords') || c.name.startsWith('has_')).map(
    (c) => c.name,
  ),
);
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Name and address cells where a line break is cosmetic (a spreadsheet's Alt+Enter): it is folded
 * to one line, whitespace collapsed, instead of refusing the row. Other columns keep their rules.
 */
export const FOLDED_COLUMNS: ReadonlySet<string> = new Set([
  'first_name', 'last_name', 'brand_name', 'street', 'street_secondary', 'city',
  'business_name', 'rep1_first_name', 'rep1_last_name', 'rep2_first_name', 'rep2_last_name',
]);

/** The record with the line breaks of FOLDED_COLUMNS folded (the same object when there is none). */
export function foldLineBreaks(record: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let out: Record<string, string> | undefined;
  for (const column of FOLDED_COLUMNS) {
    const value = record[column];
    if (value === undefined || !/[\r\n]/.test(value)) continue;
    out ??= { ...record };
    out[column] = value.replace(/\s+/g, ' ').trim();
  }
  return out ?? record;
}

/** A row of either flow: a Sole Proprietor customer or a business customer. */
export type AnyRowResult =
  | { ok: true; row: number; customer: Customer | BusinessCustomer }
  | { ok: false; row: number; customerId: string | null; problems: RowProblem[] };

/** The row's flow, from the `flow` column (empty = sole-proprietor); null when the value is not a flow. */
export function flowOf(record: Readonly<Record<string, string>>): Flow | null {
  const raw = (record['flow'] ?? '').trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (raw === '') return 'sole-proprietor';
  if (raw === 'sp' || raw === 'sole-prop') return 'sole-proprietor';
  return (FLOWS as readonly string[]).includes(raw) ? (raw as Flow) : null;
}

/** Validate a row of either flow: `flow` picks the rules. Sole Proprietor rows are validated exactly as by validateRow. */
export function validateAnyRow(raw: Readonly<Record<string, string>>, rowNumber: number, template?: CampaignTemplate): AnyRowResult {
  const flow = flowOf(raw);
  if (flow === 'sole-proprietor') return validateRow(raw, rowNumber, template);
  const record = foldLineBreaks(raw);
  const problems: RowProblem[] = [];
  const add = (column: string, reason: string) => problems.push({ column, reason });
  const rawId = (record['customer_id'] ?? '').trim();
  const customerId = CUSTOMER_ID_PATTERN.test(rawId) ? rawId : undefined;
  if (rawId === '') add('customer_id', 'is required');
  else if (!customerId) add('customer_id', `"${rawId.length > 70 ? `${rawId.slice(0, 70)}…` : rawId}" is not a valid id: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if (flow === null) {
    const v = (record['flow'] ?? '').trim();
    add('flow', `"${v.length > 40 ? `${v.slice(0, 40)}…` : v}" is not a flow; use sole-proprietor (or leave it empty) or business`);
    return { ok: false, row: rowNumber, customerId: customerId ?? null, problems };
  }
  // Encoding and control characters, as for Sole Proprietor rows: such a cell gets only that problem.
  const bad = new Set<string>();
  for (const spec of COLUMNS) {
    const value = record[spec.name];
    if (value === undefined || value.trim() === '') continue;
    if (value.includes('\uFFFD')) add(spec.name, 'contains characters that are not valid UTF-8; save the file as "CSV UTF-8" and re-import it');
    // Campaign texts (a Standard brand's description, message flow, samples) may hold line breaks, as on Sole Proprietor rows.
    else if (CONTROL.test(value) || (SINGLE_LINE.has(spec.name) && /[\r\n]/.test(value.trim()))) add(spec.name, 'contains control characters or a line break; keep it on one line');
    else continue;
    bad.add(spec.name);
  }
  const cell = (column: string): string => (bad.has(column) ? '' : (record[column] ?? '').trim());
  const customer = validateBusinessRow(cell, (column, reason) => { if (!bad.has(column)) add(column, reason); }, customerId, () => problems.length > 0, template);
  if (!customer) {
    if (problems.length === 0) add('(row)', 'the business row is incomplete');
    return { ok: false, row: rowNumber, customerId: customerId ?? null, problems };
  }
  return { ok: true, row: rowNumber, customer };
}

export function validateRow(
  raw: Readonly<Record<string, string>>,
  rowNumber: number,
  template?: CampaignTemplate,
): RowResult {
  const record = foldLineBreaks(raw);
  const problems: RowProblem[] = [];
  const add = (column: string, reason: string) => problems.push({ column, reason });
  const badText = new Set<string>();

  // Encoding and control characters first: a cell with them gets only that problem.
  for (const spec of COLUMNS) {
    const value = record[spec.name];
    if (value === undefined || value.trim() === '') continue;
    if (value.includes('\uFFFD')) {
      add(spec.name, 'contains characters that are not valid UTF-8; save the file as "CSV UTF-8" and re-import it');
      badText.add(spec.name);
    } else if (CONTROL.test(value)) {
      add(spec.name, 'contains control characters; retype the value');
      badText.add(spec.name);
    } else if (SINGLE_LINE.has(spec.name) && /[\r\n]/.test(value.trim())) {
      add(spec.name, 'contains a line break; keep it on one line');
      badText.add(spec.name);
    }
  }
  const cell = (column: string): string => (badText.has(column) ? '' : (record[column] ?? '').trim());
  const check = (column: string): string | undefined => (badText.has(column) ? undefined : cell(column));
  const requireText = (column: string, what: string): string | undefined => {
    const v = check(column);
    if (v === undefined) return undefined;
    if (v === '') add(column, `is required (${what})`);
    return v === '' ? undefined : v;
  };

  // customer_id
  const rawId = cell('customer_id');
  let customerId: string | undefined;
  if (check('customer_id') !== undefined) {
    if (rawId === '') add('customer_id', 'is required');
    else if (!CUSTOMER_ID_PATTERN.test(rawId)) {
      add(
        'customer_id',
        `"${rawId.length > 70 ? `${rawId.slice(0, 70)}…` : rawId}" is not a valid id: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    } else customerId = rawId;
  }

  const firstName = requireText('first_name', "the customer's first name");
  const lastName = requireText('last_name', "the customer's last name");

  let email: string | undefined;
  if (check('email') !== undefined) {
    const r = normalizeEmail(cell('email'));
    if (r.ok) email = r.email;
    else add('email', r.reason);
  }

  let phoneNumber: string | undefined;
  if (check('phone_number') !== undefined) {
    const r = normalizePhone(cell('phone_number'), { kind: 'any' });
    if (r.ok) phoneNumber = r.e164;
    else add('phone_number', r.reason);
  }
  let mobilePhoneNumber: string | undefined;
  if (check('mobile_phone_number') !== undefined) {
    const r = normalizePhone(cell('mobile_phone_number'), { kind: 'us-ca-mobile' });
    if (r.ok) mobilePhoneNumber = r.e164;
    else add('mobile_phone_number', r.reason);
  }

  let brandName: string | undefined;
  if (check('brand_name') !== undefined) {
    const reason = brandNameProblem(cell('brand_name'), rawId);
    if (reason) problems.push({ column: 'brand_name', reason, rule: 'company-brand-name' });
    else brandName = cell('brand_name');
  }

  let vertical: Vertical | undefined;
  const rawVertical = check('vertical');
  if (rawVertical) {
    vertical = normalizeVertical(rawVertical);
    if (!vertical) {
      add('vertical', `"${rawVertical.length > 40 ? `${rawVertical.slice(0, 40)}…` : rawVertical}" is not a Sole Proprietor vertical; use one of ${VERTICALS.join(', ')} (or leave it empty)`);
    }
  }

  const street = requireText('street', 'first line of the street address');
  const streetSecondary = check('street_secondary') || undefined;
  const city = requireText('city', 'the city');

  let isoCountry: Country | undefined;
  let countryChecked = false;
  if (check('iso_country') !== undefined) {
    const r = normalizeCountry(cell('iso_country'));
    countryChecked = true;
    if (r.ok) isoCountry = r.value;
    else add('iso_country', r.reason);
  }
  // With an invalid country, region and postal code are still checked against both countries.
  const countryForAddress = countryChecked ? isoCountry : undefined;
  let region: string | undefined;
  if (check('region') !== undefined) {
    const r = normalizeRegion(cell('region'), countryForAddress);
    if (r.ok) region = r.value;
    else add('region', r.reason);
  }
  let postalCode: string | undefined;
  if (check('postal_code') !== undefined) {
    const r = normalizePostalCode(cell('postal_code'), countryForAddress);
    if (r.ok) postalCode = r.value;
    else add('postal_code', r.reason);
  }
  if (postalCode && region && isoCountry) {
    const problem = postalCodeRegionProblem(postalCode, region, isoCountry);
    if (problem) {
      add('postal_code', problem);
      postalCode = undefined;
    }
  }

  if ((record['tax_id'] ?? '').trim() !== '') add('tax_id', TAX_ID_REASON);

  let messagingServiceSid: string | undefined;
  const rawSid = check('messaging_service_sid');
  if (rawSid) {
    if (MESSAGING_SERVICE_SID_PATTERN.test(rawSid)) messagingServiceSid = rawSid;
    else {
      add(
        'messaging_service_sid',
        `"${rawSid.length > 40 ? `${rawSid.slice(0, 40)}…` : rawSid}" is not a Messaging Service SID (MG followed by 32 hex digits); leave it empty to create a Messaging Service`,
      );
    }
  }

  // A 10DLC sender: a US/Canadian number that is not toll-free. The mobile normaliser's rules are exactly
  // that; its wording talks of a mobile, so a number it refuses for that reason gets a sender's wording.
  let senderNumber: string | undefined;
  const rawSender = check('sender_number');
  if (rawSender) {
    const r = normalizePhone(rawSender, { kind: 'us-ca-mobile' });
    if (r.ok) {
      if (r.e164 === mobilePhoneNumber) add('sender_number', "is the customer's own mobile_phone_number; give the Twilio number the customer will text from (TCR refuses a CPaaS number as the mobile, and the mobile as a sender)");
      else senderNumber = r.e164;
    } else {
      const any = normalizePhone(rawSender, { kind: 'any' });
      add('sender_number', any.ok ? 'must be a US or Canadian local (10DLC) number of this Twilio account; toll-free, premium and numbers outside the US and Canada cannot send A2P 10DLC texts' : any.reason);
    }
  }

  let accountSid: string | undefined;
  const rawAccount = check('account_sid');
  if (rawAccount) {
    const r = parseAccountSid(rawAccount);
    if (r.ok) accountSid = r.sid;
    else add('account_sid', r.reason);
  }

  const campaign = buildCampaign(
    cell,
    template,
    { brand_name: cell('brand_name'), first_name: cell('first_name'), last_name: cell('last_name') },
    problems,
  );
  // Required on every campaign since 2026-06-30 (Twilio errors 30933, 30934): from the row, or the template with {{customer_id}}.
  for (const [column, key] of [['privacy_policy_url', 'privacyPolicyUrl'], ['terms_and_conditions_url', 'termsAndConditionsUrl']] as const) {
    const url = campaignUrl(column, check(column), template, customerId, problems);
    if (url !== undefined && campaign) campaign[key] = url;
  }

  const idForReport = customerId ?? null;
  if (problems.length > 0) return { ok: false, row: rowNumber, customerId: idForReport, problems };

  // Last guard: the shared contract. With the checks above it passes; if it does not, the row
  // is refused rather than sent to Twilio.
  const parsed = customerSchema.safeParse({
    customerId,
    firstName,
    lastName,
    email,
    phoneNumber,
    mobilePhoneNumber,
    brandName,
    ...(vertical ? { vertical } : {}),
    street,
    ...(streetSecondary ? { streetSecondary } : {}),
    city,
    region,
    postalCode,
    isoCountry,
    ...(messagingServiceSid ? { messagingServiceSid } : {}),
    ...(senderNumber ? { senderNumber } : {}),
    ...(accountSid ? { accountSid } : {}),
    campaign,
  });
  if (!parsed.success) {
    return {
      ok: false,
      row: rowNumber,
      customerId: idForReport,
      problems: parsed.error.issues.map((issue) => ({
        column: columnOfPath(issue.path),
        reason: `failed the final schema check: ${issue.message}`,
      })),
    };
  }
  return { ok: true, row: rowNumber, customer: parsed.data };
}

const VERTICAL_SET: ReadonlySet<string> = new Set(VERTICALS);
/** "food and beverage", "Food & Beverage", "real-estate" → the enum value; undefined if none. */
export function normalizeVertical(raw: string): Vertical | undefined {
  const v = raw
    .trim()
    .toUpperCase()
    .replace(/&/g, ' AND ')
    .replace(/[\s\-/]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return VERTICAL_SET.has(v) ? (v as Vertical) : undefined;
}

const FIELD_TO_COLUMN: Record<string, string> = {
  customerId: 'customer_id', firstName: 'first_name', lastName: 'last_name', email: 'email',
  phoneNumber: 'phone_number', mobilePhoneNumber: 'mobile_phone_number', brandName: 'brand_name',
  vertical: 'vertical', street: 'street', streetSecondary: 'street_secondary', city: 'city', region: 'region',
  postalCode: 'postal_code', isoCountry: 'iso_country', messagingServiceSid: 'messaging_service_sid', senderNumber: 'sender_number', accountSid: 'account_sid',
  description: 'campaign_description', messageFlow: 'message_flow', hasEmbeddedLinks: 'has_embedded_links',
  hasEmbeddedPhone: 'has_embedded_phone', optInKeywords: 'opt_in_keywords', optInMessage: 'opt_in_message',
  optOutKeywords: 'opt_out_keywords', optOutMessage: 'opt_out_message', helpKeywords: 'help_keywords',
  helpMessage: 'help_message', privacyPolicyUrl: 'privacy_policy_url', termsAndConditionsUrl: 'terms_and_conditions_url',
};

function columnOfPath(path: readonly PropertyKey[]): string {
  const [first, second, third] = path;
  if (first === 'campaign') {
    if (second === 'messageSamples') return typeof third === 'number' ? `message_sample_${third + 1}` : 'message_sample_1';
    return FIELD_TO_COLUMN[String(second)] ?? 'campaign';
  }
  return FIELD_TO_COLUMN[String(first)] ?? String(first ?? 'row');
}
