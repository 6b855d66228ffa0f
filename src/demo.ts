import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { waitForBatch } from './commands/wait.js';
import { printIngest } from './commands/print.js';
import { describeTotals } from './ledger/fees.js';
import { loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { newRegistry, registerStoreMetrics, registerTwilioMetrics, registerWorkerMetrics } from './metrics/metrics.js';
import { startLocalRedis, type LocalRedis } from './local-redis.js';
import { ingestFile } from './producers/ingest.js';
import type { Sandbox } from '@a2p-onboard/twilio-sandbox';
import { loadSandbox } from './dev-sandbox.js';
import { startDashboard, type Dashboard } from './server/dashboard.js';
import { startWorkers, type WorkerPool } from './workers/index.js';
import { createRuntime, uploadOptions, webhookOptions, type Runtime } from './workers/runtime.js';
import { STATUS_WEBHOOK_PATH } from './server/webhook.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeNotification, startNotifyReceiver, type Receiver } from './notify/receiver.js';
import { NOTIFY } from './workers/queues.js';

/**
 * `npm run demo`: everything on a laptop. Redis from REDIS_URL or a private redis-server,
 * the local Twilio sandbox (always: a demo never talks to a real Twilio account), the
 * workers and the dashboard in this process; ingest the example CSV, show progress,
 * print who completed, failed and why, then stop (or keep the dashboard open).
 */

export interface DemoOptions {
  csv?: string;
  /** A second file, of business customers; default examples/businesses.csv unless `csv` is given. */
  businessCsv?: string | undefined;
  template?: string;
  keepOpen?: boolean;
  timeoutMs?: number;
  out?: NodeJS.WriteStream;
  /** Run a local notification receiver (NOTIFY_URL) and print what it gets. */
  notify?: boolean;
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
  let receiver: Receiver | undefined;

  const cleanup = async () => {
    await pool?.close(5_000).catch(() => undefined);
    await receiver?.close().catch(() => undefined);
    await dash?.close().catch(() => undefined);
    await rt?.close().catch(() => undefined);
    await sandbox?.close().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
  };

  try {
    // First: without the sandbox package (a production install) the demo starts nothing.
    const { startSandbox, sandboxOptionsFromEnv } = await loadSandbox();
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

    // The ISV's side of the notifications: a receiver that checks each signature and prints what it gets.
    const notifySecret = randomBytes(24).toString('base64url');
    const received = new Map<string, number>();
    if (opts.notify) {
      const explained = new Set<string>();
      receiver = await startNotifyReceiver({
        secret: notifySecret,
        onNotification: (r) => {
          if (r.duplicate) return;
          const type = r.notification.type;
          received.set(type, (received.get(type) ?? 0) + 1);
          // What the ISV acts on (the customer must act, an outcome) is printed: the first of each type in
          // full, with the words for the customer, then one line each; in_progress and completed are only counted.
          if (type === 'customer.in_progress' || type === 'customer.completed') return;
          const line = describeNotification(r);
          say(`notification ${explained.has(type) ? line.split('\n')[0]! : line}`);
          explained.add(type);
        },
      });
      say(`Notifications: a local receiver at ${receiver.url} checks each A2P-Signature and prints the ones the ISV acts on (in_progress and completed are counted)`);
    }

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
      // The sandbox vets campaigns in seconds: sweep every second so the demo reaches `live`.
      SWEEP_INTERVAL_MS: env['SWEEP_INTERVAL_MS'] ?? '1000',
      SWEEP_MAX_INTERVAL_MS: env['SWEEP_MAX_INTERVAL_MS'] ?? '2000',
      DASHBOARD_PASSWORD: password,
      // Live means able to text: the sandbox sells each Sole Proprietor customer a number near its phone.
      BUY_SENDER_NUMBERS: env['BUY_SENDER_NUMBERS'] ?? 'true',
      // Authentication+ gives the brand contact 7 days; the demo's public company that never confirms expires in seconds.
      AUTH_PLUS_EXPIRY_MS: env['AUTH_PLUS_EXPIRY_MS'] ?? '5000',
      LOG_LEVEL: env['LOG_LEVEL'] ?? 'error',
      ...(receiver ? { NOTIFY_URL: receiver.url, NOTIFY_SECRET: notifySecret } : {}),
    });
    const log = createLogger(config.LOG_LEVEL, undefined, { secrets: [sandbox.options.authToken, password, notifySecret] });
    // One process runs everything, so its /metrics has the store's gauges and the Twilio calls.
    const metrics = newRegistry();
    const twilioMetrics = registerTwilioMetrics(metrics);
    rt = await createRuntime(config, log, { onCall: twilioMetrics.onCall });
    registerStoreMetrics(metrics, { queues: rt.queues, ledger: rt.ledger });

    const dashConfig = {
      host: config.DASHBOARD_HOST,
      user: config.DASHBOARD_USER,
      password,
      queues: rt.queues,
      ledger: rt.ledger,
      metrics,
      webhook: webhookOptions(config, rt.ledger, log, rt.accounts),
      upload: uploadOptions(config, log, rt.redis),
    };
    dash = await startDashboard({ ...dashConfig, port: config.DASHBOARD_PORT }).catch(() => startDashboard({ ...dashConfig, port: 0 }));
    // The sandbox posts signed status callbacks to the dashboard, as Twilio would to PUBLIC_BASE_URL.
    rt.settings.statusCallbackUrl = `${dash.url}${STATUS_WEBHOOK_PATH}`;
    pool = startWorkers(rt);
    registerWorkerMetrics(metrics, pool.workers);
    const boardUrl = `${dash.url}/batches/demo`;
    say(`Dashboard: ${boardUrl} (user ${config.DASHBOARD_USER}, password ${password}); Bull Board at ${dash.url}/admin/queues`);
    say(`Settings: VALIDATION_WAIT_MS=${config.VALIDATION_WAIT_MS}, REGISTRATION_RPS=${config.REGISTRATION_RPS}, TWILIO_MAX_RPS=${config.TWILIO_MAX_RPS}, BUY_SENDER_NUMBERS=${config.BUY_SENDER_NUMBERS}`);

    if (!opts.csv) await seedExampleVendorUsage(sandbox.url);
    const csv = opts.csv ?? `${EXAMPLES}customers.csv`;
    const template = opts.template ?? `${EXAMPLES}campaign-template.json`;
    const businessCsv = opts.businessCsv ?? (opts.csv ? undefined : `${EXAMPLES}businesses.csv`);
    const report = await ingestFile(rt, csv, { templatePath: template, batchId: 'demo' });
    printIngest(report, out);
    const batches = [report.batch];
    if (businessCsv) {
      // Businesses with a tax ID: Secondary Business Profile (+ SHAKEN/STIR Trust Product, + Standard brand and campaign), their own batch.
      const biz = await ingestFile(rt, businessCsv, { batchId: 'demo-businesses' });
      printIngest(biz, out);
      batches.push(biz.batch);
    }
    say('Driving every customer through Twilio (Sole Proprietors: profile, trust bundle, brand + OTP, campaign, sender number; businesses: secondary profile, SHAKEN/STIR, A2P Messaging profile, Standard brand (+ Authentication+ for public companies), campaign, numbers)...');

    let timedOut = false;
    const deadline = Date.now() + (opts.timeoutMs ?? 5 * 60_000);
    const results = [];
    for (const batch of batches) results.push(await waitForBatch(rt.ledger, batch, { timeoutMs: Math.max(1, deadline - Date.now()), out: process.stderr, settled: true }));
    if (receiver) {
      // The last changes' notifications are still on their way: let them arrive before the summary.
      await notificationsSent(rt, 15_000);
      say(`Notifications received, each signature verified: ${[...received].map(([t, n]) => `${n} ${t}`).join(', ') || 'none'}`);
    }
    for (const r of results) {
      timedOut ||= r.timedOut;
      const status = r.status;
      const byState = (s: string) => status.customers.filter((c) => c.state === s);
      say('');
      say(`Summary of batch ${status.batch}: ${status.counts.live} live, ${status.counts.failed} failed, ${status.counts.expired ? `${status.counts.expired} expired, ` : ''}${status.counts.invalid} invalid${r.timedOut ? `, ${status.total - status.done} still running (timed out)` : ''}`);
      if (status.fees && status.fees.cents > 0) say(`  Twilio fees this batch would have cost on a real account: ${describeTotals(status.fees)}`);
      for (const c of byState('live')) {
        say(c.sids['brand'] || c.sids['campaign']
          ? `  live       ${c.customerId}  brand ${c.sids['brand'] ?? '-'}  campaign ${c.sids['campaign'] ?? '-'}  sender number ${c.sids['servicePhoneNumber'] ?? '-'}`
          : `  live       ${c.customerId}  business profile ${c.sids['customerProfile'] ?? '-'}  SHAKEN/STIR ${c.sids['trustProduct'] ?? '-'}`);
      }
      for (const c of [...byState('completed'), ...byState('awaiting_otp'), ...byState('awaiting_email'), ...byState('in_progress')]) say(`  ${c.state.padEnd(10)} ${c.customerId} at ${c.stage}${c.reason ? `: ${c.reason}\n             what to do: ${c.action ?? '-'}` : ''}`);
      for (const c of byState('expired')) say(`  expired    ${c.customerId} at ${c.stage}: ${c.reason}\n             what to do: ${c.action ?? '-'}`);
      for (const c of byState('failed')) say(`  failed     ${c.customerId} at ${c.stage}: ${c.reason}\n             what to do: ${c.action ?? '-'}`);
      for (const c of byState('invalid')) say(`  invalid    row ${c.row}${c.customerId ? ` (${c.customerId})` : ''}: ${c.reason}`);
    }
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

/** Wait (up to `maxMs`) until the outbox is empty and no notification job is waiting, being sent or retried. */
async function notificationsSent(rt: Runtime, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const counts = await rt.queues[NOTIFY].getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const pending = Object.values(counts).reduce((a, b) => a + b, 0) + (await rt.redis.xlen(rt.ledger.outboxKey()));
    if (pending === 0) return;
    await sleep(200);
  }
}

/**
 * What only The Campaign Registry knows: uses of a mobile number or email at other vendors. Two customers
 * of examples/customers.csv (cust-1026, cust-1027) pass every check of ours and are refused at brand
 * registration, so the demo shows failures at Twilio and what to do about them. Also used by the browser test.
 */
export async function seedExampleVendorUsage(sandboxUrl: string): Promise<void> {
  for (const body of [{ mobile: '+17025550139', count: 3 }, { email: 'rachel.cohen@example.com', count: 10 }]) {
    const res = await fetch(`${sandboxUrl}/_sandbox/tcr-usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`sandbox refused the TCR usage of the demo: ${res.status} ${await res.text()}`);
  }
}
