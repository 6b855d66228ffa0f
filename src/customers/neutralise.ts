/**
 * Spreadsheet formula neutralisation for anything we write back out (CSV reports, console
 * listings an operator may paste into a sheet, log lines). A cell a spreadsheet would read as
 * a formula (`=HYPERLINK(...)`, `+1+1`, `-2+3`, `@SUM(...)`, or one hidden behind a leading tab
 * or carriage return) gets a leading apostrophe, so it is shown as text and never evaluated.
 * OWASP's "CSV injection" rule. Keep this tiny: the report exporter uses the same rule.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * Text from a CSV echoed to a terminal: control characters (ESC sequences could recolour or
 * rewrite the operator's screen, CR could hide the start of a line) are shown escaped instead.
 */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** For one console cell: printable, then neutralised. */
export function safeCell(value: string): string {
  return neutralise(printable(value));
}
