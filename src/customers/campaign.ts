/**
 * A row's campaign: each field from the row's own non-empty cell, else from the template
 * (placeholders filled with the row's names), then checked against the campaign limits.
 */
import type { RowRule } from '../failure-kinds.js';
import type { Campaign } from './customer.js';
import { MESSAGE_SAMPLE_COLUMNS, MIN_MESSAGE_SAMPLES, type CampaignUrlColumn } from './columns.js';
import { normalizeHttpsUrl } from './a2p.js';
import {
  BOOLEAN_COLUMNS,
  KEYWORD_PAIRS,
  lengthProblem,
  parseBoolean,
  parseKeywords,
  type CampaignBooleanColumn,
  type CampaignKeywordColumn,
  type CampaignTextColumn,
} from './campaign-rules.js';
import {
  fillPlaceholders,
  fillUrl,
  PLACEHOLDERS,
  urlPlaceholderProblems,
  type CampaignTemplate,
  type PlaceholderValues,
} from './template.js';

export interface RowProblem {
  column: string;
  reason: string;
  /** The rule the cell broke, when its action differs from "fix the cell" (kept with the refused row). */
  rule?: RowRule;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function buildCampaign(
  cell: (column: string) => string,
  template: CampaignTemplate | undefined,
  values: PlaceholderValues,
  problems: RowProblem[],
): Campaign | undefined {
  const before = problems.length;
  const add = (column: string, reason: string) => problems.push({ column, reason });
  const fromTemplate = () => ` (value from the campaign template ${template?.source ?? ''})`;

  /** The text of a column, from the row or the template; undefined when neither gives one. */
  const text = (column: CampaignTextColumn, check = true): string | undefined => {
    const own = cell(column);
    let value: string;
    let suffix = '';
    if (own !== '') {
      const unknown = [...own.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').filter((n) => !(PLACEHOLDERS as readonly string[]).includes(n));
      if (unknown.length > 0) {
        add(column, `has an unknown placeholder {{${unknown[0]}}}; allowed: {{brand_name}}, {{first_name}}, {{last_name}}`);
        return undefined;
      }
      value = fillPlaceholders(own, values).trim();
    } else {
      const t = template?.fields[column];
      if (typeof t !== 'string') return undefined;
      value = fillPlaceholders(t, values).trim();
      suffix = fromTemplate();
    }
    if (check) {
      const lp = lengthProblem(column, value);
      if (lp) {
        add(column, lp + suffix);
        return undefined;
      }
    }
    return value;
  };
  const required = (column: string) =>
    add(column, 'is required: fill the column or provide it in the campaign template (--template)');

  const description = text('campaign_description');
  if (description === undefined && !given('campaign_description')) required('campaign_description');
  const messageFlow = text('message_flow');
  if (messageFlow === undefined && !given('message_flow')) required('message_flow');

  const samples: string[] = [];
  let givenSamples = 0;
  let firstEmpty: string | undefined;
  for (const column of MESSAGE_SAMPLE_COLUMNS) {
    if (!given(column)) {
      firstEmpty ??= column;
      continue;
    }
    givenSamples++;
    const s = text(column);
    if (s !== undefined) samples.push(s);
  }
  if (givenSamples < MIN_MESSAGE_SAMPLES) {
    add(
      firstEmpty ?? 'message_sample_1',
      `at least ${MIN_MESSAGE_SAMPLES} message samples are required (message_sample_1..5, in the row or the campaign template); found ${givenSamples}`,
    );
  }

  const booleans: Partial<Record<CampaignBooleanColumn, boolean>> = {};
  for (const column of BOOLEAN_COLUMNS) {
    const own = cell(column);
    if (own !== '') {
      const b = parseBoolean(own);
      if (b === undefined) {
        add(column, `must be true or false (yes/no, y/n, 1/0 also accepted); got "${own.length > 20 ? `${own.slice(0, 20)}…` : own}"`);
      } else booleans[column] = b;
    } else {
      const t = template?.fields[column];
      if (typeof t === 'boolean') booleans[column] = t;
      else required(column);
    }
  }

  const keywords: Partial<Record<CampaignKeywordColumn, string[]>> = {};
  const messages: Partial<Record<CampaignTextColumn, string>> = {};
  for (const [kwColumn, msgColumn] of KEYWORD_PAIRS) {
    const own = cell(kwColumn);
    if (own !== '') {
      const parsed = parseKeywords(own);
      if (parsed.ok) keywords[kwColumn] = parsed.keywords;
      else add(kwColumn, parsed.reason);
    } else {
      const t = template?.fields[kwColumn];
      if (Array.isArray(t)) keywords[kwColumn] = [...(t as readonly string[])];
    }
    const m = text(msgColumn);
    if (m !== undefined) messages[msgColumn] = m;

    const hasKeywords = given(kwColumn);
    const hasMessage = given(msgColumn);
    if (hasKeywords && !hasMessage) {
      add(msgColumn, `is required when ${kwColumn} is given: the reply sent to those keywords (20-320 characters)`);
    } else if (hasMessage && !hasKeywords) {
      add(kwColumn, `is required when ${msgColumn} is given: the keywords that trigger that reply`);
    }
  }

  if (problems.length > before) return undefined;
  if (description === undefined || messageFlow === undefined) return undefined;
  const { has_embedded_links: hasEmbeddedLinks, has_embedded_phone: hasEmbeddedPhone } = booleans;
  if (hasEmbeddedLinks === undefined || hasEmbeddedPhone === undefined) return undefined;

  const campaign: Campaign = {
    description,
    messageFlow,
    messageSamples: samples,
    hasEmbeddedLinks,
    hasEmbeddedPhone,
  };
  if (keywords.opt_in_keywords) campaign.optInKeywords = keywords.opt_in_keywords;
  if (messages.opt_in_message) campaign.optInMessage = messages.opt_in_message;
  if (keywords.opt_out_keywords) campaign.optOutKeywords = keywords.opt_out_keywords;
  if (messages.opt_out_message) campaign.optOutMessage = messages.opt_out_message;
  if (keywords.help_keywords) campaign.helpKeywords = keywords.help_keywords;
  if (messages.help_message) campaign.helpMessage = messages.help_message;
  return campaign;

  function given(column: string): boolean {
    return cell(column) !== '' || (template?.fields[column as CampaignTextColumn] ?? undefined) !== undefined;
  }
}

/** Why a Sole Proprietor row without the URL is refused: Twilio refuses the campaign (a brand fee already paid). */
const URL_REQUIRED: Readonly<Record<CampaignUrlColumn, string>> = {
  privacy_policy_url: 'is required: the https URL of the privacy policy, which Twilio requires on every campaign created since 2026-06-30 (error 30933). Fill the column, or give privacy_policy_url in the campaign template (--template); a template URL may hold {{customer_id}} for one page per customer, e.g. "https://isv.example.com/privacy/{{customer_id}}"',
  terms_and_conditions_url: 'is required: the https URL of the terms and conditions, which Twilio requires on every campaign created since 2026-06-30 (error 30934). Fill the column, or give terms_and_conditions_url in the campaign template (--template); a template URL may hold {{customer_id}} for one page per customer, e.g. "https://isv.example.com/terms/{{customer_id}}"',
};

/**
 * A Sole Proprietor campaign's privacy policy or terms URL: the row's own cell (`own`, trimmed; undefined when
 * the cell was already refused), else the template's, with {{customer_id}} filled, then checked like the column.
 * Neither given: a problem naming the column (Twilio errors 30933 and 30934). The reason never quotes the URL.
 */
export function campaignUrl(
  column: CampaignUrlColumn,
  own: string | undefined,
  template: CampaignTemplate | undefined,
  customerId: string | undefined,
  problems: RowProblem[],
): string | undefined {
  if (own === undefined) return undefined;
  let text = own;
  let suffix = '';
  if (text === '') {
    const t = template?.fields[column];
    if (typeof t !== 'string') {
      problems.push({ column, reason: URL_REQUIRED[column] });
      return undefined;
    }
    text = t;
    suffix = ` (value from the campaign template ${template?.source ?? ''})`;
  }
  const ph = urlPlaceholderProblems(text);
  if (ph.length > 0) {
    problems.push({ column, reason: `${ph.join('; ')}${suffix}` });
    return undefined;
  }
  // Without a valid customer_id (already a problem of the row) there is nothing to fill in.
  if (customerId === undefined && text !== fillUrl(text, '')) return undefined;
  const r = normalizeHttpsUrl(fillUrl(text, customerId ?? ''));
  if (!r.ok) {
    problems.push({ column, reason: `${r.reason}${suffix}` });
    return undefined;
  }
  return r.url;
}
