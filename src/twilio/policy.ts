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
export const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['vertical', 'social_media_profile_urls']);
export const OPTIONAL_END_USERS: ReadonlySet<string> = new Set(['authorized_representative_2']);

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

/** Every requirement of `policy` that `bundle` does not meet, by requirement name (empty = locally compliant). */
export function missingRequirements(policy: PolicyRequirements, bundle: AssembledBundle): MissingRequirement[] {
  const out: MissingRequirement[] = [];
  for (const r of policy.end_user) {
    const name = label(r.requirement_name, r.name, r.type);
    const eu = bundle.endUsers.find((e) => e.type === r.type);
    if (!eu) {
      if (!OPTIONAL_END_USERS.has(r.type)) out.push({ requirement: r.requirement_name || r.type, detail: `${name}: no end user of type ${r.type}` });
      continue;
    }
    const fields = r.fields.filter((f) => !OPTIONAL_FIELDS.has(f) && !present(eu.attributes[f]));
    if (fields.length) out.push({ requirement: r.requirement_name || r.type, detail: `${name}: field${fields.length > 1 ? 's' : ''} ${fields.join(', ')} missing` });
  }
  for (const group of policy.supporting_document) {
    for (const r of group) {
      const types = r.accepted_documents.map((d) => d.type);
      const name = label(r.requirement_name, r.name, types.join('/'));
      const doc = bundle.documents.find((d) => types.includes(d.type));
      if (!doc) {
        out.push({ requirement: r.requirement_name || types.join('/'), detail: `${name}: no supporting document of type ${types.join(' or ')}` });
        continue;
      }
      const accepted = r.accepted_documents.find((d) => d.type === doc.type);
      const fields = (accepted?.fields ?? []).filter((f) => !OPTIONAL_FIELDS.has(f) && !present(doc.attributes[f]));
      if (fields.length) out.push({ requirement: r.requirement_name || doc.type, detail: `${name}: field${fields.length > 1 ? 's' : ''} ${fields.join(', ')} missing` });
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
