/**
 * The columns of the customers CSV: one documented list that the header check, `--help` and the
 * docs use (docs/csv.md's table is generated from it by `npm run docs`; test/docs.test.ts fails on a
 * column without a description). Header names are matched after trimming and lowercasing.
 */

/**
 * - `required`: every row must have a value.
 * - `optional`: may be absent from the header or empty.
 * - `campaign`: a campaign field every row needs, from its own cell or from the `--template` file.
 * - `campaign-optional`: a campaign field that may be given (row or template) or left out.
 */
export type ColumnRequirement = 'required' | 'optional' | 'campaign' | 'campaign-optional';

export interface ColumnSpec {
  readonly name: string;
  readonly requirement: ColumnRequirement;
  /** True when the value identifies a person (names, email, phones, address): never echo it in messages or logs. */
  readonly pii: boolean;
  readonly description: string;
  /** The one flow that uses the column; absent = both flows. */
  readonly flow?: Flow;
}

/** How a customer is registered: `sole-proprietor` (no tax ID) or `business` (Secondary Business Profile). */
export const FLOWS = ['sole-proprietor', 'business'] as const;
export type Flow = (typeof FLOWS)[number];

// Generic in the name, so CustomerColumnName and CampaignColumnName are unions of the literal names, not `string`.
const col = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string, flow?: Flow): ColumnSpec & { readonly name: N } => ({
  name,
  requirement,
  pii,
  description,
  ...(flow ? { flow } : {}),
});
const sp = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string) => col(name, requirement, pii, description, 'sole-proprietor');
const biz = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string) => col(name, requirement, pii, description, 'business');

export const CUSTOMER_COLUMNS = [
  col('customer_id', 'required', false, "Your own id for the customer: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit. Unique in the file."),
  sp('first_name', 'required', true, "The customer's first name."),
  sp('last_name', 'required', true, "The customer's last name."),
  col('email', 'required', true, 'Contact email: a well-formed address, not on a disposable (throw-away) domain (mailchecker\'s maintained list). One address may be used for at most 10 brands.'),
  sp('phone_number', 'required', true, 'Contact phone: a US/Canadian number in any usual format, or an international number written with a leading + and country code; must be a valid number of its numbering plan (libphonenumber: area code in service, length).'),
  sp('mobile_phone_number', 'required', true, "The customer's own US or Canadian mobile number; TCR sends the OTP to it. Not a Twilio/CPaaS, toll-free, premium or 5XX number. At most 3 brands per number."),
  sp('brand_name', 'required', true, "The business name (DBA), or the customer's first and last name. Not an email address or an account id, and not a company's name ending in LLC, Inc., Corp., Ltd, L.L.P., L.P., P.C. and the like: Twilio refuses those as Sole Proprietors (error 30915); register them with flow=business."),
  sp('vertical', 'optional', false, 'Business vertical: one of the documented values (the business industries, e.g. AUTOMOTIVE, RETAIL, FOOD_AND_BEVERAGE, plus COMMUNICATION); "food and beverage" is accepted.'),
  col('street', 'required', true, 'Street address, first line.'),
  col('street_secondary', 'optional', true, 'Street address, second line (suite, unit).'),
  col('city', 'required', true, 'City or town.'),
  col('region', 'required', false, 'US state/territory or Canadian province/territory: two-letter code or full name (e.g. NY, New York, ON).'),
  col('postal_code', 'required', true, 'US ZIP (12345 or 12345-6789) of the state (zipcodes data), or Canadian postal code (A1A 1A1) whose first letter is the province\'s.'),
  col('iso_country', 'required', false, 'US or CA (United States, USA, Canada accepted). Sole Proprietor registration is only for US and Canadian customers.'),
  col('tax_id', 'optional', true, 'Sole Proprietor rows: leave empty (a customer with a tax ID (EIN) must use the business flow). Business rows: the EIN, used as business_registration_number when that column is empty.'),
  sp('messaging_service_sid', 'optional', false, 'An existing Messaging Service (MG followed by 32 hex digits) to attach the campaign to; empty = create one.'),
  sp('sender_number', 'optional', true, "The number the customer will text from: a US/Canadian local (10DLC) number this Twilio account owns (any usual format, becomes E.164), not the customer's own mobile. It is added to the customer's Messaging Service once the campaign is created (a Sole Proprietor service holds exactly one). Empty: one is bought when BUY_SENDER_NUMBERS=true, else the customer waits for one."),
] as const satisfies readonly ColumnSpec[];

export const CAMPAIGN_COLUMNS = [
  sp('campaign_description', 'campaign', false, "What the campaign is for: who sends, who receives and why. 40-4096 characters."),
  sp('message_flow', 'campaign', false, 'How end users opt in (all methods, with links to terms and privacy policy). 40-2048 characters.'),
  sp('message_sample_1', 'campaign', false, 'Sample message, 20-1024 characters. At least two of message_sample_1..5 are required.'),
  sp('message_sample_2', 'campaign', false, 'Sample message, 20-1024 characters.'),
  sp('message_sample_3', 'campaign-optional', false, 'Sample message, 20-1024 characters.'),
  sp('message_sample_4', 'campaign-optional', false, 'Sample message, 20-1024 characters.'),
  sp('message_sample_5', 'campaign-optional', false, 'Sample message, 20-1024 characters.'),
  sp('has_embedded_links', 'campaign', false, 'Whether messages contain URLs: true/false (yes/no, y/n, 1/0).'),
  sp('has_embedded_phone', 'campaign', false, 'Whether messages contain phone numbers: true/false (yes/no, y/n, 1/0).'),
  sp('opt_in_keywords', 'campaign-optional', false, 'Comma-separated alphanumeric keywords that opt a user in (at most 255 characters); requires opt_in_message.'),
  sp('opt_in_message', 'campaign-optional', false, 'Reply to an opt-in keyword, 20-320 characters; requires opt_in_keywords.'),
  sp('opt_out_keywords', 'campaign-optional', false, 'Comma-separated alphanumeric opt-out keywords (at most 255 characters); requires opt_out_message.'),
  sp('opt_out_message', 'campaign-optional', false, 'Reply to an opt-out keyword, 20-320 characters; requires opt_out_keywords.'),
  sp('help_keywords', 'campaign-optional', false, 'Comma-separated alphanumeric help keywords (at most 255 characters); requires help_message.'),
  sp('help_message', 'campaign-optional', false, 'Reply to a help keyword, 20-320 characters; requires help_keywords.'),
] as const satisfies readonly ColumnSpec[];

const rep = (n: 1 | 2) => {
  const req: ColumnRequirement = n === 1 ? 'required' : 'optional';
  const which = n === 1 ? 'Authorized representative #1' : 'Authorized representative #2 (all six rep2_ columns, or none)';
  return [
    biz(`rep${n}_first_name`, req, true, `${which}: first name.`),
    biz(`rep${n}_last_name`, req, true, `${which}: last name.`),
    biz(`rep${n}_email`, req, true, `${which}: email address.`),
    biz(`rep${n}_phone_number`, req, true, `${which}: phone number, written like phone_number (becomes E.164).`),
    biz(`rep${n}_business_title`, req, false, `${which}: business title (e.g. Owner, Head of Operations), at most 100 characters.`),
    biz(`rep${n}_job_position`, req, false, `${which}: one of Director, GM, VP, CEO, CFO, General Counsel, Other.`),
  ];
};

/** Columns of the business flow (Secondary Business Profile and SHAKEN/STIR Trust Product, reference 003). */
export const BUSINESS_COLUMNS = [
  col('flow', 'optional', false, 'sole-proprietor (the default when empty) or business: a customer with a tax ID (EIN) registers with the business flow.'),
  biz('business_name', 'required', true, "The business's legal name."),
  biz('business_identity', 'optional', false, 'direct_customer (the default when empty), isv_reseller_or_partner or unknown.'),
  biz('business_type', 'required', false, 'Sole Proprietorship, Partnership, Limited Liability Corporation (LLC), Corporation, Co-operative or Non-profit.'),
  biz('business_industry', 'required', false, 'One of the business industries (e.g. AUTOMOTIVE, RETAIL, FOOD_AND_BEVERAGE, TECHNOLOGY); "food and beverage" is accepted.'),
  biz('business_registration_identifier', 'optional', false, 'EIN (USA: Employer Identification Number) or DUNS (USA: DUNS Number); EIN when empty.'),
  biz('business_registration_number', 'optional', true, 'The EIN (9 digits, e.g. 12-3456789) or DUNS number (9 digits); empty = the tax_id column. One of the two is required.'),
  biz('business_regions_of_operation', 'required', false, 'One or more of AFRICA, ASIA, EUROPE, LATIN_AMERICA, USA_AND_CANADA, separated by ; or ,.'),
  biz('website_url', 'required', false, "The business's website, e.g. https://www.example.com (https:// is added when missing)."),
  biz('social_media_profile_urls', 'optional', false, 'Social media profile URLs (LinkedIn, Facebook, X...), separated by ; .'),
  ...rep(1),
  ...rep(2),
  biz('phone_numbers', 'optional', true, "The customer's Twilio numbers on this account, E.164 separated by ; (e.g. +14155550100;+14155550101). Required with shaken_stir. Each must be an IncomingPhoneNumber of the account."),
  biz('shaken_stir', 'optional', false, 'true/false (yes/no, y/n, 1/0; empty = false): also register a SHAKEN/STIR Trust Product for the phone numbers, for A-level attestation of calls.'),
] as const satisfies readonly ColumnSpec[];

/** Every known column, customer columns first, in the order docs/csv.md documents them. */
export const COLUMNS: readonly ColumnSpec[] = [...CUSTOMER_COLUMNS, ...CAMPAIGN_COLUMNS, ...BUSINESS_COLUMNS];

export type CustomerColumnName = (typeof CUSTOMER_COLUMNS)[number]['name'];
export type CampaignColumnName = (typeof CAMPAIGN_COLUMNS)[number]['name'];
export type BusinessColumnName = (typeof BUSINESS_COLUMNS)[number]['name'];
export type ColumnName = CustomerColumnName | CampaignColumnName | BusinessColumnName;

export const MESSAGE_SAMPLE_COLUMNS = [
  'message_sample_1',
  'message_sample_2',
  'message_sample_3',
  'message_sample_4',
  'message_sample_5',
] as const satisfies readonly CampaignColumnName[];
export type MessageSampleColumn = (typeof MESSAGE_SAMPLE_COLUMNS)[number];
/** Message samples a campaign needs, at least (Twilio: 2 to 5). */
export const MIN_MESSAGE_SAMPLES = 2;

export const REQUIRED_COLUMNS: readonly CustomerColumnName[] = CUSTOMER_COLUMNS.filter(
  (c) => c.requirement === 'required',
).map((c) => c.name);

/** Campaign columns every row needs from its cell or the template (samples: any two of five). */
export const REQUIRED_CAMPAIGN_COLUMNS = ['campaign_description', 'message_flow', 'has_embedded_links', 'has_embedded_phone'] as const satisfies readonly CampaignColumnName[];

/** Columns that hold personal data: their values are never written into a problem reason. */
export const PII_COLUMNS: ReadonlySet<string> = new Set(COLUMNS.filter((c) => c.pii).map((c) => c.name));

const KNOWN = new Set<string>(COLUMNS.map((c) => c.name));
export function isKnownColumn(name: string): name is ColumnName {
  return KNOWN.has(name);
}
const CAMPAIGN = new Set<string>(CAMPAIGN_COLUMNS.map((c) => c.name));
export function isCampaignColumn(name: string): name is CampaignColumnName {
  return CAMPAIGN.has(name);
}

const REQUIREMENT_LABEL: Record<ColumnRequirement, string> = {
  required: 'required',
  optional: 'optional',
  campaign: 'required (row or template)',
  'campaign-optional': 'optional (row or template)',
};

function requirementLabel(c: ColumnSpec): string {
  return REQUIREMENT_LABEL[c.requirement] + (c.flow ? `, ${c.flow} rows` : '');
}

/** A plain-text table of the columns for `--help` (width-friendly: name, requirement, description). */
export function formatColumnHelp(): string {
  const nameWidth = Math.max(...COLUMNS.map((c) => c.name.length));
  const reqWidth = Math.max(...COLUMNS.map((c) => requirementLabel(c).length));
  return COLUMNS.map(
    (c) => `  ${c.name.padEnd(nameWidth)}  ${requirementLabel(c).padEnd(reqWidth)}  ${c.description}`,
  ).join('\n');
}

/** The Markdown table of the columns: docs/csv.md's generated `columns` block (scripts/docs.ts). */
export function formatColumnMarkdown(): string {
  const rows = COLUMNS.map((c) => `| \`${c.name}\` | ${requirementLabel(c)} | ${c.description.replace(/\|/g, '\\|')} |`);
  return ['| column | required | description |', '| --- | --- | --- |', ...rows].join('\n');
}
