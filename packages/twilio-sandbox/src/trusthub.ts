import { z } from 'zod';
import { iso8601 } from './clock.js';
import type { SandboxContext } from './context.js';
import { badRequest, invalidParam, notFound } from './errors.js';
import { fields, zAttributes, zNonEmpty } from './forms.js';
import { evaluateBundle, type PolicyDoc } from './policies.js';
import type { BundleError, EvaluationResult } from './store.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
import {
  POLICY_A2P_MESSAGING,
  POLICY_SECONDARY_BUSINESS,
  POLICY_SHAKEN_STIR,
  POLICY_SOLE_PROPRIETOR,
  POLICY_STARTER,
  newSid,
  type Assignment,
  type ChannelEndpointAssignment,
  type Bundle,
  type BundleKind,
  type BundleStatus,
  type EndUser,
  type Evaluation,
  type SupportingDocument,
} from './store.js';

const HOST = 'https://trusthub.twilio.com';
const BASE = `${HOST}/v1`;

interface KindInfo {
  kind: BundleKind;
  collection: 'CustomerProfiles' | 'TrustProducts';
  /** The parent's path parameter in Twilio's templates. */
  param: 'CustomerProfileSid' | 'TrustProductSid';
  sidField: 'customer_profile_sid' | 'trust_product_sid';
  linkPrefix: 'customer_profiles' | 'trust_products';
  name: 'customerProfile' | 'trustProduct';
  policies: readonly string[];
}

const CUSTOMER_PROFILES: KindInfo = {
  kind: 'customerProfile',
  collection: 'CustomerProfiles',
  param: 'CustomerProfileSid',
  sidField: 'customer_profile_sid',
  linkPrefix: 'customer_profiles',
  name: 'customerProfile',
  policies: [POLICY_STARTER, POLICY_SECONDARY_BUSINESS],
};
const TRUST_PRODUCTS: KindInfo = {
  kind: 'trustProduct',
  collection: 'TrustProducts',
  param: 'TrustProductSid',
  sidField: 'trust_product_sid',
  linkPrefix: 'trust_products',
  name: 'trustProduct',
  policies: [POLICY_SOLE_PROPRIETOR, POLICY_SHAKEN_STIR, POLICY_A2P_MESSAGING],
};

function mapOf(ctx: SandboxContext, k: KindInfo): Map<string, Bundle> {
  return k.kind === 'customerProfile' ? ctx.store.customerProfiles : ctx.store.trustProducts;
}

function renderBundle(ctx: SandboxContext, b: Bundle): Record<string, unknown> {
  const k = b.kind === 'customerProfile' ? CUSTOMER_PROFILES : TRUST_PRODUCTS;
  const url = `${BASE}/${k.collection}/${b.sid}`;
  return {
    sid: b.sid,
    account_sid: ctx.options.accountSid,
    policy_sid: b.policySid,
    friendly_name: b.friendlyName,
    status: b.status,
    email: b.email,
    status_callback: b.statusCallback,
    valid_until: b.validUntil === null ? null : iso8601(b.validUntil),
    date_created: iso8601(b.dateCreated),
    date_updated: iso8601(b.dateUpdated),
    url,
    links: {
      [`${k.linkPrefix}_entity_assignments`]: `${url}/EntityAssignments`,
      [`${k.linkPrefix}_evaluations`]: `${url}/Evaluations`,
      [`${k.linkPrefix}_channel_endpoint_assignment`]: `${url}/ChannelEndpointAssignments`,
    },
    errors: b.errors,
  };
}

/** The fields every child of a bundle answers with, around its own. */
function renderChild(
  ctx: SandboxContext,
  k: KindInfo,
  collection: 'EntityAssignments' | 'ChannelEndpointAssignments' | 'Evaluations',
  t: { sid: string; bundleSid: string; dateCreated: number },
  own: Record<string, unknown>,
): Record<string, unknown> {
  return {
    sid: t.sid,
    [k.sidField]: t.bundleSid,
    account_sid: ctx.options.accountSid,
    ...own,
    date_created: iso8601(t.dateCreated),
    url: `${BASE}/${k.collection}/${t.bundleSid}/${collection}/${t.sid}`,
  };
}

function renderAssignment(ctx: SandboxContext, k: KindInfo, a: Assignment): Record<string, unknown> {
  return renderChild(ctx, k, 'EntityAssignments', a, { object_sid: a.objectSid });
}

function renderEndpointAssignment(ctx: SandboxContext, k: KindInfo, a: ChannelEndpointAssignment): Record<string, unknown> {
  return renderChild(ctx, k, 'ChannelEndpointAssignments', a, { channel_endpoint_type: a.channelEndpointType, channel_endpoint_sid: a.channelEndpointSid });
}

function renderEvaluation(ctx: SandboxContext, k: KindInfo, e: Evaluation): Record<string, unknown> {
  return renderChild(ctx, k, 'Evaluations', e, { policy_sid: e.policySid, status: e.status, results: e.results });
}

function renderEndUser(ctx: SandboxContext, e: EndUser): Record<string, unknown> {
  return {
    sid: e.sid,
    account_sid: ctx.options.accountSid,
    friendly_name: e.friendlyName,
    type: e.type,
    attributes: e.attributes,
    date_created: iso8601(e.dateCreated),
    date_updated: iso8601(e.dateUpdated),
    url: `${BASE}/EndUsers/${e.sid}`,
  };
}

function renderDocument(ctx: SandboxContext, d: SupportingDocument): Record<string, unknown> {
  return {
    sid: d.sid,
    account_sid: ctx.options.accountSid,
    friendly_name: d.friendlyName,
    mime_type: null,
    status: 'DRAFT',
    type: d.type,
    attributes: d.attributes,
    date_created: iso8601(d.dateCreated),
    date_updated: iso8601(d.dateUpdated),
    url: `${BASE}/SupportingDocuments/${d.sid}`,
  };
}

function renderPolicy(p: PolicyDoc): Record<string, unknown> {
  return { sid: p.sid, friendly_name: p.friendly_name, requirements: p.requirements, url: `${BASE}/Policies/${p.sid}` };
}

const bundleCreateSchema = z.object({
  FriendlyName: zNonEmpty,
  Email: zNonEmpty,
  PolicySid: z.string(),
  StatusCallback: z.string().optional(),
});

const bundleUpdateSchema = z.object({
  Status: z.string().optional(),
  StatusCallback: z.string().optional(),
  FriendlyName: zNonEmpty.optional(),
  Email: zNonEmpty.optional(),
});

/** Items can be assigned to, or removed from, a bundle only while the customer can still edit it. */
const EDITABLE: readonly BundleStatus[] = ['draft', 'twilio-rejected'];

function parentBundle(ctx: SandboxContext, k: KindInfo, req: ApiRequest): Bundle {
  const b = mapOf(ctx, k).get(req.params[k.param] ?? '');
  if (!b) throw notFound(req.twilioPath);
  return b;
}

/** Removes a bundle, item or address and every assignment that names it. */
function dropAssignments(ctx: SandboxContext, pred: (a: Assignment) => boolean): void {
  for (const a of [...ctx.store.assignments.values()]) if (pred(a)) ctx.store.assignments.delete(a.sid);
}

/** One of a bundle's child collections: entity assignments, channel endpoint assignments, evaluations. */
interface BundleChildren<T extends { sid: string; bundleSid: string }> {
  /** The operation's middle part: `customerProfile.{name}.list`. */
  name: string;
  /** The path segment under the bundle: `/v1/CustomerProfiles/{CustomerProfileSid}/{collection}`. */
  collection: string;
  map(ctx: SandboxContext): Map<string, T>;
  render(ctx: SandboxContext, k: KindInfo, t: T): Record<string, unknown>;
  filters?: Record<string, (t: T, value: string, ctx: SandboxContext) => boolean>;
  remove?: (ctx: SandboxContext, t: T) => void;
  /** Checks the request against the parent bundle and returns the new child; the caller stores it. */
  create(req: ApiRequest, ctx: SandboxContext, b: Bundle): T;
}

/** List, fetch (and delete) scoped to the parent bundle, then create: the same shape for every child collection. */
function bundleChildRoutes<T extends { sid: string; bundleSid: string }>(k: KindInfo, c: BundleChildren<T>): Route[] {
  const list = `/v1/${k.collection}/{${k.param}}/${c.collection}`;
  return [
    ...collectionRoutes<T>({
      product: 'trusthub',
      name: `${k.name}.${c.name}`,
      list,
      key: 'results',
      paging: 'v1',
      host: HOST,
      items(ctx, req) {
        const b = parentBundle(ctx, k, req);
        return [...c.map(ctx).values()].filter((t) => t.bundleSid === b.sid);
      },
      get(ctx, req, sid) {
        const b = parentBundle(ctx, k, req);
        const t = c.map(ctx).get(sid);
        return t && t.bundleSid === b.sid ? t : undefined;
      },
      render: (ctx, t) => c.render(ctx, k, t),
      ...(c.filters ? { filters: c.filters } : {}),
      ...(c.remove ? { remove: c.remove } : {}),
    }),
    {
      method: 'POST',
      product: 'trusthub',
      path: list,
      operation: `${k.name}.${c.name}.create`,
      creates: true,
      handle(req, ctx) {
        const t = c.create(req, ctx, parentBundle(ctx, k, req));
        c.map(ctx).set(t.sid, t);
        return { status: 201, body: c.render(ctx, k, t) };
      },
    },
  ];
}

function bundleRoutes(k: KindInfo): Route[] {
  const coll = `/v1/${k.collection}`;
  return [
    ...collectionRoutes<Bundle>({
      product: 'trusthub',
      name: k.name,
      list: coll,
      key: 'results',
      paging: 'v1',
      host: HOST,
      items: (ctx) => mapOf(ctx, k).values(),
      get: (ctx, _req, sid) => mapOf(ctx, k).get(sid),
      render: (ctx, b) => renderBundle(ctx, b),
      filters: {
        Status: (b, v) => b.status === v,
        FriendlyName: (b, v) => b.friendlyName === v,
        PolicySid: (b, v) => b.policySid === v,
      },
      remove(ctx, b) {
        mapOf(ctx, k).delete(b.sid);
        b.submission += 1; // a pending review timer finds nothing to do
        dropAssignments(ctx, (a) => a.bundleSid === b.sid || a.objectSid === b.sid);
        for (const e of [...ctx.store.evaluations.values()]) if (e.bundleSid === b.sid) ctx.store.evaluations.delete(e.sid);
        for (const a of ctx.store.endpointsOf(b.sid)) ctx.store.channelEndpointAssignments.delete(a.sid);
      },
    }),
    {
      method: 'POST',
      product: 'trusthub',
      path: coll,
      operation: `${k.name}.create`,
      creates: true,
      handle(req, ctx) {
        const f = fields(req, bundleCreateSchema);
        if (!k.policies.includes(f.PolicySid)) throw invalidParam('PolicySid', `policy ${f.PolicySid} cannot be used for ${k.collection}`);
        const now = Date.now();
        const b: Bundle = {
          kind: k.kind,
          sid: newSid('BU'),
          policySid: f.PolicySid,
          friendlyName: f.FriendlyName,
          email: f.Email,
          statusCallback: f.StatusCallback ?? null,
          status: 'draft',
          validUntil: null,
          dateCreated: now,
          dateUpdated: now,
          errors: null,
          reviewPassed: false,
          submission: 0,
        };
        mapOf(ctx, k).set(b.sid, b);
        return { status: 201, body: renderBundle(ctx, b) };
      },
    },
    {
      method: 'POST',
      product: 'trusthub',
      path: `${coll}/{Sid}`,
      operation: `${k.name}.update`,
      handle(req, ctx) {
        const b = mapOf(ctx, k).get(req.params['Sid'] ?? '');
        if (!b) throw notFound(req.twilioPath);
        const f = fields(req, bundleUpdateSchema);
        if (f.Status !== undefined) {
          // The enum lists every status, but a client may only submit: the others are Twilio's to set.
          if (f.Status !== 'pending-review') {
            throw invalidParam('Status', `a bundle's status can only be set to pending-review; ${f.Status} is maintained by Twilio`);
          }
          if (!EDITABLE.includes(b.status)) {
            throw badRequest(`Bundle ${b.sid} cannot be submitted for review from status ${b.status}; only draft or twilio-rejected bundles can be set to pending-review.`);
          }
        }
        if (f.FriendlyName !== undefined) b.friendlyName = f.FriendlyName;
        if (f.Email !== undefined) b.email = f.Email;
        if (f.StatusCallback !== undefined) b.statusCallback = f.StatusCallback;
        b.dateUpdated = Date.now();
        if (f.Status === 'pending-review') {
          // 000: "If it's non-compliant, it will automatically be rejected with a TWILIO_REJECTED status":
          // Twilio accepts the submission and then rejects the bundle with what the evaluation found.
          const ev = evaluateBundle(ctx.store, b, b.policySid);
          if (ev.status === 'compliant') ctx.lifecycle.submit(b);
          else ctx.lifecycle.submitNoncompliant(b, evaluationErrors(ev.results));
        }
        return { status: 200, body: renderBundle(ctx, b) };
      },
    },
    // ---- entity assignments
    ...bundleChildRoutes<Assignment>(k, {
      name: 'entityAssignment',
      collection: 'EntityAssignments',
      map: (ctx) => ctx.store.assignments,
      render: renderAssignment,
      filters: {
        ObjectType: (a, v, ctx) => ctx.store.endUsers.get(a.objectSid)?.type === v || ctx.store.supportingDocuments.get(a.objectSid)?.type === v,
      },
      remove(ctx, a) {
        const b = ctx.store.bundle(a.bundleSid);
        if (b && !EDITABLE.includes(b.status)) {
          throw badRequest(`Bundle ${b.sid} is ${b.status}; items can only be removed while it is draft or twilio-rejected.`);
        }
        ctx.store.assignments.delete(a.sid);
        if (b) b.dateUpdated = Date.now();
      },
      create(req, ctx, b) {
        const obj = fields(req, z.object({ ObjectSid: z.string() })).ObjectSid;
        const exists =
          ctx.store.endUsers.has(obj) ||
          ctx.store.supportingDocuments.has(obj) ||
          ctx.store.customerProfiles.has(obj) ||
          (k.kind === 'trustProduct' && ctx.store.trustProducts.has(obj)) ||
          // A subaccount's customer profile is linked to the ISV's primary profile, which stays in the parent account.
          (k.kind === 'customerProfile' && ctx.store.parentPrimaryProfile(obj) !== undefined);
        if (!exists) throw invalidParam('ObjectSid', `object ${obj} was not found`);
        if (obj === b.sid) throw invalidParam('ObjectSid', 'a bundle cannot be assigned to itself');
        if (!EDITABLE.includes(b.status)) {
          throw badRequest(`Bundle ${b.sid} is ${b.status}; items can only be assigned while it is draft or twilio-rejected.`);
        }
        if (ctx.store.assignmentsOf(b.sid).some((a) => a.objectSid === obj)) {
          throw badRequest(`Object ${obj} is already assigned to bundle ${b.sid}.`);
        }
        b.dateUpdated = Date.now();
        return { sid: newSid('BV'), bundleSid: b.sid, objectSid: obj, dateCreated: Date.now() };
      },
    }),
    // ---- channel endpoint assignments: the customer's phone numbers (003)
    ...bundleChildRoutes<ChannelEndpointAssignment>(k, {
      name: 'channelEndpointAssignment',
      collection: 'ChannelEndpointAssignments',
      map: (ctx) => ctx.store.channelEndpointAssignments,
      render: renderEndpointAssignment,
      filters: {
        ChannelEndpointSid: (a, v) => a.channelEndpointSid === v,
        ChannelEndpointSids: (a, v) => v.split(',').map((x) => x.trim()).includes(a.channelEndpointSid),
      },
      remove(ctx, a) {
        ctx.store.channelEndpointAssignments.delete(a.sid);
        const b = ctx.store.bundle(a.bundleSid);
        if (b) b.dateUpdated = Date.now();
      },
      create(req, ctx, b) {
        const f = fields(req, z.object({ ChannelEndpointType: z.string(), ChannelEndpointSid: z.string() }));
        if (f.ChannelEndpointType !== 'phone-number') throw invalidParam('ChannelEndpointType', `must be phone-number, not ${f.ChannelEndpointType}`);
        if (!ctx.store.phoneNumbers.has(f.ChannelEndpointSid)) throw invalidParam('ChannelEndpointSid', `phone number ${f.ChannelEndpointSid} was not found on this account`);
        if (ctx.store.endpointsOf(b.sid).some((a) => a.channelEndpointSid === f.ChannelEndpointSid)) {
          throw badRequest(`Phone number ${f.ChannelEndpointSid} is already assigned to bundle ${b.sid}.`);
        }
        // 003: "Only those phone numbers already assigned to your Secondary Business Profile are eligible".
        if (k.kind === 'trustProduct' && !ctx.store.assignedProfiles(b.sid).some((p) => ctx.store.endpointsOf(p.sid).some((a) => a.channelEndpointSid === f.ChannelEndpointSid))) {
          throw badRequest(`Phone number ${f.ChannelEndpointSid} is not assigned to a customer profile of trust product ${b.sid}; assign it to the Secondary Customer Profile first.`);
        }
        b.dateUpdated = Date.now();
        return { sid: newSid('RA'), bundleSid: b.sid, channelEndpointSid: f.ChannelEndpointSid, channelEndpointType: f.ChannelEndpointType, dateCreated: Date.now() };
      },
    }),
    // ---- evaluations
    ...bundleChildRoutes<Evaluation>(k, {
      name: 'evaluation',
      collection: 'Evaluations',
      map: (ctx) => ctx.store.evaluations,
      render: renderEvaluation,
      create(req, ctx, b) {
        const f = fields(req, z.object({ PolicySid: z.string() }));
        if (!ctx.store.policies.has(f.PolicySid)) throw invalidParam('PolicySid', `policy ${f.PolicySid} was not found`);
        const r = evaluateBundle(ctx.store, b, f.PolicySid);
        return { sid: newSid('EL'), bundleSid: b.sid, policySid: f.PolicySid, status: r.status, results: r.results, dateCreated: Date.now() };
      },
    }),
  ];
}

type Item = EndUser | SupportingDocument;
interface ItemKind {
  name: 'endUser' | 'supportingDocument';
  collection: 'EndUsers' | 'SupportingDocuments';
  prefix: 'IT' | 'RD';
  map(ctx: SandboxContext): Map<string, Item>;
  render(ctx: SandboxContext, i: Item): Record<string, unknown>;
}

const ITEM_KINDS: readonly ItemKind[] = [
  { name: 'endUser', collection: 'EndUsers', prefix: 'IT', map: (ctx) => ctx.store.endUsers, render: renderEndUser },
  { name: 'supportingDocument', collection: 'SupportingDocuments', prefix: 'RD', map: (ctx) => ctx.store.supportingDocuments, render: renderDocument },
];

const itemCreateSchema = z.object({ FriendlyName: zNonEmpty, Type: zNonEmpty, Attributes: zAttributes.optional() });
const itemUpdateSchema = z.object({ FriendlyName: zNonEmpty.optional(), Attributes: zAttributes.optional() });

/** End users and supporting documents: the same shape, the same operations. */
function itemRoutes(k: ItemKind): Route[] {
  const coll = `/v1/${k.collection}`;
  return [
    ...collectionRoutes<Item>({
      product: 'trusthub',
      name: k.name,
      list: coll,
      key: 'results',
      paging: 'v1',
      host: HOST,
      items: (ctx) => k.map(ctx).values(),
      get: (ctx, _req, sid) => k.map(ctx).get(sid),
      render: (ctx, i) => k.render(ctx, i),
      remove(ctx, i) {
        const locked = ctx.store.bundlesAssigning(i.sid).find((b) => !EDITABLE.includes(b.status));
        if (locked) throw badRequest(`${i.sid} is assigned to bundle ${locked.sid}, which is ${locked.status}; it cannot be deleted.`);
        k.map(ctx).delete(i.sid);
        dropAssignments(ctx, (a) => a.objectSid === i.sid);
      },
    }),
    {
      method: 'POST',
      product: 'trusthub',
      path: coll,
      operation: `${k.name}.create`,
      creates: true,
      handle(req, ctx) {
        const f = fields(req, itemCreateSchema);
        const now = Date.now();
        const i: Item = { sid: newSid(k.prefix), friendlyName: f.FriendlyName, type: f.Type, attributes: f.Attributes ?? {}, dateCreated: now, dateUpdated: now };
        k.map(ctx).set(i.sid, i);
        return { status: 201, body: k.render(ctx, i) };
      },
    },
    {
      method: 'POST',
      product: 'trusthub',
      path: `${coll}/{Sid}`,
      operation: `${k.name}.update`,
      handle(req, ctx) {
        const i = k.map(ctx).get(req.params['Sid'] ?? '');
        if (!i) throw notFound(req.twilioPath);
        const f = fields(req, itemUpdateSchema);
        if (f.FriendlyName !== undefined) i.friendlyName = f.FriendlyName;
        if (f.Attributes !== undefined) i.attributes = f.Attributes;
        i.dateUpdated = Date.now();
        return { status: 200, body: k.render(ctx, i) };
      },
    },
  ];
}

export const trusthubRoutes: Route[] = [
  ...bundleRoutes(CUSTOMER_PROFILES),
  ...bundleRoutes(TRUST_PRODUCTS),
  ...ITEM_KINDS.flatMap(itemRoutes),
  ...collectionRoutes<PolicyDoc>({
    product: 'trusthub',
    name: 'policy',
    list: '/v1/Policies',
    key: 'results',
    paging: 'v1',
    host: HOST,
    items: (ctx) => [...ctx.store.policies.values()].map((p) => ctx.store.servedPolicies.get(p.sid) ?? p),
    get: (ctx, _req, sid) => (ctx.store.policies.has(sid) ? (ctx.store.servedPolicies.get(sid) ?? ctx.store.policies.get(sid)) : undefined),
    render: (_ctx, p) => renderPolicy(p),
  }),
];

export type { BundleStatus };

/**
 * A noncompliant evaluation as a rejected bundle's errors: a requirement that is missing (its own code,
 * e.g. 22214 or 22216, not one of its fields') as one error, else each invalid field.
 */
function evaluationErrors(results: EvaluationResult[]): BundleError[] {
  const out: BundleError[] = [];
  const withCode = (code: number | null) => (code === null ? {} : { code });
  for (const r of results) {
    if (r.passed) continue;
    const items = r.invalid.filter((i) => i.failure_reason);
    const missing = items.length === 0 || !items.some((i) => i.error_code === r.error_code);
    if (missing) {
      out.push({ ...withCode(r.error_code), object_field: r.requirement_name, failure_reason: r.failure_reason ?? `${r.requirement_friendly_name} is not satisfied.` });
      continue;
    }
    for (const i of items) out.push({ ...withCode(i.error_code), object_field: i.object_field, failure_reason: i.failure_reason! });
  }
  return out;
}
