import {
  POLICY_A2P_MESSAGING,
  POLICY_SECONDARY_BUSINESS,
  POLICY_SHAKEN_STIR,
  POLICY_SOLE_PROPRIETOR,
  POLICY_STARTER,
  type Bundle,
  type EvaluationResult,
  type EvaluationResultItem,
  type PolicyDoc,
  type Store,
} from './store.js';
import { NANP_MOBILE_RE, PHONE_RE, SOLE_PROPRIETOR_VERTICALS } from './rules.js';
import { A2P_PROFILE_END_USER, COMPANY_TYPE_VALUES, STOCK_EXCHANGE_VALUES, isEmailAddress } from './standard-rules.js';
import {
  BUSINESS_IDENTITY_VALUES,
  BUSINESS_INDUSTRY_VALUES,
  BUSINESS_TYPE_VALUES,
  JOB_POSITION_VALUES,
  OPTIONAL_POLICY_END_USERS as OPTIONAL_END_USERS,
  OPTIONAL_POLICY_FIELDS as OPTIONAL_FIELDS,
  REGION_VALUES,
  REGISTRATION_IDENTIFIER_VALUES,
  isWebsiteUrl,
  sandboxPolicyRequirementsSchema as policyRequirementsSchema,
  type SandboxPolicyRequirements as PolicyRequirements,
} from './business-rules.js';

export type { PolicyDoc } from './store.js';

const businessRepFields = ['first_name', 'last_name', 'email', 'phone_number', 'business_title', 'job_position'];
/** The business information end user, as both the Secondary Business policy (003) and 002 §1.1's sample list it. */
const businessInformationEndUser = {
  url: '/EndUserTypes/customer_profile_business_information',
  fields: [
    'business_type', 'business_registration_number', 'business_name', 'business_registration_identifier',
    'business_identity', 'business_industry', 'website_url', 'business_regions_of_operation', 'social_media_profile_urls',
  ],
  type: 'customer_profile_business_information',
  name: 'Business Information',
  requirement_name: 'customer_profile_business_information',
};

/** The policies as the documents show them (000, 002, 003/004); each sandbox starts with a copy (store.policies). */
export const POLICIES: ReadonlyMap<string, PolicyDoc> = new Map<string, PolicyDoc>([
  [
    POLICY_STARTER,
    {
      sid: POLICY_STARTER,
      friendly_name: 'Starter Customer Profile',
      requirements: {
        end_user: [
          {
            url: '/EndUserTypes/starter_customer_profile_information',
            fields: ['first_name', 'last_name', 'email', 'phone_number'],
            type: 'starter_customer_profile_information',
            name: 'Starter Customer Profile Information',
            requirement_name: 'starter_customer_profile_information',
          },
        ],
        supporting_trust_products: [],
        supporting_document: [
          [
            {
              description: 'Customer Profile Address',
              type: 'document',
              name: 'Customer Profile Address',
              accepted_documents: [
                {
                  url: '/SupportingDocumentTypes/customer_profile_address',
                  fields: ['address_sids'],
                  type: 'customer_profile_address',
                  name: 'Customer Profile Address',
                },
              ],
              requirement_name: 'customer_profile_address',
            },
          ],
        ],
        supporting_customer_profiles: [
          { type: 'primary_customer_profile_type_business', name: 'Primary Customer Profile Bundle', requirement_name: 'primary_customer_profile' },
        ],
      },
    },
  ],
  [
    POLICY_SOLE_PROPRIETOR,
    {
      sid: POLICY_SOLE_PROPRIETOR,
      friendly_name: 'Sole Proprietor TrustProduct',
      requirements: {
        end_user: [
          {
            url: '/EndUserTypes/sole_proprietor_information',
            fields: ['brand_name', 'mobile_phone_number', 'vertical'],
            type: 'sole_proprietor_information',
            name: 'Sole Proprietor Information',
            requirement_name: 'sole_proprietor_information',
          },
        ],
        supporting_trust_products: [],
        supporting_document: [[]],
        supporting_customer_profiles: [
          { type: 'starter_customer_profile_type_business', name: 'Starter Customer Profile(isv customers) Proof', requirement_name: 'customer_profile' },
          { type: 'starter_customer_profile_type_direct_long_tail', name: 'Starter Customer Profile(direct customers) Proof', requirement_name: 'customer_profile' },
        ],
      },
    },
  ],
  [
    POLICY_SECONDARY_BUSINESS,
    {
      sid: POLICY_SECONDARY_BUSINESS,
      friendly_name: 'Secondary Customer Profile of type Business',
      requirements: {
        end_user: [
          businessInformationEndUser,
          { url: '/EndUserTypes/authorized_representative_1', fields: businessRepFields, type: 'authorized_representative_1', name: 'Authorized Representative #1', requirement_name: 'authorized_representative_1' },
          { url: '/EndUserTypes/authorized_representative_2', fields: businessRepFields, type: 'authorized_representative_2', name: 'Authorized Representative #2', requirement_name: 'authorized_representative_2' },
        ],
        supporting_trust_products: [],
        supporting_document: [
          [
            {
              description: 'Customer Profile HQ Physical Address',
              type: 'document',
              name: 'Physical Business Address',
              accepted_documents: [
                { url: '/SupportingDocumentTypes/customer_profile_address', fields: ['address_sids'], type: 'customer_profile_address', name: 'Physical Business Address' },
              ],
              requirement_name: 'customer_profile_address',
            },
          ],
        ],
        supporting_customer_profiles: [
          { type: 'primary_customer_profile_type_business', name: 'Primary Customer Profile Bundle', requirement_name: 'primary_customer_profile' },
        ],
      },
    },
  ],
  [
    // The guide (003) assigns only the Secondary Business Profile (and phone numbers) to it.
    POLICY_SHAKEN_STIR,
    {
      sid: POLICY_SHAKEN_STIR,
      friendly_name: 'SHAKEN/STIR Trust Product',
      requirements: {
        end_user: [],
        supporting_trust_products: [],
        supporting_document: [[]],
        supporting_customer_profiles: [
          { type: 'secondary_customer_profile_type_business', name: 'Secondary Customer Profile Bundle', requirement_name: 'customer_profile' },
        ],
      },
    },
  ],
  [
    // The Standard ISV guide, step 2: an end user us_a2p_messaging_profile_information and the Secondary
    // Customer Profile assigned. Its requirements are modelled from the guide (no document prints this policy).
    POLICY_A2P_MESSAGING,
    {
      sid: POLICY_A2P_MESSAGING,
      friendly_name: 'A2P Messaging Profile',
      requirements: {
        end_user: [
          {
            url: `/EndUserTypes/${A2P_PROFILE_END_USER}`,
            fields: ['company_type', 'stock_exchange', 'stock_ticker', 'brand_contact_email'],
            type: A2P_PROFILE_END_USER,
            name: 'A2P Messaging Profile Information',
            requirement_name: A2P_PROFILE_END_USER,
          },
        ],
        supporting_trust_products: [],
        supporting_document: [[]],
        supporting_customer_profiles: [
          { type: 'secondary_customer_profile_type_business', name: 'Secondary Customer Profile Bundle', requirement_name: 'customer_profile' },
        ],
      },
    },
  ],
]);


/**
 * The Policy response 002 §1.1 prints for "fetch the Starter Customer Profile Policy" (its SID set to the
 * Starter policy's; the sample carries a placeholder). Its requirements are not what §1.7 evaluates: if
 * Twilio's real Starter policy reads like this, a pipeline that fails customers on requirements it does not
 * know would fail every Sole Proprietor. Served with the `starterPolicyShape: 'sample-1.1'` switch.
 */
export const STARTER_POLICY_SAMPLE_1_1: PolicyDoc = {
  sid: POLICY_STARTER,
  friendly_name: 'Primary Customer Profile of type Business',
  requirements: {
    end_user: [
      businessInformationEndUser,
      { url: '/EndUserTypes/authorized_representative_1', fields: businessRepFields, type: 'authorized_representative_1', name: 'Authorized Representative 1', requirement_name: 'authorized_representative_1' },
      { url: '/EndUserTypes/authorized_representative_2', fields: businessRepFields, type: 'authorized_representative_2', name: 'Authorized Representative 2', requirement_name: 'authorized_representative_2' },
    ],
    supporting_trust_products: [],
    supporting_document: [
      [
        {
          description: 'Customer Profile HQ Physical Address',
          type: 'document',
          name: 'Physical Business Address',
          accepted_documents: [{ url: '/SupportingDocumentTypes/customer_profile_address', fields: ['address_sids'], type: 'customer_profile_address', name: 'Physical Business Address' }],
          requirement_name: 'customer_profile_address',
        },
      ],
    ],
    supporting_customer_profiles: [],
  },
};

/** Serve the Starter policy as §1.7 evaluates it (`documented`) or as §1.1's sample prints it. */
export function setStarterPolicyShape(store: Store, shape: 'documented' | 'sample-1.1'): void {
  if (shape === 'sample-1.1') store.servedPolicies.set(POLICY_STARTER, structuredClone(STARTER_POLICY_SAMPLE_1_1));
  else store.servedPolicies.delete(POLICY_STARTER);
}

/** A fresh, deep copy of the documented policies for one sandbox. */
export function defaultPolicies(): Map<string, PolicyDoc> {
  return new Map([...POLICIES].map(([sid, p]) => [sid, structuredClone(p)]));
}

/**
 * Evaluation error codes, as in the documents' noncompliant example:
 * 22214 end user missing, 22215 end-user field missing/invalid, 22216 supporting document (or supporting
 * customer profile) missing, 22217 document field missing/invalid, 22218 supporting customer profile in a
 * wrong state / of a wrong type, 22219 address missing.
 */
const EVAL_CODES = { endUserMissing: 22214, endUserField: 22215, documentMissing: 22216, documentField: 22217, supportingProfile: 22218, address: 22219 } as const;

function ok(object_field: string, friendly_name: string): EvaluationResultItem {
  return { object_field, error_code: null, friendly_name, passed: true, failure_reason: null };
}
function bad(object_field: string, friendly_name: string, failure_reason: string, error_code: number): EvaluationResultItem {
  return { friendly_name, object_field, failure_reason, error_code };
}

function requirement(
  r: Pick<EvaluationResult, 'object_type' | 'friendly_name' | 'requirement_friendly_name' | 'requirement_name'>,
  valid: EvaluationResultItem[],
  invalid: EvaluationResultItem[],
  missing: { reason: string; code: number } | null,
): EvaluationResult {
  const passed = missing === null && invalid.length === 0;
  const failure = missing ?? (invalid.length > 0 ? { reason: `The ${r.requirement_friendly_name} is invalid. Please correct the fields listed as invalid.`, code: invalid[0]!.error_code ?? 0 } : null);
  return {
    valid,
    invalid,
    object_type: r.object_type,
    friendly_name: r.friendly_name,
    failure_reason: passed ? null : failure!.reason,
    passed,
    requirement_friendly_name: r.requirement_friendly_name,
    error_code: passed ? null : failure!.code,
    requirement_name: r.requirement_name,
  };
}

function str(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  return null;
}

/** How a field is named in failure reasons (Twilio's words where the documents show them). */
const FIELD_NAMES: Record<string, string> = { email: 'Email Address', phone_number: 'Phone Number', website_url: 'Website URL' };
function fieldName(field: string): string {
  return FIELD_NAMES[field] ?? field.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

const oneOf = (values: readonly string[], what: string) => (v: string) => (values.includes(v) ? null : `The ${what} ${v} is not one of the accepted values.`);

/** Field rules the evaluations apply, by field name (any end-user type holding the field). */
const FIELD_CHECKS: Record<string, (v: string) => string | null> = {
  email: (v) => (/^[^@\s]+@[^@\s]+$/.test(v) ? null : 'The Email Address is not a well formatted email address.'),
  phone_number: (v) => (PHONE_RE.test(v) ? null : 'The Phone Number is not a valid E.164 phone number.'),
  mobile_phone_number: (v) => (NANP_MOBILE_RE.test(v) ? null : 'The Mobile Phone Number must be a US or Canadian mobile number in E.164 format (+1XXXXXXXXXX).'),
  vertical: (v) => (SOLE_PROPRIETOR_VERTICALS.has(v) ? null : `The Vertical ${v} is not one of the accepted values.`),
  business_type: oneOf(BUSINESS_TYPE_VALUES, 'Business Type'),
  business_identity: oneOf(BUSINESS_IDENTITY_VALUES, 'Business Identity'),
  business_industry: oneOf(BUSINESS_INDUSTRY_VALUES, 'Business Industry'),
  business_registration_identifier: oneOf(REGISTRATION_IDENTIFIER_VALUES, 'Business Registration Identifier'),
  business_registration_number: (v) => (/^[0-9A-Za-z-]{2,}$/.test(v) ? null : 'The Business Registration Number is not valid.'),
  business_regions_of_operation: (v) => {
    const bad = v.split(',').map((x) => x.trim()).find((x) => !REGION_VALUES.includes(x));
    return bad === undefined ? null : `The Business Regions Of Operation ${bad} is not one of the accepted values.`;
  },
  website_url: (v) => (isWebsiteUrl(v) ? null : 'The Website URL is not a valid URL.'),
  job_position: oneOf(JOB_POSITION_VALUES, 'Job Position'),
  company_type: oneOf(COMPANY_TYPE_VALUES, 'Company Type'),
  stock_exchange: oneOf(STOCK_EXCHANGE_VALUES, 'Stock Exchange'),
  // Twilio error 30701: stock_ticker "Max length 10".
  stock_ticker: (v) => (/^[A-Za-z0-9.-]{1,10}$/.test(v) ? null : 'The Stock Ticker must be 1 to 10 letters, digits, dots or dashes.'),
  brand_contact_email: (v) => (isEmailAddress(v) ? null : 'The Brand Contact Email is not a well formatted email address.'),
};

/**
 * Fields a policy lists that only some end users must fill: the A2P Messaging profile's stock_exchange,
 * stock_ticker and brand_contact_email are required for company_type public (the Standard guide, step 2;
 * Authentication+ mails the brand contact of public companies), optional otherwise.
 */
function optionalFor(type: string, field: string, attributes: Record<string, unknown>): boolean {
  if (OPTIONAL_FIELDS.has(field)) return true;
  if (type === A2P_PROFILE_END_USER && (field === 'stock_exchange' || field === 'stock_ticker' || field === 'brand_contact_email')) return attributes['company_type'] !== 'public';
  return false;
}

function endUserResult(store: Store, bundle: Bundle, r: PolicyRequirements['end_user'][number]): EvaluationResult | null {
  const reqFriendly = r.name ?? fieldName(r.type);
  const eu = store.assignedEndUsers(bundle.sid, r.type)[0];
  if (!eu && OPTIONAL_END_USERS.has(r.type)) return null;
  const valid: EvaluationResultItem[] = [];
  const invalid: EvaluationResultItem[] = [];
  for (const field of r.fields) {
    const name = fieldName(field);
    const v = eu ? str(eu.attributes[field]) : null;
    if (v === null) {
      if (!optionalFor(r.type, field, eu?.attributes ?? {})) invalid.push(bad(field, name, `The ${name} is missing. Please enter in a ${name} on the ${reqFriendly}.`, EVAL_CODES.endUserField));
      continue;
    }
    const problem = FIELD_CHECKS[field]?.(v) ?? null;
    if (problem) invalid.push(bad(field, name, problem, EVAL_CODES.endUserField));
    else valid.push(ok(field, name));
  }
  const missing = eu ? null : { reason: `A ${reqFriendly} End-User is missing. Please add one to the regulatory bundle.`, code: EVAL_CODES.endUserMissing };
  return requirement({ object_type: r.type, friendly_name: 'Information', requirement_friendly_name: reqFriendly, requirement_name: r.requirement_name ?? r.type }, valid, invalid, missing);
}

function documentResult(store: Store, bundle: Bundle, r: PolicyRequirements['supporting_document'][number][number]): EvaluationResult {
  const types = r.accepted_documents.map((d) => d.type);
  const reqFriendly = r.name ?? fieldName(types[0] ?? 'document');
  const doc = types.map((t) => store.assignedDocuments(bundle.sid, t)[0]).find((d) => d !== undefined);
  const accepted = r.accepted_documents.find((d) => d.type === doc?.type);
  const valid: EvaluationResultItem[] = [];
  const invalid: EvaluationResultItem[] = [];
  if (doc) {
    for (const field of accepted?.fields ?? []) {
      if (field === 'address_sids') {
        const sids = addressSidsOf(doc.attributes);
        if (sids.length === 0) invalid.push(bad('address_sids', 'address sids', `The Address is missing. Please enter in the address on the ${reqFriendly}.`, EVAL_CODES.address));
        else {
          const unknown = sids.find((s) => !store.addresses.has(s));
          if (unknown) invalid.push(bad('address_sids', 'address sids', `Address not found with sid ${unknown}`, EVAL_CODES.address));
          else valid.push(ok('address_sids', 'address sids'));
        }
      } else if (str(doc.attributes[field]) === null && !OPTIONAL_FIELDS.has(field)) {
        invalid.push(bad(field, fieldName(field), `The ${fieldName(field)} is missing. Please enter in a ${fieldName(field)} on the ${reqFriendly}.`, EVAL_CODES.documentField));
      } else valid.push(ok(field, fieldName(field)));
    }
  }
  const missing = doc ? null : { reason: `A ${reqFriendly} is missing. Please add one to the regulatory bundle.`, code: EVAL_CODES.documentMissing };
  return requirement({ object_type: types[0] ?? 'document', friendly_name: accepted?.name ?? reqFriendly, requirement_friendly_name: reqFriendly, requirement_name: r.requirement_name ?? types[0] ?? 'document' }, valid, invalid, missing);
}

/**
 * The supporting-profile types a customer profile counts as. A business-policy profile with another
 * business profile assigned is a secondary profile; one without (the ISV's own) is a primary profile.
 */
function profileTypes(store: Store, p: Bundle): string[] {
  if (p.policySid === POLICY_STARTER) return ['starter_customer_profile_type_business', 'starter_customer_profile_type_direct_long_tail'];
  if (p.policySid === POLICY_SECONDARY_BUSINESS) {
    const secondary = store.assignedProfiles(p.sid).some((q) => q.sid !== p.sid && q.policySid === POLICY_SECONDARY_BUSINESS);
    return [secondary ? 'secondary_customer_profile_type_business' : 'primary_customer_profile_type_business'];
  }
  return [];
}

const TYPE_FRIENDLY: Record<string, string> = {
  primary_customer_profile_type_business: 'Primary Customer Profile',
  secondary_customer_profile_type_business: 'Secondary Customer Profile',
  starter_customer_profile_type_business: 'Starter Customer Profile',
  starter_customer_profile_type_direct_long_tail: 'Starter Customer Profile',
};

function profileResults(store: Store, bundle: Bundle, list: PolicyRequirements['supporting_customer_profiles']): EvaluationResult[] {
  const groups = new Map<string, string[]>();
  for (const r of list) groups.set(r.requirement_name ?? r.type, [...(groups.get(r.requirement_name ?? r.type) ?? []), r.type]);
  const out: EvaluationResult[] = [];
  for (const [reqName, types] of groups) {
    const friendly = TYPE_FRIENDLY[types[0]!] ?? fieldName(types[0]!);
    // A primary profile must be approved to support another bundle (the ISV's vetted identity).
    const mustBeApproved = types.some((t) => t.startsWith('primary_'));
    // The A2P Messaging profile may go on before its Secondary Customer Profile is approved (the Standard
    // guide: no need to wait), but not on a rejected one.
    const mustNotBeRejected = bundle.policySid === POLICY_A2P_MESSAGING;
    const candidates = store.assignedProfiles(bundle.sid).filter((p) => p.sid !== bundle.sid);
    const matching = candidates.filter((p) => profileTypes(store, p).some((t) => types.includes(t)));
    const valid: EvaluationResultItem[] = [];
    const invalid: EvaluationResultItem[] = [];
    let missing: { reason: string; code: number } | null = null;
    const usable = (p: Bundle) => (mustBeApproved ? p.status === 'twilio-approved' : !mustNotBeRejected || p.status !== 'twilio-rejected');
    if (matching.some(usable)) valid.push(ok('bundle_sid', 'Supporting Bundle Status'));
    else if (matching.length > 0 && !mustBeApproved) invalid.push(bad('bundle_sid', 'Supporting Bundle Status', `The ${friendly} is twilio-rejected.`, EVAL_CODES.supportingProfile));
    else if (matching.length > 0) invalid.push(bad('bundle_sid', 'Supporting Bundle Status', `The ${friendly} is not in twilio-approved status.`, EVAL_CODES.supportingProfile));
    else if (candidates.length > 0) invalid.push(bad('bundle_sid', 'Supporting Bundle Status', `The assigned Customer Profile is not a ${friendly}.`, EVAL_CODES.supportingProfile));
    else missing = { reason: `A ${friendly} is missing. Please add one to the regulatory bundle.`, code: EVAL_CODES.documentMissing };
    out.push(requirement({ object_type: types[0]!, friendly_name: `${friendly} Bundle`, requirement_friendly_name: friendly, requirement_name: reqName }, valid, invalid, missing));
  }
  return out;
}

/**
 * The results of evaluating `bundle` against the sandbox's current copy of `policySid`: one result per
 * requirement the policy lists (end users, supporting documents, supporting customer profiles), so a
 * changed policy changes the evaluation. Unknown policies evaluate compliant with no results.
 */
export function evaluateBundle(store: Store, bundle: Bundle, policySid: string): { status: 'compliant' | 'noncompliant'; results: EvaluationResult[] } {
  const doc = store.policies.get(policySid);
  const parsed = doc ? policyRequirementsSchema.safeParse(doc.requirements) : null;
  const results: EvaluationResult[] = [];
  if (parsed?.success) {
    const req = parsed.data;
    for (const r of req.end_user) {
      const res = endUserResult(store, bundle, r);
      if (res) results.push(res);
    }
    for (const group of req.supporting_document) for (const r of group) results.push(documentResult(store, bundle, r));
    results.push(...profileResults(store, bundle, req.supporting_customer_profiles));
  }
  return { status: results.every((r) => r.passed) ? 'compliant' : 'noncompliant', results };
}

/** `address_sids` may be one SID string, a comma-separated list or an array. */
export function addressSidsOf(attributes: Record<string, unknown>): string[] {
  const v = attributes['address_sids'];
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  return list.filter((s): s is string => typeof s === 'string').map((s) => s.trim()).filter((s) => s.length > 0);
}
