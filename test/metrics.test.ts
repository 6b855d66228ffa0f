import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { waitForBatch } from '../src/commands/wait.js';
import { Ledger } from '../src/ledger/ledger.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { endpointOf } from '../src/metrics/metrics.js';
import { ingestFile } from '../src/producers/ingest.js';
import { createRedis } from '../src/redis.js';
import { startSandbox } from '@a2p-onboard/twilio-sandbox';
import { startDashboard } from '../src/server/dashboard.js';
import { closeQueues, createQueues } from '../src/workers/queues.js';
import { csv, row, silentLog, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile, waitFor } from './helpers.js';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN } from '../fixtures/customers.js';
import { cliArgs } from '../scripts/built-cli.js';

after(stopTestRedis);

/** The value of one sample in Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) total += Number(m[3]);
  }
  return total;
}

const PROMETHEUS_DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

function alertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(`${PROMETHEUS_DIR}alerts.yml`, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** Series name → the label keys seen on it, from Prometheus text format. */
function labelsBySeries(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!m) continue;
    const keys = out.get(m[1]!) ?? new Set<string>();
    for (const k of (m[2] ?? '').matchAll(/(\w+)="/g)) keys.add(k[1]!);
    out.set(m[1]!, keys);
  }
  return out;
}

/** What an alert expression names that the scrape does not have: a2p_* metrics, their label matchers, by/on labels. */
function unknownNames(expr: string, exported: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const metrics = [...new Set(expr.match(/\ba2p_\w+/g) ?? [])];
  const keysOf = (metric: string) => exported.get(metric) ?? new Set<string>();
  for (const metric of metrics) if (!exported.has(metric)) problems.push(`${metric} is not exported`);
  for (const m of expr.matchAll(/\b(a2p_\w+)\{([^}]*)\}/g)) {
    for (const k of m[2]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) if (!keysOf(m[1]!).has(k[1]!)) problems.push(`${m[1]} has no label ${k[1]}`);
  }
  for (const m of expr.matchAll(/\b(?:by|on)\s*\(([^)]*)\)/g)) {
    for (const key of m[1]!.split(',').map((x) => x.trim()).filter(Boolean)) {
      if (!metrics.some((metric) => keysOf(metric).has(key))) problems.push(`no metric of the expression has the label ${key}`);
    }
  }
  return problems;
}

describe('metrics', () => {
  it('ships Prometheus alert rules that say what is wrong and what to do, loaded by the example scrape config', () => {
    const rules = alertRules();
    assert.ok(rules.length >= 6, `${rules.length} rules`);
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length, 'alert names are unique');
    const config = parseYaml(readFileSync(`${PROMETHEUS_DIR}prometheus.yml`, 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string }[] };
    assert.deepEqual(config.rule_files, ['alerts.yml']);
    const jobs = config.scrape_configs.map((c) => c.job_name);
    for (const r of rules) {
      assert.match(r.alert, /^A2p[A-Z]\w+$/);
      assert.ok(['critical', 'warning', 'info'].includes(r.labels.severity), `${r.alert}: severity ${r.labels.severity}`);
      assert.ok(r.annotations.summary.length > 10 && r.annotations.description.length > 40, `${r.alert}: a summary and a description of what to do`);
      if (r.for !== undefined) assert.match(r.for, /^\d+[smh]$/);
      let depth = 0;
      for (const c of r.expr) {
        depth += c === '(' || c === '{' || c === '[' ? 1 : c === ')' || c === '}' || c === ']' ? -1 : 0;
        assert.ok(depth >= 0, `${r.alert}: unbalanced brackets in ${r.expr}`);
      }
      assert.equal(depth, 0, `${r.alert}: unbalanced brackets in ${r.expr}`);
      for (const m of r.expr.matchAll(/\bup\{job="([^"]+)"\}/g)) assert.ok(jobs.includes(m[1]!), `${r.alert}: job ${m[1]} is not scraped by prometheus.yml`);
    }
    // The check below can fail: a renamed metric or label is caught.
    const sampleScrape = labelsBySeries('a2p_queue_oldest_waiting_seconds{queue="x"} 1\na2p_stage_jobs_total{queue="x",result="completed"} 1');
    assert.deepEqual(unknownNames('max by (queue) (a2p_queue_oldest_waiting_seconds{queue!="dead-letter"}) > 600', sampleScrape), []);
    assert.deepEqual(unknownNames('a2p_queue_oldest_seconds > 1', sampleScrape), ['a2p_queue_oldest_seconds is not exported']);
    assert.deepEqual(unknownNames('sum by (stage) (rate(a2p_stage_jobs_total{outcome="x"}[5m]))', sampleScrape), ['a2p_stage_jobs_total has no label outcome', 'no metric of the expression has the label stage']);
  });


  it('names Twilio endpoints without SIDs', () => {
    assert.equal(endpointOf('https://trusthub.twilio.com/v1/CustomerProfiles/BU0123456789abcdef0123456789abcdef/Evaluations'), 'trusthub /v1/CustomerProfiles/{sid}/Evaluations');
    assert.equal(endpointOf('https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Addresses.json'), 'api /2010-04-01/Accounts/{sid}/Addresses.json');
    assert.equal(endpointOf('https://messaging.twilio.com/v1/a2p/BrandRegistrations/BN0123456789abcdef0123456789abcdef?x=1'), 'messaging /v1/a2p/BrandRegistrations/{sid}');
  });

  it('a worker process serves Twilio call metrics on --metrics-port; the dashboard serves the store', async () => {
    // One request in ten gets a 429: the worker must count them and still finish the batch.
    const sandbox = await startSandbox({ port: 0, reviewDelayMs: 50, brandDelayMs: 80, otpReplyDelayMs: 80, campaignDelayMs: 80, maxRps: 0, faultRate: 0.1, faultKinds: ['429'] });
    const prefix = testPrefix();
    const redisUrl = await testRedisUrl();
    const token = 'scrape-token-0123456789';
    const env = {
      ...process.env,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
      TWILIO_AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE: sandbox.url,
      VALIDATION_WAIT_MS: '100',
      STATUS_POLL_MAX_MS: '300',
      SWEEP_INTERVAL_MS: '200',
      REGISTRATION_RPS: '20',
      SHUTDOWN_TIMEOUT_MS: '5000',
      METRICS_TOKEN: token,
      LOG_LEVEL: 'info',
      BUY_SENDER_NUMBERS: 'true',
    };
    const worker = spawn(process.execPath, cliArgs('worker', '--metrics-port', '0'), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    worker.stderr.on('data', (b: Buffer) => (logs += b.toString()));
    const redis = createRedis(redisUrl);
    const queues = createQueues(redis, prefix, 8);
    const ledger = new Ledger(redis, prefix);
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'ops', password: 'pw', queues, ledger, metricsToken: token });
    try {
      const url = await waitFor('the worker to serve metrics', async () => /"url":"(http:\/\/[^"]+\/metrics)"/.exec(logs)?.[1], 60_000);
      await ingestFile({ ledger, queues, log: silentLog }, tmpFile('m.csv', csv(row('m1'), row('m2'), row('m3', { email: `pat@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }))), { templatePath: templateFile(), batchId: 'm' });
      const done = await waitForBatch(ledger, 'm', { quiet: true, timeoutMs: 60_000, intervalMs: 100, settled: true });
      assert.equal(done.timedOut, false, logs);

      // The worker: refused without the bearer token, and counts every call it made.
      assert.equal((await fetch(url)).status, 401);
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const w = await res.text();
      const requests = sandbox.requestLog();
      assert.equal(sum(w, 'a2p_twilio_requests_total'), requests.length, 'every request the sandbox saw is counted');
      const limited = requests.filter((r) => r.status === 429).length;
      assert.ok(limited > 0, 'the sandbox answered some 429s');
      assert.equal(sum(w, 'a2p_twilio_rate_limited_total'), limited);
      assert.equal(sum(w, 'a2p_twilio_requests_total', { status: '429' }), limited);
      assert.ok(sum(w, 'a2p_twilio_requests_total', { method: 'POST', endpoint: 'messaging /v1/a2p/BrandRegistrations', status: '201' }) >= 2);
      assert.equal(sample(w, 'a2p_twilio_request_duration_seconds_count', { method: 'POST', endpoint: 'trusthub /v1/CustomerProfiles' }), sum(w, 'a2p_twilio_requests_total', { method: 'POST', endpoint: 'trusthub /v1/CustomerProfiles' }));
      assert.equal(sum(w, 'a2p_stage_jobs_total', { queue: 'campaign', result: 'completed' }), 2);
      assert.ok(!/BU[0-9a-f]{32}|m1|m2/.test(w.replace(/^#.*$/gm, '')), 'no SID or customer id in labels');

      // The dashboard: the store's gauges, with the bearer token (no basic auth needed) or basic auth.
      assert.equal((await fetch(`${dash.url}/metrics`)).status, 401);
      assert.equal((await fetch(`${dash.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const basic = await fetch(`${dash.url}/metrics`, { headers: { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` } });
      assert.equal(basic.status, 200);
      const d = await (await fetch(`${dash.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const status = await batchStatus(ledger, 'm');
      assert.equal(sample(d, 'a2p_customers', { state: 'live' }), status.counts.live);
      assert.equal(status.counts.live, 2);
      assert.equal(sample(d, 'a2p_customers', { state: 'failed' }), 1);
      assert.equal(sample(d, 'a2p_customers', { state: 'in_progress' }), 0);
      assert.equal(sample(d, 'a2p_dead_letter_jobs'), 1);
      assert.equal(sample(d, 'a2p_queue_jobs', { queue: 'dead-letter', state: 'waiting' }), 1);
      assert.equal(sample(d, 'a2p_queue_jobs', { queue: 'campaign', state: 'completed' }), 2);
      assert.equal(sample(d, 'a2p_queue_oldest_waiting_seconds', { queue: 'campaign' }), 0);

      // The shipped alert rules only use metrics and labels these two scrapes really export.
      const exported = labelsBySeries(`${w}\n${d}`);
      for (const rule of alertRules()) {
        for (const problem of unknownNames(rule.expr, exported)) assert.fail(`alert ${rule.alert}: ${problem}`);
      }

      // A job nobody picks up: its age shows.
      const exited = once(worker, 'exit');
      worker.kill('SIGTERM');
      await exited;
      await queues['starter-profile'].add('starter-profile', { customerId: 'late', batchId: 'm', gen: 1 }, { jobId: 'late', timestamp: Date.now() - 90_000 });
      const after = await (await fetch(`${dash.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      const age = sample(after, 'a2p_queue_oldest_waiting_seconds', { queue: 'starter-profile' }) ?? 0;
      assert.ok(age >= 89 && age < 120, `oldest waiting job age ${age}`);
      assert.equal(sample(after, 'a2p_queue_jobs', { queue: 'starter-profile', state: 'waiting' }), 1);
    } finally {
      if (worker.exitCode === null) {
        worker.kill('SIGTERM');
        await once(worker, 'exit');
      }
      await dash.close();
      await closeQueues(queues);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await sandbox.close();
    }
  });
});
