import { z } from 'zod';

/**
 * A TrustHub Policy: what a bundle needs (reference 004, "Policies Resource Example").
 * "Policies can and do change", so the worker reads them from Twilio and checks a bundle
 * against the policy it has now, instead of a list written into the code.
 */

const endUserRequirementSchema = z
  .object({
    type: z.string().min(1),
    name: z.string().nullish(),
    requirement_name: z.string().nullish(),
    fields: z.array(z.string()).default([]),
  })
  .passthrough();

const acceptedDocumentSchema = z.object({ type: z.string().min(1), name: z.string().nullish(), fields: z.array(z.string()).default([]) }).passthrough();
const documentRequirementSchema = z
  .object({
    name: z.string().nullish(),
    requirement_name: z.string().nullish(),
    accepted_documents: z.array(acceptedDocumentSchema).default([]),
  })
  .passthrough();
const supportingBundleSchema = z.object({ type: z.string().min(1), name: z.string().nullish(), requirement_name: z.string().nullish() }).passthrough();

export const policyRequirementsSchema = z
  .object({
    end_user: z.array(endUserRequirementSchema).default([]),
    /** Groups (arrays) of document requirements; Twilio nests them one level. */
    supporting_document: z.array(z.array(documentRequirementSchema)).default([]),
    supporting_customer_profiles: z.array(supportingBundleSchema).default([]),
    supporting_trust_products: z.array(supportingBundleSchema).default([]),
  })
  .passthrough();
export type PolicyRequirements = z.infer<typeof policyRequirementsSchema>;

export interface Policy {
  sid: string;
  friendlyName: string;
  requirements: PolicyRequirements;
}

/**
 * Parts of a policy that are not required although the policy lists them: the documents show
 * the Sole Proprietor `vertical` and the business `social_media_profile_urls` as optional, and
 * the Secondary Business Profile guide (003) assigns authorized representative #2 only when
 * there is one. Everything else a policy lists is required.
 */
const OPTIONAL_FIELDS: ReadonlySet<string> = new Set([
  'vertical', 'social_media_profile_urls',
  // us_a2p_messaging_profile_information: the stock fields are for public companies only, and the brand contact
  // email is what Authentication+ (public companies) writes to; ingest requires them where they apply.
  'stock_exchange', 'stock_ticker', 'brand_contact_email',
]);
const OPTIONAL_END_USERS: ReadonlySet<string> = new Set(['authorized_representative_2']);

/** Which policy a bundle is checked against, by the stage that builds it. */
export const POLICY_ROLES = ['starter', 'soleProprietor', 'business', 'shakenStir', 'a2pMessaging'] as const;
export type PolicyRole = (typeof POLICY_ROLES)[number];

/** What a stage knows how to fill: end-user and document types with their fields, supporting bundle types. */
export interface PipelineFills {
  /** Policy name, for messages. */
  label: string;
  /** End-user type → attribute field → the CSV column(s) it comes from. */
  endUsers: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Supporting document type → attribute field → CSV column(s). */
  documents: Readonly<Record<string, Readonly<Record<string, string>>>>;
  customerProfiles: readonly string[];
  trustProducts: readonly string[];
}

const ADDRESS_COLUMNS = 'street, city, region, postal_code, iso_country';
const REP_FIELDS = (n: 1 | 2): Record<string, string> => ({
  first_name: `rep${n}_first_name`,
  last_name: `rep${n}_last_name`,
  email: `rep${n}_email`,
  phone_number: `rep${n}_phone_number`,
  business_title: `rep${n}_business_title`,
  job_position: `rep${n}_job_position`,
});

/**
 * The requirements each stage fills, as the documents describe them (002 §1.3-1.6 and §2.3-2.4 for
 * Sole Proprietors, 003 for the Secondary Business Profile and SHAKEN/STIR Trust Product). The local
 * policy check judges only these: a requirement a fetched policy lists that is not here is Twilio's to
 * judge (its Evaluation is the authority), never a reason to fail a customer before Twilio is asked.
 */
export const PIPELINE_FILLS: Readonly<Record<PolicyRole, PipelineFills>> = {
  starter: {
    label: 'Starter Customer Profile',
    endUsers: { starter_customer_profile_information: { first_name: 'first_name', last_name: 'last_name', email: 'email', phone_number: 'phone_number' } },
    documents: { customer_profile_address: { address_sids: ADDRESS_COLUMNS } },
    customerProfiles: ['primary_customer_profile_type_business'],
    trustProducts: [],
  },
  soleProprietor: {
    label: 'Sole Proprietor A2P Trust Bundle',
    endUsers: { sole_proprietor_information: { brand_name: 'brand_name', mobile_phone_number: 'mobile_phone_number', vertical: 'vertical' } },
    documents: {},
    customerProfiles: ['starter_customer_profile_type_business'],
    trustProducts: [],
  },
  business: {
    label: 'Secondary Customer Profile of type Business',
    endUsers: {
      customer_profile_business_information: {
        business_name: 'business_name',
        business_identity: 'business_identity',
        business_type: 'business_type',
        business_industry: 'business_industry',
        business_registration_identifier: 'business_registration_identifier',
        business_registration_number: 'business_registration_number (or tax_id)',
        business_regions_of_operation: 'business_regions_of_operation',
        website_url: 'website_url',
        social_media_profile_urls: 'social_media_profile_urls',
      },
      authorized_representative_1: REP_FIELDS(1),
      authorized_representative_2: REP_FIELDS(2),
    },
    documents: { customer_profile_address: { address_sids: ADDRESS_COLUMNS } },
    customerProfiles: ['primary_customer_profile_type_business'],
    trustProducts: [],
  },
  shakenStir: {
    label: 'SHAKEN/STIR Trust Product',
    endUsers: {},
    documents: {},
    customerProfiles: ['secondary_customer_profile_type_business'],
    trustProducts: [],
  },
  a2pMessaging: {
    label: 'A2P Messaging Trust Product',
    endUsers: {
      us_a2p_messaging_profile_information: { company_type: 'company_type', stock_exchange: 'stock_exchange', stock_ticker: 'stock_ticker', brand_contact_email: 'brand_contact_email' },
    },
    documents: {},
    customerProfiles: ['secondary_customer_profile_type_business'],
    trustProducts: [],
  },
};

/** What a stage has put into a bundle, as it knows it (no Twilio call). */
export interface AssembledBundle {
  endUsers: { type: string; attributes: Record<string, unknown> }[];
  documents: { type: string; attributes: Record<string, unknown> }[];
  /** Types of the supporting customer profiles assigned (e.g. primary_customer_profile_type_business). */
  customerProfiles: string[];
  trustProducts?: string[];
}

export interface MissingRequirement {
  requirement: string;
  /** Human-readable: "authorized_representative_1 (Authorized Representative #1): no end user of this type". */
  detail: string;
  /** The CSV column(s) to correct, when the data comes from one. */
  columns?: string;
}

function present(v: unknown): boolean {
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null;
}

const label = (reqName: string | null | undefined, name: string | null | undefined, fallback: string) => {
  const id = reqName || fallback;
  return name && name !== id ? `${id} (${name})` : id;
};

/** A requirement of a fetched policy that the pipeline does not know how to fill. */
export interface UnknownRequirement {
  /** requirement_name, or `requirement.field` for an unknown field of a known requirement. */
  requirement: string;
  detail: string;
}

/**
 * Splits a fetched policy into the part the stage knows it fills (checked locally) and what it does not
 * know (left to Twilio's Evaluation). An unknown end-user or document type, an unknown field of a known
 * type, and a supporting bundle type no stage assigns are unknown.
 */
export function splitRequirements(policy: PolicyRequirements, fills: PipelineFills): { known: PolicyRequirements; unknown: UnknownRequirement[] } {
  const unknown: UnknownRequirement[] = [];
  const endUsers: PolicyRequirements['end_user'] = [];
  for (const r of policy.end_user) {
    const name = label(r.requirement_name, r.name, r.type);
    const knownFields = fills.endUsers[r.type];
    if (!knownFields) {
      unknown.push({ requirement: r.requirement_name || r.type, detail: `${name}: an end user of type ${r.type}` });
      continue;
    }
    const extra = r.fields.filter((f) => !(f in knownFields));
    for (const f of extra) unknown.push({ requirement: `${r.requirement_name || r.type}.${f}`, detail: `${name}: field ${f}` });
    endUsers.push({ ...r, fields: r.fields.filter((f) => f in knownFields) });
  }
  const documents: PolicyRequirements['supporting_document'] = [];
  for (const group of policy.supporting_document) {
    const kept: PolicyRequirements['supporting_document'][number] = [];
    for (const r of group) {
      const types = r.accepted_documents.map((d) => d.type);
      const name = label(r.requirement_name, r.name, types.join('/'));
      const accepted = r.accepted_documents.filter((d) => fills.documents[d.type]);
      if (accepted.length === 0) {
        unknown.push({ requirement: r.requirement_name || types.join('/'), detail: `${name}: a supporting document of type ${types.join(' or ') || '(none listed)'}` });
        continue;
      }
      for (const d of accepted) {
        const knownFields = fills.documents[d.type] ?? {};
        for (const f of d.fields.filter((x) => !(x in knownFields))) unknown.push({ requirement: `${r.requirement_name || d.type}.${f}`, detail: `${name}: field ${f} of ${d.type}` });
      }
      kept.push({ ...r, accepted_documents: accepted.map((d) => ({ ...d, fields: d.fields.filter((f) => f in (fills.documents[d.type] ?? {})) })) });
    }
    if (kept.length) documents.push(kept);
  }
  const bundles = (list: PolicyRequirements['supporting_customer_profiles'], knownTypes: readonly string[], what: string) => {
    // Entries sharing a requirement_name are alternatives: the requirement is known when any alternative is.
    const keys = new Map<string, typeof list>();
    for (const r of list) keys.set(r.requirement_name || r.type, [...(keys.get(r.requirement_name || r.type) ?? []), r]);
    const kept: typeof list = [];
    for (const [key, alts] of keys) {
      if (alts.some((a) => knownTypes.includes(a.type))) kept.push(...alts);
      else unknown.push({ requirement: key, detail: `${label(key, alts[0]?.name, key)}: a supporting ${what} of type ${alts.map((a) => a.type).join(' or ')}` });
    }
    return kept;
  };
  const known: PolicyRequirements = {
    ...policy,
    end_user: endUsers,
    supporting_document: documents,
    supporting_customer_profiles: bundles(policy.supporting_customer_profiles, fills.customerProfiles, 'customer profile'),
    supporting_trust_products: bundles(policy.supporting_trust_products, fills.trustProducts, 'trust product'),
  };
  return { known, unknown };
}

/** Every requirement of `policy` that `bundle` does not meet, by requirement name (empty = locally compliant). */
export function missingRequirements(policy: PolicyRequirements, bundle: AssembledBundle, fills?: PipelineFills): MissingRequirement[] {
  const out: MissingRequirement[] = [];
  const columnsOf = (fieldsByType: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined, type: string, fields: string[]): string | undefined => {
    const cols = fields.map((f) => fieldsByType?.[type]?.[f]).filter((c): c is string => !!c);
    return cols.length ? [...new Set(cols)].join('; ') : undefined;
  };
  const push = (m: MissingRequirement) => out.push(m.columns === undefined ? { requirement: m.requirement, detail: m.detail } : m);
  for (const r of policy.end_user) {
    const name = label(r.requirement_name, r.name, r.type);
    const eu = bundle.endUsers.find((e) => e.type === r.type);
    if (!eu) {
      if (!OPTIONAL_END_USERS.has(r.type)) push({ requirement: r.requirement_name || r.type, detail: `${name}: no end user of type ${r.type}`, columns: columnsOf(fills?.endUsers, r.type, r.fields) });
      continue;
    }
    const fields = r.fields.filter((f) => !OPTIONAL_FIELDS.has(f) && !present(eu.attributes[f]));
    if (fields.length) push({ requirement: r.requirement_name || r.type, detail: `${name}: field${fields.length > 1 ? 's' : ''} ${fields.join(', ')} missing`, columns: columnsOf(fills?.endUsers, r.type, fields) });
  }
  for (const group of policy.supporting_document) {
    for (const r of group) {
      const types = r.accepted_documents.map((d) => d.type);
      const name = label(r.requirement_name, r.name, types.join('/'));
      const doc = bundle.documents.find((d) => types.includes(d.type));
      if (!doc) {
        push({ requirement: r.requirement_name || types.join('/'), detail: `${name}: no supporting document of type ${types.join(' or ')}`, columns: columnsOf(fills?.documents, types[0] ?? '', r.accepted_documents[0]?.fields ?? []) });
        continue;
      }
      const accepted = r.accepted_documents.find((d) => d.type === doc.type);
      const fields = (accepted?.fields ?? []).filter((f) => !OPTIONAL_FIELDS.has(f) && !present(doc.attributes[f]));
      if (fields.length) push({ requirement: r.requirement_name || doc.type, detail: `${name}: field${fields.length > 1 ? 's' : ''} ${fields.join(', ')} missing`, columns: columnsOf(fills?.documents, doc.type, fields) });
    }
  }
  // Supporting bundles: entries sharing a requirement_name are alternatives (any one will do).
  const groups = (list: z.infer<typeof supportingBundleSchema>[]) => {
    const m = new Map<string, { types: string[]; name: string | null | undefined }>();
    for (const r of list) {
      const key = r.requirement_name || r.type;
      const g = m.get(key) ?? { types: [], name: r.name };
      g.types.push(r.type);
      m.set(key, g);
    }
    return m;
  };
  for (const [key, g] of groups(policy.supporting_customer_profiles)) {
    if (!bundle.customerProfiles.some((t) => g.types.includes(t))) {
      out.push({ requirement: key, detail: `${label(key, g.name, key)}: no supporting customer profile of type ${g.types.join(' or ')}` });
    }
  }
  for (const [key, g] of groups(policy.supporting_trust_products)) {
    if (!(bundle.trustProducts ?? []).some((t) => g.types.includes(t))) {
      out.push({ requirement: key, detail: `${label(key, g.name, key)}: no supporting trust product of type ${g.types.join(' or ')}` });
    }
  }
  return out;
}
