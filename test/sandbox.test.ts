import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import twilio from 'twilio';
import { createTwilioClient } from '../src/twilio/client.js';
import {
  POLICY_SOLE_PROPRIETOR,
  POLICY_STARTER,
  SANDBOX_DEFAULTS,
  sandboxOptionsFromEnv,
  startSandbox,
  type FaultKind,
  type Sandbox,
  type SandboxOptions,
} from '@a2p-onboard/twilio-sandbox';
import { pollUntil as waitFor, restError } from './sandbox-kit.js';

type Client = ReturnType<typeof createTwilioClient>;

const FAST: Partial<SandboxOptions> = { reviewDelayMs: 40, brandDelayMs: 60, otpReplyDelayMs: 60, campaignDelayMs: 60 };

const open: Sandbox[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function start(opts: Partial<SandboxOptions> = {}): Promise<{ sb: Sandbox; client: Client }> {
  const sb = await startSandbox({ ...FAST, ...opts });
  open.push(sb);
  const client = createTwilioClient({ accountSid: sb.options.accountSid, authToken: sb.options.authToken, apiBase: sb.url, timeoutMs: 5000 });
  return { sb, client };
}

/** createTwilioClient turns a 429 into a RateLimitedError; a bare twilio-node client gives a RestException 429/20429. */
function isRateLimited(e: unknown): boolean {
  const x = e as { status?: unknown; code?: unknown; name?: unknown };
  return (x.status === 429 && x.code === 20429) || x.name === 'RateLimitedError';
}

async function raw(sb: Sandbox, method: string, path: string, opts: { body?: string; auth?: boolean; json?: boolean } = {}) {
  const headers: Record<string, string> = {};
  if (opts.auth !== false) headers['Authorization'] = 'Basic ' + Buffer.from(`${sb.options.accountSid}:${sb.options.authToken}`).toString('base64');
  if (opts.body !== undefined) headers['Content-Type'] = opts.json ? 'application/json' : 'application/x-www-form-urlencoded';
  const res = await fetch(sb.url + path, { method, headers, body: opts.body ?? null });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** A local webhook receiver that checks X-Twilio-Signature with twilio-node's validator. */
async function startHook() {
  const received: Array<Record<string, string> & { signatureOk: string }> = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}${req.url ?? ''}`;
      const ok = twilio.validateRequest(SANDBOX_DEFAULTS.authToken, String(req.headers['x-twilio-signature']), url, params);
      received.push({ ...params, signatureOk: String(ok) });
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => hook.close(() => r())));
  return { url: `http://127.0.0.1:${(hook.address() as { port: number }).port}/status`, received };
}

interface CustomerData {
  email: string;
  mobile: string;
  region: string;
  postalCode: string;
  isoCountry: string;
  statusCallback?: string;
  skip?: 'address';
  brandName?: string;
}

const GOOD: CustomerData = { email: 'johndoe@example.com', mobile: '+16175550100', region: 'MA', postalCode: '02215', isoCountry: 'US' };

/** Steps 1.2-1.7: a starter customer profile with end user, address document and the ISV primary profile assigned. */
async function buildStarterProfile(sb: Sandbox, client: Client, d: CustomerData) {
  const th = client.trusthub.v1;
  const profile = await th.customerProfiles.create({
    friendlyName: `Starter ${d.email}`,
    email: d.email,
    policySid: POLICY_STARTER,
    ...(d.statusCallback ? { statusCallback: d.statusCallback } : {}),
  });
  const eu = await th.endUsers.create({
    attributes: { email: d.email, first_name: 'John', last_name: 'Doe', phone_number: '+16175550199' },
    friendlyName: 'Starter Profile End User',
    type: 'starter_customer_profile_information',
  });
  const address = await client.addresses.create({
    customerName: 'John Doe',
    street: '1 Jersey St',
    city: 'Boston',
    region: d.region,
    postalCode: d.postalCode,
    isoCountry: d.isoCountry,
  });
  const doc = await th.supportingDocuments.create({ attributes: { address_sids: address.sid }, friendlyName: 'SP Document Address', type: 'customer_profile_address' });
  const assign = th.customerProfiles(profile.sid).customerProfilesEntityAssignments;
  await assign.create({ objectSid: eu.sid });
  if (d.skip !== 'address') await assign.create({ objectSid: doc.sid });
  await assign.create({ objectSid: sb.isvPrimaryProfileSid });
  return { profile, eu, address, doc };
}

/** Steps 2.2-2.5: the sole proprietor trust bundle. */
async function buildTrustProduct(client: Client, profileSid: string, d: CustomerData) {
  const th = client.trusthub.v1;
  const tp = await th.trustProducts.create({ friendlyName: `SP ${d.email}`, email: d.email, policySid: POLICY_SOLE_PROPRIETOR });
  const eu = await th.endUsers.create({
    attributes: { brand_name: d.brandName ?? 'John Doe', vertical: 'COMMUNICATION', mobile_phone_number: d.mobile },
    friendlyName: 'Sole Proprietor A2P Trust Bundle End User',
    type: 'sole_proprietor_information',
  });
  await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: eu.sid });
  await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: profileSid });
  return tp;
}

/** Profile + trust product, both evaluated compliant and submitted. */
async function submitBoth(sb: Sandbox, client: Client, d: CustomerData) {
  const th = client.trusthub.v1;
  const { profile } = await buildStarterProfile(sb, client, d);
  await th.customerProfiles(profile.sid).update({ status: 'pending-review' });
  const tp = await buildTrustProduct(client, profile.sid, d);
  await th.trustProducts(tp.sid).update({ status: 'pending-review' });
  return { profileSid: profile.sid, tpSid: tp.sid };
}

async function createBrand(client: Client, profileSid: string, tpSid: string) {
  return client.messaging.v1.brandRegistrations.create({ customerProfileBundleSid: profileSid, a2PProfileBundleSid: tpSid, brandType: 'SOLE_PROPRIETOR' });
}

function waitBrand(client: Client, sid: string, done: (b: { status: string; identityStatus: string }) => boolean) {
  return waitFor(`brand ${sid}`, () => client.messaging.v1.brandRegistrations(sid).fetch(), done);
}

const CAMPAIGN = {
  description: 'This campaign sends appointment reminders from John Doe Hair Studio to customers who opted in.',
  messageFlow: 'Customers opt in by entering their number on the booking form at johndoe.example.com and ticking a box.',
  messageSamples: [
    'John Doe Hair Studio: your appointment is on [date] at [time]. Reply STOP to opt out.',
    'John Doe Hair Studio: reminder, see you tomorrow at [time]. Reply HELP for help.',
  ],
  usAppToPersonUsecase: 'SOLE_PROPRIETOR',
  hasEmbeddedLinks: false,
  hasEmbeddedPhone: false,
  privacyPolicyUrl: 'https://isv.example.com/privacy/john-doe',
  termsAndConditionsUrl: 'https://isv.example.com/terms/john-doe',
};

describe('sandbox', () => {
  test('options: defaults and environment', () => {
    assert.match(SANDBOX_DEFAULTS.accountSid, /^AC[0-9a-fA-F]{32}$/);
    for (const k of ['reviewDelayMs', 'brandDelayMs', 'otpReplyDelayMs', 'campaignDelayMs'] as const) assert.ok(SANDBOX_DEFAULTS[k] <= 2000);
    const o = sandboxOptionsFromEnv({ SANDBOX_PORT: '4010', SANDBOX_OTP_REPLY_DELAY_MS: '-1', SANDBOX_FAULT_RATE: '0.25', SANDBOX_FAULT_KINDS: '500, timeout', SANDBOX_MAX_RPS: '0' });
    assert.equal(o.port, 4010);
    assert.equal(o.otpReplyDelayMs, -1);
    assert.equal(o.faultRate, 0.25);
    assert.deepEqual(o.faultKinds, ['500', 'timeout']);
    assert.equal(o.maxRps, 0);
    assert.equal(o.otpRps, 10);
    assert.equal(o.host, '127.0.0.1');
    assert.throws(() => sandboxOptionsFromEnv({ SANDBOX_FAULT_KINDS: 'explode' }));
    assert.throws(() => sandboxOptionsFromEnv({ SANDBOX_ACCOUNT_SID: 'ACnope' }));
  });

  test('auth: wrong credentials get 401 / 20003; the account fetch works with the right ones', async () => {
    const { sb, client } = await start();
    const bad = createTwilioClient({ accountSid: sb.options.accountSid, authToken: 'wrong', apiBase: sb.url });
    const err = await restError(bad.trusthub.v1.customerProfiles.list());
    assert.equal(err.status, 401);
    assert.equal(err.code, 20003);
    const r = await raw(sb, 'GET', '/trusthub/v1/CustomerProfiles', { auth: false });
    assert.equal(r.status, 401);
    assert.equal(r.body?.['code'], 20003);
    const account = await client.api.v2010.accounts(sb.options.accountSid).fetch();
    assert.equal(account.sid, sb.options.accountSid);
    assert.equal(account.status, 'active');
    const other = await restError(client.api.v2010.accounts('AC' + 'f'.repeat(32)).fetch());
    assert.equal(other.status, 404);
  });

  test('ISV primary profile exists and is twilio-approved; policies are served', async () => {
    const { sb, client } = await start();
    const p = await client.trusthub.v1.customerProfiles(sb.isvPrimaryProfileSid).fetch();
    assert.equal(p.status, 'twilio-approved');
    assert.equal(p.policySid, 'RNdfbf3fae0e1107f8aded0e7cead80bf5');
    const sp = await client.trusthub.v1.policies(POLICY_SOLE_PROPRIETOR).fetch();
    assert.equal(sp.url, `https://trusthub.twilio.com/v1/Policies/${POLICY_SOLE_PROPRIETOR}`);
    assert.deepEqual((sp.requirements as { end_user: Array<{ fields: string[] }> }).end_user[0]?.fields, ['brand_name', 'mobile_phone_number', 'vertical']);
    await client.trusthub.v1.policies(POLICY_STARTER).fetch();
  });

  test('happy path: starter profile → trust bundle → brand APPROVED → VERIFIED → campaign VERIFIED', async () => {
    const hook = await startHook();
    const hookUrl = hook.url;
    const callbacks = hook.received;

    const { sb, client } = await start();
    const th = client.trusthub.v1;
    const { profile } = await buildStarterProfile(sb, client, { ...GOOD, statusCallback: hookUrl });
    assert.equal(profile.status, 'draft');
    assert.equal(profile.accountSid, sb.options.accountSid);
    assert.equal(profile.url, `https://trusthub.twilio.com/v1/CustomerProfiles/${profile.sid}`);
    assert.match(profile.sid, /^BU[0-9a-f]{32}$/);

    const ev = await th.customerProfiles(profile.sid).customerProfilesEvaluations.create({ policySid: POLICY_STARTER });
    assert.equal(ev.status, 'compliant');
    assert.match(ev.sid, /^EL[0-9a-f]{32}$/);
    assert.deepEqual(
      (ev.results as Array<{ requirement_name: string; passed: boolean }>).map((r) => [r.requirement_name, r.passed]),
      [['starter_customer_profile_information', true], ['customer_profile_address', true], ['primary_customer_profile', true]],
    );
    const submitted = await th.customerProfiles(profile.sid).update({ status: 'pending-review' });
    assert.equal(submitted.status, 'in-review');

    const tp = await buildTrustProduct(client, profile.sid, GOOD);
    const tpEv = await th.trustProducts(tp.sid).trustProductsEvaluations.create({ policySid: POLICY_SOLE_PROPRIETOR });
    assert.equal(tpEv.status, 'compliant');
    assert.equal(tpEv.trustProductSid, tp.sid);
    assert.equal((await th.trustProducts(tp.sid).update({ status: 'pending-review' })).status, 'in-review');

    // a review that passes leaves the bundles in-review
    await sb.idle();
    assert.equal((await th.customerProfiles(profile.sid).fetch()).status, 'in-review');

    const brand = await createBrand(client, profile.sid, tp.sid);
    assert.equal(brand.status, 'PENDING');
    assert.equal(brand.identityStatus, 'UNVERIFIED');
    assert.equal(brand.brandType, 'SOLE_PROPRIETOR');
    assert.match(brand.sid, /^BN[0-9a-f]{32}$/);
    await waitBrand(client, brand.sid, (b) => b.status === 'APPROVED');
    const verified = await waitBrand(client, brand.sid, (b) => b.identityStatus === 'VERIFIED');
    assert.equal(verified.status, 'APPROVED');
    assert.equal(verified.failureReason, null);

    assert.equal((await th.customerProfiles(profile.sid).fetch()).status, 'twilio-approved');
    assert.equal((await th.trustProducts(tp.sid).fetch()).status, 'twilio-approved');

    const svc = await client.messaging.v1.services.create({ friendlyName: 'John Doe Messaging Service' });
    assert.match(svc.sid, /^MG[0-9a-f]{32}$/);
    // Twilio errors 30933 and 30934: since 2026-06-30 every campaign, a Sole Proprietor's too, needs both URLs.
    const noPolicy = await restError(client.messaging.v1.services(svc.sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, ...CAMPAIGN, privacyPolicyUrl: undefined }));
    assert.deepEqual([noPolicy.status, noPolicy.code], [400, 30933]);
    assert.match(noPolicy.message, /Privacy Policy URL is required/);
    const emptyPolicy = await restError(client.messaging.v1.services(svc.sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, ...CAMPAIGN, privacyPolicyUrl: ' ' }));
    assert.equal(emptyPolicy.code, 30933);
    const noTerms = await restError(client.messaging.v1.services(svc.sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, ...CAMPAIGN, termsAndConditionsUrl: undefined }));
    assert.deepEqual([noTerms.status, noTerms.code], [400, 30934]);
    assert.match(noTerms.message, /Terms and Conditions URL is required/);
    assert.equal(sb.counts().campaigns, 0);
    const campaign = await client.messaging.v1.services(svc.sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, ...CAMPAIGN });
    assert.match(campaign.sid, /^QE[0-9a-f]{32}$/);
    assert.equal(campaign.privacyPolicyUrl, CAMPAIGN.privacyPolicyUrl);
    assert.equal(campaign.termsAndConditionsUrl, CAMPAIGN.termsAndConditionsUrl);
    assert.equal(campaign.campaignStatus, 'IN_PROGRESS');
    assert.deepEqual(campaign.messageSamples, CAMPAIGN.messageSamples);
    const done = await waitFor('campaign', () => client.messaging.v1.services(svc.sid).usAppToPerson(campaign.sid).fetch(), (c) => c.campaignStatus === 'VERIFIED');
    assert.ok(done.campaignId);
    // No document names Twilio's answer to a second campaign: the sandbox refuses it with the generic 20001, not an invented code.
    const second = await restError(client.messaging.v1.services(svc.sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, ...CAMPAIGN }));
    assert.equal(second.status, 400);
    assert.equal(second.code, 20001);

    assert.deepEqual(sb.counts(), { customerProfiles: 2, trustProducts: 1, brands: 1, services: 1, campaigns: 1, otps: 1 });
    const ops = sb.requestLog().map((e) => e.operation);
    assert.ok(ops.includes('customerProfile.create') && ops.includes('brand.create') && ops.includes('campaign.create'));
    const entry = sb.requestLog().find((e) => e.operation === 'brand.create');
    assert.equal(entry?.status, 201);
    assert.equal(entry?.product, 'messaging');
    assert.equal(entry?.path, '/messaging/v1/a2p/BrandRegistrations');

    await waitFor('status callbacks', async () => callbacks.length, (n) => n >= 2);
    assert.deepEqual(callbacks.map((c) => c['Status']), ['in-review', 'twilio-approved']);
    assert.ok(callbacks.every((c) => c.signatureOk === 'true' && c['BundleSid'] === profile.sid && c['AccountSid'] === sb.options.accountSid));
  });

  test('noncompliant evaluation when an assignment is missing; submitted anyway, Twilio accepts it and then rejects it with the evaluation\'s errors', async () => {
    const { sb, client } = await start();
    const { profile } = await buildStarterProfile(sb, client, { ...GOOD, skip: 'address' });
    const ev = await client.trusthub.v1.customerProfiles(profile.sid).customerProfilesEvaluations.create({ policySid: POLICY_STARTER });
    assert.equal(ev.status, 'noncompliant');
    const results = ev.results as Array<{ requirement_name: string; passed: boolean; error_code: number | null; failure_reason: string | null; valid: unknown[]; invalid: unknown[] }>;
    const addr = results.find((r) => r.requirement_name === 'customer_profile_address');
    assert.equal(addr?.passed, false);
    assert.equal(addr?.error_code, 22216);
    assert.match(addr?.failure_reason ?? '', /missing/);
    assert.equal(results.find((r) => r.requirement_name === 'starter_customer_profile_information')?.passed, true);

    // 000: a noncompliant bundle "will automatically be rejected with a TWILIO_REJECTED status".
    const submitted = await client.trusthub.v1.customerProfiles(profile.sid).update({ status: 'pending-review' });
    assert.equal(submitted.status, 'pending-review');
    const rejected = await waitFor('rejection', () => client.trusthub.v1.customerProfiles(profile.sid).fetch(), (p) => p.status === 'twilio-rejected');
    const errors = rejected.errors as Array<{ code?: number; object_field: string; failure_reason: string }>;
    assert.deepEqual(errors.map((e) => [e.code, e.object_field]), [[22216, 'customer_profile_address']]);
    assert.match(errors[0]!.failure_reason, /missing/);

    // trust product without an end user: 22214
    const tp = await client.trusthub.v1.trustProducts.create({ friendlyName: 'x', email: 'a@example.com', policySid: POLICY_SOLE_PROPRIETOR });
    await client.trusthub.v1.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: profile.sid });
    const tev = await client.trusthub.v1.trustProducts(tp.sid).trustProductsEvaluations.create({ policySid: POLICY_SOLE_PROPRIETOR });
    assert.equal(tev.status, 'noncompliant');
    assert.equal((tev.results as Array<{ error_code: number | null }>)[0]?.error_code, 22214);
  });

  test('status updates other than pending-review are refused', async () => {
    const { sb, client } = await start();
    const p = await client.trusthub.v1.customerProfiles.create({ friendlyName: 'x', email: 'x@example.com', policySid: POLICY_STARTER });
    for (const status of ['twilio-approved', 'in-review', 'draft'] as const) {
      const err = await restError(client.trusthub.v1.customerProfiles(p.sid).update({ status }));
      assert.equal(err.status, 400, status);
      assert.match(err.message, /Status/);
    }
    const bogus = await raw(sb, 'POST', `/trusthub/v1/CustomerProfiles/${p.sid}`, { body: 'Status=approved' });
    assert.equal(bogus.status, 400);
    // an in-review bundle cannot be submitted again
    const approved = await restError(client.trusthub.v1.customerProfiles(sb.isvPrimaryProfileSid).update({ status: 'pending-review' }));
    assert.equal(approved.status, 400);
  });

  const rejections: Array<[string, Partial<CustomerData>, string]> = [
    ['disposable email', { email: 'jane@mailinator.com' }, 'Email is a suspected disposable address.'],
    ['unknown email domain', { email: 'jane@nowhere.invalid' }, 'Unknown email domain.'],
    ['bad email domain syntax', { email: 'jane@bad_domain' }, 'Email domain has an invalid address syntax.'],
    ['bad region', { region: 'MAA' }, '[address_sids] - Invalid Region.'],
    ['ZIP not in the state', { region: 'NY', postalCode: '90210' }, '[address_sids] - Invalid Postal Code.'],
    ['malformed ZIP', { postalCode: '0221' }, '[address_sids] - Invalid Postal Code.'],
    ['country not US/CA', { isoCountry: 'GB', region: 'London', postalCode: 'SW1A 1AA' }, 'The provided address is not a valid US or Canada address'],
  ];
  for (const [name, change, reason] of rejections) {
    test(`rejection: ${name}`, async () => {
      const { sb, client } = await start();
      const hook = await startHook();
      const d = { ...GOOD, ...change, statusCallback: hook.url };
      const { profileSid, tpSid } = await submitBoth(sb, client, d);
      const p = await waitFor('profile review', () => client.trusthub.v1.customerProfiles(profileSid).fetch(), (x) => x.status !== 'in-review');
      assert.equal(p.status, 'twilio-rejected');
      const errors = p.errors as Array<{ failure_reason: string; code: number }>;
      assert.ok(errors.some((e) => e.failure_reason.startsWith(reason)), JSON.stringify(errors));
      const cb = await waitFor('rejection callback', async () => hook.received.find((c) => c['Status'] === 'twilio-rejected'), (c) => c !== undefined);
      assert.ok(cb?.['FailureReason']?.includes(reason));
      assert.equal(cb?.signatureOk, 'true');
      const tp = await waitFor('trust product', () => client.trusthub.v1.trustProducts(tpSid).fetch(), (x) => x.status !== 'in-review');
      assert.equal(tp.status, 'twilio-rejected');
      // a brand on the rejected bundles fails with the documented reason
      const brand = await createBrand(client, profileSid, tpSid);
      const failed = await waitBrand(client, brand.sid, (b) => b.status !== 'PENDING');
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.failureReason ?? '', /^Unable to fetch Customer Profile Bundle details/);
    });
  }

  test('valid Canadian address and a ZIP+4 pass the review', async () => {
    const { sb, client } = await start({ brandDelayMs: 200 });
    for (const d of [{ ...GOOD, isoCountry: 'CA', region: 'ON', postalCode: 'M5V 3L9' }, { ...GOOD, region: 'TX', postalCode: '75201-1234', email: 'j2@example.com', mobile: '+12145550100' }]) {
      const { profileSid } = await submitBoth(sb, client, d);
      await sb.idle();
      assert.equal((await client.trusthub.v1.customerProfiles(profileSid).fetch()).status, 'in-review');
    }
  });

  test('brand of a never-submitted bundle fails with the documented reason', async () => {
    const { sb, client } = await start();
    const { profile } = await buildStarterProfile(sb, client, GOOD);
    await client.trusthub.v1.customerProfiles(profile.sid).update({ status: 'pending-review' });
    const tp = await buildTrustProduct(client, profile.sid, GOOD); // never submitted
    const brand = await createBrand(client, profile.sid, tp.sid);
    const b = await waitBrand(client, brand.sid, (x) => x.status !== 'PENDING');
    assert.equal(b.status, 'FAILED');
    assert.match(b.failureReason ?? '', /^Unable to fetch A2P Bundle Details/);
    const otpOnFailed = await restError(client.messaging.v1.brandRegistrations(brand.sid).brandRegistrationOtps.create());
    assert.equal(otpOnFailed.status, 400);
    const missing = await restError(createBrand(client, 'BU' + '0'.repeat(32), tp.sid));
    assert.equal(missing.status, 400);
    assert.match(missing.message, /CustomerProfileBundleSid/);
  });

  test('a Sole Proprietor brand named like a company FAILS with 30915 (since 2026-07-17); a person\'s name passes', async () => {
    const { sb, client } = await start();
    const verdicts: Array<[string, string, unknown[]]> = [];
    for (const [i, brandName] of ['Rivera Plumbing LLC', 'Acme Widgets, Inc.', 'Dana Lopez Studio'].entries()) {
      const { profileSid, tpSid } = await submitBoth(sb, client, { ...GOOD, email: `co${i}@example.com`, mobile: `+1312555017${i}`, brandName });
      const brand = await createBrand(client, profileSid, tpSid);
      const b = await waitBrand(client, brand.sid, (x) => x.status !== 'PENDING');
      verdicts.push([brandName, b.status, ((b as { errors?: Array<{ code?: unknown }> }).errors ?? []).map((e) => e.code)]);
    }
    assert.deepEqual(verdicts, [
      ['Rivera Plumbing LLC', 'FAILED', [30915]],
      ['Acme Widgets, Inc.', 'FAILED', [30915]],
      ['Dana Lopez Studio', 'APPROVED', []],
    ]);
  });

  test('brand FAILED on the 4th use of a mobile number', async () => {
    const { sb, client } = await start();
    const mobile = '+13125550142';
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { profileSid, tpSid } = await submitBoth(sb, client, { ...GOOD, email: `owner${i}@example.com`, mobile });
      const brand = await createBrand(client, profileSid, tpSid);
      const b = await waitBrand(client, brand.sid, (x) => x.status !== 'PENDING');
      statuses.push(b.status);
      if (i === 3) {
        assert.equal(b.failureReason, 'Unable to register Brand with The Campaign Registry');
        assert.ok((b.errors ?? []).length > 0);
        assert.equal(b.identityStatus, 'UNVERIFIED');
      }
    }
    assert.deepEqual(statuses, ['APPROVED', 'APPROVED', 'APPROVED', 'FAILED']);
  });

  test('brand FAILED on the 11th use of an email (9 seeded from other vendors)', async () => {
    const { sb, client } = await start();
    const email = 'busy.owner@example.com';
    const seeded = await raw(sb, 'POST', '/_sandbox/tcr-usage', { body: JSON.stringify({ email, count: 9 }), auth: false, json: true });
    assert.equal(seeded.status, 200);
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { profileSid, tpSid } = await submitBoth(sb, client, { ...GOOD, email, mobile: `+1415555010${i}` });
      const brand = await createBrand(client, profileSid, tpSid);
      statuses.push((await waitBrand(client, brand.sid, (x) => x.status !== 'PENDING')).status);
    }
    assert.deepEqual(statuses, ['APPROVED', 'FAILED']);
  });

  test('OTP: never-replying customer stays UNVERIFIED until the admin reply; SmsOtp limited to 10/s', async () => {
    const { sb, client } = await start({ otpReplyDelayMs: -1 });
    const { profileSid, tpSid } = await submitBoth(sb, client, GOOD);
    const brand = await createBrand(client, profileSid, tpSid);
    await waitBrand(client, brand.sid, (b) => b.status === 'APPROVED');

    const results = await Promise.allSettled(Array.from({ length: 13 }, () => client.messaging.v1.brandRegistrations(brand.sid).brandRegistrationOtps.create()));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const limited = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 10);
    assert.equal(limited.length, 3);
    for (const r of limited) assert.ok(isRateLimited(r.reason), String(r.reason));
    assert.equal(sb.requestLog().filter((e) => e.operation === 'otp.create' && e.status === 429).length, 3);
    const first = ok[0];
    assert.ok(first && first.status === 'fulfilled');
    assert.equal(first.value.brandRegistrationSid, brand.sid);
    assert.equal(first.value.accountSid, sb.options.accountSid);
    assert.equal(sb.counts().otps, 11);

    await sb.idle(); // no reply is scheduled: nothing will verify the identity
    assert.equal((await client.messaging.v1.brandRegistrations(brand.sid).fetch()).identityStatus, 'UNVERIFIED');
    const campaignTooEarly = await restError(
      client.messaging.v1.services((await client.messaging.v1.services.create({ friendlyName: 's' })).sid).usAppToPerson.create({ brandRegistrationSid: brand.sid, ...CAMPAIGN }),
    );
    assert.equal(campaignTooEarly.status, 400);
    const reply = await raw(sb, 'POST', `/_sandbox/brands/${brand.sid}/otp-reply`, { auth: false });
    assert.equal(reply.status, 200);
    assert.equal((await client.messaging.v1.brandRegistrations(brand.sid).fetch()).identityStatus, 'VERIFIED');
  });

  test('never-reply admin endpoint keeps one mobile unverified', async () => {
    const { sb, client } = await start();
    await raw(sb, 'POST', '/_sandbox/never-reply', { body: JSON.stringify({ mobile: GOOD.mobile }), auth: false, json: true });
    const { profileSid, tpSid } = await submitBoth(sb, client, GOOD);
    const brand = await createBrand(client, profileSid, tpSid);
    await waitBrand(client, brand.sid, (b) => b.status === 'APPROVED');
    await sb.idle(); // every transition scheduled has run: the never-reply mobile got no reply
    assert.equal((await client.messaging.v1.brandRegistrations(brand.sid).fetch()).identityStatus, 'UNVERIFIED');
  });

  test('account request budget: 429 / 20429 with Retry-After', async () => {
    const { sb, client } = await start({ maxRps: 5, retryAfterSeconds: 2 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.trusthub.v1.customerProfiles(sb.isvPrimaryProfileSid).fetch()));
    const limited = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(limited.length, 3);
    assert.ok(limited.every((l) => isRateLimited(l.reason)));
    const r = await raw(sb, 'GET', `/trusthub/v1/CustomerProfiles/${sb.isvPrimaryProfileSid}`);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.deepEqual(r.body, { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 });
    // admin endpoints are outside the budget
    assert.equal((await raw(sb, 'GET', '/_sandbox/health', { auth: false })).status, 200);
    // The budget is a sliding second of wall time: this checks the account recovers once it has passed.
    await new Promise((res) => setTimeout(res, 1050));
    await client.trusthub.v1.customerProfiles(sb.isvPrimaryProfileSid).fetch();
  });

  test('paging: twilio-node follows next-page URLs through the rewrite (v1 and 2010)', async () => {
    const { sb, client } = await start();
    for (let i = 0; i < 5; i++) {
      await client.trusthub.v1.endUsers.create({ friendlyName: `eu${i}`, type: 'sole_proprietor_information', attributes: { brand_name: `B${i}` } });
      await client.addresses.create({ customerName: `C${i}`, street: '1 Main St', city: 'Austin', region: 'TX', postalCode: '78701', isoCountry: 'US', friendlyName: i % 2 ? 'odd' : 'even' });
    }
    const eus = await client.trusthub.v1.endUsers.list({ pageSize: 2 });
    // The ISV's primary profile's business information comes first: the sandbox made it at start.
    assert.deepEqual(eus.map((e) => e.friendlyName), ['ISV Business Information', 'eu0', 'eu1', 'eu2', 'eu3', 'eu4']);
    const pages = sb.requestLog().filter((e) => e.operation === 'endUser.list');
    assert.equal(pages.length, 3);

    const page = await raw(sb, 'GET', '/trusthub/v1/EndUsers?PageSize=2');
    const meta = page.body?.['meta'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta).sort(), ['first_page_url', 'key', 'next_page_url', 'page', 'page_size', 'previous_page_url', 'url']);
    assert.equal(meta['key'], 'results');
    assert.match(String(meta['next_page_url']), /^https:\/\/trusthub\.twilio\.com\/v1\/EndUsers\?PageSize=2&Page=1&PageToken=PA/);

    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.addresses.each(
        { pageSize: 2, friendlyName: 'even', done: (err?: unknown) => (err ? reject(err instanceof Error ? err : new Error('each() failed', { cause: err })) : resolve()) },
        (a) => {
          seen.push(a.customerName);
        },
      );
    });
    assert.deepEqual(seen, ['C0', 'C2', 'C4']);
    const a2010 = await raw(sb, 'GET', `/api/2010-04-01/Accounts/${sb.options.accountSid}/Addresses.json?PageSize=2`);
    assert.equal(a2010.body?.['next_page_uri'], `/2010-04-01/Accounts/${sb.options.accountSid}/Addresses.json?PageSize=2&Page=1&PageToken=PA${(a2010.body?.['addresses'] as Array<{ sid: string }>)[1]?.sid}`);
    assert.equal(a2010.body?.['page_size'], 2);
    assert.match(String((a2010.body?.['addresses'] as Array<{ date_created: string }>)[0]?.date_created), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  });

  test('FriendlyName and Status filters on CustomerProfiles', async () => {
    const { sb, client } = await start();
    for (const n of ['alpha', 'beta', 'alpha']) await client.trusthub.v1.customerProfiles.create({ friendlyName: n, email: 'a@example.com', policySid: POLICY_STARTER });
    const alpha = await client.trusthub.v1.customerProfiles.list({ friendlyName: 'alpha', pageSize: 1 });
    assert.equal(alpha.length, 2);
    assert.ok(alpha.every((p) => p.friendlyName === 'alpha'));
    const approved = await client.trusthub.v1.customerProfiles.list({ status: 'twilio-approved' });
    assert.deepEqual(approved.map((p) => p.sid), [sb.isvPrimaryProfileSid]);
    const page = await raw(sb, 'GET', '/trusthub/v1/CustomerProfiles?FriendlyName=alpha&PageSize=1');
    assert.match(String((page.body?.['meta'] as Record<string, unknown>)['next_page_url']), /^https:\/\/trusthub\.twilio\.com\/v1\/CustomerProfiles\?FriendlyName=alpha&PageSize=1&Page=1&PageToken=PABU/);
  });

  test('errors: 404 body, missing parameter, bad SID, bad enum', async () => {
    const { sb, client } = await start();
    const sid = 'BU' + '0'.repeat(32);
    const r = await raw(sb, 'GET', `/trusthub/v1/CustomerProfiles/${sid}`);
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {
      code: 20404,
      message: `The requested resource /v1/CustomerProfiles/${sid} was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
    const nf = await restError(client.messaging.v1.brandRegistrations('BN' + '1'.repeat(32)).fetch());
    assert.equal(nf.status, 404);
    assert.equal(nf.code, 20404);

    const missing = await raw(sb, 'POST', '/trusthub/v1/CustomerProfiles', { body: new URLSearchParams({ Email: 'a@example.com', PolicySid: POLICY_STARTER }).toString() });
    assert.equal(missing.status, 400);
    assert.match(String(missing.body?.['message']), /FriendlyName/);
    const badSid = await raw(sb, 'POST', '/trusthub/v1/CustomerProfiles', { body: new URLSearchParams({ FriendlyName: 'x', Email: 'a@example.com', PolicySid: 'RN123' }).toString() });
    assert.equal(badSid.status, 400);
    assert.match(String(badSid.body?.['message']), /PolicySid/);
    const badEnum = await raw(sb, 'POST', `/trusthub/v1/CustomerProfiles/${sb.isvPrimaryProfileSid}`, { body: 'Status=approved' });
    assert.equal(badEnum.status, 400);
    assert.match(String(badEnum.body?.['message']), /Status/);
    const badAddr = await restError(client.addresses.create({ customerName: 'x', street: 's', city: 'c', region: 'CA', postalCode: '90210', isoCountry: 'USA' }));
    assert.equal(badAddr.status, 400);
    assert.match(badAddr.message, /IsoCountry/);
    const shortDesc = await restError(
      client.messaging.v1.services((await client.messaging.v1.services.create({ friendlyName: 's' })).sid).usAppToPerson.create({ ...CAMPAIGN, brandRegistrationSid: 'BN' + '1'.repeat(32), description: 'too short' }),
    );
    assert.equal(shortDesc.status, 400);
    assert.match(shortDesc.message, /Description/);
  });

  const faultCases: Array<[FaultKind, (sb: Sandbox, client: Client) => Promise<void>]> = [
    ['500', async (_sb, client) => assert.equal((await restError(client.messaging.v1.services.list())).status, 500)],
    ['503', async (_sb, client) => assert.equal((await restError(client.messaging.v1.services.list())).status, 503)],
    [
      '429',
      async (sb, client) => {
        await assert.rejects(client.messaging.v1.services.list(), isRateLimited);
        const r = await raw(sb, 'GET', '/messaging/v1/Services');
        assert.equal(r.body?.['code'], 20429);
        assert.equal(r.headers.get('retry-after'), null);
      },
    ],
    [
      '429-retry-after',
      async (sb) => {
        const r = await raw(sb, 'GET', '/messaging/v1/Services');
        assert.equal(r.status, 429);
        assert.equal(r.headers.get('retry-after'), '1');
      },
    ],
    [
      'timeout',
      async (sb) => {
        const c = createTwilioClient({ accountSid: sb.options.accountSid, authToken: sb.options.authToken, apiBase: sb.url, timeoutMs: 250 });
        const t0 = Date.now();
        await assert.rejects(c.messaging.v1.services.list());
        assert.ok(Date.now() - t0 >= 200);
      },
    ],
    [
      'reset-after-create',
      async (sb, client) => {
        await assert.rejects(client.messaging.v1.services.create({ friendlyName: 'lost answer' }), (e: unknown) => (e as { status?: unknown }).status === undefined);
        assert.equal(sb.counts().services, 1); // created, though the client never heard back
        assert.equal((await client.trusthub.v1.customerProfiles.list()).length, 1); // non-create requests pass
      },
    ],
  ];
  for (const [kind, check] of faultCases) {
    test(`fault injection: ${kind}`, async () => {
      const { sb, client } = await start({ faultRate: 1, faultKinds: [kind] });
      await check(sb, client);
      assert.ok(sb.requestLog().some((e) => e.fault === kind));
      assert.equal((await raw(sb, 'GET', '/_sandbox/health', { auth: false })).status, 200); // admin never faulted
    });
  }

  test('latency is added to responses; close() ends promptly with open keep-alive sockets', async () => {
    const { sb, client } = await start({ latencyMs: 80 });
    const t0 = Date.now();
    await client.trusthub.v1.policies(POLICY_STARTER).fetch();
    assert.ok(Date.now() - t0 >= 75);
    const t1 = Date.now();
    await sb.close();
    assert.ok(Date.now() - t1 < 1000);
  });
});
