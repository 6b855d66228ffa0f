import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createTwilioClient } from '../src/twilio/client.js';
import { TransientError } from '../src/twilio/errors.js';
import { TwilioGateway } from '../src/twilio/gateway.js';
import { ingestFile } from '../src/producers/ingest.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { stageJobId } from '../src/workers/queues.js';
import { HEADER, csv, row, startStack, stopTestRedis, templateFile, tmpFile, waitFor, waitForState, twilioClient } from './helpers.js';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN, REVIEW_ONLY_ZIP } from '../fixtures/customers.js';
import { assertFollowsRegistry } from './stage-path.js';

after(stopTestRedis);

async function ingest(stack: Awaited<ReturnType<typeof startStack>>, ...rows: string[]) {
  return ingestFile(stack.rt, tmpFile('customers.csv', csv(...rows)), { templatePath: templateFile(), batchId: 'b1' });
}

describe('Sole Proprietor pipeline against the sandbox', () => {
  it('drives a small batch to completed with every SID recorded, one of each resource per customer', async () => {
    const stack = await startStack({ sandbox: { recordBodies: true } });
    try {
      // The template's privacy and terms URLs hold {{customer_id}}; c3 has its own privacy page, which wins.
      const file = tmpFile('customers.csv', [`${HEADER},privacy_policy_url`, `${row('c1')},`, `${row('c2')},`, `${row('c3')},www.c3-studio.example.com/privacy`].join('\n') + '\n');
      const report = await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'b1' });
      assert.equal(report.accepted, 3);
      assert.deepEqual(report.rejected, []);
      for (const id of ['c1', 'c2', 'c3']) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed']);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason} ${JSON.stringify(await stack.rt.ledger.history(id))}`);
        assert.equal(rec.stage, 'sender-number');
        for (const name of ['customerProfile', 'starterEndUser', 'address', 'addressDocument', 'profileAssignEndUser', 'profileAssignDocument', 'profileAssignPrimary', 'trustProduct', 'soleProprietorEndUser', 'bundleAssignEndUser', 'bundleAssignProfile', 'brand', 'messagingService', 'campaign', 'senderNumber', 'servicePhoneNumber'] as const) {
          assert.ok(rec.sids[name], `${id} has a ${name} SID`);
        }
        assert.match(rec.sids.brand!, /^BN[0-9a-f]{32}$/);
        assert.match(rec.sids.campaign!, /^QE[0-9a-f]{32}$/);
        assertFollowsRegistry(id, await stack.rt.ledger.history(id));
      }
      const counts = stack.sandbox.counts();
      assert.equal(counts.customerProfiles, 3 + 1, 'three starter profiles plus the ISV primary profile');
      assert.equal(counts.trustProducts, 3);
      assert.equal(counts.brands, 3);
      assert.equal(counts.services, 3);
      assert.equal(counts.campaigns, 3);
      // Every campaign Twilio received carries the customer's own pages (Twilio errors 30933, 30934 without them).
      const sent = stack.sandbox.requestLog().filter((e) => e.operation === 'campaign.create' && e.status === 201).map((e) => new Map(e.form ?? []));
      assert.deepEqual(
        sent.map((f) => [f.get('PrivacyPolicyUrl'), f.get('TermsAndConditionsUrl')]).sort(),
        [
          ['https://isv.example.com/privacy/c1', 'https://isv.example.com/terms/c1'],
          ['https://isv.example.com/privacy/c2', 'https://isv.example.com/terms/c2'],
          ['https://www.c3-studio.example.com/privacy', 'https://isv.example.com/terms/c3'],
        ],
      );
      const status = await batchStatus(stack.rt.ledger, 'b1');
      assert.equal(status.counts.live, 3);
      // Friendly names carry the customer id.
      const client = twilioClient(stack);
      const profiles = await client.trusthub.v1.customerProfiles.list();
      assert.ok(profiles.some((p) => p.friendlyName.includes('c2')));
    } finally {
      await stack.close();
    }
  });

  it('dead-letters each rejection with a reason that names the cause', async () => {
    const stack = await startStack();
    try {
      // The sandbox's TCR already counts 3 brands (at other vendors) for this mobile: ours is the fourth.
      const reusedMobile = '+14155550199';
      const res = await fetch(`${stack.sandbox.url}/_sandbox/tcr-usage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mobile: reusedMobile, count: 3 }),
      });
      assert.equal(res.status, 200);
      const report = await ingest(
        stack,
        row('disposable', { email: `pat@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }),
        row('badzip', REVIEW_ONLY_ZIP),
        row('reused', { mobile_phone_number: '(415) 555-0199' }),
      );
      assert.equal(report.accepted, 3);
      const expectations: Record<string, RegExp> = {
        disposable: /disposable/i,
        badzip: /postal code/i,
        reused: /Unable to register Brand with The Campaign Registry/,
      };
      for (const [id, why] of Object.entries(expectations)) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed']);
        assert.equal(rec.state, 'failed', `${id} should fail`);
        assert.match(rec.reason ?? '', why, `${id}: ${rec.reason}`);
        const dl = await stack.rt.queues['dead-letter'].getJob(stageJobId('dead-letter', id, 1));
        assert.ok(dl, `${id} is in the dead-letter queue`);
        assert.match(String(dl.data.reason), why);
      }
      // A rejected profile never reaches the paid brand registration.
      const disposable = await stack.rt.ledger.get('disposable');
      assert.equal(disposable?.sids.brand, undefined);
      assert.equal(disposable?.stage, 'trust-bundle');
    } finally {
      await stack.close();
    }
  });

  it('dead-letters a noncompliant evaluation with what Twilio found missing', async () => {
    // An ISV primary profile that is not approved makes every starter profile noncompliant.
    const stack = await startStack({ workers: false });
    const client = twilioClient(stack);
    const draft = await client.trusthub.v1.customerProfiles.create({ friendlyName: 'draft primary', email: 'isv@example.com', policySid: 'RNdfbf3fae0e1107f8aded0e7cead80bf5' });
    stack.rt.settings.isvPrimaryProfileSid = draft.sid;
    stack.startWorkers();
    try {
      await ingest(stack, row('nc1'));
      const rec = await waitForState(stack.rt.ledger, 'nc1', ['live', 'failed']);
      assert.equal(rec.state, 'failed');
      assert.match(rec.reason ?? '', /noncompliant/);
      assert.match(rec.reason ?? '', /Primary|primary/);
      assert.equal(rec.stage, 'starter-profile');
    } finally {
      await stack.close();
    }
  });

  it('holds the validation waits: no next stage starts before VALIDATION_WAIT_MS', async () => {
    const wait = 600;
    const stack = await startStack({ env: { VALIDATION_WAIT_MS: String(wait) } });
    try {
      await ingest(stack, row('w1'), row('w2'));
      for (const id of ['w1', 'w2']) {
        await waitForState(stack.rt.ledger, id, ['live'], 30_000);
        const pairs = [
          ['starter-profile', 'trust-bundle'],
          ['trust-bundle', 'brand'],
          ['brand', 'brand-status'],
        ] as const;
        for (const [from, to] of pairs) {
          const a = await stack.rt.queues[from].getJob(stageJobId(from, id, 1));
          const b = await stack.rt.queues[to].getJob(stageJobId(to, id, 1));
          assert.ok(a?.finishedOn && b?.processedOn, `${id}: jobs ${from} and ${to} exist`);
          // The next job is added inside the previous one, just before it finishes.
          assert.ok(b.timestamp >= a.processedOn!, 'next job added by the previous stage');
          assert.ok(b.processedOn - b.timestamp >= wait - 5, `${id}: ${to} started ${b.processedOn - b.timestamp} ms after ${from} queued it`);
        }
      }
    } finally {
      await stack.close();
    }
  });

  it('never sends more than 10 OTP requests in any second', async () => {
    // Customers never answer, and a fresh OTP is due every 100 ms: far more demand than 10/s.
    const stack = await startStack({ sandbox: { otpReplyDelayMs: -1 }, env: { OTP_RESEND_MS: '100', STATUS_POLL_MAX_MS: '100', VALIDATION_WAIT_MS: '50' } });
    try {
      await ingest(stack, ...Array.from({ length: 12 }, (_, i) => row(`otp${i}`)));
      await waitFor('enough OTP requests', async () => stack.sandbox.requestLog().filter((e) => e.operation === 'otp.create').length >= 45, 30_000, 100);
      const otps = stack.sandbox.requestLog().filter((e) => e.operation === 'otp.create');
      assert.ok(otps.every((e) => e.status !== 429), 'the sandbox never had to refuse an OTP request');
      let worst = 0;
      for (let i = 0; i < otps.length; i++) {
        let n = 0;
        for (let j = i; j < otps.length && otps[j]!.at - otps[i]!.at < 1000; j++) n++;
        worst = Math.max(worst, n);
      }
      assert.ok(worst <= 10, `a one-second window held ${worst} OTP requests`);
      assert.ok(worst >= 8, `the OTP budget should be kept busy (best window ${worst})`);
      const rec = await stack.rt.ledger.get('otp0');
      assert.equal(rec?.state, 'awaiting_otp');
    } finally {
      await stack.close();
    }
  });

  it('creates nothing twice when the process dies between Twilio\'s answer and the ledger write', async () => {
    // Each create succeeds at Twilio, then the answer is "lost" once (as after a crash or a
    // connection reset): the retry must find the resource instead of creating a second one.
    const lost = new Set<string>();
    const loseFirstAnswer = (g: TwilioGateway): TwilioGateway => {
      const names = ['createBundle', 'createEndUser', 'createAddress', 'createSupportingDocument', 'assign', 'createBrand', 'createMessagingService', 'createCampaign'] as const;
      return new Proxy(g, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function' || !(names as readonly (string | symbol)[]).includes(prop)) return value;
          return async (...args: unknown[]) => {
            const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            // The second argument tells resources apart only when it is a SID (assign's object).
            const key = `${String(prop)}:${JSON.stringify(args[0])}:${typeof args[1] === 'string' ? args[1] : ''}`;
            if (!lost.has(key)) {
              lost.add(key);
              throw new TransientError(`${String(prop)}: connection reset after Twilio created it`, true);
            }
            return result;
          };
        },
      });
    };
    const stack = await startStack({ wrapGateway: loseFirstAnswer });
    try {
      await ingest(stack, row('x1'), row('x2'));
      for (const id of ['x1', 'x2']) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason} ${JSON.stringify(await stack.rt.ledger.history(id))}`);
      }
      assert.ok(lost.size >= 20, `every create lost its first answer (${lost.size})`);
      const c = stack.sandbox.counts();
      assert.deepEqual(
        { profiles: c.customerProfiles - 1, bundles: c.trustProducts, brands: c.brands, services: c.services, campaigns: c.campaigns },
        { profiles: 2, bundles: 2, brands: 2, services: 2, campaigns: 2 },
      );
      const client = twilioClient(stack);
      const endUsers = (await client.trusthub.v1.endUsers.list()).filter((e) => e.friendlyName !== 'ISV Business Information');
      assert.equal(endUsers.length, 4, 'two end users per customer');
      const addresses = await client.api.v2010.accounts(stack.sandbox.options.accountSid).addresses.list();
      assert.equal(addresses.length, 2);
      const docs = await client.trusthub.v1.supportingDocuments.list();
      assert.equal(docs.length, 2);
      for (const id of ['x1', 'x2']) {
        const rec = await stack.rt.ledger.get(id);
        const assignments = await client.trusthub.v1.customerProfiles(rec!.sids.customerProfile!).customerProfilesEntityAssignments.list();
        assert.equal(assignments.length, 3, 'end user, document, primary profile: each once');
      }
    } finally {
      await stack.close();
    }
  });

  it('stops on bad credentials instead of failing customers', async () => {
    const stack = await startStack({ workers: false });
    try {
      await ingest(stack, row('auth1'));
      // Swap in a gateway with a wrong token.
      const bad = createTwilioClient({ accountSid: stack.sandbox.options.accountSid, authToken: 'wrong-token', apiBase: stack.sandbox.url });
      const budgets = (stack.rt.gateway as unknown as { budgets: ConstructorParameters<typeof TwilioGateway>[2] }).budgets;
      stack.rt.gateway = new TwilioGateway(bad, stack.sandbox.options.accountSid, budgets);
      const pool = stack.startWorkers();
      await waitFor('workers to pause', async () => pool.paused, 10_000);
      const rec = await stack.rt.ledger.get('auth1');
      assert.equal(rec?.state, 'in_progress', 'the customer is not failed for the account\'s credentials');
      assert.equal(await stack.rt.queues['dead-letter'].count(), 0);
    } finally {
      await stack.close();
    }
  });
});
