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
/**
 * Legal-entity designators that end the name of a company, not of a sole proprietor. Since 2026-07-17
 * Twilio rejects a Sole Proprietor brand whose name shows it is "really an LLC or corporation" (error 30915,
 * see beyond-the-seeds.md). Only designators that cannot be an ordinary last word are listed:
 * - as a whole word, any case: LLC, PLLC, LLLP, LLP, PLC, ULC, Inc, Incorporated, Corp, Corporation, Ltd,
 *   Limited, Ltée (Canada);
 * - only with dots: L.L.C., P.L.L.C., L.L.P., L.P., P.C., P.A., Co. ("Co", "LP", "PC", "PA" alone are also a
 *   county, a record, a computer or a state: "Fix My PC" is a fine sole proprietor);
 * - LP and PC also after a comma (", LP", ", PC"), the way firms write them.
 * "Company", "Group", "& Sons" are not listed: sole proprietors use them in trade names.
 */
const ENTITY_WORDS = new Map<string, string>([
  ['llc', 'LLC'], ['pllc', 'PLLC'], ['lllp', 'LLLP'], ['llp', 'LLP'], ['plc', 'PLC'], ['ulc', 'ULC'],
  ['inc', 'Inc.'], ['incorporated', 'Incorporated'], ['corp', 'Corp.'], ['corporation', 'Corporation'],
  ['ltd', 'Ltd.'], ['limited', 'Limited'], ['ltee', 'Ltée'], ['ltée', 'Ltée'],
]);
const DOTTED = new Map<string, string>([
  ['l.l.c', 'L.L.C.'], ['p.l.l.c', 'P.L.L.C.'], ['l.l.p', 'L.L.P.'], ['l.p', 'L.P.'], ['p.c', 'P.C.'], ['p.a', 'P.A.'],
  ['co', 'Co.'], ['inc', 'Inc.'], ['corp', 'Corp.'], ['ltd', 'Ltd.'],
]);
const AFTER_COMMA = new Map<string, string>([['lp', 'LP'], ['pc', 'PC']]);

/**
 * The entity designator a brand name ends with ("LLC", "Inc.", …), or null. Looks only at the last
 * 40 characters, so it takes constant time whatever the length of the cell.
 */
export function companySuffix(brandName: string): string | null {
  const text = brandName.trimEnd();
  // The last word and what precedes it: "Acme, L.L.C." → word "l.l.c." after ", ".
  const tail = text.slice(-40);
  const m = /(^|[\s,(])([\p{L}.]+?)([.)]*)$/u.exec(tail);
  if (!m) return null;
  const [, before = '', word = '', trailing = ''] = m;
  // A tail that starts inside the last word of a longer name is not a whole word.
  if (before === '' && text.length > tail.length) return null;
  const lower = word.toLowerCase();
  const bare = lower.replace(/\.+$/, '');
  const dotted = trailing.startsWith('.') || lower !== bare || bare.includes('.');
  if (!bare.includes('.') && ENTITY_WORDS.has(bare)) return ENTITY_WORDS.get(bare) ?? null;
  if (dotted && DOTTED.has(bare)) return DOTTED.get(bare) ?? null;
  if (AFTER_COMMA.has(bare)) {
    const prefix = text.slice(0, text.length - word.length - trailing.length).trimEnd();
    if (prefix.endsWith(',')) return AFTER_COMMA.get(bare) ?? null;
  }
  return null;
}

/** The reason for a Sole Proprietor brand name that names a company (error 30915). */
function companyBrandReason(suffix: string): string {
  return `ends in "${suffix}", the name of a company (LLC, corporation or partnership), not of a sole proprietor: since 2026-07-17 Twilio rejects such Sole Proprietor brands (error 30915); register the customer as a business (flow=business with the business columns)`;
}

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
  const suffix = companySuffix(text);
  if (suffix) return companyBrandReason(suffix);
  return null;
}
