/**
 * A customer's state in the ledger, and the groups of states the pipeline and the operators'
 * commands reason about. Kept apart from the Ledger so that what only needs the vocabulary (the
 * batch index, reports, sweeps) does not import the class.
 */

/** `awaiting_email`: a public company's brand waits for its contact to confirm TCR's Authentication+ email. */
export const STATES = ['invalid', 'in_progress', 'awaiting_otp', 'awaiting_email', 'completed', 'live', 'failed', 'expired'] as const;
export type CustomerState = (typeof STATES)[number];

/**
 * States in which a customer still waits on Twilio or on our own jobs: they sit in the
 * `watch` index, due for a re-check by the sweeps. `completed` means every registration is
 * submitted and the campaign is being vetted; `live` means the campaign is VERIFIED.
 */
export const WATCHED_STATES: readonly CustomerState[] = ['in_progress', 'awaiting_otp', 'awaiting_email', 'completed'];
/** States the pipeline will not leave on its own: an operator (redrive, --update) or nothing moves them. */
export const SETTLED_STATES: readonly CustomerState[] = ['live', 'failed', 'expired', 'invalid'];
export const REDRIVABLE_STATES: readonly CustomerState[] = ['failed', 'expired'];

export function isState(s: string): s is CustomerState {
  return (STATES as readonly string[]).includes(s);
}

/** A zero for every state (counts by state start here). */
export function emptyCounts(): Record<CustomerState, number> {
  return Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CustomerState, number>;
}
