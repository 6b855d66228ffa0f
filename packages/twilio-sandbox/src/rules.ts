/**
 * The documented data validations Twilio runs asynchronously after a Starter Customer Profile is
 * submitted (Sole Proprietor walkthrough, steps 1.2 and 1.4), plus the field rules used by evaluations.
 */

const EMAIL_REJECTIONS = {
  syntax: 'Email domain has an invalid address syntax.',
  unknownDomain: 'Unknown email domain.',
  disposable: 'Email is a suspected disposable address.',
  invalid: 'Email is invalid.',
} as const;

/** Well-known throw-away mailbox providers. */
export const DISPOSABLE_EMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'mailinator.com', 'mailinator.net', 'mailinator.org', 'yopmail.com', 'yopmail.net', 'yopmail.fr',
  'guerrillamail.com', 'guerrillamail.net', 'guerrillamail.org', 'guerrillamail.biz', 'guerrillamail.de',
  'guerrillamailblock.com', 'sharklasers.com', 'grr.la', 'pokemail.net', 'spam4.me',
  '10minutemail.com', '10minutemail.net', '10minutemail.co.uk', '20minutemail.com',
  'trashmail.com', 'trashmail.net', 'trashmail.de', 'trashmail.io', 'trash-mail.com',
  'tempmail.com', 'tempmail.net', 'tempmail.org', 'temp-mail.org', 'temp-mail.io', 'tempmail.dev', 'tempmailo.com',
  'tempmailaddress.com', 'tempr.email', 'tempinbox.com', 'throwawaymail.com', 'getnada.com', 'nada.email',
  'dispostable.com', 'maildrop.cc', 'mailnesia.com', 'fakeinbox.com', 'emailondeck.com', 'mohmal.com',
  'mintemail.com', 'spamgourmet.com', 'discard.email', 'burnermail.io', 'mailcatch.com', 'mytemp.email',
  'getairmail.com', 'moakt.com', 'mailpoof.com', 'inboxkitten.com', 'fakemail.net', 'spambox.us',
]);

/** Reserved / non-delegated top-level domains (RFC 2606, RFC 6761) and a few never-resolving names. */
const UNKNOWN_TLDS: ReadonlySet<string> = new Set(['invalid', 'test', 'localhost', 'local', 'example', 'internal', 'lan', 'home', 'corp', 'localdomain']);

const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const LOCAL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** null when the email passes, else the documented rejection reason. */
export function emailRejection(email: string): string | null {
  const e = email.trim();
  const at = e.lastIndexOf('@');
  if (at <= 0 || at === e.length - 1) return EMAIL_REJECTIONS.syntax;
  const local = e.slice(0, at);
  const domain = e.slice(at + 1).toLowerCase();
  if (!DOMAIN_RE.test(domain)) return EMAIL_REJECTIONS.syntax;
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  if (UNKNOWN_TLDS.has(tld)) return EMAIL_REJECTIONS.unknownDomain;
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    if (DISPOSABLE_EMAIL_DOMAINS.has(labels.slice(i).join('.'))) return EMAIL_REJECTIONS.disposable;
  }
  if (local.length > 64 || !LOCAL_RE.test(local)) return EMAIL_REJECTIONS.invalid;
  return null;
}

/**
 * US ZIP code 3-digit prefixes by state / district / territory / military region (USPS sectional
 * center facilities). Ranges are inclusive.
 */
const US_ZIP_PREFIXES: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>> = {
  AL: [[350, 369]],
  AK: [[995, 999]],
  AZ: [[850, 865]],
  AR: [[716, 729]],
  CA: [[900, 961]],
  CO: [[800, 816]],
  CT: [[60, 69]],
  DE: [[197, 199]],
  DC: [[200, 200], [202, 205], [569, 569]],
  FL: [[320, 339], [341, 349]],
  GA: [[300, 319], [398, 399]],
  HI: [[967, 968]],
  ID: [[832, 838]],
  IL: [[600, 629]],
  IN: [[460, 479]],
  IA: [[500, 528]],
  KS: [[660, 679]],
  KY: [[400, 427]],
  LA: [[700, 714]],
  ME: [[39, 49]],
  MD: [[206, 219]],
  MA: [[10, 27], [55, 55]],
  MI: [[480, 499]],
  MN: [[550, 567]],
  MS: [[386, 397]],
  MO: [[630, 658]],
  MT: [[590, 599]],
  NE: [[680, 693]],
  NV: [[889, 898]],
  NH: [[30, 38]],
  NJ: [[70, 89]],
  NM: [[870, 884]],
  NY: [[5, 5], [63, 63], [100, 149]],
  NC: [[270, 289]],
  ND: [[580, 588]],
  OH: [[430, 459]],
  OK: [[730, 732], [734, 749]],
  OR: [[970, 979]],
  PA: [[150, 196]],
  RI: [[28, 29]],
  SC: [[290, 299]],
  SD: [[570, 577]],
  TN: [[370, 385]],
  TX: [[733, 733], [750, 799], [885, 885]],
  UT: [[840, 847]],
  VT: [[50, 54], [56, 59]],
  VA: [[201, 201], [220, 246]],
  WA: [[980, 994]],
  WV: [[247, 268]],
  WI: [[530, 549]],
  WY: [[820, 831]],
  // territories
  PR: [[6, 7], [9, 9]],
  VI: [[8, 8]],
  GU: [[969, 969]],
  MP: [[969, 969]],
  AS: [[967, 967]],
  FM: [[969, 969]],
  MH: [[969, 969]],
  PW: [[969, 969]],
  // military
  AA: [[340, 340]],
  AE: [[90, 98]],
  AP: [[962, 966]],
};

const US_REGIONS: ReadonlySet<string> = new Set(Object.keys(US_ZIP_PREFIXES));

/** Canadian province / territory codes and the first letter(s) of their postal codes. */
const CA_POSTAL_FIRST_LETTERS: Readonly<Record<string, string>> = {
  NL: 'A', NS: 'B', PE: 'C', NB: 'E', QC: 'GHJ', ON: 'KLMNP', MB: 'R', SK: 'S', AB: 'T', BC: 'V', NT: 'X', NU: 'X', YT: 'Y',
};
const CA_REGIONS: ReadonlySet<string> = new Set(Object.keys(CA_POSTAL_FIRST_LETTERS));

const US_ZIP_RE = /^(\d{5})(?:-\d{4})?$/;
const CA_POSTAL_RE = /^([ABCEGHJ-NPRSTVXY])\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$/i;

/** The states whose ZIP prefixes contain this ZIP (normally one). */
function statesForZip(zip: string): string[] {
  const m = US_ZIP_RE.exec(zip.trim());
  if (!m) return [];
  const prefix = Number.parseInt(m[1]!.slice(0, 3), 10);
  return Object.entries(US_ZIP_PREFIXES)
    .filter(([, ranges]) => ranges.some(([lo, hi]) => prefix >= lo && prefix <= hi))
    .map(([state]) => state);
}

export interface AddressLike {
  sid: string;
  street: string;
  streetSecondary: string | null;
  city: string;
  region: string;
  postalCode: string;
  isoCountry: string;
}

export const ADDRESS_REJECTIONS = {
  notUsCa: 'The provided address is not a valid US or Canada address',
  notFound: (sid: string) => `Address not found with sid ${sid}`,
  region: '[address_sids] - Invalid Region.',
  postalCode: '[address_sids] - Invalid Postal Code.',
} as const;

function suggestion(a: AddressLike, region: string, postal: string): string {
  const secondary = a.streetSecondary ? ` Secondary Street: ${a.streetSecondary}.` : '';
  return ` Address suggestion -> Street: ${a.street}.${secondary} Locality: ${a.city}. Region: ${region}. Postal Code: ${postal}. Country: ${a.isoCountry.toUpperCase()};`;
}

/** null when the address passes, else the documented rejection reason. */
export function addressRejection(a: AddressLike): string | null {
  const country = a.isoCountry.trim().toUpperCase();
  const region = a.region.trim().toUpperCase();
  const postal = a.postalCode.trim().toUpperCase();
  if (country === 'US') {
    const zipStates = statesForZip(postal);
    if (!US_REGIONS.has(region)) {
      const first = zipStates[0];
      return ADDRESS_REJECTIONS.region + (first ? suggestion(a, first, postal) : '');
    }
    if (zipStates.length === 0 || !zipStates.includes(region)) return ADDRESS_REJECTIONS.postalCode;
    return null;
  }
  if (country === 'CA') {
    const m = CA_POSTAL_RE.exec(postal);
    const letter = m?.[1]?.toUpperCase();
    if (!CA_REGIONS.has(region)) {
      const guess = letter ? Object.entries(CA_POSTAL_FIRST_LETTERS).find(([, l]) => l.includes(letter))?.[0] : undefined;
      return ADDRESS_REJECTIONS.region + (guess ? suggestion(a, guess, postal) : '');
    }
    if (!m || !letter || !CA_POSTAL_FIRST_LETTERS[region]!.includes(letter)) return ADDRESS_REJECTIONS.postalCode;
    return null;
  }
  return ADDRESS_REJECTIONS.notUsCa;
}

/**
 * Values accepted for the optional `vertical` of `sole_proprietor_information`: the document says they are
 * the same as the industry values of customer profiles (business_industry list in the Secondary Business
 * Profile document), and its own example uses COMMUNICATION, so that TCR vertical is accepted too.
 */
export const SOLE_PROPRIETOR_VERTICALS: ReadonlySet<string> = new Set([
  'AUTOMOTIVE', 'AGRICULTURE', 'BANKING', 'CONSUMER', 'EDUCATION', 'ENGINEERING', 'ENERGY', 'OIL_AND_GAS',
  'FAST_MOVING_CONSUMER_GOODS', 'FINANCIAL', 'FINTECH', 'FOOD_AND_BEVERAGE', 'GOVERNMENT', 'HEALTHCARE',
  'HOSPITALITY', 'INSURANCE', 'LEGAL', 'MANUFACTURING', 'MEDIA', 'ONLINE', 'RAW_MATERIALS', 'REAL_ESTATE',
  'RELIGION', 'RETAIL', 'JEWELRY', 'TECHNOLOGY', 'TELECOMMUNICATIONS', 'TRANSPORTATION', 'TRAVEL',
  'ELECTRONICS', 'NOT_FOR_PROFIT', 'COMMUNICATION',
]);

/** E.164. */
export const PHONE_RE = /^\+[1-9]\d{6,14}$/;
/** A US/CA (+1) E.164 number. */
export const NANP_MOBILE_RE = /^\+1\d{10}$/;

/** TCR lifetime limits documented for Sole Proprietor brands. */
export const TCR_MOBILE_LIMIT = 3;
export const TCR_EMAIL_LIMIT = 10;

export const BRAND_FAILURES = {
  customerProfile:
    'Unable to fetch Customer Profile Bundle details, please check if the correct bundle sid was provided for registration and the bundle is compliant.',
  a2pBundle:
    'Unable to fetch A2P Bundle Details, please check if the correct bundle sid was provided for registration and the bundle is compliant.',
  tcr: 'Unable to register Brand with The Campaign Registry',
} as const;
