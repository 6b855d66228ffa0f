import { z } from 'zod';
import { iso8601 } from './clock.js';
import type { SandboxContext } from './context.js';
import { badRequest, invalidParam, notFound } from './errors.js';
import { EVENT_TYPES, EVENT_TYPE_BY_NAME, SUBSCRIBABLE_TYPE, type EventTypeInfo } from './event-types.js';
import { fields, zNonEmpty } from './forms.js';
import { requestAccountSid } from './owner.js';
import { collectionRoutes, type ApiRequest, type Route } from './routes.js';
import { newSid, type Sink, type SubscribedEvent, type Subscription, type WebhookSinkConfiguration } from './store.js';

/**
 * Events v1 (`twilio_events_v1.json`, events.twilio.com): Sinks, Subscriptions, their SubscribedEvents and the
 * Event Types catalogue of what the sandbox emits. Everything belongs to the account that created it.
 * Deliveries: event-streams.ts.
 */

const HOST = 'https://events.twilio.com';
const BASE = `${HOST}/v1`;

/**
 * UNVERIFIED: the Sink Test page names neither the test event's type nor the `result` value; the sandbox sends
 * `com.twilio.eventstreams.test-event` with a `test_id` and answers `submitted`.
 */
const SINK_TEST_EVENT_TYPE = 'com.twilio.eventstreams.test-event';
const SINK_TEST_RESULT = 'submitted';

/** The sandbox simulates webhook sinks only (the A2P Event Streams guide's path); other types are refused. */
const SUPPORTED_SINK_TYPE = 'webhook';

/** `sink_configuration` of a webhook sink: `{destination, method: POST|GET, batch_events}` (A2P Event Streams guide). */
const webhookConfigSchema = z.object({
  destination: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http(s) URL' }),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(['POST', 'GET'])),
  // The Webhook quickstart's CLI example leaves it out: single events then.
  batch_events: z.boolean().default(false),
});

function parseSinkConfiguration(raw: unknown): WebhookSinkConfiguration {
  let json: unknown = raw;
  if (typeof raw === 'string') {
    try {
      json = JSON.parse(raw);
    } catch {
      throw invalidParam('SinkConfiguration', 'must be a JSON object');
    }
  }
  const r = webhookConfigSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw invalidParam('SinkConfiguration', `${i?.path.join('.') || 'configuration'} ${i?.message ?? 'is invalid'} (a webhook sink takes {"destination": "https://…", "method": "POST", "batch_events": true})`);
  }
  return r.data;
}

/** One `Types` entry of a subscription create: `{"type": "...", "schema_version": n}` as a JSON string. */
const typeEntrySchema = z.object({ type: z.string().regex(SUBSCRIBABLE_TYPE, 'must be an event type such as com.twilio.messaging.compliance.brand-registration.brand-registered'), schema_version: z.number().int().min(1).optional() });

function parseTypes(raw: unknown[]): Array<{ type: string; schemaVersion: number }> {
  if (raw.length === 0) throw invalidParam('Types', 'at least one event type is required');
  return raw.map((entry) => {
    let json: unknown = entry;
    if (typeof entry === 'string') {
      try {
        json = JSON.parse(entry);
      } catch {
        throw invalidParam('Types', `each entry must be a JSON object {"type": "...", "schema_version": 1} (got ${entry.slice(0, 80)})`);
      }
    }
    const r = typeEntrySchema.safeParse(json);
    if (!r.success) throw invalidParam('Types', `${r.error.issues[0]?.path.join('.') || 'entry'} ${r.error.issues[0]?.message ?? 'is invalid'}`);
    return { type: r.data.type, schemaVersion: r.data.schema_version ?? latestVersion(r.data.type) };
  });
}

function latestVersion(type: string): number {
  return EVENT_TYPE_BY_NAME.get(type)?.version ?? 1;
}

function renderSink(s: Sink): Record<string, unknown> {
  const url = `${BASE}/Sinks/${s.sid}`;
  return {
    date_created: iso8601(s.dateCreated),
    date_updated: iso8601(s.dateUpdated),
    description: s.description,
    sid: s.sid,
    sink_configuration: { ...s.configuration },
    sink_type: s.sinkType,
    status: s.status,
    url,
    links: { sink_test: `${url}/Test`, sink_validate: `${url}/Validate` },
  };
}

function renderSubscription(s: Subscription): Record<string, unknown> {
  const url = `${BASE}/Subscriptions/${s.sid}`;
  return {
    account_sid: s.accountSid,
    sid: s.sid,
    date_created: iso8601(s.dateCreated),
    date_updated: iso8601(s.dateUpdated),
    description: s.description,
    sink_sid: s.sinkSid,
    url,
    links: { subscribed_events: `${url}/SubscribedEvents` },
  };
}

function renderSubscribedEvent(e: SubscribedEvent): Record<string, unknown> {
  return {
    account_sid: e.accountSid,
    type: e.type,
    schema_version: e.schemaVersion,
    subscription_sid: e.subscriptionSid,
    url: `${BASE}/Subscriptions/${e.subscriptionSid}/SubscribedEvents/${e.type}`,
  };
}

/** When the catalogue was "published": fixed, so fetches answer the same dates. */
const CATALOGUE_DATE = Date.UTC(2025, 9, 8);

function renderEventType(t: EventTypeInfo): Record<string, unknown> {
  return {
    type: t.type,
    schema_id: t.schemaId,
    date_created: iso8601(CATALOGUE_DATE),
    date_updated: iso8601(CATALOGUE_DATE),
    description: t.description,
    status: 'available',
    documentation_url: t.documentationUrl,
    url: `${BASE}/Types/${t.type}`,
    links: { schema: `${BASE}/Schemas/${t.schemaId}` },
  };
}

function accountSinks(ctx: SandboxContext, req: ApiRequest): Sink[] {
  const account = requestAccountSid(ctx, req);
  return [...ctx.store.sinks.values()].filter((s) => s.accountSid === account);
}

function accountSubscriptions(ctx: SandboxContext, req: ApiRequest): Subscription[] {
  const account = requestAccountSid(ctx, req);
  return [...ctx.store.subscriptions.values()].filter((s) => s.accountSid === account);
}

function getSink(ctx: SandboxContext, req: ApiRequest, sid: string): Sink | undefined {
  const s = ctx.store.sinks.get(sid);
  return s && s.accountSid === requestAccountSid(ctx, req) ? s : undefined;
}

function getSubscription(ctx: SandboxContext, req: ApiRequest, param: string): Subscription {
  const s = ctx.store.subscriptions.get(req.params[param] ?? '');
  if (!s || s.accountSid !== requestAccountSid(ctx, req)) throw notFound(req.twilioPath);
  return s;
}

/** "Sink must be active for the subscription to be created" (SinkSid's description). */
function usableSink(ctx: SandboxContext, req: ApiRequest, sid: string): Sink {
  const sink = getSink(ctx, req, sid);
  if (!sink) throw invalidParam('SinkSid', `Sink ${sid} was not found`);
  if (sink.status !== 'active') throw badRequest(`Sink ${sid} is ${sink.status}; a subscription needs an active sink.`);
  return sink;
}

function eventsOf(ctx: SandboxContext, subscriptionSid: string): SubscribedEvent[] {
  return [...ctx.store.subscribedEvents.values()].filter((e) => e.subscriptionSid === subscriptionSid);
}

function subscribe(ctx: SandboxContext, sub: Subscription, type: string, schemaVersion: number): SubscribedEvent {
  const e: SubscribedEvent = { sid: type, subscriptionSid: sub.sid, accountSid: sub.accountSid, type, schemaVersion };
  ctx.store.subscribedEvents.set(`${sub.sid} ${type}`, e);
  return e;
}

const sinkCreateSchema = z.object({ Description: zNonEmpty, SinkConfiguration: z.unknown(), SinkType: z.string() });
const sinkUpdateSchema = z.object({ Description: zNonEmpty });
const sinkValidateSchema = z.object({ TestId: zNonEmpty });
const subscriptionCreateSchema = z.object({ Description: zNonEmpty, SinkSid: z.string(), Types: z.array(z.unknown()) });
const subscriptionUpdateSchema = z.object({ Description: zNonEmpty.optional(), SinkSid: z.string().optional() });
const subscribedEventCreateSchema = z.object({ Type: z.string().regex(SUBSCRIBABLE_TYPE, 'must be an event type such as com.twilio.messaging.compliance.campaign-registration.campaign-approved'), SchemaVersion: z.number().int().min(1).optional() });
const subscribedEventUpdateSchema = z.object({ SchemaVersion: z.number().int().min(1).optional() });

export const eventsRoutes: Route[] = [
  ...collectionRoutes<Sink>({
    product: 'events',
    name: 'sink',
    list: '/v1/Sinks',
    key: 'sinks',
    paging: 'v1',
    host: HOST,
    items: (ctx, req) => accountSinks(ctx, req),
    get: (ctx, req, sid) => getSink(ctx, req, sid),
    render: (_ctx, s) => renderSink(s),
    filters: {
      InUse: (s, v, ctx) => [...ctx.store.subscriptions.values()].some((sub) => sub.sinkSid === s.sid) === /^true$/i.test(v),
      Status: (s, v) => s.status === v,
    },
    remove: (ctx, s) => {
      ctx.store.sinks.delete(s.sid);
    },
  }),
  {
    method: 'POST',
    product: 'events',
    path: '/v1/Sinks',
    operation: 'sink.create',
    creates: true,
    handle(req, ctx) {
      const f = fields(req, sinkCreateSchema);
      if (f.SinkType !== SUPPORTED_SINK_TYPE) {
        throw invalidParam('SinkType', `the sandbox simulates webhook sinks only (got ${f.SinkType}); use SinkType=webhook`);
      }
      const configuration = parseSinkConfiguration(f.SinkConfiguration);
      const now = Date.now();
      // "The status of Sinks is active by default" (Sink Validate page).
      const sink: Sink = { sid: newSid('DG'), accountSid: requestAccountSid(ctx, req), description: f.Description, sinkType: 'webhook', configuration, status: 'active', dateCreated: now, dateUpdated: now };
      ctx.store.sinks.set(sink.sid, sink);
      return { status: 201, body: renderSink(sink) };
    },
  },
  {
    method: 'POST',
    product: 'events',
    path: '/v1/Sinks/{Sid}',
    operation: 'sink.update',
    handle(req, ctx) {
      const sink = getSink(ctx, req, req.params['Sid'] ?? '');
      if (!sink) throw notFound(req.twilioPath);
      const f = fields(req, sinkUpdateSchema);
      sink.description = f.Description;
      sink.dateUpdated = Date.now();
      return { status: 200, body: renderSink(sink) };
    },
  },
  {
    // "The Sink Test Resource creates a test event" (Sink Test page): one event to this sink, subscribed or not.
    method: 'POST',
    product: 'events',
    path: '/v1/Sinks/{Sid}/Test',
    operation: 'sink.test',
    handle(req, ctx) {
      const sink = getSink(ctx, req, req.params['Sid'] ?? '');
      if (!sink) throw notFound(req.twilioPath);
      ctx.eventStreams?.emitToSink(sink, SINK_TEST_EVENT_TYPE, { test_id: newSid('NO') });
      return { status: 201, body: { result: SINK_TEST_RESULT } };
    },
  },
  {
    // "There is no longer a need for validating a Sink. … always returns a result property with a value of valid" (Sink Validate page).
    method: 'POST',
    product: 'events',
    path: '/v1/Sinks/{Sid}/Validate',
    operation: 'sink.validate',
    handle(req, ctx) {
      const sink = getSink(ctx, req, req.params['Sid'] ?? '');
      if (!sink) throw notFound(req.twilioPath);
      fields(req, sinkValidateSchema);
      return { status: 201, body: { result: 'valid' } };
    },
  },
  ...collectionRoutes<Subscription>({
    product: 'events',
    name: 'subscription',
    list: '/v1/Subscriptions',
    key: 'subscriptions',
    paging: 'v1',
    host: HOST,
    items: (ctx, req) => accountSubscriptions(ctx, req),
    get: (ctx, req, sid) => {
      const s = ctx.store.subscriptions.get(sid);
      return s && s.accountSid === requestAccountSid(ctx, req) ? s : undefined;
    },
    render: (_ctx, s) => renderSubscription(s),
    filters: { SinkSid: (s, v) => s.sinkSid === v },
    remove: (ctx, s) => {
      for (const e of eventsOf(ctx, s.sid)) ctx.store.subscribedEvents.delete(`${s.sid} ${e.type}`);
      ctx.store.subscriptions.delete(s.sid);
    },
  }),
  {
    method: 'POST',
    product: 'events',
    path: '/v1/Subscriptions',
    operation: 'subscription.create',
    creates: true,
    handle(req, ctx) {
      const f = fields(req, subscriptionCreateSchema);
      const sink = usableSink(ctx, req, f.SinkSid);
      const types = parseTypes(f.Types);
      const now = Date.now();
      const sub: Subscription = { sid: newSid('DF'), accountSid: requestAccountSid(ctx, req), sinkSid: sink.sid, description: f.Description, dateCreated: now, dateUpdated: now };
      ctx.store.subscriptions.set(sub.sid, sub);
      for (const t of types) subscribe(ctx, sub, t.type, t.schemaVersion);
      return { status: 201, body: renderSubscription(sub) };
    },
  },
  {
    method: 'POST',
    product: 'events',
    path: '/v1/Subscriptions/{Sid}',
    operation: 'subscription.update',
    handle(req, ctx) {
      const sub = getSubscription(ctx, req, 'Sid');
      const f = fields(req, subscriptionUpdateSchema);
      if (f.SinkSid !== undefined) sub.sinkSid = usableSink(ctx, req, f.SinkSid).sid;
      if (f.Description !== undefined) sub.description = f.Description;
      sub.dateUpdated = Date.now();
      return { status: 200, body: renderSubscription(sub) };
    },
  },
  ...collectionRoutes<SubscribedEvent>({
    product: 'events',
    name: 'subscribedEvent',
    list: '/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents',
    item: '/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents/{Type}',
    itemParam: 'Type',
    key: 'types',
    paging: 'v1',
    host: HOST,
    items: (ctx, req) => eventsOf(ctx, getSubscription(ctx, req, 'SubscriptionSid').sid),
    get: (ctx, req, type) => ctx.store.subscribedEvents.get(`${getSubscription(ctx, req, 'SubscriptionSid').sid} ${type}`),
    render: (_ctx, e) => renderSubscribedEvent(e),
    remove: (ctx, e) => {
      ctx.store.subscribedEvents.delete(`${e.subscriptionSid} ${e.type}`);
    },
  }),
  {
    method: 'POST',
    product: 'events',
    path: '/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents',
    operation: 'subscribedEvent.create',
    creates: true,
    handle(req, ctx) {
      const sub = getSubscription(ctx, req, 'SubscriptionSid');
      const f = fields(req, subscribedEventCreateSchema);
      if (ctx.store.subscribedEvents.has(`${sub.sid} ${f.Type}`)) throw badRequest(`Subscription ${sub.sid} already includes ${f.Type}.`);
      const e = subscribe(ctx, sub, f.Type, f.SchemaVersion ?? latestVersion(f.Type));
      return { status: 201, body: renderSubscribedEvent(e) };
    },
  },
  {
    method: 'POST',
    product: 'events',
    path: '/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents/{Type}',
    operation: 'subscribedEvent.update',
    handle(req, ctx) {
      const sub = getSubscription(ctx, req, 'SubscriptionSid');
      const e = ctx.store.subscribedEvents.get(`${sub.sid} ${req.params['Type'] ?? ''}`);
      if (!e) throw notFound(req.twilioPath);
      const f = fields(req, subscribedEventUpdateSchema);
      if (f.SchemaVersion !== undefined) e.schemaVersion = f.SchemaVersion;
      return { status: 200, body: renderSubscribedEvent(e) };
    },
  },
  ...collectionRoutes<EventTypeInfo & { sid: string }>({
    product: 'events',
    name: 'eventType',
    list: '/v1/Types',
    item: '/v1/Types/{Type}',
    itemParam: 'Type',
    key: 'types',
    paging: 'v1',
    host: HOST,
    items: () => EVENT_TYPES.map((t) => ({ ...t, sid: t.type })),
    get: (_ctx, _req, type) => {
      const t = EVENT_TYPE_BY_NAME.get(type);
      return t ? { ...t, sid: t.type } : undefined;
    },
    render: (_ctx, t) => renderEventType(t),
    filters: { SchemaId: (t, v) => t.schemaId === v },
  }),
];
