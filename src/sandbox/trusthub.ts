import { z } from 'zod';
import { iso8601 } from './clock.js';
import type { SandboxContext } from './context.js';
import { badRequest, invalidParam, notFound } from './errors.js';
import { parseForm, pathSid, zAttributes, zNonEmpty, zSid, zUri } from './forms.js';
import { v1Page } from './paging.js';
import { POLICIES, evaluateBundle } from './policies.js';
import type { ApiRequest, ApiResponse, Route } from './routes.js';
import {
  POLICY_SECONDARY_BUSINESS,
  POLICY_SOLE_PROPRIETOR,
  POLICY_STARTER,
  newSid,
  type Assignment,
  type Bundle,
  type BundleKind,
  type BundleStatus,
  type EndUser,
  type Evaluation,
  type SupportingDocument,
} from './store.js';

const BASE = 'https://trusthub.twilio.com/v1';
const BUNDLE_STATUSES = ['draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved'] as const;

interface KindInfo {
  kind: BundleKind;
  collection: 'CustomerProfiles' | 'TrustProducts';
  sidField: 'customer_profile_sid' | 'trust_product_sid';
  linkPrefix: 'customer_profiles' | 'trust_products';
  name: 'customerProfile' | 'trustProduct';
  policies: readonly string[];
}

const CUSTOMER_PROFILES: KindInfo = {
  kind: 'customerProfile',
  collection: 'CustomerProfiles',
  sidField: 'customer_profile_sid',
  linkPrefix: 'customer_profiles',
  name: 'customerProfile',
  policies: [POLICY_STARTER, POLICY_SECONDARY_BUSINESS],
};
const TRUST_PRODUCTS: KindInfo = {
  kind: 'trustProduct',
  collection: 'TrustProducts',
  sidField: 'trust_product_sid',
  linkPrefix: 'trust_products',
  name: 'trustProduct',
  policies: [POLICY_SOLE_PROPRIETOR],
};

function mapOf(ctx: SandboxContext, k: KindInfo): Map<string, Bundle> {
  return k.kind === 'customerProfile' ? ctx.store.customerProfiles : ctx.store.trustProducts;
}

export function renderBundle(ctx: SandboxContext, b: Bundle): Record<string, unknown> {
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

function renderAssignment(ctx: SandboxContext, k: KindInfo, a: Assignment): Record<string, unknown> {
  return {
    sid: a.sid,
    [k.sidField]: a.bundleSid,
    account_sid: ctx.options.accountSid,
    object_sid: a.objectSid,
    date_created: iso8601(a.dateCreated),
    url: `${BASE}/${k.collection}/${a.bundleSid}/EntityAssignments/${a.sid}`,
  };
}

function renderEvaluation(ctx: SandboxContext, k: KindInfo, e: Evaluation): Record<string, unknown> {
  return {
    sid: e.sid,
    account_sid: ctx.options.accountSid,
    policy_sid: e.policySid,
    [k.sidField]: e.bundleSid,
    status: e.status,
    results: e.results,
    date_created: iso8601(e.dateCreated),
    url: `${BASE}/${k.collection}/${e.bundleSid}/Evaluations/${e.sid}`,
  };
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

const bundleCreateSchema = z.object({
  FriendlyName: zNonEmpty,
  Email: zNonEmpty,
  PolicySid: zSid('RN'),
  StatusCallback: zUri.optional(),
});

const bundleUpdateSchema = z.object({
  Status: z.enum(BUNDLE_STATUSES, { message: `must be one of ${BUNDLE_STATUSES.join(', ')}` }).optional(),
  StatusCallback: zUri.optional(),
  FriendlyName: zNonEmpty.optional(),
  Email: zNonEmpty.optional(),
});

function getBundle(ctx: SandboxContext, k: KindInfo, req: ApiRequest, param: string): Bundle {
  const sid = pathSid(req.params, param, 'BU', req.twilioPath);
  const b = mapOf(ctx, k).get(sid);
  if (!b) throw notFound(req.twilioPath);
  return b;
}

function bundleRoutes(k: KindInfo): Route[] {
  const coll = `/v1/${k.collection}`;
  return [
    {
      method: 'POST',
      product: 'trusthub',
      pattern: coll,
      operation: `${k.name}.create`,
      creates: true,
      handle(req, ctx): ApiResponse {
        const f = parseForm(req.form, bundleCreateSchema);
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
      method: 'GET',
      product: 'trusthub',
      pattern: coll,
      operation: `${k.name}.list`,
      handle(req, ctx): ApiResponse {
        const status = req.query.get('Status');
        const friendlyName = req.query.get('FriendlyName');
        const policySid = req.query.get('PolicySid');
        if (status !== null && !(BUNDLE_STATUSES as readonly string[]).includes(status)) throw invalidParam('Status', `must be one of ${BUNDLE_STATUSES.join(', ')}`);
        if (policySid !== null && !/^RN[0-9a-fA-F]{32}$/.test(policySid)) throw invalidParam('PolicySid', 'must match ^RN[0-9a-fA-F]{32}$');
        const filters: Array<[string, string]> = [];
        if (status !== null) filters.push(['Status', status]);
        if (friendlyName !== null) filters.push(['FriendlyName', friendlyName]);
        if (policySid !== null) filters.push(['PolicySid', policySid]);
        const items = [...mapOf(ctx, k).values()].filter(
          (b) => (status === null || b.status === status) && (friendlyName === null || b.friendlyName === friendlyName) && (policySid === null || b.policySid === policySid),
        );
        return { status: 200, body: v1Page(items, req.query, `${BASE}/${k.collection}`, 'results', filters, (b) => renderBundle(ctx, b)) };
      },
    },
    {
      method: 'GET',
      product: 'trusthub',
      pattern: `${coll}/:Sid`,
      operation: `${k.name}.fetch`,
      handle(req, ctx): ApiResponse {
        return { status: 200, body: renderBundle(ctx, getBundle(ctx, k, req, 'Sid')) };
      },
    },
    {
      method: 'POST',
      product: 'trusthub',
      pattern: `${coll}/:Sid`,
      operation: `${k.name}.update`,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'Sid');
        const f = parseForm(req.form, bundleUpdateSchema);
        if (f.Status !== undefined) {
          if (f.Status !== 'pending-review') {
            throw invalidParam('Status', `a bundle's status can only be set to pending-review; ${f.Status} is maintained by Twilio`);
          }
          if (b.status !== 'draft' && b.status !== 'twilio-rejected') {
            throw badRequest(`Bundle ${b.sid} cannot be submitted for review from status ${b.status}; only draft or twilio-rejected bundles can be set to pending-review.`);
          }
          const ev = evaluateBundle(ctx.store, b, b.policySid);
          if (ev.status !== 'compliant') {
            const failed = ev.results.filter((r) => !r.passed).map((r) => r.requirement_name);
            throw badRequest(`Bundle ${b.sid} is noncompliant and cannot be submitted for review. Failed requirements: ${failed.join(', ')}. Create an Evaluation to see the details.`);
          }
        }
        if (f.FriendlyName !== undefined) b.friendlyName = f.FriendlyName;
        if (f.Email !== undefined) b.email = f.Email;
        if (f.StatusCallback !== undefined) b.statusCallback = f.StatusCallback;
        b.dateUpdated = Date.now();
        if (f.Status === 'pending-review') ctx.lifecycle.submit(b);
        return { status: 200, body: renderBundle(ctx, b) };
      },
    },
    // ---- entity assignments
    {
      method: 'POST',
      product: 'trusthub',
      pattern: `${coll}/:BundleSid/EntityAssignments`,
      operation: `${k.name}.entityAssignment.create`,
      creates: true,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'BundleSid');
        const f = parseForm(req.form, z.object({ ObjectSid: z.string().regex(/^[a-zA-Z]{2}[0-9a-fA-F]{32}$/, { message: 'must match ^[a-zA-Z]{2}[0-9a-fA-F]{32}$' }) }));
        const obj = f.ObjectSid;
        const exists =
          ctx.store.endUsers.has(obj) ||
          ctx.store.supportingDocuments.has(obj) ||
          ctx.store.customerProfiles.has(obj) ||
          (k.kind === 'trustProduct' && ctx.store.trustProducts.has(obj));
        if (!exists) throw invalidParam('ObjectSid', `object ${obj} was not found`);
        if (obj === b.sid) throw invalidParam('ObjectSid', 'a bundle cannot be assigned to itself');
        if (b.status !== 'draft' && b.status !== 'twilio-rejected') {
          throw badRequest(`Bundle ${b.sid} is ${b.status}; items can only be assigned while it is draft or twilio-rejected.`);
        }
        if (ctx.store.assignmentsOf(b.sid).some((a) => a.objectSid === obj)) {
          throw badRequest(`Object ${obj} is already assigned to bundle ${b.sid}.`);
        }
        const a: Assignment = { sid: newSid('BV'), bundleSid: b.sid, objectSid: obj, dateCreated: Date.now() };
        ctx.store.assignments.set(a.sid, a);
        b.dateUpdated = Date.now();
        return { status: 201, body: renderAssignment(ctx, k, a) };
      },
    },
    {
      method: 'GET',
      product: 'trusthub',
      pattern: `${coll}/:BundleSid/EntityAssignments`,
      operation: `${k.name}.entityAssignment.list`,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'BundleSid');
        const objectType = req.query.get('ObjectType');
        const filters: Array<[string, string]> = objectType !== null ? [['ObjectType', objectType]] : [];
        const items = ctx.store.assignmentsOf(b.sid).filter((a) => {
          if (objectType === null) return true;
          const eu = ctx.store.endUsers.get(a.objectSid);
          const doc = ctx.store.supportingDocuments.get(a.objectSid);
          return eu?.type === objectType || doc?.type === objectType;
        });
        return { status: 200, body: v1Page(items, req.query, `${BASE}/${k.collection}/${b.sid}/EntityAssignments`, 'results', filters, (a) => renderAssignment(ctx, k, a)) };
      },
    },
    {
      method: 'GET',
      product: 'trusthub',
      pattern: `${coll}/:BundleSid/EntityAssignments/:Sid`,
      operation: `${k.name}.entityAssignment.fetch`,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'BundleSid');
        const sid = pathSid(req.params, 'Sid', 'BV', req.twilioPath);
        const a = ctx.store.assignments.get(sid);
        if (!a || a.bundleSid !== b.sid) throw notFound(req.twilioPath);
        return { status: 200, body: renderAssignment(ctx, k, a) };
      },
    },
    // ---- evaluations
    {
      method: 'POST',
      product: 'trusthub',
      pattern: `${coll}/:BundleSid/Evaluations`,
      operation: `${k.name}.evaluation.create`,
      creates: true,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'BundleSid');
        const f = parseForm(req.form, z.object({ PolicySid: zSid('RN') }));
        if (!POLICIES.has(f.PolicySid)) throw invalidParam('PolicySid', `policy ${f.PolicySid} was not found`);
        const r = evaluateBundle(ctx.store, b, f.PolicySid);
        const e: Evaluation = { sid: newSid('EL'), bundleSid: b.sid, policySid: f.PolicySid, status: r.status, results: r.results, dateCreated: Date.now() };
        ctx.store.evaluations.set(e.sid, e);
        return { status: 201, body: renderEvaluation(ctx, k, e) };
      },
    },
    {
      method: 'GET',
      product: 'trusthub',
      pattern: `${coll}/:BundleSid/Evaluations`,
      operation: `${k.name}.evaluation.list`,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'BundleSid');
        const items = [...ctx.store.evaluations.values()].filter((e) => e.bundleSid === b.sid);
        return { status: 200, body: v1Page(items, req.query, `${BASE}/${k.collection}/${b.sid}/Evaluations`, 'results', [], (e) => renderEvaluation(ctx, k, e)) };
      },
    },
    {
      method: 'GET',
      product: 'trusthub',
      pattern: `${coll}/:BundleSid/Evaluations/:Sid`,
      operation: `${k.name}.evaluation.fetch`,
      handle(req, ctx): ApiResponse {
        const b = getBundle(ctx, k, req, 'BundleSid');
        const sid = pathSid(req.params, 'Sid', 'EL', req.twilioPath);
        const e = ctx.store.evaluations.get(sid);
        if (!e || e.bundleSid !== b.sid) throw notFound(req.twilioPath);
        return { status: 200, body: renderEvaluation(ctx, k, e) };
      },
    },
  ];
}

const itemCreateSchema = z.object({ FriendlyName: zNonEmpty, Type: zNonEmpty, Attributes: zAttributes.optional() });

export const trusthubRoutes: Route[] = [
  ...bundleRoutes(CUSTOMER_PROFILES),
  ...bundleRoutes(TRUST_PRODUCTS),
  {
    method: 'POST',
    product: 'trusthub',
    pattern: '/v1/EndUsers',
    operation: 'endUser.create',
    creates: true,
    handle(req, ctx) {
      const f = parseForm(req.form, itemCreateSchema);
      const now = Date.now();
      const e: EndUser = { sid: newSid('IT'), friendlyName: f.FriendlyName, type: f.Type, attributes: f.Attributes ?? {}, dateCreated: now, dateUpdated: now };
      ctx.store.endUsers.set(e.sid, e);
      return { status: 201, body: renderEndUser(ctx, e) };
    },
  },
  {
    method: 'GET',
    product: 'trusthub',
    pattern: '/v1/EndUsers',
    operation: 'endUser.list',
    handle(req, ctx) {
      return { status: 200, body: v1Page([...ctx.store.endUsers.values()], req.query, `${BASE}/EndUsers`, 'results', [], (e) => renderEndUser(ctx, e)) };
    },
  },
  {
    method: 'GET',
    product: 'trusthub',
    pattern: '/v1/EndUsers/:Sid',
    operation: 'endUser.fetch',
    handle(req, ctx) {
      const e = ctx.store.endUsers.get(pathSid(req.params, 'Sid', 'IT', req.twilioPath));
      if (!e) throw notFound(req.twilioPath);
      return { status: 200, body: renderEndUser(ctx, e) };
    },
  },
  {
    method: 'POST',
    product: 'trusthub',
    pattern: '/v1/SupportingDocuments',
    operation: 'supportingDocument.create',
    creates: true,
    handle(req, ctx) {
      const f = parseForm(req.form, itemCreateSchema);
      const now = Date.now();
      const d: SupportingDocument = { sid: newSid('RD'), friendlyName: f.FriendlyName, type: f.Type, attributes: f.Attributes ?? {}, dateCreated: now, dateUpdated: now };
      ctx.store.supportingDocuments.set(d.sid, d);
      return { status: 201, body: renderDocument(ctx, d) };
    },
  },
  {
    method: 'GET',
    product: 'trusthub',
    pattern: '/v1/SupportingDocuments',
    operation: 'supportingDocument.list',
    handle(req, ctx) {
      return {
        status: 200,
        body: v1Page([...ctx.store.supportingDocuments.values()], req.query, `${BASE}/SupportingDocuments`, 'results', [], (d) => renderDocument(ctx, d)),
      };
    },
  },
  {
    method: 'GET',
    product: 'trusthub',
    pattern: '/v1/SupportingDocuments/:Sid',
    operation: 'supportingDocument.fetch',
    handle(req, ctx) {
      const d = ctx.store.supportingDocuments.get(pathSid(req.params, 'Sid', 'RD', req.twilioPath));
      if (!d) throw notFound(req.twilioPath);
      return { status: 200, body: renderDocument(ctx, d) };
    },
  },
  {
    method: 'GET',
    product: 'trusthub',
    pattern: '/v1/Policies/:Sid',
    operation: 'policy.fetch',
    handle(req) {
      const p = POLICIES.get(pathSid(req.params, 'Sid', 'RN', req.twilioPath));
      if (!p) throw notFound(req.twilioPath);
      return { status: 200, body: { sid: p.sid, friendly_name: p.friendly_name, requirements: p.requirements, url: `${BASE}/Policies/${p.sid}` } };
    },
  },
];

export type { BundleStatus };
