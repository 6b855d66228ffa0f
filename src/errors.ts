/**
 * The base of every error that means "the operator's input cannot be used": a file, a template,
 * a setting, a command's arguments, a missing prerequisite. Each carries the exit status the CLI
 * ends with (2, the usual "bad input / usage" status), so the CLI needs no list of classes, and a
 * new kind of bad input is handled by extending this class.
 */
export class InputError extends Error {
  readonly exitCode: number = 2;
}
