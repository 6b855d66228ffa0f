import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runHostile } from '../scripts/reliability/hostile-csv.js';
import { neutralise, printable, safeCell } from '../src/customers/neutralise.js';
import { printIngest, printStatus } from '../src/commands/print.js';
import { Writable } from 'node:stream';
import { stopTestRedis, testRedisUrl } from './helpers.js';

after(stopTestRedis);

function capture(): { out: Writable; text: () => string } {
  let s = '';
  return { out: new Writable({ write: (c, _e, cb) => ((s += c.toString()), cb()) }), text: () => s };
}

describe('hostile CSVs', () => {
  it('neutralises spreadsheet formulas and terminal escapes in what it writes out', () => {
    for (const f of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) assert.equal(neutralise(f), `'${f}`);
    for (const ok of ['Dana', '123 Market St', 'a=b', '', "'=already"]) assert.equal(neutralise(ok), ok);
    assert.equal(printable('a\u001b[31mb\u0000c\u202ed'), 'a\\u001b[31mb\\u0000c\\u202ed');
    assert.equal(safeCell('\u001b=1'), '\\u001b=1');
    const c = capture();
    printIngest({ batch: 'b', accepted: 0, rejected: [{ row: 2, customerId: null, reason: '=HYPERLINK("http://evil","x")' }], dryRun: true, unknownColumns: ['@cmd', 'x'.repeat(500), ...Array.from({ length: 30 }, (_, i) => `c${i}`)], updated: 0, unchanged: 0 }, c.out);
    assert.match(c.text(), /: '=HYPERLINK/);
    assert.match(c.text(), /Ignored unknown columns: '@cmd, x{40}…/);
    assert.match(c.text(), /and 12 more/);
    const s = capture();
    printStatus({ batch: 'b', exists: true, total: 1, done: 1, counts: { invalid: 1, in_progress: 0, awaiting_otp: 0, awaiting_email: 0, completed: 0, live: 0, failed: 0, expired: 0 }, customers: [{ customerId: null, row: 2, stage: 'ingest', state: 'invalid', reason: '@SUM(1)\u001b[2J', action: null, sids: {}, twilio: {}, updatedAt: null }] }, s.out);
    assert.match(s.text(), /'@SUM\(1\)\\u001b\[2J/);
  });

  it('1,000+ malformed inputs: each ends in a report or a clear input error, never a crash or a hang, nothing half-enqueued, memory bounded', { timeout: 120_000 }, async () => {
    const r = await runHostile({ seed: 11, min: 1000, realIngest: 30, cli: 5, perInputTimeoutMs: 15_000, cliTimeoutMs: 60_000, redisUrl: await testRedisUrl() });
    assert.ok(r.inputs >= 1000, `${r.inputs} inputs`);
    assert.deepEqual(r.inProcess.crashes, []);
    assert.deepEqual(r.inProcess.timeouts, []);
    assert.deepEqual(r.inProcess.longMessages, [], 'messages stay short whatever the file holds');
    assert.ok(r.inProcess.reports > 100 && r.inProcess.inputErrors > 100, JSON.stringify(r.inProcess));
    assert.equal(r.realIngest.tried, 30);
    assert.deepEqual(r.realIngest.failedWithLeftovers, [], 'a file refused as a whole leaves no batch, record or job');
    assert.deepEqual(r.realIngest.okWithMismatch, [], 'exactly the accepted rows are in the ledger and the queue');
    for (const c of r.cli) {
      assert.equal(c.problem, null, `${c.name}: ${c.problem} (${c.firstLine})`);
      assert.ok(c.status === 0 || c.status === 2, `${c.name}: exit ${c.status}`);
    }
    // A 50 MB cell and a million blank lines cost the CLI no more than a few MiB over a one-row file.
    const base = r.peakRssMiB['baseline-one-row']!;
    for (const k of ['field-50mb-unquoted', 'field-50mb-quoted', 'empty-lines-1m', 'empty-lines-1m-before-header']) {
      assert.ok(r.peakRssMiB[k]! < base + 40, `${k}: peak RSS ${r.peakRssMiB[k]} MiB vs ${base} MiB for one row`);
    }
  });
});
