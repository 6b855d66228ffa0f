/**
 * Checks within one file that need more than one row: a customer_id used twice, and the TCR
 * reuse limits (a mobile number in at most 3 Sole Proprietor brands, an email in at most 10).
 * This only counts the rows of the current file; the caller adds what the ledger already holds
 * (`priorUses`). No Redis here.
 */
import type { Customer } from './customer.js';
import type { RowProblem } from './row.js';

/** TCR: one mobile number may verify at most 3 Sole Proprietor brands (lifetime, all vendors). */
export const MOBILE_NUMBER_BRAND_LIMIT = 3;
/** TCR: one email address may be used for at most 10 brands. */
export const EMAIL_BRAND_LIMIT = 10;

export interface PriorUses {
  /** Brands already registered (or in flight) with this E.164 mobile number, outside this file. */
  mobile?: number;
  /** Brands already registered with this email (compared lowercased), outside this file. */
  email?: number;
}

export class BatchTally {
  private readonly ids = new Map<string, number>();
  private readonly mobiles = new Map<string, number[]>();
  private readonly emails = new Map<string, number[]>();

  /**
   * Record a valid row and return the problems it has given the rows recorded before it.
   * A row with problems is not counted (it will not be registered).
   */
  check(row: number, customer: Customer, prior: PriorUses = {}): RowProblem[] {
    const problems: RowProblem[] = [];
    const firstRow = this.ids.get(customer.customerId);
    if (firstRow !== undefined) {
      problems.push({ column: 'customer_id', reason: `"${customer.customerId}" is already used on row ${firstRow} of this file` });
    }
    const mobileRows = this.mobiles.get(customer.mobilePhoneNumber) ?? [];
    const mobileUses = mobileRows.length + (prior.mobile ?? 0);
    if (mobileUses >= MOBILE_NUMBER_BRAND_LIMIT) {
      problems.push({
        column: 'mobile_phone_number',
        reason: `is already used for ${mobileUses} brand${mobileUses === 1 ? '' : 's'}${describe(mobileRows, prior.mobile)}; TCR allows one mobile number in at most ${MOBILE_NUMBER_BRAND_LIMIT} Sole Proprietor brands`,
      });
    }
    const emailKey = customer.email.toLowerCase();
    const emailRows = this.emails.get(emailKey) ?? [];
    const emailUses = emailRows.length + (prior.email ?? 0);
    if (emailUses >= EMAIL_BRAND_LIMIT) {
      problems.push({
        column: 'email',
        reason: `is already used for ${emailUses} brands${describe(emailRows, prior.email)}; TCR allows one email address in at most ${EMAIL_BRAND_LIMIT} brands`,
      });
    }
    if (problems.length === 0) {
      this.ids.set(customer.customerId, row);
      this.mobiles.set(customer.mobilePhoneNumber, [...mobileRows, row]);
      this.emails.set(emailKey, [...emailRows, row]);
    }
    return problems;
  }
}

function describe(rows: readonly number[], prior: number | undefined): string {
  const parts: string[] = [];
  if (rows.length > 0) parts.push(`row${rows.length > 1 ? 's' : ''} ${rows.join(', ')} of this file`);
  if (prior) parts.push(`${prior} registered before`);
  return parts.length > 0 ? ` (${parts.join(' and ')})` : '';
}
