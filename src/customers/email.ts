/**
 * Email syntax check and normalization (domain lowercased, local part kept as written).
 * The accepted shape is the one zod's `z.string().email()` accepts (the final guard), so every
 * rejection here comes with a specific reason instead of a generic schema failure.
 * A disposable (throw-away) domain is refused here, from mailchecker's maintained list: Twilio rejects
 * such an address days later ("Email is a suspected disposable address.", 002 step 1.2), after a
 * submission. Whether the domain exists is still Twilio's check. Reasons never contain the address (PII).
 */
import mailchecker from 'mailchecker';

export type EmailResult = { ok: true; email: string } | { ok: false; reason: string };

const LOCAL_CHARS = /^[A-Za-z0-9_'+\-.]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^[a-z]{2,63}$/;

export function normalizeEmail(raw: string): EmailResult {
  const text = raw.trim();
  if (text === '') return fail('is required');
  if (/\s/.test(text)) return fail('must be a single address without spaces');
  if (/[,;]/.test(text)) return fail('must be a single address (found a , or ; separating several)');
  const at = text.split('@');
  if (at.length !== 2) return fail(at.length < 2 ? "is missing the '@'" : "has more than one '@'");
  const [local = '', domainRaw = ''] = at;
  if (text.length > 254) return fail('is longer than 254 characters');
  if (local === '') return fail("has nothing before the '@'");
  if (local.length > 64) return fail("has more than 64 characters before the '@'");
  if (!LOCAL_CHARS.test(local)) {
    return fail("may contain only letters, digits and . _ ' + - before the '@'");
  }
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return fail("cannot start or end with a dot, or have two dots in a row, before the '@'");
  }
  if (local.endsWith("'")) return fail("cannot end with an apostrophe before the '@'");

  const domain = domainRaw.toLowerCase();
  if (domain === '') return fail("has no domain after the '@'");
  // eslint-disable-next-line no-control-regex -- the range is every ASCII character, control ones included
  if (/[^\x00-\x7F]/.test(domain)) return fail('has a domain with non-ASCII characters; use its ASCII (xn--) form');
  if (!domain.includes('.')) return fail('has a domain without a dot (expected something like example.com)');
  if (domain.length > 253) return fail('has a domain longer than 253 characters');
  const labels = domain.split('.');
  if (labels.some((l) => l === '')) return fail('has a domain that starts or ends with a dot, or has two dots in a row');
  if (!labels.every((l) => LABEL.test(l))) {
    return fail('has a domain part with characters other than letters, digits and inner hyphens');
  }
  const tld = labels[labels.length - 1] ?? '';
  if (!TLD.test(tld)) return fail('has a top-level domain (after the last dot) that is not 2 or more letters');
  if (isDisposableDomain(domain)) {
    return fail("is on a disposable (throw-away) email domain, which Twilio rejects (\"Email is a suspected disposable address.\"); ask the customer for a lasting address on a real domain");
  }
  return { ok: true, email: `${local}@${domain}` };
}

/** The disposable-domain list, read once (mailchecker's own isValid runs a long regex we do not need). */
let disposable: ReadonlySet<string> | undefined;

/** True when the domain, or a domain it is under (x.mailinator.com), is on mailchecker's disposable list. */
export function isDisposableDomain(domain: string): boolean {
  disposable ??= mailchecker.blacklist();
  let d = domain.toLowerCase();
  for (;;) {
    if (disposable.has(d)) return true;
    const dot = d.indexOf('.');
    if (dot === -1) return false;
    d = d.slice(dot + 1);
  }
}

function fail(reason: string): EmailResult {
  return { ok: false, reason };
}

/**
 * A loose test used to refuse email addresses in other fields (brand_name): "x@y.z" anywhere.
 * Written to run in linear time: `\S+@\S+\.\S+` backtracks quadratically, 14 s on a 100k-character cell.
 */
export function looksLikeEmail(text: string): boolean {
  return /[^\s@]@[^\s@]+\.[^\s@]/.test(text);
}

/** For logs: first character of the local part and the domain, e.g. "j***@example.com". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
