import { z } from 'zod';
import { COLUMNS, MESSAGE_SAMPLE_COLUMNS } from '../../customers/columns.js';

/**
 * One customer as JSON → the CSV record the same columns would make. The API never validates a
 * customer itself: it builds this record and runs the CSV's row validation on it, so the two paths
 * cannot disagree. JSON types are accepted where they fit (true/false for yes/no columns, arrays for
 * list columns, numbers), and so are the CSV's spellings ("yes", "STOP,END").
 */

export const COLUMN_NAMES: readonly string[] = COLUMNS.map((c) => c.name);
const KNOWN = new Set(COLUMN_NAMES);

/** List columns and the separator their CSV cell uses. */
export const LIST_COLUMNS: Readonly<Record<string, string>> = {
  opt_in_keywords: ',',
  opt_out_keywords: ',',
  help_keywords: ',',
  business_regions_of_operation: ';',
  social_media_profile_urls: ';',
  phone_numbers: ';',
};
export const BOOLEAN_COLUMNS: readonly string[] = ['has_embedded_links', 'has_embedded_phone', 'shaken_stir'];

/** What the body may carry besides the columns. */
export const BATCH_FIELD = 'batch';
export const SAMPLES_FIELD = 'message_samples';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const cellValue = z.union([scalar, z.array(z.union([z.string(), z.number()])).max(100)]);

export type InputProblem = { field: string; message: string };

export interface CustomerInput {
  batch: string | undefined;
  record: Record<string, string>;
}

/** The body's record, or the first field that cannot be one (named, with why). */
export function customerRecord(body: unknown): { ok: true; value: CustomerInput } | { ok: false; problem: InputProblem } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problem: { field: '(body)', message: 'the body must be a JSON object whose fields are the CSV columns (customer_id, first_name, ...)' } };
  }
  const record: Record<string, string> = {};
  let batch: string | undefined;
  for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
    if (field === BATCH_FIELD) {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'string') return { ok: false, problem: { field, message: 'must be a batch id (a string)' } };
      batch = value;
      continue;
    }
    if (field === SAMPLES_FIELD) {
      const list = z.array(z.string()).min(1).max(MESSAGE_SAMPLE_COLUMNS.length).safeParse(value);
      if (!list.success) return { ok: false, problem: { field, message: `must be a list of 1 to ${MESSAGE_SAMPLE_COLUMNS.length} message samples (strings)` } };
      const both = MESSAGE_SAMPLE_COLUMNS.find((c) => c in (body as Record<string, unknown>));
      if (both) return { ok: false, problem: { field, message: `give the samples either as message_samples or as ${both}..., not both` } };
      list.data.forEach((s, i) => {
        record[MESSAGE_SAMPLE_COLUMNS[i]!] = s;
      });
      continue;
    }
    if (!KNOWN.has(field)) {
      return { ok: false, problem: { field, message: `is not a field of a customer; the fields are the CSV's columns (docs/csv.md), plus ${BATCH_FIELD} and ${SAMPLES_FIELD}` } };
    }
    const parsed = cellValue.safeParse(value);
    if (!parsed.success) return { ok: false, problem: { field, message: 'must be a string, a number, true/false, a list of strings or null' } };
    const v = parsed.data;
    if (Array.isArray(v)) {
      const sep = LIST_COLUMNS[field];
      if (!sep) return { ok: false, problem: { field, message: 'is not a list column; give one value' } };
      record[field] = v.map(String).join(sep === ',' ? ',' : '; ');
    } else if (typeof v === 'boolean') {
      record[field] = v ? 'true' : 'false';
    } else {
      record[field] = v === null ? '' : String(v);
    }
  }
  // The flow column is always there, so the CSV reader checks the columns per row, as for a file that mixes flows.
  record['flow'] ??= '';
  return { ok: true, value: { batch, record } };
}

/** A one-row CSV of the record (every cell quoted), for the same ingest a file gets. */
export function recordCsv(record: Readonly<Record<string, string>>): string {
  const names = Object.keys(record);
  const cell = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${names.map(cell).join(',')}\r\n${names.map((n) => cell(record[n]!)).join(',')}\r\n`;
}
