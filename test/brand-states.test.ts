import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ingestFile } from '../src/producers/ingest.js';
import { PassThrough } from 'node:stream';
import { printStatus } from '../src/commands/print.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { customersPage } from '../src/reports/batch-view.js';
import { errorCodes, suggestAction } from '../src/reports/actions.js';
import { rejectIfRejected } from '../src/jobs/bundle.js';
import { RejectedError } from '../src/twilio/errors.js';
import { csv, row, startStack, stopTestRedis, templateFile, tmpFile, waitFor, waitForState, type Stack, twilioClient } from './helpers.js';

/**
 * Issue 12 points 4 and 5, driven through the real pipeline: the sandbox is told how a brand ends
 * (`/_sandbox/brand-outcomes` by mobile number before ingest, `/_sandbox/brands/{BN}/status` later).
 */

after(stopTestRedis);

const MOBILE = (n: number) => `+1 415 555 ${String(7000 + n).padStart(4, '0')}`;

async function ingest(stack: Stack, rows: string[]) {
  return ingestFile(stack.rt, tmpFile('customers.csv', csv(...rows)), { templatePath: templateFile(), batchId: 'b1', update: false });
}

async function admin(stack: Stack, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${stack.sandbox.url}/_sandbox/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, `${path}: ${await res.text()}`);
}

function brandRequests(stack: Stack, operation: string, brandSid: string) {
  return stack.sandbox.requestLog().filter((e) => e.operation === operation && e.status < 300 && e.path.includes(brandSid));
}

describe('brand states (issue 12 point 4)', () => {
  it('VETTED_VERIFIED is a verified identity: the customer goes on to its campaign and goes live', async () => {
    // Before: only VERIFIED moved on, so a vetted-verified brand waited for an OTP reply that never comes and ended expired.
    const stack = await startStack({ sandbox: { otpReplyDelayMs: -1 }, env: { OTP_EXPIRY_MS: '6000', OTP_RESEND_MS: '60000' } });
    try {
      await admin(stack, 'brand-outcomes', { mobile: MOBILE(1), status: 'APPROVED', identityStatus: 'VETTED_VERIFIED' });
      await ingest(stack, [row('vv', { mobile_phone_number: MOBILE(1) })]);
      const rec = await waitForState(stack.rt.ledger, 'vv', ['live', 'failed', 'expired'], 30_000);
      assert.equal(rec.state, 'live', rec.reason ?? '');
      assert.equal(rec.status['brandIdentity'], 'VETTED_VERIFIED');
    } finally {
      await stack.close();
    }
  });

  it('SUSPENDED, DELETION_PENDING and DELETION_FAILED each end the customer with a reason and a what-to-do of its own', async () => {
    const stack = await startStack({ env: { STATUS_POLL_MAX_MS: '200' } });
    try {
      const cases = [
        ['susp', 'SUSPENDED', /SUSPENDED/, /Twilio Support naming brand BN[0-9a-f]{32}/],
        ['delp', 'DELETION_PENDING', /DELETION_PENDING: it is being deleted/, /being deleted at Twilio.*new brand registration/],
        ['delf', 'DELETION_FAILED', /DELETION_FAILED: Twilio was asked to delete it and could not/, /could not delete brand BN[0-9a-f]{32}.*finish or cancel the deletion/],
      ] as const;
      for (const [i, [, status]] of cases.entries()) await admin(stack, 'brand-outcomes', { mobile: MOBILE(10 + i), status });
      await ingest(stack, cases.map(([id], i) => row(id, { mobile_phone_number: MOBILE(10 + i) })));
      const actions = new Set<string>();
      for (const [id, status, reason, action] of cases) {
        // Before: DELETION_PENDING and DELETION_FAILED were polled for ever (this wait timed out).
        const rec = await waitForState(stack.rt.ledger, id, ['failed', 'live', 'expired'], 20_000);
        assert.equal(rec.state, 'failed', `${id}: ${rec.state} ${rec.reason}`);
        assert.equal(rec.stage, 'brand-status');
        assert.match(rec.reason ?? '', reason);
        assert.ok((rec.action ?? '').includes(rec.sids.brand!), `${id}: the action names the brand: ${rec.action}`);
        assert.match(rec.action ?? '', action);
        assert.equal(rec.details?.['brandStatus'], status);
        actions.add(rec.action ?? '');
        assert.equal(await stack.rt.ledger.dueAt(id), null, `${id} is no longer watched`);
      }
      assert.equal(actions.size, 3, 'three different actions');
    } finally {
      await stack.close();
    }
  });

  it('a brand IN_REVIEW longer than BRAND_REVIEW_STUCK_MS gets the action "contact Twilio support" with its SID, and is still followed', async () => {
    const stack = await startStack({ env: { BRAND_REVIEW_STUCK_MS: '2500', STATUS_POLL_MAX_MS: '200' } });
    try {
      await admin(stack, 'brand-outcomes', { mobile: MOBILE(20), status: 'IN_REVIEW' });
      await ingest(stack, [row('rev', { mobile_phone_number: MOBILE(20) })]);
      const brandSid = (await waitFor('brand in review', async () => {
        const r = await stack.rt.ledger.get('rev');
        return r?.status['brand'] === 'IN_REVIEW' ? r.sids.brand : null;
      }));
      // Before 2.5 s in review: no action yet.
      const early = (await stack.rt.ledger.get('rev'))!;
      assert.equal(early.action, null, 'no action while the review is young');
      const stuck = await waitFor('stuck review flagged', async () => {
        const r = await stack.rt.ledger.get('rev');
        return r?.action ? r : null;
      }, 10_000);
      assert.equal(stuck.state, 'in_progress');
      assert.equal(stuck.stage, 'brand-status');
      assert.match(stuck.action ?? '', new RegExp(`Brand ${brandSid} has been IN_REVIEW for more than .*contact Twilio Support naming the brand SID`));
      assert.match(stuck.reason ?? '', /IN_REVIEW since/);
      // The batch page, the report and `status` show the same action.
      const page = await customersPage(stack.rt.ledger, 'b1', undefined, 0, 10);
      assert.match(page.find((c) => c.customerId === 'rev')?.action ?? '', /contact Twilio Support/);
      const out = new PassThrough();
      let printed = '';
      out.on('data', (d: Buffer) => (printed += d.toString()));
      printStatus(await batchStatus(stack.rt.ledger, 'b1'), out);
      assert.match(printed, new RegExp(`what to do: Brand ${brandSid} has been IN_REVIEW`));
      // Still followed: once Twilio decides, the customer moves on by itself, and the action is gone.
      await admin(stack, `brands/${brandSid}/status`, { status: 'APPROVED', identityStatus: 'VERIFIED' });
      const live = await waitForState(stack.rt.ledger, 'rev', ['live', 'failed', 'expired'], 20_000);
      assert.equal(live.state, 'live', live.reason ?? '');
      assert.equal(live.action, null);
    } finally {
      await stack.close();
    }
  });

  it('error 30791 (temporary): the brand is resubmitted after BRAND_RETRY_MS, at most BRAND_RETRIES times per generation', async () => {
    const stack = await startStack({ env: { BRAND_RETRY_MS: '600', BRAND_RETRIES: '2', STATUS_POLL_MAX_MS: '200' } });
    const temporary = { status: 'FAILED', failureReason: 'Registration error', errors: [{ code: 30791, description: 'Temporary error, please retry' }] };
    try {
      // t1 fails once, then registers; t2 keeps failing with 30791.
      await admin(stack, 'brand-outcomes', { mobile: MOBILE(30), ...temporary, times: 1 });
      await admin(stack, 'brand-outcomes', { mobile: MOBILE(31), ...temporary, times: 10 });
      await ingest(stack, [row('t1', { mobile_phone_number: MOBILE(30) }), row('t2', { mobile_phone_number: MOBILE(31) })]);

      const t1 = await waitForState(stack.rt.ledger, 't1', ['live', 'failed', 'expired'], 30_000);
      assert.equal(t1.state, 'live', t1.reason ?? '');
      const t1Resubmits = brandRequests(stack, 'brand.update', t1.sids.brand!);
      assert.equal(t1Resubmits.length, 1, 'one resubmission');
      const t1History = await stack.rt.ledger.history('t1');
      assert.ok(t1History.some((h) => /temporary error 30791: resubmitting it in 1 s/.test(h.event ?? '')), JSON.stringify(t1History));

      const t2 = await waitForState(stack.rt.ledger, 't2', ['live', 'failed', 'expired'], 30_000);
      assert.equal(t2.state, 'failed');
      assert.match(t2.reason ?? '', /\(error 30791\)/);
      assert.match(t2.action ?? '', /temporary brand error \(error 30791\).*redrive --customer t2/);
      const t2Resubmits = brandRequests(stack, 'brand.update', t2.sids.brand!);
      assert.equal(t2Resubmits.length, 2, 'BRAND_RETRIES resubmissions, no more');
      // About BRAND_RETRY_MS after each failure, never at once.
      const failedAt = brandRequests(stack, 'brand.fetch', t2.sids.brand!)[0]!.at;
      assert.ok(t2Resubmits[0]!.at - failedAt >= 600 - 50, `first resubmission ${t2Resubmits[0]!.at - failedAt} ms after the failure was seen`);
    } finally {
      await stack.close();
    }
  });

  it('error 30915 (a Sole Proprietor that is really a company) ends with the advice to register as a business', async () => {
    const stack = await startStack();
    try {
      await admin(stack, 'brand-outcomes', {
        mobile: MOBILE(40),
        status: 'FAILED',
        failureReason: 'Unable to register Brand with The Campaign Registry',
        errors: [{ code: 30915, description: 'Sole Proprietor brand looks like an LLC or corporation' }],
      });
      await ingest(stack, [row('co', { mobile_phone_number: MOBILE(40) })]);
      const rec = await waitForState(stack.rt.ledger, 'co', ['live', 'failed', 'expired'], 20_000);
      assert.equal(rec.state, 'failed');
      assert.match(rec.action ?? '', /error 30915\).*Register the customer as a business: set its `flow` column to `business`/);
      assert.equal(brandRequests(stack, 'brand.update', rec.sids.brand!).length, 0, 'not resubmitted');
    } finally {
      await stack.close();
    }
  });
});

describe('the 30-day OTP limit counts from the brand registration (issue 12 point 5)', () => {
  it('a brand approved late expires OTP_EXPIRY_MS after its date_created, not after its approval', async () => {
    // Approval 3 s after registration, a 4 s limit: before, the limit ran from approval (7 s after registration).
    const stack = await startStack({
      sandbox: { brandDelayMs: 3000, otpReplyDelayMs: -1 },
      env: { OTP_EXPIRY_MS: '4000', OTP_RESEND_MS: '60000', SWEEP_INTERVAL_MS: '100', SWEEP_MAX_INTERVAL_MS: '200' },
    });
    try {
      await ingest(stack, [row('late')]);
      const rec = await waitForState(stack.rt.ledger, 'late', ['expired', 'failed', 'live'], 30_000);
      assert.equal(rec.state, 'expired', rec.reason ?? '');
      const created = stack.sandbox.requestLog().find((e) => e.operation === 'brand.create' && e.status < 300)!.at;
      const client = twilioClient(stack);
      const brand = await client.messaging.v1.brandRegistrations(rec.sids.brand!).fetch();
      const history = await stack.rt.ledger.history('late');
      const expiredAt = Date.parse(history.find((h) => h.state === 'expired')!.at);
      const approvedAt = Number(rec.status['brandApprovedAt']);
      assert.ok(approvedAt - created >= 2900, `approved ${approvedAt - created} ms after registration`);
      assert.ok(expiredAt - created <= 4000 + 1000, `expired ${expiredAt - created} ms after registration (limit 4000 ms from date_created ${brand.dateCreated.toISOString()})`);
      assert.equal(Number(rec.status['brandRegisteredAt']), brand.dateCreated.getTime());
      assert.match(rec.reason ?? '', /registered .* within .* of its registration/);
    } finally {
      await stack.close();
    }
  });
});

describe("Twilio's codes decide the operator's action (issue 12 point 8)", () => {
  const failed = (reason: string, details: Record<string, unknown> | null = null) => suggestAction({ state: 'failed', stage: 'campaign', reason, details, customerId: 'c9' }) ?? '';
  const campaign = (code: number) => failed(`Campaign QE${'1'.repeat(32)} FAILED: rejected (error ${code})`, { errors: [{ error_code: code }] });

  it('each documented code has its own action, whatever the wording around it', () => {
    assert.match(campaign(30885), /cannot be resubmitted/);
    assert.doesNotMatch(campaign(30885), /--update`/);
    assert.match(campaign(30889), /has_embedded_phone.*--update/);
    assert.match(campaign(30893), /samples.*--update/);
    assert.match(campaign(30899), /contact Twilio Support/);
    assert.match(campaign(30902), /secondary DCA.*contact Twilio Support/);
    assert.match(campaign(30900), /change the campaign's use case.*Authentication\+/);
    assert.match(campaign(30901), /register it again with `a2p-onboard redrive --customer c9`/);
    assert.match(campaign(30994), /Authentication\+/);
    assert.match(failed('Brand BN1 FAILED: x (error 30791)'), /temporary.*redrive --customer c9/);
    assert.match(failed('Brand BN1 FAILED: x (error 30752)'), /re-send|fresh one/);
    assert.match(failed('Brand BN1 FAILED: x (error 30915)'), /flow` column to `business`/);
    // 22215 is a missing or invalid end-user field (000), not "a disposable email".
    assert.doesNotMatch(failed('Starter customer profile BU1 was rejected by Twilio: The First Name is missing. (error 22215)', { errors: [{ code: 22215, object_field: 'first_name' }] }), /disposable|email/i);
    assert.match(failed('rejected: Email is invalid. (error 22215)', { errors: [{ code: 22215, object_field: 'email' }] }), /email/);
    assert.match(failed('rejected (error 22219)'), /address/);
    // A code wins over wording that would say otherwise.
    assert.match(failed('Brand BN1 is SUSPENDED (error 30915)'), /business/);
  });

  it('a noncompliant bundle submitted anyway: Twilio accepts it, then rejects it; the pipeline reports it with its codes', async () => {
    const stack = await startStack();
    try {
      const g = stack.rt.gateway;
      const sid = await g.createBundle('customerProfile', { friendlyName: 'empty starter profile', email: 'x@example.com', policySid: stack.rt.settings.starterPolicySid });
      // Before: the sandbox answered 400 to the submission.
      assert.equal(await g.submit('customerProfile', sid), 'pending-review');
      const bundle = await waitFor('rejection', async () => {
        const b = await g.fetchBundle('customerProfile', sid);
        return b.status === 'twilio-rejected' ? b : null;
      });
      let err: unknown;
      try {
        rejectIfRejected('customerProfile', bundle);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof RejectedError);
      assert.match(err.reason, /Starter customer profile BU[0-9a-f]{32} was rejected by Twilio: .*missing.*\(error 22214\)/);
      assert.ok(errorCodes(err.reason, err.details).has('22216'), err.reason);
      assert.match(failed(err.reason, err.details) , /lacks an end user or a supporting document/);
    } finally {
      await stack.close();
    }
  });
});
