import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import twilio from 'twilio';
import { redrivableCustomers, redriveCustomer } from '../src/producers/redrive.js';
import { startDashboard } from '../src/server/dashboard.js';
import { STATUS_WEBHOOK_PATH } from '../src/server/webhook.js';
import { stageJobId } from '../src/workers/queues.js';
import { webhookOptions } from '../src/workers/runtime.js';
import { sweepDue, sweepNow } from '../src/workers/sweep.js';
import { TEMPLATE, row, startStack, stopTestRedis, tmpFile, waitFor, waitForState, type Stack, twilioClient, ingestRows } from './helpers.js';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN, REVIEW_ONLY_ZIP } from '../fixtures/customers.js';

after(stopTestRedis);

function otpRequests(stack: Stack, brandSid: string): number[] {
  return stack.sandbox
    .requestLog()
    .filter((e) => e.operation === 'otp.create' && e.status < 300 && e.path.includes(brandSid))
    .map((e) => e.at);
}

/** Resources in the sandbox whose friendly name carries this customer id. */
async function resourcesOf(stack: Stack, customerId: string) {
  const client = twilioClient(stack);
  const mine = (name: string | null | undefined) => (name ?? '').split(' ').includes(customerId);
  const rec = await stack.rt.ledger.get(customerId);
  const profiles = (await client.trusthub.v1.customerProfiles.list()).filter((p) => mine(p.friendlyName));
  const bundles = (await client.trusthub.v1.trustProducts.list()).filter((p) => mine(p.friendlyName));
  const brands = (await client.messaging.v1.brandRegistrations.list()).filter((b) => bundles.some((t) => t.sid === b.a2pProfileBundleSid));
  const services = (await client.messaging.v1.services.list()).filter((s) => mine(s.friendlyName));
  const campaigns = [];
  for (const s of services) campaigns.push(...(await client.messaging.v1.services(s.sid).usAppToPerson.list()));
  return { rec, profiles: profiles.length, bundles: bundles.length, brands: brands.length, services: services.length, campaigns: campaigns.length };
}

/** Reads (GETs) of a customer's brand and of its two bundles, as the sandbox logged them. */
function waitReads(stack: Stack, rec: { sids: Record<string, string | undefined> }) {
  const log = stack.sandbox.requestLog();
  const fetchesOf = (sid: string | undefined) => log.filter((e) => sid && (e.operation ?? '').endsWith('.fetch') && e.path.includes(sid)).length;
  return { brand: fetchesOf(rec.sids['brand']), bundles: fetchesOf(rec.sids['customerProfile']) + fetchesOf(rec.sids['trustProduct']) };
}

describe('after submission: sweeps, OTP lifecycle, callbacks, remediation', () => {
  it('with status callbacks on, waiting on the OTP costs one call per re-check: bundles are read only before a re-send and at expiry', async () => {
    const stack = await startStack({
      sandbox: { otpReplyDelayMs: -1 },
      env: { OTP_RESEND_MS: '1500', OTP_EXPIRY_MS: '5000', SWEEP_INTERVAL_MS: '100', SWEEP_MAX_INTERVAL_MS: '300' },
      workers: false,
    });
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: stack.rt.queues, webhook: webhookOptions(stack.config, stack.rt.ledger, stack.rt.log) });
    stack.rt.settings.statusCallbackUrl = `${dash.url}${STATUS_WEBHOOK_PATH}`;
    stack.startWorkers();
    try {
      await ingestRows(stack, [row('cb1')]);
      const rec = await waitForState(stack.rt.ledger, 'cb1', ['expired', 'failed', 'live'], 30_000);
      assert.equal(rec.state, 'expired', rec.reason ?? '');
      const reads = waitReads(stack, rec);
      const resends = otpRequests(stack, rec.sids.brand!).length;
      assert.ok(reads.brand >= 10, `the brand was re-checked ${reads.brand} times`);
      // Two reads by the stages that submitted them, then both bundles before each re-send and at expiry.
      assert.ok(reads.bundles <= 2 + 2 * (resends + 1) + 2, `bundles read ${reads.bundles} times in ${reads.brand} re-checks and ${resends} re-sends`);
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('re-sends the OTP only after OTP_RESEND_MS, one at a time per brand, and marks a brand never verified as expired', async () => {
    const stack = await startStack({
      sandbox: { otpReplyDelayMs: -1 },
      env: { OTP_RESEND_MS: '1500', OTP_EXPIRY_MS: '5000', SWEEP_INTERVAL_MS: '100', SWEEP_MAX_INTERVAL_MS: '300' },
    });
    try {
      await ingestRows(stack, [row('o1'), row('o2')]);
      for (const id of ['o1', 'o2']) {
        const rec = await waitForState(stack.rt.ledger, id, ['expired', 'failed', 'live'], 30_000);
        assert.equal(rec.state, 'expired', `${id}: ${rec.reason}`);
        assert.match(rec.reason ?? '', /not confirmed it by replying YES/);
        assert.match(rec.action ?? '', /redrive --customer/);
        const approvedAt = Number(rec.status['brandApprovedAt']);
        const sent = otpRequests(stack, rec.sids.brand!);
        // Twilio sent the first OTP itself at approval; ours come one per 1.5 s, never earlier.
        assert.ok(sent.length >= 2 && sent.length <= 3, `${id}: ${sent.length} OTP requests in a 5 s window with a 1.5 s re-send interval`);
        assert.ok(sent[0]! - approvedAt >= 1500 - 50, `${id}: first re-send ${sent[0]! - approvedAt} ms after approval`);
        for (let i = 1; i < sent.length; i++) assert.ok(sent[i]! - sent[i - 1]! >= 1500 - 50, `${id}: re-sends ${sent[i]! - sent[i - 1]!} ms apart`);
        assert.equal(await stack.rt.ledger.dueAt(id), null, 'an expired customer is no longer watched');
        // Without status callbacks, nothing else would tell of a bundle's rejection: every re-check reads both.
        const reads = waitReads(stack, rec);
        assert.ok(reads.bundles >= 2 * (reads.brand - 2), `${id}: bundles read ${reads.bundles} times in ${reads.brand} brand reads`);
      }
      // The operator asks the customer to answer, then redrives: a fresh window, and the reply verifies the brand.
      const rec = (await stack.rt.ledger.get('o1'))!;
      const res = await redriveCustomer(stack.rt, 'o1');
      assert.ok(res.ok && res.stage === 'brand-status', JSON.stringify(res));
      await waitForState(stack.rt.ledger, 'o1', ['awaiting_otp'], 10_000);
      const reply = await fetch(`${stack.sandbox.url}/_sandbox/brands/${rec.sids.brand!}/otp-reply`, { method: 'POST' });
      assert.equal(reply.status, 200);
      const live = await waitForState(stack.rt.ledger, 'o1', ['live', 'failed', 'expired'], 20_000);
      assert.equal(live.state, 'live', live.reason ?? '');
      const r = await resourcesOf(stack, 'o1');
      assert.deepEqual([r.profiles, r.bundles, r.brands, r.campaigns], [1, 1, 1, 1]);
    } finally {
      await stack.close();
    }
  });

  it('a campaign is completed while vetted, live once VERIFIED; a FAILED one is dead-lettered with its error code, fixed by --update and resubmitted', async () => {
    const stack = await startStack({ sandbox: { campaignDelayMs: 300 } });
    try {
      // Samples that do not name the brand: vetting fails the campaign with 30893 (Twilio's page: a sample must name the business).
      const bad = tmpFile('bad.json', JSON.stringify({ ...TEMPLATE, message_sample_1: 'Your appointment is confirmed for [date]. Reply STOP to opt out.', message_sample_2: 'Reminder: we see you tomorrow at [time]. Reply HELP for help.' }));
      const rows = [row('c1'), row('c2')];
      await ingestRows(stack, rows, { template: bad });
      const failed = await waitForState(stack.rt.ledger, 'c1', ['live', 'failed'], 30_000);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.stage, 'campaign');
      assert.match(failed.reason ?? '', /FAILED: .*do not identify the brand by name\. \(error 30893\) \[fields: message_samples\]/);
      assert.match(failed.action ?? '', /error 30893.*Fix the samples.*--update/);
      const history = (await stack.rt.ledger.history('c1')).map((h) => h.state);
      assert.ok(history.includes('completed'), 'the customer was completed (campaign in vetting) before the verdict');
      const dl = await stack.rt.queues['dead-letter'].getJob(stageJobId('dead-letter', 'c1', 1));
      assert.match(String(dl?.data.reason), /30893/);

      // The operator fixes the template and re-ingests the same rows as corrections.
      await waitForState(stack.rt.ledger, 'c2', ['failed'], 30_000);
      const fix = await ingestRows(stack, rows, { update: true, batch: 'fix-1' });
      assert.equal(fix.updated, 2, JSON.stringify(fix.rejected));
      assert.equal(await stack.rt.queues['dead-letter'].getJob(stageJobId('dead-letter', 'c1', 1)), undefined, 'no longer in the dead letter');
      for (const id of ['c1', 'c2']) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason}`);
        assert.equal(rec.gen, 2);
        const r = await resourcesOf(stack, id);
        assert.deepEqual([r.profiles, r.bundles, r.brands, r.services, r.campaigns], [1, 1, 1, 1, 1], `${id}: one of each`);
      }
      const updates = stack.sandbox.requestLog().filter((e) => e.operation === 'campaign.update');
      assert.equal(updates.length, 2, 'each failed campaign was corrected in place');
      assert.deepEqual(fix.campaignNotUpdatable, [], 'only fields UpdateUsAppToPerson takes were corrected');
      // Each re-vetting is charged again: created and resubmitted, one brand submission.
      for (const id of ['c1', 'c2']) {
        const fees = await stack.rt.ledger.fees.entries(id);
        assert.deepEqual(fees.map((f) => f.kind).sort(), ['brand', 'campaignVetting', 'campaignVetting'], `${id}: ${JSON.stringify(fees)}`);
      }
      assert.equal((await stack.rt.ledger.fees.batchTotals('b1')).cents, 2 * (450 + 2 * 1500));
      // Ingesting the same corrections again changes nothing.
      const again = await ingestRows(stack, rows, { update: true, batch: 'fix-2' });
      assert.deepEqual([again.updated, again.unchanged, again.rejected.length], [0, 2, 0]);
    } finally {
      await stack.close();
    }
  });

  it('a profile rejected for its email is fixed by --update: same profile corrected and resubmitted, exactly one of everything', async () => {
    const stack = await startStack();
    try {
      const original = row('r1', { email: `dana@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` });
      await ingestRows(stack, [original]);
      const failed = await waitForState(stack.rt.ledger, 'r1', ['live', 'failed'], 30_000);
      assert.equal(failed.state, 'failed');
      assert.match(failed.reason ?? '', /Email is a suspected disposable address/);
      const profileSid = failed.sids.customerProfile;

      // A plain re-ingest of the corrected row without --update is refused: the customer exists.
      const plain = await ingestRows(stack, [row('r1', { email: 'dana@studio-lopez.com' })], { batch: 'fix-plain' });
      assert.match(plain.rejected[0]?.reason ?? '', /already in batch b1/);

      const fix = await ingestRows(stack, [row('r1', { email: 'dana@studio-lopez.com' })], { update: true, batch: 'fix-1' });
      assert.equal(fix.updated, 1, JSON.stringify(fix.rejected));
      const rec = await waitForState(stack.rt.ledger, 'r1', ['live', 'failed'], 30_000);
      assert.equal(rec.state, 'live', rec.reason ?? '');
      assert.equal(rec.sids.customerProfile, profileSid, 'the same profile, corrected');
      const r = await resourcesOf(stack, 'r1');
      assert.deepEqual([r.profiles, r.bundles, r.brands, r.services, r.campaigns], [1, 1, 1, 1, 1]);
      const client = twilioClient(stack);
      const endUser = await client.trusthub.v1.endUsers(rec.sids.starterEndUser!).fetch();
      assert.equal((endUser.attributes as Record<string, string>)['email'], 'dana@studio-lopez.com');
      assert.equal(stack.sandbox.requestLog().filter((e) => e.operation === 'endUser.create').length, 2, 'no end user created twice');
    } finally {
      await stack.close();
    }
  });

  it('a brand The Campaign Registry refused is resubmitted (not created again) after the mobile number is corrected', async () => {
    const stack = await startStack();
    try {
      const mobile = '+1 415 555 7001';
      await fetch(`${stack.sandbox.url}/_sandbox/tcr-usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile, count: 3 }) });
      await ingestRows(stack, [row('t1', { mobile_phone_number: mobile })]);
      const failed = await waitForState(stack.rt.ledger, 't1', ['live', 'failed'], 30_000);
      assert.equal(failed.state, 'failed');
      assert.match(failed.reason ?? '', /Unable to register Brand with The Campaign Registry/);
      await ingestRows(stack, [row('t1', { mobile_phone_number: '+1 415 555 7002' })], { update: true, batch: 'fix' });
      const rec = await waitForState(stack.rt.ledger, 't1', ['live', 'failed'], 30_000);
      assert.equal(rec.state, 'live', rec.reason ?? '');
      assert.equal(rec.sids.brand, failed.sids.brand, 'the failed brand was resubmitted');
      assert.equal(stack.sandbox.requestLog().filter((e) => e.operation === 'brand.create').length, 1);
      assert.equal(stack.sandbox.requestLog().filter((e) => e.operation === 'brand.update').length, 1);
      assert.equal(await stack.rt.ledger.reuseCount('mobile', mobile), 0, 'the old number no longer counts against the TCR limit');
    } finally {
      await stack.close();
    }
  });

  it('accepts Twilio-signed status callbacks and dead-letters a rejected profile at once; refuses unsigned or tampered ones with 403', async () => {
    // A long validation wait: without the callback the rejection would surface only after it.
    const stack = await startStack({ env: { VALIDATION_WAIT_MS: '60000', SWEEP_INTERVAL_MS: '60000' }, workers: false });
    const dash = await startDashboard({
      host: '127.0.0.1',
      port: 0,
      user: 'admin',
      password: 'pw',
      queues: stack.rt.queues,
      webhook: webhookOptions(stack.config, stack.rt.ledger, stack.rt.log),
    });
    const url = `${dash.url}${STATUS_WEBHOOK_PATH}`;
    stack.rt.settings.statusCallbackUrl = url;
    stack.startWorkers();
    try {
      await ingestRows(stack, [row('w1', { email: `dana@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` })]);
      const failed = await waitForState(stack.rt.ledger, 'w1', ['failed'], 20_000);
      assert.equal(failed.stage, 'trust-bundle', 'failed during the 60 s wait, before the trust bundle stage ran');
      assert.equal(stack.sandbox.requestLog().filter((e) => (e.operation ?? '').startsWith('trustProduct.')).length, 0, 'no trust bundle was started');
      assert.match(failed.reason ?? '', /Email is a suspected disposable address/);
      assert.equal(failed.status['customerProfile'], 'twilio-rejected');

      const token = stack.sandbox.options.authToken;
      const params = { AccountSid: stack.sandbox.options.accountSid, BundleSid: failed.sids.customerProfile!, Status: 'twilio-rejected', FailureReason: 'Email is a suspected disposable address.' };
      const post = (headers: Record<string, string>, body: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body).toString() });
      const signature = twilio.getExpectedTwilioSignature(token, url, params);
      // The same event delivered twice: accepted, nothing changes.
      assert.equal((await post({ 'X-Twilio-Signature': signature }, params)).status, 204);
      assert.equal((await post({ 'X-Twilio-Signature': signature }, params)).status, 204);
      assert.equal((await stack.rt.ledger.get('w1'))!.gen, 1);
      assert.equal(await stack.rt.queues['dead-letter'].count(), 1);
      // No signature, a tampered body, a wrong token: 403.
      assert.equal((await post({}, params)).status, 403);
      assert.equal((await post({ 'X-Twilio-Signature': signature }, { ...params, Status: 'twilio-approved' })).status, 403);
      assert.equal((await post({ 'X-Twilio-Signature': twilio.getExpectedTwilioSignature('other-token', url, params) }, params)).status, 403);
      // Basic auth does not apply to the webhook, and does still guard the board.
      assert.equal((await fetch(`${dash.url}/admin/queues`)).status, 401);
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('`redrive --batch` picks exactly the failed and expired customers of that batch; `--all` those of every batch', async () => {
    const stack = await startStack();
    try {
      await ingestRows(stack, [row('rb1', { email: `rb1@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }), row('rb2'), row('rb3', REVIEW_ONLY_ZIP)], { batch: 'rb' });
      await ingestRows(stack, [row('rc1', { email: `rc1@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }), row('rc2')], { batch: 'rc' });
      const settled = async (id: string) => (await waitForState(stack.rt.ledger, id, ['failed', 'live'], 30_000)).state;
      assert.deepEqual(await Promise.all(['rb1', 'rb2', 'rb3', 'rc1', 'rc2'].map(settled)), ['failed', 'live', 'failed', 'failed', 'live']);
      assert.deepEqual((await redrivableCustomers(stack.rt.ledger, 'rb')).sort(), ['rb1', 'rb3']);
      assert.deepEqual((await redrivableCustomers(stack.rt.ledger, 'rc')).sort(), ['rc1']);
      assert.deepEqual((await redrivableCustomers(stack.rt.ledger)).sort(), ['rb1', 'rb3', 'rc1']);
      assert.deepEqual(await redrivableCustomers(stack.rt.ledger, 'no-such-batch'), []);
    } finally {
      await stack.close();
    }
  });

  it('sweeps read only the customers that are due, and `sweep` re-checks every waiting one now', async () => {
    // Customers answer the OTP at once, so every one reaches `completed` without waiting for a sweep.
    const stack = await startStack({ sandbox: { campaignDelayMs: 200, otpReplyDelayMs: 0 }, env: { SWEEP_INTERVAL_MS: '600000' } });
    try {
      await ingestRows(stack, [row('s1'), row('s2'), row('s3')]);
      for (const id of ['s1', 's2', 's3']) await waitForState(stack.rt.ledger, id, ['completed'], 30_000);
      // Nothing is due yet: a scheduled sweep queues nothing and costs no Twilio call.
      const calls = stack.sandbox.requestLog().length;
      assert.equal(await sweepDue(stack.rt, Date.now()), 0);
      assert.equal(stack.sandbox.requestLog().length, calls);
      // Once due, each is queued once, however many sweeps run before its re-check.
      const later = Date.now() + 3_600_000;
      const first = await sweepDue(stack.rt, later);
      assert.equal(first, 3);
      assert.equal(await sweepDue(stack.rt, later), 0, 'leased: not queued twice');
      await waitFor('re-checks to run', async () => (await stack.rt.queues.recheck.getCompletedCount()) >= 3, 10_000);
      // `a2p-onboard sweep`: everything waiting, now.
      // (Vetting takes the sandbox's campaignDelayMs: sweep until it is over.)
      await waitFor('sweep to find every campaign VERIFIED', async () => {
        const report = await sweepNow(stack.rt);
        assert.equal(report.errors, 0);
        return (await stack.rt.ledger.index.totals()).live === 3;
      }, 10_000, 100);
      assert.equal(await stack.rt.ledger.watchedCount(), 0, 'live customers are no longer watched');
    } finally {
      await stack.close();
    }
  });

  it('`a2p-onboard sweep` dead-letters a FAILED campaign at `campaign`, with its kind, as the workers do', async () => {
    // No scheduled sweep: only sweepNow (the command) can find the verdict.
    const stack = await startStack({ sandbox: { campaignDelayMs: 300 }, env: { SWEEP_INTERVAL_MS: '600000' } });
    try {
      const bad = tmpFile('bad-sweep.json', JSON.stringify({ ...TEMPLATE, message_sample_1: 'Your appointment is confirmed for [date]. Reply STOP to opt out.', message_sample_2: 'Reminder: we see you tomorrow at [time]. Reply HELP for help.' }));
      await ingestRows(stack, [row('sw1')], { template: bad });
      await waitFor('sw1 to submit its campaign', async () => {
        const rec = await stack.rt.ledger.get('sw1');
        // On a loaded machine the brand-status stage can look before the customer's YES: then only a sweep sees it.
        if (rec?.state === 'awaiting_otp') await sweepNow(stack.rt);
        return rec && ['completed', 'failed'].includes(rec.state) ? rec : null;
      }, 30_000, 100);
      const failed = await waitFor('the sweep command to find the FAILED campaign', async () => {
        await sweepNow(stack.rt);
        const rec = await stack.rt.ledger.get('sw1');
        return rec?.state === 'failed' ? rec : null;
      }, 10_000, 100);
      assert.equal(failed.stage, 'campaign', 'a redrive resubmits the campaign, not the stage the customer waited at');
      assert.equal(failed.details?.['kind'], 'campaign-failed');
      assert.match(failed.action ?? '', /error 30893.*Fix the samples.*--update/);
    } finally {
      await stack.close();
    }
  });

  it('a customer has one pending re-check however far the sweeps run ahead of the workers', async () => {
    const stack = await startStack({ workers: false });
    try {
      await ingestRows(stack, [row('d1'), row('d2')]);
      const inAnHour = Date.now() + 3_600_000;
      assert.equal(await sweepDue(stack.rt, inAnHour), 2);
      // An hour later still, the leases have run out while the re-checks wait for a worker: the customers are
      // claimed again, but not queued twice (a backlog must not grow by itself and eat the budget).
      await sweepDue(stack.rt, inAnHour + 3_600_000);
      assert.equal(await stack.rt.queues.recheck.getWaitingCount(), 2);
    } finally {
      await stack.close();
    }
  });

  it('a customer whose stage job was lost (a Redis without persistence, a crash mid-ingest) is found by the sweep and finished', async () => {
    const stack = await startStack({ workers: false });
    try {
      await ingestRows(stack, [row('lost1'), row('kept1')]);
      // The ledger holds the customer, but its first job is gone.
      const job = await stack.rt.queues['starter-profile'].getJob(stageJobId('starter-profile', 'lost1', 1));
      await job!.remove();
      stack.startWorkers();
      for (const id of ['lost1', 'kept1']) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason}`);
      }
      const r = await resourcesOf(stack, 'lost1');
      assert.deepEqual([r.profiles, r.bundles, r.brands, r.campaigns], [1, 1, 1, 1]);
    } finally {
      await stack.close();
    }
  });
});
