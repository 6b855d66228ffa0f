import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';
import type { Timers } from './clock.js';
import { BRAND_EVENT_PREFIX, CAMPAIGN_EVENT_PREFIX, dataschemaOf, type BrandEventKind, type CampaignEventKind } from './event-types.js';
import type { SandboxOptions } from './options.js';
import { authTokenOf, ownerAccountSid, type AccountTokens } from './owner.js';
import { newSid, type Brand, type BrandStatus, type Campaign, type IdentityStatus, type JsonObject, type Sink, type Store } from './store.js';

/**
 * Event Streams deliveries (A2P 10DLC Event Streams guide, Webhook quickstart): CloudEvents 1.0 posted as JSON to
 * every active webhook sink of the owning account whose subscriptions include the event's type, signed with
 * X-Twilio-Signature as twilio-node's validateRequestWithBody checks a JSON webhook. At least once: a non-2xx
 * answer, a 5 s timeout or a connection error is retried with capped exponential backoff for the retry window
 * (Twilio: 4 hours), then dropped (state `dropped` in the delivery log). Unordered, duplicated and delayed on
 * demand (the SANDBOX_EVENT_* settings).
 */

export interface CloudEvent {
  specversion: '1.0';
  type: string;
  source: string;
  id: string;
  dataschema?: string;
  datacontenttype: 'application/json';
  time: string;
  data: JsonObject;
}

/** One event on its way to one sink (a duplicate is a second record with the same event id). */
export interface EventDelivery {
  eventId: string;
  type: string;
  accountSid: string;
  sinkSid: string;
  destination: string;
  /** A copy the sandbox sent again on purpose (SANDBOX_EVENT_DUPLICATE_RATE): same id as the original. */
  duplicate: boolean;
  /** HTTP attempts so far (one post carries every event of a batch). */
  attempts: number;
  /** Status of the last answer; null before the first attempt and after a timeout or connection error. */
  lastStatus: number | null;
  lastError: string | null;
  state: 'pending' | 'delivered' | 'dropped';
  firstAttemptAt: number | null;
  lastAttemptAt: number | null;
}

interface Entry {
  event: CloudEvent;
  record: EventDelivery;
}

/** Twilio's documented batch limit for webhook sinks with batch_events. */
export const MAX_BATCH_BYTES = 64 * 1024;
/** "The maximum timeout for a webhook Sink response is 5 seconds" (Webhook quickstart). */
export const DELIVERY_TIMEOUT_MS = 5000;
/** Backoff cap between retries (the sandbox's choice; Twilio documents only the 4-hour window). */
export const MAX_RETRY_INTERVAL_MS = 5 * 60_000;

type Options = Pick<
  SandboxOptions,
  'eventDelayMs' | 'eventDuplicateRate' | 'eventReorder' | 'eventBatchWindowMs' | 'eventRetryBaseMs' | 'eventRetryWindowMs'
>;

/** The accounts whose sinks receive events: each account's store (its sinks, subscriptions) and auth token. */
export interface EventAccounts extends AccountTokens {
  get(accountSid: string): { readonly authToken: string; readonly ctx: { readonly store: Store } } | undefined;
}

/**
 * One delivery service for the whole sandbox (one delivery log, one clock); the sinks and subscriptions an event
 * goes to are its account's, and the account's own token signs it, as Twilio's Event Streams are per account.
 */
export class EventStreams {
  /** Every delivery, oldest first (GET /_sandbox/event-deliveries). */
  readonly deliveries: EventDelivery[] = [];
  private readonly windows = new Map<string, Entry[]>();
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(
    private readonly options: Options,
    /** Read lazily: the accounts are built after the delivery service they report to. */
    private readonly accounts: () => EventAccounts,
    private readonly timers: Timers,
    private readonly rng: () => number = Math.random,
  ) {}

  /** Emits one event for the account's subscribed sinks; returns it (also when no sink wants it). */
  emit(accountSid: string, type: string, source: string, data: JsonObject): CloudEvent {
    const event: CloudEvent = { specversion: '1.0', type, source, id: newSid('NO'), datacontenttype: 'application/json', time: new Date().toISOString(), data };
    const schema = dataschemaOf(type);
    if (schema) event.dataschema = schema;
    if (this.closed) return event;
    for (const sink of this.sinksFor(accountSid, type)) {
      this.enqueue(sink.sid, [{ event, record: this.record(event, accountSid, sink, false) }]);
    }
    return event;
  }

  /** An event straight to one sink, subscribed or not (the Sink Test resource). */
  emitToSink(sink: Sink, type: string, data: JsonObject): CloudEvent {
    const event: CloudEvent = { specversion: '1.0', type, source: sink.sid, id: newSid('NO'), datacontenttype: 'application/json', time: new Date().toISOString(), data };
    if (!this.closed) this.enqueue(sink.sid, [{ event, record: this.record(event, sink.accountSid, sink, false) }]);
    return event;
  }

  /** Active webhook sinks of the account with a subscription to the type (each once). */
  sinksFor(accountSid: string, type: string): Sink[] {
    const out = new Map<string, Sink>();
    const store = this.storeOf(accountSid);
    if (!store) return [];
    for (const sub of store.subscriptions.values()) {
      if (sub.accountSid !== accountSid || !store.subscribedEvents.has(`${sub.sid} ${type}`)) continue;
      const sink = store.sinks.get(sub.sinkSid);
      if (sink && sink.accountSid === accountSid && sink.status === 'active') out.set(sink.sid, sink);
    }
    return [...out.values()];
  }

  private storeOf(accountSid: string): Store | undefined {
    return this.accounts().get(accountSid)?.ctx.store;
  }

  /** The sink still in its account's store (deleted sinks are not). */
  private sinkOf(accountSid: string, sinkSid: string): Sink | undefined {
    return this.storeOf(accountSid)?.sinks.get(sinkSid);
  }

  close(): void {
    this.closed = true;
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
  }

  private record(event: CloudEvent, accountSid: string, sink: Sink, duplicate: boolean): EventDelivery {
    const r: EventDelivery = {
      eventId: event.id,
      type: event.type,
      accountSid,
      sinkSid: sink.sid,
      destination: sink.configuration.destination,
      duplicate,
      attempts: 0,
      lastStatus: null,
      lastError: null,
      state: 'pending',
      firstAttemptAt: null,
      lastAttemptAt: null,
    };
    this.deliveries.push(r);
    return r;
  }

  /** Events of one sink gather for the batching window, then leave together. */
  private enqueue(sinkSid: string, entries: Entry[]): void {
    const open = this.windows.get(sinkSid);
    if (open) {
      open.push(...entries);
      return;
    }
    this.windows.set(sinkSid, [...entries]);
    this.timers.after(this.options.eventBatchWindowMs, () => this.flush(sinkSid));
  }

  private flush(sinkSid: string): void {
    const entries = this.windows.get(sinkSid) ?? [];
    this.windows.delete(sinkSid);
    if (entries.length === 0) return;
    const sink = this.sinkOf(entries[0]!.record.accountSid, sinkSid);
    if (!sink) return this.drop(entries, 'the sink was deleted');
    if (this.options.eventReorder) shuffle(entries, this.rng);
    const posts = sink.configuration.batch_events ? batches(entries) : entries.map((e) => [e]);
    for (const post of posts) this.timers.after(this.options.eventDelayMs, () => this.attempt(sinkSid, post));
    // Faithful duplicates: the same event (same id) again, in a later window.
    for (const e of entries) {
      if (e.record.duplicate || this.rng() >= this.options.eventDuplicateRate) continue;
      const copy: Entry = { event: e.event, record: this.record(e.event, e.record.accountSid, sink, true) };
      this.timers.after(this.options.eventDelayMs + Math.max(1, this.options.eventBatchWindowMs), () => this.enqueue(sinkSid, [copy]));
    }
  }

  private attempt(sinkSid: string, entries: Entry[]): void {
    if (this.closed || entries.length === 0) return;
    const accountSid = entries[0]!.record.accountSid;
    const sink = this.sinkOf(accountSid, sinkSid);
    if (!sink) return this.drop(entries, 'the sink was deleted');
    const token = authTokenOf(this.accounts(), accountSid);
    if (token === undefined) return this.drop(entries, `no auth token for account ${accountSid}`);
    const body = sink.configuration.batch_events ? JSON.stringify(entries.map((e) => e.event)) : JSON.stringify(entries[0]!.event);
    const url = withBodyHash(sink.configuration.destination, body);
    const now = Date.now();
    for (const e of entries) {
      e.record.attempts += 1;
      e.record.firstAttemptAt ??= now;
      e.record.lastAttemptAt = now;
      e.record.destination = sink.configuration.destination;
    }
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return this.drop(entries, 'the destination is not a URL');
    }
    let settled = false;
    const done = (status: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      for (const e of entries) {
        e.record.lastStatus = status;
        e.record.lastError = error;
      }
      if (status !== null && status >= 200 && status < 300) {
        for (const e of entries) e.record.state = 'delivered';
        return;
      }
      this.retry(sinkSid, entries);
    };
    const lib = target.protocol === 'https:' ? https : http;
    try {
      const req = lib.request(
        target,
        {
          method: 'POST',
          agent: false,
          timeout: DELIVERY_TIMEOUT_MS,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'X-Twilio-Signature': twilio.getExpectedTwilioSignature(token, url, {}),
            'User-Agent': 'TwilioProxy/1.1',
            Connection: 'close',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => this.inflight.delete(req));
          done(res.statusCode ?? 0, null);
        },
      );
      this.inflight.add(req);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
      req.on('error', (err) => {
        this.inflight.delete(req);
        if (!this.closed) done(null, err.message);
      });
      req.on('close', () => this.inflight.delete(req));
      req.end(body);
    } catch (err) {
      done(null, (err as Error).message);
    }
  }

  /** Capped exponential backoff within the retry window, counted from the first attempt. */
  private retry(sinkSid: string, entries: Entry[]): void {
    if (this.closed) return;
    const first = entries[0]!.record;
    const wait = Math.min(this.options.eventRetryBaseMs * 2 ** Math.max(0, first.attempts - 1), MAX_RETRY_INTERVAL_MS);
    if (Date.now() + wait - (first.firstAttemptAt ?? Date.now()) > this.options.eventRetryWindowMs) {
      return this.drop(entries, `not delivered within the retry window (${first.attempts} attempts)`);
    }
    // A receiver may stay down for hours: idle() waits for first attempts, not for retries.
    this.timers.after(wait, () => this.attempt(sinkSid, entries), { holdsIdle: false });
  }

  private drop(entries: Entry[], why: string): void {
    for (const e of entries) {
      e.record.state = 'dropped';
      e.record.lastError ??= why;
      // The sandbox's log line for a dropped event: ids and types only, never the payload.
      process.emitWarning(`event ${e.event.id} (${e.event.type}) to sink ${e.record.sinkSid} dropped: ${why}`, { code: 'SANDBOX_EVENT_DROPPED' });
    }
  }
}

/** `bodySHA256=<hex sha256 of the raw body>` appended to the destination: what validateRequestWithBody checks. */
export function withBodyHash(destination: string, body: string): string {
  const hash = createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex');
  return `${destination}${destination.includes('?') ? '&' : '?'}bodySHA256=${hash}`;
}

/** Consecutive groups whose JSON array stays within MAX_BATCH_BYTES (an event larger than that goes alone). */
function batches(entries: Entry[]): Entry[][] {
  const out: Entry[][] = [];
  let cur: Entry[] = [];
  let size = 2;
  for (const e of entries) {
    const n = Buffer.byteLength(JSON.stringify(e.event)) + 1;
    if (cur.length > 0 && size + n > MAX_BATCH_BYTES) {
      out.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(e);
    size += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function shuffle<T>(xs: T[], rng: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

// ---------------------------------------------------------------- A2P brand and campaign events

/** `brandstatus` as Twilio's examples spell it (`registered`, `registration_failed`); the others are the sandbox's lower-cased status. */
function brandStatusOf(s: BrandStatus): string {
  if (s === 'APPROVED') return 'registered';
  if (s === 'FAILED') return 'registration_failed';
  return s.toLowerCase();
}

/** `campaignregistrationstatus`: `approved` is documented; `submitted` and `failed` are UNVERIFIED spellings. */
function campaignStatusOf(s: Campaign['campaignStatus']): string {
  return s === 'VERIFIED' ? 'approved' : s === 'FAILED' ? 'failed' : 'submitted';
}

function errorCode(e: JsonObject): number | undefined {
  const c = e['code'] ?? e['error_code'];
  return typeof c === 'number' && Number.isInteger(c) ? c : undefined;
}

/** Brand data as the brand-registration schemas name it (epoch-millisecond dates, lower-case statuses). */
export function brandEventData(accountSid: string, b: Brand): JsonObject {
  const data: JsonObject = {
    accountsid: accountSid,
    brandsid: b.sid,
    brandstatus: brandStatusOf(b.status),
    identitystatus: b.identityStatus.toLowerCase(),
    createddate: b.dateCreated,
    updateddate: b.dateUpdated,
  };
  if (b.tcrId) data['externalbrandid'] = b.tcrId;
  if (b.brandScore !== null) data['brandscore'] = b.brandScore;
  if (b.brandFeedback && b.brandFeedback.length > 0) data['brandfeedback'] = b.brandFeedback.join(',');
  if (b.errors.length > 0) {
    data['brandregistrationerrors'] = b.errors.map((e) => {
      const out: JsonObject = {};
      const code = errorCode(e);
      if (code !== undefined) {
        out['registrationerrorcode'] = code;
        out['registrationerrorurl'] = `https://www.twilio.com/docs/api/errors/${code}`;
      }
      const description = e['description'];
      if (typeof description === 'string') out['registrationerrordescription'] = description;
      const fields = Array.isArray(e['fields']) ? e['fields'].filter((f): f is string => typeof f === 'string') : typeof e['field'] === 'string' ? [e['field']] : [];
      if (fields.length > 0) out['registrationerrorfields'] = fields;
      return out;
    });
  }
  return data;
}

export function campaignEventData(accountSid: string, c: Campaign, a2pUsecase: string): JsonObject {
  const data: JsonObject = {
    accountsid: accountSid,
    brandsid: c.brandRegistrationSid,
    campaignsid: c.sid,
    messagingservicesid: c.messagingServiceSid,
    a2pusecase: a2pUsecase,
    createddate: c.dateCreated,
    updateddate: c.dateUpdated,
    campaignregistrationstatus: campaignStatusOf(c.campaignStatus),
    timestamp: c.dateUpdated,
  };
  if (c.campaignId) data['externalcampaignid'] = c.campaignId;
  if (c.campaignStatus === 'FAILED') {
    const code = c.errors.map(errorCode).find((x) => x !== undefined);
    if (code !== undefined) data['errorcode'] = code;
  }
  return data;
}

interface BrandSeen {
  status: BrandStatus;
  identity: IdentityStatus;
}

/**
 * Turns one account's brand and campaign changes into events (each account has its own, built with that
 * account's options: its brands' events go to its sinks, `data.accountsid` = it). Callers report a brand or campaign whenever it may have changed;
 * only a difference from what was last reported emits, so reporting twice is harmless.
 */
export class A2pEvents {
  private readonly brands = new Map<string, BrandSeen>();
  private readonly campaigns = new Map<string, Campaign['campaignStatus']>();

  constructor(
    private readonly options: Pick<SandboxOptions, 'accountSid'>,
    private readonly streams: EventStreams,
  ) {}

  brandChanged(b: Brand): void {
    const prev = this.brands.get(b.sid) ?? { status: 'PENDING', identity: 'UNVERIFIED' };
    this.brands.set(b.sid, { status: b.status, identity: b.identityStatus });
    const kinds: BrandEventKind[] = [];
    if (b.status === 'FAILED') {
      if (prev.status !== 'FAILED') kinds.push('brand-failure');
    } else {
      if (b.status === 'APPROVED' && prev.status !== 'APPROVED') kinds.push('brand-registered');
      if (b.identityStatus !== prev.identity) {
        if (b.identityStatus === 'VERIFIED') kinds.push('brand-verified');
        else if (b.identityStatus === 'VETTED_VERIFIED') kinds.push('brand-vetted-verified');
        else if (b.identityStatus === 'UNVERIFIED' && b.status === 'APPROVED') kinds.push('brand-unverified');
      } else if (kinds.includes('brand-registered') && b.identityStatus === 'UNVERIFIED' && b.brandType === 'STANDARD') {
        kinds.push('brand-unverified');
      }
    }
    for (const k of kinds) this.emitBrand(k, b);
  }

  /** A brand event now, whatever changed (secondary vetting failure, admin hook). */
  emitBrand(kind: BrandEventKind, b: Brand, extra: JsonObject = {}): CloudEvent {
    const account = ownerAccountSid(this.options, b);
    return this.streams.emit(account, BRAND_EVENT_PREFIX + kind, b.sid, { ...brandEventData(account, b), ...extra });
  }

  campaignChanged(c: Campaign): void {
    const prev = this.campaigns.get(c.sid);
    this.campaigns.set(c.sid, c.campaignStatus);
    if (prev === c.campaignStatus) return;
    const kind: CampaignEventKind = c.campaignStatus === 'VERIFIED' ? 'campaign-approved' : c.campaignStatus === 'FAILED' ? 'campaign-failure' : 'campaign-submitted';
    const account = ownerAccountSid(this.options, c);
    this.streams.emit(account, CAMPAIGN_EVENT_PREFIX + kind, c.sid, campaignEventData(account, c, c.usAppToPersonUsecase));
  }
}

