import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it, test } from 'node:test';
import { ingestFile } from '../src/producers/ingest.js';
import { createLogger } from '../src/log.js';
import { POLICY_STARTER, STARTER_POLICY_SAMPLE_1_1, loadContract } from '@a2p-onboard/twilio-sandbox';
import { PIPELINE_FILLS, missingRequirements, policyRequirementsSchema, splitRequirements } from '../src/twilio/policy.js';
import { friendlyName } from '../src/jobs/friendly-name.js';
import { exchangeOf, problemsOf } from './contract/exchanges.js';
import { loadConfig } from '../src/config.js';
import { createRuntime } from '../src/workers/runtime.js';
import { csv, row, startStack, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile, waitForState, type Stack, twilioClient } from './helpers.js';

/**
 * Issue 12, points 1 and 2: what would hurt an ISV on its first production run.
 * 1. The local policy check is never stricter than Twilio (002 §1.1 prints a Starter policy unlike §1.7's).
 * 2. Every FriendlyName we send stays within Twilio's 64 characters, also for a 64-character customer id.
 */

after(stopTestRedis);

async function ingest(stack: Stack, batchId: string, ...rows: string[]) {
  return ingestFile(stack.rt, tmpFile('customers.csv', csv(...rows)), { templatePath: templateFile(), batchId });
}

function linesLog(lines: string[]) {
  return createLogger('warn', new Writable({ write: (c: Buffer, _e, cb) => { lines.push(c.toString()); cb(); } }));
}

describe('point 1: the local policy check leaves what it does not know to Twilio', () => {
  test('the §1.1 sample policy, split for the Starter stage: the address is ours to check, the rest is unknown', () => {
    const policy = policyRequirementsSchema.parse(STARTER_POLICY_SAMPLE_1_1.requirements);
    const { known, unknown } = splitRequirements(policy, PIPELINE_FILLS.starter);
    assert.deepEqual(unknown.map((u) => u.requirement), ['customer_profile_business_information', 'authorized_representative_1', 'authorized_representative_2']);
    assert.deepEqual(known.end_user, []);
    assert.equal(known.supporting_document.flat().length, 1);
    // What the Starter stage assembles meets the known part; the whole sample would have failed it.
    const assembled = {
      endUsers: [{ type: 'starter_customer_profile_information', attributes: { first_name: 'A', last_name: 'B', email: 'a@b.example.com', phone_number: '+14155550100' } }],
      documents: [{ type: 'customer_profile_address', attributes: { address_sids: 'AD00000000000000000000000000000000' } }],
      customerProfiles: ['primary_customer_profile_type_business'],
    };
    assert.deepEqual(missingRequirements(known, assembled, PIPELINE_FILLS.starter), []);
    assert.ok(missingRequirements(policy, assembled).length > 0, 'the whole sample policy is not met by a Starter profile');
    // A known requirement missing (our own data) is still caught, with the column to fix.
    const noAddress = missingRequirements(known, { ...assembled, documents: [{ type: 'customer_profile_address', attributes: { address_sids: '' } }] }, PIPELINE_FILLS.starter);
    assert.equal(noAddress.length, 1);
    assert.match(noAddress[0]!.columns ?? '', /street, city, region, postal_code, iso_country/);
  });

  it('with the Starter policy served as 002 §1.1 prints it, Sole Proprietor customers still go live; the unknown requirements are logged once', async () => {
    const lines: string[] = [];
    const stack = await startStack({ sandbox: { starterPolicyShape: 'sample-1.1' }, log: linesLog(lines) });
    try {
      const client = twilioClient(stack);
      const served = await client.trusthub.v1.policies(POLICY_STARTER).fetch();
      assert.equal(served.friendlyName, 'Primary Customer Profile of type Business', 'the sandbox serves the §1.1 sample');
      const report = await ingest(stack, 'sample', row('s1'), row('s2'));
      assert.equal(report.accepted, 2);
      for (const id of ['s1', 's2']) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason ?? ''}`);
      }
      const warned = lines.filter((l) => l.includes('does not fill') && l.includes(POLICY_STARTER));
      assert.equal(warned.length, 1, `one warning per policy version, got ${warned.length}`);
      assert.match(warned[0]!, /customer_profile_business_information/);
      assert.match(warned[0]!, /authorized_representative_1/);
    } finally {
      await stack.close();
    }
  });

  it('a worker starting against such a policy says at once what it does not fill', async () => {
    const stack = await startStack({ workers: false, sandbox: { starterPolicyShape: 'sample-1.1' } });
    const lines: string[] = [];
    try {
      const config = loadConfig({}, { REDIS_URL: await testRedisUrl(), QUEUE_PREFIX: testPrefix(), TWILIO_ACCOUNT_SID: stack.sandbox.options.accountSid, TWILIO_AUTH_TOKEN: stack.sandbox.options.authToken, TWILIO_API_BASE: stack.sandbox.url });
      const rt = await createRuntime(config, linesLog(lines));
      await rt.close();
      const warned = lines.filter((l) => l.includes('does not fill'));
      assert.equal(warned.length, 1, warned.join('\n'));
      assert.match(warned[0]!, new RegExp(`${POLICY_STARTER}.*customer_profile_business_information`));
    } finally {
      await stack.close();
    }
  });

  it('an admin hook switches the served shape of a running sandbox', async () => {
    const stack = await startStack({ workers: false });
    try {
      const client = twilioClient(stack);
      assert.equal((await client.trusthub.v1.policies(POLICY_STARTER).fetch()).friendlyName, 'Starter Customer Profile');
      const r = await fetch(`${stack.sandbox.url}/_sandbox/starter-policy-shape`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shape: 'sample-1.1' }) });
      assert.equal(r.status, 200);
      assert.equal((await client.trusthub.v1.policies(POLICY_STARTER).fetch()).friendlyName, 'Primary Customer Profile of type Business');
      const bad = await fetch(`${stack.sandbox.url}/_sandbox/starter-policy-shape`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ shape: 'nope' }) });
      assert.equal(bad.status, 400);
    } finally {
      await stack.close();
    }
  });
});

describe('point 2: strings within Twilio\'s limits', () => {
  const LONG_A = `acme-${'a'.repeat(50)}-000001`.slice(0, 64).padEnd(64, 'x');
  const LONG_B = `${LONG_A.slice(0, 63)}y`;

  test('friendlyName: short ids unchanged, long ids shortened deterministically, within 64 characters, never colliding', () => {
    assert.equal(friendlyName('c1', 'Sole Proprietor A2P Trust Bundle'), 'a2p-onboard c1 Sole Proprietor A2P Trust Bundle');
    assert.equal(LONG_A.length, 64);
    const whats = ['Starter Customer Profile', 'Starter Profile End User', 'Address', 'Address Document', 'Sole Proprietor A2P Trust Bundle', 'Sole Proprietor End User', 'Messaging Service', 'Secondary Customer Profile', 'Business Information', 'Authorized Representative 1', 'SHAKEN/STIR Trust Product'];
    for (const what of whats) {
      const a = friendlyName(LONG_A, what);
      assert.ok([...a].length <= 64, `${a} (${a.length})`);
      assert.equal(a, friendlyName(LONG_A, what), 'deterministic');
      assert.notEqual(a, friendlyName(LONG_B, what), 'two long ids that differ only at the end get different names');
      assert.ok(a.startsWith('a2p-onboard acme-aaa'), `readable prefix: ${a}`);
      assert.ok(a.endsWith(` ${what}`));
    }
    // An id that just fits keeps today's name (customers in flight are found again by it).
    const fits = 'x'.repeat(64 - 'a2p-onboard  Address'.length);
    assert.equal(friendlyName(fits, 'Address'), `a2p-onboard ${fits} Address`);
  });

  it('the sandbox refuses a FriendlyName over 64 characters with 400 / 20001, as Twilio does', async () => {
    const stack = await startStack({ workers: false });
    try {
      const auth = `Basic ${Buffer.from(`${stack.sandbox.options.accountSid}:${stack.sandbox.options.authToken}`).toString('base64')}`;
      const post = (path: string, form: Record<string, string>) =>
        fetch(`${stack.sandbox.url}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
      const name65 = 'n'.repeat(65);
      const cases: Array<[string, Record<string, string>]> = [
        ['/trusthub/v1/CustomerProfiles', { FriendlyName: name65, Email: 'a@b.example.com', PolicySid: POLICY_STARTER }],
        ['/trusthub/v1/EndUsers', { FriendlyName: name65, Type: 'starter_customer_profile_information' }],
        ['/trusthub/v1/SupportingDocuments', { FriendlyName: name65, Type: 'customer_profile_address' }],
        ['/messaging/v1/Services', { FriendlyName: name65 }],
        [`/api/2010-04-01/Accounts/${stack.sandbox.options.accountSid}/Addresses.json`, { FriendlyName: name65, CustomerName: 'A B', Street: '1 Main St', City: 'Boston', Region: 'MA', PostalCode: '02215', IsoCountry: 'US' }],
      ];
      for (const [path, form] of cases) {
        const r = await post(path, form);
        const body = (await r.json()) as { code?: number; message?: string };
        assert.equal(r.status, 400, path);
        assert.equal(body.code, 20001, path);
        assert.match(body.message ?? '', /Invalid parameter FriendlyName: .*64 characters/, path);
        const ok = await post(path, { ...form, FriendlyName: 'n'.repeat(64) });
        assert.ok(ok.status < 300, `${path}: 64 characters accepted (${ok.status})`);
      }
    } finally {
      await stack.close();
    }
  });

  it('a customer with a 64-character id runs the whole Sole Proprietor pipeline and ends live; every name sent fits', async () => {
    const stack = await startStack({ sandbox: { recordBodies: true } });
    try {
      const report = await ingest(stack, 'long', row(LONG_A, { email: 'long-a@example.com', brand_name: 'Dana Lopez Studio' }), row(LONG_B, { email: 'long-b@example.com', brand_name: 'Dana Lopez Studio' }));
      assert.equal(report.accepted, 2, JSON.stringify(report.rejected));
      for (const id of [LONG_A, LONG_B]) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', rec.reason ?? '');
      }
      const names = stack.sandbox.requestLog().flatMap((e) => (e.form ?? []).filter(([k]) => k === 'FriendlyName').map(([, v]) => v));
      assert.ok(names.length >= 10, `${names.length} friendly names sent`);
      for (const n of names) assert.ok([...n].length <= 64, `${n} (${n.length})`);
      assert.equal(new Set(names).size, names.length, 'no two resources share a name');
      assert.ok(stack.sandbox.requestLog().every((e) => e.status < 400 || e.status === 404), 'no request was refused');
      // Every exchange honours Twilio's OpenAPI contract (requests and answers), as in test/contract.test.ts.
      const contract = loadContract();
      const problems = stack.sandbox.requestLog().flatMap((e) => {
        const x = exchangeOf(contract, e);
        return x ? problemsOf(contract, x) : [`unrouted: ${e.method} ${e.path}`];
      });
      assert.deepEqual(problems, []);
    } finally {
      await stack.close();
    }
  });
});
