import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../src/log.js';
import type { CustomerState } from '../src/ledger/states.js';
import { verifySignature } from '../src/notify/signature.js';
import { redriveCustomer } from '../src/producers/redrive.js';
import { startDashboard } from '../src/server/dashboard.js';
import { NOTIFY } from '../src/workers/queues.js';
import { notifyAttempts } from '../src/workers/notify-worker.js';
import { RELAY_GROUP } from '../src/workers/notify-relay.js';
import { ingestRows, row, startStack, stopTestRedis, tmpFile, waitFor, waitForState } from './helpers.js';
import { SECRET, assertChain, chainsComplete, recorder } from './notify-receiver.js';

after(stopTestRedis);

describe('signed notifications to the ISV (NOTIFY_URL)', () => {
  it('a receiver gets every state change of a batch, each signed with the secret, with words for the customer; no personal data in the logs', { timeout: 90_000 }, async () => {
    const rec = await recorder();
    let logs = '';
    const log = createLogger('debug', new Writable({ write: (c: Buffer, _e, cb) => ((logs += c.toString()), cb()) }), { secrets: [SECRET] });
    // The customers take a second to reply YES, so the workers see them wait for it.
    const stack = await startStack({ log, sandbox: { otpReplyDelayMs: 1_200 }, env: { NOTIFY_URL: rec.receiver.url, NOTIFY_SECRET: SECRET } });
    try {
      // One customer The Campaign Registry refuses (its mobile already has 3 brands elsewhere): it fails at brand.
      const refusedMobile = '+14155559901';
      const res = await fetch(`${stack.sandbox.url}/_sandbox/tcr-usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile: refusedMobile, count: 3 }) });
      assert.equal(res.status, 200, await res.text());
      await ingestRows(stack, [row('n1', { email: 'nora.secret@example.com' }), row('n2'), row('n3', { mobile_phone_number: '+1 415 555 9901' })], { batch: 'nb' });
      const final = new Map<string, CustomerState>();
      for (const id of ['n1', 'n2', 'n3']) final.set(id, (await waitForState(stack.rt.ledger, id, ['live', 'failed', 'expired'], 60_000)).state);
      assert.deepEqual([...final.values()], ['live', 'live', 'failed']);
      await waitFor('every customer\'s last state change notified', () => chainsComplete(rec, ['n1', 'n2', 'n3'], final), 30_000);

      const by = rec.byCustomer();
      for (const id of ['n1', 'n2']) assert.deepEqual(assertChain(by.get(id), 'live', id), ['in_progress', 'awaiting_otp', 'completed', 'live']);
      assert.deepEqual(assertChain(by.get('n3'), 'failed', 'n3'), ['in_progress', 'failed']);

      // The README's few lines of Node verify what a receiver gets (and refuse a tampered body).
      const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
      const snippet = /```js\n(import[\s\S]*?verifyA2pSignature[\s\S]*?)```/.exec(readme)?.[1];
      assert.ok(snippet, 'the README has the verification snippet');
      const { verifyA2pSignature } = (await import(pathToFileURL(tmpFile('verify.mjs', snippet)).href)) as { verifyA2pSignature: (body: string, header: string, secret: string) => boolean };
      for (const r of rec.got) {
        assert.equal(verifyA2pSignature(r.rawBody, r.signature, SECRET), true);
        assert.equal(verifyA2pSignature(r.rawBody.replace('"nb"', '"xx"'), r.signature, SECRET), false);
      }
      for (const r of rec.got) {
        // What the receiver got verifies with the secret, and not with another one.
        assert.ok(verifySignature(r.signature, r.rawBody, SECRET).ok, `${r.notification.id} verifies`);
        assert.equal(verifySignature(r.signature, r.rawBody, 'another-secret-0123456789').ok, false);
        assert.match(r.signature, /^t=\d{10},v1=[0-9a-f]{64}$/);
        assert.match(r.notification.id, /^evt_[0-9a-f]{32}$/);
        assert.equal(r.notification.type, `customer.${r.notification.customer.state}`);
        assert.equal(r.notification.customer.batchId, 'nb');
      }
      const otp = by.get('n1')!.find((r) => r.notification.customer.state === 'awaiting_otp')!.notification;
      assert.match(otp.customer.customerMessage ?? '', /Reply YES to that text within 24 hours/);
      const failed = by.get('n3')!.at(-1)!.notification.customer;
      assert.equal(failed.stage, 'brand-status');
      assert.ok(failed.reason && failed.action, 'a failure says why and what to do');
      assert.match(by.get('n2')!.at(-1)!.notification.customer.customerMessage ?? '', /can start sending text messages/);

      // Ids are unique: one per change, however often it is delivered.
      const ids = rec.got.filter((r) => !r.duplicate).map((r) => r.notification.id);
      assert.equal(new Set(ids).size, ids.length);
      // The outbox is emptied as the relay queues each change.
      await waitFor('outbox drained', async () => (await stack.rt.redis.xlen(stack.rt.ledger.outboxKey())) === 0);

      // A redrive starts a new generation: in_progress is notified again, after the failure it follows.
      assert.ok((await redriveCustomer(stack.rt, 'n3')).ok);
      const again = await waitForState(stack.rt.ledger, 'n3', ['failed', 'live'], 30_000);
      await waitFor('the redriven customer\'s changes notified', () => chainsComplete(rec, ['n3'], new Map([['n3', again.state]])), 30_000);
      const n3 = assertChain(rec.byCustomer().get('n3'), again.state, 'n3');
      assert.deepEqual(n3.slice(0, 3), ['in_progress', 'failed', 'in_progress']);
      assert.equal(rec.byCustomer().get('n3')![2]!.notification.customer.generation, 2);

      assert.match(logs, /notification delivered/);
      assert.doesNotMatch(logs, /notification relay/, 'the relay never failed');
      for (const secretish of ['nora.secret@example.com', SECRET, 'Dana', 'Lopez', '123 Market St', '4155559901']) assert.ok(!logs.includes(secretish), `logs do not contain ${secretish}`);
    } finally {
      await stack.close();
      await rec.receiver.close();
    }
  });

  it('a receiver that answers 500 for a while still gets everything afterwards; one that never accepts is dead-lettered and listed on the dashboard', { timeout: 90_000 }, async () => {
    let down = true;
    const rec = await recorder({ refuse: () => down });
    const stack = await startStack({ env: { NOTIFY_URL: rec.receiver.url, NOTIFY_SECRET: SECRET, NOTIFY_BACKOFF_BASE_MS: '50', NOTIFY_BACKOFF_MAX_MS: '300', NOTIFY_RETRY_WINDOW_MS: '60000' } });
    try {
      await ingestRows(stack, [row('r1'), row('r2')], { batch: 'rb' });
      for (const id of ['r1', 'r2']) await waitForState(stack.rt.ledger, id, ['live'], 60_000);
      // Down through the whole batch: every change was refused at least once.
      await waitFor('refusals', async () => rec.refusedCount() >= 8);
      assert.equal(rec.got.length, 0);
      down = false;
      const final = new Map<string, CustomerState>([['r1', 'live'], ['r2', 'live']]);
      await waitFor('everything delivered once the receiver is back', () => chainsComplete(rec, ['r1', 'r2'], final), 30_000);
      const by = rec.byCustomer();
      for (const id of ['r1', 'r2']) assertChain(by.get(id), 'live', id);
      assert.equal(await stack.rt.queues[NOTIFY].getFailedCount(), 0, 'nothing dead-lettered');
    } finally {
      await stack.close();
      await rec.receiver.close();
    }

    // A receiver that never accepts, with a retry window of a moment: dead-lettered, kept and shown.
    const never = await recorder({ refuse: () => true });
    const stack2 = await startStack({ env: { NOTIFY_URL: never.receiver.url, NOTIFY_SECRET: SECRET, NOTIFY_BACKOFF_BASE_MS: '20', NOTIFY_BACKOFF_MAX_MS: '40', NOTIFY_RETRY_WINDOW_MS: '100' } });
    try {
      await ingestRows(stack2, [row('d1')], { batch: 'db' });
      const failedJob = await waitFor('a dead-lettered notification', async () => (await stack2.rt.queues[NOTIFY].getFailed(0, 10)).find((j) => (j.data as { customer?: { state?: string } }).customer?.state === 'in_progress'));
      assert.equal(failedJob.attemptsMade, notifyAttempts(100, 20, 40));
      assert.match(failedJob.failedReason, /the receiver answered 500/);
      const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw-0123456789', queues: stack2.rt.queues, ledger: stack2.rt.ledger });
      try {
        const page = await fetch(`${dash.url}/notifications`, { headers: { authorization: `Basic ${Buffer.from('admin:pw-0123456789').toString('base64')}` } });
        assert.equal(page.status, 200);
        const text = await page.text();
        assert.match(text, /Dead-lettered/);
        assert.ok(text.includes(String(failedJob.id)), 'the dead-lettered event is listed');
        assert.match(text, /customer\.in_progress/);
        assert.match(text, /the receiver answered 500/);
        const batches = await (await fetch(`${dash.url}/batches`, { headers: { authorization: `Basic ${Buffer.from('admin:pw-0123456789').toString('base64')}` } })).text();
        assert.match(batches, /notifications? dead-lettered/);
      } finally {
        await dash.close();
      }
    } finally {
      await stack2.close();
      await never.receiver.close();
    }
  });

  it('state changes a relay read and never queued (its worker died) are taken over by another', { timeout: 60_000 }, async () => {
    const rec = await recorder();
    const stack = await startStack({ workers: false, env: { NOTIFY_URL: rec.receiver.url, NOTIFY_SECRET: SECRET, NOTIFY_CLAIM_IDLE_MS: '200' } });
    try {
      await ingestRows(stack, [row('c1'), row('c2')], { batch: 'cb' });
      const key = stack.rt.ledger.outboxKey();
      // A relay that read both changes and died before queueing them.
      await stack.rt.redis.xgroup('CREATE', key, RELAY_GROUP, '0');
      const read = await stack.rt.redis.xreadgroup('GROUP', RELAY_GROUP, 'dead-worker', 'COUNT', 10, 'STREAMS', key, '>');
      assert.equal(JSON.stringify(read).match(/evt_/g)?.length, 2, 'the dead relay holds both');
      stack.startWorkers();
      await waitFor('both accepted customers notified', async () => ['c1', 'c2'].every((id) => rec.byCustomer().get(id)?.[0]?.notification.customer.state === 'in_progress'), 20_000);
      const pending = (await stack.rt.redis.xpending(key, RELAY_GROUP)) as [number, ...unknown[]];
      assert.equal(pending[0], 0, 'nothing left pending');
    } finally {
      await stack.close();
      await rec.receiver.close();
    }
  });
});
