import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { CsvFileError } from '../src/customers/errors.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { Ledger } from '../src/ledger/ledger.js';
import { ingestFile, type IngestDeps } from '../src/producers/ingest.js';
import { createRedis } from '../src/redis.js';
import { closeQueues, createQueues } from '../src/workers/queues.js';
import { HEADER, csv, row, silentLog, stopTestRedis, templateFile, testPrefix, testRedisUrl, tmpFile } from './helpers.js';
import { cliArgs } from '../scripts/built-cli.js';

let redis: Redis;
let url: string;
const opened: { prefix: string; deps: IngestDeps }[] = [];

function store(prefix = testPrefix()): IngestDeps {
  const deps = { ledger: new Ledger(redis, prefix), queues: createQueues(redis, prefix, 3), log: silentLog };
  opened.push({ prefix, deps });
  return deps;
}

before(async () => {
  url = await testRedisUrl();
  redis = createRedis(url);
});

after(async () => {
  for (const { prefix, deps } of opened) {
    await closeQueues(deps.queues);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
  await stopTestRedis();
});

describe('ingest', () => {
  it('enqueues the good rows and reports every bad one with its row, customer and reason', async () => {
    const deps = store();
    const file = tmpFile(
      'c.csv',
      csv(
        row('good1'),
        row('taxed').replace(/,US$/, ',US'),
        row('bademail', { email: 'not-an-email' }),
        row('good2', { phone_number: '415.555.0123', mobile_phone_number: '(415) 555-0124' }),
        row('good1'),
        row('emailbrand', { brand_name: 'someone@example.com' }),
      ),
    );
    const report = await ingestFile(deps, file, { templatePath: templateFile(), batchId: 'b1' });
    assert.equal(report.accepted, 3, JSON.stringify(report.rejected));
    assert.deepEqual(
      report.rejected.map((r) => [r.row, r.customerId]),
      [
        [4, 'bademail'],
        [6, 'good1'],
        [7, 'emailbrand'],
      ],
    );
    assert.match(report.rejected[0]!.reason, /^email: /);
    assert.match(report.rejected[1]!.reason, /duplicate of row 2/);
    assert.match(report.rejected[2]!.reason, /^brand_name: .*email/);
    // No PII in reasons.
    assert.ok(!report.rejected.some((r) => r.reason.includes('not-an-email') || r.reason.includes('someone@example.com')));
    assert.equal(await deps.queues['starter-profile'].count(), 3);
    const good2 = await deps.ledger.getCustomer('good2');
    assert.equal(good2.phoneNumber, '+14155550123');
    assert.equal(good2.mobilePhoneNumber, '+14155550124');
    assert.match(good2.campaign.description, /Dana Lopez Studio good2/, 'template placeholders filled');
    const status = await batchStatus(deps.ledger, 'b1');
    assert.equal(status.total, 6, 'every row accounted for');
    assert.equal(status.counts.invalid, 3);
    assert.equal(status.counts.in_progress, 3);
  });

  it('refuses a customer with a tax ID, saying to use a Standard brand', async () => {
    const deps = store();
    const file = tmpFile('t.csv', `${HEADER},tax_id\n${row('t1')},12-3456789\n`);
    const report = await ingestFile(deps, file, { templatePath: templateFile(), batchId: 'b' });
    assert.equal(report.accepted, 0);
    assert.match(report.rejected[0]!.reason, /tax_id: .*not eligible for Sole Proprietor.*Standard/);
  });

  it('counts a mobile number in at most 3 brands and an email in at most 10, over the file and earlier batches', async () => {
    const deps = store();
    const mobile = '(415) 555-0177';
    const first = await ingestFile(deps, tmpFile('a.csv', csv(row('m1', { mobile_phone_number: mobile }), row('m2', { mobile_phone_number: mobile }))), {
      templatePath: templateFile(),
      batchId: 'first',
    });
    assert.equal(first.accepted, 2);
    const second = await ingestFile(
      deps,
      tmpFile('b.csv', csv(row('m3', { mobile_phone_number: '+1 415 555 0177' }), row('m4', { mobile_phone_number: '415-555-0177' }))),
      { templatePath: templateFile(), batchId: 'second' },
    );
    assert.equal(second.accepted, 1);
    assert.equal(second.rejected[0]!.customerId, 'm4');
    assert.match(second.rejected[0]!.reason, /mobile_phone_number: already used by 3 .* at most 3/);

    const emails = Array.from({ length: 11 }, (_, i) => row(`e${i}`, { email: 'shared@example.com' }));
    const third = await ingestFile(deps, tmpFile('c.csv', csv(...emails)), { templatePath: templateFile(), batchId: 'third' });
    assert.equal(third.accepted, 10);
    assert.equal(third.rejected[0]!.customerId, 'e10');
    assert.match(third.rejected[0]!.reason, /^email: already used by 10/);
  });

  it('is safe to re-run: the same batch registers nobody twice; another batch refuses known customers', async () => {
    const deps = store();
    const file = tmpFile('r.csv', csv(row('r1'), row('r2')));
    const a = await ingestFile(deps, file, { templatePath: templateFile(), batchId: 'again' });
    const b = await ingestFile(deps, file, { templatePath: templateFile(), batchId: 'again' });
    assert.equal(a.accepted, 2);
    assert.equal(b.accepted, 2);
    assert.equal(await deps.queues['starter-profile'].count(), 2, 'no second job');
    assert.equal(await deps.ledger.reuseCount('email', 'r1@example.com'), 1, 'reuse counted once');
    const c = await ingestFile(deps, file, { templatePath: templateFile(), batchId: 'other' });
    assert.equal(c.accepted, 0);
    assert.match(c.rejected[0]!.reason, /already in batch again/);
  });

  it('--dry-run validates and enqueues nothing', async () => {
    const deps = store();
    const report = await ingestFile(deps, tmpFile('d.csv', csv(row('d1'), row('d2', { region: 'ZZ' }))), { templatePath: templateFile(), dryRun: true, batchId: 'dry' });
    assert.equal(report.accepted, 1);
    assert.equal(report.rejected.length, 1);
    assert.equal(await deps.queues['starter-profile'].count(), 0);
    assert.equal(await deps.ledger.exists('d1'), false);
    assert.equal(await deps.ledger.batchExists('dry'), false);
  });

  it('reads UTF-8 with a BOM, CRLF line ends and quoted fields with commas and newlines', async () => {
    const deps = store();
    const body = csv(row('q1', { street: '1 Main St, Suite 5', brand_name: 'Dana "DL" Lopez, Studio' }), row('q2')).replace(/\n/g, '\r\n');
    const report = await ingestFile(deps, tmpFile('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)])), {
      templatePath: templateFile(),
      batchId: 'bom',
    });
    assert.equal(report.accepted, 2, JSON.stringify(report.rejected));
    assert.equal((await deps.ledger.getCustomer('q1')).brandName, 'Dana "DL" Lopez, Studio');
  });

  it('enqueues nothing from a file that breaks mid-way, and says where', async () => {
    const deps = store();
    const broken = csv(row('p1'), row('p2'), 'p3,"unbalanced,Lopez,x@example.com') + row('p4') + '\n';
    await assert.rejects(ingestFile(deps, tmpFile('broken.csv', broken), { templatePath: templateFile(), batchId: 'broken' }), CsvFileError);
    assert.equal(await deps.queues['starter-profile'].count(), 0);
    assert.equal(await deps.ledger.exists('p1'), false);
  });

  it('the CLI prints the documented JSON and exits 0 with bad rows, 2 for a file it cannot use', () => {
    const prefix = testPrefix();
    opened.push({ prefix, deps: store(prefix) });
    const env = { ...process.env, REDIS_URL: url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' };
    const run = (...args: string[]) => spawnSync(process.execPath, cliArgs(...args), { env, encoding: 'utf8' });
    const ok = run('ingest', tmpFile('ok.csv', csv(row('k1'), row('k2', { postal_code: '1234' }))), '--template', templateFile(), '--batch', 'cli', '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { batch: string; accepted: number; rejected: { row: number; customerId: string; reason: string }[] };
    assert.deepEqual(Object.keys(out), ['batch', 'accepted', 'updated', 'unchanged', 'rejected']);
    assert.equal(out.batch, 'cli');
    assert.equal(out.accepted, 1);
    assert.deepEqual(Object.keys(out.rejected[0]!), ['row', 'customerId', 'reason']);
    assert.equal(out.rejected[0]!.row, 3);
    assert.match(out.rejected[0]!.reason, /postal_code/);

    const missing = run('ingest', tmpFile('missing.csv', 'customer_id,first_name\nx,y\n'), '--template', templateFile());
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing.*last_name/is);

    const none = run('ingest', '/nonexistent/file.csv');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /cannot read/);

    const status = run('status', '--batch', 'cli', '--json');
    assert.equal(status.status, 0, status.stderr);
    const st = JSON.parse(status.stdout) as { batch: string; customers: { customerId: string; stage: string; state: string; reason: string | null }[] };
    assert.deepEqual(
      st.customers.map((c) => [c.customerId, c.state]),
      [
        ['k1', 'in_progress'],
        ['k2', 'invalid'],
      ],
    );
  });
});
