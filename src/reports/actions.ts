import type { CustomerState } from '../ledger/ledger.js';

/**
 * What an operator should do about a customer, from its state, stage and reason.
 * Reasons already say what Twilio or the CSV check found; this turns them into the next
 * step, so the batch page and the report answer "what do I do" without a runbook.
 * Commands named here: `ingest` (re-ingest a corrected file), `ingest --update` and
 * `redrive` (resubmit a dead-lettered customer without creating anything twice).
 */

export interface ActionInput {
  state: CustomerState | string;
  stage: string;
  reason: string | null;
  details?: Record<string, unknown> | null;
  /** The customer's flow (`business` or the Sole Proprietor default). */
  flow?: string | null;
  /** Filled into the commands the action names. */
  customerId?: string | null;
  batchId?: string | null;
}

const RESUBMIT = 'then send the correction: fix the row and run `a2p-onboard ingest FILE --update` (the customer is corrected in place and resubmitted; nothing is created twice)';

interface Rule {
  test: (reason: string, codes: Set<string>) => boolean;
  action: string;
}

const code = (...c: (number | string)[]) => (_r: string, codes: Set<string>) => c.some((x) => codes.has(String(x)));
const says = (re: RegExp) => (r: string) => re.test(r);

/** Dead-lettered customers: the first matching rule wins, most specific first. */
const FAILED_RULES: Rule[] = [
  { test: code(22215), action: `Twilio suspects the email is disposable. Ask the customer for a lasting address on a real domain, ${RESUBMIT}.` },
  { test: code(22219), action: `Twilio could not validate the address. Check street, city, state/province and ZIP/postal code with the customer (the ZIP must belong to the state), ${RESUBMIT}.` },
  { test: code(22218), action: `The supporting Starter Customer Profile was rejected: fix what its rejection names first, ${RESUBMIT}.` },
  { test: code('MOBILE_LIMIT'), action: `The mobile number is already in the maximum number of Sole Proprietor brands. Ask the customer for another mobile number of their own, ${RESUBMIT}.` },
  { test: code('EMAIL_LIMIT'), action: `The email is already in the maximum number of Sole Proprietor brands. Ask the customer for another email address, ${RESUBMIT}.` },
  { test: code(30899), action: `Carrier vetting refused the campaign for the reason and fields shown (for example sample messages that do not name the brand). Fix the campaign template or columns, ${RESUBMIT}.` },
  { test: says(/^Campaign \S+ FAILED/), action: `The campaign was refused for the reason shown. Fix the campaign template or columns, ${RESUBMIT}.` },
  { test: says(/messaging_service_sid \S+ does not exist/), action: `Fix the messaging_service_sid column (or leave it empty to have a Messaging Service created), ${RESUBMIT}.` },
  { test: says(/Required parameter .* missing/), action: 'a2p-onboard built an incomplete request (a bug): report it with the logs; once fixed, `a2p-onboard redrive --customer ID`.' },
  { test: says(/SUSPENDED/), action: 'The brand is suspended. Do not resubmit: open a ticket with Twilio Support with the brand SID.' },
  { test: says(/^gave up after \d+ attempts/), action: 'Twilio or the network kept failing for this customer, not its data. Check Twilio\'s status and the worker logs, then `a2p-onboard redrive --customer ID`; nothing is created twice.' },
  { test: says(/evaluation is noncompliant/), action: `Twilio's evaluation lists the missing or invalid fields in the reason. Correct them, ${RESUBMIT}.` },
  { test: says(/Brand \S+ FAILED/), action: `The Campaign Registry refused the brand for the reason shown (usually the name, address, email or mobile number does not match the customer). Correct the data with the customer, ${RESUBMIT}.` },
  { test: says(/rejected by Twilio/), action: `Twilio's review rejected the customer's data for the reason shown. Correct the fields it names, ${RESUBMIT}.` },
  { test: says(/refused the request \(4\d\d/), action: `Twilio refused a value in this customer's data. Correct the field the message names, ${RESUBMIT}.` },
];

export function suggestAction(c: ActionInput): string | null {
  const action = baseAction(c);
  if (action === null) return null;
  return action
    .replaceAll('--customer ID', `--customer ${c.customerId ?? 'ID'}`)
    .replaceAll('--batch BATCH', `--batch ${c.batchId ?? 'BATCH'}`);
}

function baseAction(c: ActionInput): string | null {
  const reason = c.reason ?? '';
  switch (c.state) {
    case 'invalid':
      return invalidAction(reason);
    case 'failed': {
      const codes = errorCodes(reason, c.details ?? null);
      const rule = FAILED_RULES.find((r) => r.test(reason, codes));
      return rule?.action ?? `Read the reason: correct what it names with the customer, ${RESUBMIT}. If it names nothing about the customer, contact Twilio Support with the SIDs shown.`;
    }
    case 'awaiting_otp':
      return 'Twilio texted a one-time password to the customer\'s mobile number from +1 (915) 278-2000. Ask the customer to reply YES to it; a fresh one is sent every 24 hours.';
    case 'expired':
      return 'The customer did not confirm the brand within 30 days. Check the mobile number with the customer and ask them to reply YES to the text from +1 (915) 278-2000, then `a2p-onboard redrive --customer ID` to send a fresh one.';
    case 'completed':
      return c.flow === 'business'
        ? 'Nothing to do: the business profile (and SHAKEN/STIR Trust Product) are submitted and Twilio is reviewing them; the sweeps and status callbacks mark the customer live or failed.'
        : 'Nothing to do: every registration is submitted and Twilio is vetting the campaign (this can take days); the sweeps mark the customer live or failed.';
    default:
      return null;
  }
}

function invalidAction(reason: string): string {
  const column = /^([a-z_0-9]+):/.exec(reason)?.[1];
  if (column === 'tax_id') return 'This customer has a tax ID (EIN), so it is not a Sole Proprietor: set its `flow` column to `business`, fill the business columns (business name, type, industry, registration number, representative 1, phone numbers) and ingest the row again.';
  if (column === 'customer_id' && /already in batch/.test(reason)) return 'This customer was submitted in an earlier batch: follow it there; each customer is registered once.';
  if (/already used by \d+ brand registrations/.test(reason)) {
    return `The ${column === 'email' ? 'email' : 'mobile number'} has reached The Campaign Registry's reuse limit. Ask the customer for another one, fix the row and ingest the file again into this batch.`;
  }
  return `Fix the ${column ?? 'named'} cell of this row in the CSV and ingest the file again into this batch (\`--batch BATCH\`); customers already accepted are not registered twice.`;
}

/** Twilio error codes in the reason ("(error 22215)") and in the recorded details. */
export function errorCodes(reason: string, details: Record<string, unknown> | null): Set<string> {
  const out = new Set<string>();
  for (const m of reason.matchAll(/\((?:error|code) (\d{5})\)/g)) out.add(m[1]!);
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
 * What to do about a failure of the business flow, passed by its stages with the RejectedError
 * (they know better than a rule on the reason could).
 */
const BUSINESS_UPDATE = 'fix the data in the CSV and run `a2p-onboard ingest FILE --update`';

export const BUSINESS_ACTIONS = {
  businessProfile: `Twilio rejected the Secondary Business Profile (see the reason: business information, representatives or address): ${BUSINESS_UPDATE}; the profile is corrected and resubmitted, nothing is created twice`,
  shakenStir: `the SHAKEN/STIR Trust Product was refused (see the reason; it follows its Secondary Business Profile): ${BUSINESS_UPDATE}`,
  policy:
    "the bundle lacks what Twilio's current policy requires (named in the reason). A missing customer column: fill it and run `a2p-onboard ingest FILE --update`. A requirement a2p-onboard does not send (Twilio changed the policy): a2p-onboard must learn the new field; then run `a2p-onboard redrive --customer ID`",
  phoneNumbers:
    'a number in phone_numbers is not a phone number of this Twilio account: buy or port it into the account (or correct phone_numbers), then run `a2p-onboard ingest FILE --update` (or `a2p-onboard redrive --customer ID` once the account owns it)',
} as const;

/**
 * A customer whose corrected campaign holds fields Twilio could not update in place (the campaign
 * stage notes them in `status.campaignNotUpdated`): how to apply them, at the price of a new vetting.
 */
export function campaignNotUpdatedAction(customerId: string, status: Record<string, string>): string | null {
  const fields = status['campaignNotUpdated'];
  if (!fields) return null;
  return `${fields.split(',').join(', ')} changed, but Twilio cannot update ${fields.includes(',') ? 'these fields' : 'this field'} on an existing campaign: to apply, delete and create the campaign again with \`a2p-onboard redrive --recreate-campaign --customer ${customerId}\` (a new campaign vetting fee; the customer cannot send until it is vetted)`;
}
