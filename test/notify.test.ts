import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { startSandbox } from '@a2p-onboard/twilio-sandbox';
import { createRedis } from '../src/redis.js';
import { Ledger } from '../src/ledger/ledger.js';
import { createLogger } from '../src/log.js';
import type { CustomerState } from '../src/ledger/states.js';
import { startNotifyReceiver, type ReceivedNotification, type Receiver } from '../src/notify/receiver.js';
import { verifySignature } from '../src/notify/signature.js';
import { startDashboard } from '../src/server/dashboard.js';
import { NOTIFY } from '../src/workers/queues.js';
import { notifyAttempts } from '../src/workers/notify-worker.js';
import { cliArgs, runCli } from '../scripts/built-cli.js';
import { FAST_SANDBOX } from '../fixtures/sandbox.js';
import { csv, ingestRows, row, startStack, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile, waitFor, waitForState } from './helpers.js';

after(stopTestRedis);

const SECRET = 'whsec-test-0123456789abcdef';

/** A receiver that records what it acts on; `refuse` makes it answer 500 (the handler throws), `hold` keeps a request open. */
async function recorder(opts: { refuse?: (r: ReceivedNotification) => boolean; hold?: (r: ReceivedNotification) => Promise<void> } = {}) {
  const got: ReceivedNotification[] = [];
  let refused = 0;
  const receiver: Receiver = await startNotifyReceiver({
    secret: SECRET,
    async onNotification(r) {
      if (opts.hold) await opts.hold(r);
      if (opts.refuse?.(r)) {
        refused += 1;
        throw new Error('receiver is down');
      }
      got.push(r);
    },
  });
  /** Each event once (the ISV dedupes on id), per customer in the order they happened. */
  const byCustomer = () => {
    const out = new Map<string, ReceivedNotification[]>();
    for (const r of got) {
      if (r.duplicate) continue;
      const list = out.get(r.notification.customer.customerId) ?? [];
      list.push(r);
      out.set(r.notification.customer.customerId, list);
    }
    for (const list of out.values()) list.sort((a, b) => a.notification.createdAt.localeCompare(b.notification.createdAt));
    return out;
  };
  return { receiver, got, byCustomer, refusedCount: () => refused };
}

/**
 * Nothing missing for a customer: its notifications, in order, start at in_progress, each names the state
 * the one before it moved to (the previous state is read in the same Lua script that writes the change),
 * and the last is the ledger's state now.
 */
function assertChain(list: ReceivedNotification[] | undefined, finalState: CustomerState, who: string): CustomerState[] {
  assert.ok(list && list.length > 0, `${who}: notifications received`);
  const states = list.map((r) => r.notification.customer.state);
  assert.equal(states[0], 'in_progress', `${who}: the first is in_progress (${states.join(' > ')})`);
  assert.equal(list[0]!.notification.customer.previousState, null);
  for (let i = 1; i < list.length; i++) assert.equal(list[i]!.notification.customer.previousState, states[i - 1], `${who}: no change missing before ${states[i]} (${states.join(' > ')})`);
  assert.equal(states.at(-1), finalState, `${who}: the last is the state now (${states.join(' > ')})`);
  return states;
}

/** Every customer's chain is complete (what assertChain then checks), whatever order the retries arrived in. */
async function countNotifications(r: { byCustomer(): Map<string, ReceivedNotification[]> }, ids: string[], final: Map<string, CustomerState>): Promise<boolean> {
  const by = r.byCustomer();
  return ids.every((id) => {
    const list = by.get(id) ?? [];
    if (list[0]?.notification.customer.state !== 'in_progress' || list.at(-1)?.notification.customer.state !== final.get(id)) return false;
    return list.every((n, i) => i === 0 || n.notification.customer.previousState === list[i - 1]!.notification.customer.state);
  });
}

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
      await waitFor('every customer\'s last state change notified', () => countNotifications(rec, ['n1', 'n2', 'n3'], final), 30_000);

      const by = rec.byCustomer();
      for (const id of ['n1', 'n2']) assert.deepEqual(assertChain(by.get(id), 'live', id), ['in_progress', 'awaiting_otp', 'completed', 'live']);
      assert.deepEqual(assertChain(by.get('n3'), 'failed', 'n3'), ['in_progress', 'failed']);

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

      assert.match(logs, /notification delivered/);
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
      await waitFor('everything delivered once the receiver is back', () => countNotifications(rec, ['r1', 'r2'], final), 30_000);
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

  it('no notification is lost when the worker delivering it is killed mid-request', { timeout: 150_000 }, async () => {
    const sandbox = await startSandbox(FAST_SANDBOX);
    let held: ((ok: boolean) => void) | undefined;
    let heldId: string | undefined;
    // The first `completed` is held open (no answer) until the worker that sent it is killed.
    const rec = await recorder({
      hold: async (r) => {
        if (heldId || r.notification.customer.state !== 'completed') return;
        heldId = r.notification.id;
        const ok = await new Promise<boolean>((resolve) => (held = resolve));
        if (!ok) throw new Error('the sender is gone');
      },
    });
    const prefix = testPrefix();
    const redisUrl = await testRedisUrl();
    const env = {
      ...process.env,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE: sandbox.url,
      VALIDATION_WAIT_MS: '100',
      SWEEP_INTERVAL_MS: '200',
      SWEEP_MAX_INTERVAL_MS: '400',
      STATUS_POLL_MAX_MS: '300',
      REGISTRATION_RPS: '20',
      WORKER_LOCK_MS: '1000',
      BUY_SENDER_NUMBERS: 'true',
      LOG_LEVEL: 'info',
      NOTIFY_URL: rec.receiver.url,
      NOTIFY_SECRET: SECRET,
      NOTIFY_TIMEOUT_MS: '60000',
      NOTIFY_BACKOFF_BASE_MS: '100',
      NOTIFY_BACKOFF_MAX_MS: '500',
      NOTIFY_CLAIM_IDLE_MS: '500',
    };
    const workers: ChildProcess[] = [];
    let logs = '';
    const startWorker = () => {
      const w = spawn(process.execPath, cliArgs('worker'), { env, stdio: ['ignore', 'ignore', 'pipe'] });
      w.stderr!.on('data', (b: Buffer) => (logs += b.toString()));
      workers.push(w);
      return w;
    };
    const redis = createRedis(redisUrl);
    const ledger = new Ledger(redis, prefix);
    try {
      const first = startWorker();
      const ingest = await runCli(env, 'ingest', tmpFile('k.csv', csv(row('k1'), row('k2'), row('k3'))), '--template', templateFile(), '--batch', 'kb');
      assert.equal(ingest.status, 0, ingest.stderr);
      await waitFor('a notification held open by the receiver', async () => held, 60_000);
      const exited = once(first, 'exit');
      first.kill('SIGKILL');
      await exited;
      held!(false);
      startWorker();
      const final = new Map<string, CustomerState>();
      for (const id of ['k1', 'k2', 'k3']) final.set(id, (await waitForState(ledger, id, ['live', 'failed'], 90_000)).state);
      await waitFor('every change notified after the kill', () => countNotifications(rec, ['k1', 'k2', 'k3'], final), 60_000);
      const by = rec.byCustomer();
      for (const id of ['k1', 'k2', 'k3']) assertChain(by.get(id), final.get(id)!, id);
      assert.ok(rec.got.some((r) => r.notification.id === heldId), 'the notification cut off by the kill was delivered again, with its id');
      for (const r of rec.got) assert.ok(verifySignature(r.signature, r.rawBody, SECRET).ok);
      assert.ok(!logs.includes(SECRET), 'the secret is never logged');
      assert.ok(!logs.includes('k1@example.com'), 'no email in the logs');
    } finally {
      held?.(false);
      for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      await redis.quit();
      await sandbox.close();
      await rec.receiver.close();
    }
  });
});
