import type { FailureKind } from '../failure-kinds.js';
import { RejectedError } from '../twilio/errors.js';
import type { Bundle, BundleStatus, Evaluation, TwilioGateway } from '../twilio/gateway.js';
import type { PostalAddress } from '../customers/customer.js';
import type { SidName } from '../ledger/ledger.js';
import { bundleField, type BundleKind } from '../ledger/status-fields.js';
import { ensure } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext } from './outcome.js';
import { checkPolicy } from './policies.js';
import type { AssembledBundle } from '../twilio/policy.js';

/** Helpers shared by the bundle stages of both flows: assign, check against the policy, evaluate, submit. */

type Kind = Parameters<TwilioGateway['fetchBundle']>[0];

/**
 * How a bundle is named in reasons, and the kind of failure its rejection is; the Sole Proprietor flow's by default.
 * Without `rejectedKind`, a rejection is a 'bundle-rejected' (or 'profile-rejected') whose operator guidance
 * comes from Twilio's error codes (src/reports/actions.ts).
 */
export interface BundleRole {
  label: string;
  rejectedKind?: FailureKind;
}
export const BUNDLE_ROLES = {
  starterProfile: { label: 'Starter customer profile' },
  soleProprietorBundle: { label: 'Sole Proprietor trust bundle' },
  businessProfile: { label: 'Secondary Business Profile', rejectedKind: 'business-profile-rejected' },
  shakenStir: { label: 'SHAKEN/STIR Trust Product', rejectedKind: 'shaken-stir-rejected' },
  a2pProduct: { label: 'A2P Messaging Trust Product', rejectedKind: 'a2p-product-rejected' },
} as const satisfies Record<string, BundleRole>;

function defaultRole(kind: Kind): BundleRole {
  return kind === 'customerProfile' ? BUNDLE_ROLES.starterProfile : BUNDLE_ROLES.soleProprietorBundle;
}

/**
 * The customer's Address (corrected in place when the data changes) and the `customer_profile_address`
 * supporting document pointing at it; both flows send the same.
 */
export async function ensureAddressDocument(ctx: StageContext, stage: string, customerName: string, a: PostalAddress): Promise<{ address: string; document: string }> {
  const { gateway, customerId } = ctx;
  const addressName = friendlyName(customerId, 'Address');
  const { isoCountry } = a;
  const fields = { customerName, street: a.street, streetSecondary: a.streetSecondary, city: a.city, region: a.region, postalCode: a.postalCode };
  const address = await ensure(
    ctx, stage, 'address',
    () => gateway.createAddress({ friendlyName: addressName, ...fields, isoCountry }),
    () => gateway.findAddressByFriendlyName(addressName),
    // The country is not part of the fingerprint: Twilio cannot change it on an existing address.
    { data: fields, update: (sid) => gateway.updateAddress(sid, fields) },
  );
  const documentName = friendlyName(customerId, 'Address Document');
  const document = await ensure(
    ctx, stage, 'addressDocument',
    () => gateway.createSupportingDocument({ friendlyName: documentName, type: 'customer_profile_address', attributes: { address_sids: address } }),
    (l) => gateway.findSupportingDocumentByFriendlyName(documentName, l.afterRestart),
  );
  return { address, document };
}

/** Assign a phone number (PN SID) to a bundle once, by the same ensure() guard as every create. */
async function assignEndpointOnce(ctx: StageContext, stage: string, kind: Kind, bundleSid: string, phoneNumberSid: string): Promise<void> {
  await ensure(
    ctx,
    stage,
    `${kind === 'customerProfile' ? 'profileEndpoint' : 'productEndpoint'}.${phoneNumberSid}`,
    () => ctx.gateway.assignChannelEndpoint(kind, bundleSid, phoneNumberSid),
    () => ctx.gateway.findChannelEndpointAssignment(kind, bundleSid, phoneNumberSid),
  );
}

export async function assignOnce(ctx: StageContext, stage: string, kind: Kind, bundleSid: string, name: SidName, objectSid: string): Promise<void> {
  await ensure(
    ctx,
    stage,
    name,
    () => ctx.gateway.assign(kind, bundleSid, objectSid),
    () => ctx.gateway.findAssignment(kind, bundleSid, objectSid),
  );
}

/**
 * Make the bundle's phone numbers exactly `phoneNumberSids`: assign the missing ones, and take off
 * the ones an earlier generation assigned that the corrected data no longer lists.
 */
export async function syncEndpoints(ctx: StageContext, stage: string, kind: Kind, bundleSid: string, phoneNumberSids: readonly string[]): Promise<void> {
  const prefix = kind === 'customerProfile' ? 'profileEndpoint' : 'productEndpoint';
  const rec = await ctx.ledger.get(ctx.customerId);
  const sids = (rec?.sids ?? {}) as Record<string, string | undefined>;
  for (const [name, assignment] of Object.entries(sids)) {
    const pn = name.startsWith(`${prefix}.`) ? name.slice(prefix.length + 1) : null;
    if (!pn || !assignment || phoneNumberSids.includes(pn)) continue;
    await ctx.gateway.removeChannelEndpointAssignment(kind, bundleSid, assignment);
    await ctx.ledger.clearSid(ctx.customerId, `${prefix}.${pn}`, stage);
    ctx.log.info({ sidName: name, sid: assignment }, 'phone number no longer listed: taken off the bundle');
  }
  for (const pn of phoneNumberSids) await assignEndpointOnce(ctx, stage, kind, bundleSid, pn);
}

/**
 * An evaluation must be compliant before submitting; otherwise say what Twilio found missing.
 * With `assembled` (what the stage put into the bundle), the bundle is first checked against the
 * policy's current requirements, locally: a missing requirement costs no evaluation call.
 */
export async function evaluateOrReject(ctx: StageContext, kind: Kind, bundleSid: string, policySid: string, assembled?: AssembledBundle, role: BundleRole = defaultRole(kind)): Promise<Evaluation> {
  if (assembled) await checkPolicy(ctx, role.label, bundleSid, policySid, assembled);
  const evaluation = await ctx.gateway.evaluate(kind, bundleSid, policySid);
  if (evaluation.status !== 'compliant') {
    throw new RejectedError(
      `${role.label} ${bundleSid} evaluation is noncompliant: ${describeEvaluation(evaluation)}`,
      { evaluationSid: evaluation.sid, results: evaluation.results },
      { kind: 'evaluation-noncompliant' },
    );
  }
  return evaluation;
}

/**
 * Submit for review unless a previous try already did. A twilio-rejected bundle is resubmitted
 * once per generation of the customer (a redrive or corrected data from `ingest --update`),
 * never again for the same data. `submitted` says whether this call submitted it.
 */
export async function submitOnce(ctx: StageContext, kind: Kind, bundleSid: string, role: BundleRole = defaultRole(kind), slot: BundleKind = kind): Promise<{ status: BundleStatus; submitted: boolean }> {
  const current = await ctx.gateway.fetchBundle(kind, bundleSid);
  // `slot` names the ledger's fields for this bundle: the A2P Messaging Trust Product is a trust product kept apart from SHAKEN/STIR's.
  const key = bundleField(slot, 'SubmittedGen');
  const rec = await ctx.ledger.get(ctx.customerId);
  const submittedGen = rec?.status[key] ?? 1;
  const resubmit = current.status === 'twilio-rejected' && ctx.gen > submittedGen;
  if (!resubmit) rejectIfRejected(kind, current, role);
  if (current.status !== 'draft' && !resubmit) return { status: current.status, submitted: false };
  let status: BundleStatus;
  try {
    status = await ctx.gateway.submit(kind, bundleSid);
  } catch (err) {
    // Another try of this job (running at once) may have submitted it between our fetch and our
    // submit: Twilio then refuses ours. That is the outcome we wanted, not the customer's failure.
    if (!(err instanceof RejectedError)) throw err;
    const now = await ctx.gateway.fetchBundle(kind, bundleSid);
    if (now.status === 'draft' || (now.status === 'twilio-rejected' && resubmit)) throw err;
    rejectIfRejected(kind, now, role);
    ctx.log.info({ bundleSid, kind, status: now.status }, 'submitted meanwhile by another try');
    // Just submitted all the same: keep the validation wait that follows a submission.
    return { status: now.status, submitted: true };
  }
  await ctx.ledger.setStatus(ctx.customerId, { [key]: ctx.gen });
  if (resubmit) ctx.log.info({ bundleSid, kind }, 'resubmitted a rejected bundle with corrected data');
  return { status, submitted: true };
}

export function rejectIfRejected(kind: Kind, bundle: Bundle, role: BundleRole = defaultRole(kind)): void {
  if (bundle.status === 'twilio-rejected') {
    throw new RejectedError(
      `${role.label} ${bundle.sid} was rejected by Twilio: ${describeErrors(bundle.errors) || 'no reason given'}`,
      { bundleSid: bundle.sid, errors: bundle.errors },
      { kind: role.rejectedKind ?? (rejectsSupportingProfile(bundle.errors) ? 'profile-rejected' : 'bundle-rejected') },
    );
  }
}

/** Twilio names the bundle's `customer_profile` as what failed: the customer profile it rests on was rejected. */
function rejectsSupportingProfile(errors: unknown[]): boolean {
  return errors.some((e) => e !== null && typeof e === 'object' && (e as Record<string, unknown>)['object_field'] === 'customer_profile');
}

function describeEvaluation(e: Evaluation): string {
  const parts: string[] = [];
  for (const r of e.results) {
    if (r['passed'] === true) continue;
    const name = str(r['requirement_friendly_name']) ?? str(r['requirement_name']) ?? str(r['friendly_name']) ?? 'requirement';
    const why = str(r['failure_reason']) ?? 'not satisfied';
    const code = codeText(r['error_code']) ? ` (error ${codeText(r['error_code'])})` : '';
    const invalid = Array.isArray(r['invalid'])
      ? (r['invalid'] as unknown[])
          .map((i) => (i && typeof i === 'object' ? str((i as Record<string, unknown>)['object_field']) : null))
          .filter((x): x is string => !!x)
      : [];
    parts.push(`${name}: ${why}${code}${invalid.length ? ` [fields: ${invalid.join(', ')}]` : ''}`);
  }
  return parts.length ? parts.join('; ') : 'Twilio gave no details';
}

export function describeErrors(errors: unknown[]): string {
  // Twilio's campaign errors carry error_code/description/fields; bundles carry code/failure_reason.
  return errors
    .map((e) => {
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const msg = str(o['message']) ?? str(o['failure_reason']) ?? str(o['description']) ?? str(o['detail']) ?? JSON.stringify(o);
        const code = codeText(o['code'] ?? o['error_code']);
        const fields = Array.isArray(o['fields']) && o['fields'].length ? ` [fields: ${(o['fields'] as unknown[]).map(String).join(', ')}]` : '';
        return `${code ? `${msg} (error ${code})` : msg}${fields}`;
      }
      return String(e);
    })
    .join('; ');
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** An error code as Twilio sends it (a number, or a string like "22215"); anything else is no code. */
function codeText(v: unknown): string | null {
  return typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : null;
}
