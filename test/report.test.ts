import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { runReport } from '../src/commands/report.js';
import { ingestFile } from '../src/producers/ingest.js';
import { csvCell, REPORT_COLUMNS } from '../src/reports/export.js';
import { csv, row, startStack, stopTestRedis, templateFile, tmpFile, waitForState } from './helpers.js';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN } from '../fixtures/customers.js';
import { cliArgs } from '../scripts/built-cli.js';

after(stopTestRedis);

describe('report cells', () => {
  it('neutralises spreadsheet formulas (OWASP) and quotes every cell', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil")'), `"'=HYPERLINK(""http://evil"")"`);
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) assert.equal(csvCell(`${lead}1+1`), `"'${lead}1+1"`);
    assert.equal(csvCell('plain, text'), '"plain, text"');
    assert.equal(csvCell(12), '"12"');
    assert.equal(csvCell(null), '""');
  });
});

describe('batch counters', () => {
  it('stay exact through re-ingest, refusals and concurrent transitions', async () => {
    const stack = await startStack({ workers: false });
    try {
      const ledger = stack.rt.ledger;
      const file = tmpFile('c.csv', csv(row('k1'), row('k2'), row('k3')));
      await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'one' });
      await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'one' });
      const other = await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'two' });
      assert.equal(other.rejected.length, 3, 'already in batch one');
      assert.deepEqual(await ledger.index.stageStateCounts('one'), [{ stage: 'starter-profile', state: 'in_progress', count: 3 }]);
      assert.deepEqual(await ledger.index.stageStateCounts('two'), []);
      // Many writers moving one customer at once: it ends counted once, where its record says.
      const moves = ['in_progress', 'awaiting_otp', 'completed', 'failed'] as const;
      await Promise.all(Array.from({ length: 40 }, (_, i) => ledger.transition('k1', i % 2 ? 'brand' : 'campaign', moves[i % 4]!)));
      const rec = (await ledger.get('k1'))!;
      const counts = await ledger.index.stageStateCounts('one');
      assert.equal(counts.reduce((a, c) => a + c.count, 0), 3);
      assert.ok(counts.some((c) => c.stage === rec.stage && c.state === rec.state && c.count === 1), JSON.stringify({ counts, rec: [rec.stage, rec.state] }));
      for (const st of moves) {
        const ids = await ledger.index.idsInState('one', st, 0, 10);
        assert.equal(ids.includes('k1'), st === rec.state, `k1 listed under ${st} only when it is ${st}`);
      }
      const totals = await ledger.index.totals();
      assert.equal(totals[rec.state], rec.state === 'in_progress' ? 3 : 1);
    } finally {
      await stack.close();
    }
  });
});

describe('a2p-onboard report', () => {
  it('exports one row per customer with state, reason, action, every SID and timestamps, as CSV and JSON', async () => {
    const stack = await startStack();
    try {
      const ledger = stack.rt.ledger;
      const file = tmpFile('customers.csv', csv(row('ok1'), row('disposable', { email: `pat@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }), row('taxed', { vertical: 'NOT_A_VERTICAL' })));
      const ingest = await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'rep' });
      assert.equal(ingest.accepted, 2);
      await waitForState(ledger, 'ok1', ['live', 'failed']);
      await waitForState(ledger, 'disposable', ['live', 'failed']);
      // A hostile value that would run as a formula if a spreadsheet opened the file unprotected.
      await ledger.setInvalidRows('rep', [...ingest.rejected, { row: 9, customerId: '@SUM(A1)', reason: '=HYPERLINK("http://evil","x")' }]);

      const dir = dirname(file);
      const csvOut = join(dir, 'rep.csv');
      const res = await runReport(ledger, { batch: 'rep', out: csvOut });
      assert.equal(res.customers, 4);
      assert.ok(!existsSync(`${csvOut}.partial`));
      const text = readFileSync(csvOut, 'utf8');
      const rows: Record<string, string>[] = parse(text, { columns: true });
      assert.deepEqual(Object.keys(rows[0]!), [...REPORT_COLUMNS]);
      const by = new Map(rows.map((r) => [r['customer_id'], r]));

      const ok = by.get('ok1')!;
      assert.equal(ok['state'], 'live');
      assert.equal(ok['row'], '2');
      // Every SID of the Sole Proprietor flow is there; the business flow's columns stay empty.
      const business = ['business_info_end_user_sid', 'rep1_end_user_sid', 'rep2_end_user_sid', 'profile_assign_business_info_sid', 'profile_assign_rep1_sid', 'profile_assign_rep2_sid', 'a2p_product_sid', 'a2p_end_user_sid', 'a2p_assign_end_user_sid', 'a2p_assign_profile_sid'];
      // subaccount_sid: only with ACCOUNT_MODE=subaccount (test/subaccounts.test.ts).
      const notHere = [...business, 'subaccount_sid'];
      for (const col of REPORT_COLUMNS.filter((c) => c.endsWith('_sid') && !notHere.includes(c))) assert.match(ok[col]!, /^[A-Z]{2}[0-9a-f]{32}$/, `ok1 ${col}`);
      for (const col of notHere) assert.equal(ok[col], '', `ok1 ${col}`);
      assert.ok(ok['created_at'] && ok['updated_at'] && ok['updated_at'] >= ok['created_at']);

      const bad = by.get('disposable')!;
      assert.equal(bad['state'], 'failed');
      assert.match(bad['reason']!, /disposable/);
      assert.match(bad['action']!, /email/);
      assert.match(bad['customer_profile_sid']!, /^BU/);

      const invalid = by.get('taxed')!;
      assert.equal(invalid['state'], 'invalid');
      assert.match(invalid['reason']!, /^vertical:/);
      assert.match(invalid['action']!, /Fix the vertical cell/);

      assert.ok(by.has("'@SUM(A1)"), 'a customer id starting with @ is neutralised');
      assert.equal(by.get("'@SUM(A1)")!['reason'], `'=HYPERLINK("http://evil","x")`);

      const jsonOut = join(dir, 'rep.json');
      await runReport(ledger, { batch: 'rep', out: jsonOut });
      const json = JSON.parse(readFileSync(jsonOut, 'utf8')) as Record<string, unknown>[];
      assert.equal(json.length, 4);
      assert.deepEqual(
        json.map((r) => r['customer_id']),
        rows.map((r) => r['customer_id']!.replace(/^'/, '')),
      );
      assert.equal(json.find((r) => r['customer_id'] === 'ok1')!['campaign_sid'], ok['campaign_sid']);

      const failedOnly = join(dir, 'failed.csv');
      assert.equal((await runReport(ledger, { batch: 'rep', out: failedOnly, state: 'failed' })).customers, 1);
      assert.match(readFileSync(failedOnly, 'utf8'), /disposable/);

      await assert.rejects(runReport(ledger, { batch: 'nope', out: join(dir, 'x.csv') }), /no batch "nope"/);
      await assert.rejects(runReport(ledger, { batch: 'rep', out: join(dir, 'x.xlsx') }), /must end in \.csv or \.json/);

      // The command itself: its exit statuses.
      const cli = async (...args: string[]) => {
        const child = spawn(process.execPath, cliArgs(...args), {
          env: { ...process.env, REDIS_URL: stack.config.REDIS_URL, QUEUE_PREFIX: stack.config.QUEUE_PREFIX },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const [status] = (await once(child, 'exit')) as [number | null];
        return { status, stderr };
      };
      const viaCli = join(dir, 'cli.csv');
      const good = await cli('report', '--batch', 'rep', '--out', viaCli);
      assert.equal(good.status, 0, good.stderr);
      assert.match(good.stderr, /Wrote 4 customers/);
      assert.equal(readFileSync(viaCli, 'utf8'), text);
      const missing = await cli('report', '--batch', 'nope', '--out', viaCli);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /no batch "nope"/);
    } finally {
      await stack.close();
    }
  });
});
