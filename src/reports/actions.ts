import type { CustomerState } from '../ledger/states.js';
import type { StatusFields } from '../ledger/status-fields.js';
import { INCOMPLETE_REQUEST_ACTION } from '../twilio/errors.js';
import { isFailureKind, type FailureKind, type RowRule } from '../failure-kinds.js';

/**
 * What an operator should do about a customer, from its state, stage and reason.
 * Reasons already say what Twilio or the CSV check found; this turns them into the next
 * step, so the batch page and the report answer "what do I do" without a runbook.
 * Commands named here: `ingest` (re-ingest a corrected file), `ingest --update` and
 * `redrive` (resubmit a dead-lettered customer without creating anything twice).
 */

export interface ActionInput {
  state: CustomerState;
  stage: string;
  reason: string | null;
  /** What the failure recorded: its `kind` (src/failure-kinds.ts), Twilio's codes, the brand's status and SIDs. */
  details?: Record<string, unknown> | null;
  /** The customer's flow (`business` or the Sole Proprietor default). */
  flow?: string | null;
  /** Filled into the commands the action names. */
  customerId?: string | null;
  batchId?: string | null;
  /** An invalid row's first refused column and the rule it broke, as ingest recorded them. */
  column?: string | null;
  rule?: RowRule | null;
}

const RESUBMIT = 'then send the correction: fix the row and run `a2p-onboard ingest FILE --update` (the customer is corrected in place and resubmitted; nothing is created twice)';

interface Facts {
  kind: FailureKind | undefined;
  codes: Set<string>;
  details: Record<string, unknown> | null;
}

type Action = string | ((f: Facts) => string);

interface Rule {
  test: (f: Facts) => boolean;
  action: Action;
}

const code = (...c: (number | string)[]) => (f: Facts) => c.some((x) => f.codes.has(String(x)));
/** A detail as text: details are JSON from the ledger, so a number is printed as such and anything else gives `fallback`. */
const detailText = (v: unknown, fallback: string): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : fallback);
const brandSidOf = (f: Facts) => (typeof f.details?.['brandSid'] === 'string' ? f.details['brandSid'] : 'shown in the reason');
/** The fields Twilio named (object_field of a bundle error, fields of a campaign error). */
function namedFields(details: Record<string, unknown> | null): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 3 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (typeof o['object_field'] === 'string') out.add(o['object_field']);
    if (typeof o['field'] === 'string') out.add(o['field']);
    for (const x of Object.values(o)) visit(x, depth + 1);
  };
  visit(details, 0);
  return out;
}

const REDRIVE = '`a2p-onboard redrive --customer ID`';

/**
 * Twilio's codes first: what each means for the operator, whatever the kind of failure around it.
 * Sources:
 * - [000] the Starter Profile API document's noncompliant evaluation (22214-22219): 22214 an end
 *   user missing, 22215 a field of an end user missing or invalid, 22216 a supporting document
 *   missing, 22217 a document's field missing or not matching, 22219 the address. Twilio's review
 *   of a submitted bundle reports the same objects with the same codes.
 * - [table] beyond-the-seeds.md, "Rejection codes that change what an operator should do" (Twilio's
 *   error dictionary, /docs/api/errors/NNNNN): 30885, 30889, 30893, 30899, 30900, 30901, 30902,
 *   30791, 30752, 30915, 30994. 30893's page also says a sample must name the business.
 * - [unverified] MOBILE_LIMIT / EMAIL_LIMIT: no document names the code Twilio gives a brand refused
 *   for TCR's reuse limits (002 documents the limits, not a code); these are the sandbox's markers.
 *   22218 is named by no document: no action is keyed on it.
 */
const CODE_RULES: Rule[] = [
  // [table] campaign codes
  { test: code(30885), action: 'Carriers judged this campaign high risk (error 30885): it cannot be resubmitted, so do not redrive it or send it again with --update (each vetting is charged). Review the customer\'s use of messaging; if you believe the verdict is wrong, contact Twilio Support with the campaign SID.' },
  { test: code(30889), action: `The campaign's has_embedded_phone flag does not match its sample messages (error 30889): make the samples and the flag agree in the campaign template or columns, ${RESUBMIT}.` },
  { test: code(30893), action: `The sample messages do not fit the use case (error 30893; at least one must name the business and show how to opt out). Fix the samples in the campaign template or columns, ${RESUBMIT}.` },
  { test: code(30994), action: `The campaign failed because its brand has not completed Authentication+ (error 30994): the brand contact must open the verification link TCR emailed (valid 7 days); then ${REDRIVE}.` },
  { test: code(30900), action: `The use case is not allowed for this brand, or its Authentication+ is not done (error 30900): change the campaign's use case to one the brand may use, or finish Authentication+, ${RESUBMIT}.` },
  { test: code(30899, 30902), action: (f) => `A carrier${f.codes.has('30902') ? ' (a secondary DCA)' : ''} rejected the campaign (error ${f.codes.has('30902') ? 30902 : 30899}): contact Twilio Support with the campaign SID and Messaging Service SID before changing anything; resubmitting blindly costs a vetting fee each time.` },
  { test: code(30901), action: `The registration timed out at Twilio (error 30901): register it again with ${REDRIVE}; nothing is created twice.` },
  // [table] brand codes
  { test: code(30915), action: 'Twilio refused a Sole Proprietor brand for what looks like a company (LLC, Inc., Corp. and the like; error 30915). Register the customer as a business: set its `flow` column to `business`, fill the business columns (business name, type, industry, registration number, representative, phone numbers) and run `a2p-onboard ingest FILE --update`.' },
  { test: code(30791), action: `Twilio kept answering a temporary brand error (error 30791) although a2p-onboard resubmitted the brand after about 30 s each time. Check Twilio's status page, wait a while, then ${REDRIVE}: the same retries start again (BRAND_RETRIES at most, each resubmission charged).` },
  { test: code(30752), action: `The OTP expired or was never answered (error 30752): ask the customer to reply YES to the text from +1 (915) 278-2000, then ${REDRIVE} to send a fresh one.` },
  // Authentication+ (Twilio's error pages 21736-21741, changelog 2025-08-07 "Authentication+ 2FA Verify & New Error Codes")
  { test: code(21740), action: `The brand contact email is on a domain Authentication+ refuses (error 21740: a free mail domain such as gmail.com). Put an address on the company's own domain in brand_contact_email, ${RESUBMIT}; a fresh Authentication+ email is sent (a fee).` },
  { test: code(21736), action: `TCR could not verify that the company owns the brand contact email's domain (error 21736). Use an address on the company's own website domain in brand_contact_email, ${RESUBMIT}.` },
  { test: code(21738), action: `The Authentication+ email could not be delivered to the brand contact (error 21738). Check brand_contact_email with the customer (a typo, an inactive mailbox, a server refusing outside mail), ${RESUBMIT}.` },
  { test: code(21737, 21739, 21741), action: `The brand contact did not complete Authentication+ in time (error 21737/21739/21741). Ask them to watch for the email from TCR and finish it as soon as it arrives, then ${REDRIVE}: a fresh email is sent (a fee).` },
  // Twilio refuses every campaign created since 2026-06-30 without them: ingest requires both now, so a customer
  // ingested before lands here (its brand fee is paid; no campaign was created, so no vetting fee).
  { test: code(30933, 30934), action: (f) => `Twilio refused the campaign without a ${f.codes.has('30933') ? 'privacy policy' : 'terms and conditions'} URL (error ${f.codes.has('30933') ? 30933 : 30934}). Fill privacy_policy_url and terms_and_conditions_url with public HTTPS pages (on a Sole Proprietor row they may come from the campaign template, e.g. "https://isv.example.com/privacy/{{customer_id}}"), ${RESUBMIT}.` },
  // [000] evaluation and review codes
  { test: code(22215), action: (f) => namedFields(f.details).has('email')
      ? `Twilio refused the customer's email (error 22215: a field of the customer's information is invalid). Ask the customer for a lasting address on a real domain (not disposable, not a typo), ${RESUBMIT}.`
      : `A field of the customer's information is missing or invalid (error 22215); the reason names it. Correct it with the customer, ${RESUBMIT}.` },
  { test: code(22219), action: `Twilio could not validate the address (error 22219). Check street, city, state/province and ZIP/postal code with the customer (the ZIP must belong to the state), ${RESUBMIT}.` },
  { test: code(22217), action: `A field of a supporting document is missing or does not match the customer's information (error 22217); the reason names it. Make them agree, ${RESUBMIT}.` },
  { test: code(22214, 22216), action: (f) => `The bundle lacks an end user or a supporting document Twilio's policy requires (error ${f.codes.has('22214') ? 22214 : 22216}): a2p-onboard attaches what it knows of, so Twilio probably changed the policy. Report it with the reason; once a2p-onboard fills it, ${REDRIVE}.` },
  // [unverified] sandbox markers for TCR's reuse limits
  { test: code('MOBILE_LIMIT'), action: `The mobile number is already in the maximum number of Sole Proprietor brands. Ask the customer for another mobile number of their own, ${RESUBMIT}.` },
  { test: code('EMAIL_LIMIT'), action: `The email is already in the maximum number of Sole Proprietor brands. Ask the customer for another email address, ${RESUBMIT}.` },
];

/** What to do when nothing more precise is known: an unclassified failure, or one recorded before kinds were. */
const GENERIC_FAILED = `Read the reason: correct what it names with the customer, ${RESUBMIT}. If it names nothing about the customer, contact Twilio Support with the SIDs shown.`;

/** What to do about a failure of the business flow (its stages know better than Twilio's codes). */
const BUSINESS_UPDATE = 'fix the data in the CSV and run `a2p-onboard ingest FILE --update`';

const BUSINESS_ACTIONS = {
  businessProfile: `Twilio rejected the Secondary Business Profile (see the reason: business information, representatives or address): ${BUSINESS_UPDATE}; the profile is corrected and resubmitted, nothing is created twice`,
  shakenStir: `the SHAKEN/STIR Trust Product was refused (see the reason; it follows its Secondary Business Profile): ${BUSINESS_UPDATE}`,
  a2pProduct: `Twilio rejected the A2P Messaging Trust Product (see the reason: company_type, stock_exchange, stock_ticker, brand_contact_email, or the Secondary Business Profile it rests on): ${BUSINESS_UPDATE}; it is corrected and resubmitted, nothing is created twice`,
  usecase: "Twilio does not offer the row's usecase to this brand (the reason lists the use cases it offers): put one of them in the usecase column and run `a2p-onboard ingest FILE --update`; the campaign is created then (a vetting fee)",
  policy:
    "the bundle lacks data Twilio's current policy requires and a2p-onboard fills from the CSV (named in the reason, with its column): fill it and run `a2p-onboard ingest FILE --update`",
  phoneNumbers:
    'a number in phone_numbers is not a phone number of this Twilio account: buy or port it into the account (or correct phone_numbers), then run `a2p-onboard ingest FILE --update` (or `a2p-onboard redrive --customer ID` once the account owns it)',
} as const;

/** What to do about a Sole Proprietor customer's sender number (the `sender-number` stage). */
const SENDER_UPDATE = 'then run `a2p-onboard ingest FILE --update`';
export const SENDER_ACTIONS = {
  missing:
    'The customer has no number to text from. Either put a number this Twilio account owns in its sender_number column, ' +
    `${SENDER_UPDATE}; or set BUY_SENDER_NUMBERS=true (one local number is bought in the area code of its phone) and run \`a2p-onboard redrive --customer ID\`.`,
  notOwned: `sender_number is not a number of this Twilio account: buy or port it into the account (then \`a2p-onboard redrive --customer ID\`), or correct the sender_number column, ${SENDER_UPDATE}.`,
  refused:
    'Twilio refused to put the number on the Messaging Service (see the reason: a number already on another Messaging Service, or a Sole Proprietor service that already has one). ' +
    `Take it off the other service in Twilio's console or give another number in sender_number, ${SENDER_UPDATE}.`,
  noneToBuy: "No local number could be bought near the customer. Buy one in Twilio's console and put it in sender_number, " + `${SENDER_UPDATE}; or \`a2p-onboard redrive --customer ID\` later.`,
} as const;

/**
 * Kinds whose stage knows better than Twilio's codes what to do: their action is given before any code is
 * looked at (a business profile's rejection is fixed in the business columns whatever field Twilio names).
 */
const STAGE_ACTIONS = {
  'business-profile-rejected': BUSINESS_ACTIONS.businessProfile,
  'shaken-stir-rejected': BUSINESS_ACTIONS.shakenStir,
  'a2p-product-rejected': BUSINESS_ACTIONS.a2pProduct,
  'usecase-not-offered': BUSINESS_ACTIONS.usecase,
  'policy-unmet': BUSINESS_ACTIONS.policy,
  'phone-numbers-not-owned': BUSINESS_ACTIONS.phoneNumbers,
  'sender-not-owned': SENDER_ACTIONS.notOwned,
  'sender-refused': SENDER_ACTIONS.refused,
  'sender-none-to-buy': SENDER_ACTIONS.noneToBuy,
  'request-incomplete': INCOMPLETE_REQUEST_ACTION,
  'subaccount-inactive': "The customer's Twilio subaccount is suspended or closed, so nothing can be registered in it. Reactivate it in the parent account's Console (a suspended one; a closed subaccount cannot be reopened: name another in account_sid, or empty account_sid to have a new one created), then `a2p-onboard redrive --customer ID`.",
  'subaccount-limit': 'The parent account has as many subaccounts as Twilio allows (1000 unless Twilio Support raised it; error 21480), so no subaccount could be created for this customer. Ask Twilio Support to raise the limit, or close subaccounts no longer used (a closed subaccount frees its place), then `a2p-onboard redrive --batch BATCH`: nothing is created twice.',
  'subaccount-invalid': `The account_sid column does not name an active subaccount of this Twilio account (TWILIO_ACCOUNT_SID) that no other customer uses. Correct account_sid (or leave it empty to have a subaccount created), ${RESUBMIT}.`,
} as const satisfies Partial<Record<FailureKind, Action>>;

type StageKind = keyof typeof STAGE_ACTIONS;

/**
 * Every other kind, when no code of Twilio's decided: one entry per kind, so a new kind without an
 * action does not compile. Brand statuses: twilio_messaging_v1.json's enum; 002 §3.1 for SUSPENDED.
 */
const KIND_ACTIONS = {
  'campaign-failed': `The campaign was refused for the reason shown. Fix the campaign template or columns, ${RESUBMIT}.`,
  'service-missing': `Fix the messaging_service_sid column (or leave it empty to have a Messaging Service created), ${RESUBMIT}.`,
  'brand-failed': `The Campaign Registry refused the brand for the reason shown (usually the name, address, email or mobile number does not match the customer). Correct the data with the customer, ${RESUBMIT}.`,
  'brand-suspended': (f) => `The brand is SUSPENDED: the A2P ecosystem believes it broke brand registration rules. Do not resubmit; open a ticket with Twilio Support naming brand ${brandSidOf(f)}.`,
  'brand-deletion-pending': (f) => `Brand ${brandSidOf(f)} is being deleted at Twilio (someone asked for it from the Console or the API), so it can carry no campaign. If nobody meant to delete it, contact Twilio Support at once naming the brand; if it was meant, the customer needs a new brand registration (a new submission, charged).`,
  'brand-deletion-failed': (f) => `Twilio could not delete brand ${brandSidOf(f)} (DELETION_FAILED): contact Twilio Support naming the brand, to finish or cancel the deletion; a2p-onboard will not use the brand meanwhile.`,
  'evaluation-noncompliant': `Twilio's evaluation lists the missing or invalid fields in the reason. Correct them, ${RESUBMIT}.`,
  'profile-rejected': `The supporting customer profile was rejected: fix what its rejection names first, ${RESUBMIT}.`,
  'bundle-rejected': `Twilio's review rejected the customer's data for the reason shown. Correct the fields it names, ${RESUBMIT}.`,
  // A refusal of a value (4xx); anything else Twilio refused is not the customer's data.
  'request-refused': (f) => {
    const status = f.details?.['status'];
    return typeof status === 'number' && status >= 400 && status < 500 ? `Twilio refused a value in this customer's data. Correct the field the message names, ${RESUBMIT}.` : GENERIC_FAILED;
  },
  'auth-plus-failed': `Authentication+ failed for a reason a fresh email cannot fix (see the reason). Correct brand_contact_email with the customer (an address on the company's own domain), ${RESUBMIT}.`,
  'retries-exhausted': 'Twilio or the network kept failing for this customer, not its data. Check Twilio\'s status and the worker logs, then `a2p-onboard redrive --customer ID`; nothing is created twice.',
  'customer-missing': GENERIC_FAILED,
  unclassified: GENERIC_FAILED,
} as const satisfies Record<Exclude<FailureKind, StageKind>, Action>;

/** The action of a kind of failure with no code of Twilio's to go by (exported for the test that every kind has one). */
export function kindAction(kind: FailureKind, details: Record<string, unknown> | null = null): string {
  const action: Action = kind in STAGE_ACTIONS ? STAGE_ACTIONS[kind as StageKind] : KIND_ACTIONS[kind as Exclude<FailureKind, StageKind>];
  return typeof action === 'string' ? action : action({ kind, codes: new Set(), details });
}

function apply(action: Action, f: Facts): string {
  return typeof action === 'string' ? action : action(f);
}

export function suggestAction(c: ActionInput): string | null {
  const action = baseAction(c);
  return action === null ? null : fillCommands(action, c);
}

/** The customer's and batch's ids in the commands an action names (`--customer ID`, `--batch BATCH`). */
export function fillCommands(action: string, ids: { customerId?: string | null; batchId?: string | null }): string {
  return action.replaceAll('--customer ID', `--customer ${ids.customerId ?? 'ID'}`).replaceAll('--batch BATCH', `--batch ${ids.batchId ?? 'BATCH'}`);
}

/** A dead-lettered customer: its stage's own action, else Twilio's codes, else the kind's; no kind recorded: the generic action. */
function failedAction(c: ActionInput): string {
  const details = c.details ?? null;
  const kind = isFailureKind(details?.['kind']) ? details['kind'] : undefined;
  const facts: Facts = { kind, codes: errorCodes(c.reason ?? '', details), details };
  if (kind !== undefined && kind in STAGE_ACTIONS) return apply(STAGE_ACTIONS[kind as StageKind], facts);
  const rule = CODE_RULES.find((r) => r.test(facts));
  if (rule) return apply(rule.action, facts);
  // Records written before failures had a kind get the generic action: their reasons are not re-read.
  return kind === undefined ? GENERIC_FAILED : apply(KIND_ACTIONS[kind as Exclude<FailureKind, StageKind>], facts);
}

function baseAction(c: ActionInput): string | null {
  switch (c.state) {
    case 'invalid':
      return invalidAction(c);
    case 'failed':
      return failedAction(c);
    case 'awaiting_otp':
      return 'Twilio texted a one-time password to the customer\'s mobile number from +1 (915) 278-2000. Ask the customer to reply YES to it; a fresh one is sent every 24 hours.';
    case 'awaiting_email':
      return 'Authentication+: The Campaign Registry emailed a verification link to the brand contact (brand_contact_email, from noreply@auth.campaignregistry.com). Ask them to open it and finish the steps within 7 days; a2p-onboard moves on by itself once TCR confirms.';
    case 'expired':
      if (c.details?.['authPlus'] === true) {
        return 'The brand contact did not confirm the Authentication+ email in time (TCR gives 7 days; AUTH_PLUS_EXPIRY_MS), and the automatic re-sends (AUTH_PLUS_RESENDS) are used up. Check brand_contact_email with the customer and ask them to watch for the email from noreply@auth.campaignregistry.com, then `a2p-onboard redrive --customer ID`: a fresh email is sent (a fee). A wrong address: correct brand_contact_email and run `a2p-onboard ingest FILE --update`.';
      }
      return 'The customer did not confirm the brand within 30 days. Check the mobile number with the customer and ask them to reply YES to the text from +1 (915) 278-2000, then `a2p-onboard redrive --customer ID` to send a fresh one.';
    case 'in_progress':
      // Still watched, but Twilio asks ISVs to step in (beyond-the-seeds: IN_REVIEW for more than 2 days).
      if (c.details?.['brandStatus'] === 'IN_REVIEW' && c.details['reviewStuck'] === true) {
        return `Brand ${detailText(c.details['brandSid'], '')} has been IN_REVIEW for more than ${detailText(c.details['stuckAfter'], '2 days')}: contact Twilio Support naming the brand SID. a2p-onboard keeps watching it and moves on by itself once Twilio decides.`;
      }
      return null;
    case 'completed':
      if (c.flow === 'business' && c.details?.['standardBrand'] === true) {
        return 'Nothing to do: the brand is approved and the campaign is submitted; Twilio is vetting it (this can take days). The sweeps mark the customer live once it is VERIFIED and a number is on its Messaging Service.';
      }
      return c.flow === 'business'
        ? 'Nothing to do: the business profile (and SHAKEN/STIR Trust Product) are submitted and Twilio is reviewing them; the sweeps and status callbacks mark the customer live or failed.'
        : 'Nothing to do: every registration is submitted and Twilio is vetting the campaign (this can take days); the sweeps mark the customer live or failed.';
    default:
      return null;
  }
}

/** What to do about a row ingest refused, keyed on its first refused column and the rule it broke. */
function invalidAction(c: ActionInput): string {
  // Rows refused by earlier versions recorded no rule: theirs are read back from the reason.
  const { column, rule } = c.rule ? { column: c.column ?? undefined, rule: c.rule } : legacyRowFacts(c.reason ?? '');
  if (column === 'tax_id') return 'This customer has a tax ID (EIN), so it is not a Sole Proprietor: set its `flow` column to `business`, fill the business columns (business name, type, industry, registration number, representative 1, phone numbers) and ingest the row again.';
  switch (rule) {
    case 'company-brand-name':
      return 'The brand name shows a company (LLC, corporation, partnership), which Twilio refuses as a Sole Proprietor (error 30915): set its `flow` column to `business` (flow=business), fill the business columns (business name, type, industry, registration number, representative 1, phone numbers) and ingest the row again. If the customer really is a sole proprietor, use the trade name without the company designator.';
    case 'already-registered':
      return 'This customer was submitted in an earlier batch: follow it there; each customer is registered once.';
    case 'reuse-limit':
      return `The ${column === 'email' ? 'email' : 'mobile number'} has reached The Campaign Registry's reuse limit. Ask the customer for another one, fix the row and ingest the file again into this batch.`;
    case 'cell':
      return `Fix the ${column ?? 'named'} cell of this row in the CSV and ingest the file again into this batch (\`--batch BATCH\`); customers already accepted are not registered twice.`;
  }
}

/**
 * Rows refused before ingest recorded their column and rule: both read back from the reason's wording
 * ("column: reason; ..."), the only place those records kept them.
 */
function legacyRowFacts(reason: string): { column: string | undefined; rule: RowRule } {
  const column = /^([a-z_0-9]+):/.exec(reason)?.[1];
  if (column === 'brand_name' && /\(error 30915\)/.test(reason)) return { column, rule: 'company-brand-name' };
  if (column === 'customer_id' && /already in batch/.test(reason)) return { column, rule: 'already-registered' };
  if (/already used by \d+ brand registrations/.test(reason)) return { column, rule: 'reuse-limit' };
  return { column, rule: 'cell' };
}

/**
 * Twilio's error codes recorded with a failure: `code`/`error_code` in its details, where the failure was
 * classified. Records without a kind (written before kinds, or a RejectedError's own details) may hold
 * a code only in their reason's text ("(error 22215)"), so for them the reason is read too.
 */
export function errorCodes(reason: string, details: Record<string, unknown> | null): Set<string> {
  const out = new Set<string>();
  if (!isFailureKind(details?.['kind'])) for (const m of reason.matchAll(/\((?:error|code) (\d{5})\)/g)) out.add(m[1]!);
  const visit = (v: unknown, depth: number) => {
    if (depth > 3 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, depth + 1));
    const o = v as Record<string, unknown>;
    for (const key of ['code', 'error_code']) {
      const x = o[key];
      if (typeof x === 'number' || typeof x === 'string') out.add(String(x));
    }
    for (const x of Object.values(o)) visit(x, depth + 1);
  };
  visit(details, 0);
  return out;
}

/**
 * A customer whose corrected campaign holds fields Twilio could not update in place (the campaign
 * stage notes them in `status.campaignNotUpdated`): how to apply them, at the price of a new vetting.
 */
export function campaignNotUpdatedAction(customerId: string, status: Pick<StatusFields, 'campaignNotUpdated'>): string | null {
  const fields = status.campaignNotUpdated ?? [];
  if (!fields.length) return null;
  return `${fields.join(', ')} changed, but Twilio cannot update ${fields.length > 1 ? 'these fields' : 'this field'} on an existing campaign: to apply, delete and create the campaign again with \`a2p-onboard redrive --recreate-campaign --customer ${customerId}\` (a new campaign vetting fee; the customer cannot send until it is vetted)`;
}
