import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createLogger, scrubText } from '../src/log.js';
import { stopTestRedis, testRedisUrl } from './helpers.js';
import { cliArgs } from '../scripts/built-cli.js';

after(stopTestRedis);

const EXAMPLE_CSV = fileURLToPath(new URL('../examples/customers.csv', import.meta.url));

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return { lines, stream: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) };
}

/** Every personal value of the example CSV, as written and as normalised (E.164). */
function piiOfExampleCsv(): { value: string; what: string; word: boolean }[] {
  const rows: Record<string, string>[] = parse(readFileSync(EXAMPLE_CSV), { columns: true, bom: true });
  const out: { value: string; what: string; word: boolean }[] = [];
  for (const r of rows) {
    const id = r['customer_id'];
    for (const col of ['email', 'street', 'street_secondary']) if (r[col]) out.push({ value: r[col], what: `${id} ${col}`, word: false });
    out.push({ value: r['email']!.toLowerCase(), what: `${id} email (lowercased)`, word: false });
    for (const col of ['first_name', 'last_name']) out.push({ value: r[col]!, what: `${id} ${col}`, word: true });
    for (const col of ['phone_number', 'mobile_phone_number']) {
      const raw = r[col]!;
      out.push({ value: raw, what: `${id} ${col}`, word: false });
      const digits = raw.replace(/\D/g, '');
      out.push({ value: digits, what: `${id} ${col} digits`, word: true });
      out.push({ value: `+${digits.length === 10 ? `1${digits}` : digits}`, what: `${id} ${col} E.164`, word: false });
    }
  }
  return out;
}

function findings(text: string, pii: { value: string; what: string; word: boolean }[]): string[] {
  return pii
    .filter((p) => (p.word ? new RegExp(`(?<![\\w+])${p.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`).test(text) : text.includes(p.value)))
    .map((p) => `${p.what}: ${p.value}`);
}

describe('logger', () => {
  it('masks personal data by field name at any depth, in strings and messages, and never prints secrets', () => {
    const { lines, stream } = capture();
    const log = createLogger('debug', stream, { secrets: ['tok_3f9a8b7c6d5e'] });
    log.info({ customer: { email: 'jo@example.com', firstName: 'Jo' }, firstName: 'Josephine', email: 'jo@example.com', mobilePhoneNumber: '+14155550123', street: '1 Main St' }, 'hello');
    log.info('message mentions jo@example.com and (415) 555-0123 and +442079460958');
    const axiosLike = Object.assign(new Error('Request failed with status code 400'), {
      code: 'ERR_BAD_REQUEST',
      status: 400,
      config: { auth: { username: 'AC1', password: 'tok_3f9a8b7c6d5e' }, data: 'Email=jo%40example.com&FirstName=Josephine' },
    });
    log.error({ err: axiosLike }, 'boom');
    log.warn({ twilio: { message: 'token tok_3f9a8b7c6d5e rejected', nested: { deeper: { authToken: 'x', phone: '+14155550123' } } } }, 'nested');
    log.child({ customerId: 'c1', batch: 'b', stage: 'brand', jobId: 'brand.c1.1' }).info({ sid: 'BU0123456789abcdef0123456789abcdef' }, 'child');
    const all = lines.join('');
    for (const bad of ['jo@example.com', 'Josephine', '+14155550123', '(415) 555-0123', '+442079460958', '1 Main St', 'tok_3f9a8b7c6d5e', 'jo%40example.com']) {
      assert.ok(!all.includes(bad), `log must not contain ${bad}:\n${all}`);
    }
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first['email'], 'j***@example.com');
    assert.equal(first['mobilePhoneNumber'], '+1********23');
    const err = (JSON.parse(lines[2]!) as { err: Record<string, unknown> }).err;
    assert.equal(err['message'], 'Request failed with status code 400');
    assert.equal(err['code'], 'ERR_BAD_REQUEST');
    assert.equal(err['config'], undefined, 'an HTTP error never brings its request along');
    const child = JSON.parse(lines[4]!) as Record<string, unknown>;
    assert.deepEqual([child['customerId'], child['batch'], child['stage'], child['jobId'], child['sid']], ['c1', 'b', 'brand', 'brand.c1.1', 'BU0123456789abcdef0123456789abcdef']);
  });

  it('scrubs free text without touching SIDs, ids and timestamps', () => {
    assert.equal(scrubText('BU47253cd07cf9845073d55e29e6a44416 at 2026-11-22T00:16:05.543Z row 12'), 'BU47253cd07cf9845073d55e29e6a44416 at 2026-11-22T00:16:05.543Z row 12');
    assert.equal(scrubText('call 415.555.0102 or 4155550102'), 'call +1********02 or +1********02');
  });
});

describe('a full demo run at debug level', () => {
  it('logs no personal data of the example CSV and never the auth token (notifications on: what the receiver prints has none either)', async () => {
    const authToken = `tok-${randomBytes(12).toString('hex')}`;
    const child = spawn(process.execPath, cliArgs('demo', '--notify'), {
      env: {
        ...process.env,
        REDIS_URL: await testRedisUrl(),
        LOG_LEVEL: 'debug',
        SANDBOX_AUTH_TOKEN: authToken,
        VALIDATION_WAIT_MS: '150',
        REGISTRATION_RPS: '20',
        SANDBOX_REVIEW_DELAY_MS: '80',
        SANDBOX_BRAND_DELAY_MS: '80',
        SANDBOX_OTP_REPLY_DELAY_MS: '80',
        SANDBOX_CAMPAIGN_DELAY_MS: '80',
        // Some faults, so retry and error paths log too.
        SANDBOX_FAULT_RATE: '0.05',
        SANDBOX_FAULT_KINDS: '500,429,timeout',
        TWILIO_TIMEOUT_MS: '2000',
        DASHBOARD_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => ((out += b.toString()), (stdout += b.toString())));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, out.slice(-3000));
    assert.match(out, /Summary of batch demo: 18 live, 2 failed, 8 invalid/);
    // The demo's receiver printed what the ISV acts on, the words for the customer once, and the tally.
    assert.match(stdout, /notification customer\.live +\S+ at [\w-]+\n {4}tell the customer: .*you can start sending text messages/, stdout);
    assert.match(stdout, /notification customer\.failed +cust-1026 at brand-status/);
    assert.match(stdout, /Notifications received, each signature verified: .*27 customer\.live/);
    const jsonLines = out.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(jsonLines.length > 100, `debug logs were captured (${jsonLines.length} lines)`);
    // Job lines carry who and where.
    const jobLines = jsonLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['jobId']);
    assert.ok(jobLines.length > 50);
    for (const l of jobLines) for (const k of ['customerId', 'batch', 'stage', 'jobId']) assert.ok(l[k], `${k} on ${JSON.stringify(l)}`);
    const found = findings(out, piiOfExampleCsv());
    assert.deepEqual(found, [], 'personal data found in the demo output');
    assert.ok(!out.includes(authToken), 'the auth token is never printed');
  });
});
