import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import twilio from 'twilio';
import { createTwilioClient } from '../src/twilio/client.js';
import { standardBrandByHand } from './contract/standard.js';
import { BRAND_EVENT_PREFIX, CAMPAIGN_EVENT_PREFIX, POLICY_SOLE_PROPRIETOR, POLICY_STARTER, sandboxOptionsFromEnv, startSandbox, type CloudEvent, type Sandbox, type SandboxOptions } from '@a2p-onboard/twilio-sandbox';
import { pollUntil as waitFor } from './sandbox-kit.js';

/**
 * Event Streams in the sandbox: Events v1 Sinks and Subscriptions through twilio-node, and signed CloudEvents
 * deliveries of brand and campaign transitions to a local receiver, verified with twilio-node's validator.
 */

type Client = ReturnType<typeof createTwilioClient>;

const FAST: Partial<SandboxOptions> = { reviewDelayMs: 40, brandDelayMs: 60, otpReplyDelayMs: 60, campaignDelayMs: 60, eventDelayMs: 20, eventBatchWindowMs: 30, eventRetryBaseMs: 40 };

const open: Sandbox[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function start(opts: Partial<SandboxOptions> = {}): Promise<{ sb: Sandbox; client: Client }> {
  const sb = await startSandbox({ ...FAST, ...opts });
  open.push(sb);
  return { sb, client: createTwilioClient({ accountSid: sb.options.accountSid, authToken: sb.options.authToken, apiBase: sb.url, timeoutMs: 5000 }) };
}

interface Post {
  body: string;
  /** The URL the sandbox signed (the receiver's view of it) and the X-Twilio-Signature sent. */
  url: string;
  signature: string;
  signatureOk: boolean;
  contentType: string;
  events: CloudEvent[];
  batch: boolean;
}

/** A local Event Streams receiver: checks each post with validateRequestWithBody; `answer` decides the status per post. */
async function startReceiver(authToken: string, answer: (n: number) => number = () => 200) {
  const posts: Post[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}${req.url ?? ''}`;
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const signatureOk = twilio.validateRequestWithBody(authToken, signature, url, body);
      const parsed = JSON.parse(body) as CloudEvent | CloudEvent[];
      posts.push({ body, url, signature, signatureOk, contentType: String(req.headers['content-type']), events: Array.isArray(parsed) ? parsed : [parsed], batch: Array.isArray(parsed) });
      res.statusCode = answer(n++);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => server.close(() => r())));
  const events = () => posts.flatMap((p) => p.events);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/webhooks/twilio/events`, posts, events };
}

const sub = (suffix: string, prefix = BRAND_EVENT_PREFIX) => ({ type: prefix + suffix, schema_version: 1 });

async function soleProprietor(sb: Sandbox, client: Client, brandName: string, mobile: string) {
  const th = client.trusthub.v1;
  const email = `${brandName.toLowerCase().replace(/\W+/g, '')}@example.com`;
  const profile = await th.customerProfiles.create({ friendlyName: `Starter ${brandName}`, email, policySid: POLICY_STARTER });
  const eu = await th.endUsers.create({ attributes: { email, first_name: 'Jo', last_name: 'Doe', phone_number: '+16175550199' }, friendlyName: 'Starter EU', type: 'starter_customer_profile_information' });
  const address = await client.addresses.create({ customerName: 'Jo Doe', street: '1 Jersey St', city: 'Boston', region: 'MA', postalCode: '02215', isoCountry: 'US' });
  const doc = await th.supportingDocuments.create({ attributes: { address_sids: address.sid }, friendlyName: 'Address', type: 'customer_profile_address' });
  for (const objectSid of [eu.sid, doc.sid, sb.isvPrimaryProfileSid]) await th.customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid });
  await th.customerProfiles(profile.sid).update({ status: 'pending-review' });
  const tp = await th.trustProducts.create({ friendlyName: `SP ${brandName}`, email, policySid: POLICY_SOLE_PROPRIETOR });
  const spEu = await th.endUsers.create({ attributes: { brand_name: brandName, vertical: 'COMMUNICATION', mobile_phone_number: mobile }, friendlyName: 'SP EU', type: 'sole_proprietor_information' });
  await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: spEu.sid });
  await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: profile.sid });
  await th.trustProducts(tp.sid).update({ status: 'pending-review' });
  return client.messaging.v1.brandRegistrations.create({ customerProfileBundleSid: profile.sid, a2PProfileBundleSid: tp.sid, brandType: 'SOLE_PROPRIETOR' });
}

function campaignOf(brandName: string, named: boolean) {
  const who = named ? brandName : 'Our studio';
  return {
    description: `Appointment reminders sent by ${brandName} to customers who booked online and opted in.`,
    messageFlow: 'Customers opt in by ticking an unticked SMS consent box on the booking page; terms and privacy linked.',
    messageSamples: [`${who}: your appointment is at 3pm tomorrow. Reply STOP to opt out.`, `${who}: thanks for visiting! Reply HELP for help.`],
    hasEmbeddedLinks: false,
    hasEmbeddedPhone: false,
    // Twilio refuses every API-created campaign without these (30933, 30934).
    privacyPolicyUrl: 'https://isv.example.com/privacy/jo-doe',
    termsAndConditionsUrl: 'https://isv.example.com/terms/jo-doe',
  };
}

describe('sandbox Event Streams', () => {
  test('settings: SANDBOX_EVENT_* from the environment, validated', () => {
    const o = sandboxOptionsFromEnv({ SANDBOX_EVENT_DELAY_MS: '5', SANDBOX_EVENT_DUPLICATE_RATE: '0.5', SANDBOX_EVENT_REORDER: 'true', SANDBOX_EVENT_BATCH_WINDOW_MS: '0', SANDBOX_EVENT_RETRY_BASE_MS: '10', SANDBOX_EVENT_RETRY_WINDOW_MS: '1000' });
    assert.deepEqual([o.eventDelayMs, o.eventDuplicateRate, o.eventReorder, o.eventBatchWindowMs, o.eventRetryBaseMs, o.eventRetryWindowMs], [5, 0.5, true, 0, 10, 1000]);
    const d = sandboxOptionsFromEnv({});
    assert.deepEqual([d.eventDelayMs, d.eventDuplicateRate, d.eventReorder, d.eventRetryWindowMs], [200, 0, false, 4 * 60 * 60 * 1000]);
    assert.throws(() => sandboxOptionsFromEnv({ SANDBOX_EVENT_DUPLICATE_RATE: '2' }));
    assert.throws(() => sandboxOptionsFromEnv({ SANDBOX_EVENT_REORDER: 'maybe' }));
  });

  test('sinks and subscriptions through twilio-node: create, fetch, list with filters, update, delete; only webhook sinks', async () => {
    const { client } = await start();
    const ev = client.events.v1;
    const sink = await ev.sinks.create({ description: 'a2p events', sinkType: 'webhook', sinkConfiguration: { destination: 'https://isv.example.com/webhooks/twilio/events', method: 'POST', batch_events: true } });
    assert.match(sink.sid, /^DG[0-9a-f]{32}$/);
    assert.equal(sink.status, 'active');
    assert.equal(sink.sinkType, 'webhook');
    assert.deepEqual(sink.sinkConfiguration, { destination: 'https://isv.example.com/webhooks/twilio/events', method: 'POST', batch_events: true });
    assert.equal((await ev.sinks(sink.sid).fetch()).description, 'a2p events');
    assert.equal((await ev.sinks(sink.sid).update({ description: 'renamed' })).description, 'renamed');
    const idle = await ev.sinks.create({ description: 'unused', sinkType: 'webhook', sinkConfiguration: { destination: 'https://isv.example.com/other', method: 'POST' } });
    assert.equal(idle.sinkConfiguration && (idle.sinkConfiguration as { batch_events: boolean }).batch_events, false, 'batch_events defaults to false');

    const kinesis = await ev.sinks.create({ description: 'k', sinkType: 'kinesis', sinkConfiguration: { arn: 'arn:aws:kinesis:us-east-1:1:stream/x' } }).then(() => null, (e: { status: number; code: number; message: string }) => e);
    assert.equal(kinesis?.status, 400);
    assert.equal(kinesis?.code, 20001);
    assert.match(kinesis?.message ?? '', /SinkType.*webhook/);
    const badConfig = await ev.sinks.create({ description: 'b', sinkType: 'webhook', sinkConfiguration: { destination: 'not a url', method: 'POST' } }).then(() => null, (e: { status: number; message: string }) => e);
    assert.equal(badConfig?.status, 400);
    assert.match(badConfig?.message ?? '', /SinkConfiguration/);

    const subscription = await ev.subscriptions.create({ description: 'brands and campaigns', sinkSid: sink.sid, types: [sub('brand-verified'), sub('campaign-approved', CAMPAIGN_EVENT_PREFIX)] });
    assert.match(subscription.sid, /^DF[0-9a-f]{32}$/);
    assert.equal(subscription.sinkSid, sink.sid);
    assert.equal((await ev.subscriptions(subscription.sid).fetch()).description, 'brands and campaigns');
    assert.deepEqual((await ev.subscriptions.list({ sinkSid: sink.sid })).map((s) => s.sid), [subscription.sid]);
    assert.deepEqual(await ev.subscriptions.list({ sinkSid: idle.sid }), []);
    assert.deepEqual((await ev.sinks.list({ inUse: true })).map((s) => s.sid), [sink.sid]);
    assert.deepEqual((await ev.sinks.list({ inUse: false })).map((s) => s.sid), [idle.sid]);
    assert.equal((await ev.sinks.list({ status: 'active' })).length, 2);
    const types = ev.subscriptions(subscription.sid).subscribedEvents;
    assert.deepEqual((await types.list()).map((t) => t.type).sort(), [BRAND_EVENT_PREFIX + 'brand-verified', CAMPAIGN_EVENT_PREFIX + 'campaign-approved']);
    await types.create({ type: CAMPAIGN_EVENT_PREFIX + 'campaign-failure' });
    assert.equal((await types(CAMPAIGN_EVENT_PREFIX + 'campaign-failure').fetch()).schemaVersion, 2);
    assert.equal((await types(CAMPAIGN_EVENT_PREFIX + 'campaign-failure').update({ schemaVersion: 1 })).schemaVersion, 1);
    assert.equal(await types(CAMPAIGN_EVENT_PREFIX + 'campaign-failure').remove(), true);
    assert.equal((await types.list()).length, 2);
    // twilio-node 6.2.0 sends only Description on a subscription update (SinkSid: see the contract test).
    assert.equal((await ev.subscriptions(subscription.sid).update({ description: 'renamed' })).description, 'renamed');
    const unknownSink = await ev.subscriptions.create({ description: 'x', sinkSid: 'DG' + '0'.repeat(32), types: [sub('brand-verified')] }).then(() => null, (e: { status: number; message: string }) => e);
    assert.equal(unknownSink?.status, 400);
    const badType = await ev.subscriptions.create({ description: 'x', sinkSid: sink.sid, types: [{ type: 'brand-verified' }] }).then(() => null, (e: { status: number; message: string }) => e);
    assert.equal(badType?.status, 400);
    assert.match(badType?.message ?? '', /Types/);

    const catalogue = await ev.eventTypes.list();
    assert.ok(catalogue.some((t) => t.type === CAMPAIGN_EVENT_PREFIX + 'campaign-approved' && t.schemaId === 'A2P.CampaignRegistrationApproved'));
    assert.equal((await ev.eventTypes(BRAND_EVENT_PREFIX + 'brand-failure').fetch()).schemaId, 'A2P.BrandRegistrationFailure');

    assert.equal(await ev.subscriptions(subscription.sid).remove(), true);
    assert.equal(await ev.sinks(sink.sid).remove(), true);
    const gone = await ev.sinks(sink.sid).fetch().then(() => null, (e: { status: number }) => e);
    assert.equal(gone?.status, 404);
  });

  test('a Sole Proprietor brand verified and its campaign failed, then approved: signed deliveries of the subscribed types only', async () => {
    const { sb, client } = await start();
    const rx = await startReceiver(sb.options.authToken);
    const ev = client.events.v1;
    const sink = await ev.sinks.create({ description: 'a2p', sinkType: 'webhook', sinkConfiguration: { destination: rx.url, method: 'POST', batch_events: true } });
    // brand-registered is left out on purpose: it must not arrive.
    await ev.subscriptions.create({
      description: 'a2p',
      sinkSid: sink.sid,
      types: [sub('brand-verified'), sub('brand-failure'), sub('campaign-submitted', CAMPAIGN_EVENT_PREFIX), sub('campaign-approved', CAMPAIGN_EVENT_PREFIX), sub('campaign-failure', CAMPAIGN_EVENT_PREFIX)],
    });
    const brand = await soleProprietor(sb, client, 'Jo Doe Hair', '+16175550144');
    const verified = await waitFor('brand-verified', rx.events, (es) => es.some((e) => e.type === BRAND_EVENT_PREFIX + 'brand-verified'));
    const bv = verified.find((e) => e.type === BRAND_EVENT_PREFIX + 'brand-verified')!;
    assert.equal(bv.specversion, '1.0');
    assert.equal(bv.datacontenttype, 'application/json');
    assert.match(bv.id, /^NO[0-9a-f]{32}$/);
    assert.equal(bv.dataschema, 'https://events-schemas.twilio.com/A2P.BrandRegisteredVerified/2');
    assert.ok(!Number.isNaN(Date.parse(bv.time)));
    assert.equal(bv.data['accountsid'], sb.options.accountSid);
    assert.equal(bv.data['brandsid'], brand.sid);
    assert.equal(bv.data['brandstatus'], 'registered');
    assert.equal(bv.data['identitystatus'], 'verified');
    assert.equal(typeof bv.data['createddate'], 'number');
    assert.equal(typeof bv.data['updateddate'], 'number');

    // A campaign whose samples do not name the brand fails (30893); corrected, it is submitted again and approved.
    const svc = await client.messaging.v1.services.create({ friendlyName: 'Jo Doe Hair' });
    const campaign = await client.messaging.v1.services(svc.sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, usAppToPersonUsecase: 'SOLE_PROPRIETOR', ...campaignOf('Jo Doe Hair', false) });
    const failed = await waitFor('campaign-failure', rx.events, (es) => es.some((e) => e.type === CAMPAIGN_EVENT_PREFIX + 'campaign-failure'));
    const cf = failed.find((e) => e.type === CAMPAIGN_EVENT_PREFIX + 'campaign-failure')!;
    assert.deepEqual(
      { campaignsid: cf.data['campaignsid'], brandsid: cf.data['brandsid'], messagingservicesid: cf.data['messagingservicesid'], status: cf.data['campaignregistrationstatus'], errorcode: cf.data['errorcode'] },
      { campaignsid: campaign.sid, brandsid: brand.sid, messagingservicesid: svc.sid, status: 'failed', errorcode: 30893 },
    );
    await client.messaging.v1.services(svc.sid).usAppToPerson(campaign.sid).update({ ...campaignOf('Jo Doe Hair', true), ageGated: false, directLending: false });
    const all = await waitFor('campaign-approved', rx.events, (es) => es.some((e) => e.type === CAMPAIGN_EVENT_PREFIX + 'campaign-approved'));
    const ca = all.find((e) => e.type === CAMPAIGN_EVENT_PREFIX + 'campaign-approved')!;
    assert.equal(ca.data['campaignregistrationstatus'], 'approved');
    assert.equal(ca.data['campaignsid'], campaign.sid);
    assert.match(String(ca.data['externalcampaignid']), /^C[A-Z0-9]{6}$/);

    await sb.idle();
    const types = rx.events().map((e) => e.type.replace(/^.*\./, ''));
    assert.deepEqual(types, ['brand-verified', 'campaign-submitted', 'campaign-failure', 'campaign-submitted', 'campaign-approved']);
    assert.ok(!types.includes('brand-registered'), 'an unsubscribed type is not sent');
    for (const p of rx.posts) {
      assert.ok(p.signatureOk, `signed: ${p.body.slice(0, 120)}`);
      assert.equal(p.batch, true, 'batch_events: a JSON array');
      assert.equal(p.contentType, 'application/json');
    }
    const log = sb.eventDeliveries();
    assert.equal(log.length, 5);
    assert.ok(log.every((d) => d.state === 'delivered' && d.lastStatus === 200 && d.attempts === 1 && d.sinkSid === sink.sid));
    // The admin endpoint lists the same.
    const admin = (await (await fetch(`${sb.url}/_sandbox/event-deliveries`)).json()) as Array<{ eventId: string }>;
    assert.deepEqual(admin.map((d) => d.eventId), log.map((d) => d.eventId));
  });

  test('a STANDARD brand: verified, vetted-verified, registered once Authentication+ is confirmed; a forced failure carries its errors', async () => {
    const { sb, client } = await start({ brandReviewDelayMs: 60 });
    const rx = await startReceiver(sb.options.authToken);
    const sink = await client.events.v1.sinks.create({ description: 'brands', sinkType: 'webhook', sinkConfiguration: { destination: rx.url, method: 'POST', batch_events: true } });
    const kinds = ['brand-registered', 'brand-failure', 'brand-unverified', 'brand-verified', 'brand-vetted-verified', 'brand-secondary-vetting-failure'];
    await client.events.v1.subscriptions.create({ description: 'brands', sinkSid: sink.sid, types: kinds.map((k) => sub(k)) });
    const brand = await standardBrandByHand(sb);
    await waitFor('vetted-verified', rx.events, (es) => es.some((e) => e.type.endsWith('brand-vetted-verified')));
    const confirm = await fetch(`${sb.url}/_sandbox/brands/${brand}/auth-plus`, { method: 'POST', body: JSON.stringify({ outcome: 'confirm' }) });
    assert.equal(confirm.status, 200);
    const registered = await waitFor('registered', rx.events, (es) => es.some((e) => e.type.endsWith('brand-registered')));
    assert.deepEqual(registered.map((e) => e.type.replace(BRAND_EVENT_PREFIX, '')), ['brand-verified', 'brand-vetted-verified', 'brand-registered']);
    const vetted = registered[1]!;
    assert.equal(vetted.data['identitystatus'], 'vetted_verified');
    assert.equal(vetted.data['brandscore'], 75);
    assert.match(String(vetted.data['externalbrandid']), /^B[A-Z0-9]{6}$/);
    assert.equal(registered[2]!.data['brandstatus'], 'registered');

    const forced = await fetch(`${sb.url}/_sandbox/brands/${brand}/status`, { method: 'POST', body: JSON.stringify({ status: 'FAILED', errors: [{ code: 30796, field: 'stock_ticker', description: 'The stock symbol could not be verified.' }] }) });
    assert.equal(forced.status, 200);
    const all = await waitFor('failure', rx.events, (es) => es.some((e) => e.type.endsWith('brand-failure')));
    const failure = all.find((e) => e.type.endsWith('brand-failure'))!;
    assert.equal(failure.data['brandstatus'], 'registration_failed');
    assert.deepEqual(failure.data['brandregistrationerrors'], [
      { registrationerrorcode: 30796, registrationerrorurl: 'https://www.twilio.com/docs/api/errors/30796', registrationerrordescription: 'The stock symbol could not be verified.', registrationerrorfields: ['stock_ticker'] },
    ]);
    assert.equal(new Set(all.map((e) => e.id)).size, all.length, 'each transition is its own event');
    assert.ok(rx.posts.every((p) => p.signatureOk));
  });

  test('batches: at most 64 kB per post, every event delivered once; reordering shuffles a window', async () => {
    const { sb, client } = await start({ eventReorder: true, eventBatchWindowMs: 1000 });
    const rx = await startReceiver(sb.options.authToken);
    const sink = await client.events.v1.sinks.create({ description: 'bulk', sinkType: 'webhook', sinkConfiguration: { destination: rx.url, method: 'POST', batch_events: true } });
    await client.events.v1.subscriptions.create({ description: 'bulk', sinkSid: sink.sid, types: [sub('brand-registered')] });
    const padding = 'x'.repeat(6000);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = (await (await fetch(`${sb.url}/_sandbox/events`, { method: 'POST', body: JSON.stringify({ type: BRAND_EVENT_PREFIX + 'brand-registered', data: { n: i, padding } }) })).json()) as { event: CloudEvent };
      ids.push(r.event.id);
    }
    await waitFor('30 events', rx.events, (es) => es.length >= 30);
    await sb.idle();
    const got = rx.events().map((e) => e.id);
    assert.deepEqual([...got].sort(), [...ids].sort(), 'each event exactly once');
    assert.ok(rx.posts.length >= 3, `${rx.posts.length} posts for ~180 kB`);
    for (const p of rx.posts) assert.ok(Buffer.byteLength(p.body) <= 64 * 1024, `a post of ${Buffer.byteLength(p.body)} bytes`);
    assert.notDeepEqual(got, ids, 'reordered (30 events in one window keep their order with probability 1/30!)');
  });

  test('a tampered body or signature does not validate (the receiver check can fail)', async () => {
    const { sb, client } = await start();
    const rx = await startReceiver(sb.options.authToken);
    const sink = await client.events.v1.sinks.create({ description: 'one', sinkType: 'webhook', sinkConfiguration: { destination: `${rx.url}?tenant=a`, method: 'POST', batch_events: false } });
    await client.events.v1.subscriptions.create({ description: 'one', sinkSid: sink.sid, types: [sub('brand-secondary-vetting-failure')] });
    const r = await fetch(`${sb.url}/_sandbox/events`, { method: 'POST', body: JSON.stringify({ type: BRAND_EVENT_PREFIX + 'brand-secondary-vetting-failure', data: { brandsid: 'BN' + '1'.repeat(32), brandvettingoutcome: 'failed' } }) });
    assert.equal(r.status, 200);
    const [post] = await waitFor('a post', () => rx.posts, (ps) => ps.length === 1);
    assert.ok(post!.signatureOk);
    assert.equal(post!.batch, false, 'without batch_events: one event object per post');
    assert.equal(post!.events[0]!.data['brandvettingoutcome'], 'failed');
    // The Sink Test resource: a test event to this sink, though no subscription names its type; Validate always answers valid.
    assert.equal((await client.events.v1.sinks(sink.sid).sinkTest.create()).result, 'submitted');
    const test = await waitFor('the test event', () => rx.posts, (ps) => ps.length === 2);
    assert.equal(test[1]!.events[0]!.type, 'com.twilio.eventstreams.test-event');
    assert.ok(test[1]!.signatureOk);
    assert.equal((await client.events.v1.sinks(sink.sid).sinkValidate.create({ testId: String(test[1]!.events[0]!.data['test_id']) })).result, 'valid');
    const url = `${rx.url}?tenant=a&bodySHA256=${'0'.repeat(64)}`;
    assert.equal(twilio.validateRequestWithBody(sb.options.authToken, 'bogus', url, post!.body), false);
    assert.equal(twilio.validateRequestWithBody('another-token', 'x', url, post!.body), false);
  });

  test('at least once: a receiver answering 500 gets the event again; duplicates keep their id; dropped after the retry window', async () => {
    const { sb, client } = await start({ eventDuplicateRate: 1 });
    const rx = await startReceiver(sb.options.authToken, (n) => (n === 0 ? 500 : 200));
    const sink = await client.events.v1.sinks.create({ description: 'flaky', sinkType: 'webhook', sinkConfiguration: { destination: rx.url, method: 'POST', batch_events: false } });
    await client.events.v1.subscriptions.create({ description: 'flaky', sinkSid: sink.sid, types: [sub('brand-failure')] });
    const emitted = (await (await fetch(`${sb.url}/_sandbox/events`, { method: 'POST', body: JSON.stringify({ type: BRAND_EVENT_PREFIX + 'brand-failure', data: { brandstatus: 'registration_failed' } }) })).json()) as { event: CloudEvent; sinks: string[] };
    assert.deepEqual(emitted.sinks, [sink.sid]);
    await waitFor('two accepted deliveries', () => sb.eventDeliveries(), (ds) => ds.filter((d) => d.state === 'delivered').length === 2);
    assert.ok(rx.posts.length >= 3, 'the 500 was retried and the duplicate sent');
    assert.ok(rx.events().every((e) => e.id === emitted.event.id), 'every copy carries the same id');
    const [original, copy] = sb.eventDeliveries();
    assert.equal(original!.duplicate, false);
    assert.equal(copy!.duplicate, true);
    assert.ok(rx.posts.every((p) => p.signatureOk));
    assert.ok(sb.eventDeliveries().some((d) => d.attempts === 2), 'the first post answered 500, the retry 200');

    // A receiver that never accepts: retried with backoff, then dropped once the window has passed.
    const { sb: sb2, client: client2 } = await start({ eventRetryWindowMs: 300 });
    const down = await startReceiver(sb2.options.authToken, () => 503);
    const sink2 = await client2.events.v1.sinks.create({ description: 'down', sinkType: 'webhook', sinkConfiguration: { destination: down.url, method: 'POST', batch_events: true } });
    await client2.events.v1.subscriptions.create({ description: 'down', sinkSid: sink2.sid, types: [sub('brand-failure')] });
    await fetch(`${sb2.url}/_sandbox/events`, { method: 'POST', body: JSON.stringify({ type: BRAND_EVENT_PREFIX + 'brand-failure' }) });
    const [d] = await waitFor('dropped', () => sb2.eventDeliveries(), (ds) => ds[0]?.state === 'dropped');
    assert.ok(d!.attempts >= 2, `retried before dropping (${d!.attempts} attempts)`);
    assert.equal(d!.lastStatus, 503);
    assert.equal(down.posts.length, d!.attempts);

    // A pending retry (a minute away) does not hold idle(): tests waiting for transitions are not held by a dead receiver.
    const { sb: sb3, client: client3 } = await start({ eventRetryBaseMs: 60_000 });
    const dead = await startReceiver(sb3.options.authToken, () => 500);
    const sink3 = await client3.events.v1.sinks.create({ description: 'dead', sinkType: 'webhook', sinkConfiguration: { destination: dead.url, method: 'POST', batch_events: true } });
    await client3.events.v1.subscriptions.create({ description: 'dead', sinkSid: sink3.sid, types: [sub('brand-failure')] });
    await fetch(`${sb3.url}/_sandbox/events`, { method: 'POST', body: JSON.stringify({ type: BRAND_EVENT_PREFIX + 'brand-failure' }) });
    await waitFor('the first attempt answered', () => sb3.eventDeliveries(), (ds) => ds[0]?.lastStatus === 500);
    const held = await Promise.race([sb3.idle().then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 3000).unref())]);
    assert.equal(held, false, 'idle() resolved with a retry pending');
    assert.deepEqual([sb3.eventDeliveries()[0]!.state, sb3.eventDeliveries()[0]!.attempts], ['pending', 1]);
  });
});

describe('sandbox Event Streams per account', () => {
  test("a subaccount's own sink and subscription: its Sole Proprietor brand's events reach its sink only, signed with its token; the parent's sinks and brands stay apart", async () => {
    const { sb, client: parent } = await start();
    const created = await parent.api.v2010.accounts.create({ friendlyName: 'events customer' });
    const subToken = (await parent.api.v2010.accounts(created.sid).fetch()).authToken;
    assert.notEqual(subToken, sb.options.authToken);
    const child = createTwilioClient({ accountSid: created.sid, authToken: subToken, apiBase: sb.url, timeoutMs: 5000 });
    const parentRx = await startReceiver(sb.options.authToken);
    const childRx = await startReceiver(subToken);
    const types = [sub('brand-registered'), sub('brand-verified'), sub('brand-failure')];

    const parentSink = await parent.events.v1.sinks.create({ description: 'parent', sinkType: 'webhook', sinkConfiguration: { destination: parentRx.url, method: 'POST', batch_events: false } });
    const parentSubscription = await parent.events.v1.subscriptions.create({ description: 'parent', sinkSid: parentSink.sid, types });
    // The subaccount's own credentials create its own sink and subscription.
    const childSink = await child.events.v1.sinks.create({ description: 'child', sinkType: 'webhook', sinkConfiguration: { destination: childRx.url, method: 'POST', batch_events: false } });
    const childSubscription = await child.events.v1.subscriptions.create({ description: 'child', sinkSid: childSink.sid, types });
    assert.equal(childSink.status, 'active');
    assert.deepEqual([sb.resources(created.sid)?.sinks, sb.resources(created.sid)?.subscriptions], [[childSink.sid], [childSubscription.sid]]);
    assert.deepEqual([sb.resources(sb.options.accountSid)?.sinks, sb.resources(sb.options.accountSid)?.subscriptions], [[parentSink.sid], [parentSubscription.sid]]);

    // Each account sees only its own sinks and subscriptions; the other's SIDs are unknown to it.
    assert.deepEqual((await parent.events.v1.sinks.list()).map((s) => s.sid), [parentSink.sid], "the parent's sink list does not show the subaccount's sink");
    assert.deepEqual((await child.events.v1.sinks.list()).map((s) => s.sid), [childSink.sid]);
    assert.deepEqual((await parent.events.v1.subscriptions.list()).map((s) => s.sid), [parentSubscription.sid]);
    assert.deepEqual((await child.events.v1.subscriptions.list()).map((s) => s.sid), [childSubscription.sid]);
    const statusOf = (p: Promise<unknown>) => p.then(() => 200, (e: { status: number }) => e.status);
    assert.equal(await statusOf(parent.events.v1.sinks(childSink.sid).fetch()), 404);
    assert.equal(await statusOf(child.events.v1.sinks(parentSink.sid).fetch()), 404);
    assert.equal(await statusOf(parent.events.v1.subscriptions(childSubscription.sid).subscribedEvents.list()), 404);
    assert.ok((await statusOf(child.events.v1.subscriptions.create({ description: 'x', sinkSid: parentSink.sid, types }))) >= 400, "a subaccount cannot subscribe the parent's sink");

    // A Sole Proprietor brand registered inside the subaccount (with the parent's primary profile), and one in the parent.
    const childBrand = await soleProprietor(sb, child, 'Ann Lee Yoga', '+16175550145');
    assert.equal(childBrand.accountSid, created.sid);
    const parentBrand = await soleProprietor(sb, parent, 'Bo Ray Cuts', '+16175550146');
    await waitFor('subaccount brand-verified', childRx.events, (es) => es.some((e) => e.type === BRAND_EVENT_PREFIX + 'brand-verified'));
    await waitFor('parent brand-verified', parentRx.events, (es) => es.some((e) => e.type === BRAND_EVENT_PREFIX + 'brand-verified'));
    await sb.idle();

    assert.deepEqual(childRx.events().map((e) => e.type.replace(/^.*\./, '')), ['brand-registered', 'brand-verified']);
    for (const e of childRx.events()) {
      assert.equal(e.source, childBrand.sid);
      assert.equal(e.data['brandsid'], childBrand.sid);
      assert.equal(e.data['accountsid'], created.sid, 'data.accountsid is the owning subaccount');
    }
    assert.ok(!parentRx.events().some((e) => e.data['brandsid'] === childBrand.sid), "the subaccount's brand events do not reach the parent's sink");
    assert.ok(!childRx.events().some((e) => e.data['brandsid'] === parentBrand.sid), "the parent's brand events do not reach the subaccount's sink");
    assert.deepEqual(parentRx.events().map((e) => [e.type.replace(/^.*\./, ''), e.data['accountsid']]), [['brand-registered', sb.options.accountSid], ['brand-verified', sb.options.accountSid]]);

    // Signed with the subaccount's token: validateRequestWithBody passes with it and fails with the parent's.
    assert.equal(childRx.posts.length, 2);
    for (const p of childRx.posts) {
      assert.ok(twilio.validateRequestWithBody(subToken, p.signature, p.url, p.body), "valid with the subaccount's token");
      assert.ok(!twilio.validateRequestWithBody(sb.options.authToken, p.signature, p.url, p.body), "invalid with the parent's token");
    }
    for (const p of parentRx.posts) assert.ok(p.signatureOk, "the parent's deliveries are signed with the parent's token");

    // The delivery log names each delivery's account; ?account= narrows it.
    const log = sb.eventDeliveries();
    assert.deepEqual(new Set(log.filter((d) => d.sinkSid === childSink.sid).map((d) => d.accountSid)), new Set([created.sid]));
    assert.deepEqual(new Set(log.filter((d) => d.sinkSid === parentSink.sid).map((d) => d.accountSid)), new Set([sb.options.accountSid]));
    const res = await fetch(`${sb.url}/_sandbox/event-deliveries?account=${created.sid}`);
    const childLog = (await res.json()) as Array<{ accountSid: string; sinkSid: string; state: string }>;
    assert.deepEqual(childLog.map((d) => [d.accountSid, d.sinkSid, d.state]), [[created.sid, childSink.sid, 'delivered'], [created.sid, childSink.sid, 'delivered']]);

    // An event emitted by hand about the subaccount's brand goes to the subaccount's sinks (its owner), not the main account's.
    const hook = await fetch(`${sb.url}/_sandbox/events`, { method: 'POST', body: JSON.stringify({ type: BRAND_EVENT_PREFIX + 'brand-failure', brandSid: childBrand.sid }) });
    const emitted = (await hook.json()) as { event: CloudEvent; sinks: string[] };
    assert.deepEqual(emitted.sinks, [childSink.sid]);
    assert.equal(emitted.event.data['accountsid'], created.sid);
  });
});
