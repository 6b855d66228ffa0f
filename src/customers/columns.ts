/**
 * The columns of the customers CSV: one documented list that the header check, the README
 * and `--help` all use. Header names are matched after trimming and lowercasing.
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
}

const col = (name: string, requirement: ColumnRequirement, pii: boolean, description: string): ColumnSpec => ({
  name,
  requirement,
  pii,
  description,
});

export const CUSTOMER_COLUMNS = [
  col('customer_id', 'required', false, "Your own id for the customer: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit. Unique in the file."),
  col('first_name', 'required', true, "The customer's first name."),
  col('last_name', 'required', true, "The customer's last name."),
  col('email', 'required', true, 'Contact email: a well-formed address on a real, non-disposable domain. One address may be used for at most 10 brands.'),
  col('phone_number', 'required', true, 'Contact phone: a US/Canadian number in any usual format, or an international number written with a leading + and country code.'),
  col('mobile_phone_number', 'required', true, "The customer's own US or Canadian mobile number; TCR sends the OTP to it. Not a Twilio/CPaaS or toll-free number. At most 3 brands per number."),
  col('brand_name', 'required', true, "The business name (DBA), or the customer's first and last name. Not an email address or an account id."),
  col('vertical', 'optional', false, 'Business vertical, one of the Sole Proprietor verticals (e.g. RETAIL, FOOD_AND_BEVERAGE); "food and beverage" is accepted.'),
  col('street', 'required', true, 'Street address, first line.'),
  col('street_secondary', 'optional', true, 'Street address, second line (suite, unit).'),
  col('city', 'required', true, 'City or town.'),
  col('region', 'required', false, 'US state/territory or Canadian province/territory: two-letter code or full name (e.g. NY, New York, ON).'),
  col('postal_code', 'required', true, 'US ZIP (12345 or 12345-6789) or Canadian postal code (A1A 1A1).'),
  col('iso_country', 'required', false, 'US or CA (United States, USA, Canada accepted). Sole Proprietor registration is only for US and Canadian customers.'),
  col('tax_id', 'optional', false, 'Leave empty. A customer with a tax ID (EIN) is not eligible for Sole Proprietor registration.'),
  col('messaging_service_sid', 'optional', false, 'An existing Messaging Service (MG followed by 32 hex digits) to attach the campaign to; empty = create one.'),
] as const satisfies readonly ColumnSpec[];

export const CAMPAIGN_COLUMNS = [
  col('campaign_description', 'campaign', false, "What the campaign is for: who sends, who receives and why. 40-4096 characters."),
  col('message_flow', 'campaign', false, 'How end users opt in (all methods, with links to terms and privacy policy). 40-2048 characters.'),
  col('message_sample_1', 'campaign', false, 'Sample message, 20-1024 characters. At least two of message_sample_1..5 are required.'),
  col('message_sample_2', 'campaign', false, 'Sample message, 20-1024 characters.'),
  col('message_sample_3', 'campaign-optional', false, 'Sample message, 20-1024 characters.'),
  col('message_sample_4', 'campaign-optional', false, 'Sample message, 20-1024 characters.'),
  col('message_sample_5', 'campaign-optional', false, 'Sample message, 20-1024 characters.'),
  col('has_embedded_links', 'campaign', false, 'Whether messages contain URLs: true/false (yes/no, y/n, 1/0).'),
  col('has_embedded_phone', 'campaign', false, 'Whether messages contain phone numbers: true/false (yes/no, y/n, 1/0).'),
  col('opt_in_keywords', 'campaign-optional', false, 'Comma-separated alphanumeric keywords that opt a user in (at most 255 characters); requires opt_in_message.'),
  col('opt_in_message', 'campaign-optional', false, 'Reply to an opt-in keyword, 20-320 characters; requires opt_in_keywords.'),
  col('opt_out_keywords', 'campaign-optional', false, 'Comma-separated alphanumeric opt-out keywords (at most 255 characters); requires opt_out_message.'),
  col('opt_out_message', 'campaign-optional', false, 'Reply to an opt-out keyword, 20-320 characters; requires opt_out_keywords.'),
  col('help_keywords', 'campaign-optional', false, 'Comma-separated alphanumeric help keywords (at most 255 characters); requires help_message.'),
  col('help_message', 'campaign-optional', false, 'Reply to a help keyword, 20-320 characters; requires help_keywords.'),
] as const satisfies readonly ColumnSpec[];

/** Every known column, customer columns first, in the order the README documents them. */
export const COLUMNS: readonly ColumnSpec[] = [...CUSTOMER_COLUMNS, ...CAMPAIGN_COLUMNS];

export type CustomerColumnName = (typeof CUSTOMER_COLUMNS)[number]['name'];
export type CampaignColumnName = (typeof CAMPAIGN_COLUMNS)[number]['name'];
export type ColumnName = CustomerColumnName | CampaignColumnName;

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

/** A plain-text table of the columns for `--help` (width-friendly: name, requirement, description). */
export function formatColumnHelp(): string {
  const nameWidth = Math.max(...COLUMNS.map((c) => c.name.length));
  const reqWidth = Math.max(...COLUMNS.map((c) => REQUIREMENT_LABEL[c.requirement].length));
  return COLUMNS.map(
    (c) => `  ${c.name.padEnd(nameWidth)}  ${REQUIREMENT_LABEL[c.requirement].padEnd(reqWidth)}  ${c.description}`,
  ).join('\n');
}

/** A Markdown table of the columns for the README. */
export function formatColumnMarkdown(): string {
  const rows = COLUMNS.map((c) => `| \`${c.name}\` | ${REQUIREMENT_LABEL[c.requirement]} | ${c.description.replace(/\|/g, '\\|')} |`);
  return ['| column | required | description |', '| --- | --- | --- |', ...rows].join('\n');
}
