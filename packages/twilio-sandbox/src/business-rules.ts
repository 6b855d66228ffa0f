import { z } from 'zod';

/**
 * The sandbox's own copy of the business vocabulary Twilio evaluates against, written from the
 * documents (003 "Secondary Business Profile", 002 §1.1, 004 "Policies") and NOT imported from the
 * pipeline: the sandbox checks the product, so a wrong value in src/customers must be refused here
 * instead of agreeing with itself.
 */

/** 003: business_type "Possible Values". */
export const BUSINESS_TYPE_VALUES: readonly string[] = ['Sole Proprietorship', 'Partnership', 'Limited Liability Corporation', 'Corporation', 'Co-operative', 'Non-profit'];

/** 003: business_identity "Possible Values"; 002 prerequisites: the ISV's primary profile must say isv_reseller_or_partner. */
export const BUSINESS_IDENTITY_VALUES: readonly string[] = ['direct_customer', 'isv_reseller_or_partner', 'unknown'];
export const ISV_RESELLER_OR_PARTNER = 'isv_reseller_or_partner';

/** 003: business_industry "Possible Values", in the document's order. */
export const BUSINESS_INDUSTRY_VALUES: readonly string[] = [
  'AUTOMOTIVE', 'AGRICULTURE', 'BANKING', 'CONSUMER', 'EDUCATION', 'ENGINEERING', 'ENERGY', 'OIL_AND_GAS',
  'FAST_MOVING_CONSUMER_GOODS', 'FINANCIAL', 'FINTECH', 'FOOD_AND_BEVERAGE', 'GOVERNMENT', 'HEALTHCARE',
  'HOSPITALITY', 'INSURANCE', 'LEGAL', 'MANUFACTURING', 'MEDIA', 'ONLINE', 'RAW_MATERIALS', 'REAL_ESTATE',
  'RELIGION', 'RETAIL', 'JEWELRY', 'TECHNOLOGY', 'TELECOMMUNICATIONS', 'TRANSPORTATION', 'TRAVEL',
  'ELECTRONICS', 'NOT_FOR_PROFIT',
];

/** 003: business_regions_of_operation (a comma-separated list of these). */
export const REGION_VALUES: readonly string[] = ['AFRICA', 'ASIA', 'EUROPE', 'LATIN_AMERICA', 'USA_AND_CANADA'];

/**
 * business_registration_identifier: 003 names DUNS and EIN for US businesses; Twilio's Trust Hub
 * accepts the other national identifiers too (the sandbox does not judge the country).
 */
export const REGISTRATION_IDENTIFIER_VALUES: readonly string[] = ['EIN', 'DUNS', 'CCN', 'CBN', 'CN', 'ACN', 'CIN', 'VAT', 'VATRN', 'RN', 'Other'];

/**
 * job_position of an authorized representative: the values of Trust Hub's form (the documents only
 * show "CEO" in their examples).
 */
export const JOB_POSITION_VALUES: readonly string[] = ['Director', 'GM', 'VP', 'CEO', 'CFO', 'General Counsel', 'Other'];

/** A website as Twilio's evaluation accepts it: http(s), a dotted host name, no spaces or credentials. */
export function isWebsiteUrl(raw: string): boolean {
  const text = raw.trim();
  if (text === '' || /\s/.test(text)) return false;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
  try {
    const u = new URL(withScheme);
    return (u.protocol === 'https:' || u.protocol === 'http:') && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(u.hostname) && !u.username && !u.password;
  } catch {
    return false;
  }
}

/**
 * Parts a policy lists that Twilio does not require: 002 shows the Sole Proprietor `vertical` and 003 the
 * business `social_media_profile_urls` as optional; 003 assigns authorized representative #2 only when
 * there is one.
 */
export const OPTIONAL_POLICY_FIELDS: ReadonlySet<string> = new Set(['vertical', 'social_media_profile_urls']);
export const OPTIONAL_POLICY_END_USERS: ReadonlySet<string> = new Set(['authorized_representative_2']);

/** The shape of a Policy's `requirements` (004 "Policies Resource Example"), as the sandbox reads its own copies. */
const endUserRequirement = z.object({ type: z.string().min(1), name: z.string().nullish(), requirement_name: z.string().nullish(), fields: z.array(z.string()).default([]) }).passthrough();
const acceptedDocument = z.object({ type: z.string().min(1), name: z.string().nullish(), fields: z.array(z.string()).default([]) }).passthrough();
const documentRequirement = z.object({ name: z.string().nullish(), requirement_name: z.string().nullish(), accepted_documents: z.array(acceptedDocument).default([]) }).passthrough();
const supportingBundle = z.object({ type: z.string().min(1), name: z.string().nullish(), requirement_name: z.string().nullish() }).passthrough();

export const sandboxPolicyRequirementsSchema = z
  .object({
    end_user: z.array(endUserRequirement).default([]),
    supporting_document: z.array(z.array(documentRequirement)).default([]),
    supporting_customer_profiles: z.array(supportingBundle).default([]),
    supporting_trust_products: z.array(supportingBundle).default([]),
  })
  .passthrough();
export type SandboxPolicyRequirements = z.infer<typeof sandboxPolicyRequirementsSchema>;
