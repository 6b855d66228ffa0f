import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../src/config.js';
import type { CustomerRecord, Ledger } from '../src/ledger/ledger.js';
import type { CustomerState } from '../src/ledger/states.js';
import { createLogger, type Logger } from '../src/log.js';
import { startLocalRedis, type LocalRedis } from '../src/local-redis.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '@a2p-onboard/twilio-sandbox';
import type { TwilioGateway } from '../src/twilio/gateway.js';
import { startWorkers, type WorkerPool } from '../src/workers/index.js';
import { createRuntime, type Runtime } from '../src/workers/runtime.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { ingestFile, type IngestReport } from '../src/producers/ingest.js';
import { HEADER, TEMPLATE, csvLine, customerFields } from '../fixtures/customers.js';
import { FAST_SANDBOX } from '../fixtures/sandbox.js';

/** Shared test plumbing: a real Redis (REDIS_URL, or a private redis-server), the real sandbox, real workers. */

let shared: { url: string; local?: LocalRedis } | undefined;

export async function testRedisUrl(): Promise<string> {
  if (shared) return shared.url;
  if (process.env['REDIS_URL']) shared = { url: process.env['REDIS_URL'] };
  else {
    const local = await startLocalRedis();
    shared = { url: local.url, local };
  }
  return shared.url;
}

export async function stopTestRedis(): Promise<void> {
  await shared?.local?.stop();
  shared = undefined;
}

/** Every test gets its own queue prefix, so tests never see each other's jobs or ledger. */
export function testPrefix(): string {
  return `{test-${randomUUID().slice(0, 12)}}`;
}

export const silentLog: Logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

export interface Stack {
  sandbox: Sandbox;
  config: Config;
  rt: Runtime;
  pool: WorkerPool | undefined;
  startWorkers(): WorkerPool;
  close(): Promise<void>;
}

export interface StackOptions {
  sandbox?: Partial<SandboxOptions>;
  env?: Partial<Record<keyof Config, string>>;
  /** Wrap the gateway (fault injection between Twilio's answer and the ledger write). */
  wrapGateway?: (g: TwilioGateway) => TwilioGateway;
  workers?: boolean;
  log?: Logger;
}

/** Fast defaults: waits and sandbox delays in tens of milliseconds, budgets generous. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const url = await testRedisUrl();
  const sandbox = await startSandbox({ ...FAST_SANDBOX, ...opts.sandbox });
  const config = loadConfig(
    {},
    {
      REDIS_URL: url,
      QUEUE_PREFIX: testPrefix(),
      TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE: sandbox.url,
      VALIDATION_WAIT_MS: '150',
      STATUS_POLL_MAX_MS: '400',
      SWEEP_INTERVAL_MS: '200',
      SWEEP_MAX_INTERVAL_MS: '400',
      TWILIO_MAX_RPS: '500',
      REGISTRATION_RPS: '50',
      BACKOFF_BASE_MS: '50',
      BACKOFF_MAX_MS: '500',
      WORKER_CONCURRENCY: '8',
      // Live needs a number on the Messaging Service: the sandbox sells one per customer (test/sender-numbers.test.ts turns it off).
      BUY_SENDER_NUMBERS: 'true',
      ...opts.env,
    },
  );
  const log = opts.log ?? silentLog;
  // The runtime as `a2p-onboard worker` builds it: credentials and primary profile checked, policies primed.
  const rt = await createRuntime(config, log, opts.wrapGateway ? { wrapGateway: opts.wrapGateway } : {});
  const stack: Stack = {
    sandbox,
    config,
    rt,
    pool: undefined,
    startWorkers() {
      stack.pool = startWorkers(rt);
      return stack.pool;
    },
    async close() {
      await stack.pool?.close(2_000);
      // Remove this test's keys, then close the runtime (queues, policy refresh, its Redis connection).
      const keys = await rt.redis.keys(`${config.QUEUE_PREFIX}*`);
      for (let i = 0; i < keys.length; i += 500) await rt.redis.del(...keys.slice(i, i + 500));
      await rt.close();
      await sandbox.close();
    },
  };
  if (opts.workers !== false) stack.startWorkers();
  return stack;
}

/** The real twilio-node SDK against the stack's sandbox: what a test reads Twilio's side with. */
export function twilioClient(stack: Stack) {
  return createTwilioClient({ accountSid: stack.sandbox.options.accountSid, authToken: stack.sandbox.options.authToken, apiBase: stack.sandbox.url });
}

/** Ingest customer rows (with the header) into a batch, with the test campaign template. */
export async function ingestRows(stack: Stack, rows: string[], opts: { update?: boolean; template?: string; batch?: string } = {}): Promise<IngestReport> {
  return ingestFile(stack.rt, tmpFile('customers.csv', csv(...rows)), {
    templatePath: opts.template ?? templateFile(),
    batchId: opts.batch ?? 'b1',
    update: opts.update ?? false,
  });
}

/** Poll a condition instead of sleeping for a guessed time. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Wait until the customer reaches one of the given states. */
export async function waitForState(ledger: Ledger, customerId: string, states: CustomerState[], timeoutMs = 20_000): Promise<CustomerRecord> {
  return waitFor(
    `${customerId} to reach ${states.join('/')}`,
    async () => {
      const r = await ledger.get(customerId);
      return r && states.includes(r.state) ? r : null;
    },
    timeoutMs,
  );
}

export function tmpFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'a2p-test-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

export { HEADER, TEMPLATE };

export function templateFile(): string {
  return tmpFile('template.json', JSON.stringify(TEMPLATE));
}

let phoneSeq = 100;
/** A valid customer row; override fields by name. Each call gets its own mobile number. */
export function row(customerId: string, over: Partial<Record<string, string>> = {}): string {
  phoneSeq += 1;
  return csvLine(customerFields(customerId, 1000 + phoneSeq, over));
}

export function csv(...rows: string[]): string {
  return [HEADER, ...rows].join('\n') + '\n';
}
