import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  FAST_SANDBOX, audit, emptyTally, ingestBatch, makeBatch, openStore, spawnWorker, startSandbox, waitSettled, workerEnv, type WorkerProc,
} from '../scripts/reliability/harness.js';
import { STAGE_NAMES, type StageName } from '../src/jobs/registry.js';
import { stopTestRedis, testPrefix, testRedisUrl, waitFor } from './helpers.js';

after(stopTestRedis);

async function activeJobs(store: ReturnType<typeof openStore>): Promise<string[]> {
  const out: string[] = [];
  for (const s of STAGE_NAMES) for (const j of await store.queues[s].getActive()) out.push(`${s}:${j.id}`);
  return out;
}

async function stateOf(store: ReturnType<typeof openStore>, key: string): Promise<string> {
  const [stage, id] = key.split(':') as [StageName, string];
  return store.queues[stage].getJobState(id);
}

/** SIGTERM a worker that has jobs in flight (a slow Twilio keeps them there). */
async function termWithJobsInFlight(w: WorkerProc, store: ReturnType<typeof openStore>): Promise<{ inFlight: string[]; exit: { code: number | null }; ms: number }> {
  const inFlight = await waitFor('jobs in flight', async () => {
    const a = await activeJobs(store);
    return a.length >= 2 ? a : null;
  }, 30_000, 20);
  const t0 = Date.now();
  w.child.kill('SIGTERM');
  const exit = await w.exited;
  return { inFlight, exit, ms: Date.now() - t0 };
}

describe('graceful shutdown', () => {
  it('SIGTERM lets in-flight jobs finish within SHUTDOWN_TIMEOUT_MS, then exits 0', { timeout: 60_000 }, async () => {
    const sandbox = await startSandbox({ ...FAST_SANDBOX, latencyMs: 150 });
    const prefix = testPrefix();
    const redisUrl = await testRedisUrl();
    const store = openStore(redisUrl, prefix);
    const tally = emptyTally();
    const w = spawnWorker(workerEnv({ redisUrl, prefix, sandbox, extra: { SHUTDOWN_TIMEOUT_MS: '20000', WORKER_LOCK_MS: '30000' } }), 1, tally);
    try {
      await waitFor('worker ready', async () => w.ready, 30_000);
      await ingestBatch(store, makeBatch(4, 'gs', 0), 'graceful');
      const r = await termWithJobsInFlight(w, store);
      assert.equal(r.exit.code, 0, w.stderrTail.join('\n'));
      assert.ok(r.ms < 20_000, `stopped within the deadline (${r.ms} ms)`);
      assert.ok(!w.stderrTail.some((l) => l.includes('shutdown deadline reached')), 'no job had to be cut off');
      for (const key of r.inFlight) {
        const st = await stateOf(store, key);
        // Finished (or, for a status check, parked until its next check): never left active.
        assert.ok(st === 'completed' || st === 'delayed', `${key} in flight at SIGTERM ended ${st}`);
      }
      assert.deepEqual(await activeJobs(store), []);
      assert.deepEqual(tally.nonJson, []);
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await store.close();
      await sandbox.close();
    }
  });

  it('jobs cut off at the deadline are retried later, safely: nothing lost, nothing created twice', { timeout: 90_000 }, async () => {
    // Every answer takes 1.5 s and the deadline is 1 s: the jobs in flight cannot finish.
    const sandbox = await startSandbox({ ...FAST_SANDBOX, latencyMs: 1500 });
    const prefix = testPrefix();
    const redisUrl = await testRedisUrl();
    const store = openStore(redisUrl, prefix);
    const batch = makeBatch(4, 'gc', 0);
    const env = workerEnv({ redisUrl, prefix, sandbox, extra: { SHUTDOWN_TIMEOUT_MS: '1000', WORKER_LOCK_MS: '2000' } });
    const tally = emptyTally();
    const first = spawnWorker(env, 1, tally);
    let second: WorkerProc | undefined;
    try {
      await waitFor('worker ready', async () => first.ready, 30_000);
      await ingestBatch(store, batch, 'cutoff');
      const r = await termWithJobsInFlight(first, store);
      assert.equal(r.exit.code, 0, first.stderrTail.join('\n'));
      assert.ok(r.ms < 6_000, `the deadline bounds the shutdown (${r.ms} ms)`);
      assert.ok(first.stderrTail.some((l) => l.includes('shutdown deadline reached')), 'the cut-off is logged');
      // A Twilio that answers normally again, and a new worker: the cut-off jobs come back when their lock runs out.
      sandbox.tune({ latencyMs: 0 }); // takes effect at once: the next answer is not delayed
      second = spawnWorker(env, 2, tally);
      const res = await waitSettled(store, batch.expected.map((e) => e.customerId), { timeoutMs: 60_000 });
      assert.equal(res.timedOut, false);
      const a = await audit(store, sandbox, batch.expected);
      assert.deepEqual(a.lost, []);
      assert.deepEqual(a.duplicateDetails, [], 'a create cut off mid-call was found again, not repeated');
      assert.deepEqual(a.missingResources, []);
    } finally {
      for (const w of [first, second]) if (w && w.child.exitCode === null) w.child.kill('SIGKILL');
      await store.close();
      await sandbox.close();
    }
  });
});
