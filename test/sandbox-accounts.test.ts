import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import twilio from 'twilio';
import { createTwilioClient } from '../src/twilio/client.js';
import { standardBrandByHand } from './contract/standard.js';
import { POLICY_A2P_MESSAGING, POLICY_SECONDARY_BUSINESS, POLICY_SOLE_PROPRIETOR, POLICY_STARTER, SUBACCOUNT_LIMIT_CODE, SUBACCOUNT_NESTED_CODE, startSandbox, type Sandbox, type SandboxOptions } from '@a2p-onboard/twilio-sandbox';
import { pollUntil as waitUntil, restError } from './sandbox-kit.js';

/**
 * Subaccounts in the sandbox (issue 15): API 2010 Accounts through twilio-node, each subaccount with its own
 * credentials and resources, the ISV's primary profile referenced from the parent, and the admin views tests
 * use to check that each customer's resources live in its own subaccount.
 */

type Client = ReturnType<typeof createTwilioClient>;

const FAST: Partial<SandboxOptions> = { reviewDelayMs: 40, brandDelayMs: 60, otpReplyDelayMs: 60, campaignDelayMs: 60 };
const open: Sandbox[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function start(opts: Partial<SandboxOptions> = {}): Promise<{ sb: Sandbox; parent: Client }> {
  const sb = await startSandbox({ ...FAST, ...opts });
  open.push(sb);
  return { sb, parent: clientOf(sb, sb.options.accountSid, sb.options.authToken) };
}

function clientOf(sb: Sandbox, accountSid: string, authToken: string): Client {
  return createTwilioClient({ accountSid, authToken, apiBase: sb.url, timeoutMs: 5000 });
}

async function admin(sb: Sandbox, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(sb.url + path, { method: init.method ?? 'GET', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  return { status: res.status, body: (await res.json()) };
}

/** A subaccount created by the parent, and a client holding its own credentials (read back with a fetch, as a worker would). */
async function subaccount(sb: Sandbox, parent: Client, friendlyName: string): Promise<{ sid: string; client: Client }> {
  const created = await parent.api.v2010.accounts.create({ friendlyName });
  const fetched = await parent.api.v2010.accounts(created.sid).fetch();
  assert.ok(fetched.authToken, 'the parent reads a subaccount auth token');
  return { sid: created.sid, client: clientOf(sb, created.sid, fetched.authToken) };
}

describe('API 2010 Accounts', () => {
  let sb: Sandbox;
  let parent: Client;
  before(async () => {
    ({ sb, parent } = await start());
  });

  test('the parent creates a subaccount with its own SID and token; a default name as Twilio gives one', async () => {
    const a = await parent.api.v2010.accounts.create({ friendlyName: 'customer c1' });
    assert.match(a.sid, /^AC[0-9a-f]{32}$/);
    assert.notEqual(a.sid, sb.options.accountSid);
    assert.match(a.authToken, /^[0-9a-f]{32}$/);
    assert.equal(a.status, 'active');
    assert.equal(a.ownerAccountSid, sb.options.accountSid);
    assert.equal(a.friendlyName, 'customer c1');
    assert.equal(a.type, 'Full');
    const unnamed = await parent.api.v2010.accounts.create();
    assert.match(unnamed.friendlyName, /^SubAccount Created at \d{4}-\d{2}-\d{2} \d{2}:\d{2} (am|pm)$/);
    assert.notEqual(unnamed.authToken, a.authToken);
  });

  test('fetch: the parent sees itself and its subaccounts with their tokens; a subaccount only itself; others are 404', async () => {
    const c1 = await subaccount(sb, parent, 'fetch c1');
    const c2 = await subaccount(sb, parent, 'fetch c2');
    const me = await parent.api.v2010.accounts(sb.options.accountSid).fetch();
    assert.equal(me.ownerAccountSid, sb.options.accountSid, "the main account is its own owner");
    assert.equal(me.authToken, sb.options.authToken);
    const self = await c1.client.api.v2010.accounts(c1.sid).fetch();
    assert.equal(self.sid, c1.sid);
    assert.equal(self.ownerAccountSid, sb.options.accountSid);
    for (const other of [sb.options.accountSid, c2.sid, `AC${'0'.repeat(32)}`]) {
      const e = await restError(c1.client.api.v2010.accounts(other).fetch());
      assert.equal(e.status, 404, other);
      assert.equal(e.code, 20404);
      assert.equal(e.message, `The requested resource /2010-04-01/Accounts/${other}.json was not found`);
    }
  });

  test('list: FriendlyName and Status filters, 2010 paging; a subaccount lists only itself', async () => {
    const names = ['list a', 'list b', 'list c'];
    const subs = [];
    for (const n of names) subs.push(await subaccount(sb, parent, n));
    const found = await parent.api.v2010.accounts.list({ friendlyName: 'list b' });
    assert.deepEqual(found.map((a) => a.sid), [subs[1]!.sid]);
    const all = await parent.api.v2010.accounts.list({ pageSize: 2 });
    assert.ok(all.some((a) => a.sid === sb.options.accountSid), 'the main account is in its own list');
    for (const s of subs) assert.ok(all.some((a) => a.sid === s.sid));
    assert.equal(new Set(all.map((a) => a.sid)).size, all.length, 'no account twice across pages');
    const page = await parent.api.v2010.accounts.page({ pageSize: 2 });
    assert.equal(page.instances.length, 2);
    assert.ok(page.nextPageUrl, 'a next page');
    const own = await subs[0]!.client.api.v2010.accounts.list();
    assert.deepEqual(own.map((a) => a.sid), [subs[0]!.sid]);

    await parent.api.v2010.accounts(subs[2]!.sid).update({ status: 'suspended' });
    const suspended = await parent.api.v2010.accounts.list({ status: 'suspended' });
    assert.deepEqual(suspended.map((a) => a.sid), [subs[2]!.sid]);
  });

  test('update: rename; suspend (its credentials are refused) and reactivate; close for good; the main account stays active', async () => {
    const c = await subaccount(sb, parent, 'update me');
    const renamed = await parent.api.v2010.accounts(c.sid).update({ friendlyName: 'renamed' });
    assert.equal(renamed.friendlyName, 'renamed');
    await c.client.trusthub.v1.endUsers.list();

    assert.equal((await parent.api.v2010.accounts(c.sid).update({ status: 'suspended' })).status, 'suspended');
    const refused = await restError(c.client.trusthub.v1.endUsers.list());
    assert.equal(refused.status, 401);
    assert.equal(refused.code, 20003);
    assert.equal((await parent.api.v2010.accounts(c.sid).update({ status: 'active' })).status, 'active');
    await c.client.trusthub.v1.endUsers.list();

    const bySelf = await restError(c.client.api.v2010.accounts(c.sid).update({ status: 'closed' }));
    assert.equal(bySelf.status, 400, 'only the parent changes a subaccount status');
    assert.equal((await parent.api.v2010.accounts(c.sid).update({ status: 'closed' })).status, 'closed');
    assert.equal((await restError(c.client.trusthub.v1.endUsers.list())).status, 401);
    const reopen = await restError(parent.api.v2010.accounts(c.sid).update({ status: 'active' }));
    assert.equal(reopen.status, 400);
    assert.match(reopen.message, /closed/);
    const main = await restError(parent.api.v2010.accounts(sb.options.accountSid).update({ status: 'suspended' }));
    assert.equal(main.status, 400);
  });

  test('a subaccount cannot create subaccounts (21101)', async () => {
    const c = await subaccount(sb, parent, 'no nesting');
    const e = await restError(c.client.api.v2010.accounts.create({ friendlyName: 'nested' }));
    assert.equal(e.status, 400);
    assert.equal(e.code, SUBACCOUNT_NESTED_CODE);
    assert.equal(e.message, 'Subaccounts cannot contain subaccounts');
  });

  test('beyond SANDBOX_MAX_SUBACCOUNTS, 21480', async () => {
    const small = await start({ maxSubaccounts: 2 });
    await small.parent.api.v2010.accounts.create({ friendlyName: 'one' });
    await small.parent.api.v2010.accounts.create({ friendlyName: 'two' });
    const e = await restError(small.parent.api.v2010.accounts.create({ friendlyName: 'three' }));
    assert.equal(e.status, 400);
    assert.equal(e.code, SUBACCOUNT_LIMIT_CODE);
    assert.equal((await small.parent.api.v2010.accounts.list()).length, 3, 'the main account and two subaccounts');
  });

  test('a wrong token, an unknown account, or no credentials → 401 / 20003', async () => {
    const c = await subaccount(sb, parent, 'wrong token');
    for (const [sid, token] of [
      [c.sid, sb.options.authToken],
      [sb.options.accountSid, 'f'.repeat(32)],
      [`AC${'1'.repeat(32)}`, 'f'.repeat(32)],
    ] as const) {
      const e = await restError(clientOf(sb, sid, token).trusthub.v1.endUsers.list());
      assert.equal(e.status, 401, sid);
      assert.equal(e.code, 20003);
    }
    const none = await fetch(`${sb.url}/trusthub/v1/EndUsers`);
    assert.equal(none.status, 401);
  });
});

describe('isolation: each account sees only its own resources', () => {
  let sb: Sandbox;
  let parent: Client;
  let c1: { sid: string; client: Client };
  let c2: { sid: string; client: Client };
  let parentProfile: string;
  let parentService: string;
  let c1Profile: string;
  let c1Service: string;

  before(async () => {
    ({ sb, parent } = await start());
    c1 = await subaccount(sb, parent, 'customer c1');
    c2 = await subaccount(sb, parent, 'customer c2');
    parentProfile = (await parent.trusthub.v1.customerProfiles.create({ friendlyName: 'parent starter', email: 'p@example.com', policySid: POLICY_STARTER })).sid;
    parentService = (await parent.messaging.v1.services.create({ friendlyName: 'parent service' })).sid;
    c1Profile = (await c1.client.trusthub.v1.customerProfiles.create({ friendlyName: 'c1 secondary', email: 'c1@example.com', policySid: POLICY_SECONDARY_BUSINESS })).sid;
    c1Service = (await c1.client.messaging.v1.services.create({ friendlyName: 'c1 service' })).sid;
  });

  test("a subaccount cannot fetch, update or delete the parent's or a sibling's bundle or service (404 as for an unknown SID)", async () => {
    for (const [who, client] of [['c2', c2.client], ['c1', c1.client]] as const) {
      const profiles = who === 'c2' ? [parentProfile, c1Profile] : [parentProfile];
      for (const sid of profiles) {
        const e = await restError(client.trusthub.v1.customerProfiles(sid).fetch());
        assert.equal(e.status, 404, `${who} fetches ${sid}`);
        assert.equal(e.code, 20404);
        assert.equal((await restError(client.trusthub.v1.customerProfiles(sid).update({ friendlyName: 'x' }))).status, 404);
        assert.equal((await restError(client.trusthub.v1.customerProfiles(sid).remove())).status, 404);
      }
      const services = who === 'c2' ? [parentService, c1Service] : [parentService];
      for (const sid of services) assert.equal((await restError(client.messaging.v1.services(sid).fetch())).status, 404, `${who} fetches service ${sid}`);
    }
    // The parent's own credentials reach TrustHub and Messaging as the parent: not into a subaccount either.
    assert.equal((await restError(parent.trusthub.v1.customerProfiles(c1Profile).fetch())).status, 404);
    assert.equal((await restError(parent.messaging.v1.services(c1Service).fetch())).status, 404);
    // Untouched by the attempts.
    assert.equal((await parent.trusthub.v1.customerProfiles(parentProfile).fetch()).friendlyName, 'parent starter');
  });

  test('lists are per account', async () => {
    const c1Profiles = await c1.client.trusthub.v1.customerProfiles.list();
    assert.deepEqual(c1Profiles.map((p) => p.sid), [c1Profile]);
    assert.equal(c1Profiles[0]!.accountSid, c1.sid, 'account_sid names the owning subaccount');
    assert.deepEqual(await c2.client.trusthub.v1.customerProfiles.list(), []);
    assert.deepEqual((await c2.client.messaging.v1.services.list()).map((s) => s.sid), []);
    const parentProfiles = (await parent.trusthub.v1.customerProfiles.list()).map((p) => p.sid);
    assert.ok(parentProfiles.includes(parentProfile) && parentProfiles.includes(sb.isvPrimaryProfileSid));
    assert.ok(!parentProfiles.includes(c1Profile));
    // Phone numbers: the configured ones are the main account's; a subaccount starts with none and buys its own.
    assert.ok((await parent.incomingPhoneNumbers.list()).length > 0);
    assert.deepEqual(await c1.client.incomingPhoneNumbers.list(), []);
    const [offer] = await c1.client.availablePhoneNumbers('US').local.list({ areaCode: 415, limit: 1 });
    assert.ok(offer, 'a number for sale');
    const bought = await c1.client.incomingPhoneNumbers.create({ phoneNumber: offer.phoneNumber });
    assert.equal(bought.accountSid, c1.sid);
    assert.deepEqual((await c1.client.incomingPhoneNumbers.list()).map((n) => n.sid), [bought.sid]);
    assert.ok(!(await parent.incomingPhoneNumbers.list()).some((n) => n.sid === bought.sid));
    assert.ok(!(await c2.client.availablePhoneNumbers('US').local.list({ areaCode: 415 })).some((n) => n.phoneNumber === offer.phoneNumber), 'a bought number is for sale to no one else');
  });

  test("the parent's credentials reach a subaccount's API 2010 resources through its SID in the path", async () => {
    const viaParent = await parent.api.v2010.accounts(c2.sid).addresses.create({ customerName: 'C2 Inc', street: '1 Main St', city: 'Austin', region: 'TX', postalCode: '78701', isoCountry: 'US' });
    assert.equal(viaParent.accountSid, c2.sid);
    assert.deepEqual((await c2.client.addresses.list()).map((a) => a.sid), [viaParent.sid]);
    assert.ok(!(await parent.addresses.list()).some((a) => a.sid === viaParent.sid));
    // ... but a subaccount's never reach a sibling's.
    const e = await restError(c1.client.api.v2010.accounts(c2.sid).addresses.list());
    assert.equal(e.status, 404);
  });

  test("a subaccount's secondary profile takes the parent's primary profile; its evaluation finds it approved; another bundle of the parent is not found", async () => {
    const th = c1.client.trusthub.v1;
    const assigned = await th.customerProfiles(c1Profile).customerProfilesEntityAssignments.create({ objectSid: sb.isvPrimaryProfileSid });
    assert.equal(assigned.objectSid, sb.isvPrimaryProfileSid);
    const ev = await th.customerProfiles(c1Profile).customerProfilesEvaluations.create({ policySid: POLICY_SECONDARY_BUSINESS });
    const primary = (ev.results as Array<{ object_type: string; passed: boolean }>).find((r) => r.object_type === 'primary_customer_profile_type_business');
    assert.ok(primary, JSON.stringify(ev.results));
    assert.equal(primary.passed, true, 'the parent primary profile counts, approved');
    // Only the parent's primary (business) profile is in reach: not its Starter profile, not a customer's Secondary
    // Business profile registered in the parent, not a sibling's profile.
    const parentSecondary = (await parent.trusthub.v1.customerProfiles.create({ friendlyName: 'parent secondary', email: 's@example.com', policySid: POLICY_SECONDARY_BUSINESS })).sid;
    await parent.trusthub.v1.customerProfiles(parentSecondary).customerProfilesEntityAssignments.create({ objectSid: sb.isvPrimaryProfileSid });
    for (const sid of [parentProfile, parentSecondary]) {
      const e = await restError(th.customerProfiles(c1Profile).customerProfilesEntityAssignments.create({ objectSid: sid }));
      assert.equal(e.status, 400, sid);
      assert.match(e.message, /not found/);
    }
    const c2Starter = (await c2.client.trusthub.v1.customerProfiles.create({ friendlyName: 'c2 starter', email: 'c2@example.com', policySid: POLICY_STARTER })).sid;
    // A Starter profile of a subaccount may take the parent primary too.
    await c2.client.trusthub.v1.customerProfiles(c2Starter).customerProfilesEntityAssignments.create({ objectSid: sb.isvPrimaryProfileSid });
    assert.equal((await restError(th.customerProfiles(c1Profile).customerProfilesEntityAssignments.create({ objectSid: c2Starter }))).status, 400);
    // Trust products take the account's own profiles only.
    const tp = await th.trustProducts.create({ friendlyName: 'c1 a2p', email: 'c1@example.com', policySid: POLICY_A2P_MESSAGING });
    assert.equal((await restError(th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: sb.isvPrimaryProfileSid }))).status, 400);
    await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: c1Profile });
  });

  test('admin views: accounts, resources by account, requests by acting account', async () => {
    const accounts = (await admin(sb, '/_sandbox/accounts')).body as { accounts: Array<Record<string, unknown>> };
    assert.deepEqual(accounts.accounts.map((a) => a['sid']), [sb.options.accountSid, c1.sid, c2.sid]);
    assert.ok(!JSON.stringify(accounts).includes(sb.options.authToken), 'no tokens in the admin view');
    assert.equal(accounts.accounts[1]!['ownerAccountSid'], sb.options.accountSid);

    const c1Res = (await admin(sb, `/_sandbox/resources?account=${c1.sid}`)).body as Record<string, string[]>;
    assert.deepEqual(c1Res['customerProfiles'], [c1Profile]);
    assert.deepEqual(c1Res['services'], [c1Service]);
    assert.equal((await admin(sb, `/_sandbox/resources?account=AC${'2'.repeat(32)}`)).status, 404);
    const mainRes = sb.resources(sb.options.accountSid);
    assert.ok(mainRes?.customerProfiles.includes(parentProfile) && !mainRes.customerProfiles.includes(c1Profile));
    assert.deepEqual(sb.resources(c2.sid)?.services, []);
    assert.equal(sb.accounts().find((a) => a.sid === c1.sid)?.subaccount, true);

    const c1Requests = (await admin(sb, `/_sandbox/requests?account=${c1.sid}`)).body as Array<{ accountSid: string; operation?: string }>;
    assert.ok(c1Requests.length > 0);
    assert.ok(c1Requests.every((e) => e.accountSid === c1.sid));
    assert.ok(c1Requests.some((e) => e.operation === 'service.create'), JSON.stringify(c1Requests.map((e) => e.operation)));
    assert.ok(sb.requestLog().some((e) => e.accountSid === sb.options.accountSid && e.operation === 'account.create'));

    // Admin number purchase for one account.
    const n = await admin(sb, `/_sandbox/phone-numbers?account=${c2.sid}`, { method: 'POST', body: { phoneNumber: '+14155550999' } });
    assert.equal(n.status, 200);
    assert.deepEqual((await c2.client.incomingPhoneNumbers.list()).map((x) => x.phoneNumber), ['+14155550999']);
    assert.equal((sb.counts().customerProfiles >= 3), true, 'counts add up every account');
  });
});

describe('per-account budget and callbacks', () => {
  test('the concurrency budget is per account: a busy parent does not throttle a subaccount', async () => {
    const { sb, parent } = await start({ maxRps: 3 });
    const c = await subaccount(sb, parent, 'budget');
    const raw = (sid: string, token: string) =>
      fetch(`${sb.url}/trusthub/v1/EndUsers`, { headers: { Authorization: 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64') } }).then((r) => r.status);
    const token = sb.accounts().find((a) => a.sid === c.sid)!.authToken;
    // The parent has spent 2 of its 3 calls a second on the subaccount (create, fetch): 4 more cannot all pass.
    const parentStatuses = await Promise.all([1, 2, 3, 4].map(() => raw(sb.options.accountSid, sb.options.authToken)));
    assert.ok(parentStatuses.includes(429), `the parent is throttled: ${parentStatuses.join(',')}`);
    assert.deepEqual(await Promise.all([1, 2].map(() => raw(c.sid, token))), [200, 200]);
  });

  test("status callbacks of a subaccount's bundle are signed with the subaccount's token", async () => {
    const received: Array<{ params: Record<string, string>; signature: string; url: string }> = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ params: Object.fromEntries(new URLSearchParams(body)), signature: String(req.headers['x-twilio-signature']), url: `http://127.0.0.1:${(hook.address() as { port: number }).port}${req.url ?? ''}` });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    after(() => new Promise<void>((r) => hook.close(() => r())));
    const { sb, parent } = await start();
    const c = await subaccount(sb, parent, 'callbacks');
    const token = sb.accounts().find((a) => a.sid === c.sid)!.authToken;
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/status`;
    const th = c.client.trusthub.v1;
    const cp = await th.customerProfiles.create({ friendlyName: 'cb', email: 'cb@example.com', policySid: POLICY_STARTER, statusCallback: url });
    // Non-compliant (nothing assigned): Twilio accepts the submission, then rejects it, calling back each time.
    await th.customerProfiles(cp.sid).update({ status: 'pending-review' });
    await sb.idle();
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(received.length > 0, 'a callback arrived');
    for (const r of received) {
      assert.equal(r.params['AccountSid'], c.sid);
      assert.equal(twilio.validateRequest(token, r.signature, r.url, r.params), true, 'signed with the subaccount token');
      assert.equal(twilio.validateRequest(sb.options.authToken, r.signature, r.url, r.params), false, "not with the parent's");
    }
  });
});

describe('a Sole Proprietor registered wholly inside its subaccount', () => {
  test("profile (with the parent's primary), trust bundle, brand, OTP, service and campaign: all the subaccount's, none the parent's", async () => {
    const { sb, parent } = await start();
    const c = await subaccount(sb, parent, 'sole prop');
    const th = c.client.trusthub.v1;
    const before = sb.resources(sb.options.accountSid)!;

    const profile = await th.customerProfiles.create({ friendlyName: 'Starter jane', email: 'jane@example.com', policySid: POLICY_STARTER });
    const eu = await th.endUsers.create({ attributes: { email: 'jane@example.com', first_name: 'Jane', last_name: 'Roe', phone_number: '+16175550198' }, friendlyName: 'Starter end user', type: 'starter_customer_profile_information' });
    const address = await c.client.addresses.create({ customerName: 'Jane Roe', street: '1 Jersey St', city: 'Boston', region: 'MA', postalCode: '02215', isoCountry: 'US' });
    const doc = await th.supportingDocuments.create({ attributes: { address_sids: address.sid }, friendlyName: 'address', type: 'customer_profile_address' });
    for (const sid of [eu.sid, doc.sid, sb.isvPrimaryProfileSid]) await th.customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid: sid });
    await th.customerProfiles(profile.sid).update({ status: 'pending-review' });
    const tp = await th.trustProducts.create({ friendlyName: 'SP jane', email: 'jane@example.com', policySid: POLICY_SOLE_PROPRIETOR });
    const spInfo = await th.endUsers.create({ attributes: { brand_name: 'Jane Roe', vertical: 'COMMUNICATION', mobile_phone_number: '+16175550101' }, friendlyName: 'SP end user', type: 'sole_proprietor_information' });
    for (const sid of [spInfo.sid, profile.sid]) await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: sid });
    await th.trustProducts(tp.sid).update({ status: 'pending-review' });

    const brand = await c.client.messaging.v1.brandRegistrations.create({ customerProfileBundleSid: profile.sid, a2PProfileBundleSid: tp.sid, brandType: 'SOLE_PROPRIETOR' });
    assert.equal(brand.accountSid, c.sid);
    await waitUntil('brand verified', () => c.client.messaging.v1.brandRegistrations(brand.sid).fetch(), (b) => b.identityStatus === 'VERIFIED');
    await waitUntil('bundles approved', () => th.customerProfiles(profile.sid).fetch(), (p) => p.status === 'twilio-approved');
    assert.equal((await th.trustProducts(tp.sid).fetch()).status, 'twilio-approved');

    const service = await c.client.messaging.v1.services.create({ friendlyName: 'jane service' });
    const campaign = await c.client.messaging.v1.services(service.sid).usAppToPerson.create({
      brandRegistrationSid: brand.sid,
      description: 'Appointment reminders sent by Jane Roe Studio to customers who booked online and opted in.',
      messageFlow: 'Customers opt in by entering their number on the booking form at roe.example.com and ticking a box.',
      messageSamples: ['Jane Roe Studio: your appointment is at [time]. Reply STOP to opt out.', 'Jane Roe Studio: see you tomorrow. Reply HELP for help.'],
      usAppToPersonUsecase: 'SOLE_PROPRIETOR',
      hasEmbeddedLinks: false,
      hasEmbeddedPhone: false,
      privacyPolicyUrl: 'https://roe.example.com/privacy',
      termsAndConditionsUrl: 'https://roe.example.com/terms',
    });
    await waitUntil('campaign verified', () => c.client.messaging.v1.services(service.sid).usAppToPerson(campaign.sid).fetch(), (x) => x.campaignStatus === 'VERIFIED');

    const mine = sb.resources(c.sid)!;
    assert.deepEqual(mine.customerProfiles, [profile.sid]);
    assert.deepEqual(mine.trustProducts, [tp.sid]);
    assert.deepEqual(mine.brands, [brand.sid]);
    assert.deepEqual(mine.services, [service.sid]);
    assert.deepEqual(mine.campaigns, [campaign.sid]);
    assert.deepEqual(sb.resources(sb.options.accountSid), before, 'the parent gained nothing');
    assert.equal(sb.counts().otps, 1, 'the automatic OTP of the approved brand');
  });
});

describe('a STANDARD brand inside its subaccount', () => {
  test("its Secondary Customer Profile takes the parent's primary; identity, vetting and Authentication+ run as in the main account", async () => {
    const { sb, parent } = await start();
    const c = await subaccount(sb, parent, 'standard');
    const token = sb.accounts().find((a) => a.sid === c.sid)!.authToken;
    // The contract tests' hand-built STANDARD brand, sent with the subaccount's credentials.
    const asSub: Sandbox = { ...sb, options: { ...sb.options, accountSid: c.sid, authToken: token } };
    const brand = await standardBrandByHand(asSub);
    const fetched = await c.client.messaging.v1.brandRegistrations(brand).fetch();
    assert.equal(fetched.accountSid, c.sid);
    assert.equal(fetched.identityStatus, 'VETTED_VERIFIED');
    assert.deepEqual(sb.resources(c.sid)?.brands, [brand]);
    assert.equal((await restError(parent.messaging.v1.brandRegistrations(brand).fetch())).status, 404, 'not the parent brand');
    assert.deepEqual(sb.resources(sb.options.accountSid)?.brands, []);
  });
});
