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
  /** The rows that use the column; absent = every row of both flows. */
  readonly rows?: RowScope;
  /** The requirement as the docs say it, when the requirement and rows alone would say it wrong. */
  readonly label?: string;
}

/**
 * Which rows use a column. A "Standard business row" is a business row whose brand_type is standard or
 * low_volume_standard: it registers a brand and a campaign, so it takes the campaign columns too.
 */
export type RowScope = 'sole-proprietor' | 'business' | 'standard' | 'sole-proprietor+standard';
const ROWS_LABEL: Record<RowScope, string> = {
  'sole-proprietor': 'sole-proprietor rows',
  business: 'business rows',
  standard: 'Standard business rows',
  'sole-proprietor+standard': 'sole-proprietor and Standard business rows',
};

/** How a customer is registered: `sole-proprietor` (no tax ID) or `business` (Secondary Business Profile). */
export const FLOWS = ['sole-proprietor', 'business'] as const;
export type Flow = (typeof FLOWS)[number];

// Generic in the name, so CustomerColumnName and CampaignColumnName are unions of the literal names, not `string`.
const col = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string, rows?: RowScope, label?: string): ColumnSpec & { readonly name: N } => ({
  name,
  requirement,
  pii,
  description,
  ...(rows ? { rows } : {}),
  ...(label ? { label } : {}),
});
const sp = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string) => col(name, requirement, pii, description, 'sole-proprietor');
const biz = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string) => col(name, requirement, pii, description, 'business');
/** A column of Standard business rows; `label` when "required" depends on another column. */
const std = <N extends string>(name: N, requirement: ColumnRequirement, pii: boolean, description: string, label?: string) => col(name, requirement, pii, description, 'standard', label);
/** A campaign column: Sole Proprietor rows and Standard business rows, same rules, same template. */
const cmp = <N extends string>(name: N, requirement: ColumnRequirement, description: string) => col(name, requirement, false, description, 'sole-proprietor+standard');

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
  col('sender_number', 'optional', true, "The number the customer will text from: a US/Canadian local (10DLC) number this Twilio account owns (any usual format, becomes E.164). Sole Proprietor rows: not the customer's own mobile; it is added to the customer's Messaging Service once the campaign is created (a Sole Proprietor service holds exactly one); empty: one is bought when BUY_SENDER_NUMBERS=true, else the customer waits for one. Business rows: only with a brand (brand_type standard or low_volume_standard; refused with none), a number added to the brand's Messaging Service besides phone_numbers (it may also be one of them)."),
  col('account_sid', 'optional', false, "With ACCOUNT_MODE=subaccount: an existing Twilio subaccount (AC followed by 32 hex digits) of this account to register the customer in, instead of creating one; it must be active, a subaccount of TWILIO_ACCOUNT_SID, and used by no other customer (checked before anything is created). Empty: a subaccount is created for the customer (FriendlyName `a2p-onboard {customer_id} Subaccount`). Refused with ACCOUNT_MODE=single, which registers everything in the one account: set ACCOUNT_MODE=subaccount, or empty the column. With subaccounts, the customer's phone_numbers and sender_number must be numbers of its subaccount."),
] as const satisfies readonly ColumnSpec[];

export const CAMPAIGN_COLUMNS = [
  cmp('campaign_description', 'campaign', "What the campaign is for: who sends, who receives and why. 40-4096 characters. Like every campaign column, required (from the row or the --template file) on Sole Proprietor rows and on business rows with brand_type standard or low_volume_standard, with the same rules; ignored on business rows without a brand."),
  cmp('message_flow', 'campaign', 'How end users opt in (all methods, with links to terms and privacy policy). 40-2048 characters.'),
  cmp('message_sample_1', 'campaign', 'Sample message, 20-1024 characters. At least two of message_sample_1..5 are required.'),
  cmp('message_sample_2', 'campaign', 'Sample message, 20-1024 characters.'),
  cmp('message_sample_3', 'campaign-optional', 'Sample message, 20-1024 characters.'),
  cmp('message_sample_4', 'campaign-optional', 'Sample message, 20-1024 characters.'),
  cmp('message_sample_5', 'campaign-optional', 'Sample message, 20-1024 characters.'),
  cmp('has_embedded_links', 'campaign', 'Whether messages contain URLs: true/false (yes/no, y/n, 1/0).'),
  cmp('has_embedded_phone', 'campaign', 'Whether messages contain phone numbers: true/false (yes/no, y/n, 1/0).'),
  cmp('opt_in_keywords', 'campaign-optional', 'Comma-separated alphanumeric keywords that opt a user in (at most 255 characters); requires opt_in_message.'),
  cmp('opt_in_message', 'campaign-optional', 'Reply to an opt-in keyword, 20-320 characters; requires opt_in_keywords.'),
  cmp('opt_out_keywords', 'campaign-optional', 'Comma-separated alphanumeric opt-out keywords (at most 255 characters); requires opt_out_message.'),
  cmp('opt_out_message', 'campaign-optional', 'Reply to an opt-out keyword, 20-320 characters; requires opt_out_keywords.'),
  cmp('help_keywords', 'campaign-optional', 'Comma-separated alphanumeric help keywords (at most 255 characters); requires help_message.'),
  cmp('help_message', 'campaign-optional', 'Reply to a help keyword, 20-320 characters; requires help_keywords.'),
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

const STOCK_EXCHANGE_LIST = 'NASDAQ, NYSE, AMEX, AMX, ASX, B3, BME, BSE, FRA, ICEX, JPX, JSE, KRX, LON, NSE, OMX, SEHK, SGX, SSE, STO, SWX, SZSE, TSX, TWSE, VSE, OTHER';
const USECASE_LIST = '2FA, ACCOUNT_NOTIFICATION, AGENTS_FRANCHISES, CHARITY, PROXY, CUSTOMER_CARE, DELIVERY_NOTIFICATION, EMERGENCY, FRAUD_ALERT, HIGHER_EDUCATION, K12_EDUCATION, LOW_VOLUME, MARKETING, MIXED, POLITICAL, POLLING_VOTING, PUBLIC_SERVICE_ANNOUNCEMENT, SECURITY_ALERT, SOCIAL, SWEEPSTAKE';

/**
 * Columns of a business row's brand (issue 14: Standard and Low-Volume Standard brands), and the campaign
 * URLs both flows take. The lists in the descriptions are a2p.ts's constants (test/customers-brand.test.ts
 * checks they agree).
 */
export const BRAND_COLUMNS = [
  biz('brand_type', 'optional', false, 'standard, low_volume_standard or none ("Low-Volume Standard", "LVS", "low volume" accepted, any case). standard registers a Standard brand (secondary vetting included) and its campaign; low_volume_standard the same without the automatic secondary vetting; none (the default when empty) the profiles only, no brand. An empty brand_type on a row that fills any Standard-only column (company_type, stock_exchange, stock_ticker, brand_contact_email, usecase, privacy_policy_url, terms_and_conditions_url) is refused: say which you mean. With none those columns, and sender_number, are refused.'),
  std('company_type', 'required', false, 'private, public, non_profit or government ("Public company", "non-profit", "nonprofit" accepted): the A2P Messaging profile\'s company type. Must agree with business_type: a Non-profit is non_profit or government, never private or public; a Sole Proprietorship is never public. (government is not cross-checked: the documents do not say which business types a government body uses.)'),
  std('stock_exchange', 'optional', false, `The exchange a public company is listed on: one of ${STOCK_EXCHANGE_LIST} (any case). Required when company_type is public, refused otherwise. Twilio's pages do not list the attribute's values; this is the list TCR's brand registration takes.`, 'required if public, Standard business rows'),
  std('stock_ticker', 'optional', false, "A public company's ticker symbol: 1-10 letters, digits, '.' or '-' (uppercased, e.g. TWLO, BRK.B). Required when company_type is public, refused otherwise.", 'required if public, Standard business rows'),
  std('brand_contact_email', 'optional', true, "Where Authentication+ (TCR's 2FA for public companies) emails a verification link, to be confirmed within 7 days: required when company_type is public, optional otherwise. Written like email. Not on a free or personal mail domain (gmail.com, yahoo.*, outlook.com, hotmail.*, aol.com, icloud.com, proton.me...: the free-email-domains-typescript list), which Authentication+ refuses (Twilio error 21740); not a distribution list (Twilio refuses those too; ingest cannot tell one).", 'required if public, Standard business rows'),
  std('usecase', 'required', false, `The campaign's use case: one of ${USECASE_LIST} (any case; spaces and dashes read as underscores). Not SOLE_PROPRIETOR. Which use cases the brand may use is asked of Twilio again once the brand is approved; a use case Twilio does not offer the brand fails its campaign with that reason.`),
  col('privacy_policy_url', 'campaign', false, "The https URL of the privacy policy, sent with the campaign (a bare domain gets https://; http:// is refused). Twilio refuses every campaign created without one since 2026-06-30 (error 30933) and asks for a valid, publicly accessible HTTPS URL. Sole Proprietor rows: required, from the row or the campaign template (--template), whose URL may hold {{customer_id}} for one page per customer (e.g. https://isv.example.com/privacy/{{customer_id}}); the row's own cell wins. Standard business rows: required, from the row only (the business's own page). Refused on business rows without a brand.", 'sole-proprietor+standard', 'required (row or template on sole-proprietor rows, row only on Standard business rows)'),
  col('terms_and_conditions_url', 'campaign', false, "The https URL of the terms and conditions, sent with the campaign, written like privacy_policy_url. Twilio refuses every campaign created without one since 2026-06-30 (error 30934). Sole Proprietor rows: required, from the row or the campaign template, which may use {{customer_id}} as for privacy_policy_url; the row's own cell wins. Standard business rows: required, from the row only. Refused on business rows without a brand.", 'sole-proprietor+standard', 'required (row or template on sole-proprietor rows, row only on Standard business rows)'),
] as const satisfies readonly ColumnSpec[];

/** Every known column, customer columns first, in the order docs/csv.md documents them. */
export const COLUMNS: readonly ColumnSpec[] = [...CUSTOMER_COLUMNS, ...CAMPAIGN_COLUMNS, ...BUSINESS_COLUMNS, ...BRAND_COLUMNS];

export type CustomerColumnName = (typeof CUSTOMER_COLUMNS)[number]['name'];
export type CampaignColumnName = (typeof CAMPAIGN_COLUMNS)[number]['name'];
export type BusinessColumnName = (typeof BUSINESS_COLUMNS)[number]['name'] | (typeof BRAND_COLUMNS)[number]['name'];
export type ColumnName = CustomerColumnName | CampaignColumnName | BusinessColumnName;

/**
 * The campaign's privacy policy and terms URLs (Twilio errors 30933 and 30934: required on every campaign
 * created since 2026-06-30). Listed with the brand columns, but the campaign template may give them for
 * Sole Proprietor rows, with {{customer_id}} filled per row.
 */
export const CAMPAIGN_URL_COLUMNS = ['privacy_policy_url', 'terms_and_conditions_url'] as const satisfies readonly BusinessColumnName[];
export type CampaignUrlColumn = (typeof CAMPAIGN_URL_COLUMNS)[number];
/** The keys a campaign template may give: the campaign columns and the campaign URLs. */
export type TemplateColumnName = CampaignColumnName | CampaignUrlColumn;

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

/** "required, business rows", "required (row or template), sole-proprietor and Standard business rows", ... */
export function requirementLabel(c: ColumnSpec): string {
  return c.label ?? REQUIREMENT_LABEL[c.requirement] + (c.rows ? `, ${ROWS_LABEL[c.rows]}` : '');
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
