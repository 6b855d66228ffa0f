/**
 * The campaign template (`--template FILE`): campaign fields shared by every row, so the CSV
 * needs only the customer columns. Keys are the campaign column names; text values may use
 * {{brand_name}}, {{first_name}} and {{last_name}}, filled per row. A row's own non-empty cell
 * wins over the template, field by field (message samples slot by slot). privacy_policy_url and
 * terms_and_conditions_url (Sole Proprietor rows only) may use {{customer_id}}: an ISV hosts one
 * page per customer.
 *
 * {
 *   "campaign_description": "...{{brand_name}}...",
 *   "message_flow": "...",
 *   "message_samples": ["...", "..."],          (or message_sample_1 .. message_sample_5)
 *   "has_embedded_links": false,
 *   "has_embedded_phone": false,
 *   "opt_out_keywords": ["STOP", "END"],         (or "STOP, END")
 *   "opt_out_message": "...",
 *   "help_keywords": "HELP",
 *   "help_message": "...",
 *   "privacy_policy_url": "https://isv.example.com/privacy/{{customer_id}}",
 *   "terms_and_conditions_url": "https://isv.example.com/terms/{{customer_id}}"
 * }
 */
import { readFile } from 'node:fs/promises';
import {
  CAMPAIGN_COLUMNS,
  CAMPAIGN_URL_COLUMNS,
  MESSAGE_SAMPLE_COLUMNS,
  type CampaignColumnName,
  type CampaignUrlColumn,
  type TemplateColumnName,
} from './columns.js';
import { normalizeHttpsUrl } from './a2p.js';
import {
  isBooleanColumn,
  isKeywordColumn,
  isTextColumn,
  lengthProblem,
  parseKeywords,
} from './campaign-rules.js';
import { TemplateError } from './errors.js';

export const PLACEHOLDERS = ['brand_name', 'first_name', 'last_name'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Readonly<Record<Placeholder, string>>;
/** The one placeholder of the URL keys: the row's customer_id (its characters are all safe in a URL). */
export const URL_PLACEHOLDERS = ['customer_id'] as const;
/** An id that stands for every customer when a template URL is checked at load. */
const SAMPLE_CUSTOMER_ID = 'cust-1001';

export type TemplateValue = string | boolean | readonly string[];

export interface CampaignTemplate {
  /** Where it came from, for messages: the file path or `<inline>`. */
  readonly source: string;
  /**
   * Campaign fields by column name: strings for texts (placeholders unfilled), booleans for
   * has_embedded_*, keyword lists already split and checked. `message_samples` is expanded
   * into message_sample_1..n.
   */
  readonly fields: Readonly<Partial<Record<TemplateColumnName, TemplateValue>>>;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KNOWN_KEYS = [...CAMPAIGN_COLUMNS.map((c) => c.name), ...CAMPAIGN_URL_COLUMNS, 'message_samples'];

function isUrlColumn(c: string): c is CampaignUrlColumn {
  return (CAMPAIGN_URL_COLUMNS as readonly string[]).includes(c);
}

function placeholderProblems(text: string, allowed: readonly string[] = PLACEHOLDERS): string[] {
  const problems: string[] = [];
  const list = allowed.map((p) => `{{${p}}}`);
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1] ?? '';
    if (!allowed.includes(name)) {
      const urlOnly = name === 'customer_id' ? '; {{customer_id}} is only for privacy_policy_url and terms_and_conditions_url' : '';
      problems.push(`unknown placeholder {{${name}}} (allowed${allowed === URL_PLACEHOLDERS ? ' in a URL' : ''}: ${list.join(', ')}${urlOnly})`);
    }
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) problems.push(`has a malformed placeholder: write ${list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1) ?? ''}` : (list[0] ?? '')}`);
  return problems;
}

/** Problems of a URL text (a template's or a row's): its placeholders; none means fillUrl may be called. */
export function urlPlaceholderProblems(text: string): string[] {
  return placeholderProblems(text, URL_PLACEHOLDERS);
}

/** A privacy or terms URL with {{customer_id}} replaced by the row's id. */
export function fillUrl(text: string, customerId: string): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (name === 'customer_id' ? customerId : whole));
}

/** Replace the placeholders of a template text with a row's values. */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as Placeholder] : whole,
  );
}

/** Check a parsed JSON value as a campaign template. Throws TemplateError listing every problem. */
export function parseCampaignTemplate(json: unknown, source = '<inline>'): CampaignTemplate {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TemplateError(source, ['must be a JSON object whose keys are campaign column names']);
  }
  const problems: string[] = [];
  const fields: Partial<Record<TemplateColumnName, TemplateValue>> = {};
  const entries = Object.entries(json as Record<string, unknown>);

  const hasSampleArray = Object.hasOwn(json, 'message_samples');
  const sampleKeys = entries.map(([k]) => k).filter((k) => (MESSAGE_SAMPLE_COLUMNS as readonly string[]).includes(k));
  if (hasSampleArray && sampleKeys.length > 0) {
    problems.push(`use either message_samples or ${sampleKeys.join(', ')}, not both`);
  }

  for (const [key, value] of entries) {
    if (key === 'message_samples') {
      if (!Array.isArray(value) || value.length === 0 || value.length > MESSAGE_SAMPLE_COLUMNS.length) {
        problems.push(`message_samples must be an array of 1 to ${MESSAGE_SAMPLE_COLUMNS.length} strings`);
        continue;
      }
      value.forEach((sample: unknown, i) => {
        const column = MESSAGE_SAMPLE_COLUMNS[i];
        if (!column) return;
        const text = checkText(`message_samples[${i}]`, column, sample, problems);
        if (text !== undefined) fields[column] = text;
      });
      continue;
    }
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      problems.push(`unknown key "${key}" (allowed: ${KNOWN_KEYS.join(', ')})`);
      continue;
    }
    if (isUrlColumn(key)) {
      const url = checkUrl(key, value, problems);
      if (url !== undefined) fields[key] = url;
      continue;
    }
    const column = key as CampaignColumnName;
    if (isTextColumn(column)) {
      const text = checkText(key, column, value, problems);
      if (text !== undefined) fields[column] = text;
    } else if (isBooleanColumn(column)) {
      if (typeof value === 'boolean') fields[column] = value;
      else problems.push(`${key} must be true or false (a JSON boolean, without quotes)`);
    } else if (isKeywordColumn(column)) {
      if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
        problems.push(`${key} must be an array of strings or a comma-separated string`);
        continue;
      }
      const parsed = parseKeywords(value);
      if (parsed.ok) fields[column] = parsed.keywords;
      else problems.push(`${key} ${parsed.reason}`);
    }
  }
  if (problems.length > 0) throw new TemplateError(source, problems);
  return { source, fields };
}

function checkText(
  label: string,
  column: Parameters<typeof lengthProblem>[0],
  value: unknown,
  problems: string[],
): string | undefined {
  if (typeof value !== 'string') {
    problems.push(`${label} must be a string`);
    return undefined;
  }
  const text = value.trim();
  if (text === '') {
    problems.push(`${label} is empty; leave the key out instead`);
    return undefined;
  }
  const ph = placeholderProblems(text);
  for (const p of ph) problems.push(`${label} ${p}`);
  if (ph.length > 0) return undefined;
  // Without placeholders the text is final: check its length now rather than on every row.
  if (!text.match(PLACEHOLDER)) {
    const lp = lengthProblem(column, text);
    if (lp) {
      problems.push(`${label} ${lp}`);
      return undefined;
    }
  }
  return text;
}

/**
 * A template's privacy or terms URL: a string whose only placeholder is {{customer_id}}, and which passes
 * the column's URL check once filled (checked here with a sample id, so a bad URL stops the whole file
 * before any row; each row's filled URL is checked again). Kept unfilled.
 */
function checkUrl(key: CampaignUrlColumn, value: unknown, problems: string[]): string | undefined {
  if (typeof value !== 'string') {
    problems.push(`${key} must be a string (an https URL)`);
    return undefined;
  }
  const text = value.trim();
  if (text === '') {
    problems.push(`${key} is empty; leave the key out instead`);
    return undefined;
  }
  const ph = urlPlaceholderProblems(text);
  for (const p of ph) problems.push(`${key} ${p}`);
  if (ph.length > 0) return undefined;
  const r = normalizeHttpsUrl(fillUrl(text, SAMPLE_CUSTOMER_ID));
  if (!r.ok) {
    problems.push(`${key} ${r.reason}`);
    return undefined;
  }
  return text;
}

/** Read and check a campaign template file. Throws TemplateError (exitCode 2). */
export async function loadCampaignTemplate(path: string): Promise<CampaignTemplate> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TemplateError(path, [code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(err)})`], { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new TemplateError(path, [`is not valid JSON: ${(err as Error).message}`], { cause: err });
  }
  return parseCampaignTemplate(json, path);
}

/** Whether the template gives a value for this campaign column. */
export function templateProvides(template: CampaignTemplate | undefined, column: TemplateColumnName): boolean {
  return template !== undefined && template.fields[column] !== undefined;
}
