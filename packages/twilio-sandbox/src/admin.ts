import { z } from 'zod';
import type { SandboxAccount, SandboxContext } from './context.js';
import { resourcesOf } from './accounts.js';
import { countFaults } from './faults.js';
import { normaliseEmail, normaliseMobile, type Brand } from './store.js';
import { POLICIES, setStarterPolicyShape } from './policies.js';
import { STARTER_POLICY_SHAPES } from './options.js';
import { addPhoneNumber } from './phone-numbers.js';
import { sandboxPolicyRequirementsSchema } from './business-rules.js';

export interface AdminResult {
  status: number;
  body: unknown;
}

const tcrUsageSchema = z
  .object({ mobile: z.string().min(1).optional(), email: z.string().min(1).optional(), count: z.number().int().min(0) })
  .refine((v) => v.mobile !== undefined || v.email !== undefined, { message: 'mobile or email is required' });
/** A brand state to force now (and for the next `repeat` registrations of the brand, e.g. after resubmissions). */
const brandStateFields = {
    status: z.enum(['PENDING', 'APPROVED', 'FAILED', 'IN_REVIEW', 'DELETION_PENDING', 'DELETION_FAILED', 'SUSPENDED']),
    identityStatus: z.enum(['SELF_DECLARED', 'UNVERIFIED', 'VERIFIED', 'VETTED_VERIFIED']).optional(),
    failureReason: z.string().nullable().optional(),
    errors: z.array(z.record(z.string(), z.unknown())).optional(),
};
const brandStateSchema = z.object({ ...brandStateFields, repeat: z.number().int().min(0).optional() }).strict();
/** How the next `times` registrations of brands with this mobile number end (set before ingest: no race with the registration). */
const brandOutcomeSchema = z.object({ ...brandStateFields, mobile: z.string().min(1), times: z.number().int().min(1).default(1) }).strict();
const neverReplySchema = z.object({ mobile: z.string().min(1) });
/** Authentication+ of a public STANDARD brand, now: the brand contact confirms, or the email expires (21737). */
const authPlusSchema = z.object({ outcome: z.enum(['confirm', 'expire']) }).strict();
/** A policy change: new requirements as a whole, or one field added to an end-user type's requirement. */
const policyChangeSchema = z.union([
  z.object({ requirements: z.record(z.string(), z.unknown()) }),
  z.object({ addField: z.object({ endUserType: z.string().min(1), field: z.string().regex(/^[a-z0-9_]+$/) }) }),
]);
/** Make the ISV's primary profile unapproved, or of another business identity (doctor's failure cases). */
const primaryProfileSchema = z
  .object({
    status: z.enum(['draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved']).optional(),
    businessIdentity: z.string().min(1).optional(),
  })
  .refine((v) => v.status !== undefined || v.businessIdentity !== undefined, { message: 'status or businessIdentity is required' });
const starterShapeSchema = z.object({ shape: z.enum(STARTER_POLICY_SHAPES) });
const phoneNumberSchema = z.object({ phoneNumber: z.string().regex(/^\+[1-9]\d{6,14}$/, 'phoneNumber must be E.164') });

function parseJson(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The account `?account=AC…` names (the main account without one); an AdminResult when there is no such account. */
function accountParam(ctx: SandboxContext, query: URLSearchParams): SandboxAccount | AdminResult {
  const sid = query.get('account');
  if (sid === null || sid === '') return ctx.accounts.main;
  return ctx.accounts.get(sid) ?? { status: 404, body: { error: `account ${sid} not found` } };
}

/** A brand of any account, with its owner's context (its lifecycle signs callbacks with the owner's token). */
function findBrand(ctx: SandboxContext, sid: string): { brand: Brand; owner: SandboxContext } | undefined {
  for (const a of ctx.accounts.all()) {
    const brand = a.ctx.store.brands.get(sid);
    if (brand) return { brand, owner: a.ctx };
  }
  return undefined;
}

function invalid(error: z.ZodError | string): AdminResult {
  return { status: 400, body: { error: typeof error === 'string' ? error : error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } };
}

/**
 * Test/demo controls under /_sandbox/ (no Twilio auth, loopback only, outside every budget and fault):
 * GET health, GET requests, GET faults (counts by kind), POST brands/{BN}/otp-reply, POST brands/{BN}/status (force a
 * brand status now and, with `repeat`, for its next registrations), POST brand-outcomes (how the next registrations of a
 * mobile number's brands end), POST tcr-usage, POST never-reply,
 * GET/POST/DELETE policies/{RN} (change a policy as Twilio may, or restore the documented one),
 * POST phone-numbers (the account buys a number),
 * POST primary-profile {status?, businessIdentity?} (the ISV's primary profile: its status, its business_identity),
 * POST starter-policy-shape {shape: documented | sample-1.1} (what fetching the Starter policy answers; evaluations unchanged),
 * POST brands/{BN}/auth-plus {outcome: confirm | expire} (the pending Authentication+ email of a public STANDARD brand, now).
 * Accounts: GET accounts (the main account and its subaccounts, no tokens), GET resources?account=AC… (the SIDs one
 * account owns, by kind), GET requests?account=AC… (only that acting account's requests), POST phone-numbers?account=AC….
 * Brand endpoints find the brand in whichever account owns it. `ctx` is the main account's.
 */
export function handleAdmin(ctx: SandboxContext, method: string, path: string, body: string, query: URLSearchParams = new URLSearchParams()): AdminResult {
  const store = ctx.store;
  if (method === 'GET' && path === '/_sandbox/health') {
    return { status: 200, body: { ok: true, accountSid: ctx.options.accountSid, isvPrimaryProfileSid: ctx.isvPrimaryProfileSid } };
  }
  if (method === 'GET' && path === '/_sandbox/requests') {
    const account = query.get('account');
    return { status: 200, body: account ? store.requestLog.filter((e) => e.accountSid === account) : store.requestLog };
  }
  if (method === 'GET' && path === '/_sandbox/accounts') {
    const accounts = ctx.accounts.all().map((a) => ({
      sid: a.sid,
      ownerAccountSid: a.ownerAccountSid,
      friendlyName: a.friendlyName,
      status: a.status,
      subaccount: a.ownerAccountSid !== a.sid,
    }));
    return { status: 200, body: { accounts } };
  }
  if (method === 'GET' && path === '/_sandbox/resources') {
    const a = accountParam(ctx, query);
    if ('status' in a && 'body' in a) return a;
    return { status: 200, body: resourcesOf(a) };
  }
  if (method === 'GET' && path === '/_sandbox/faults') {
    return { status: 200, body: countFaults(store.requestLog) };
  }
  const otp = /^\/_sandbox\/brands\/(BN[0-9a-fA-F]{32})\/otp-reply$/.exec(path);
  if (method === 'POST' && otp) {
    const found = findBrand(ctx, otp[1]!);
    if (!found) return { status: 404, body: { error: `brand ${otp[1]!} not found` } };
    const { brand, owner } = found;
    if (brand.status !== 'APPROVED' || brand.identityStatus !== 'UNVERIFIED') {
      return { status: 409, body: { error: `brand ${brand.sid} is ${brand.status}/${brand.identityStatus}; only an APPROVED/UNVERIFIED brand awaits an OTP reply` } };
    }
    store.neverReply.delete(brand.mobile ?? '');
    owner.lifecycle.otpReply(brand);
    return { status: 200, body: { sid: brand.sid, status: brand.status, identity_status: brand.identityStatus } };
  }
  const authPlus = /^\/_sandbox\/brands\/(BN[0-9a-fA-F]{32})\/auth-plus$/.exec(path);
  if (method === 'POST' && authPlus) {
    const found = findBrand(ctx, authPlus[1]!);
    if (!found) return { status: 404, body: { error: `brand ${authPlus[1]!} not found` } };
    const { brand, owner } = found;
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = authPlusSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    const standard = owner.lifecycle.standard;
    const done = r.data.outcome === 'confirm' ? standard.confirm(brand) : standard.expire(brand);
    if (!done) {
      const v = standard.authPlusVetting(brand);
      return { status: 409, body: { error: `brand ${brand.sid} has no pending Authentication+ email (${v ? `vetting ${v.sid} is ${v.vettingStatus}` : 'none was sent'})` } };
    }
    return { status: 200, body: { sid: brand.sid, status: brand.status, identity_status: brand.identityStatus, errors: brand.errors } };
  }
  const forced = /^\/_sandbox\/brands\/(BN[0-9a-fA-F]{32})\/status$/.exec(path);
  if (method === 'POST' && forced) {
    const found = findBrand(ctx, forced[1]!);
    if (!found) return { status: 404, body: { error: `brand ${forced[1]!} not found` } };
    const { brand, owner } = found;
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = brandStateSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    const { repeat, ...outcome } = r.data;
    if (repeat) brand.scripted = { outcome, remaining: repeat };
    else delete brand.scripted;
    owner.lifecycle.forceBrand(brand, outcome);
    return { status: 200, body: { sid: brand.sid, status: brand.status, identity_status: brand.identityStatus, errors: brand.errors } };
  }
  if (method === 'POST' && path === '/_sandbox/brand-outcomes') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = brandOutcomeSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    const { mobile, times, ...outcome } = r.data;
    store.brandOutcomes.set(normaliseMobile(mobile), { outcome, remaining: times });
    return { status: 200, body: { ok: true } };
  }
  if (method === 'POST' && path === '/_sandbox/tcr-usage') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = tcrUsageSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    if (r.data.mobile !== undefined) store.tcrMobileUsage.set(normaliseMobile(r.data.mobile), r.data.count);
    if (r.data.email !== undefined) store.tcrEmailUsage.set(normaliseEmail(r.data.email), r.data.count);
    return { status: 200, body: { ok: true } };
  }
  if (method === 'POST' && path === '/_sandbox/never-reply') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = neverReplySchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    store.neverReply.add(normaliseMobile(r.data.mobile));
    return { status: 200, body: { ok: true } };
  }
  const policy = /^\/_sandbox\/policies\/(RN[0-9a-fA-F]{32})$/.exec(path);
  if (policy) {
    const sid = policy[1]!;
    const current = store.policies.get(sid);
    if (!current) return { status: 404, body: { error: `policy ${sid} not found` } };
    if (method === 'GET') return { status: 200, body: current };
    if (method === 'DELETE') {
      const original = POLICIES.get(sid);
      if (original) store.policies.set(sid, structuredClone(original));
      return { status: 200, body: store.policies.get(sid) };
    }
    if (method === 'POST') {
      const json = parseJson(body);
      if (json === undefined) return invalid('body must be JSON');
      const r = policyChangeSchema.safeParse(json);
      if (!r.success) return invalid(r.error);
      let requirements: Record<string, unknown>;
      if ('requirements' in r.data) requirements = r.data.requirements;
      else {
        const { endUserType, field } = r.data.addField;
        requirements = structuredClone(current.requirements);
        const endUsers = Array.isArray(requirements['end_user']) ? (requirements['end_user'] as Array<Record<string, unknown>>) : [];
        const target = endUsers.find((e) => e['type'] === endUserType);
        if (!target) return invalid(`policy ${sid} has no end_user requirement of type ${endUserType}`);
        const fields = Array.isArray(target['fields']) ? (target['fields'] as unknown[]) : [];
        if (!fields.includes(field)) target['fields'] = [...fields, field];
      }
      const shape = sandboxPolicyRequirementsSchema.safeParse(requirements);
      if (!shape.success) return invalid(shape.error);
      store.policies.set(sid, { ...current, requirements });
      return { status: 200, body: store.policies.get(sid) };
    }
  }
  if (method === 'POST' && path === '/_sandbox/primary-profile') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = primaryProfileSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    const profile = store.customerProfiles.get(ctx.isvPrimaryProfileSid);
    if (!profile) return { status: 404, body: { error: 'the ISV primary profile is gone' } };
    if (r.data.status !== undefined) {
      profile.status = r.data.status;
      profile.dateUpdated = Date.now();
    }
    const info = store.assignedEndUsers(profile.sid, 'customer_profile_business_information')[0];
    if (r.data.businessIdentity !== undefined) {
      if (!info) return { status: 409, body: { error: 'the ISV primary profile has no business information' } };
      info.attributes = { ...info.attributes, business_identity: r.data.businessIdentity };
      info.dateUpdated = Date.now();
    }
    return { status: 200, body: { sid: profile.sid, status: profile.status, business_identity: info?.attributes['business_identity'] ?? null } };
  }
  if (method === 'POST' && path === '/_sandbox/starter-policy-shape') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = starterShapeSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    setStarterPolicyShape(store, r.data.shape);
    return { status: 200, body: { shape: r.data.shape } };
  }
  if (method === 'POST' && path === '/_sandbox/phone-numbers') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = phoneNumberSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    const a = accountParam(ctx, query);
    if ('status' in a && 'body' in a) return a;
    const n = addPhoneNumber(a.ctx.store, r.data.phoneNumber);
    return { status: 200, body: { sid: n.sid, phone_number: n.phoneNumber } };
  }
  return { status: 404, body: { error: `no admin endpoint ${method} ${path}` } };
}
