import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedis } from '../src/redis.js';
import { startDashboard } from '../src/server/dashboard.js';
import { closeQueues, createQueues, type Queues } from '../src/workers/queues.js';
import { stopTestRedis, testPrefix, testRedisUrl } from './helpers.js';

let redis: Redis;
let queues: Queues;

before(async () => {
  redis = createRedis(await testRedisUrl());
  queues = createQueues(redis, testPrefix(), 3);
});

after(async () => {
  await closeQueues(queues);
  await redis.quit();
  await stopTestRedis();
});

describe('dashboard', () => {
  it('serves Bull Board with every queue behind basic auth, and refuses a wrong password', async () => {
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'ops', password: 's3cret', queues });
    try {
      const anon = await fetch(`${dash.url}/admin/queues`);
      assert.equal(anon.status, 401);
      assert.match(anon.headers.get('www-authenticate') ?? '', /Basic/);
      const wrong = await fetch(`${dash.url}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` } });
      assert.equal(wrong.status, 401);
      const auth = { authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };
      const page = await fetch(`${dash.url}/admin/queues`, { headers: auth });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
      const api = await fetch(`${dash.url}/admin/queues/api/queues?activeQueue=brand&page=1&jobsPerPage=10`, { headers: auth });
      assert.equal(api.status, 200);
      const body = (await api.json()) as { queues: { name: string }[] };
      assert.deepEqual(
        body.queues.map((q) => q.name).sort(),
        ['a2p-profile', 'brand', 'brand-status', 'business-profile', 'campaign', 'dead-letter', 'notify', 'otp', 'recheck', 'sender-number', 'shaken-stir', 'starter-profile', 'subaccount', 'sweep', 'trust-bundle'],
      );
      assert.equal((await fetch(`${dash.url}/healthz`)).status, 200);
    } finally {
      await dash.close();
    }
  });

  it('refuses to listen on a public address without a password', async () => {
    await assert.rejects(startDashboard({ host: '0.0.0.0', port: 0, user: 'admin', password: undefined, queues }), /without DASHBOARD_PASSWORD/);
  });
});
