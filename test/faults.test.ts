import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runFaults } from '../scripts/reliability/faults.js';
import { FAULT_KINDS, startSandbox } from '@a2p-onboard/twilio-sandbox';
import { cappedJitterBackoff } from '../src/backoff.js';
import { stopTestRedis, testRedisUrl } from './helpers.js';

after(stopTestRedis);

describe('Twilio faults', () => {
  it('retries back off exponentially with equal jitter, under the cap', () => {
    const backoff = cappedJitterBackoff(100, 1000);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const cap = Math.min(1000, 100 * 2 ** (attempt - 1));
      const seen = Array.from({ length: 400 }, () => backoff(attempt));
      assert.ok(seen.every((d) => d >= cap / 2 && d <= cap), `attempt ${attempt}: delays within [${cap / 2}, ${cap}]`);
      assert.ok(new Set(seen).size > 20, `attempt ${attempt}: jittered, not one fixed delay`);
      const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
      assert.ok(Math.abs(mean - 0.75 * cap) < 0.08 * cap, `attempt ${attempt}: mean ${mean} near 3/4 of ${cap}`);
    }
    assert.ok(backoff(30) <= 1000, 'capped however many attempts');
  });

  it('injects every kind: 429 with and without Retry-After, 500, 503, timeouts, resets after a create; counted by kind', async () => {
    const sb = await startSandbox({ port: 0, faultRate: 1, faultKinds: ['429'] });
    try {
      const auth = { authorization: `Basic ${Buffer.from(`${sb.options.accountSid}:${sb.options.authToken}`).toString('base64')}` };
      const plain = await fetch(`${sb.url}/trusthub/v1/CustomerProfiles`, { headers: auth });
      assert.equal(plain.status, 429);
      assert.equal(plain.headers.get('retry-after'), null, 'a 429 without Retry-After');
      sb.tune({ faultRate: 0 });
      const ok = await fetch(`${sb.url}/trusthub/v1/CustomerProfiles`, { headers: auth });
      assert.equal(ok.status, 200);
      const counts = (await (await fetch(`${sb.url}/_sandbox/faults`)).json()) as Record<string, number>;
      assert.equal(counts['429'], 1);
      assert.equal(counts['total'], 1);
    } finally {
      await sb.close();
    }
    const sb2 = await startSandbox({ port: 0, faultRate: 1, faultKinds: ['429-retry-after'] });
    try {
      const auth = { authorization: `Basic ${Buffer.from(`${sb2.options.accountSid}:${sb2.options.authToken}`).toString('base64')}` };
      const res = await fetch(`${sb2.url}/trusthub/v1/CustomerProfiles`, { headers: auth });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.deepEqual(sb2.faultCounts()['429-retry-after'], 1);
    } finally {
      await sb2.close();
    }
  });

  it('a batch under 15% faults of every kind settles as without faults, nothing created twice, retries backing off', { timeout: 90_000 }, async () => {
    const r = await runFaults({ customers: 20, businesses: 4, rate: 0.15, kinds: [...FAULT_KINDS], attempts: 8, workers: 2, backoffBaseMs: 100, backoffMaxMs: 1600, timeoutMs: 70_000, redisUrl: await testRedisUrl() });
    assert.equal(r.timedOut, false, JSON.stringify(r.audit.lost.slice(0, 5)));
    for (const k of FAULT_KINDS) assert.ok(r.faultsInjected[k]! > 0, `some ${k} faults were injected: ${JSON.stringify(r.faultsInjected)}`);
    assert.deepEqual(r.audit.lost, []);
    assert.deepEqual(r.audit.duplicateDetails, [], 'a reset after a create never led to a second resource');
    assert.deepEqual(r.audit.missingResources, []);
    assert.equal(r.unexpectedDeadLetters, 0);
    assert.ok(r.logs.foundUnrecorded > 0, 'creates whose answer was lost were found again, not repeated');
    assert.ok(r.backoff.samples > 0, 'some jobs were retried');
    assert.equal(r.backoff.outsideWindow, 0, `retry delays within the capped equal-jitter window: ${JSON.stringify(r.backoff.byFailures)}`);
    assert.equal(r.unexpectedWorkerExits, 0, 'a fault while a worker starts is retried, not a crash');
  });

  it('429s never spend a retry attempt: with JOB_ATTEMPTS=1, a batch under 20% 429s still goes live', { timeout: 90_000 }, async () => {
    const r = await runFaults({ customers: 12, rate: 0.2, kinds: ['429', '429-retry-after'], attempts: 1, workers: 2, backoffBaseMs: 100, backoffMaxMs: 1600, timeoutMs: 70_000, redisUrl: await testRedisUrl() });
    assert.equal(r.timedOut, false, JSON.stringify(r.audit.lost.slice(0, 5)));
    assert.ok(r.faultsInjected['429']! > 0 && r.faultsInjected['429-retry-after']! > 0, JSON.stringify(r.faultsInjected));
    assert.deepEqual(r.audit.lost, [], 'a 429 that spent the only attempt would have dead-lettered its customer');
    assert.equal(r.unexpectedDeadLetters, 0);
    assert.ok(r.logs.rateLimited > 0);
    assert.equal(r.logs.transient, 0);
    assert.equal(r.unexpectedWorkerExits, 0, 'a 429 while a worker starts is waited out, not a crash');
  });
});
