import { InputError } from '../errors.js';

/**
 * Typed errors of the customers module. Both mean "the input file cannot be used as a whole"
 * (as opposed to a bad row, which is a RowResult with problems); as InputErrors the CLI exits 2.
 */

/** The CSV file as a whole is unusable: empty, not CSV, bad header, or a parse error. */
export class CsvFileError extends InputError {
  override readonly name = 'CsvFileError';
  /** 1-based line of the file where the problem starts, when there is one. */
  readonly line: number | undefined;
  /** Columns the problem is about (missing, duplicated), when there are any. */
  readonly columns: readonly string[];

  constructor(message: string, opts: { line?: number; columns?: readonly string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.line = opts.line;
    this.columns = opts.columns ?? [];
  }
}

/** The campaign template JSON cannot be used: unreadable, not JSON, unknown keys or placeholders, bad values. */
export class TemplateError extends InputError {
  override readonly name = 'TemplateError';
  /** Where the template came from (a file path, or `<inline>`). */
  readonly source: string;
  /** Every problem found, one sentence each; `message` lists them all. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], opts: { cause?: unknown } = {}) {
    super(
      problems.length === 1
        ? `campaign template ${source}: ${problems[0]}`
        : `campaign template ${source} has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.source = source;
    this.problems = problems;
  }
}
