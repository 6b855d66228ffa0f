import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BUSINESS_COLUMNS, businessFields, csvLine } from '../fixtures/customers.js';
import { ingestFile } from '../src/producers/ingest.js';
import { redriveCustomer } from '../src/producers/redrive.js';
import { suggestAction } from '../src/reports/actions.js';
import { resolvePrimaryProfile } from '../src/workers/runtime.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { startStack, stopTestRedis, tmpFile, waitFor, type Stack } from './helpers.js';
import { assertFollowsRegistry } from './stage-path.js';

/**
 * Businesses with a tax ID and a Standard brand, through the contract-checked sandbox: private →
 * Standard brand, campaign, number, live; low-volume → the same with secondary vetting skipped; public →
 * awaiting the Authentication+ email, then live once it is confirmed, or expired with what to do when it
 * never is; brand_type none → as before (bundles only). Nothing is created twice, and every fee is counted.
 */

after(stopTestRedis);

const SETTLED = new Set(['live', 'failed', 'expired', 'invalid']);

function bizCsv(rows: Record<string, string>[]): string {
  const cols = [...BUSINESS_COLUMNS, 'shaken_stir'];
  return [cols.join(','), ...rows.map((r) => csvLine(r, cols))].join('\n') + '\n';
}

async function ingest(stack: Stack, batchId: string, rows: Record<string, string>[]) {
  return ingestFile(stack.rt, tmpFile(`${batchId}.csv`, bizCsv(rows)), { batchId });
}

function clientOf(stack: Stack) {
  const o = stack.sandbox.options;
  return createTwilioClient({ accountSid: o.accountSid, authToken: o.authToken, apiBase: stack.sandbox.url });
}

async function settled(stack: Stack, ids: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(`${ids.join(', ')} to settle`, async () => {
    const recs = await stack.rt.ledger.getMany(ids);
    return recs.every((r) => r && SETTLED.has(r.state));
  }, timeoutMs);
}

/** Fee submissions of a customer, counted by kind. */
async function feesOf(stack: Stack, id: string): Promise<Record<'brand' | 'campaignVetting' | 'authPlus' | 'secondaryVetting', { count: number }>> {
  const out = { brand: { count: 0 }, campaignVetting: { count: 0 }, authPlus: { count: 0 }, secondaryVetting: { count: 0 } };
  for (const e of await stack.rt.ledger.fees.entries(id)) out[e.kind].count += 1;
  return out;
}

const PUBLIC = (id: string, local = 'compliance') => ({ company_type: 'public', stock_exchange: 'NASDAQ', stock_ticker: 'HRBR', brand_contact_email: `${local}@${id}.example.com` });

describe('Standard and Low-Volume Standard brands', () => {
  it('private, low-volume, public and brand_type none each end where the guide says; one of everything; fees counted', { timeout: 120_000 }, async () => {
    const stack = await startStack({
      sandbox: { brandReviewDelayMs: 100, authPlusConfirmDelayMs: 300 },
      env: { AUTH_PLUS_EXPIRY_MS: '1500', AUTH_PLUS_RESENDS: '1' },
    });
    try {
      const rows = [
        businessFields('std-private', 1),
        businessFields('std-lvs', 2, { brand_type: 'low_volume_standard', usecase: 'LOW_VOLUME' }),
        businessFields('std-public', 3, PUBLIC('std-public')),
        businessFields('std-noconfirm', 4, PUBLIC('std-noconfirm', 'noconfirm.ir')),
        businessFields('std-none', 5, { brand_type: 'none', company_type: '', usecase: '', privacy_policy_url: '', terms_and_conditions_url: '', campaign_description: '', message_flow: '', message_sample_1: '', message_sample_2: '', has_embedded_links: '', has_embedded_phone: '', phone_numbers: '+14155550170' }),
      ];
      const report = await ingest(stack, 'standard', rows);
      assert.equal(report.accepted, 5, JSON.stringify(report.rejected));
      const ids = rows.map((r) => r['customer_id']!);

      // The public company waits for its brand contact, as the operator sees it.
      await waitFor('std-public to wait for its email', async () => (await stack.rt.ledger.get('std-public'))?.state === 'awaiting_email', 30_000);
      const waiting = await stack.rt.ledger.get('std-public');
      // What `status` and the dashboard show for it (the action of its state).
      assert.ok(waiting);
      assert.match(suggestAction({ state: waiting.state, stage: waiting.stage, reason: waiting.reason, details: waiting.details, customerId: waiting.customerId, flow: waiting.flow }) ?? '', /Authentication\+: The Campaign Registry emailed a verification link to the brand contact/);
      await settled(stack, ids);

      const rec = async (id: string) => {
        const r = await stack.rt.ledger.get(id);
        assert.ok(r, id);
        return r;
      };
      for (const id of ['std-private', 'std-lvs', 'std-public']) {
        const r = await rec(id);
        assert.equal(r.state, 'live', `${id}: ${r.state} at ${r.stage}: ${r.reason}`);
        assert.ok(r.sids.brand && r.sids.campaign && r.sids.servicePhoneNumber && r.sids.a2pProduct, `${id}: brand, campaign, number and A2P trust product recorded`);
        assertFollowsRegistry(id, (await stack.rt.ledger.history(id)));
      }
      assert.ok((await stack.rt.ledger.history('std-public')).some((h) => h.state === 'awaiting_email'), 'the public company waited for its email');

      const none = await rec('std-none');
      assert.equal(none.state, 'live', `${none.reason}`);
      assert.equal(none.sids.brand, undefined, 'brand_type none registers no brand');
      assert.equal(none.sids.a2pProduct, undefined);

      const expired = await rec('std-noconfirm');
      assert.equal(expired.state, 'expired', `${expired.state}: ${expired.reason}`);
      assert.match(expired.reason ?? '', /Authentication\+/);
      assert.match(expired.action ?? '', /redrive --customer std-noconfirm/);

      // What the sandbox holds: each brand with the right type and vetting flag, each campaign with an offered use case.
      const client = clientOf(stack);
      const brands = await client.messaging.v1.brandRegistrations.list({ pageSize: 100 });
      const byCustomer = new Map<string, (typeof brands)[number]>();
      for (const id of ['std-private', 'std-lvs', 'std-public', 'std-noconfirm']) {
        const sid = (await rec(id)).sids.brand;
        const matching = brands.filter((b) => b.sid === sid);
        assert.equal(matching.length, 1, `${id}: one brand`);
        byCustomer.set(id, matching[0]!);
      }
      assert.equal(brands.length, 4, 'one brand per Standard customer, none for brand_type none');
      for (const [id, b] of byCustomer) {
        assert.equal(b.brandType, 'STANDARD', `${id}: brand_type`);
        assert.equal(b.skipAutomaticSecVet, id === 'std-lvs', `${id}: skip_automatic_sec_vet`);
      }
      assert.equal(byCustomer.get('std-private')?.identityStatus, 'VETTED_VERIFIED');
      assert.equal(byCustomer.get('std-lvs')?.identityStatus, 'VERIFIED', 'Low-Volume Standard: no secondary vetting');
      for (const id of ['std-private', 'std-lvs', 'std-public']) {
        const r = await rec(id);
        const service = r.status.messagingServiceSid!;
        const campaigns = await client.messaging.v1.services(service).usAppToPerson.list({ pageSize: 20 });
        assert.equal(campaigns.length, 1, `${id}: one campaign`);
        const offered = (await client.messaging.v1.services(service).usAppToPersonUsecases.fetch({ brandRegistrationSid: r.sids.brand! })).usAppToPersonUsecases.map((u: { code: string }) => u.code);
        assert.ok(offered.includes(campaigns[0]!.usAppToPersonUsecase), `${id}: use case ${campaigns[0]!.usAppToPersonUsecase} is one Twilio offered (${offered.join(', ')})`);
        assert.ok((await client.messaging.v1.services(service).phoneNumbers.list()).length >= 1, `${id}: a number on the service`);
      }

      // Fees: a brand each; a campaign vetting each live one; secondary vetting only without the skip; Auth+ per email.
      const fees = (id: string) => feesOf(stack, id);
      assert.equal((await fees('std-private')).secondaryVetting.count, 1);
      assert.equal((await fees('std-lvs')).secondaryVetting.count, 0);
      assert.equal((await fees('std-public')).authPlus.count, 1, 'one Authentication+ email, confirmed');
      assert.equal((await fees('std-noconfirm')).authPlus.count, 2, 'the first email and one re-send (AUTH_PLUS_RESENDS=1), no more');
      for (const id of ['std-private', 'std-lvs', 'std-public']) {
        assert.equal((await fees(id)).brand.count, 1, `${id}: one brand submission`);
        assert.equal((await fees(id)).campaignVetting.count, 1, `${id}: one campaign vetting`);
      }
      const resends = stack.sandbox.requestLog().filter((e) => e.method === 'POST' && /\/2fa$/.test(e.path));
      assert.equal(resends.length, 1, 'exactly one re-send, for the contact who never confirmed');

      // Secondary profiles share the primary's policy: with several businesses approved, a worker started now still
      // finds the ISV's one primary profile instead of refusing to guess.
      assert.ok((await client.trusthub.v1.customerProfiles.list({ status: 'twilio-approved' })).length >= 3, 'secondary profiles approved');
      assert.equal(await resolvePrimaryProfile({ ...stack.config, ISV_PRIMARY_PROFILE_SID: undefined }, stack.rt.gateway), stack.sandbox.isvPrimaryProfileSid);

      // The operator redrives the expired customer once the contact is ready: a fresh email, and it goes live when confirmed.
      const r = await redriveCustomer(stack.rt, 'std-noconfirm');
      assert.ok(r.ok, JSON.stringify(r));
      await waitFor('a fresh email after the redrive', async () => stack.sandbox.requestLog().filter((e) => e.method === 'POST' && /\/2fa$/.test(e.path)).length === 2, 20_000);
      const brandSid = expired.sids.brand!;
      await waitFor('the contact to confirm', async () => (await fetch(`${stack.sandbox.url}/_sandbox/brands/${brandSid}/auth-plus`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'confirm' }) })).status === 200, 20_000);
      await waitFor('std-noconfirm to go live', async () => (await stack.rt.ledger.get('std-noconfirm'))?.state === 'live', 30_000);
      assert.equal((await fees('std-noconfirm')).brand.count, 1, 'the brand was never registered again: only its email was re-sent');
    } finally {
      await stack.close();
    }
  });

  it('a use case Twilio does not offer the brand, and a tax ID that does not match the name, fail with what to do and no campaign fee', { timeout: 90_000 }, async () => {
    const stack = await startStack({ sandbox: { brandReviewDelayMs: 100 } });
    try {
      const rows = [
        businessFields('std-political', 11, { usecase: 'POLITICAL' }),
        businessFields('std-mismatch', 12, { business_name: 'Mismatch Holdings LLC' }),
      ];
      const report = await ingest(stack, 'standard-bad', rows);
      assert.equal(report.accepted, 2, JSON.stringify(report.rejected));
      await settled(stack, ['std-political', 'std-mismatch']);

      const political = await stack.rt.ledger.get('std-political');
      assert.equal(political?.state, 'failed');
      assert.equal(political?.stage, 'campaign');
      assert.equal(political?.details?.['kind'], 'usecase-not-offered');
      assert.match(political?.reason ?? '', /usecase POLITICAL is not one Twilio offers brand BN[0-9a-f]{32}: it offers .*MIXED/);
      assert.match(political?.action ?? '', /usecase column/);
      assert.equal(political?.sids.campaign, undefined, 'no campaign created');
      assert.equal((await feesOf(stack, 'std-political')).campaignVetting.count, 0, 'no vetting fee');

      const mismatch = await stack.rt.ledger.get('std-mismatch');
      assert.equal(mismatch?.state, 'failed');
      assert.equal(mismatch?.details?.['kind'], 'brand-failed');
      assert.match(mismatch?.reason ?? '', /30795/);
    } finally {
      await stack.close();
    }
  });
  it('ingest --update corrects Standard customers in place: the same brand resubmitted (one more brand fee), a use case Twilio offers, then live', { timeout: 90_000 }, async () => {
    const stack = await startStack();
    try {
      const ids = ['fix-name', 'fix-usecase'];
      await ingest(stack, 'fix', [businessFields('fix-name', 21, { business_name: 'Mismatch Supply LLC' }), businessFields('fix-usecase', 22, { usecase: 'POLITICAL' })]);
      await settled(stack, ids);
      const before = await stack.rt.ledger.getMany(ids);
      assert.deepEqual(before.map((r) => `${r?.state} at ${r?.stage}`), ['failed at brand-status', 'failed at campaign']);
      const brandSid = before[0]!.sids.brand;

      // The operator corrects the legal name and the use case and sends the rows again.
      const report = await ingestFile(stack.rt, tmpFile('fix2.csv', bizCsv([businessFields('fix-name', 21), businessFields('fix-usecase', 22, { usecase: 'MARKETING' })])), { batchId: 'fix', update: true });
      assert.equal(report.updated, 2, JSON.stringify(report.rejected));
      await waitFor('both corrected customers live', async () => (await stack.rt.ledger.getMany(ids)).every((r) => r?.state === 'live'), 60_000);

      const fixedName = await stack.rt.ledger.get('fix-name');
      assert.equal(fixedName?.sids.brand, brandSid, 'the same brand, resubmitted: no second registration');
      assert.equal((await feesOf(stack, 'fix-name')).brand.count, 2, 'the registration and its resubmission, each a brand fee');
      const client = clientOf(stack);
      const brands = (await client.messaging.v1.brandRegistrations.list({ pageSize: 100 })).filter((b) => b.a2pProfileBundleSid === fixedName?.sids.a2pProduct);
      assert.equal(brands.length, 1);

      const fixedUsecase = await stack.rt.ledger.get('fix-usecase');
      const campaigns = await client.messaging.v1.services(fixedUsecase!.status.messagingServiceSid!).usAppToPerson.list({ pageSize: 20 });
      assert.deepEqual(campaigns.map((c) => c.usAppToPersonUsecase), ['MARKETING']);
      assert.deepEqual([(await feesOf(stack, 'fix-usecase')).brand.count, (await feesOf(stack, 'fix-usecase')).campaignVetting.count], [1, 1], 'one brand, one campaign vetting');
    } finally {
      await stack.close();
    }
  });
});
