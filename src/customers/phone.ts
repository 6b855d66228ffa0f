/**
 * Phone numbers as people write them → E.164. Deterministic, no library.
 *
 * NANP (US, Canada and the rest of +1): 10 digits NXX-NXX-XXXX, area code and exchange start with
 * 2-9, optionally preceded by 1 or +1, with any of the usual separators: "(415) 555-2671",
 * "415.555.2671", "1 (415) 555-2671", "+1 415 555 2671". Other countries must be written with a
 * leading + and their country code (8-15 digits in all).
 *
 * Reasons never contain the number itself (it is PII); at most the area code.
 */

export type PhoneResult = { ok: true; e164: string; nanp: boolean } | { ok: false; reason: string };

export interface PhoneOptions {
  /**
   * 'any': NANP or international (`phone_number`).
   * 'us-ca-mobile': a US or Canadian number, not toll-free (`mobile_phone_number`, where TCR sends the OTP).
   */
  kind: 'any' | 'us-ca-mobile';
}

/** NANP area codes outside the US and Canada (Caribbean and Atlantic countries). US territories are not listed. */
const NANP_NON_US_CA = new Set([
  '242', '246', '264', '268', '284', '345', '441', '473', '649', '658', '664', '721', '758', '767',
  '784', '809', '829', '849', '868', '869', '876',
]);
/** Toll-free area codes: not a customer's mobile. */
const TOLL_FREE = new Set(['800', '833', '844', '855', '866', '877', '888']);

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
    return { ok: true, e164: `+${digits}`, nanp: false };
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
  const exchange = ten.slice(3, 6);
  if (!/^[2-9]/.test(area)) return fail('the area code (first 3 digits) must start with a digit from 2 to 9');
  if (/^[2-9]11$/.test(area)) return fail('the area code cannot be a service code such as 411 or 911');
  if (!/^[2-9]/.test(exchange)) return fail('the exchange (3 digits after the area code) must start with a digit from 2 to 9');
  if (opts.kind === 'us-ca-mobile') {
    if (NANP_NON_US_CA.has(area)) {
      return fail(`area code ${area} is not in the US or Canada; the mobile number must be a US or Canadian one`);
    }
    if (TOLL_FREE.has(area) || area === '900') {
      return fail("is a toll-free or premium number; give the customer's own US or Canadian mobile number");
    }
  }
  return { ok: true, e164: `+1${ten}`, nanp: true };
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
