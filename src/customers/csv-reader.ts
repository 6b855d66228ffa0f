/**
 * Stream a customers CSV into RowResults, one record at a time (the file is never held in memory).
 *
 * - UTF-8 with or without BOM; CRLF, LF or CR line ends (even mixed); quoted fields with commas,
 *   quotes ("") and line breaks; blank lines (and rows of empty cells) skipped.
 * - The header is checked before any row is yielded: header names are trimmed and lowercased;
 *   missing required columns, campaign columns that neither the header nor the template gives,
 *   or duplicated names throw CsvFileError (exitCode 2). Unknown columns are allowed and reported
 *   through `onHeader`.
 * - A row with more or fewer cells than the header is a row problem (column "(row)"), not a crash.
 * - A parse error (unbalanced quote...) throws CsvFileError naming the line where the broken
 *   record starts. Rows before it may already have been yielded (the parser reads ahead, so not
 *   necessarily all of them): a caller that must not act on half a file validates it all first.
 *
 * Row numbers are the spreadsheet's: the header is row 1, the first record row 2, a record with
 * line breaks inside quotes is one row, and blank lines count as (empty) rows, as a spreadsheet
 * shows them. `CsvFileError.line` is a text-editor line number instead.
 */
import { CsvError, parse, type Info, type Options } from 'csv-parse';
import { CUSTOMER_ID_PATTERN } from './customer.js';
import type { Readable } from 'node:stream';
import {
  MESSAGE_SAMPLE_COLUMNS,
  MIN_MESSAGE_SAMPLES,
  REQUIRED_CAMPAIGN_COLUMNS,
  REQUIRED_COLUMNS,
  isKnownColumn,
} from './columns.js';
import { CsvFileError } from './errors.js';
import { templateProvides, type CampaignTemplate } from './template.js';
import { validateAnyRow, validateRow, type AnyRowResult, type RowResult } from './row.js';

export interface HeaderInfo {
  /** Header names, trimmed and lowercased, in file order ('' for a blank header cell). */
  columns: string[];
  /** Named columns that are not customer or campaign columns: ignored. */
  unknown: string[];
  /** Campaign columns the rows do not have, taken from the template. */
  fromTemplate: string[];
}

export interface ReadCustomerCsvOptions {
  template?: CampaignTemplate;
  /** Called once, after the header passed its checks and before the first row. */
  onHeader?: (info: HeaderInfo) => void;
  /** Longest record accepted, in characters (guards against an unbalanced quote eating the file). Default 1 MiB. */
  maxRecordSize?: number;
  /** Check the header and the CSV syntax only: yield no rows (a fast first pass over a big file). */
  checkOnly?: boolean;
  /** With checkOnly: called for each row read (progress), since no row is yielded. */
  onCheckedRow?: () => void;
}

/** Column named by a problem about the row's shape rather than one cell. */
export const ROW_COLUMN = '(row)';

interface ParsedRecord {
  record: string[];
  info: Info;
  raw: string;
}

/** Check a header (already trimmed and lowercased). Throws CsvFileError; returns what onHeader gets. */
export function checkHeader(columns: readonly string[], template?: CampaignTemplate): HeaderInfo {
  if (columns.some((c) => c.includes('\u0000'))) {
    throw new CsvFileError('the file is not a UTF-8 CSV text file (it contains NUL bytes: UTF-16 or binary?); save it as "CSV UTF-8"', { line: 1 });
  }
  if (columns.some((c) => c.includes('\uFFFD'))) {
    throw new CsvFileError('the header is not valid UTF-8; save the file as "CSV UTF-8"', { line: 1 });
  }
  const named = columns.filter((c) => c !== '');
  if (named.length === 0) {
    throw new CsvFileError('the first row is empty: expected a header row with the column names (customer_id, first_name, ...)', { line: 1 });
  }
  const present = new Set(named);
  const sentences: string[] = [];
  const involved: string[] = [];

  // A file with a `flow` column mixes flows: only customer_id is needed in every row; the rest is
  // checked per row, against the rules of the row's flow.
  const mixed = present.has('flow');
  const missing = (mixed ? ['customer_id'] : REQUIRED_COLUMNS).filter((c) => !present.has(c));
  if (missing.length > 0) {
    sentences.push(`missing required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
    involved.push(...missing);
  }
  const missingCampaign: string[] = REQUIRED_CAMPAIGN_COLUMNS.filter((c) => !present.has(c) && !templateProvides(template, c));
  const samples = MESSAGE_SAMPLE_COLUMNS.filter((c) => present.has(c) || templateProvides(template, c));
  if (samples.length < MIN_MESSAGE_SAMPLES) {
    missingCampaign.push(
      ...MESSAGE_SAMPLE_COLUMNS.filter((c) => !samples.includes(c)).slice(0, MIN_MESSAGE_SAMPLES - samples.length),
    );
  }
  if (missingCampaign.length > 0 && !mixed) {
    sentences.push(
      `missing campaign column${missingCampaign.length > 1 ? 's' : ''} ${template ? `that the template ${template.source} does not provide either` : 'and no campaign template (--template FILE) to provide them'}: ${missingCampaign.join(', ')}`,
    );
    involved.push(...missingCampaign);
  }
  const seen = new Map<string, number[]>();
  columns.forEach((c, i) => {
    if (c !== '') seen.set(c, [...(seen.get(c) ?? []), i + 1]);
  });
  const duplicated = [...seen].filter(([, at]) => at.length > 1);
  if (duplicated.length > 0) {
    // Bounded: a header can repeat one name thousands of times, and names can be megabytes long.
    const shown = duplicated.slice(0, 5).map(([c, at]) => `${clipName(c)} (columns ${at.slice(0, 5).join(', ')}${at.length > 5 ? `, … ${at.length} times` : ''})`);
    const more = duplicated.length > 5 ? `; and ${duplicated.length - 5} more` : '';
    sentences.push(`duplicated column${duplicated.length > 1 ? 's' : ''}: ${shown.join('; ')}${more}`);
    involved.push(...duplicated.map(([c]) => c));
  }

  if (sentences.length > 0) {
    let hint = '';
    if (named.length === 1 && /[;\t|]/.test(named[0] ?? '')) {
      hint = ' The header looks separated by semicolons or tabs: save the file as comma-separated CSV.';
    } else if (!named.some(isKnownColumn)) {
      hint = ' None of the expected columns were found: is this the customers CSV (comma-separated, UTF-8, with a header row)?';
    }
    throw new CsvFileError(`CSV header: ${sentences.join('; ')}.${hint}`, { line: 1, columns: involved });
  }

  return {
    columns: [...columns],
    unknown: named.filter((c) => !isKnownColumn(c)),
    fromTemplate: template ? Object.keys(template.fields).filter((c) => !present.has(c)) : [],
  };
}

/** A header name as echoed in a message: at most 40 characters. */
function clipName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
}

/**
 * Line breaks in a raw CSV fragment: CRLF counts once. A loop, not a regex match: the raw text
 * before a record holds every blank line skipped, a million of them in a hostile file, and an
 * array of a million matches would cost tens of megabytes.
 */
function countNewlines(text: string, onlyLeading = false): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      n += 1;
      if (text.charCodeAt(i + 1) === 10) i += 1;
    } else if (c === 10) n += 1;
    else if (onlyLeading) break;
  }
  return n;
}
function leadingNewlines(text: string): number {
  return countNewlines(text, true);
}

function parseErrorToFileError(err: CsvError & { raw?: string }, line: number, inHeader: boolean): CsvFileError {
  const where = inHeader ? `line ${line}: the file does not look like a customers CSV (comma-separated, UTF-8, with a header row)` : `line ${line}`;
  let message: string;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      message = `${where}: a quoted field is opened but never closed (unbalanced "), so the rest of the file cannot be read; fix the quotes in the record starting on that line`;
      break;
    case 'CSV_INVALID_CLOSING_QUOTE':
      message = `${where}: a closing quote is followed by other characters; inside a quoted field write a quote as ""`;
      break;
    case 'INVALID_OPENING_QUOTE':
      message = `${where}: a quote appears inside an unquoted field; put the whole field in quotes and double the quotes inside ("")`;
      break;
    case 'CSV_MAX_RECORD_SIZE':
      message = `${where}: the record is longer than the limit (1 MiB): a cell is far too long, or an unbalanced quote swallowed the lines after it`;
      break;
    default:
      message = `${where}: the file cannot be parsed as CSV (${err.message})`;
  }
  return new CsvFileError(message, { line, cause: err });
}

/** Sole Proprietor rows (the `flow` column is not read). */
export function readCustomerCsv(input: NodeJS.ReadableStream | Readable, opts: ReadCustomerCsvOptions = {}): AsyncGenerator<RowResult> {
  return readRows(input, opts, validateRow);
}

/** Rows of either flow, by their `flow` column: what ingest reads. */
export function readCustomerRows(input: NodeJS.ReadableStream | Readable, opts: ReadCustomerCsvOptions = {}): AsyncGenerator<AnyRowResult> {
  return readRows(input, opts, validateAnyRow);
}

async function* readRows<R extends AnyRowResult>(
  input: NodeJS.ReadableStream | Readable,
  opts: ReadCustomerCsvOptions,
  validate: (record: Record<string, string>, row: number, template?: CampaignTemplate) => R,
): AsyncGenerator<R | Extract<AnyRowResult, { ok: false }>> {
  // Line counting happens in on_record, synchronously with parsing: the parser may run ahead
  // of this consumer, and a parse error must name the line of the record it stopped in.
  let linesParsed = 0;
  const onRecord = (item: ParsedRecord): ParsedRecord & { startLine: number } => {
    const startLine = linesParsed + leadingNewlines(item.raw) + 1;
    linesParsed += countNewlines(item.raw);
    return { ...item, startLine };
  };
  const parser = parse({
    // Typed for plain records; with info and raw on, the parser hands it { record, info, raw }.
    on_record: onRecord as unknown as Options['on_record'],
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    raw: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: opts.maxRecordSize ?? 1024 * 1024,
  });
  const forwardError = (err: Error) => parser.destroy(err);
  input.on('error', forwardError);
  input.pipe(parser);

  let header: string[] | undefined;
  let done = false;
  try {
    try {
      for await (const item of parser as AsyncIterable<ParsedRecord & { startLine: number }>) {
        const { record: cells, info, startLine } = item;
        const row = info.records + info.empty_lines;

        if (header === undefined) {
          header = cells.map((c) => c.trim().toLowerCase());
          const headerInfo = checkHeader(header, opts.template);
          opts.onHeader?.(headerInfo);
          continue;
        }
        if (opts.checkOnly) {
          opts.onCheckedRow?.();
          continue;
        }
        if (cells.every((c) => c.trim() === '')) continue; // a row of empty cells is a blank row

        const record: Record<string, string> = {};
        header.forEach((name, i) => {
          if (name !== '') record[name] = cells[i] ?? '';
        });
        const extra = cells.slice(header.length).filter((c) => c.trim() !== '');
        if (cells.length < header.length || extra.length > 0) {
          const id = (record['customer_id'] ?? '').trim();
          yield {
            ok: false,
            row,
            customerId: CUSTOMER_ID_PATTERN.test(id) ? id : null,
            problems: [
              {
                column: ROW_COLUMN,
                reason:
                  cells.length < header.length
                    ? `has ${cells.length} cells but the header has ${header.length} columns: a value or a comma is missing (line ${startLine})`
                    : `has ${cells.length} cells but the header has ${header.length} columns: a value probably contains an unquoted comma; put it in quotes (line ${startLine})`,
              },
            ],
          };
          continue;
        }
        yield validate(record, row, opts.template);
      }
    } catch (err) {
      if (err instanceof CsvFileError) throw err;
      if (err instanceof CsvError) {
        const e = err as CsvError & { raw?: string };
        // The parser runs ahead of this loop: once it has passed line 1, the header was fine.
        throw parseErrorToFileError(e, linesParsed + leadingNewlines(e.raw ?? '') + 1, header === undefined && linesParsed === 0);
      }
      throw err; // an I/O error of the input stream: not the file's content
    }
    if (header === undefined) {
      throw new CsvFileError('the file is empty: expected a header row with the column names (customer_id, first_name, ...) and one row per customer');
    }
    done = true;
  } finally {
    input.removeListener('error', forwardError);
    if (!done) {
      input.unpipe?.(parser);
      parser.destroy();
      const r = input as Readable;
      if (typeof r.destroy === 'function') r.destroy();
    }
  }
}
