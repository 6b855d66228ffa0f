import express, { type Request, type Response } from 'express';
import { refuseBadBodies } from './body-errors.js';
import twilio from 'twilio';
import { eventDeliverySchema, eventSids, isA2pEventType, type CloudEvent } from '../events/a2p-events.js';
import { accountOf, signingToken, type SigningAccounts } from './account-token.js';
import type { Logger } from '../log.js';
import { nudgeCustomer } from '../workers/nudge.js';
import type { Queues } from '../workers/queues.js';

/**
 * POST /webhooks/twilio/events: Twilio Event Streams deliveries (a webhook Sink made by
 * `a2p-onboard events setup`). The request must carry a valid X-Twilio-Signature, made with the
 * auth token of the account whose sink it is, over the URL including its `bodySHA256` parameter
 * (Twilio's scheme for JSON bodies, checked by twilio-node's validateRequestWithBody); anything
 * else gets 403 and nothing of its body is logged. Each event is acted on once per id (Twilio
 * delivers at least once, unordered, and retries for 4 hours): it names a brand, campaign or
 * Messaging Service, the ledger's SID index names the customer, and the customer is looked at
 * now (nudge.ts), which reads Twilio before acting. Events are hints; sweeps still reconcile.
 */

export const EVENTS_WEBHOOK_PATH = '/webhooks/twilio/events';

/** How long an event id is remembered: Twilio retries delivery for 4 hours; older events are replays. */
export const EVENT_ID_TTL_MS = 24 * 3600_000;

/** Twilio's batches are at most 64 kB; a little room, and nothing larger is read. */
const BODY_LIMIT = '256kb';

export interface EventsWebhookOptions extends SigningAccounts {
  /** The exact URL the Sink was given (PUBLIC_BASE_URL + path), without Twilio's query string. */
  publicUrl: string | undefined;
  queues: Queues;
  log: Logger;
  now?: () => number;
}

export function eventsWebhook(opts: EventsWebhookOptions): express.Router {
  const router = express.Router();
  router.post(EVENTS_WEBHOOK_PATH, express.raw({ type: () => true, limit: BODY_LIMIT }), (req: Request, res: Response) => {
    handle(opts, req, res).catch((err: unknown) => {
      opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'event delivery could not be processed; Twilio will deliver it again');
      if (!res.headersSent) res.status(500).send('could not process the events');
    });
  });
  router.use(refuseBadBodies);
  return router;
}

/** The URL Twilio signed: the sink's address as configured, with the query string it added (bodySHA256). */
function signedUrl(opts: EventsWebhookOptions, req: Request): string {
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
  if (opts.publicUrl) return opts.publicUrl.split('?')[0] + query;
  return `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
}

/** Which account signed the delivery: the parent, or a subaccount the deployment knows (named, unverified, in the body). */
async function signingAccount(opts: EventsWebhookOptions, signature: string, url: string, raw: string): Promise<string | null> {
  if (twilio.validateRequestWithBody(opts.authToken, signature, url, raw)) return opts.accountSid;
  if (!opts.subaccountToken) return null;
  // A sink is a subaccount's when the events name it; the signature, checked with its token, says whether they may.
  const named = new Set<string>();
  for (const m of raw.matchAll(/"accountsid"\s*:\s*"(AC[0-9a-fA-F]{32})"/g)) named.add(m[1]!);
  for (const account of [...named].slice(0, 5)) {
    if (account === opts.accountSid) continue;
    const token = await signingToken(opts, account);
    if (token && twilio.validateRequestWithBody(token, signature, url, raw)) return account;
  }
  return null;
}

async function handle(opts: EventsWebhookOptions, req: Request, res: Response): Promise<void> {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const signature = req.header('X-Twilio-Signature');
  const url = signedUrl(opts, req);
  const account = signature && raw ? await signingAccount(opts, signature, url, raw) : null;
  if (!account) {
    opts.log.warn({ from: req.ip, hasSignature: Boolean(signature), bytes: raw.length }, 'refused an event delivery: missing or invalid X-Twilio-Signature');
    res.status(403).send('invalid signature');
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    res.status(400).send('the body is not JSON');
    return;
  }
  const parsed = eventDeliverySchema.safeParse(json);
  if (!parsed.success) {
    opts.log.warn({ issues: parsed.error.issues.slice(0, 5).map((i) => i.path.join('.')) }, 'refused a signed event delivery that is not CloudEvents');
    res.status(400).send('not CloudEvents');
    return;
  }
  const counts = { acted: 0, duplicate: 0, ignored: 0 };
  for (const event of parsed.data) counts[await handleEvent(opts, account, event)] += 1;
  opts.log.info({ account, events: parsed.data.length, ...counts }, 'event delivery processed');
  res.status(204).end();
}

async function handleEvent(opts: EventsWebhookOptions, account: string, event: CloudEvent): Promise<'acted' | 'duplicate' | 'ignored'> {
  const log = opts.log.child({ eventId: event.id, eventType: event.type });
  if (!isA2pEventType(event.type)) return 'ignored';
  // A sink belongs to one account: an event about another one is not this signature's to vouch for.
  if (event.data.accountsid && event.data.accountsid !== account) {
    log.warn({ account, eventAccount: event.data.accountsid }, 'event about another account than the one that signed it: ignored');
    return 'ignored';
  }
  const now = (opts.now ?? Date.now)();
  const at = event.time ? Date.parse(event.time) : NaN;
  if (Number.isFinite(at) && now - at > EVENT_ID_TTL_MS) {
    // Older than Twilio's retries: a replay whose id may have been forgotten.
    log.warn({ time: event.time }, 'event older than a day: ignored (a replay; sweeps reconcile anyway)');
    return 'ignored';
  }
  let customerId: string | null = null;
  for (const sid of eventSids(event)) {
    customerId = await opts.ledger.ownerOf(sid);
    if (customerId) break;
  }
  const rec = customerId ? await opts.ledger.get(customerId) : null;
  if (!customerId || !rec) {
    log.debug('event about a brand or campaign this deployment did not register: ignored');
    return 'ignored';
  }
  // As for status callbacks: an account's signature speaks only of its own customers' brands and campaigns.
  if (accountOf(rec, opts.accountSid) !== account) {
    log.warn({ account, customerId }, "event about another account's customer than the one that signed it: ignored");
    return 'ignored';
  }
  if (!(await opts.ledger.firstSightOfEvent(event.id, EVENT_ID_TTL_MS))) return 'duplicate';
  try {
    const token = event.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
    const result = await nudgeCustomer(opts, customerId, token);
    log.info({ customerId, result }, 'event: looking at the customer now');
    return 'acted';
  } catch (err) {
    // Not acted on: let Twilio's re-delivery (or the sweep) do it.
    await opts.ledger.forgetEvent(event.id).catch(() => undefined);
    throw err;
  }
}
