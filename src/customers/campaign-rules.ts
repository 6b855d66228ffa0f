/**
 * The campaign parameter rules of Twilio's Sole Proprietor campaign (usAppToPerson create),
 * shared by the row check and the template check. Lengths are counted in Unicode code points.
 */
import { KEYWORD_PATTERN } from './customer.js';
import type { CampaignColumnName } from './columns.js';

export type CampaignTextColumn =
  | 'campaign_description'
  | 'message_flow'
  | 'message_sample_1'
  | 'message_sample_2'
  | 'message_sample_3'
  | 'message_sample_4'
  | 'message_sample_5'
  | 'opt_in_message'
  | 'opt_out_message'
  | 'help_message';
export type CampaignBooleanColumn = 'has_embedded_links' | 'has_embedded_phone';
export type CampaignKeywordColumn = 'opt_in_keywords' | 'opt_out_keywords' | 'help_keywords';

export const TEXT_LIMITS: Readonly<Record<CampaignTextColumn, readonly [min: number, max: number]>> = {
  campaign_description: [40, 4096],
  message_flow: [40, 2048],
  message_sample_1: [20, 1024],
  message_sample_2: [20, 1024],
  message_sample_3: [20, 1024],
  message_sample_4: [20, 1024],
  message_sample_5: [20, 1024],
  opt_in_message: [20, 320],
  opt_out_message: [20, 320],
  help_message: [20, 320],
};
export const BOOLEAN_COLUMNS: readonly CampaignBooleanColumn[] = ['has_embedded_links', 'has_embedded_phone'];
/** Each keyword list with the message that must come with it. */
export const KEYWORD_PAIRS: readonly (readonly [CampaignKeywordColumn, CampaignTextColumn])[] = [
  ['opt_in_keywords', 'opt_in_message'],
  ['opt_out_keywords', 'opt_out_message'],
  ['help_keywords', 'help_message'],
];
/** A keyword list, written comma-separated, may be at most this long. */
export const KEYWORDS_MAX_LENGTH = 255;

export function isTextColumn(c: CampaignColumnName): c is CampaignTextColumn {
  return Object.hasOwn(TEXT_LIMITS, c);
}
export function isBooleanColumn(c: CampaignColumnName): c is CampaignBooleanColumn {
  return c === 'has_embedded_links' || c === 'has_embedded_phone';
}
export function isKeywordColumn(c: CampaignColumnName): c is CampaignKeywordColumn {
  return c === 'opt_in_keywords' || c === 'opt_out_keywords' || c === 'help_keywords';
}

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The reason a text is too short or too long, or null. Never contains the text. */
export function lengthProblem(column: CampaignTextColumn, text: string): string | null {
  const [min, max] = TEXT_LIMITS[column];
  const n = codePointLength(text);
  if (n < min) return `is too short: ${n} characters, at least ${min} required`;
  if (n > max) return `is too long: ${n} characters, at most ${max} allowed`;
  return null;
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);
/** true/false/yes/no/y/n/1/0, any case; undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

export type KeywordsResult = { ok: true; keywords: string[] } | { ok: false; reason: string };

/** A comma-separated cell or a list → keywords: trimmed, empties dropped, duplicates (any case) dropped. */
export function parseKeywords(input: string | readonly string[]): KeywordsResult {
  const parts = (typeof input === 'string' ? input.split(',') : input).map((k) => k.trim()).filter((k) => k !== '');
  const seen = new Set<string>();
  const keywords: string[] = [];
  for (const k of parts) {
    if (!KEYWORD_PATTERN.test(k)) {
      return { ok: false, reason: `keyword "${k.length > 30 ? `${k.slice(0, 30)}…` : k}" is not alphanumeric: keywords are letters and digits only, separated by commas` };
    }
    if (!seen.has(k.toUpperCase())) {
      seen.add(k.toUpperCase());
      keywords.push(k);
    }
  }
  if (keywords.length === 0) return { ok: false, reason: 'has no keywords' };
  const total = keywords.join(',').length;
  if (total > KEYWORDS_MAX_LENGTH) {
    return { ok: false, reason: `is too long: ${total} characters written comma-separated, at most ${KEYWORDS_MAX_LENGTH} allowed` };
  }
  return { ok: true, keywords };
}
