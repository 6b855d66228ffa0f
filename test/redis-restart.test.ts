import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runRedisRestart } from '../scripts/reliability/redis-restart.js';
import { ensure } from '../src/jobs/ensure.js';
import { friendlyName } from '../src/jobs/friendly-name.js';
import type { StageContext } from '../src/jobs/outcome.js';
import { Ledger } from '../src/ledger/ledger.js';
import { createRedis } from '../src/redis.js';
import type { TwilioGateway } from '../src/twilio/gateway.js';
import { silentLog, startStack, stopTestRedis, testPrefix, testRedisUrl } from './helpers.js';

after(stopTestRedis);

describe('Redis restarts', () => {
  it('a changed Redis run id opens a window in which every create looks for an existing resource first', async () => {
    const redis = createRedis(await testRedisUrl());
    const prefix = testPrefix();
    try {
      const ledger = new Ledger(redis, prefix);
      assert.equal(await ledger.restartWindow.noteRedisRun(60_000), false, 'first look: nothing to compare with');
      assert.equal(await ledger.restartWindow.noteRedisRun(60_000), false, 'same server');
      assert.equal(await ledger.restartWindow.lookupFirst(), false);
      let created = 0;
      const ctx = { customerId: 'r1', gen: 1, ledger, gateway: {} as TwilioGateway, settings: {} as StageContext['settings'], log: silentLog, now: Date.now } satisfies StageContext;
      const create = async () => `BU${String(++created).padStart(32, '0')}`;
      const existing = 'BU' + 'e'.repeat(32);
      // Without the window, no intent means "never tried": create.
      assert.equal(await ensure(ctx, 'starter-profile', 'customerProfile', create, async () => existing), 'BU' + '0'.repeat(31) + '1');
      // Redis restarted (another run id) and lost the intent and the SID of a create it had answered.
      await redis.set(`${prefix}:ledger:redis-run-id`, 'f'.repeat(40));
      assert.equal(await ledger.restartWindow.noteRedisRun(60_000), true);
      assert.equal(await ledger.restartWindow.lookupFirst(), true);
      const ctx2 = { ...ctx, customerId: 'r2' };
      assert.equal(await ensure(ctx2, 'starter-profile', 'customerProfile', create, async () => existing), existing, 'found, not created again');
      assert.equal(created, 1);
      assert.equal(await ledger.restartWindow.lookupFirst(Date.now() + 61_000), false, 'the window closes');
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('a create that runs right after a restart, before any reconnect handler noticed it, still looks first', async () => {
    const redis = createRedis(await testRedisUrl());
    const prefix = testPrefix();
    try {
      const ledger = new Ledger(redis, prefix, { lookupAfterRestartMs: 60_000 });
      assert.equal(await ledger.restartWindow.noteRedisRun(), false);
      let created = 0;
      const ctx = { customerId: 'r3', gen: 1, ledger, gateway: {} as TwilioGateway, settings: {} as StageContext['settings'], log: silentLog, now: Date.now } satisfies StageContext;
      const existing = 'PN' + 'e'.repeat(32);
      // Redis restarted (another run id) and lost a bought number's intent and SID; nothing has called
      // noteRedisRun since (ioredis sends the commands queued while offline before the 'ready' handler's).
      await redis.set(`${prefix}:ledger:redis-run-id`, 'f'.repeat(40));
      const sid = await ensure(ctx, 'sender-number', 'senderNumber', async () => `PN${String(++created).padStart(32, '0')}`, async () => existing);
      assert.equal(sid, existing, 'found, not bought again');
      assert.equal(created, 0);
      assert.equal(await ledger.restartWindow.lookupFirst(), true, 'and the window is open for the creates after it');
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('in a restart window, creates look in one listing of the account instead of paging it each time; a recorded intent still searches afresh', async () => {
    const stack = await startStack({ workers: false });
    try {
      const { ledger, gateway } = stack.rt;
      const ctxOf = (customerId: string) => ({ customerId, gen: 1, ledger, gateway, settings: stack.rt.settings, log: silentLog, now: Date.now }) satisfies StageContext;
      const endUser = (customerId: string) => friendlyName(customerId, 'Starter Profile End User');
      const createEndUser = (customerId: string) => gateway.createEndUser({ friendlyName: endUser(customerId), type: 'starter_customer_profile_information', attributes: { first_name: 'Dana', last_name: 'Lopez', email: `${customerId}@example.com`, phone_number: '+14155550100' } });
      const ensureEndUser = (customerId: string) =>
        ensure(ctxOf(customerId), 'starter-profile', 'starterEndUser', () => createEndUser(customerId), (l) => gateway.findEndUserByFriendlyName(endUser(customerId), l.afterRestart));
      // An account with 150 end users (two pages), one of them created by a try whose intent and SID Redis lost.
      for (let i = 0; i < 149; i++) await createEndUser(`other${i}`);
      const lost = await createEndUser('lost1');
      await stack.rt.redis.set(`${stack.config.QUEUE_PREFIX}:ledger:redis-run-id`, 'f'.repeat(40));
      assert.equal(await ledger.restartWindow.noteRedisRun(60_000), true, 'the restart is noticed');
      const listsBefore = stack.sandbox.requestLog().filter((e) => e.operation === 'endUser.list').length;

      assert.equal(await ensureEndUser('lost1'), lost, 'the resource whose intent was lost is found, not created again');
      const fresh = await Promise.all(Array.from({ length: 20 }, (_, i) => ensureEndUser(`new${i}`)));
      assert.equal(new Set(fresh).size, 20);
      const lists = stack.sandbox.requestLog().filter((e) => e.operation === 'endUser.list').length - listsBefore;
      assert.equal(lists, 2, `21 creates in the window listed the account's end users once (2 pages), not ${lists / 2} times`);

      // A try that recorded its intent, created, and died before recording the SID: searched afresh, not in the old listing.
      await ledger.setIntent('died1', 'starterEndUser');
      const died = await createEndUser('died1');
      assert.equal(await ensureEndUser('died1'), died);
      const all = stack.sandbox.requestLog().filter((e) => e.operation === 'endUser.create').length;
      assert.equal(all, 150 + 20 + 1, 'nothing created twice');
    } finally {
      await stack.close();
    }
  });

  it('SIGKILLed twice mid-batch (AOF everysec), Redis comes back and the batch settles with nothing lost or created twice', { timeout: 90_000 }, async () => {
    const r = await runRedisRestart({ customers: 30, businesses: 4, restarts: 2, mode: 'kill9', downMs: 1000, everyMs: 1200, workers: 2, latencyMs: 30, timeoutMs: 60_000 });
    assert.equal(r.restarts, 2);
    assert.equal(r.timedOut, false, JSON.stringify(r.audit.lost.slice(0, 5)));
    assert.ok(r.restartsNoticedByWorkers >= 2, 'workers noticed each restart (and look before creating)');
    assert.deepEqual(r.audit.lost, []);
    assert.deepEqual(r.audit.duplicateDetails, []);
    assert.deepEqual(r.audit.missingResources, []);
    assert.equal(r.unexpectedWorkerExits, 0, 'workers reconnected on their own');
    assert.ok(r.workerExitCodes.every((c) => c === 0), JSON.stringify(r.workerExitCodes));
  });

  it('every queue wiped mid-batch, the ledger kept: the sweeps queue the lost stage jobs again', { timeout: 90_000 }, async () => {
    const r = await runRedisRestart({ customers: 20, businesses: 3, restarts: 1, mode: 'queues-lost', downMs: 0, everyMs: 800, workers: 2, timeoutMs: 60_000 });
    assert.equal(r.restarts, 1);
    assert.ok(r.settledAtRestart[0]! < 23, 'the wipe happened mid-batch');
    assert.equal(r.timedOut, false, JSON.stringify(r.audit.lost.slice(0, 5)));
    assert.deepEqual(r.audit.lost, []);
    assert.deepEqual(r.audit.duplicateDetails, []);
  });
});
