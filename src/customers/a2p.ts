/**
 * The Standard brand columns of a business row (issue 14): `brand_type`, the A2P Messaging profile's
 * end user (`us_a2p_messaging_profile_information`: company_type, stock_exchange, stock_ticker,
 * brand_contact_email), the campaign's use case and its privacy policy and terms URLs. Rules are the
 * documented ones (Twilio's Standard ISV guide, twilio_messaging_v1.json, error pages 21740, 30933 and 30934);
 * reasons name the column and never contain a PII value (emails are never echoed).
 */
import { normalizeEmail } from './email.js';
import { isFreeMailDomain } from './free-mail.js';

/** `brand_type`: standard, low_volume_standard (STANDARD with SkipAutomaticSecVet) or none (no brand: the profile only). */
export const BRAND_TYPES = ['standard', 'low_volume_standard', 'none'] as const;
export type BrandType = (typeof BRAND_TYPES)[number];

/** `company_type` of the `us_a2p_messaging_profile_information` end user (Standard ISV guide). */
export const COMPANY_TYPES = ['private', 'public', 'non_profit', 'government'] as const;
export type CompanyType = (typeof COMPANY_TYPES)[number];

/**
 * `stock_exchange` values. Twilio's pages and OpenAPI files read for this list do not enumerate the
 * attribute's values, so this is the list TCR's brand API is known to take; NONE is in it for
 * completeness but a public company must name its exchange.
 */
export const STOCK_EXCHANGES = [
  'NONE', 'NASDAQ', 'NYSE', 'AMEX', 'AMX', 'ASX', 'B3', 'BME', 'BSE', 'FRA', 'ICEX', 'JPX', 'JSE', 'KRX', 'LON', 'NSE',
  'OMX', 'SEHK', 'SGX', 'SSE', 'STO', 'SWX', 'SZSE', 'TSX', 'TWSE', 'VSE', 'OTHER',
] as const;

/**
 * Campaign use cases a Standard brand may ask for: the Usecases example of twilio_messaging_v1.json,
 * without SOLE_PROPRIETOR (that one is the Sole Proprietor flow's). Which of them a given brand may
 * use is Twilio's answer once the brand is APPROVED (GET .../Compliance/Usa2p/Usecases).
 */
export const A2P_USECASES = [
  '2FA', 'ACCOUNT_NOTIFICATION', 'AGENTS_FRANCHISES', 'CHARITY', 'PROXY', 'CUSTOMER_CARE', 'DELIVERY_NOTIFICATION',
  'EMERGENCY', 'FRAUD_ALERT', 'HIGHER_EDUCATION', 'K12_EDUCATION', 'LOW_VOLUME', 'MARKETING', 'MIXED', 'POLITICAL',
  'POLLING_VOTING', 'PUBLIC_SERVICE_ANNOUNCEMENT', 'SECURITY_ALERT', 'SOCIAL', 'SWEEPSTAKE',
] as const;
export type A2pUsecase = (typeof A2P_USECASES)[number];

/** Columns only a Standard brand uses: filled on a row without a brand, they are a mistake. */
export const STANDARD_ONLY_COLUMNS = [
  'company_type', 'stock_exchange', 'stock_ticker', 'brand_contact_email', 'usecase', 'privacy_policy_url', 'terms_and_conditions_url',
] as const;

/** Twilio's stock ticker shape as this project checks it: 1-10 of A-Z, 0-9, '.' and '-' (BRK.B, RDS-A). */
const TICKER = /^[A-Z0-9.-]{1,10}$/;

function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function words(raw: string): string {
  return raw.trim().toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

const BRAND_ALIASES: Record<string, BrandType> = {
  standard: 'standard', 'standard brand': 'standard',
  'low volume standard': 'low_volume_standard', 'low volume': 'low_volume_standard', lvs: 'low_volume_standard',
  'low volume standard brand': 'low_volume_standard', 'lv standard': 'low_volume_standard',
  none: 'none', 'no brand': 'none',
};

/** "Low-Volume Standard", "LVS", "low volume" → low_volume_standard; undefined when not a brand type. */
export function parseBrandType(raw: string): BrandType | undefined {
  return BRAND_ALIASES[words(raw)];
}

const COMPANY_ALIASES: Record<string, CompanyType> = {
  private: 'private', 'privately held': 'private',
  public: 'public', 'publicly traded': 'public', 'publicly held': 'public', 'publicly listed': 'public', listed: 'public',
  'non profit': 'non_profit', nonprofit: 'non_profit', 'not for profit': 'non_profit',
  government: 'government', governmental: 'government',
};

/** "Public company", "non-profit", "Nonprofit organization" → the documented value; undefined when none. */
export function parseCompanyType(raw: string): CompanyType | undefined {
  const w = words(raw).replace(/\s+(?:company|corporation|organi[sz]ation|entity|agency|body)$/, '');
  return COMPANY_ALIASES[w];
}

/** "2fa", "customer care", "Account-Notification" → the key to look up in A2P_USECASES (2FA, CUSTOMER_CARE, ...). */
export function parseUsecase(raw: string): string {
  return raw.trim().toUpperCase().replace(/[\s-]+/g, '_').replace(/_+/g, '_');
}

/**
 * A privacy policy or terms URL: https only (Twilio asks for "a valid, publicly accessible HTTPS URL",
 * error 30933), a dotted host, no credentials; a bare domain gets https://. No length limit is checked:
 * Twilio documents none. The reason never quotes the value.
 */
export function normalizeHttpsUrl(raw: string): { ok: true; url: string } | { ok: false; reason: string } {
  const text = raw.trim();
  if (/\s/.test(text)) return { ok: false, reason: 'is not a URL (it contains spaces)' };
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(text);
  if (hasScheme && !/^https:/i.test(text)) {
    return { ok: false, reason: 'must be an https:// URL: Twilio asks for a valid, publicly accessible HTTPS URL (error 30933)' };
  }
  try {
    const u = new URL(hasScheme ? text : `https://${text}`);
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(u.hostname) || u.username || u.password) {
      return { ok: false, reason: 'is not a public web address (expected e.g. https://www.example.com/privacy)' };
    }
    return { ok: true, url: u.toString() };
  } catch {
    return { ok: false, reason: 'is not a URL (expected e.g. https://www.example.com/privacy)' };
  }
}

/**
 * What validateBrandColumns found: the brand type, and for a brand the profile's fields (the campaign is
 * built apart). A standard or low_volume_standard type without `profile` means its columns had problems.
 */
export interface BrandColumns {
  brandType: BrandType;
  profile?: {
    companyType: CompanyType;
    stockExchange?: string;
    stockTicker?: string;
    brandContactEmail?: string;
    usecase: string;
    privacyPolicyUrl: string;
    termsAndConditionsUrl: string;
  };
}

/**
 * Check brand_type and the Standard-only columns of a business row. `cell` gives trimmed values ('' when
 * empty or unusable), `add` records a problem; `businessType` is the row's (normalized) business_type when
 * it was valid. Returns undefined when brand_type itself is unusable, or says none while Standard columns are filled.
 */
export function validateBrandColumns(
  cell: (column: string) => string,
  add: (column: string, reason: string) => void,
  businessType: string | undefined,
): BrandColumns | undefined {
  const filled = STANDARD_ONLY_COLUMNS.filter((c) => cell(c) !== '');
  const rawBrand = cell('brand_type');
  let brandType: BrandType | undefined;
  if (rawBrand === '') {
    // Empty is today's behaviour (no brand), unless the row clearly meant a brand: then asking beats guessing.
    if (filled.length > 0) {
      add('brand_type', `is empty, but the row fills ${filled.join(', ')}, which only a Standard brand uses: set brand_type to standard, low_volume_standard or none (none registers no brand; then leave ${filled.length > 1 ? 'those columns' : 'that column'} empty)`);
      return undefined;
    }
    brandType = 'none';
  } else {
    brandType = parseBrandType(rawBrand);
    if (!brandType) {
      add('brand_type', `"${clip(rawBrand)}" is not a brand type; use standard, low_volume_standard (also written "Low-Volume Standard" or LVS) or none`);
      return undefined;
    }
  }
  if (brandType === 'none') {
    for (const c of filled) add(c, 'is only used by a Standard brand, and brand_type is none (no brand is registered): leave it empty, or set brand_type to standard or low_volume_standard');
    if (cell('sender_number') !== '') {
      add('sender_number', 'goes on the Messaging Service of a Standard brand, and a business row without a brand (brand_type none or empty) gets none: leave it empty, or set brand_type to standard or low_volume_standard');
    }
    return filled.length > 0 ? undefined : { brandType };
  }

  let ok = true;
  const fail = (column: string, reason: string) => {
    ok = false;
    add(column, reason);
  };

  let companyType: CompanyType | undefined;
  const rawCompany = cell('company_type');
  if (rawCompany === '') fail('company_type', `is required for a Standard brand: one of ${COMPANY_TYPES.join(', ')}`);
  else {
    companyType = parseCompanyType(rawCompany);
    if (!companyType) fail('company_type', `"${clip(rawCompany)}" is not a company type; use one of ${COMPANY_TYPES.join(', ')}`);
    else if (businessType === 'Non-profit' && (companyType === 'private' || companyType === 'public')) {
      // A non-profit has no owners to be private or public for: the A2P profile would contradict the business profile.
      fail('company_type', `is ${companyType}, but business_type is Non-profit: a non-profit's company_type is non_profit (or government); correct company_type or business_type`);
    } else if (businessType === 'Sole Proprietorship' && companyType === 'public') {
      fail('company_type', 'is public, but business_type is Sole Proprietorship: a sole proprietorship is not publicly traded; correct company_type or business_type');
    }
  }
  const isPublic = companyType === 'public';

  let stockExchange: string | undefined;
  const rawExchange = cell('stock_exchange');
  if (rawExchange !== '' && companyType && !isPublic) {
    fail('stock_exchange', `is only for a public company (company_type public), and company_type is ${companyType}: leave it empty`);
  } else if (rawExchange === '' && isPublic) {
    fail('stock_exchange', `is required for a public company: the exchange it is listed on, one of ${STOCK_EXCHANGES.filter((e) => e !== 'NONE').join(', ')}`);
  } else if (rawExchange !== '' && isPublic) {
    const k = rawExchange.toUpperCase().replace(/\s+/g, '');
    const hit = STOCK_EXCHANGES.find((e) => e === k);
    if (!hit) fail('stock_exchange', `"${clip(rawExchange)}" is not a stock exchange; use one of ${STOCK_EXCHANGES.filter((e) => e !== 'NONE').join(', ')}`);
    else if (hit === 'NONE') fail('stock_exchange', 'is NONE, but a public company names the exchange it is listed on (or OTHER)');
    else stockExchange = hit;
  }

  let stockTicker: string | undefined;
  const rawTicker = cell('stock_ticker');
  if (rawTicker !== '' && companyType && !isPublic) {
    fail('stock_ticker', `is only for a public company (company_type public), and company_type is ${companyType}: leave it empty`);
  } else if (rawTicker === '' && isPublic) {
    fail('stock_ticker', 'is required for a public company: its ticker symbol, e.g. TWLO');
  } else if (rawTicker !== '' && isPublic) {
    const t = rawTicker.toUpperCase();
    if (!TICKER.test(t)) fail('stock_ticker', `"${clip(rawTicker, 20)}" is not a ticker symbol: 1-10 letters, digits, '.' or '-' (e.g. TWLO, BRK.B)`);
    else stockTicker = t;
  }

  let brandContactEmail: string | undefined;
  const rawContact = cell('brand_contact_email');
  if (rawContact === '') {
    if (isPublic) fail('brand_contact_email', "is required for a public company: Authentication+ (TCR's 2FA for public brands) emails a verification link there, to be confirmed within 7 days");
  } else {
    const r = normalizeEmail(rawContact);
    if (!r.ok) fail('brand_contact_email', r.reason);
    else if (isFreeMailDomain(r.email)) {
      fail('brand_contact_email', "is on a free or personal mail domain, which TCR's Authentication+ refuses (Twilio error 21740, Invalid Brand Contact Email Domain): give an address on the company's own domain");
    } else brandContactEmail = r.email;
  }

  let usecase: string | undefined;
  const rawUsecase = cell('usecase');
  if (rawUsecase === '') fail('usecase', `is required for a Standard brand: the campaign's use case, one of ${A2P_USECASES.join(', ')}`);
  else {
    const k = parseUsecase(rawUsecase);
    if (k === 'SOLE_PROPRIETOR') fail('usecase', `SOLE_PROPRIETOR is the Sole Proprietor flow's use case; a Standard brand uses one of ${A2P_USECASES.join(', ')}`);
    else if (!(A2P_USECASES as readonly string[]).includes(k)) fail('usecase', `"${clip(rawUsecase)}" is not a use case; use one of ${A2P_USECASES.join(', ')}`);
    else usecase = k;
  }

  const url = (column: 'privacy_policy_url' | 'terms_and_conditions_url', what: string, code: number): string | undefined => {
    const raw = cell(column);
    if (raw === '') {
      // From the row only: the business's own page (the template's URLs are for Sole Proprietor rows).
      fail(column, `is required for a Standard brand's campaign: the https URL of the business's ${what} (Twilio rejects campaigns without it, error ${code})`);
      return undefined;
    }
    const r = normalizeHttpsUrl(raw);
    if (r.ok) return r.url;
    fail(column, r.reason);
    return undefined;
  };
  const privacyPolicyUrl = url('privacy_policy_url', 'privacy policy', 30933);
  const termsAndConditionsUrl = url('terms_and_conditions_url', 'terms and conditions', 30934);

  // A brand whose columns have problems still says its type: the caller checks its campaign all the same.
  if (!ok || !companyType || !usecase || !privacyPolicyUrl || !termsAndConditionsUrl) return { brandType };
  return {
    brandType,
    profile: {
      companyType,
      ...(stockExchange ? { stockExchange } : {}),
      ...(stockTicker ? { stockTicker } : {}),
      ...(brandContactEmail ? { brandContactEmail } : {}),
      usecase,
      privacyPolicyUrl,
      termsAndConditionsUrl,
    },
  };
}
