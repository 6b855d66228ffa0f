/**
 * What kind of failure dead-lettered a customer, named where the failure is created (a RejectedError,
 * or the worker giving up) and recorded with it (`details.kind` in the ledger and the dead letter), so
 * the operator's "what to do" (src/reports/actions.ts) is keyed on it rather than on the reason's wording.
 */
export const FAILURE_KINDS = [
  /** Twilio's vetting FAILED the campaign. */
  'campaign-failed',
  /** The Messaging Service named in the row does not exist on the account. */
  'service-missing',
  /** The Campaign Registry FAILED the brand. */
  'brand-failed',
  'brand-suspended',
  'brand-deletion-pending',
  'brand-deletion-failed',
  /** A bundle's Evaluation was noncompliant before submission. */
  'evaluation-noncompliant',
  /** Twilio's review rejected a bundle. */
  'bundle-rejected',
  /** Twilio rejected a bundle because the customer profile it rests on was rejected. */
  'profile-rejected',
  /** The business flow's Secondary Business Profile, or its SHAKEN/STIR Trust Product, was rejected. */
  'business-profile-rejected',
  'shaken-stir-rejected',
  /** A Standard brand's A2P Messaging Trust Product was rejected. */
  'a2p-product-rejected',
  /** The row's usecase is not one Twilio's Usecases endpoint offers for the customer's brand. */
  'usecase-not-offered',
  /** Authentication+ failed for a reason a re-sent email cannot fix (domain not verifiable, free mail domain, undeliverable). */
  'auth-plus-failed',
  /** A bundle lacks what Twilio's policy requires and the pipeline fills from the CSV (checked locally). */
  'policy-unmet',
  /** A business's phone_numbers holds a number the account does not own. */
  'phone-numbers-not-owned',
  /** The sender-number stage: not owned, refused on the Messaging Service, none to buy. */
  'sender-not-owned',
  'sender-refused',
  'sender-none-to-buy',
  /** ACCOUNT_MODE=subaccount: the customer's subaccount is suspended or closed. */
  'subaccount-inactive',
  /** The parent has as many subaccounts as Twilio allows (error 21480). */
  'subaccount-limit',
  /** The row's account_sid is not a subaccount of this parent (unknown, the parent itself, or another customer's). */
  'subaccount-invalid',
  /** Twilio answered 4xx to a request built from the customer's data. */
  'request-refused',
  /** twilio-node refused to send a request missing a required parameter (our bug). */
  'request-incomplete',
  /** The customer's ledger record is gone. */
  'customer-missing',
  /** Transient failures outlasted the job's attempts. */
  'retries-exhausted',
  /** A RejectedError created without a kind. */
  'unclassified',
] as const;

export type FailureKind = (typeof FAILURE_KINDS)[number];

export function isFailureKind(v: unknown): v is FailureKind {
  return typeof v === 'string' && (FAILURE_KINDS as readonly string[]).includes(v);
}

/**
 * Why ingest refused a row's cell, recorded with the refused row (with its column), so the action for
 * an invalid row is keyed on it (with the column: a `tax_id` cell means the business flow).
 * Rules without their own action are 'cell'.
 */
export const ROW_RULES = [
  /** A Sole Proprietor brand name with a company designator (Twilio's error 30915). */
  'company-brand-name',
  /** The customer_id was submitted in an earlier batch. */
  'already-registered',
  /** The email or mobile number reached The Campaign Registry's reuse limit. */
  'reuse-limit',
  /** Any other cell rule: fix the cell. */
  'cell',
] as const;

export type RowRule = (typeof ROW_RULES)[number];
