import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { printIngest, printStatus, statusJson } from './commands/print.js';
import { ingestProgress } from './commands/progress.js';
import { runReport } from './commands/report.js';
import { waitForBatch } from './commands/wait.js';
import { ConfigError, describedSettings, loadConfig, notifySettings } from './config.js';
import { COLUMNS, requirementLabel } from './customers/columns.js';
import { printable } from './customers/neutralise.js';
import { batchStatus } from './ledger/batch-status.js';
import { Ledger } from './ledger/ledger.js';
import { createLogger } from './log.js';
import { newRegistry, registerTwilioMetrics, registerWorkerMetrics, startMetricsServer } from './metrics/metrics.js';
import { ingestFile } from './producers/ingest.js';
import { checkRedisVersion, connectRedis, type RedisClient } from './redis.js';
import { loadSandbox } from './dev-sandbox.js';
import { startDashboard } from './server/dashboard.js';
import { AuthError } from './twilio/errors.js';
import { startWorkers } from './workers/index.js';
import { createQueues, closeQueues } from './workers/queues.js';
import { createGateway, createRuntime, statusCallbackUrl, uploadOptions, watchDelay, webhookAccounts, webhookOptions } from './workers/runtime.js';
import { sweepNow } from './workers/sweep.js';
import { customersWithCampaignNotUpdated, describeCost, redrivableCustomers, redriveCustomer, resubmissionCost, resubmissions } from './producers/redrive.js';
import { confirmSpend } from './commands/confirm.js';
import { feeSchedule } from './ledger/fees.js';
import { updateTargets } from './producers/ingest.js';
import { STAGE_NAMES, isStageName } from './jobs/registry.js';
import { STATUS_WEBHOOK_PATH } from './server/webhook.js';
import { InputError } from './errors.js';

/** Exit statuses: 0 ok, 1 runtime failure, 2 bad input or settings, 3 `wait` timed out. */
const EXIT_INPUT = 2;
const EXIT_TIMEOUT = 3;

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

/** Redis, queues and ledger without Twilio: enough for ingest, status and wait. */
async function withStore<T>(fn: (s: { ledger: Ledger; queues: ReturnType<typeof createQueues>; log: ReturnType<typeof createLogger>; redis: RedisClient }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const redis = connectRedis(config.REDIS_URL, { maxRetriesPerRequest: 3, retryStrategy: (n) => (n > 3 ? null : 200 * n) });
  try {
    await checkRedisVersion(redis);
    const queues = createQueues(redis, config.QUEUE_PREFIX, config.JOB_ATTEMPTS);
    try {
      return await fn({ ledger: new Ledger(redis, config.QUEUE_PREFIX, { watchDelayMs: watchDelay(config), notify: notifySettings(config) !== undefined }), queues, log, redis });
    } finally {
      await closeQueues(queues);
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

function onSignals(handler: () => Promise<void>): void {
  let stopping = false;
  const go = () => {
    if (stopping) return;
    stopping = true;
    handler().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', go);
  process.once('SIGTERM', go);
}

const program = new Command();
program
  .name('a2p-onboard')
  .description('Register an ISV\'s customers for US A2P 10DLC (Sole Proprietor) with Twilio, from a CSV, through BullMQ queues.')
  .addHelpText(
    'after',
    `\nSettings (environment variables; every one is in docs/configuration.md):\n${describedSettings()
      .map((d) => `  ${d.name}: ${d.description}`)
      .join('\n')}\n\nBefore the first batch on a real account: a2p-onboard doctor --file CUSTOMERS.csv (and rehearse with TWILIO_MOCK_BRANDS=true).`,
  )
  .showHelpAfterError();

program
  .command('ingest')
  .description('validate a customer CSV and enqueue the good rows')
  .argument('<file>', 'the customer CSV')
  .option('--batch <id>', 'batch id (default: the file name and the time)')
  .option('--template <file>', 'campaign template JSON for the campaign columns')
  .option('--dry-run', 'validate and report without enqueuing')
  .option('--update', 'rows for customers that already exist are corrections: update failed or expired customers and redrive them (prints the resubmissions and their fees first)')
  .option('--yes', 'with --update: go ahead with the brand and campaign resubmissions it prints (they cost Twilio fees); without a terminal, required when there are any')
  .option('--json', 'print {"batch", "accepted", "updated", "unchanged", "rejected": [{row, customerId, reason}]} (with --update also "campaignNotUpdatable": [{row, customerId, fields}])')
  .addHelpText('after', `\nColumns:\n${COLUMNS.map((c) => `  ${c.name} (${requirementLabel(c)})`).join('\n')}`)
  .action(async (file: string, o: { batch?: string; template?: string; dryRun?: boolean; update?: boolean; yes?: boolean; json?: boolean }) => {
    if (o.update && !o.dryRun) {
      // Corrections resubmit FAILED brands and campaigns, and each resubmission is charged: say so first.
      const config = loadConfig();
      const fees = feeSchedule(config);
      const cost = await withStore(async (s) => resubmissionCost(s.ledger, await updateTargets(s.ledger, file, { templatePath: o.template }), fees));
      const answer = await confirmSpend(`ingest --update: ${describeCost(cost, fees)}.`, resubmissions(cost), { yes: o.yes ?? false, command: `a2p-onboard ${process.argv.slice(2).join(' ')}` });
      if (answer !== 'yes') {
        process.exitCode = EXIT_INPUT;
        return;
      }
    }
    // Progress on stderr for files big enough to take a while (about 1,000 rows and more).
    const big = ((await stat(file).catch(() => null))?.size ?? 0) >= 256 * 1024;
    const progress = ingestProgress({ quiet: !big, dryRun: o.dryRun ?? false });
    const report = await withStore((s) => {
      // With Twilio credentials, business rows' phone numbers are checked against the account now.
      const config = loadConfig();
      const gateway = config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN ? createGateway(config, s.redis) : undefined;
      // With subaccounts a customer's numbers are in its subaccount, not the parent: the worker checks them there.
      const ownsPhoneNumber = gateway && config.ACCOUNT_MODE === 'single' ? async (n: string) => (await gateway.findIncomingPhoneNumber(n)) !== null : undefined;
      const campaignHeld = gateway && o.update && config.ACCOUNT_MODE === 'single' ? async (mg: string, qe: string) => (await gateway.fetchCampaign(mg, qe)).fixed : undefined;
      return ingestFile(s, file, {
        accountMode: config.ACCOUNT_MODE,
        campaignHeld,
        batchId: o.batch,
        templatePath: o.template,
        dryRun: o.dryRun ?? false,
        update: o.update ?? false,
        ownsPhoneNumber,
        onProgress: progress.onProgress,
      });
    }).finally(() => progress.stop());
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ batch: report.batch, accepted: report.accepted, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected.map(({ row, customerId, reason }) => ({ row, customerId, reason })), ...(o.update ? { campaignNotUpdatable: report.campaignNotUpdatable ?? [] } : {}) })}\n`);
    }
    else printIngest(report);
  });

program
  .command('status')
  .description('show each customer of a batch: stage, state and reason')
  .requiredOption('--batch <id>', 'batch id')
  .option('--json', 'print {"batch", "customers": [{customerId, stage, state, reason}]}')
  .action(async (o: { batch: string; json?: boolean }) => {
    const status = await withStore((s) => batchStatus(s.ledger, o.batch));
    if (!status.exists) {
      console.error(`No batch "${o.batch}" in this Redis (QUEUE_PREFIX ${loadConfig().QUEUE_PREFIX}).`);
      process.exitCode = EXIT_INPUT;
      return;
    }
    if (o.json) process.stdout.write(`${JSON.stringify(statusJson(status))}\n`);
    else printStatus(status);
  });

program
  .command('wait')
  .description('wait until every customer of a batch is completed, live, failed, expired or invalid')
  .requiredOption('--batch <id>', 'batch id')
  .option('--timeout <seconds>', 'give up after this many seconds (exit 3)', positiveInt)
  .option('--settled', 'also wait for campaign vetting: until every customer is live, failed, expired or invalid')
  .action(async (o: { batch: string; timeout?: number; settled?: boolean }) => {
    const res = await withStore((s) =>
      waitForBatch(s.ledger, o.batch, { timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000, settled: o.settled ?? false }),
    );
    printStatus(res.status);
    if (res.timedOut) {
      console.error(`Timed out after ${o.timeout}s with ${res.status.total - res.status.done} customers still in progress.`);
      process.exitCode = EXIT_TIMEOUT;
    }
  });

program
  .command('sweep')
  .description('re-check now every customer waiting on Twilio (bundles, brand and OTP, campaign vetting) and move them on')
  .option('--json', 'print {"checked", "states", "errors"}')
  .action(async (o: { json?: boolean }) => {
    const config = loadConfig();
    const log = createLogger(config.LOG_LEVEL);
    const rt = await createRuntime(config, log);
    try {
      const report = await sweepNow(rt);
      if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const states = Object.entries(report.states).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
        console.log(`Re-checked ${report.checked} waiting customers; now: ${states}${report.errors ? `; ${report.errors} could not be checked (see the logs)` : ''}.`);
        console.log('Stage jobs this queued (campaigns, fresh OTPs) run on the workers.');
      }
      if (report.errors) process.exitCode = 1;
    } finally {
      await rt.close();
    }
  });

program
  .command('redrive')
  .description('put failed (dead-lettered) or expired customers back into the pipeline; nothing is created twice. Resubmissions cost Twilio fees: they are counted and priced first, and need --yes')
  .option('--customer <id...>', 'one or more customer ids')
  .option('--batch <id>', 'every failed or expired customer of a batch')
  .option('--all', 'every failed or expired customer')
  .option('--from-stage <name>', `restart at this stage (${STAGE_NAMES.join(', ')}); default: the stage that failed`)
  .option(
    '--recreate-campaign',
    'delete the customer\'s campaign and create it again with its current data (what UpdateUsAppToPerson cannot change: opt-in, opt-out, help keywords and messages); a new campaign vetting fee each. With --batch: the customers whose campaign holds such corrections',
  )
  .option('--yes', 'go ahead with the resubmissions and fees it prints (without a terminal, required when there are any)')
  .option('--json', 'print [{customerId, ok, stage | reason}]')
  .action(async (o: { customer?: string[]; batch?: string; all?: boolean; fromStage?: string; recreateCampaign?: boolean; yes?: boolean; json?: boolean }) => {
    const chosen = [o.customer?.length ? 1 : 0, o.batch ? 1 : 0, o.all ? 1 : 0].reduce((a, b) => a + b, 0);
    if (chosen !== 1) throw new ConfigError('redrive needs exactly one of --customer ID, --batch ID or --all');
    if (o.fromStage !== undefined && !isStageName(o.fromStage)) throw new ConfigError(`--from-stage must be one of ${STAGE_NAMES.join(', ')}`);
    if (o.recreateCampaign && (o.all || o.fromStage)) throw new ConfigError('--recreate-campaign takes --customer ID or --batch ID, and no --from-stage');
    const fromStage = o.fromStage;
    const recreateCampaign = o.recreateCampaign ?? false;
    const fees = feeSchedule(loadConfig());
    const results = await withStore(async (s) => {
      const ids = o.customer ?? (recreateCampaign ? await customersWithCampaignNotUpdated(s.ledger, o.batch!) : await redrivableCustomers(s.ledger, o.batch));
      const cost = await resubmissionCost(s.ledger, ids, fees, { recreateCampaign });
      const what = recreateCampaign ? 'redrive --recreate-campaign' : 'redrive';
      const answer = await confirmSpend(`${what}: ${ids.length} customer${ids.length === 1 ? '' : 's'}; ${describeCost(cost, fees)}.`, resubmissions(cost), {
        yes: o.yes ?? false,
        command: `a2p-onboard ${process.argv.slice(2).join(' ')}`,
      });
      if (answer !== 'yes') return null;
      const out = [];
      for (const id of ids) out.push(await redriveCustomer(s, id, { fromStage, recreateCampaign }));
      return out;
    });
    if (results === null) {
      process.exitCode = EXIT_INPUT;
      return;
    }
    if (o.json) process.stdout.write(`${JSON.stringify(results)}\n`);
    else {
      const ok = results.filter((r) => r.ok).length;
      console.log(`Redrove ${ok} of ${results.length} customers.`);
      for (const r of results) console.log(r.ok ? `  ${r.customerId}: ${r.from} -> restarting at ${r.stage}${recreateCampaign ? ' (campaign deleted and created again)' : ''}` : `  ${r.customerId}: not redriven: ${r.reason}`);
    }
    if (results.some((r) => !r.ok)) process.exitCode = o.customer ? EXIT_INPUT : 0;
  });

program
  .command('report')
  .description('export a batch: one row per customer with state, stage, reason, suggested action, every Twilio SID and timestamps')
  .requiredOption('--batch <id>', 'batch id')
  .requiredOption('--out <file>', 'FILE.csv or FILE.json (CSV cells that could run as spreadsheet formulas are neutralised)')
  .option('--state <state>', 'only customers in this state (e.g. failed)')
  .action(async (o: { batch: string; out: string; state?: string }) => {
    const res = await withStore((s) => runReport(s.ledger, o));
    console.error(`Wrote ${res.customers} customers of batch ${o.batch} to ${res.file}`);
  });

program
  .command('worker')
  .description('run every stage worker until SIGINT/SIGTERM, then finish in-flight jobs (SHUTDOWN_TIMEOUT_MS)')
  .option('--metrics-port <n>', 'serve Prometheus metrics on this port (default METRICS_PORT; unset: none)', positiveInt)
  .action(async (o: { metricsPort?: number }) => {
    const config = loadConfig();
    const log = createLogger(config.LOG_LEVEL, undefined, { secrets: [config.TWILIO_AUTH_TOKEN, config.DASHBOARD_PASSWORD, config.METRICS_TOKEN] });
    const metricsPort = o.metricsPort ?? config.METRICS_PORT;
    const registry = metricsPort === undefined ? undefined : newRegistry();
    const twilioMetrics = registry ? registerTwilioMetrics(registry) : undefined;
    const rt = await createRuntime(config, log, { onCall: twilioMetrics?.onCall });
    await checkRedisVersion(rt.redis);
    const pool = startWorkers(rt);
    log.info({ stages: pool.workers.map((w) => w.name), prefix: config.QUEUE_PREFIX, twilio: config.TWILIO_API_BASE ?? 'twilio.com' }, 'workers started');
    let metrics: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
    if (registry && metricsPort !== undefined) {
      registerWorkerMetrics(registry, pool.workers);
      metrics = await startMetricsServer({ host: config.METRICS_HOST, port: metricsPort, token: config.METRICS_TOKEN, registry });
      log.info({ url: `${metrics.url}/metrics`, bearer: config.METRICS_TOKEN ? 'required' : 'none' }, 'metrics served');
    }
    onSignals(async () => {
      log.info({ deadlineMs: config.SHUTDOWN_TIMEOUT_MS }, 'stopping: letting in-flight jobs finish');
      const how = await pool.close();
      await metrics?.close();
      // After a cut-off, jobs' code is still running against Twilio: exit now rather than let it go on
      // past the deadline (what it was doing is retried, safely, by another worker).
      if (how === 'deadline') await Promise.race([rt.close(), sleep(1_000, undefined, { ref: false })]);
      else await rt.close();
      log.info({ how }, 'stopped');
    });
  });

program
  .command('dashboard')
  .description('serve the batch pages (/batches), Bull Board (/admin/queues) and /metrics behind basic auth')
  .option('--port <n>', 'port (default DASHBOARD_PORT)', positiveInt)
  .option('--host <host>', 'address to bind (default DASHBOARD_HOST)')
  .action(async (o: { port?: number; host?: string }) => {
    const config = loadConfig();
    const log = createLogger(config.LOG_LEVEL);
    const redis = connectRedis(config.REDIS_URL);
    const queues = createQueues(redis, config.QUEUE_PREFIX, config.JOB_ATTEMPTS);
    const ledger = new Ledger(redis, config.QUEUE_PREFIX, { watchDelayMs: watchDelay(config), notify: notifySettings(config) !== undefined });
    const gateway = config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN ? createGateway(config, redis) : undefined;
    const dash = await startDashboard({
      host: o.host ?? config.DASHBOARD_HOST,
      port: o.port ?? config.DASHBOARD_PORT,
      user: config.DASHBOARD_USER,
      password: config.DASHBOARD_PASSWORD,
      queues,
      ledger,
      metricsToken: config.METRICS_TOKEN,
      webhook: webhookOptions(config, ledger, log, webhookAccounts(config, redis)),
      upload: uploadOptions(config, log, redis),
      log,
      authFailureDelayMs: config.DASHBOARD_AUTH_FAILURE_DELAY_MS,
      trustProxy: config.DASHBOARD_TRUST_PROXY,
      api: {
        maxCsvBytes: config.API_MAX_CSV_BYTES,
        rateLimitPerMinute: config.API_RATE_LIMIT_PER_MINUTE,
        templatePath: config.API_CAMPAIGN_TEMPLATE,
        accountMode: config.ACCOUNT_MODE,
        // As for `ingest`: with Twilio credentials, business numbers are checked against the account at once (the parent's only in single mode).
        ownsPhoneNumber: gateway && config.ACCOUNT_MODE === 'single' ? async (n: string) => (await gateway.findIncomingPhoneNumber(n)) !== null : undefined,
      },
    });
    console.log(`Dashboard: ${dash.url}/batches (Bull Board: ${dash.url}/admin/queues, metrics: ${dash.url}/metrics, API: ${dash.url}/api/v1/openapi.json)`);
    console.log(
      config.TWILIO_AUTH_TOKEN
        ? `Twilio status callbacks: POST ${statusCallbackUrl(config) ?? `${dash.url}${STATUS_WEBHOOK_PATH}`}`
        : 'Twilio status callbacks are off: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN so their signatures can be checked',
    );
    onSignals(async () => {
      await dash.close();
      await closeQueues(queues);
      await redis.quit();
    });
  });

const apiKey = program.command('api-key').description('keys for the HTTP API at /api/v1 (sent as `Authorization: Bearer <key>`)');
apiKey
  .command('create')
  .description('create a key and print it: it is shown this once (only its hash is kept)')
  .requiredOption('--name <name>', 'what the key is for (e.g. the product or environment using it)')
  .option('--json', 'print {"id", "name", "key"}')
  .action(async (o: { name: string; json?: boolean }) => {
    const { ApiKeys } = await import('./server/api/keys.js');
    const created = await withStore((s) => new ApiKeys(s.redis, loadConfig().QUEUE_PREFIX).create(o.name)).catch((err: unknown) => {
      throw new InputError(err instanceof Error ? err.message : String(err));
    });
    if (o.json) process.stdout.write(`${JSON.stringify({ id: created.id, name: created.name, key: created.key })}\n`);
    else console.log(`API key ${created.id} (${printable(created.name)}):\n\n  ${created.key}\n\nStore it now: it is not shown again. Send it as "Authorization: Bearer <key>"; revoke it with: a2p-onboard api-key revoke ${created.id}`);
  });
apiKey
  .command('revoke')
  .description('revoke a key at once (requests with it get 401)')
  .argument('<id>', 'the key id (k…), as `api-key list` shows')
  .action(async (id: string) => {
    const { ApiKeys } = await import('./server/api/keys.js');
    const rec = await withStore((s) => new ApiKeys(s.redis, loadConfig().QUEUE_PREFIX).revoke(id));
    if (!rec) throw new InputError(`no API key ${printable(id)}; a2p-onboard api-key list shows them`);
    console.log(`API key ${rec.id} (${printable(rec.name)}) revoked at ${rec.revokedAt ?? ''}`);
  });
apiKey
  .command('list')
  .description('list the keys: id, name, created, revoked (never the keys themselves)')
  .option('--json', 'print [{"id", "name", "createdAt", "revokedAt"}]')
  .action(async (o: { json?: boolean }) => {
    const { ApiKeys } = await import('./server/api/keys.js');
    const list = await withStore((s) => new ApiKeys(s.redis, loadConfig().QUEUE_PREFIX).list());
    if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
    else if (list.length === 0) console.log('No API keys. Create one with: a2p-onboard api-key create --name NAME');
    else for (const k of list) console.log(`${k.id}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  created ${k.createdAt}  ${printable(k.name)}`);
  });

program
  .command('doctor')
  .description('before the first real batch: check the credentials, the ISV primary profile, the policies, sender numbers, PUBLIC_BASE_URL and Redis persistence')
  .option('--file <csv>', 'a customers CSV: every number in its sender_number (and business phone_numbers) column must be the account\'s')
  .option('--json', 'print {"ok", "checks": [{"id", "status": "ok"|"warn"|"fail", "summary", "fix"}]}')
  .option('--strict', 'warnings fail too')
  .option('--allow-unknown-requirements', "a policy requirement a2p-onboard does not fill is a warning, not a failure (the workers leave it to Twilio's evaluation either way)")
  .addHelpText('after', '\nPrints one line per check (✓ ok, ! warning, ✗ failed) with what to do. Exit 0 when nothing failed, 1 otherwise.')
  .action(async (o: { file?: string; json?: boolean; strict?: boolean; allowUnknownRequirements?: boolean }) => {
    const { runDoctorCommand } = await import('./commands/doctor.js');
    process.exitCode = await runDoctorCommand(o);
  });

const events = program.command('events').description("Twilio Event Streams: brand and campaign decisions pushed to this deployment within seconds");
events
  .command('setup')
  .description('create (or find) the webhook Sink and the Subscription to the brand and campaign registration events, per account; safe to run again')
  .option('--sink-url <url>', 'where Twilio delivers: the public HTTPS address of /webhooks/twilio/events (default: PUBLIC_BASE_URL + that path)')
  .option('--json', 'print {"ok", "sinkUrl", "accounts": [{"account", "ok", "sink", "subscription", "problems"}]}')
  .action(async (o: { sinkUrl?: string; json?: boolean }) => {
    const { runEventsSetupCommand } = await import('./commands/events.js');
    process.exitCode = await runEventsSetupCommand(o);
  });

program
  .command('sandbox')
  .description('run the local Twilio sandbox (SANDBOX_* settings)')
  .option('--port <n>', 'port (default SANDBOX_PORT)', positiveInt)
  .action(async (o: { port?: number }) => {
    const { sandboxOptionsFromEnv, startSandbox } = await loadSandbox();
    const opts = sandboxOptionsFromEnv(process.env);
    const sb = await startSandbox({ ...opts, ...(o.port === undefined ? {} : { port: o.port }) });
    console.log(`Twilio sandbox listening on ${sb.url}`);
    console.log(`  TWILIO_API_BASE=${sb.url} TWILIO_ACCOUNT_SID=${sb.options.accountSid} TWILIO_AUTH_TOKEN=${sb.options.authToken}`);
    console.log(`  ISV primary profile: ${sb.isvPrimaryProfileSid}`);
    onSignals(() => sb.close());
  });

program
  .command('notify-receiver')
  .description('a local receiver of the signed notifications (NOTIFY_URL): checks each signature and prints what it gets, each event id once')
  .option('--port <n>', 'port (default 4000)', positiveInt)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--secret <secret>', 'the NOTIFY_SECRET the workers sign with (default: NOTIFY_SECRET; an environment variable keeps it out of `ps`)')
  .option('--json', 'print each notification as one line of JSON')
  .action(async (o: { port?: number; host: string; secret?: string; json?: boolean }) => {
    const secret = o.secret ?? process.env['NOTIFY_SECRET'];
    if (!secret) throw new ConfigError('notify-receiver needs the secret: set NOTIFY_SECRET (or pass --secret)');
    const { startNotifyReceiver, describeNotification } = await import('./notify/receiver.js');
    const receiver = await startNotifyReceiver({
      secret,
      port: o.port ?? 4000,
      host: o.host,
      onNotification: (r) => void console.log(o.json ? JSON.stringify({ duplicate: r.duplicate, ...r.notification }) : describeNotification(r)),
      onRefused: (status, why) => console.error(`refused (${status}): ${why}`),
    });
    console.log(`Notification receiver listening: NOTIFY_URL=${receiver.url}`);
    onSignals(() => receiver.close());
  });

program
  .command('demo')
  .description('run everything locally against the sandbox with the example CSV and print a summary')
  .option('--keep-open', 'keep the dashboard up after the batch is done (Ctrl+C to stop)')
  .option('--csv <file>', 'another customer CSV')
  .option('--template <file>', 'another campaign template')
  .option('--notify', 'also run a local notification receiver (NOTIFY_URL) and print the notifications it gets: the customers who must act, and the outcomes')
  .action(async (o: { keepOpen?: boolean; csv?: string; template?: string; notify?: boolean }) => {
    const { runDemo } = await import('./demo.js');
    process.exitCode = await runDemo({ keepOpen: o.keepOpen ?? false, csv: o.csv, template: o.template, notify: o.notify ?? false });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof InputError) {
    // The message may quote the file (header names): no terminal escapes, and never a flood.
    const msg = printable(err.message);
    console.error(`a2p-onboard: ${msg.length > 2000 ? `${msg.slice(0, 2000)}…` : msg}`);
    process.exit(err.exitCode);
  }
  if (err instanceof AuthError) {
    console.error(`a2p-onboard: ${err.message}`);
    process.exit(1);
  }
  const msg = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED|Connection is closed|Reached the max retries/i.test(msg)) {
    console.error(`a2p-onboard: cannot reach Redis (${msg}). Is it running at REDIS_URL?`);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
