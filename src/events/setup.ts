import { A2P_EVENT_TYPES, EVENTS_DESCRIPTION } from './a2p-events.js';
import type { EventSink, TwilioGateway } from '../twilio/gateway.js';

/**
 * The webhook Sink and the Subscription that make Twilio push brand and campaign registration events
 * to this deployment (Twilio's "A2P 10DLC - Event Streams Setup"). Idempotent: an existing sink for the
 * same URL and an existing subscription of ours are reused, and only the event types they lack are
 * added. Twilio keeps Sinks and Subscriptions per account: `events setup` runs this for the parent and
 * every customer subaccount, and the subaccount stage for each new subaccount.
 */

export interface EventsSetupResult {
  account: string;
  ok: boolean;
  sink: { sid: string; status: string; destination: string | null; created: boolean } | null;
  subscription: { sid: string; created: boolean; addedTypes: string[] } | null;
  /** What stops events from arriving, with what to do. */
  problems: string[];
}

function ourSink(sinks: EventSink[], url: string): EventSink | undefined {
  return sinks.find((s) => s.sinkType === 'webhook' && s.destination === url);
}

export async function setupEvents(gateway: TwilioGateway, sinkUrl: string): Promise<EventsSetupResult> {
  const out: EventsSetupResult = { account: gateway.accountSid, ok: false, sink: null, subscription: null, problems: [] };
  let sink = ourSink(await gateway.listSinks(), sinkUrl);
  const createdSink = !sink;
  sink ??= await gateway.createWebhookSink(EVENTS_DESCRIPTION, sinkUrl);
  out.sink = { sid: sink.sid, status: sink.status, destination: sink.destination, created: createdSink };
  if (sink.status !== 'active') {
    out.problems.push(`Sink ${sink.sid} is ${sink.status}: Twilio creates subscriptions only on an active sink. Check it in the Console (Event Streams), then run \`events setup\` again.`);
    return out;
  }
  const subs = await gateway.listSubscriptions(sink.sid);
  const mine = subs.find((s) => s.description === EVENTS_DESCRIPTION);
  if (!mine) {
    const sub = await gateway.createSubscription(EVENTS_DESCRIPTION, sink.sid, A2P_EVENT_TYPES);
    out.subscription = { sid: sub.sid, created: true, addedTypes: [...A2P_EVENT_TYPES] };
  } else {
    const have = new Set(await gateway.listSubscribedEventTypes(mine.sid));
    const missing = A2P_EVENT_TYPES.filter((t) => !have.has(t));
    for (const t of missing) await gateway.addSubscribedEventType(mine.sid, t);
    out.subscription = { sid: mine.sid, created: false, addedTypes: missing };
  }
  out.ok = true;
  return out;
}

export interface EventsCheck {
  ok: boolean;
  summary: string;
  fix?: string;
}

/** What `doctor` says about the account's events set-up: read only, nothing created. */
export async function checkEvents(gateway: TwilioGateway, sinkUrl: string): Promise<EventsCheck> {
  const sinks = await gateway.listSinks();
  const sink = ourSink(sinks, sinkUrl);
  const setup = `run \`a2p-onboard events setup --sink-url ${sinkUrl}\``;
  if (!sink) {
    const others = sinks.filter((s) => s.description === EVENTS_DESCRIPTION);
    const elsewhere = others.length ? ` (a2p-onboard's sink points at ${others.map((s) => s.destination ?? '?').join(', ')})` : '';
    return { ok: false, summary: `Event Streams: no webhook sink on ${gateway.accountSid} posts to ${sinkUrl}${elsewhere}`, fix: setup };
  }
  if (sink.status !== 'active') return { ok: false, summary: `Event Streams: sink ${sink.sid} is ${sink.status}, not active`, fix: `check the sink in Twilio's Console (Event Streams), then ${setup}` };
  const mine = (await gateway.listSubscriptions(sink.sid)).find((s) => s.description === EVENTS_DESCRIPTION);
  if (!mine) return { ok: false, summary: `Event Streams: sink ${sink.sid} has no a2p-onboard subscription`, fix: setup };
  const have = new Set(await gateway.listSubscribedEventTypes(mine.sid));
  const missing = A2P_EVENT_TYPES.filter((t) => !have.has(t));
  if (missing.length) return { ok: false, summary: `Event Streams: subscription ${mine.sid} lacks ${missing.length} event type(s): ${missing.join(', ')}`, fix: setup };
  return { ok: true, summary: `Event Streams: sink ${sink.sid} (active) posts to ${sinkUrl}; subscription ${mine.sid} has all ${A2P_EVENT_TYPES.length} brand and campaign event types` };
}

