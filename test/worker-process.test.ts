import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { startSandbox } from '@a2p-onboard/twilio-sandbox';
import { csv, row, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile } from './helpers.js';
import { cliArgs, runCli } from '../scripts/built-cli.js';

after(stopTestRedis);

/** The real commands as an operator runs them: ingest, worker (its own process), wait, status, SIGTERM. */
describe('a2p-onboard worker as a process', () => {
  it('registers a batch end to end and exits 0 on SIGTERM', async () => {
    const sandbox = await startSandbox({ port: 0, reviewDelayMs: 50, brandDelayMs: 80, otpReplyDelayMs: 80, campaignDelayMs: 80, maxRps: 0 });
    const prefix = testPrefix();
    const env = {
      ...process.env,
      REDIS_URL: await testRedisUrl(),
      QUEUE_PREFIX: prefix,
      TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE: sandbox.url,
      VALIDATION_WAIT_MS: '100',
      SWEEP_INTERVAL_MS: '200',
      STATUS_POLL_MAX_MS: '300',
      REGISTRATION_RPS: '20',
      SHUTDOWN_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      BUY_SENDER_NUMBERS: 'true',
    };
    const cli = (...args: string[]) => runCli(env, ...args);
    const worker = spawn(process.execPath, cliArgs('worker'), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    worker.stderr.on('data', (b: Buffer) => (logs += b.toString()));
    try {
      const ingest = await cli('ingest', tmpFile('p.csv', csv(row('p1', { email: 'pat.secret@example.com' }), row('p2'))), '--template', templateFile(), '--batch', 'proc');
      assert.equal(ingest.status, 0, ingest.stderr);
      assert.match(ingest.stdout, /2 accepted, 0 rejected/);
      const wait = await cli('wait', '--batch', 'proc', '--timeout', '60', '--settled');
      assert.equal(wait.status, 0, wait.stderr + logs);
      const status = JSON.parse((await cli('status', '--batch', 'proc', '--json')).stdout) as { customers: { customerId: string; state: string }[] };
      assert.deepEqual(status.customers.map((c) => c.state), ['live', 'live']);
      // Nothing is waiting any more: a sweep checks nobody; a live customer cannot be redriven.
      const sweep = await cli('sweep', '--json');
      assert.equal(sweep.status, 0, sweep.stderr);
      assert.equal((JSON.parse(sweep.stdout) as { checked: number }).checked, 0);
      const redrive = await cli('redrive', '--customer', 'p1');
      assert.equal(redrive.status, 2);
      assert.match(redrive.stdout, /p1: not redriven: is live at sender-number; only failed or expired customers \(or one waiting for a sender number\) can be redriven/);
      const both = await cli('redrive', '--all', '--batch', 'proc');
      assert.equal(both.status, 2);
      assert.match(both.stderr, /exactly one of --customer ID, --batch ID or --all/);
      const exited = once(worker, 'exit');
      worker.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      // Structured logs carry the customer and stage, and no customer email.
      assert.match(logs, /"customerId":"p1"/);
      assert.match(logs, /"stage":"campaign"/);
      assert.ok(!logs.includes('pat.secret@example.com'), 'no PII in logs');
      assert.ok(!logs.includes(sandbox.options.authToken), 'no auth token in logs');
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await sandbox.close();
    }
  });

  it('refuses to start with wrong credentials, saying which settings to fix', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const res = await runCli(
        {
          ...process.env,
          REDIS_URL: await testRedisUrl(),
          QUEUE_PREFIX: testPrefix(),
          TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
          TWILIO_AUTH_TOKEN: 'not-the-token',
          TWILIO_API_BASE: sandbox.url,
        },
        'worker',
      );
      assert.equal(res.status, 1);
      assert.match(res.stderr, /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/);
      assert.ok(!res.stderr.includes('not-the-token'));
    } finally {
      await sandbox.close();
    }
  });
});
