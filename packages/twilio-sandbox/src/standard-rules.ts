/**
 * The sandbox's rule tables for Standard and Low-Volume Standard brands (issue 14), written from Twilio's
 * documents and NOT imported from the pipeline. Where a document is silent the value is the sandbox's
 * model, named as such here and in the README.
 */

/** The Standard ISV guide, step 2: the A2P Messaging profile's end-user type. */
export const A2P_PROFILE_END_USER = 'us_a2p_messaging_profile_information';

/** The Standard ISV guide, step 2: company_type. */
export const COMPANY_TYPE_VALUES: readonly string[] = ['private', 'public', 'non_profit', 'government'];

/** Twilio error 30701 (brand registration invalid inputs): stock_exchange "Enumerated values". */
export const STOCK_EXCHANGE_VALUES: readonly string[] = [
  'NONE', 'NASDAQ', 'NYSE', 'AMEX', 'AMX', 'ASX', 'B3', 'BME', 'BSE', 'FRA', 'ICEX', 'JPX', 'JSE', 'KRX', 'LON', 'NSE',
  'OMX', 'SEHK', 'SGX', 'SSE', 'STO', 'SWX', 'SZSE', 'TSX', 'TWSE', 'VSE', 'OTHER',
];

/** A mailbox address as a brand contact needs one: one @, a dotted domain, no spaces. */
export function isEmailAddress(v: string): boolean {
  return /^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(v.trim());
}

/**
 * Markers in a business's legal name (`business_name` of its Secondary Customer Profile), case-insensitive,
 * like the Sole Proprietor's company designator: they let a demo or test row show an outcome Twilio reaches
 * from data the sandbox cannot judge. `noconfirm` is looked for in the brand contact email's local part.
 */
export const STANDARD_MARKERS = {
  /** The legal name and the tax ID do not match TCR's sources: FAILED, 30795, brand_feedback TAX_ID. */
  taxIdMismatch: 'mismatch',
  /** TCR sends the brand to manual third-party review: IN_REVIEW for SANDBOX_BRAND_REVIEW_DELAY_MS. */
  manualReview: 'manualreview',
  /** In the brand contact email's local part: the Authentication+ email is never confirmed. */
  neverConfirm: 'noconfirm',
} as const;

/** Documented codes the Standard brand and campaign rules answer with (Twilio's error dictionary). */
export const STANDARD_CODES = {
  /** 30795: "a data mismatch related to the Tax ID ... and its associated properties such as business legal name". */
  taxIdMismatch: 30795,
  /** 21737: "2FA Verification Expired" (changelog 2025-08-07, error page 21737). */
  authPlusExpired: 21737,
  /** 30900: "The campaign use case is ineligible for registration" (not one the Usecases resource returns). */
  usecaseNotAllowed: 30900,
  /** 30933: "Privacy Policy URL is required for A2P 10DLC campaign registration" (every campaign created since 2026-06-30). */
  privacyPolicyMissing: 30933,
  /** 30934: "Terms and Conditions URL is required for A2P 10DLC campaign registration" (likewise). */
  termsMissing: 30934,
  /** 30994: campaign refused because its brand has not completed 2FA (beyond-the-seeds.md). */
  authPlusNotDone: 30994,
} as const;

/** The Standard ISV guide: "Up to 5 campaigns per brand". */
export const MAX_CAMPAIGNS_PER_STANDARD_BRAND = 5;

export interface Usecase {
  code: string;
  name: string;
  description: string;
  post_approval_required: boolean;
}

/** The use cases of FetchUsAppToPersonUsecase's example (twilio_messaging_v1.json), in its order. */
export const SPEC_USECASES: readonly Usecase[] = [
  { code: "2FA", name: "Two-Factor authentication (2FA)", description: "Two-Factor authentication, one-time use password, password reset", post_approval_required: false },
  { code: "ACCOUNT_NOTIFICATION", name: "Account Notification", description: "All reminders, alerts, and notifications. (Examples include: flight delayed, hotel booked, appointment reminders.)", post_approval_required: false },
  { code: "AGENTS_FRANCHISES", name: "Agents and Franchises", description: "For brands that have multiple agents, franchises or offices in the same brand vertical, but require individual localised numbers per agent/location/office.", post_approval_required: true },
  { code: "CHARITY", name: "Charity", description: "Includes:  5013C Charity\nDoes not include: Religious organizations", post_approval_required: false },
  { code: "PROXY", name: "Proxy", description: "Peer-to-peer app-based group messaging with proxy/pooled numbers (For example: GroupMe)\nSupporting personalized services and non-exposure of personal numbers for enterprise or A2P communications. (Examples include: Uber and AirBnb.)", post_approval_required: true },
  { code: "CUSTOMER_CARE", name: "Customer Care", description: "All customer care messaging, including account management and support", post_approval_required: false },
  { code: "DELIVERY_NOTIFICATION", name: "Delivery Notification", description: "Information about the status of the delivery of a product or service", post_approval_required: false },
  { code: "EMERGENCY", name: "Emergency", description: "Notification services designed to support public safety / health during natural disasters, armed conflicts, pandemics and other national or regional emergencies", post_approval_required: true },
  { code: "FRAUD_ALERT", name: "Fraud Alert Messaging", description: "Fraud alert notification", post_approval_required: false },
  { code: "HIGHER_EDUCATION", name: "Higher Education", description: "For campaigns created on behalf of Colleges or Universities and will also include School Districts etc that fall outside of any \"free to the consumer\" messaging model", post_approval_required: false },
  { code: "K12_EDUCATION", name: "K-12 Education", description: "Campaigns created for messaging platforms that support schools from grades K-12 and distance learning centers. This is not for Post-Secondary schools.", post_approval_required: true },
  { code: "LOW_VOLUME", name: "Low Volume Mixed", description: "Low throughput, any combination of use-cases. Examples include:  test, demo accounts", post_approval_required: false },
  { code: "MARKETING", name: "Marketing", description: "Any communication with marketing and/or promotional content", post_approval_required: false },
  { code: "MIXED", name: "Mixed", description: "Mixed messaging reserved for specific consumer service industry", post_approval_required: false },
  { code: "POLITICAL", name: "Political", description: "Part of organized effort to influence decision making of specific group. All campaigns to be verified", post_approval_required: false },
  { code: "POLLING_VOTING", name: "Polling and voting", description: "Polling and voting", post_approval_required: false },
  { code: "PUBLIC_SERVICE_ANNOUNCEMENT", name: "Public Service Announcement", description: "An informational message that is meant to raise the audience awareness about an important issue", post_approval_required: false },
  { code: "SECURITY_ALERT", name: "Security Alert", description: "A notification that the security of a system, either software or hardware, has been compromised in some way and there is an action you need to take", post_approval_required: false },
  { code: "SOCIAL", name: "Social", description: "Communication within or between closed communities (For example: influencers alerts)", post_approval_required: true },
  { code: "SWEEPSTAKE", name: "Sweepstake", description: "Sweepstake", post_approval_required: true },
];

/**
 * Special use cases that need extra vetting or carrier approval before a brand may use them (Twilio's
 * "special use cases"; the example marks most of them post_approval_required): the sandbox does not offer
 * them to a STANDARD brand. SOCIAL is post-approval too but stays offered (issue 14's list leaves it in).
 */
export const SPECIAL_USECASES: ReadonlySet<string> = new Set(['POLITICAL', 'EMERGENCY', 'CHARITY', 'SWEEPSTAKE', 'PROXY', 'AGENTS_FRANCHISES', 'K12_EDUCATION']);

/** The sandbox's model of the Sole Proprietor use case (the example does not list it; 002 step 4 names the code). */
export const SOLE_PROPRIETOR_USECASE: Usecase = {
  code: 'SOLE_PROPRIETOR',
  name: 'Sole Proprietor',
  description: 'Limited to Sole Proprietor brands: one campaign, one number, low volume.',
  post_approval_required: false,
};
