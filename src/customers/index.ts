/** The customers module: CSV columns, field rules, campaign template, row validation, CSV reading. */
export * from './customer.js';
export * from './columns.js';
export * from './errors.js';
export { normalizePhone, maskPhone, type PhoneOptions, type PhoneResult } from './phone.js';
export { normalizeEmail, maskEmail, isDisposableDomain, type EmailResult } from './email.js';
export { normalizeCountry, normalizeRegion, normalizePostalCode, postalCodeRegionProblem, type Country } from './address.js';
export { brandNameProblem, companySuffix } from './brand-name.js';
export {
  TEXT_LIMITS,
  KEYWORDS_MAX_LENGTH,
  codePointLength,
  parseBoolean,
  parseKeywords,
} from './campaign-rules.js';
export {
  PLACEHOLDERS,
  fillPlaceholders,
  loadCampaignTemplate,
  parseCampaignTemplate,
  templateProvides,
  type CampaignTemplate,
  type Placeholder,
  type TemplateValue,
} from './template.js';
export { validateRow, validateAnyRow, flowOf, normalizeVertical, foldLineBreaks, FOLDED_COLUMNS, TAX_ID_REASON, type RowResult, type AnyRowResult, type RowProblem } from './row.js';
export * from './business.js';
export { BRAND_TYPES, COMPANY_TYPES, STOCK_EXCHANGES, A2P_USECASES, STANDARD_ONLY_COLUMNS, normalizeHttpsUrl, type BrandType, type CompanyType, type A2pUsecase } from './a2p.js';
export { isFreeMailDomain } from './free-mail.js';
export { readCustomerCsv, readCustomerRows, checkHeader, ROW_COLUMN, type HeaderInfo, type ReadCustomerCsvOptions } from './csv-reader.js';
export { BatchTally, MOBILE_NUMBER_BRAND_LIMIT, EMAIL_BRAND_LIMIT, type PriorUses } from './batch.js';
