import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { freePort, hasRedisServer } from '../src/local-redis.js';
import { ingestFile } from '../src/producers/ingest.js';
import { checkRedisVersion } from '../src/redis.js';
import { startSandbox, type Sandbox } from '@a2p-onboard/twilio-sandbox';
import { startWorkers, type WorkerPool } from '../src/workers/index.js';
import { createRuntime, type Runtime } from '../src/workers/runtime.js';
import { csv, row, silentLog, templateFile, tmpFile, waitFor, waitForState } from './helpers.js';

/**
 * A real 3-master Redis Cluster of redis-server processes on loopback ports, started and torn
 * down here, with a batch driven through it end to end: every key must sit under the
 * hash-tagged prefix (one slot), or BullMQ's scripts and the ledger's MULTI would fail with CROSSSLOT.
 */

const hasRedisCli = spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasRedisServer() || !hasRedisCli ? 'redis-server and redis-cli are needed to start a local Redis Cluster (apt-get install redis-server / brew install redis)' : false;

interface LocalCluster {
  ports: number[];
  url: string;
  stop(): Promise<void>;
}

async function startCluster(masters = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'a2p-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        // Waits for the exit, at most 3 s (then SIGKILL): a bound, not a pause.
        await Promise.race([exited, sleep(3000)]);
        if (c.exitCode === null) c.kill('SIGKILL');
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      ports.push(port);
      // Each node its own --dir: redis-server writes its nodes.conf there.
      const d = mkdtempSync(join(dir, `n${port}-`));
      children.push(
        spawn(
          'redis-server',
          ['--port', String(port), '--bind', '127.0.0.1', '--dir', d, '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of ports) await waitForPing(port);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    // Every node must agree the cluster is up before clients use it.
    for (const port of ports) {
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await probe.connect();
        await waitFor(`cluster node ${port} to reach cluster_state:ok`, async () => /cluster_state:ok/.test(String(await probe.cluster('INFO'))), 10_000);
      } finally {
        probe.disconnect();
      }
    }
    return { ports, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForPing(port: number): Promise<void> {
  await waitFor(`redis-server on port ${port} to answer PING`, async () => {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect(false);
    }
  }, 10_000, 25);
}

describe('Redis Cluster (3 masters, local)', { skip }, () => {
  let cluster: LocalCluster;
  let sandbox: Sandbox;
  let rt: Runtime | undefined;
  let pool: WorkerPool | undefined;

  before(async () => {
    cluster = await startCluster(3);
    sandbox = await startSandbox({ port: 0, reviewDelayMs: 30, brandDelayMs: 50, otpReplyDelayMs: 50, campaignDelayMs: 50, maxRps: 0 });
  });

  after(async () => {
    await pool?.close(2_000);
    await rt?.close();
    await sandbox?.close();
    await cluster?.stop();
  });

  it('drives a batch to completed through a cluster, every key in the prefix\'s slot', async () => {
    const prefix = '{a2p-cluster-test}';
    const config = loadConfig(
      {},
      {
        REDIS_URL: cluster.url,
        QUEUE_PREFIX: prefix,
        TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
        TWILIO_AUTH_TOKEN: sandbox.options.authToken,
        TWILIO_API_BASE: sandbox.url,
        VALIDATION_WAIT_MS: '100',
        STATUS_POLL_MAX_MS: '300',
        TWILIO_MAX_RPS: '200',
        REGISTRATION_RPS: '50',
        BACKOFF_BASE_MS: '50',
        BACKOFF_MAX_MS: '300',
      },
    );
    rt = await createRuntime(config, silentLog);
    assert.match(await checkRedisVersion(rt.redis), /^\d+\.\d+/);
    pool = startWorkers(rt);

    const ids = ['k1', 'k2', 'k3', 'k4'];
    const report = await ingestFile(rt, tmpFile('cluster.csv', csv(...ids.map((id) => row(id)))), { templatePath: templateFile(), batchId: 'cluster' });
    assert.equal(report.accepted, ids.length);
    for (const id of ids) {
      const rec = await waitForState(rt.ledger, id, ['completed', 'failed'], 30_000);
      assert.equal(rec.state, 'completed', `${id}: ${rec.reason}`);
      assert.match(rec.sids.campaign ?? '', /^QE/);
    }
    assert.equal(sandbox.counts().campaigns, ids.length, 'one campaign per customer');

    // All of the flow's keys (queues, ledger, budgets) live on the one master that owns the prefix's slot.
    const holders: { port: number; keys: string[] }[] = [];
    for (const port of cluster.ports) {
      const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      try {
        const keys = await node.keys('*');
        if (keys.length) holders.push({ port, keys });
      } finally {
        node.disconnect();
      }
    }
    assert.equal(holders.length, 1, `keys on ${holders.length} nodes`);
    const keys = holders[0]!.keys;
    assert.ok(keys.every((k) => k.startsWith(prefix)), `keys outside the prefix: ${keys.filter((k) => !k.startsWith(prefix)).join(', ')}`);
    assert.ok(keys.some((k) => k.startsWith(`${prefix}:ledger:customer:k1`)), 'ledger keys');
    assert.ok(keys.some((k) => k.startsWith(`${prefix}:campaign:`)), 'queue keys');
    assert.ok(keys.some((k) => k.startsWith(`${prefix}:budget:`)), 'budget keys');
  });

  it('asks the node that owns the prefix\'s slot whether Redis restarted: no false alarm from the other masters, a changed run id noticed', async () => {
    assert.ok(rt, 'the runtime of the previous test');
    const ledger = rt.ledger;
    // Any node answering INFO would give three run ids in turn: a "restart" on almost every call.
    for (let i = 0; i < 10; i++) assert.equal(await ledger.restartWindow.noteRedisRun(60_000), false, `call ${i}: same node, no restart`);
    assert.equal(await ledger.restartWindow.lookupFirst(), false);
    // The owning node's process changed (a restart, or a replica promoted): its run id differs from the one recorded.
    await rt.redis.set(`${rt.config.QUEUE_PREFIX}:ledger:redis-run-id`, 'f'.repeat(40));
    assert.equal(await ledger.restartWindow.noteRedisRun(60_000), true);
    assert.equal(await ledger.restartWindow.lookupFirst(), true);
  });

  it('refuses a prefix without a hash tag on a cluster URL', () => {
    assert.throws(() => loadConfig({}, { REDIS_URL: cluster.url, QUEUE_PREFIX: 'a2p' }), /QUEUE_PREFIX: must contain a \{hash tag\}/);
  });
});
