import assert from 'node:assert/strict';
import { after, describe, it, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateAnyRow, PII_COLUMNS, type AnyRowResult } from '../src/customers/index.js';
import { ingestFile } from '../src/producers/ingest.js';
import { redriveCustomer } from '../src/producers/redrive.js';
import { POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR, POLICY_STARTER } from '@a2p-onboard/twilio-sandbox';
import { createTwilioClient } from '../src/twilio/client.js';
import { missingRequirements, policyRequirementsSchema } from '../src/twilio/policy.js';
import { startDashboard } from '../src/server/dashboard.js';
import { STATUS_WEBHOOK_PATH } from '../src/server/webhook.js';
import { webhookOptions } from '../src/workers/runtime.js';
import { PolicyCache, policyCache } from '../src/jobs/policies.js';
import { TransientError } from '../src/twilio/errors.js';
import type { TwilioGateway } from '../src/twilio/gateway.js';
import { createLogger } from '../src/log.js';
import { Writable } from 'node:stream';
import { startStack, stopTestRedis, templateFile, tmpFile, waitFor, waitForState, type Stack } from './helpers.js';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN } from '../fixtures/customers.js';
import { assertFollowsRegistry } from './stage-path.js';

/**
 * The business flow: Secondary Business Profile and SHAKEN/STIR Trust Product, against a real Redis,
 * the real SDK and the sandbox; the business columns' rules; requirements read from the policies.
 */

after(stopTestRedis);

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));

const BIZ_HEADER = [
  'customer_id', 'flow', 'email', 'business_name', 'business_identity', 'business_type', 'business_industry', 'business_registration_identifier',
  'business_registration_number', 'business_regions_of_operation', 'website_url', 'social_media_profile_urls',
  'rep1_first_name', 'rep1_last_name', 'rep1_email', 'rep1_phone_number', 'rep1_business_title', 'rep1_job_position',
  'rep2_first_name', 'rep2_last_name', 'rep2_email', 'rep2_phone_number', 'rep2_business_title', 'rep2_job_position',
  'street', 'street_secondary', 'city', 'region', 'postal_code', 'iso_country', 'tax_id', 'phone_numbers', 'shaken_stir',
  'brand_type', 'company_type', 'usecase', 'privacy_policy_url', 'terms_and_conditions_url', 'sender_number',
  'campaign_description', 'message_flow', 'message_sample_1', 'message_sample_2', 'has_embedded_links', 'has_embedded_phone',
];

/** What a row needs on top of bizRecord to ask for a private Standard brand. */
const STANDARD_BRAND: Record<string, string> = {
  brand_type: 'standard', company_type: 'private', usecase: 'CUSTOMER_CARE',
  privacy_policy_url: 'https://www.harbor.example.com/privacy', terms_and_conditions_url: 'https://www.harbor.example.com/terms',
  campaign_description: 'Harbor texts its own customers order updates and answers their questions about their orders.',
  message_flow: 'Customers opt in at checkout with an unchecked box; the terms and privacy policy are linked there.',
  message_sample_1: 'Harbor: your order [number] has shipped. Reply STOP to opt out.',
  message_sample_2: 'Harbor: your order [number] was delivered. Reply HELP for help.',
  has_embedded_links: 'false', has_embedded_phone: 'false',
};

function bizRecord(id: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    customer_id: id,
    flow: 'business',
    email: `office@${id}.example.com`,
    business_name: `Harbor ${id} LLC`,
    business_identity: 'direct_customer',
    business_type: 'Limited Liability Corporation',
    business_industry: 'RETAIL',
    business_registration_identifier: 'EIN',
    business_registration_number: '12-3456789',
    business_regions_of_operation: 'USA_AND_CANADA',
    website_url: 'https://www.harbor.example.com',
    social_media_profile_urls: '',
    rep1_first_name: 'Ada',
    rep1_last_name: 'Lovelace',
    rep1_email: 'ada@harbor.example.com',
    rep1_phone_number: '(415) 555-0190',
    rep1_business_title: 'Owner',
    rep1_job_position: 'CEO',
    street: '1200 Valencia St',
    city: 'San Francisco',
    region: 'CA',
    postal_code: '94110',
    iso_country: 'US',
    phone_numbers: '+14155550170',
    shaken_stir: 'true',
    ...over,
  };
}

function bizCsv(...records: Record<string, string>[]): string {
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [BIZ_HEADER.join(','), ...records.map((r) => BIZ_HEADER.map((h) => q(r[h] ?? '')).join(','))].join('\n') + '\n';
}

async function ingest(stack: Stack, ...records: Record<string, string>[]) {
  return ingestFile(stack.rt, tmpFile('businesses.csv', bizCsv(...records)), { batchId: `b${Date.now()}` });
}

function clientOf(stack: Stack) {
  const o = stack.sandbox.options;
  return createTwilioClient({ accountSid: o.accountSid, authToken: o.authToken, apiBase: stack.sandbox.url });
}

async function admin(stack: Stack, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${stack.sandbox.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}

/** Evaluations the sandbox answered for one bundle. */
function evaluationsOf(stack: Stack, bundleSid: string | undefined): number {
  return stack.sandbox.requestLog().filter((e) => e.operation?.endsWith('.evaluation.create') && bundleSid && e.path.includes(bundleSid)).length;
}

describe('business rows', () => {
  const ok = (r: AnyRowResult) => {
    if (!r.ok) assert.fail(JSON.stringify(r.problems));
    return r.customer;
  };

  test('a good row normalises to the documented values', () => {
    const c = ok(validateAnyRow(bizRecord('n1', { business_type: 'llc', business_industry: 'food and beverage', website_url: 'harbor.example.com', business_regions_of_operation: 'USA and Canada; europe', rep1_job_position: 'vice president', phone_numbers: '(415) 555-0170; +1 415 555 0171' }), 2));
    assert.ok('flow' in c && c.flow === 'business');
    assert.equal(c.business.type, 'Limited Liability Corporation');
    assert.equal(c.business.industry, 'FOOD_AND_BEVERAGE');
    assert.equal(c.business.websiteUrl, 'https://harbor.example.com/');
    assert.equal(c.business.regionsOfOperation, 'USA_AND_CANADA,EUROPE');
    assert.equal(c.business.registrationNumber, '123456789');
    assert.equal(c.representatives[0]?.jobPosition, 'VP');
    assert.deepEqual(c.phoneNumbers, ['+14155550170', '+14155550171']);
    assert.equal(c.shakenStir, true);
    assert.equal(c.representatives.length, 1);
  });

  test('tax_id stands in for an empty business_registration_number', () => {
    const c = ok(validateAnyRow(bizRecord('n2', { business_registration_number: '', tax_id: '98-7654321' }), 2));
    assert.ok('business' in c && c.business.registrationNumber === '987654321');
  });

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['business_type', { business_type: 'Pizza Shop' }, 'business_type', /is not a business type; use one of Sole Proprietorship, Partnership/],
    ['business_identity', { business_identity: 'reseller' }, 'business_identity', /is not one of direct_customer, isv_reseller_or_partner, unknown/],
    ['business_industry', { business_industry: 'PIZZA' }, 'business_industry', /is not a business industry/],
    ['regions', { business_regions_of_operation: 'USA_AND_CANADA;MARS' }, 'business_regions_of_operation', /"MARS" is not a region of operation/],
    ['identifier', { business_registration_identifier: 'SSN' }, 'business_registration_identifier', /use EIN or DUNS/],
    ['number', { business_registration_number: '12-34567' }, 'business_registration_number', /has 7 digits; an EIN has 9/],
    ['website', { website_url: 'not a url' }, 'website_url', /is not a website URL/],
    ['rep email', { rep1_email: 'ada@' }, 'rep1_email', /domain/],
    ['rep phone', { rep1_phone_number: '555-01' }, 'rep1_phone_number', /digits/],
    ['job position', { rep1_job_position: 'Boss' }, 'rep1_job_position', /is not a job position; use one of Director, GM, VP, CEO, CFO, General Counsel, Other/],
    ['half a rep2', { rep2_first_name: 'Bob' }, 'rep2_last_name', /authorized representative #2: give all six rep2_ columns, or none/],
    ['phone numbers', { phone_numbers: '+14155550170;12' }, 'phone_numbers', /^number 2 /],
    ['shaken_stir without numbers', { phone_numbers: '' }, 'phone_numbers', /is required with shaken_stir/],
    ['missing business name', { business_name: '' }, 'business_name', /is required in the business flow/],
    ['flow', { flow: 'enterprise' }, 'flow', /is not a flow; use sole-proprietor/],
  ];
  for (const [name, over, column, reason] of bad) {
    test(`rejected: ${name}, naming ${column}`, () => {
      const record = bizRecord('bad1', over);
      const r = validateAnyRow(record, 7);
      assert.equal(r.ok, false);
      if (r.ok) return;
      const p = r.problems.find((x) => x.column === column);
      assert.ok(p, `a problem names ${column}: ${JSON.stringify(r.problems)}`);
      assert.match(p.reason, reason);
      assert.equal(r.customerId, 'bad1');
      for (const x of r.problems) for (const c of PII_COLUMNS) if ((record[c] ?? '').length > 3) assert.ok(!x.reason.includes(record[c]!), `${x.column} echoes ${c}`);
    });
  }

  test('a Sole Proprietor row with a tax_id is told to use the business flow', () => {
    const r = validateAnyRow({ ...bizRecord('sp1'), flow: '', tax_id: '12-3456789' }, 3);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.problems.some((p) => p.column === 'tax_id' && /set the flow column to "business"/.test(p.reason)));
  });
});

describe('policy requirements, checked locally', () => {
  const policy = policyRequirementsSchema.parse({
    end_user: [
      { type: 'customer_profile_business_information', fields: ['business_name', 'website_url', 'social_media_profile_urls'], requirement_name: 'customer_profile_business_information' },
      { type: 'authorized_representative_1', fields: ['first_name'], name: 'Authorized Representative #1', requirement_name: 'authorized_representative_1' },
      { type: 'authorized_representative_2', fields: ['first_name'], requirement_name: 'authorized_representative_2' },
    ],
    supporting_document: [[{ requirement_name: 'customer_profile_address', accepted_documents: [{ type: 'customer_profile_address', fields: ['address_sids'] }] }]],
    supporting_customer_profiles: [
      { type: 'starter_customer_profile_type_business', requirement_name: 'customer_profile' },
      { type: 'starter_customer_profile_type_direct_long_tail', requirement_name: 'customer_profile' },
    ],
  });

  test('every requirement met (optional field and rep #2 absent): nothing missing', () => {
    const missing = missingRequirements(policy, {
      endUsers: [{ type: 'customer_profile_business_information', attributes: { business_name: 'X', website_url: 'https://x.example.com', social_media_profile_urls: '' } }, { type: 'authorized_representative_1', attributes: { first_name: 'A' } }],
      documents: [{ type: 'customer_profile_address', attributes: { address_sids: 'AD1' } }],
      customerProfiles: ['starter_customer_profile_type_direct_long_tail'],
    });
    assert.deepEqual(missing, []);
  });

  test('a missing end user, field, document and supporting profile are named by requirement', () => {
    const missing = missingRequirements(policy, {
      endUsers: [{ type: 'customer_profile_business_information', attributes: { business_name: 'X' } }],
      documents: [{ type: 'customer_profile_address', attributes: {} }],
      customerProfiles: ['primary_customer_profile_type_business'],
    });
    assert.deepEqual(missing.map((m) => m.requirement), ['customer_profile_business_information', 'authorized_representative_1', 'customer_profile_address', 'customer_profile']);
    assert.match(missing[0]!.detail, /field website_url missing/);
    assert.match(missing[1]!.detail, /authorized_representative_1 \(Authorized Representative #1\): no end user/);
    assert.match(missing[2]!.detail, /address_sids missing/);
  });
});

describe('business pipeline against the sandbox', () => {
  it('a business completes both bundles (live), another its profile only; idempotent and watched to approval', async () => {
    const stack = await startStack();
    try {
      const report = await ingest(
        stack,
        bizRecord('acme', { phone_numbers: '+14155550170;+14155550171', rep2_first_name: 'Bo', rep2_last_name: 'Li', rep2_email: 'bo@harbor.example.com', rep2_phone_number: '4155550191', rep2_business_title: 'Manager', rep2_job_position: 'GM' }),
        bizRecord('solo', { shaken_stir: 'no', phone_numbers: '+13125550173' }),
      );
      assert.equal(report.accepted, 2, JSON.stringify(report.rejected));
      const acme = await waitForState(stack.rt.ledger, 'acme', ['live', 'failed'], 30_000);
      assert.equal(acme.state, 'live', acme.reason ?? '');
      assert.equal(acme.flow, 'business');
      const solo = await waitForState(stack.rt.ledger, 'solo', ['live', 'failed'], 30_000);
      assert.equal(solo.state, 'live', solo.reason ?? '');
      assert.equal(solo.sids.trustProduct, undefined, 'no SHAKEN/STIR product without shaken_stir');

      const client = clientOf(stack);
      const th = client.trusthub.v1;
      const profile = await th.customerProfiles(acme.sids.customerProfile!).fetch();
      assert.equal(profile.status, 'twilio-approved');
      assert.equal(profile.policySid, POLICY_SECONDARY_BUSINESS);
      assert.equal(profile.friendlyName, 'a2p-onboard acme Secondary Customer Profile');
      const assigned = (await th.customerProfiles(profile.sid).customerProfilesEntityAssignments.list()).map((a) => a.objectSid);
      for (const sid of [stack.rt.settings.isvPrimaryProfileSid, acme.sids.addressDocument, acme.sids.businessInfoEndUser, acme.sids.rep1EndUser, acme.sids.rep2EndUser]) assert.ok(assigned.includes(sid!), `${sid} assigned`);
      assert.equal(assigned.length, 5, 'nothing assigned twice');
      const types = await Promise.all([acme.sids.businessInfoEndUser, acme.sids.rep1EndUser, acme.sids.rep2EndUser].map(async (s) => (await th.endUsers(s!).fetch()).type));
      assert.deepEqual(types, ['customer_profile_business_information', 'authorized_representative_1', 'authorized_representative_2']);
      const numbers = await client.api.v2010.accounts(stack.sandbox.options.accountSid).incomingPhoneNumbers.list();
      const pn = (e164: string) => numbers.find((n) => n.phoneNumber === e164)!.sid;
      const onProfile = (await th.customerProfiles(profile.sid).customerProfilesChannelEndpointAssignment.list()).map((a) => a.channelEndpointSid);
      assert.deepEqual(onProfile.sort(), [pn('+14155550170'), pn('+14155550171')].sort());

      const product = await th.trustProducts(acme.sids.trustProduct!).fetch();
      assert.equal(product.status, 'twilio-approved');
      assert.equal(product.policySid, POLICY_SHAKEN_STIR);
      assert.deepEqual((await th.trustProducts(product.sid).trustProductsEntityAssignments.list()).map((a) => a.objectSid), [profile.sid]);
      assert.deepEqual((await th.trustProducts(product.sid).trustProductsChannelEndpointAssignment.list()).map((a) => a.channelEndpointSid).sort(), onProfile.sort());
      // Each bundle evaluated once, submitted once.
      assert.equal(evaluationsOf(stack, profile.sid), 1);
      assert.equal(evaluationsOf(stack, product.sid), 1);
      const history = (await stack.rt.ledger.history('acme')).map((h) => `${h.stage}:${h.state}`);
      assert.ok(history.includes('shaken-stir:completed') && history.includes('shaken-stir:live'), history.join(' '));
      for (const id of ['acme', 'solo']) assertFollowsRegistry(id, await stack.rt.ledger.history(id));

      // Re-ingesting the same file creates nothing new.
      const before = stack.sandbox.counts();
      await ingest(stack, bizRecord('acme'), bizRecord('solo', { shaken_stir: 'no', phone_numbers: '+13125550173' }));
      assert.deepEqual(stack.sandbox.counts(), before);
    } finally {
      await stack.close();
    }
  });

  it('creates nothing twice when every create\'s answer is lost once (a crash between Twilio\'s answer and the ledger write)', async () => {
    const lost = new Set<string>();
    const names = ['createBundle', 'createEndUser', 'createAddress', 'createSupportingDocument', 'assign', 'assignChannelEndpoint'];
    const loseFirstAnswer = (g: TwilioGateway): TwilioGateway =>
      new Proxy(g, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function' || !names.includes(String(prop))) return value;
          return async (...args: unknown[]) => {
            const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            const key = `${String(prop)}:${JSON.stringify(args)}`;
            if (!lost.has(key)) {
              lost.add(key);
              throw new TransientError(`${String(prop)}: connection reset after Twilio created it`, true);
            }
            return result;
          };
        },
      });
    // Every lost answer costs the job an attempt: this stage has 13 creates, so allow for them.
    const stack = await startStack({ wrapGateway: loseFirstAnswer, env: { JOB_ATTEMPTS: '30' } });
    try {
      await ingest(stack, bizRecord('lossy', { phone_numbers: '+14155550170;+14155550171', rep2_first_name: 'Bo', rep2_last_name: 'Li', rep2_email: 'bo@harbor.example.com', rep2_phone_number: '4155550191', rep2_business_title: 'Manager', rep2_job_position: 'GM' }));
      const rec = await waitForState(stack.rt.ledger, 'lossy', ['live', 'failed'], 60_000);
      assert.equal(rec.state, 'live', rec.reason ?? '');
      assert.ok(lost.size >= 12, `answers lost: ${lost.size}`);
      const th = clientOf(stack).trusthub.v1;
      assert.deepEqual(stack.sandbox.counts().customerProfiles, 2, 'the ISV primary and one secondary profile');
      assert.equal(stack.sandbox.counts().trustProducts, 1);
      assert.equal((await th.endUsers.list()).filter((e) => (e.friendlyName ?? '').includes(' lossy ')).length, 3);
      assert.equal((await th.supportingDocuments.list()).length, 1);
      assert.equal((await th.customerProfiles(rec.sids.customerProfile!).customerProfilesEntityAssignments.list()).length, 5);
      assert.equal((await th.customerProfiles(rec.sids.customerProfile!).customerProfilesChannelEndpointAssignment.list()).length, 2);
      assert.equal((await th.trustProducts(rec.sids.trustProduct!).trustProductsEntityAssignments.list()).length, 1);
      assert.equal((await th.trustProducts(rec.sids.trustProduct!).trustProductsChannelEndpointAssignment.list()).length, 2);
    } finally {
      await stack.close();
    }
  });

  it('a number the account does not own fails the customer with the reason and what to do; buying it and a redrive finish it', async () => {
    const stack = await startStack();
    try {
      await ingest(stack, bizRecord('nonum', { phone_numbers: '+14155550170;+16175550199' }));
      const rec = await waitForState(stack.rt.ledger, 'nonum', ['live', 'failed'], 30_000);
      assert.equal(rec.state, 'failed');
      assert.equal(rec.stage, 'business-profile');
      assert.match(rec.reason ?? '', /phone_numbers: number 2 \(\+1\*+99\) is not a phone number of this Twilio account/);
      assert.ok(!(rec.reason ?? '').includes('6175550199'), 'the number is masked');
      assert.match(rec.action ?? '', /buy or port it into the account/);
      assert.equal(evaluationsOf(stack, rec.sids.customerProfile), 0);

      assert.equal((await admin(stack, 'POST', '/_sandbox/phone-numbers', { phoneNumber: '+16175550199' })).status, 200);
      const r = await redriveCustomer(stack.rt, 'nonum');
      assert.ok(r.ok);
      const done = await waitForState(stack.rt.ledger, 'nonum', ['live', 'failed'], 30_000);
      assert.equal(done.state, 'live', done.reason ?? '');
      assert.equal(stack.sandbox.counts().customerProfiles, 2, 'the ISV primary and one secondary profile: nothing created twice');
    } finally {
      await stack.close();
    }
  });

  it('a requirement the pipeline does not fill is logged once and left to Twilio\'s evaluation, which decides', async () => {
    const lines: string[] = [];
    const log = createLogger('warn', new Writable({ write: (c: Buffer, _e, cb) => { lines.push(c.toString()); cb(); } }));
    // Every check reads the policy afresh (the worker primed its copy at start, before the change below).
    const stack = await startStack({ log, env: { POLICY_REFRESH_MS: '0' } });
    try {
      // Twilio's SHAKEN/STIR policy now also wants an end user a2p-onboard does not create.
      const current = (await admin(stack, 'GET', `/_sandbox/policies/${POLICY_SHAKEN_STIR}`)).body as { requirements: Record<string, unknown> };
      const requirements = { ...current.requirements, end_user: [{ type: 'shaken_stir_information', fields: ['caller_name'], name: 'SHAKEN/STIR Information', requirement_name: 'shaken_stir_information' }] };
      assert.equal((await admin(stack, 'POST', `/_sandbox/policies/${POLICY_SHAKEN_STIR}`, { requirements })).status, 200);
      await ingest(stack, bizRecord('needs'));
      const rec = await waitForState(stack.rt.ledger, 'needs', ['live', 'failed', 'completed'], 30_000);
      assert.equal(rec.state, 'failed');
      assert.equal(rec.stage, 'shaken-stir');
      // Not refused locally: Twilio's evaluation (the authority) found it noncompliant.
      assert.match(rec.reason ?? '', /SHAKEN\/STIR Trust Product BU[0-9a-f]{32} evaluation is noncompliant: SHAKEN\/STIR Information: A SHAKEN\/STIR Information End-User is missing/);
      assert.equal(evaluationsOf(stack, rec.sids.trustProduct), 1, 'the evaluation was asked');
      const warned = lines.filter((l) => l.includes('does not fill') && l.includes('shaken_stir_information'));
      assert.equal(warned.length, 1, 'one warning naming the unknown requirement');
      assert.match(warned[0]!, /RN7a97559effdf62d00f4298208492a5ea/);
    } finally {
      await stack.close();
    }
  });

  it('a policy change in Twilio (a new required field) is caught without a code change, once the cached policy is refreshed', async () => {
    const stack = await startStack({ env: { POLICY_REFRESH_MS: '300' } });
    try {
      await ingest(stack, bizRecord('before'));
      assert.equal((await waitForState(stack.rt.ledger, 'before', ['live', 'failed'], 30_000)).state, 'live');

      const changed = await admin(stack, 'POST', `/_sandbox/policies/${POLICY_SECONDARY_BUSINESS}`, { addField: { endUserType: 'customer_profile_business_information', field: 'stock_exchange' } });
      assert.equal(changed.status, 200);
      // Twilio's own evaluation follows the changed policy too.
      const client = clientOf(stack);
      const ev = await client.trusthub.v1.customerProfiles((await stack.rt.ledger.get('before'))!.sids.customerProfile!).customerProfilesEvaluations.create({ policySid: POLICY_SECONDARY_BUSINESS });
      assert.equal(ev.status, 'noncompliant');
      assert.match(JSON.stringify(ev.results), /The Stock Exchange is missing/);

      // The worker's scheduled refresh (every POLICY_REFRESH_MS) brings the changed policy into its cache.
      const cache = policyCache(stack.rt.gateway, stack.rt.settings.policyRefreshMs);
      const asksStockExchange = () => JSON.stringify(cache.cached(POLICY_SECONDARY_BUSINESS)?.requirements ?? {}).includes('stock_exchange');
      await waitFor('the worker to refresh its copy of the changed policy', async () => asksStockExchange(), 5_000);
      await ingest(stack, bizRecord('after'));
      const rec = await waitForState(stack.rt.ledger, 'after', ['live', 'failed'], 30_000);
      assert.equal(rec.state, 'failed');
      assert.equal(rec.stage, 'business-profile');
      // A field a2p-onboard does not fill is Twilio's to judge: its evaluation names it.
      assert.match(rec.reason ?? '', /Secondary Business Profile BU[0-9a-f]{32} evaluation is noncompliant: Business Information: .*\[fields: stock_exchange\]/);
      assert.equal(evaluationsOf(stack, rec.sids.customerProfile), 1);

      // Restored policy, redrive: the customer goes on, and its resources are reused.
      await admin(stack, 'DELETE', `/_sandbox/policies/${POLICY_SECONDARY_BUSINESS}`);
      await waitFor('the worker to refresh its copy of the restored policy', async () => !asksStockExchange(), 5_000);
      assert.ok((await redriveCustomer(stack.rt, 'after')).ok);
      assert.equal((await waitForState(stack.rt.ledger, 'after', ['live', 'failed'], 30_000)).state, 'live');
    } finally {
      await stack.close();
    }
  });

  it('the worker refreshes its policies on a schedule and says when one changed', async () => {
    const stack = await startStack({ workers: false });
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => { lines.push(c.toString()); cb(); } }));
    const cache = new PolicyCache(stack.rt.gateway, 150);
    try {
      await cache.prime([POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR], log);
      const stop = cache.refreshEvery([POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR], log);
      await admin(stack, 'POST', `/_sandbox/policies/${POLICY_SHAKEN_STIR}`, { addField: { endUserType: 'x', field: 'y' } }).then((r) => assert.equal(r.status, 400, 'no such end user type'));
      await admin(stack, 'POST', `/_sandbox/policies/${POLICY_SECONDARY_BUSINESS}`, { addField: { endUserType: 'authorized_representative_1', field: 'date_of_birth' } });
      await waitFor('the change to be noticed', async () => lines.some((l) => l.includes('a Twilio policy changed') && l.includes(POLICY_SECONDARY_BUSINESS)), 5_000);
      stop();
      const fetchesBefore = stack.sandbox.requestLog().filter((e) => e.operation === 'policy.fetch').length;
      const p = await cache.get(POLICY_SECONDARY_BUSINESS, log);
      assert.ok(p.requirements.end_user.find((e) => e.type === 'authorized_representative_1')?.fields.includes('date_of_birth'));
      assert.ok(stack.sandbox.requestLog().filter((e) => e.operation === 'policy.fetch').length <= fetchesBefore + 1);
    } finally {
      await stack.close();
    }
  });

  it('a cached policy is fetched again once its copy is older than maxAgeMs, by the clock the cache is given', async () => {
    let now = 1_000_000;
    let fetches = 0;
    const policy = { sid: 'RN1', friendlyName: 'p', requirements: policyRequirementsSchema.parse({}) };
    const gateway = { fetchPolicy: () => { fetches += 1; return Promise.resolve(policy); } } as unknown as TwilioGateway;
    const cache = new PolicyCache(gateway, 300, { now: () => now });
    await cache.get('RN1');
    now += 299;
    await cache.get('RN1');
    assert.equal(fetches, 1, 'a copy younger than maxAgeMs is used');
    now += 1;
    await cache.get('RN1');
    assert.equal(fetches, 2, 'a copy maxAgeMs old is fetched again');
    assert.equal(cache.cached('RN1'), policy);
  });

  it('Twilio rejecting the business profile dead-letters the customer with the reason; --update corrects and resubmits it', async () => {
    const stack = await startStack();
    try {
      const rep2 = { rep2_first_name: 'Bo', rep2_last_name: 'Li', rep2_email: 'bo@harbor.example.com', rep2_phone_number: '4155550191', rep2_business_title: 'Manager', rep2_job_position: 'GM' };
      const file = tmpFile('biz.csv', bizCsv(bizRecord('rej', { email: `office@${REVIEW_ONLY_DISPOSABLE_DOMAIN}`, phone_numbers: '+14155550170;+14155550171', ...rep2 })));
      await ingestFile(stack.rt, file, { batchId: 'rej' });
      const rec = await waitForState(stack.rt.ledger, 'rej', ['live', 'failed'], 30_000);
      assert.equal(rec.state, 'failed');
      assert.match(rec.reason ?? '', /Secondary Business Profile BU[0-9a-f]{32} was rejected by Twilio: Email is a suspected disposable address\./);
      assert.match(rec.action ?? '', /Secondary Business Profile/);
      const profile = rec.sids.customerProfile;

      // Corrected email, one number fewer and no second representative: both are taken off the profile.
      const fixed = tmpFile('biz.csv', bizCsv(bizRecord('rej', { phone_numbers: '+14155550171' })));
      const report = await ingestFile(stack.rt, fixed, { batchId: 'rej', update: true });
      assert.equal(report.updated, 1, JSON.stringify(report.rejected));
      const done = await waitForState(stack.rt.ledger, 'rej', ['live', 'failed'], 30_000);
      assert.equal(done.state, 'live', done.reason ?? '');
      assert.equal(done.sids.customerProfile, profile, 'the same profile, corrected and resubmitted');
      const client = clientOf(stack);
      const pn = (await client.api.v2010.accounts(stack.sandbox.options.accountSid).incomingPhoneNumbers.list({ phoneNumber: '+14155550171' }))[0]!.sid;
      const onProfile = await client.trusthub.v1.customerProfiles(profile!).customerProfilesChannelEndpointAssignment.list();
      assert.deepEqual(onProfile.map((a) => a.channelEndpointSid), [pn]);
      const onProduct = await client.trusthub.v1.trustProducts(done.sids.trustProduct!).trustProductsChannelEndpointAssignment.list();
      assert.deepEqual(onProduct.map((a) => a.channelEndpointSid), [pn]);
      const items = (await client.trusthub.v1.customerProfiles(profile!).customerProfilesEntityAssignments.list()).map((a) => a.objectSid);
      assert.ok(rec.sids.rep2EndUser && !items.includes(rec.sids.rep2EndUser), 'rep #2 is no longer on the profile');
      assert.equal(items.length, 4);
    } finally {
      await stack.close();
    }
  });

  it('Twilio\'s status callback of the approval makes the customer live at once, without waiting for a sweep', async () => {
    const stack = await startStack({ env: { SWEEP_INTERVAL_MS: '600000', SWEEP_MAX_INTERVAL_MS: '600000' }, workers: false });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: stack.rt.queues, webhook: webhookOptions(stack.config, stack.rt.ledger, stack.rt.log) });
    stack.rt.settings.statusCallbackUrl = `${dash.url}${STATUS_WEBHOOK_PATH}`;
    stack.startWorkers();
    try {
      await ingest(stack, bizRecord('cb1'));
      const rec = await waitForState(stack.rt.ledger, 'cb1', ['live', 'failed'], 15_000);
      assert.equal(rec.state, 'live', rec.reason ?? '');
      assert.equal(rec.status['customerProfile'], 'twilio-approved');
      assert.equal(rec.status['trustProduct'], 'twilio-approved');
      assert.ok(rec.status['trustProductCallbackAt'], 'the approval arrived by callback');
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('ingest: a bad enum is rejected before anything is enqueued; the example file has its bad rows refused', async () => {
    const stack = await startStack({ workers: false });
    try {
      const report = await ingest(stack, bizRecord('good1'), bizRecord('enum1', { business_type: 'Pizza Shop' }), bizRecord('dup1', { phone_numbers: '+14155550171;+14155550170' }));
      assert.equal(report.accepted, 1);
      assert.deepEqual(report.rejected.map((r) => r.customerId), ['enum1', 'dup1']);
      assert.match(report.rejected[0]!.reason, /^business_type: "Pizza Shop" is not a business type/);
      assert.match(report.rejected[1]!.reason, /^phone_numbers: number 2 \(\+1\*+70\) is also listed on row 2; a phone number belongs to one business$/);
      assert.equal(await stack.rt.ledger.exists('enum1'), false);
      assert.equal(await stack.rt.queues['business-profile'].getJobCountByTypes('waiting', 'delayed', 'prioritized'), 1);
      assert.equal(await stack.rt.queues['starter-profile'].getJobCountByTypes('waiting', 'delayed', 'prioritized'), 0);

      // With Twilio credentials, ingest asks the account about the numbers too.
      const owns = async (n: string) => (await stack.rt.gateway.findIncomingPhoneNumber(n)) !== null;
      const checked = await ingestFile(stack.rt, tmpFile('owned.csv', bizCsv(
        bizRecord('own1'),
        bizRecord('own2', { phone_numbers: '+14155550171;+16175550199' }),
        // A Standard brand's sender_number is checked too, before the brand fee is spent.
        bizRecord('own3', { ...STANDARD_BRAND, phone_numbers: '+12125550172', shaken_stir: 'false', sender_number: '+1 617 555 0198' }),
      )), { batchId: 'owned', ownsPhoneNumber: owns });
      assert.equal(checked.accepted, 1);
      assert.deepEqual(checked.rejected.map((r) => r.customerId), ['own2', 'own3']);
      assert.match(checked.rejected[0]!.reason, /^phone_numbers: number 2 \(\+1\*+99\) is not a phone number of this Twilio account/);
      assert.match(checked.rejected[1]!.reason, /^sender_number: \+1\*+98 is not a phone number of this Twilio account \(no IncomingPhoneNumber\); buy or port it into the account, or correct the column$/);
      assert.equal(await stack.rt.ledger.exists('own2'), false);

      // One file, both flows: each row goes to its flow's first stage.
      const sp = {
        customer_id: 'sp-mixed', flow: '', first_name: 'Dana', last_name: 'Lopez', email: 'dana@example.com', phone_number: '(415) 555-0100', mobile_phone_number: '+1 415 555 0188',
        brand_name: 'Dana Lopez Studio', street: '123 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', iso_country: 'US',
      };
      const header = [...new Set([...BIZ_HEADER, ...Object.keys(sp)])];
      const line = (r: Record<string, string>) => header.map((h) => r[h] ?? '').join(',');
      const mixed = await ingestFile(stack.rt, tmpFile('mixed.csv', [header.join(','), line(sp), line(bizRecord('biz-mixed', { business_name: 'Mixed Goods LLC' }))].join('\n') + '\n'), { batchId: 'mixed', templatePath: templateFile() });
      assert.equal(mixed.accepted, 2, JSON.stringify(mixed.rejected));
      assert.equal((await stack.rt.ledger.get('sp-mixed'))?.flow, 'sole-proprietor');
      assert.equal((await stack.rt.ledger.get('biz-mixed'))?.flow, 'business');
      assert.equal(await stack.rt.queues['starter-profile'].getJobCountByTypes('waiting', 'delayed', 'prioritized'), 1);
      assert.equal(await stack.rt.queues['business-profile'].getJobCountByTypes('waiting', 'delayed', 'prioritized'), 3);

      const example = await ingestFile(stack.rt, `${EXAMPLES}businesses.csv`, { batchId: 'example', dryRun: true });
      assert.deepEqual(example.rejected.map((r) => r.customerId), ['biz-2005']);
      assert.match(example.rejected[0]!.reason, /business_type: .*business_industry: .*rep1_job_position: /);
      assert.equal(example.accepted, 11);
    } finally {
      await stack.close();
    }
  });
});

describe('sandbox: phone numbers and channel endpoints', () => {
  it('lists the account numbers with the PhoneNumber filter; a trust product takes only numbers of its profile', async () => {
    const stack = await startStack({ workers: false, sandbox: { phoneNumbers: ['+14155550100', '+14155550101'] } });
    try {
      const client = clientOf(stack);
      const api = client.api.v2010.accounts(stack.sandbox.options.accountSid);
      assert.equal((await api.incomingPhoneNumbers.list()).length, 2);
      const hit = await api.incomingPhoneNumbers.list({ phoneNumber: '+14155550101' });
      assert.deepEqual(hit.map((n) => n.phoneNumber), ['+14155550101']);
      assert.deepEqual(await api.incomingPhoneNumbers.list({ phoneNumber: '+19995550101' }), []);
      const [a, b] = [hit[0]!.sid, (await api.incomingPhoneNumbers.list({ phoneNumber: '+14155550100' }))[0]!.sid];

      const th = client.trusthub.v1;
      const cp = await th.customerProfiles.create({ friendlyName: 'p', email: 'p@example.com', policySid: POLICY_SECONDARY_BUSINESS });
      const tp = await th.trustProducts.create({ friendlyName: 't', email: 't@example.com', policySid: POLICY_SHAKEN_STIR });
      await th.trustProducts(tp.sid).trustProductsEntityAssignments.create({ objectSid: cp.sid });
      await th.customerProfiles(cp.sid).customerProfilesChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: a });
      await assert.rejects(th.customerProfiles(cp.sid).customerProfilesChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: a }), /already assigned/);
      await assert.rejects(th.customerProfiles(cp.sid).customerProfilesChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: 'PN' + '0'.repeat(32) }), /not found on this account/);
      await assert.rejects(th.trustProducts(tp.sid).trustProductsChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: b }), /assign it to the Secondary Customer Profile first/);
      const ra = await th.trustProducts(tp.sid).trustProductsChannelEndpointAssignment.create({ channelEndpointType: 'phone-number', channelEndpointSid: a });
      assert.match(ra.sid, /^RA[0-9a-f]{32}$/);
      assert.equal((await th.trustProducts(tp.sid).trustProductsChannelEndpointAssignment.list({ channelEndpointSid: a })).length, 1);
      await th.trustProducts(tp.sid).trustProductsChannelEndpointAssignment(ra.sid).remove();
      assert.equal((await th.trustProducts(tp.sid).trustProductsChannelEndpointAssignment.list()).length, 0);
      // The four documented policies are served.
      for (const sid of [POLICY_STARTER, POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR]) assert.equal((await th.policies(sid).fetch()).sid, sid);
    } finally {
      await stack.close();
    }
  });
});
