import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Budget, BudgetExhaustedError, budgetStats, takeAll, withBudgetPriority } from '../src/twilio/budget.js';
import { createRedis } from '../src/redis.js';
import { stopTestRedis, testPrefix, testRedisUrl, waitFor } from './helpers.js';

after(stopTestRedis);

/** The shared budgets' Redis script, read through its state: what a reservation books, and what waiting leaves alone. */
describe('budgets', () => {
  const tat = async (redis: ReturnType<typeof createRedis>, key: string) => Number((await redis.get(key)) ?? 0);

  it('spaces slots (1000 + jitter) / rate apart', async () => {
    const redis = createRedis(await testRedisUrl());
    const p = testPrefix();
    try {
      const b = new Budget(redis, `${p}:budget:a`, 20, 5_000, 50);
      assert.equal(b.intervalUs, 52_500);
      await b.take();
      const first = await tat(redis, b.key);
      await b.take();
      assert.equal((await tat(redis, b.key)) - first, 52_500, 'the second slot is one interval after the first');
    } finally {
      await redis.del(`${p}:budget:a`);
      await redis.quit();
    }
  });

  it('books no account slot while a call waits for the registration budget', async () => {
    const redis = createRedis(await testRedisUrl());
    const p = testPrefix();
    const account = new Budget(redis, `${p}:budget:account`, 50, 5_000, 0);
    const registration = new Budget(redis, `${p}:budget:registration`, 2, 5_000, 0);
    try {
      await takeAll([account, registration]);
      const accountAfterFirst = await tat(redis, account.key);
      const registrationAfterFirst = await tat(redis, registration.key);
      const deferred = budgetStats.deferred;
      const second = takeAll([account, registration]);
      // The second registration is 500 ms away: it waits without booking the account meanwhile.
      await waitFor('the second call to wait for the registration budget', async () => budgetStats.deferred > deferred, 5_000, 5);
      assert.equal(await tat(redis, account.key), accountAfterFirst, 'the account budget is untouched while the call waits');
      await second;
      const next = (await tat(redis, registration.key)) - registrationAfterFirst;
      assert.ok(next >= 500_000 && next < 600_000, `the next registration slot is one interval on (+${next} µs)`);
      assert.ok((await tat(redis, account.key)) >= registrationAfterFirst, 'the account slot was booked when the registration slot came');
    } finally {
      await redis.del(account.key, registration.key);
      await redis.quit();
    }
  });

  it('lets a new customer\'s calls book the account only while its queue is short', async () => {
    const redis = createRedis(await testRedisUrl());
    const p = testPrefix();
    const account = new Budget(redis, `${p}:budget:account`, 10, 5_000, 0);
    try {
      // Customers under way book a second of the account budget ahead.
      const busy = Array.from({ length: 10 }, () => account.take());
      await waitFor('the account to be booked a second ahead', async () => (await tat(redis, account.key)) > 0 && (await redis.pttl(account.key)) > 1_500, 5_000, 5);
      const booked = await tat(redis, account.key);
      const deferred = budgetStats.deferred;
      const low = withBudgetPriority('low', () => account.take());
      await waitFor('the low-priority call to wait', async () => budgetStats.deferred > deferred, 5_000, 5);
      assert.equal(await tat(redis, account.key), booked, 'the low-priority call booked nothing while the queue was long');
      // A call of a customer under way still books behind the queue at once.
      const high = account.take();
      await waitFor('the high-priority call to book', async () => (await tat(redis, account.key)) === booked + 100_000, 5_000, 5);
      await Promise.all([...busy, low, high]);
    } finally {
      await redis.del(account.key);
      await redis.quit();
    }
  });

  it('sends a call back to the queue, booking nothing, when its slot is beyond maxWaitMs', async () => {
    const redis = createRedis(await testRedisUrl());
    const p = testPrefix();
    const registration = new Budget(redis, `${p}:budget:registration`, 1, 1_500, 0);
    try {
      await registration.take();
      const second = registration.take(); // waits about a second
      await waitFor('the second slot to be booked', async () => (await redis.pttl(registration.key)) > 1_500, 5_000, 5);
      const booked = await tat(redis, registration.key);
      await assert.rejects(registration.take(), (err: unknown) => err instanceof BudgetExhaustedError && err.retryInMs > 0 && err.retryInMs <= 2_000);
      assert.equal(await tat(redis, registration.key), booked, 'nothing booked for the refused call');
      await second;
    } finally {
      await redis.del(registration.key);
      await redis.quit();
    }
  });
});
