/**
 * Country, region and postal code: the address rules of a Sole Proprietor (US or Canada only).
 * Shapes, consistency with the country, and whether the ZIP or postal code belongs to the state or
 * province (Twilio's address validation rejects the profile days later otherwise, "Invalid Postal
 * Code"). Whether the street exists stays Twilio's check. Reasons never contain the postal code (PII);
 * they may name country and region.
 */
import zipcodes from 'zipcodes';

export type Country = 'US' | 'CA';
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const COUNTRY_ALIASES: Record<string, Country> = {
  us: 'US', usa: 'US', 'u.s.': 'US', 'u.s.a.': 'US', 'united states': 'US', 'united states of america': 'US', america: 'US',
  ca: 'CA', can: 'CA', canada: 'CA',
};

export function normalizeCountry(raw: string): Checked<Country> {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'is required (US or CA)' };
  const alias = text.toLowerCase().replace(/\s+/g, ' ');
  const country = Object.hasOwn(COUNTRY_ALIASES, alias) ? COUNTRY_ALIASES[alias] : undefined;
  if (country) return { ok: true, value: country };
  return {
    ok: false,
    reason: `"${clip(text)}" is not supported: Sole Proprietor registration is only for customers in the United States or Canada (use US or CA)`,
  };
}

const US_REGIONS: Readonly<Record<string, string>> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado',
  CT: 'Connecticut', DE: 'Delaware', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho',
  IL: 'Illinois', IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana',
  ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota',
  MS: 'Mississippi', MO: 'Missouri', MT: 'Montana', NE: 'Nebraska', NV: 'Nevada',
  NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York', NC: 'North Carolina',
  ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania',
  RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas',
  UT: 'Utah', VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia',
  WI: 'Wisconsin', WY: 'Wyoming', DC: 'District of Columbia', PR: 'Puerto Rico',
  VI: 'U.S. Virgin Islands', GU: 'Guam', AS: 'American Samoa', MP: 'Northern Mariana Islands',
};

const CA_REGIONS: Readonly<Record<string, string>> = {
  AB: 'Alberta', BC: 'British Columbia', MB: 'Manitoba', NB: 'New Brunswick',
  NL: 'Newfoundland and Labrador', NS: 'Nova Scotia', NT: 'Northwest Territories', NU: 'Nunavut',
  ON: 'Ontario', PE: 'Prince Edward Island', QC: 'Quebec', SK: 'Saskatchewan', YT: 'Yukon',
};

const key = (s: string) =>
  s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[.]/g, '').replace(/\s+/g, ' ').trim();

/** Full names (and a few common variants) → code, per country. */
function nameIndex(regions: Readonly<Record<string, string>>, extra: Record<string, string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [code, name] of Object.entries(regions)) m.set(key(name), code);
  for (const [name, code] of Object.entries(extra)) m.set(key(name), code);
  return m;
}
const US_NAMES = nameIndex(US_REGIONS, {
  'Washington DC': 'DC', 'Washington D.C.': 'DC', 'Virgin Islands': 'VI', 'US Virgin Islands': 'VI',
  'Northern Marianas': 'MP',
});
const CA_NAMES = nameIndex(CA_REGIONS, {
  Newfoundland: 'NL', 'Newfoundland & Labrador': 'NL', PEI: 'PE', Yukon: 'YT', 'Yukon Territory': 'YT', 'Québec': 'QC',
  'NF': 'NL', 'PQ': 'QC',
});

/**
 * Normalize a region to its two-letter code. With a country, it must belong to it; without one
 * (the country itself was invalid), any US or Canadian region is accepted.
 */
export function normalizeRegion(raw: string, country: Country | undefined): Checked<string> {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'is required (a two-letter state or province code such as NY or ON)' };
  const upper = text.toUpperCase().replace(/\./g, '');
  const k = key(text);
  const us = Object.hasOwn(US_REGIONS, upper) ? upper : US_NAMES.get(k);
  const ca = Object.hasOwn(CA_REGIONS, upper) ? upper : CA_NAMES.get(k);
  // "CA" is both California and the country code for Canada: as a region it is California.
  if (country === 'US') {
    if (us) return { ok: true, value: us };
    if (ca) return { ok: false, reason: `${ca} is a Canadian province or territory but iso_country is US` };
  } else if (country === 'CA') {
    if (ca) return { ok: true, value: ca };
    if (us) return { ok: false, reason: `${us} is a US state or territory but iso_country is CA` };
  } else {
    const any = us ?? ca;
    if (any) return { ok: true, value: any };
  }
  return {
    ok: false,
    reason: `"${clip(text)}" is not a ${country === 'CA' ? 'Canadian province or territory' : country === 'US' ? 'US state or territory' : 'US state or Canadian province'}; use its two-letter code (e.g. ${country === 'CA' ? 'ON, QC, BC' : 'NY, CA, TX'})`,
  };
}

const US_ZIP = /^(\d{5})(?:[- ]?(\d{4}))?$/;
/** Canadian postal code: no D, F, I, O, Q, U anywhere; no W or Z first. */
const CA_POSTAL = /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$/;

export function normalizePostalCode(raw: string, country: Country | undefined): Checked<string> {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'is required' };
  const upper = text.toUpperCase().replace(/\s+/g, ' ');
  const zip = US_ZIP.exec(upper);
  const ca = CA_POSTAL.exec(upper);
  if (country !== 'CA' && zip) return { ok: true, value: zip[2] ? `${zip[1]}-${zip[2]}` : (zip[1] ?? '') };
  if (country !== 'US' && ca) return { ok: true, value: `${ca[1]} ${ca[2]}` };
  if (country === 'US' && ca) return { ok: false, reason: 'is a Canadian postal code but iso_country is US' };
  if (country === 'CA' && zip) return { ok: false, reason: 'is a US ZIP code but iso_country is CA' };
  if (country !== 'CA' && /^\d{3,4}(?:-\d{4})?$/.test(upper)) {
    return {
      ok: false,
      reason: 'has fewer than 5 digits: a spreadsheet probably dropped leading zeros; format the column as text and re-enter the ZIP',
    };
  }
  if (country === 'US') return { ok: false, reason: 'is not a US ZIP code (12345 or 12345-6789)' };
  if (country === 'CA') return { ok: false, reason: 'is not a Canadian postal code (A1A 1A1)' };
  return { ok: false, reason: 'is neither a US ZIP code (12345 or 12345-6789) nor a Canadian postal code (A1A 1A1)' };
}

/**
 * Provinces by the first letter of their postal codes (Canada Post's forward sortation areas).
 * X is shared by the Northwest Territories and Nunavut.
 */
const CA_FIRST_LETTER: Readonly<Record<string, readonly string[]>> = {
  A: ['NL'], B: ['NS'], C: ['PE'], E: ['NB'], G: ['QC'], H: ['QC'], J: ['QC'], K: ['ON'], L: ['ON'], M: ['ON'],
  N: ['ON'], P: ['ON'], R: ['MB'], S: ['SK'], T: ['AB'], V: ['BC'], X: ['NT', 'NU'], Y: ['YT'],
};

/** US ZIP 3-digit prefix → the states of the ZIPs the data knows under it; built on first use. */
let zipPrefixStates: Map<string, Set<string>> | undefined;
function prefixStates(prefix: string): ReadonlySet<string> | undefined {
  if (!zipPrefixStates) {
    zipPrefixStates = new Map();
    for (const [zip, entry] of Object.entries(zipcodes.codes)) {
      if (entry.country !== 'US' || !/^\d{5}$/.test(zip)) continue;
      const p = zip.slice(0, 3);
      let set = zipPrefixStates.get(p);
      if (!set) zipPrefixStates.set(p, (set = new Set()));
      set.add(entry.state);
    }
  }
  return zipPrefixStates.get(prefix);
}

const regionName = (code: string, country: Country) => `${code} (${(country === 'US' ? US_REGIONS : CA_REGIONS)[code] ?? code})`;
const listNames = (codes: Iterable<string>, country: Country) => [...codes].sort().map((c) => regionName(c, country)).join(' or ');

/**
 * Whether a normalized postal code belongs to the normalized region, from maintained data: the
 * `zipcodes` table for US ZIPs, Canada Post's first letters for Canadian postal codes (the table's
 * Canadian entries name provinces inconsistently, some by county, so the letter rule is used there).
 * Returns the problem of the postal_code column, or null.
 *
 * A ZIP the table does not know (a ZIP newer than the data) is accepted when ZIPs of the region
 * share its 3-digit prefix; refused when the prefix belongs to other states only, or to no state at all.
 * A ZIP the table assigns to another state is refused: a ZIP crossing a state line still has one
 * state in the USPS data Twilio validates against, the one the table holds.
 */
export function postalCodeRegionProblem(postalCode: string, region: string, country: Country): string | null {
  const advice = 'check the postal code and the state or province with the customer (Twilio\'s address validation rejects the address otherwise)';
  if (country === 'CA') {
    const provinces = CA_FIRST_LETTER[postalCode.charAt(0).toUpperCase()];
    if (!provinces || provinces.includes(region)) return null;
    return `is a postal code of ${listNames(provinces, 'CA')}, not of ${regionName(region, 'CA')}: ${advice}`;
  }
  const zip5 = postalCode.slice(0, 5);
  if (!/^\d{5}$/.test(zip5)) return null;
  const known = zipcodes.lookup(zip5);
  if (known && known.country === 'US' && typeof known.state === 'string') {
    if (known.state === region) return null;
    return `is a ZIP code of ${regionName(known.state, 'US')}, not of ${regionName(region, 'US')}: ${advice}`;
  }
  const states = prefixStates(zip5.slice(0, 3));
  if (states?.has(region)) return null;
  if (states && states.size > 0) {
    return `is not a known ZIP code, and the ZIP codes that share its first 3 digits are in ${listNames(states, 'US')}, not in ${regionName(region, 'US')}: ${advice}`;
  }
  return `is not a ZIP code in use (no ZIP code starts with its first 3 digits): ${advice}`;
}

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
