import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { startSandbox } from '@a2p-onboard/twilio-sandbox';
import { FAST_SANDBOX } from '../fixtures/sandbox.js';
import { cliArgs, runCli } from '../scripts/built-cli.js';
import { Ledger } from '../src/ledger/ledger.js';
import type { CustomerState } from '../src/ledger/states.js';
import { verifySignature } from '../src/notify/signature.js';
import { createRedis } from '../src/redis.js';
import { csv, row, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile, waitFor, waitForState } from './helpers.js';
import { SECRET, assertChain, chainsComplete, recorder } from './notify-receiver.js';

after(stopTestRedis);

/** Worker processes as an operator runs them, one SIGKILLed while the ISV's receiver holds its POST open. */
describe('notifications survive a killed worker', () => {
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
      w.stderr.on('data', (b: Buffer) => (logs += b.toString()));
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
      await waitFor('every change notified after the kill', () => chainsComplete(rec, ['k1', 'k2', 'k3'], final), 60_000);
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
