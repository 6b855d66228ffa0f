/**
 * brand_name: "the customer's real business name ... This field cannot be a unique identifier
 * such as an account ID or email address" (Sole Proprietor field rules). Reasons never contain
 * the brand name (often the customer's own name, so PII).
 */
import { looksLikeEmail } from './email.js';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** A Twilio-style SID: two capital letters and 32 hex digits. */
const SID = /^[A-Z]{2}[0-9a-f]{32}$/;
/** A prefixed id such as "cus_8f3kLm2Q", "acct-000123", "user_42x9z0" (not "Route-66" or "Pizza-2Go"). */
function isPrefixedId(text: string): boolean {
  const m = /^[A-Za-z]{2,12}([_-])([A-Za-z0-9]+)$/.exec(text);
  if (!m) return false;
  const [, sep = '', rest = ''] = m;
  const digits = rest.match(/\d/g)?.length ?? 0;
  return sep === '_' ? rest.length >= 4 && digits >= 1 : rest.length >= 5 && digits >= 2;
}

/** Returns the reason brand_name is unusable, or null when it is fine. */
export function brandNameProblem(brandName: string, customerId: string): string | null {
  const text = brandName.trim();
  if (text === '') return 'is required: use the business name (DBA) or the customer\'s first and last name';
  if (looksLikeEmail(text)) {
    return "is an email address; use the business name (DBA) or the customer's first and last name";
  }
  if (!/\p{L}/u.test(text) && /\d/.test(text)) return 'is only digits (an account id?); use the business name or the customer\'s first and last name';
  if (customerId !== '' && text.toLowerCase() === customerId.trim().toLowerCase()) {
    return "is the same as customer_id; use the business name or the customer's first and last name";
  }
  if (!/\s/.test(text)) {
    const looksLikeId =
      UUID.test(text) ||
      SID.test(text) ||
      (/^[0-9a-f]{10,}$/i.test(text) && (text.match(/\d/g)?.length ?? 0) >= 2 && (text.match(/[a-f]/gi)?.length ?? 0) >= 2) ||
      isPrefixedId(text) ||
      (text.length >= 12 && (text.match(/\d/g)?.length ?? 0) >= 3 && (text.match(/\p{L}/gu)?.length ?? 0) >= 3);
    if (looksLikeId) {
      return "looks like an id or token, not a name; use the business name (DBA) or the customer's first and last name";
    }
  }
  if (!/\p{L}/u.test(text)) return 'has no letters; use the business name or the customer\'s first and last name';
  return null;
}
