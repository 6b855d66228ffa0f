import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createProgress, ingestProgress } from '../src/commands/progress.js';
import { waitForBatch } from '../src/commands/wait.js';
import { ingestFile } from '../src/producers/ingest.js';
import { csv, row, startStack, stopTestRedis, templateFile, tmpFile } from './helpers.js';

after(stopTestRedis);

/** A stream that looks like a terminal (or not) and keeps what was written. */
function sink(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  const w = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY, columns: 160, rows: 40, text: () => text, cursorTo: (_x: number, _y: unknown, cb?: () => void) => (cb?.(), true), clearLine: (_d: number, cb?: () => void) => (cb?.(), true), moveCursor: (_x: number, _y: number, cb?: () => void) => (cb?.(), true) });
  return w;
}

describe('progress', () => {
  it('ingest of a large file: plain periodic lines with rate and ETA when not on a terminal', async () => {
    const stack = await startStack({ workers: false });
    try {
      const rows = Array.from({ length: 3000 }, (_, i) => row(`big-${i}`));
      const file = tmpFile('big.csv', csv(...rows));
      const out = sink(false);
      const p = ingestProgress({ out, intervalMs: 0 });
      const report = await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'big', onProgress: p.onProgress });
      p.stop();
      assert.equal(report.accepted, 3000);
      const lines = out.text().trim().split('\n');
      assert.ok(lines.length >= 10, `a line per update: ${lines.length}`);
      assert.ok(lines.some((l) => /checking every row: 2,750 rows read/.test(l)), 'the check pass shows');
      assert.ok(lines.some((l) => /enqueuing: 2,750 rows, [\d,]+ accepted, 0 rejected/.test(l)), 'the enqueue pass shows');
      assert.match(lines[lines.length - 2]!, /^\[ingest\] 100% enqueuing: 3,000 rows, 3,000 accepted, 0 rejected \| [\d,.]+ rows\/s, ETA 0s, \d+s elapsed$/);
      // Percentages only grow across the two passes.
      const pcts = lines.map((l) => Number(/\] (\d+)%/.exec(l)?.[1]));
      assert.deepEqual(pcts, [...pcts].sort((a, b) => a - b));
      assert.ok(pcts.some((x) => x > 0 && x < 60) && pcts.some((x) => x > 50 && x < 100), `both halves show: ${pcts.join(',')}`);
    } finally {
      await stack.close();
    }
  });

  it('draws a bar with rate and ETA on a terminal', () => {
    let t = 0;
    const out = sink(true);
    const p = createProgress({ out, label: 'b1', unit: 'customers', now: () => t });
    for (let i = 0; i <= 10; i++) {
      t = i * 1000;
      p.update({ value: i * 5, total: 100, detail: `${i * 5}/100 done` });
    }
    p.stop();
    // The last frame drawn (cli-progress redraws at most 10 times a second, and on stop).
    const frames = out.text().split('\x1B[1G');
    assert.match(frames[frames.length - 1]!, /b1 [█░]+ 50% \| 5.0 customers\/s \| ETA 10s \| 50\/100 done/);
  });

  it('wait: plain lines while customers finish, then the summary', async () => {
    const stack = await startStack();
    try {
      await ingestFile(stack.rt, tmpFile('w.csv', csv(row('w1'), row('w2'))), { templatePath: templateFile(), batchId: 'w' });
      const out = sink(false);
      const res = await waitForBatch(stack.rt.ledger, 'w', { out, intervalMs: 50, timeoutMs: 30_000, settled: true });
      assert.equal(res.timedOut, false);
      assert.equal(res.status.counts.live, 2);
      const lines = out.text().trim().split('\n');
      assert.match(lines[0]!, /^\[w\] 0% 0\/2 done: 0 live, 0 completed, 0 failed, 0 expired, 0 invalid, 0 awaiting OTP, 0 awaiting brand email, 2 in progress \| 0 customers\/s, ETA \?, \d+s elapsed$/);
      assert.match(lines[lines.length - 1]!, /^\[w\] 100% 2\/2 done: 2 live/);
    } finally {
      await stack.close();
    }
  });
});
