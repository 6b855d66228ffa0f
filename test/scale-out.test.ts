import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { analyseRequestLog } from '../bench/lib/request-log.js';
import { loadConfig } from '../src/config.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { Ledger } from '../src/ledger/ledger.js';
import { ingestFile } from '../src/producers/ingest.js';
import { createRedis } from '../src/redis.js';
import { startSandbox } from '@a2p-onboard/twilio-sandbox';
import { closeQueues, createQueues } from '../src/workers/queues.js';
import { csv, row, silentLog, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile, waitFor } from './helpers.js';
import { cliArgs } from '../scripts/built-cli.js';

after(stopTestRedis);

/**
 * Two worker processes, one Redis, one Twilio (the sandbox, in this process) with a low budget:
 * the budgets are shared exactly (no one-second window over them, as Twilio would count at its
 * end) and every customer is registered once (one of each resource, however the jobs were split).
 */

const ACCOUNT_RPS = 20;
const REGISTRATION_RPS = 2;
const CUSTOMERS = 10;

/** What one Sole Proprietor customer creates at Twilio, by the sandbox's operation names. */
const CREATES_PER_CUSTOMER: Record<string, number> = {
  'customerProfile.create': 1,
  'endUser.create': 2,
  'address.create': 1,
  'supportingDocument.create': 1,
  'customerProfile.entityAssignment.create': 3,
  'customerProfile.evaluation.create': 1,
  'trustProduct.create': 1,
  'trustProduct.entityAssignment.create': 2,
  'trustProduct.evaluation.create': 1,
  'brand.create': 1,
  'service.create': 1,
  'campaign.create': 1,
};

describe('scale-out: two worker processes share one Redis and one Twilio account', () => {
  it('never exceeds the budgets in any one-second window and registers each customer exactly once', async () => {
    // The sandbox enforces the same account budget: a burst over it would show as a 429 in its log.
    const sandbox = await startSandbox({ port: 0, reviewDelayMs: 50, brandDelayMs: 80, otpReplyDelayMs: 80, campaignDelayMs: 80, maxRps: ACCOUNT_RPS });
    const prefix = testPrefix();
    const redisUrl = await testRedisUrl();
    const env = {
      ...process.env,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE: sandbox.url,
      TWILIO_MAX_RPS: String(ACCOUNT_RPS),
      REGISTRATION_RPS: String(REGISTRATION_RPS),
      // The sandbox stamps arrivals from this test's own event loop, on a machine the tests share:
      // a wider allowance keeps the test about sharing the budget, not about this host's scheduling.
      // Unshared budgets would still send twice the rate and fail every check below.
      BUDGET_JITTER_MS: '150',
      VALIDATION_WAIT_MS: '200',
      STATUS_POLL_MAX_MS: '400',
      BACKOFF_BASE_MS: '100',
      BACKOFF_MAX_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
    };
    const workers: { child: ChildProcess; logs: string }[] = [];
    for (let i = 0; i < 2; i++) {
      // Async spawn: the sandbox answers from this process's event loop.
      const child = spawn(process.execPath, cliArgs('worker'), { env, stdio: ['ignore', 'ignore', 'pipe'] });
      const w = { child, logs: '' };
      child.stderr.on('data', (b: Buffer) => (w.logs += b.toString()));
      workers.push(w);
    }
    const redis = createRedis(redisUrl);
    const config = loadConfig({}, { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix });
    const queues = createQueues(redis, prefix, config.JOB_ATTEMPTS);
    const ledger = new Ledger(redis, prefix);
    try {
      // Both workers up (credentials checked, stage workers running) before any job exists, so both can take jobs.
      await waitFor('both workers to start', async () => workers.every((w) => w.logs.includes('workers started')), 30_000);

      const ids = Array.from({ length: CUSTOMERS }, (_, i) => `so${i + 1}`);
      const report = await ingestFile({ ledger, queues, log: silentLog }, tmpFile('scale.csv', csv(...ids.map((id) => row(id)))), { templatePath: templateFile(), batchId: 'scale' });
      assert.equal(report.accepted, CUSTOMERS);
      const status = await waitFor(
        'every customer to finish',
        async () => {
          const s = await batchStatus(ledger, 'scale');
          return s.done === s.total ? s : null;
        },
        90_000,
        500,
      );
      assert.equal(status.counts.completed, CUSTOMERS, JSON.stringify(status.customers.filter((c) => c.state !== 'completed')));

      const log = analyseRequestLog(sandbox.requestLog());
      assert.equal(log.tooMany, 0, 'no request was refused with 429');
      assert.ok(log.maxAccount <= ACCOUNT_RPS, `busiest second had ${log.maxAccount} calls; the budget is ${ACCOUNT_RPS}`);
      assert.ok(log.maxRegistration <= REGISTRATION_RPS, `busiest second had ${log.maxRegistration} registrations; the budget is ${REGISTRATION_RPS}`);
      // The budget was actually in use: this batch needs more than one second's worth of calls.
      assert.ok(log.requests > ACCOUNT_RPS * 5, `only ${log.requests} requests`);

      const expected = Object.fromEntries(Object.entries(CREATES_PER_CUSTOMER).map(([op, n]) => [op, n * CUSTOMERS]));
      assert.deepEqual(log.creates, expected, 'exactly one of each resource per customer');
      const counts = sandbox.counts();
      assert.equal(counts.brands, CUSTOMERS);
      assert.equal(counts.campaigns, CUSTOMERS);
      for (const id of ids) {
        const rec = await ledger.get(id);
        assert.match(rec?.sids.campaign ?? '', /^QE/, `${id} has its campaign`);
      }

      // Both processes did part of the work.
      for (const [i, w] of workers.entries()) assert.match(w.logs, /"msg":"created"/, `worker ${i + 1} created nothing`);
    } finally {
      for (const w of workers) {
        if (w.child.exitCode === null) {
          const exited = once(w.child, 'exit');
          w.child.kill('SIGTERM');
          await exited;
        }
      }
      await closeQueues(queues);
      const keys = await redis.keys(`${prefix}*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      await redis.quit();
      await sandbox.close();
    }
  });
});
