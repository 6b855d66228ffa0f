import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { waitForBatch } from './commands/wait.js';
import { printIngest } from './commands/print.js';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { startLocalRedis, type LocalRedis } from './local-redis.js';
import { ingestFile } from './producers/ingest.js';
import { startSandbox, sandboxOptionsFromEnv, type Sandbox } from './sandbox/index.js';
import { startDashboard, type Dashboard } from './server/dashboard.js';
import { startWorkers, type WorkerPool } from './workers/index.js';
import { createRuntime, type Runtime } from './workers/runtime.js';

/**
 * `npm run demo`: everything on a laptop. Redis from REDIS_URL or a private redis-server,
 * the local Twilio sandbox (always: a demo never talks to a real Twilio account), the
 * workers and the dashboard in this process; ingest the example CSV, show progress,
 * print who completed, failed and why, then stop (or keep the dashboard open).
 */

export interface DemoOptions {
  csv?: string;
  template?: string;
  keepOpen?: boolean;
  timeoutMs?: number;
  out?: NodeJS.WriteStream;
}

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));

export async function runDemo(opts: DemoOptions = {}): Promise<number> {
  const out = opts.out ?? process.stdout;
  const say = (s: string) => out.write(`${s}\n`);
  const env = process.env;
  let redis: LocalRedis | undefined;
  let sandbox: Sandbox | undefined;
  let rt: Runtime | undefined;
  let pool: WorkerPool | undefined;
  let dash: Dashboard | undefined;

  const cleanup = async () => {
    await pool?.close(5_000).catch(() => undefined);
    await dash?.close().catch(() => undefined);
    await rt?.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
  };

  try {
    let redisUrl = env['REDIS_URL'];
    if (!redisUrl) {
      redis = await startLocalRedis();
      redisUrl = redis.url;
      say(`Redis: started a private redis-server at ${redisUrl} (set REDIS_URL to use your own)`);
    } else {
      say(`Redis: ${redisUrl.replace(/\/\/[^@]*@/, '//***@')}`);
    }

    sandbox = await startSandbox({ ...sandboxOptionsFromEnv(env), port: 0 });
    say(`Twilio sandbox: ${sandbox.url} (account ${sandbox.options.accountSid})`);

    const password = env['DASHBOARD_PASSWORD'] || randomBytes(9).toString('base64url');
    const config: Config = loadConfig(env, {
      REDIS_URL: redisUrl,
      // A fresh prefix per run: a demo never mixes with an earlier one or with real data on the same Redis.
      QUEUE_PREFIX: `{a2p-demo-${Date.now().toString(36)}}`,
      TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE: sandbox.url,
      ISV_PRIMARY_PROFILE_SID: '',
      VALIDATION_WAIT_MS: env['VALIDATION_WAIT_MS'] ?? '1000',
      DASHBOARD_PASSWORD: password,
      LOG_LEVEL: env['LOG_LEVEL'] ?? 'error',
    });
    const log = createLogger(config.LOG_LEVEL);
    rt = await createRuntime(config, log);
    pool = startWorkers(rt);

    const dashConfig = { host: config.DASHBOARD_HOST, user: config.DASHBOARD_USER, password, queues: rt.queues };
    dash = await startDashboard({ ...dashConfig, port: config.DASHBOARD_PORT }).catch(() => startDashboard({ ...dashConfig, port: 0 }));
    const boardUrl = `${dash.url}/admin/queues`;
    say(`Dashboard: ${boardUrl} (user ${config.DASHBOARD_USER}, password ${password})`);
    say(`Settings: VALIDATION_WAIT_MS=${config.VALIDATION_WAIT_MS}, REGISTRATION_RPS=${config.REGISTRATION_RPS}, TWILIO_MAX_RPS=${config.TWILIO_MAX_RPS}`);

    const csv = opts.csv ?? `${EXAMPLES}customers.csv`;
    const template = opts.template ?? `${EXAMPLES}campaign-template.json`;
    const report = await ingestFile(rt, csv, { templatePath: template, batchId: 'demo' });
    printIngest(report, out);
    say('Driving every customer through Twilio (profile, trust bundle, brand + OTP, campaign)...');

    const { status, timedOut } = await waitForBatch(rt.ledger, report.batch, { timeoutMs: opts.timeoutMs ?? 5 * 60_000, out: process.stderr });
    const byState = (s: string) => status.customers.filter((c) => c.state === s);
    say('');
    say(`Summary of batch ${status.batch}: ${status.counts.completed} completed, ${status.counts.failed} failed, ${status.counts.invalid} invalid${timedOut ? `, ${status.total - status.done} still running (timed out)` : ''}`);
    for (const c of byState('completed')) say(`  completed  ${c.customerId}  brand ${c.sids['brand'] ?? '-'}  campaign ${c.sids['campaign'] ?? '-'}`);
    for (const c of byState('failed')) say(`  failed     ${c.customerId} at ${c.stage}: ${c.reason}`);
    for (const c of byState('invalid')) say(`  invalid    row ${c.row}${c.customerId ? ` (${c.customerId})` : ''}: ${c.reason}`);
    say(`Dashboard: ${boardUrl}`);

    if (opts.keepOpen) {
      say('Keeping the dashboard open; press Ctrl+C to stop.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return timedOut ? 3 : 0;
  } finally {
    await cleanup();
  }
}
