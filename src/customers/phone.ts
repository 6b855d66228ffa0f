/**
 * Phone numbers as people write them → E.164, checked against libphonenumber's metadata (the
 * numbering plans Google maintains: area codes in service, lengths, toll-free and premium ranges).
 *
 * NANP (US, Canada and the rest of +1): 10 digits, optionally preceded by 1 or +1, with any of the
 * usual separators: "(415) 555-2671", "415.555.2671", "1 (415) 555-2671", "+1 415 555 2671". Other
 * countries must be written with a leading + and their country code. What the library does not say is
 * ours: how spreadsheets mangle numbers (scientific notation, extensions), and which numbers cannot be
 * a customer's own mobile (outside the US and Canada, toll-free, premium).
 *
 * Reasons never contain the number itself (it is PII); at most the area code.
 */
import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';

export type PhoneResult = { ok: true; e164: string; nanp: boolean } | { ok: false; reason: string };

export interface PhoneOptions {
  /**
   * 'any': NANP or international (`phone_number`).
   * 'us-ca-mobile': a US or Canadian number, not toll-free (`mobile_phone_number`, where TCR sends the OTP).
   */
  kind: 'any' | 'us-ca-mobile';
}

/** +1 countries that are the US (with its territories) or Canada: a mobile there can receive TCR's OTP. */
const US_CA = new Set(['US', 'CA', 'PR', 'VI', 'GU', 'AS', 'MP']);
/** Number types that are not a person's own mobile line (TCR texts the OTP to it). */
const NOT_A_MOBILE: ReadonlySet<NumberType> = new Set<NumberType>(['TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'PERSONAL_NUMBER', 'UAN', 'VOICEMAIL', 'PAGER']);

const SEPARATORS = /[\s\u00A0\u2007\u202F.\-\u2010-\u2015\u2212/()]/g;

export function normalizePhone(raw: string, opts: PhoneOptions): PhoneResult {
  const text = raw.trim();
  if (text === '') return fail('is required');
  if (/^\d(?:[.,]\d+)?e\+?\d+$/i.test(text)) {
    return fail('looks like a number in scientific notation (a spreadsheet reformatted it); format the column as text and re-enter the number');
  }
  if (/(?:ext\.?|x|#)\s*\d+\s*$/i.test(text) && /\d/.test(text.replace(/(?:ext\.?|x|#)\s*\d+\s*$/i, ''))) {
    return fail('contains an extension; give the number without it');
  }
  if (/\p{L}/u.test(text)) return fail('contains letters; give the number in digits');
  if (/[^\d+\s\u00A0\u2007\u202F.\-\u2010-\u2015\u2212/()]/.test(text)) {
    return fail('contains characters other than digits, spaces, ( ) - . / and a leading +');
  }
  if (text.indexOf('+', 1) !== -1) return fail("has a '+' that is not at the start");
  const open = text.split('(').length - 1;
  const close = text.split(')').length - 1;
  if (open !== close || open > 1 || (open === 1 && text.indexOf('(') > text.indexOf(')'))) {
    return fail('has unbalanced parentheses');
  }

  const plus = text.startsWith('+');
  const digits = text.replace(/^\+/, '').replace(SEPARATORS, '');
  if (!/^\d+$/.test(digits)) return fail('is not a phone number');

  if (plus) {
    if (digits.startsWith('1')) return nanp(digits.slice(1), opts, '+1 numbers need exactly 10 digits after the +1');
    if (opts.kind === 'us-ca-mobile') {
      return fail('must be a US or Canadian mobile number (+1); this is an international number');
    }
    if (digits.startsWith('0')) return fail('the country code after + cannot start with 0');
    if (digits.length < 8 || digits.length > 15) {
      return fail(`has ${digits.length} digits after the +; an international number has 8 to 15 digits including the country code`);
    }
    const n = parsePhoneNumberFromString(`+${digits}`);
    if (!n || !n.isValid()) {
      return fail(n ? `is not a valid number of country code +${n.countryCallingCode} (wrong length or a range not in service); check it with the customer` : 'does not start with a known country code after the +');
    }
    return { ok: true, e164: n.number, nanp: false };
  }

  if (digits.startsWith('00') || digits.startsWith('011')) {
    return fail('starts with an international dialing prefix; write international numbers with a leading + and the country code (e.g. +44 ...)');
  }
  if (digits.length === 11 && digits.startsWith('1')) return nanp(digits.slice(1), opts, '');
  if (digits.length === 10) return nanp(digits, opts, '');
  return fail(
    `has ${digits.length} digits; a US or Canadian number has 10 digits (optionally preceded by 1), and other countries' numbers must be written with a leading + and the country code`,
  );
}

function nanp(ten: string, opts: PhoneOptions, lengthReason: string): PhoneResult {
  if (ten.length !== 10) return fail(lengthReason || 'a US or Canadian number has 10 digits');
  const area = ten.slice(0, 3);
  const n = parsePhoneNumberFromString(`+1${ten}`);
  if (!n || !n.isValid()) {
    // The library decides; these say why in the customer's terms.
    if (!/^[2-9]/.test(area)) return fail('the area code (first 3 digits) must start with a digit from 2 to 9');
    if (/^[2-9]11$/.test(area)) return fail('the area code cannot be a service code such as 411 or 911');
    if (!/^[2-9]/.test(ten.slice(3))) return fail('the exchange (3 digits after the area code) must start with a digit from 2 to 9');
    return fail(`is not a valid number for area code ${area} (an area code or exchange not in service); check it with the customer`);
  }
  if (opts.kind === 'us-ca-mobile') {
    if (!n.country || !US_CA.has(n.country)) {
      return fail(`area code ${area} is not in the US or Canada; the mobile number must be a US or Canadian one`);
    }
    const type = n.getType();
    if (type && NOT_A_MOBILE.has(type)) {
      return fail("is a toll-free, premium or other non-personal number; give the customer's own US or Canadian mobile number");
    }
  }
  return { ok: true, e164: n.number, nanp: true };
}

function fail(reason: string): PhoneResult {
  return { ok: false, reason };
}

/** For logs: keep the country code and the last two digits, e.g. "+1******71". */
export function maskPhone(e164: string): string {
  if (e164.length <= 5) return '*'.repeat(e164.length);
  const cc = e164.startsWith('+1') ? 2 : 3;
  return e164.slice(0, cc) + '*'.repeat(e164.length - cc - 2) + e164.slice(-2);
}
