import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runChaos } from '../scripts/reliability/chaos.js';
import { CreateInProgressError } from '../src/jobs/ensure.js';
import type { StageContext } from '../src/jobs/outcome.js';
import { STAGES } from '../src/jobs/registry.js';
import { ingestFile } from '../src/producers/ingest.js';
import { csv, row, silentLog, startStack, stopTestRedis, templateFile, testRedisUrl, tmpFile } from './helpers.js';

after(stopTestRedis);

/** `npm run chaos`, scaled down: 30 Sole Proprietors and 6 Standard businesses, 6 SIGKILLs (half aimed between a create and its ledger write). */
describe('chaos: worker processes killed mid-batch', () => {
  it('two tries of one stage running at once (a stalled job taken over) create nothing twice', { timeout: 60_000 }, async () => {
    const stack = await startStack({ workers: false, sandbox: { latencyMs: 25 } });
    try {
      await ingestFile(stack.rt, tmpFile('c.csv', csv(row('twin1'))), { templatePath: templateFile(), batchId: 'twins' });
      const ctx: StageContext = { customerId: 'twin1', gen: 1, ledger: stack.rt.ledger, gateway: stack.rt.gateway, settings: stack.rt.settings, log: silentLog, now: Date.now };
      // Run each stage as two simultaneous tries; a try told another one is creating comes back later, as the worker does.
      const attempt = async (stage: 'starter-profile' | 'trust-bundle'): Promise<number> => {
        let deferred = 0;
        for (;;) {
          try {
            await STAGES[stage].run(ctx);
            return deferred;
          } catch (err) {
            if (!(err instanceof CreateInProgressError)) throw err;
            deferred += 1;
            // The worker's "look again later": nothing tells a try when the other one has finished.
            await new Promise((r) => setTimeout(r, 30));
          }
        }
      };
      const a = await Promise.all([attempt('starter-profile'), attempt('starter-profile')]);
      assert.ok(a[0] + a[1] > 0, 'the tries met: one waited for the other');
      // No pause for the profile's review: the trust bundle needs the profile submitted (in-review), which it is
      // now, and Twilio (the sandbox) holds the trust bundle's own review until the profile's has passed.
      await Promise.all([attempt('trust-bundle'), attempt('trust-bundle')]);
      const c = stack.sandbox.counts();
      assert.equal(c.customerProfiles, 2, 'one starter profile (and the ISV primary profile)');
      assert.equal(c.trustProducts, 1);
      const rec = await stack.rt.ledger.get('twin1');
      assert.equal(rec?.state, 'in_progress', `not failed: ${rec?.reason}`);
    } finally {
      await stack.close();
    }
  });

  it('reaches the same outcome for every customer, Sole Proprietors and Standard businesses, with one of each Twilio resource', { timeout: 150_000 }, async () => {
    const r = await runChaos({ customers: 30, businesses: 6, kills: 6, seed: 7, workers: 2, aimedShare: 0.5, latencyMs: 15, killEveryMs: 1000, timeoutMs: 90_000, redisUrl: await testRedisUrl() });
    assert.equal(r.timedOut, false, `batch did not settle: ${JSON.stringify(r.audit.lost.slice(0, 5))}`);
    assert.ok(r.kills.total >= 6, `only ${r.kills.total} kills`);
    // Aiming finds the worker that owns a connection through /proc: Linux only.
    if (process.platform === 'linux') {
      assert.ok(r.kills.aimed >= 1, 'at least one kill landed between a create and its ledger write');
      assert.ok(r.foundUnrecordedAfterKill >= 1, 'a restarted worker found a resource its killed predecessor had created but not recorded');
    }
    assert.deepEqual(r.audit.lost, [], 'every customer reached the state it would have reached without kills');
    assert.equal(r.audit.live, 33, '27 Sole Proprietors and 6 businesses with a Standard brand');
    assert.equal(r.audit.failedAsExpected, 3);
    assert.deepEqual(r.audit.duplicateDetails, [], 'no resource was created twice');
    assert.deepEqual(r.audit.missingResources, []);
    assert.equal(r.audit.resources.brands, 34, '33 live brands and the brand that TCR refused (one per customer who got that far)');
    assert.ok(r.workerExitCodes.every((c) => c === 0), `SIGTERM exits 0: ${JSON.stringify(r.workerExitCodes)}`);
    assert.deepEqual(r.nonJsonStderr, [], 'workers wrote nothing but JSON logs (no stack traces)');
  });
});
