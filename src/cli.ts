import { Command, InvalidArgumentError } from 'commander';
import { printIngest, printStatus, statusJson } from './commands/print.js';
import { waitForBatch } from './commands/wait.js';
import { ConfigError, loadConfig } from './config.js';
import { COLUMNS } from './customers/columns.js';
import { CsvFileError, TemplateError } from './customers/errors.js';
import { batchStatus } from './ledger/batch-status.js';
import { Ledger } from './ledger/ledger.js';
import { createLogger } from './log.js';
import { RedisNotFoundError } from './local-redis.js';
import { ingestFile } from './producers/ingest.js';
import { checkRedisVersion, createRedis } from './redis.js';
import { sandboxOptionsFromEnv, startSandbox } from './sandbox/index.js';
import { startDashboard } from './server/dashboard.js';
import { AuthError } from './twilio/errors.js';
import { startWorkers } from './workers/index.js';
import { createQueues, closeQueues } from './workers/queues.js';
import { createRuntime } from './workers/runtime.js';

/** Exit statuses: 0 ok, 1 runtime failure, 2 bad input or settings, 3 `wait` timed out. */
const EXIT_INPUT = 2;
const EXIT_TIMEOUT = 3;

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

/** Redis, queues and ledger without Twilio: enough for ingest, status and wait. */
async function withStore<T>(fn: (s: { ledger: Ledger; queues: ReturnType<typeof createQueues>; log: ReturnType<typeof createLogger> }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const redis = createRedis(config.REDIS_URL, { maxRetriesPerRequest: 3, retryStrategy: (n) => (n > 3 ? null : 200 * n) });
  try {
    await checkRedisVersion(redis);
    const queues = createQueues(redis, config.QUEUE_PREFIX, config.JOB_ATTEMPTS);
    try {
      return await fn({ ledger: new Ledger(redis, config.QUEUE_PREFIX), queues, log });
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
  .showHelpAfterError();

program
  .command('ingest')
  .description('validate a customer CSV and enqueue the good rows')
  .argument('<file>', 'the customer CSV')
  .option('--batch <id>', 'batch id (default: the file name and the time)')
  .option('--template <file>', 'campaign template JSON for the campaign columns')
  .option('--dry-run', 'validate and report without enqueuing')
  .option('--json', 'print {"batch", "accepted", "rejected": [{row, customerId, reason}]}')
  .addHelpText('after', `\nColumns:\n${COLUMNS.map((c) => `  ${c.name} (${c.requirement})`).join('\n')}`)
  .action(async (file: string, o: { batch?: string; template?: string; dryRun?: boolean; json?: boolean }) => {
    const report = await withStore((s) => ingestFile(s, file, { batchId: o.batch, templatePath: o.template, dryRun: o.dryRun ?? false }));
    if (o.json) process.stdout.write(`${JSON.stringify({ batch: report.batch, accepted: report.accepted, rejected: report.rejected })}\n`);
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
  .description('wait until every customer of a batch is completed, failed or invalid')
  .requiredOption('--batch <id>', 'batch id')
  .option('--timeout <seconds>', 'give up after this many seconds (exit 3)', positiveInt)
  .action(async (o: { batch: string; timeout?: number }) => {
    const res = await withStore((s) => waitForBatch(s.ledger, o.batch, { timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000 }));
    printStatus(res.status);
    if (res.timedOut) {
      console.error(`Timed out after ${o.timeout}s with ${res.status.total - res.status.done} customers still in progress.`);
      process.exitCode = EXIT_TIMEOUT;
    }
  });

program
  .command('worker')
  .description('run every stage worker until SIGINT/SIGTERM, then finish in-flight jobs (SHUTDOWN_TIMEOUT_MS)')
  .action(async () => {
    const config = loadConfig();
    const log = createLogger(config.LOG_LEVEL);
    const rt = await createRuntime(config, log);
    await checkRedisVersion(rt.redis);
    const pool = startWorkers(rt);
    log.info({ stages: pool.workers.map((w) => w.name), prefix: config.QUEUE_PREFIX, twilio: config.TWILIO_API_BASE ?? 'twilio.com' }, 'workers started');
    onSignals(async () => {
      log.info({ deadlineMs: config.SHUTDOWN_TIMEOUT_MS }, 'stopping: letting in-flight jobs finish');
      await pool.close();
      await rt.close();
      log.info('stopped');
    });
  });

program
  .command('dashboard')
  .description('serve Bull Board at /admin/queues behind basic auth')
  .option('--port <n>', 'port (default DASHBOARD_PORT)', positiveInt)
  .option('--host <host>', 'address to bind (default DASHBOARD_HOST)')
  .action(async (o: { port?: number; host?: string }) => {
    const config = loadConfig();
    const redis = createRedis(config.REDIS_URL);
    const queues = createQueues(redis, config.QUEUE_PREFIX, config.JOB_ATTEMPTS);
    const dash = await startDashboard({
      host: o.host ?? config.DASHBOARD_HOST,
      port: o.port ?? config.DASHBOARD_PORT,
      user: config.DASHBOARD_USER,
      password: config.DASHBOARD_PASSWORD,
      queues,
    });
    console.log(`Dashboard: ${dash.url}/admin/queues`);
    onSignals(async () => {
      await dash.close();
      await closeQueues(queues);
      await redis.quit();
    });
  });

program
  .command('sandbox')
  .description('run the local Twilio sandbox (SANDBOX_* settings)')
  .option('--port <n>', 'port (default SANDBOX_PORT)', positiveInt)
  .action(async (o: { port?: number }) => {
    const opts = sandboxOptionsFromEnv(process.env);
    const sb = await startSandbox({ ...opts, ...(o.port === undefined ? {} : { port: o.port }) });
    console.log(`Twilio sandbox listening on ${sb.url}`);
    console.log(`  TWILIO_API_BASE=${sb.url} TWILIO_ACCOUNT_SID=${sb.options.accountSid} TWILIO_AUTH_TOKEN=${sb.options.authToken}`);
    console.log(`  ISV primary profile: ${sb.isvPrimaryProfileSid}`);
    onSignals(() => sb.close());
  });

program
  .command('demo')
  .description('run everything locally against the sandbox with the example CSV and print a summary')
  .option('--keep-open', 'keep the dashboard up after the batch is done (Ctrl+C to stop)')
  .option('--csv <file>', 'another customer CSV')
  .option('--template <file>', 'another campaign template')
  .action(async (o: { keepOpen?: boolean; csv?: string; template?: string }) => {
    const { runDemo } = await import('./demo.js');
    process.exitCode = await runDemo({ keepOpen: o.keepOpen ?? false, csv: o.csv, template: o.template });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CsvFileError || err instanceof TemplateError || err instanceof ConfigError || err instanceof RedisNotFoundError) {
    console.error(`a2p-onboard: ${err.message}`);
    process.exit(EXIT_INPUT);
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
