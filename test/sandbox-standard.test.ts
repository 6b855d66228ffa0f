import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createTwilioClient } from '../src/twilio/client.js';
import {
  POLICY_A2P_MESSAGING,
  POLICY_SECONDARY_BUSINESS,
  POLICY_SOLE_PROPRIETOR,
  POLICY_STARTER,
  SPEC_USECASES,
  startSandbox,
  type Sandbox,
  type SandboxOptions,
} from '@a2p-onboard/twilio-sandbox';
import { restError } from './sandbox-kit.js';

/**
 * The sandbox's Standard and Low-Volume Standard brands (issue 14), through the real twilio-node SDK over HTTP:
 * the A2P Messaging profile policy and its evaluation, STANDARD brands (identity, secondary vetting, markers,
 * scripted outcomes), Authentication+ (the sandbox's model), Usecases per brand, Standard campaigns.
 * Waits are sandbox.idle() (every scheduled transition has run) or a poll for an intermediate state.
 */

type Client = ReturnType<typeof createTwilioClient>;
type CampaignOptions = Parameters<ReturnType<Client['messaging']['v1']['services']>['usAppToPerson']['create']>[0];

const FAST: Partial<SandboxOptions> = {
  reviewDelayMs: 20,
  brandDelayMs: 30,
  brandReviewDelayMs: 150,
  otpReplyDelayMs: 30,
  campaignDelayMs: 30,
  authPlusConfirmDelayMs: 30,
  authPlusExpiryMs: 250,
  maxRps: 0,
};

const open: Sandbox[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function start(opts: Partial<SandboxOptions> = {}): Promise<{ sb: Sandbox; client: Client }> {
  const sb = await startSandbox({ ...FAST, ...opts });
  open.push(sb);
  return { sb, client: createTwilioClient({ accountSid: sb.options.accountSid, authToken: sb.options.authToken, apiBase: sb.url, timeoutMs: 5000 }) };
}

async function poll<T>(what: string, get: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function admin(sb: Sandbox, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sb.url}/_sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let repSeq = 0;
/** The Standard guide's step 1: a Secondary Customer Profile of type Business, submitted (not waited for). */
async function secondaryProfile(sb: Sandbox, client: Client, opts: { legalName?: string; email?: string; repPhone?: string; submit?: boolean } = {}) {
  const th = client.trusthub.v1;
  const profile = await th.customerProfiles.create({ friendlyName: 'Secondary profile', email: opts.email ?? 'compliance@widgets.example.com', policySid: POLICY_SECONDARY_BUSINESS });
  const info = await th.endUsers.create({
    friendlyName: 'Business info',
    type: 'customer_profile_business_information',
    attributes: {
      business_name: opts.legalName ?? 'Example Widgets LLC',
      business_identity: 'direct_customer',
      business_type: 'Limited Liability Corporation',
      business_industry: 'RETAIL',
      business_registration_identifier: 'EIN',
      business_registration_number: '12-3456789',
      business_regions_of_operation: 'USA_AND_CANADA',
      website_url: 'https://widgets.example.com',
      social_media_profile_urls: '',
    },
  });
  repSeq += 1;
  const repPhone = opts.repPhone ?? `+1415555${String(3000 + repSeq)}`;
  const rep = await th.endUsers.create({
    friendlyName: 'Rep 1',
    type: 'authorized_representative_1',
    attributes: { first_name: 'Ada', last_name: 'Ng', email: 'ada@widgets.example.com', phone_number: repPhone, business_title: 'Owner', job_position: 'CEO' },
  });
  const address = await client.addresses.create({ customerName: 'Example Widgets LLC', street: '1200 Valencia St', city: 'San Francisco', region: 'CA', postalCode: '94110', isoCountry: 'US' });
  const doc = await th.supportingDocuments.create({ friendlyName: 'HQ', type: 'customer_profile_address', attributes: { address_sids: address.sid } });
  const assign = th.customerProfiles(profile.sid).customerProfilesEntityAssignments;
  for (const sid of [info.sid, rep.sid, doc.sid, sb.isvPrimaryProfileSid]) await assign.create({ objectSid: sid });
  if (opts.submit !== false) await th.customerProfiles(profile.sid).update({ status: 'pending-review' });
  return { profileSid: profile.sid, infoSid: info.sid, repPhone };
}

/** The Standard guide's step 2: the A2P Messaging profile Trust Product with its end user and the secondary profile. */
async function a2pProduct(client: Client, profileSid: string | null, attributes: Record<string, string>, opts: { submit?: boolean } = {}) {
  const th = client.trusthub.v1;
  const tp = await th.trustProducts.create({ friendlyName: 'A2P profile', email: 'compliance@widgets.example.com', policySid: POLICY_A2P_MESSAGING });
  const eu = await th.endUsers.create({ friendlyName: 'A2P info', type: 'us_a2p_messaging_profile_information', attributes });
  await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: eu.sid });
  if (profileSid) await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: profileSid });
  if (opts.submit !== false) await th.trustProducts(tp.sid).update({ status: 'pending-review' });
  return tp.sid;
}

const PRIVATE = { company_type: 'private' };
const PUBLIC = { company_type: 'public', stock_exchange: 'NASDAQ', stock_ticker: 'WDGT', brand_contact_email: 'legal@widgets.example.com' };

async function standardBrand(sb: Sandbox, client: Client, opts: { legalName?: string; a2p?: Record<string, string>; skip?: boolean; repPhone?: string } = {}) {
  const { profileSid, repPhone } = await secondaryProfile(sb, client, { ...(opts.legalName ? { legalName: opts.legalName } : {}), ...(opts.repPhone ? { repPhone: opts.repPhone } : {}) });
  const tpSid = await a2pProduct(client, profileSid, opts.a2p ?? PRIVATE);
  const brand = await client.messaging.v1.brandRegistrations.create({
    customerProfileBundleSid: profileSid,
    a2PProfileBundleSid: tpSid,
    brandType: 'STANDARD',
    ...(opts.skip ? { skipAutomaticSecVet: true } : {}),
  });
  return { brand, profileSid, tpSid, repPhone };
}

async function vettingsOf(client: Client, brandSid: string) {
  return client.messaging.v1.brandRegistrations(brandSid).brandVettings.list();
}

/** POST /v1/a2p/BrandRegistrations/{BN}/2fa: twilio-node has no method for it, so its generic request (same client, same wire). */
async function resend2fa(client: Client, brandSid: string): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const res = await client.request({ method: 'post', uri: `https://messaging.twilio.com/v1/a2p/BrandRegistrations/${brandSid}/2fa` });
  return { statusCode: res.statusCode, body: (typeof res.body === 'string' ? JSON.parse(res.body) : res.body) as Record<string, unknown> };
}

const CAMPAIGN = {
  description: 'Order updates and appointment reminders sent by Example Widgets to customers who opted in at checkout.',
  messageFlow: 'Customers opt in by ticking an unticked SMS consent box at checkout on widgets.example.com; terms and privacy linked.',
  messageSamples: ['Example Widgets: your order 1234 has shipped. Reply STOP to opt out.', 'Example Widgets: your appointment is tomorrow at 3pm. Reply HELP for help.'],
  hasEmbeddedLinks: false,
  hasEmbeddedPhone: false,
  usAppToPersonUsecase: 'MIXED',
  privacyPolicyUrl: 'https://widgets.example.com/privacy',
  termsAndConditionsUrl: 'https://widgets.example.com/terms',
};

describe('the A2P Messaging profile policy and its evaluation', () => {
  test('the policy is served like the others, asking for the A2P end user and a Secondary Customer Profile', async () => {
    const { client } = await start();
    const p = await client.trusthub.v1.policies(POLICY_A2P_MESSAGING).fetch();
    const req = p.requirements as { end_user: Array<{ type: string; fields: string[] }>; supporting_customer_profiles: Array<{ type: string }> };
    assert.deepEqual(req.end_user.map((e) => e.type), ['us_a2p_messaging_profile_information']);
    assert.deepEqual(req.end_user[0]!.fields, ['company_type', 'stock_exchange', 'stock_ticker', 'brand_contact_email']);
    assert.deepEqual(req.supporting_customer_profiles.map((s) => s.type), ['secondary_customer_profile_type_business']);
    assert.ok((await client.trusthub.v1.policies.list()).some((x) => x.sid === POLICY_A2P_MESSAGING));
  });

  test('compliant for a private company and a public one with its stock and contact; the review approves it', async () => {
    const { sb, client } = await start();
    const { profileSid } = await secondaryProfile(sb, client);
    for (const attrs of [PRIVATE, PUBLIC]) {
      const tp = await a2pProduct(client, profileSid, attrs, { submit: false });
      const ev = await client.trusthub.v1.trustProducts(tp).trustProductsEvaluations.create({ policySid: POLICY_A2P_MESSAGING });
      assert.equal(ev.status, 'compliant', JSON.stringify(ev.results));
      await client.trusthub.v1.trustProducts(tp).update({ status: 'pending-review' });
      await sb.idle();
      assert.equal((await client.trusthub.v1.trustProducts(tp).fetch()).status, 'twilio-approved');
    }
  });

  test('noncompliant with reasons: an unknown company type, a public company without stock or contact, a bad email, no profile', async () => {
    const { sb, client } = await start();
    const { profileSid } = await secondaryProfile(sb, client);
    const evaluate = async (profile: string | null, attrs: Record<string, string>) => {
      const tp = await a2pProduct(client, profile, attrs, { submit: false });
      return client.trusthub.v1.trustProducts(tp).trustProductsEvaluations.create({ policySid: POLICY_A2P_MESSAGING });
    };
    type Result = { requirement_name: string; passed: boolean; error_code: number | null; invalid: Array<{ object_field: string; failure_reason: string; error_code: number }> };
    const invalidOf = (ev: { results: unknown[] }) => (ev.results as Result[]).flatMap((r) => r.invalid.map((i) => [i.object_field, i.error_code, i.failure_reason] as const));

    const corp = await evaluate(profileSid, { company_type: 'corporation' });
    assert.equal(corp.status, 'noncompliant');
    assert.deepEqual(invalidOf(corp), [['company_type', 22215, 'The Company Type corporation is not one of the accepted values.']]);

    const bare = await evaluate(profileSid, { company_type: 'public' });
    assert.deepEqual(invalidOf(bare).map(([f, c]) => [f, c]), [['stock_exchange', 22215], ['stock_ticker', 22215], ['brand_contact_email', 22215]]);
    assert.match(invalidOf(bare)[0]![2], /The Stock Exchange is missing/);

    const bad = await evaluate(profileSid, { ...PUBLIC, stock_exchange: 'MOON', brand_contact_email: 'legal at widgets' });
    assert.deepEqual(invalidOf(bad).map(([f]) => f), ['stock_exchange', 'brand_contact_email']);

    const noProfile = await evaluate(null, PRIVATE);
    const missing = (noProfile.results as Result[]).find((r) => r.requirement_name === 'customer_profile');
    assert.equal(missing?.passed, false);
    assert.equal(missing?.error_code, 22216);
  });

  test('a twilio-rejected Secondary Customer Profile makes it noncompliant (22218); a draft or in-review one does not', async () => {
    const { sb, client } = await start();
    const draft = await secondaryProfile(sb, client, { submit: false });
    const tpDraft = await a2pProduct(client, draft.profileSid, PRIVATE, { submit: false });
    assert.equal((await client.trusthub.v1.trustProducts(tpDraft).trustProductsEvaluations.create({ policySid: POLICY_A2P_MESSAGING })).status, 'compliant');

    const rejected = await secondaryProfile(sb, client, { email: 'ops@mailinator.com' });
    await sb.idle();
    assert.equal((await client.trusthub.v1.customerProfiles(rejected.profileSid).fetch()).status, 'twilio-rejected');
    const tp = await a2pProduct(client, rejected.profileSid, PRIVATE, { submit: false });
    const ev = await client.trusthub.v1.trustProducts(tp).trustProductsEvaluations.create({ policySid: POLICY_A2P_MESSAGING });
    assert.equal(ev.status, 'noncompliant');
    const r = (ev.results as Array<{ requirement_name: string; invalid: Array<{ error_code: number; failure_reason: string }> }>).find((x) => x.requirement_name === 'customer_profile');
    assert.deepEqual(r?.invalid.map((i) => [i.error_code, i.failure_reason]), [[22218, 'The Secondary Customer Profile is twilio-rejected.']]);
  });
});

describe('the A2P Messaging profile review', () => {
  test('submitted on a profile the review rejects: the A2P Trust Product is rejected with it, and a brand on them FAILS', async () => {
    // A review slow enough that the brand is created while the profile is still in review.
    const { sb, client } = await start({ reviewDelayMs: 400 });
    const { profileSid } = await secondaryProfile(sb, client, { email: 'ops@mailinator.com' });
    const tp = await a2pProduct(client, profileSid, PRIVATE);
    // Registered while the profile is still in review (the guide: no need to wait for its approval).
    const brand = await client.messaging.v1.brandRegistrations.create({ customerProfileBundleSid: profileSid, a2PProfileBundleSid: tp, brandType: 'STANDARD', mock: true });
    assert.equal(brand.mock, true);
    await sb.idle();
    const product = await client.trusthub.v1.trustProducts(tp).fetch();
    assert.equal(product.status, 'twilio-rejected');
    assert.deepEqual((product.errors as Array<{ failure_reason: string }>).map((e) => e.failure_reason), [`The Secondary Customer Profile ${profileSid} is twilio-rejected.`]);
    const failed = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.failureReason ?? '', /Unable to fetch Customer Profile Bundle details/);
    assert.deepEqual(await vettingsOf(client, brand.sid), []);
  });
});

describe('STANDARD brands', () => {
  test('refused on the wrong bundles: a Starter profile, a Sole Proprietor trust bundle, a rejected profile; an unknown BrandType', async () => {
    const { sb, client } = await start();
    const th = client.trusthub.v1;
    const { profileSid } = await secondaryProfile(sb, client);
    const tp = await a2pProduct(client, profileSid, PRIVATE);
    const starter = (await th.customerProfiles.create({ friendlyName: 's', email: 's@example.com', policySid: POLICY_STARTER })).sid;
    const spBundle = (await th.trustProducts.create({ friendlyName: 'sp', email: 's@example.com', policySid: POLICY_SOLE_PROPRIETOR })).sid;
    const brands = client.messaging.v1.brandRegistrations;

    const e1 = await restError(brands.create({ customerProfileBundleSid: starter, a2PProfileBundleSid: tp, brandType: 'STANDARD' }));
    assert.equal(e1.status, 400);
    assert.match(e1.message, /Invalid parameter CustomerProfileBundleSid: .* is not a Secondary Customer Profile of type Business/);
    const e2 = await restError(brands.create({ customerProfileBundleSid: profileSid, a2PProfileBundleSid: spBundle, brandType: 'STANDARD' }));
    assert.match(e2.message, /Invalid parameter A2PProfileBundleSid: .* is not an A2P Messaging profile Trust Product/);
    const e3 = await restError(brands.create({ customerProfileBundleSid: profileSid, a2PProfileBundleSid: tp, brandType: 'CORPORATE' }));
    assert.match(e3.message, /Invalid parameter BrandType: must be one of STANDARD, SOLE_PROPRIETOR/);
    // The ISV's own primary profile is not a secondary one.
    const e4 = await restError(brands.create({ customerProfileBundleSid: sb.isvPrimaryProfileSid, a2PProfileBundleSid: tp, brandType: 'STANDARD' }));
    assert.match(e4.message, /is not a Secondary Customer Profile/);

    const rejected = await secondaryProfile(sb, client, { email: 'ops@mailinator.com' });
    await sb.idle();
    const e5 = await restError(brands.create({ customerProfileBundleSid: rejected.profileSid, a2PProfileBundleSid: tp, brandType: 'STANDARD' }));
    assert.match(e5.message, /is twilio-rejected/);
    assert.equal(sb.counts().brands, 0);
  });

  test('Standard: PENDING, identity VERIFIED, secondary vetting (aegis) → VETTED_VERIFIED with a score, then APPROVED', async () => {
    const { sb, client } = await start();
    const { brand } = await standardBrand(sb, client);
    assert.equal(brand.status, 'PENDING');
    assert.equal(brand.brandType, 'STANDARD');
    assert.equal(brand.skipAutomaticSecVet, false);
    const vetting = await poll('the secondary vetting to start', () => vettingsOf(client, brand.sid), (v) => v.length === 1);
    assert.deepEqual([vetting[0]!.vettingClass, vetting[0]!.vettingProvider], ['STANDARD', 'aegis']);
    await sb.idle();
    const done = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.equal(done.status, 'APPROVED');
    assert.equal(done.identityStatus, 'VETTED_VERIFIED');
    assert.equal(typeof done.brandScore, 'number');
    assert.match(done.tcrId ?? '', /^B[A-Z0-9]{6}$/);
    const [v] = await vettingsOf(client, brand.sid);
    assert.equal(v!.vettingStatus, 'SUCCESS');
    assert.match(v!.brandVettingSid, /^VT[0-9a-f]{32}$/);
    const fetched = await client.messaging.v1.brandRegistrations(brand.sid).brandVettings(v!.brandVettingSid).fetch();
    assert.equal(fetched.vettingStatus, 'SUCCESS');
    assert.equal(fetched.url, `https://messaging.twilio.com/v1/a2p/BrandRegistrations/${brand.sid}/Vettings/${v!.brandVettingSid}`);
    assert.deepEqual(await client.messaging.v1.brandRegistrations(brand.sid).brandVettings.list({ vettingProvider: 'campaign-verify' }), []);
    assert.equal((await client.messaging.v1.brandRegistrations(brand.sid).brandVettings.list({ vettingProvider: 'aegis' })).length, 1);
  });

  test('Low-Volume Standard (SkipAutomaticSecVet): identity VERIFIED, no vetting, no score, APPROVED', async () => {
    const { sb, client } = await start();
    const { brand } = await standardBrand(sb, client, { skip: true });
    assert.equal(brand.skipAutomaticSecVet, true);
    await sb.idle();
    const done = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.deepEqual([done.status, done.identityStatus, done.brandScore, done.skipAutomaticSecVet, done.brandType], ['APPROVED', 'VERIFIED', null, true, 'STANDARD']);
    assert.deepEqual(await vettingsOf(client, brand.sid), []);
  });

  test('a legal name and tax ID that do not match ("mismatch" marker): FAILED with 30795 and brand_feedback TAX_ID; fixed and resubmitted, APPROVED', async () => {
    const { sb, client } = await start();
    const { brand, profileSid } = await standardBrand(sb, client, { legalName: 'Mismatch Widgets LLC', skip: true });
    await sb.idle();
    const failed = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.equal(failed.status, 'FAILED');
    assert.deepEqual(failed.brandFeedback, ['TAX_ID']);
    assert.equal((failed.errors[0] as Record<string, unknown>)['code'], 30795);
    // The customer corrects the legal name on the profile's business information; the brand is resubmitted (202).
    const info = (await client.trusthub.v1.endUsers.list()).find((e) => e.type === 'customer_profile_business_information' && e.attributes['business_name'] === 'Mismatch Widgets LLC');
    assert.ok(info);
    await client.trusthub.v1.endUsers(info.sid).update({ attributes: { ...info.attributes, business_name: 'Example Widgets LLC' } });
    const again = await client.messaging.v1.brandRegistrations(brand.sid).update();
    assert.equal(again.status, 'PENDING');
    await sb.idle();
    const ok = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.deepEqual([ok.status, ok.brandFeedback, ok.errors], ['APPROVED', null, []]);
    assert.ok(profileSid);
  });

  test('manual review ("manualreview" marker, or a scripted IN_REVIEW): IN_REVIEW for the review delay, then verified and APPROVED', async () => {
    const { sb, client } = await start();
    const marked = await standardBrand(sb, client, { legalName: 'Manualreview Holdings Inc', skip: true });
    await poll('IN_REVIEW', () => client.messaging.v1.brandRegistrations(marked.brand.sid).fetch(), (b) => b.status === 'IN_REVIEW');
    const repPhone = '+14155559901';
    assert.equal((await admin(sb, 'brand-outcomes', { mobile: repPhone, status: 'IN_REVIEW' })).status, 200);
    const scripted = await standardBrand(sb, client, { repPhone, skip: true });
    await poll('scripted IN_REVIEW', () => client.messaging.v1.brandRegistrations(scripted.brand.sid).fetch(), (b) => b.status === 'IN_REVIEW');
    await sb.idle();
    for (const sid of [marked.brand.sid, scripted.brand.sid]) {
      const b = await client.messaging.v1.brandRegistrations(sid).fetch();
      assert.deepEqual([b.status, b.identityStatus], ['APPROVED', 'VERIFIED']);
    }
  });

  test('scripted outcomes (brand-outcomes by authorized representative #1\'s phone) end STANDARD brands too', async () => {
    const { sb, client } = await start();
    const repPhone = '+14155559902';
    await admin(sb, 'brand-outcomes', { mobile: repPhone, status: 'FAILED', errors: [{ code: 30794, description: 'General error' }] });
    const { brand } = await standardBrand(sb, client, { repPhone });
    await sb.idle();
    const b = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.equal(b.status, 'FAILED');
    assert.deepEqual(b.errors, [{ code: 30794, description: 'General error' }]);
  });
});

describe('Authentication+ (public companies; the sandbox\'s model)', () => {
  test('confirmed: an AUTHPLUS vetting (campaign-verify) after the secondary vetting, SUCCESS, brand APPROVED', async () => {
    const { sb, client } = await start();
    const { brand } = await standardBrand(sb, client, { a2p: PUBLIC });
    await sb.idle();
    const b = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.deepEqual([b.status, b.identityStatus], ['APPROVED', 'VETTED_VERIFIED']);
    const v = await vettingsOf(client, brand.sid);
    assert.deepEqual(v.map((x) => [x.vettingClass, x.vettingProvider, x.vettingStatus]), [['STANDARD', 'aegis', 'SUCCESS'], ['AUTHPLUS', 'campaign-verify', 'SUCCESS']]);
  });

  test('never confirmed: FAILED 21737; /2fa → PENDING with a fresh vetting; confirmed → APPROVED; refused when not needed', async () => {
    const { sb, client } = await start({ authPlusConfirmDelayMs: -1, authPlusExpiryMs: 800 });
    const { brand } = await standardBrand(sb, client, { a2p: PUBLIC, skip: true });
    const pending = await poll('the Auth+ email', () => vettingsOf(client, brand.sid), (v) => v.some((x) => x.vettingClass === 'AUTHPLUS'));
    assert.equal(pending[0]!.vettingStatus, 'PENDING');
    const waiting = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.deepEqual([waiting.status, waiting.identityStatus], ['PENDING', 'VERIFIED']);
    await sb.idle();
    const failed = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.equal(failed.status, 'FAILED');
    assert.equal((failed.errors[0] as Record<string, unknown>)['code'], 21737);
    assert.equal((await vettingsOf(client, brand.sid))[0]!.vettingStatus, 'FAILED');

    const resent = await resend2fa(client, brand.sid);
    assert.equal(resent.statusCode, 201);
    assert.deepEqual(resent.body, { account_sid: sb.options.accountSid, brand_sid: brand.sid });
    const back = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.deepEqual([back.status, back.errors], ['PENDING', []]);
    const after2fa = await vettingsOf(client, brand.sid);
    assert.deepEqual(after2fa.map((x) => x.vettingStatus), ['FAILED', 'PENDING']);
    // While the new email is pending, another re-send is allowed (Twilio charges each).
    assert.equal((await resend2fa(client, brand.sid)).statusCode, 201);
    const confirmed = await admin(sb, `brands/${brand.sid}/auth-plus`, { outcome: 'confirm' });
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body['status'], 'APPROVED');
    assert.deepEqual((await vettingsOf(client, brand.sid)).map((x) => x.vettingStatus), ['FAILED', 'PENDING', 'SUCCESS']);
    await sb.idle();
    assert.equal((await client.messaging.v1.brandRegistrations(brand.sid).fetch()).status, 'APPROVED');

    // twilio-node's generic request returns error answers instead of throwing them.
    const done = await resend2fa(client, brand.sid);
    assert.deepEqual([done.statusCode, done.body['code']], [400, 20001]);
    assert.match(String(done.body['message']), /already completed Authentication\+/);
    const priv = await standardBrand(sb, client, { skip: true });
    await sb.idle();
    const notPublic = await resend2fa(client, priv.brand.sid);
    assert.equal(notPublic.statusCode, 400);
    assert.match(String(notPublic.body['message']), /not a STANDARD brand of a public company/);
    assert.equal((await admin(sb, `brands/${priv.brand.sid}/auth-plus`, { outcome: 'confirm' })).status, 409);
  });

  test('a brand contact whose local part says "noconfirm" never confirms, even with confirmations on; expire now via the admin hook', async () => {
    const { sb, client } = await start({ authPlusExpiryMs: 60_000 });
    const { brand } = await standardBrand(sb, client, { a2p: { ...PUBLIC, brand_contact_email: 'noconfirm.legal@widgets.example.com' }, skip: true });
    await poll('the Auth+ email', () => vettingsOf(client, brand.sid), (v) => v.length === 1);
    assert.equal((await admin(sb, `brands/${brand.sid}/auth-plus`, { outcome: 'expire' })).status, 200);
    await sb.idle(); // the 60 s expiry clock was stopped by the hook: idle does not wait for it
    const b = await client.messaging.v1.brandRegistrations(brand.sid).fetch();
    assert.equal(b.status, 'FAILED');
    assert.equal((b.errors[0] as Record<string, unknown>)['code'], 21737);
  });
});

describe('Usecases and Standard campaigns', () => {
  test('Usecases: the spec\'s list without a brand; SOLE_PROPRIETOR for a Sole Proprietor brand; a STANDARD brand without the special ones; none for a FAILED one', async () => {
    const { sb, client } = await start();
    const mg = (await client.messaging.v1.services.create({ friendlyName: 'usecases' })).sid;
    const usecases = client.messaging.v1.services(mg).usAppToPersonUsecases;
    const codes = async (brandRegistrationSid?: string) =>
      ((await usecases.fetch(brandRegistrationSid ? { brandRegistrationSid } : {})).usAppToPersonUsecases as Array<{ code: string }>).map((u) => u.code);
    assert.deepEqual(await codes(), SPEC_USECASES.map((u) => u.code));

    const th = client.trusthub.v1;
    const spCp = (await th.customerProfiles.create({ friendlyName: 's', email: 's@example.com', policySid: POLICY_STARTER })).sid;
    const spTp = (await th.trustProducts.create({ friendlyName: 'sp', email: 's@example.com', policySid: POLICY_SOLE_PROPRIETOR })).sid;
    const sp = await client.messaging.v1.brandRegistrations.create({ customerProfileBundleSid: spCp, a2PProfileBundleSid: spTp, brandType: 'SOLE_PROPRIETOR' });
    assert.deepEqual(await codes(sp.sid), ['SOLE_PROPRIETOR']);

    const standard = await standardBrand(sb, client);
    const lvs = await standardBrand(sb, client, { skip: true });
    await sb.idle();
    const expected = SPEC_USECASES.map((u) => u.code).filter((c) => !['POLITICAL', 'EMERGENCY', 'CHARITY', 'SWEEPSTAKE', 'PROXY', 'AGENTS_FRANCHISES', 'K12_EDUCATION'].includes(c));
    assert.deepEqual(await codes(standard.brand.sid), expected);
    assert.deepEqual(await codes(lvs.brand.sid), expected);
    assert.ok(expected.includes('LOW_VOLUME') && expected.includes('MIXED'));
    // The Sole Proprietor brand's bundles were never submitted: it FAILED, and has no use case now.
    assert.equal((await client.messaging.v1.brandRegistrations(sp.sid).fetch()).status, 'FAILED');
    assert.deepEqual(await codes(sp.sid), []);
  });

  test('campaigns: refused before APPROVED, for a use case not offered (30900), without PrivacyPolicyUrl (30933) or TermsAndConditionsUrl (30934); accepted, vetted, up to five per brand', async () => {
    const { sb, client } = await start();
    const { brand } = await standardBrand(sb, client, { skip: true });
    const service = async (name: string) => (await client.messaging.v1.services.create({ friendlyName: name })).sid;
    const create = (mg: string, over: Partial<CampaignOptions> = {}) => client.messaging.v1.services(mg).usAppToPerson.create({ ...CAMPAIGN, brandRegistrationSid: brand.sid, ...over });

    const early = await restError(create(await service('early')));
    assert.equal(early.status, 400);
    assert.match(early.message, /is PENDING; a campaign can only be created for an APPROVED brand/);
    await sb.idle();

    const political = await restError(create(await service('political'), { usAppToPersonUsecase: 'POLITICAL' }));
    assert.deepEqual([political.status, political.code], [400, 30900]);
    assert.match(political.message, /POLITICAL is ineligible/);
    const noPolicy = await restError(create(await service('no policy'), { privacyPolicyUrl: undefined }));
    assert.deepEqual([noPolicy.status, noPolicy.code], [400, 30933]);
    const noTerms = await restError(create(await service('no terms'), { termsAndConditionsUrl: undefined }));
    assert.deepEqual([noTerms.status, noTerms.code], [400, 30934]);

    const mg = await service('standard 1');
    const c = await create(mg);
    assert.equal(c.campaignStatus, 'IN_PROGRESS');
    assert.equal(c.privacyPolicyUrl, CAMPAIGN.privacyPolicyUrl);
    assert.equal(c.termsAndConditionsUrl, CAMPAIGN.termsAndConditionsUrl);
    // A Standard service may hold several numbers (the one-number rule is the Sole Proprietor's).
    const numbers = await client.incomingPhoneNumbers.list();
    for (const n of numbers.slice(0, 2)) await client.messaging.v1.services(mg).phoneNumbers.create({ phoneNumberSid: n.sid });
    assert.equal((await client.messaging.v1.services(mg).phoneNumbers.list()).length, 2);
    await sb.idle();
    assert.equal((await client.messaging.v1.services(mg).usAppToPerson(c.sid).fetch()).campaignStatus, 'VERIFIED');

    for (let i = 2; i <= 5; i++) await create(await service(`standard ${i}`), { usAppToPersonUsecase: i % 2 ? 'MARKETING' : 'LOW_VOLUME' });
    const sixth = await restError(create(await service('standard 6')));
    assert.equal(sixth.status, 400);
    assert.match(sixth.message, /already has 5 campaigns; a STANDARD brand can have up to 5/);
    // A Messaging Service still holds one campaign.
    assert.match((await restError(create(mg))).message, /already has 5 campaigns|already has a US A2P campaign/);
  });

  test('a public brand whose Authentication+ is pending: campaign refused with 30994', async () => {
    const { sb, client } = await start({ authPlusConfirmDelayMs: -1, authPlusExpiryMs: 60_000 });
    const { brand } = await standardBrand(sb, client, { a2p: PUBLIC, skip: true });
    await poll('the Auth+ email', () => vettingsOf(client, brand.sid), (v) => v.length === 1);
    const mg = (await client.messaging.v1.services.create({ friendlyName: 'authplus' })).sid;
    const e = await restError(client.messaging.v1.services(mg).usAppToPerson.create({ ...CAMPAIGN, brandRegistrationSid: brand.sid }));
    assert.deepEqual([e.status, e.code], [400, 30994]);
    assert.match(e.message, /has not completed Authentication\+/);
    await admin(sb, `brands/${brand.sid}/auth-plus`, { outcome: 'confirm' });
    await sb.idle();
    assert.equal((await client.messaging.v1.services(mg).usAppToPerson.create({ ...CAMPAIGN, brandRegistrationSid: brand.sid })).campaignStatus, 'IN_PROGRESS');
  });
});
