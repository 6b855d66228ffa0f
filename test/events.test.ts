import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import twilio from 'twilio';
import { checkEvents, setupEvents } from '../src/events/setup.js';
import { A2P_EVENT_TYPES } from '../src/events/a2p-events.js';
import { startDashboard, type Dashboard } from '../src/server/dashboard.js';
import { EVENTS_WEBHOOK_PATH } from '../src/server/events-webhook.js';
import { RECHECK } from '../src/workers/queues.js';
import { webhookOptions } from '../src/workers/runtime.js';
import { ingestRows, row, startStack, stopTestRedis, twilioClient, waitFor, waitForState, type Stack } from './helpers.js';

after(stopTestRedis);

const BRAND = 'com.twilio.messaging.compliance.brand-registration.';
const CAMPAIGN = 'com.twilio.messaging.compliance.campaign-registration.';

/** Sweeps and polls at their production defaults: without an event nothing would move for minutes. */
const PRODUCTION_WAITS = { SWEEP_INTERVAL_MS: '300000', SWEEP_MAX_INTERVAL_MS: '21600000', STATUS_POLL_MAX_MS: '900000', EVENT_STREAMS: 'true' } as const;

let seq = 0;
function event(type: string, data: Record<string, unknown>, id = `EV${Date.now()}${seq++}`) {
  return { specversion: '1.0', type, source: '/v1/a2p', id, dataschema: 'https://events-schemas.twilio.com/A2P.Test/1', datacontenttype: 'application/json', time: new Date().toISOString(), data };
}

/** POST a batch the way Twilio's Event Streams sign JSON: the URL carries bodySHA256, the signature covers the URL. */
async function deliver(dash: Dashboard, events: unknown, opts: { token: string; body?: string; signature?: string | null } ) {
  const raw = JSON.stringify(events);
  const url = `${dash.url}${EVENTS_WEBHOOK_PATH}?bodySHA256=${twilio.getExpectedBodyHash(raw)}`;
  const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(opts.token, url, {}) : opts.signature;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'x-twilio-signature': signature } : {}) }, body: opts.body ?? raw });
  await res.body?.cancel();
  return res.status;
}

async function eventRechecks(stack: Stack): Promise<number> {
  const jobs = await stack.rt.queues[RECHECK].getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
  return jobs.filter((j) => (j.id ?? '').includes('.ev-')).length;
}

async function withDashboard(stack: Stack) {
  return startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: stack.rt.queues, ledger: stack.rt.ledger, webhook: webhookOptions(stack.config, stack.rt.ledger, stack.rt.log) });
}

describe('Event Streams in', () => {
  it('with sweeps at their defaults, a verified brand and an approved campaign move the customer on within seconds of their events', async () => {
    // The customer answers the OTP when the test says so (the sandbox's admin reply), not on a timer.
    const stack = await startStack({ env: PRODUCTION_WAITS, sandbox: { otpReplyDelayMs: -1 } });
    const dash = await withDashboard(stack);
    try {
      await ingestRows(stack, [row('ev1')]);
      const waiting = await waitForState(stack.rt.ledger, 'ev1', ['awaiting_otp', 'failed'], 20_000);
      assert.equal(waiting.state, 'awaiting_otp', waiting.reason ?? '');
      const brandSid = waiting.sids.brand!;
      // The customer replies YES: the sandbox verifies the brand; no callback, no sweep for 5 minutes.
      const reply = await fetch(`${stack.sandbox.url}/_sandbox/brands/${brandSid}/otp-reply`, { method: 'POST' });
      assert.equal(reply.status, 200);
      await waitFor('the sandbox verifies the brand', async () => (await twilioClient(stack).messaging.v1.brandRegistrations(brandSid).fetch()).identityStatus === 'VERIFIED');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await stack.rt.ledger.get('ev1'))!.state, 'awaiting_otp', 'without an event the customer waits for the sweep');

      const verifiedAt = Date.now();
      const status = await deliver(dash, [event(`${BRAND}brand-verified`, { accountsid: stack.config.TWILIO_ACCOUNT_SID, brandsid: brandSid, brandstatus: 'registered', identitystatus: 'verified' })], { token: stack.config.TWILIO_AUTH_TOKEN! });
      assert.equal(status, 204);
      const completed = await waitForState(stack.rt.ledger, 'ev1', ['completed', 'live', 'failed'], 10_000);
      assert.notEqual(completed.state, 'failed', completed.reason ?? '');
      const campaignSid = completed.sids.campaign!;
      const serviceSid = completed.sids.messagingService!;
      assert.ok(Date.now() - verifiedAt < 10_000);

      await waitFor('the sandbox approves the campaign', async () => (await twilioClient(stack).messaging.v1.services(serviceSid).usAppToPerson(campaignSid).fetch()).campaignStatus === 'VERIFIED');
      const approvedAt = Date.now();
      await deliver(dash, [event(`${CAMPAIGN}campaign-approved`, { accountsid: stack.config.TWILIO_ACCOUNT_SID, campaignsid: campaignSid, brandsid: brandSid, messagingservicesid: serviceSid, campaignregistrationstatus: 'approved' })], { token: stack.config.TWILIO_AUTH_TOKEN! });
      const live = await waitForState(stack.rt.ledger, 'ev1', ['live', 'failed'], 10_000);
      assert.equal(live.state, 'live', live.reason ?? '');
      assert.ok(Date.now() - approvedAt < 10_000, 'live within seconds of the event');
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('unsigned, tampered, wrongly signed and replayed deliveries change nothing; events about unknown brands are ignored', async () => {
    const stack = await startStack({ env: PRODUCTION_WAITS, sandbox: { otpReplyDelayMs: -1 } });
    const dash = await withDashboard(stack);
    try {
      await ingestRows(stack, [row('ev2')]);
      const rec = await waitForState(stack.rt.ledger, 'ev2', ['awaiting_otp', 'failed'], 20_000);
      const brandSid = rec.sids.brand!;
      const token = stack.config.TWILIO_AUTH_TOKEN!;
      const good = [event(`${BRAND}brand-verified`, { accountsid: stack.config.TWILIO_ACCOUNT_SID, brandsid: brandSid })];
      const before = await eventRechecks(stack);

      assert.equal(await deliver(dash, good, { token, signature: null }), 403, 'unsigned');
      assert.equal(await deliver(dash, good, { token: '0'.repeat(32) }), 403, 'signed with another token');
      const other = JSON.stringify([event(`${BRAND}brand-verified`, { accountsid: stack.config.TWILIO_ACCOUNT_SID, brandsid: brandSid }, 'EVtampered')]);
      assert.equal(await deliver(dash, good, { token, body: other }), 403, 'the body changed after signing');
      assert.equal(await eventRechecks(stack), before, 'refused deliveries queue nothing');

      assert.equal(await deliver(dash, good, { token }), 204);
      assert.equal(await deliver(dash, good, { token }), 204, 'a replay is accepted (Twilio retries) …');
      assert.equal(await deliver(dash, [good[0], good[0]], { token }), 204);
      assert.equal(await eventRechecks(stack), before + 1, '… but acted on once');

      const unknown = [event(`${BRAND}brand-failure`, { accountsid: stack.config.TWILIO_ACCOUNT_SID, brandsid: `BN${'0'.repeat(32)}` })];
      assert.equal(await deliver(dash, unknown, { token }), 204);
      const unsubscribed = [event('com.twilio.messaging.message.delivered', { accountsid: stack.config.TWILIO_ACCOUNT_SID, brandsid: brandSid })];
      assert.equal(await deliver(dash, unsubscribed, { token }), 204);
      assert.equal(await eventRechecks(stack), before + 1);

      const res = await fetch(`${dash.url}${EVENTS_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024) });
      await res.body?.cancel();
      assert.equal(res.status, 413, 'an oversized body is refused before anything is read');
      assert.equal(A2P_EVENT_TYPES.length, 9);
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('events setup is idempotent, and the sandbox\'s own signed, duplicated, reordered deliveries take a batch to live within seconds with sweeps at their defaults', async () => {
    const stack = await startStack({ env: PRODUCTION_WAITS, sandbox: { eventDuplicateRate: 0.5, eventReorder: true } });
    const dash = await withDashboard(stack);
    try {
      const sinkUrl = `${dash.url}${EVENTS_WEBHOOK_PATH}`;
      assert.equal((await checkEvents(stack.rt.gateway, sinkUrl)).ok, false, 'doctor: no sink yet');
      const first = await setupEvents(stack.rt.gateway, sinkUrl);
      assert.ok(first.ok, first.problems.join('; '));
      assert.equal(first.sink?.created, true);
      assert.equal(first.subscription?.created, true);
      const again = await setupEvents(stack.rt.gateway, sinkUrl);
      assert.deepEqual([again.sink?.sid, again.sink?.created, again.subscription?.sid, again.subscription?.created, again.subscription?.addedTypes], [first.sink?.sid, false, first.subscription?.sid, false, []]);
      const client = twilioClient(stack);
      assert.equal((await client.events.v1.sinks.list()).length, 1);
      assert.equal((await client.events.v1.subscriptions.list()).length, 1);
      const check = await checkEvents(stack.rt.gateway, sinkUrl);
      assert.ok(check.ok, check.summary);

      const ids = ['es1', 'es2', 'es3'];
      await ingestRows(stack, ids.map((id) => row(id)));
      for (const id of ids) {
        // OTP replies and campaign approvals come 80 ms after they are due; the next sweep is 5 minutes away.
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed', 'expired'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason ?? ''}`);
      }
      const campaigns = (await client.messaging.v1.services.list()).length;
      assert.equal(campaigns, ids.length, 'one Messaging Service (and campaign) per customer');
      const deliveries = (await (await fetch(`${stack.sandbox.url}/_sandbox/event-deliveries`)).json()) as unknown[];
      assert.ok(deliveries.length > 0, 'the sandbox delivered events');
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('ACCOUNT_MODE=subaccount: each new subaccount gets its own sink, and events signed with its token take its customer live within seconds', async () => {
    const stack = await startStack({ env: { ...PRODUCTION_WAITS, ACCOUNT_MODE: 'subaccount' }, workers: false });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: stack.rt.queues, ledger: stack.rt.ledger, webhook: webhookOptions(stack.config, stack.rt.ledger, stack.rt.log, stack.rt.accounts) });
    try {
      const sinkUrl = `${dash.url}${EVENTS_WEBHOOK_PATH}`;
      // PUBLIC_BASE_URL would give this; the test's dashboard has a port only once it listens.
      stack.rt.settings.eventsSinkUrl = sinkUrl;
      assert.ok((await setupEvents(stack.rt.gateway, sinkUrl)).ok);
      stack.startWorkers();
      const ids = ['sub-ev1', 'sub-ev2'];
      await ingestRows(stack, ids.map((id) => row(id)));
      for (const id of ids) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed', 'expired'], 30_000).catch(async (e: unknown) => {
          const r = await stack.rt.ledger.get(id);
          const d = await (await fetch(`${stack.sandbox.url}/_sandbox/event-deliveries`)).json();
          throw new Error(`${String(e)}: ${JSON.stringify({ state: r?.state, stage: r?.stage, sids: r?.sids, deliveries: d })}`);
        });
        assert.equal(rec.state, 'live', `${id}: ${rec.reason ?? ''}`);
        const sub = rec.sids.subaccount!;
        assert.match(sub, /^AC/);
        assert.equal(stack.sandbox.resources(sub)?.sinks.length, 1, 'the subaccount has its own sink');
        const res = await fetch(`${stack.sandbox.url}/_sandbox/event-deliveries?account=${sub}`);
        const deliveries = (await res.json()) as { accountSid: string; lastStatus: number | null; type: string }[];
        assert.ok(deliveries.some((d) => d.type.endsWith('campaign-approved') && d.lastStatus === 204), `${id}: its subaccount's campaign-approved event was accepted`);
      }
      assert.equal(stack.sandbox.resources(stack.config.TWILIO_ACCOUNT_SID!)?.sinks.length, 1, 'the parent keeps its one sink');
    } finally {
      await dash.close();
      await stack.close();
    }
  });
});
