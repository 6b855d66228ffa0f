/**
 * Free (personal) mail domains, refused for `brand_contact_email`: TCR's Authentication+ emails that
 * address and refuses one on a free or personal domain (Twilio error 21740, "Invalid Brand Contact
 * Email Domain", e.g. gmail.com). Finding it at ingest costs nothing; finding it after the brand is
 * registered costs the brand fee and a re-send of the 2FA email.
 *
 * The list is free-email-domains-typescript's (MIT, about 4,800 domains, no dependencies), plus the
 * few providers below it lacks, plus any country variant of yahoo.* and hotmail.*. A distribution list
 * (which Twilio also refuses) cannot be told from an address, so it is not tried.
 */
import { freeEmailDomains } from 'free-email-domains-typescript';

/** Providers missing from the package's list (checked when it was added). */
const EXTRA_FREE_DOMAINS = ['proton.me', 'pm.me', 'protonmail.ch', 'tutanota.com', 'tutanota.de', 'tuta.io', 'tuta.com', 'hey.com'] as const;

/** yahoo.co.jp, hotmail.com.br, ...: every country's variant, whether or not the list has it. */
const FREE_FAMILIES = /^(?:yahoo|hotmail)(?:\.[a-z]{2,3}){1,2}$/;

let domains: ReadonlySet<string> | undefined;

/**
 * True when the address (or bare domain) is on a free mail domain, or a subdomain of one. The domain
 * is compared lowercased; an address without '@' is read as a domain.
 */
export function isFreeMailDomain(email: string): boolean {
  domains ??= new Set([...freeEmailDomains.map((d) => d.toLowerCase()), ...EXTRA_FREE_DOMAINS]);
  let d = email.slice(email.lastIndexOf('@') + 1).trim().toLowerCase().replace(/\.$/, '');
  if (FREE_FAMILIES.test(d)) return true;
  for (;;) {
    if (domains.has(d)) return true;
    const dot = d.indexOf('.');
    // Stop before a bare top-level domain: the list holds no such entry, and "com" must never match.
    if (dot === -1 || d.indexOf('.', dot + 1) === -1) return false;
    d = d.slice(dot + 1);
  }
}
