/**
 * Typed errors of the customers module. Both mean "the input file cannot be used as a whole"
 * (as opposed to a bad row, which is a RowResult with problems). `exitCode` is what the CLI
 * should exit with: 2, the usual "bad input / usage" code.
 */

/** Exit code for a CSV or template that cannot be used at all. */
export const INPUT_ERROR_EXIT_CODE = 2;

/** The CSV file as a whole is unusable: empty, not CSV, bad header, or a parse error. */
export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
  readonly exitCode = INPUT_ERROR_EXIT_CODE;
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
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly exitCode = INPUT_ERROR_EXIT_CODE;
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
