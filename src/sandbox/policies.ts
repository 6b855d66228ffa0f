import {
  POLICY_SECONDARY_BUSINESS,
  POLICY_SOLE_PROPRIETOR,
  POLICY_STARTER,
  type Bundle,
  type EvaluationResult,
  type EvaluationResultItem,
  type Store,
} from './store.js';
import { NANP_MOBILE_RE, PHONE_RE, SOLE_PROPRIETOR_VERTICALS } from './rules.js';

export interface PolicyDoc {
  sid: string;
  friendly_name: string;
  requirements: Record<string, unknown>;
}

const businessRepFields = ['first_name', 'last_name', 'email', 'phone_number', 'business_title', 'job_position'];

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
          {
            url: '/EndUserTypes/customer_profile_business_information',
            fields: [
              'business_type', 'business_registration_number', 'business_name', 'business_registration_identifier',
              'business_identity', 'business_industry', 'website_url', 'business_regions_of_operation', 'social_media_profile_urls',
            ],
            type: 'customer_profile_business_information',
            name: 'Business Information',
            requirement_name: 'customer_profile_business_information',
          },
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
]);

/**
 * Evaluation error codes, as in the documents' noncompliant example:
 * 22214 end user missing, 22215 end-user field missing/invalid, 22216 supporting document (or supporting
 * customer profile) missing, 22217 document field missing/invalid, 22218 supporting customer profile in a
 * wrong state / of a wrong type, 22219 address missing.
 */
export const EVAL_CODES = { endUserMissing: 22214, endUserField: 22215, documentMissing: 22216, documentField: 22217, supportingProfile: 22218, address: 22219 } as const;

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

function endUserRequirement(
  store: Store,
  bundle: Bundle,
  type: string,
  reqFriendly: string,
  fields: { field: string; name: string; required: boolean; check?: (v: string) => string | null }[],
): EvaluationResult {
  const eu = store.assignedEndUsers(bundle.sid, type)[0];
  const valid: EvaluationResultItem[] = [];
  const invalid: EvaluationResultItem[] = [];
  for (const f of fields) {
    const v = eu ? str(eu.attributes[f.field]) : null;
    if (v === null) {
      if (f.required) invalid.push(bad(f.field, f.name, `The ${f.name} is missing. Please enter in a ${f.name} on the ${reqFriendly}.`, EVAL_CODES.endUserField));
      continue;
    }
    const problem = f.check?.(v) ?? null;
    if (problem) invalid.push(bad(f.field, f.name, problem, EVAL_CODES.endUserField));
    else valid.push(ok(f.field, f.name));
  }
  const missing = eu ? null : { reason: `A ${reqFriendly} End-User is missing. Please add one to the regulatory bundle.`, code: EVAL_CODES.endUserMissing };
  return requirement({ object_type: type, friendly_name: 'Information', requirement_friendly_name: reqFriendly, requirement_name: type }, valid, invalid, missing);
}

function starterResults(store: Store, bundle: Bundle): EvaluationResult[] {
  const results: EvaluationResult[] = [];
  results.push(
    endUserRequirement(store, bundle, 'starter_customer_profile_information', 'Starter Customer Profile Information', [
      { field: 'first_name', name: 'First Name', required: true },
      { field: 'last_name', name: 'Last Name', required: true },
      { field: 'email', name: 'Email Address', required: true, check: (v) => (/^[^@\s]+@[^@\s]+$/.test(v) ? null : 'The Email Address is not a well formatted email address.') },
      { field: 'phone_number', name: 'Phone Number', required: true, check: (v) => (PHONE_RE.test(v) ? null : 'The Phone Number is not a valid E.164 phone number.') },
    ]),
  );

  // customer_profile_address: a supporting document whose address_sids names an existing Address.
  const doc = store.assignedDocuments(bundle.sid, 'customer_profile_address')[0];
  {
    const valid: EvaluationResultItem[] = [];
    const invalid: EvaluationResultItem[] = [];
    if (doc) {
      const sids = addressSidsOf(doc.attributes);
      if (sids.length === 0) invalid.push(bad('address_sids', 'address sids', 'The Address is missing. Please enter in the address on the Customer Profile Address.', EVAL_CODES.address));
      else {
        const unknown = sids.find((s) => !store.addresses.has(s));
        if (unknown) invalid.push(bad('address_sids', 'address sids', `Address not found with sid ${unknown}`, EVAL_CODES.address));
        else valid.push(ok('address_sids', 'address sids'));
      }
    }
    const missing = doc ? null : { reason: 'A Customer Profile Address is missing. Please add one to the regulatory bundle.', code: EVAL_CODES.documentMissing };
    results.push(
      requirement({ object_type: 'customer_profile_address', friendly_name: 'Legal Company Address', requirement_friendly_name: 'Customer Profile Address', requirement_name: 'customer_profile_address' }, valid, invalid, missing),
    );
  }

  // primary_customer_profile: the ISV's primary profile, twilio-approved.
  {
    const profiles = store.assignedProfiles(bundle.sid).filter((p) => p.policySid !== POLICY_STARTER && p.sid !== bundle.sid);
    const approved = profiles.find((p) => p.status === 'twilio-approved');
    const valid: EvaluationResultItem[] = [];
    const invalid: EvaluationResultItem[] = [];
    if (approved) valid.push(ok('bundle_sid', 'Supporting Bundle Status'));
    else if (profiles.length > 0)
      invalid.push(bad('bundle_sid', 'Supporting Bundle Status', 'The Primary Customer Profile is not in twilio-approved status.', EVAL_CODES.supportingProfile));
    const missing = profiles.length === 0 ? { reason: 'A Primary Customer Profile is missing. Please add one to the regulatory bundle.', code: EVAL_CODES.documentMissing } : null;
    results.push(
      requirement({ object_type: 'primary_customer_profile_type_business', friendly_name: 'Primary Customer Profile Bundle', requirement_friendly_name: 'Primary Customer Profile', requirement_name: 'primary_customer_profile' }, valid, invalid, missing),
    );
  }
  return results;
}

function soleProprietorResults(store: Store, bundle: Bundle): EvaluationResult[] {
  const results: EvaluationResult[] = [];
  results.push(
    endUserRequirement(store, bundle, 'sole_proprietor_information', 'Sole Proprietor Information', [
      { field: 'brand_name', name: 'Brand Name', required: true },
      { field: 'mobile_phone_number', name: 'Mobile Phone Number', required: true, check: (v) => (NANP_MOBILE_RE.test(v) ? null : 'The Mobile Phone Number must be a US or Canadian mobile number in E.164 format (+1XXXXXXXXXX).') },
      { field: 'vertical', name: 'Vertical', required: false, check: (v) => (SOLE_PROPRIETOR_VERTICALS.has(v) ? null : `The Vertical ${v} is not one of the accepted values.`) },
    ]),
  );
  {
    const profiles = store.assignedProfiles(bundle.sid);
    const starter = profiles.find((p) => p.policySid === POLICY_STARTER);
    const valid: EvaluationResultItem[] = [];
    const invalid: EvaluationResultItem[] = [];
    if (starter) valid.push(ok('bundle_sid', 'Supporting Bundle Status'));
    else if (profiles.length > 0)
      invalid.push(bad('bundle_sid', 'Supporting Bundle Status', 'The assigned Customer Profile is not a Starter Customer Profile.', EVAL_CODES.supportingProfile));
    const missing = profiles.length === 0 ? { reason: 'A Starter Customer Profile is missing. Please add one to the regulatory bundle.', code: EVAL_CODES.documentMissing } : null;
    results.push(
      requirement({ object_type: 'starter_customer_profile_type_business', friendly_name: 'Starter Customer Profile Bundle', requirement_friendly_name: 'Starter Customer Profile', requirement_name: 'customer_profile' }, valid, invalid, missing),
    );
  }
  return results;
}

/** The results of evaluating `bundle` against `policySid`. Unknown/other policies evaluate compliant with no results. */
export function evaluateBundle(store: Store, bundle: Bundle, policySid: string): { status: 'compliant' | 'noncompliant'; results: EvaluationResult[] } {
  let results: EvaluationResult[] = [];
  if (policySid === POLICY_STARTER) results = starterResults(store, bundle);
  else if (policySid === POLICY_SOLE_PROPRIETOR) results = soleProprietorResults(store, bundle);
  return { status: results.every((r) => r.passed) ? 'compliant' : 'noncompliant', results };
}

/** `address_sids` may be one SID string, a comma-separated list or an array. */
export function addressSidsOf(attributes: Record<string, unknown>): string[] {
  const v = attributes['address_sids'];
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  return list.filter((s): s is string => typeof s === 'string').map((s) => s.trim()).filter((s) => s.length > 0);
}
