import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FLOWS } from '../src/customers/columns.js';
import { FIRST_STAGE, STAGES, STAGE_NAMES, isStageName, stageDef, stagesOf, type StageName } from '../src/jobs/registry.js';
import { QUEUE_NAMES } from '../src/workers/queues.js';
import { createStageWorker } from '../src/workers/stage-worker.js';
import { staleBlocks } from '../scripts/docs.js';
import { renderStageDocs } from '../scripts/stage-docs.js';
import { startStack, stopTestRedis } from './helpers.js';

after(stopTestRedis);

/**
 * The stage registry (src/jobs/registry.ts) is the one list of stages: this fails when a stage function in
 * src/jobs has no row, when a row names a stage or a file that does not exist, when a stage's code moves a
 * customer somewhere its row does not say, and when the docs' stage table differs from the registry.
 * (The compiler checks most of it first: see defineStages; these catch what types cannot see.)
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = join(ROOT, 'src', 'jobs');

/** Functions shaped like a stage that are not one: the sweeps' re-check runs on its own queue (src/workers/queues.ts). */
const NOT_STAGES = new Set(['recheck']);

/** `export async function name(ctx: StageContext): Promise<…StageOutcome…>`: a function the workers could run as a stage. */
const STAGE_SHAPED = /export\s+(?:async\s+)?function\s+(\w+)\s*\(\s*ctx\s*:\s*StageContext\s*\)\s*:\s*Promise<\s*(?:Any)?StageOutcome\b/g;

function jobFiles(): string[] {
  return readdirSync(JOBS)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(JOBS, f));
}

describe('the stage registry', () => {
  test('every stage function in src/jobs has a row', async () => {
    const rows = new Set<unknown>(STAGE_NAMES.map((n) => stageDef(n).run));
    const missing: string[] = [];
    let seen = 0;
    for (const file of jobFiles()) {
      const names = [...readFileSync(file, 'utf8').matchAll(STAGE_SHAPED)].map((m) => m[1]!).filter((n) => !NOT_STAGES.has(n));
      if (names.length === 0) continue;
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const name of names) {
        seen += 1;
        if (!rows.has(mod[name])) missing.push(`${relative(ROOT, file)}: ${name}`);
      }
    }
    assert.equal(seen, STAGE_NAMES.length, 'the scan finds one stage function per row (a row whose function is not shaped like a stage?)');
    assert.deepEqual(missing, [], 'stage functions without a row in src/jobs/registry.ts');
  });

  test("each row's function is what src/jobs/<name>.ts exports", async () => {
    for (const name of STAGE_NAMES) {
      const file = join(JOBS, `${name}.ts`);
      assert.ok(existsSync(file), `${name}: no ${relative(ROOT, file)}`);
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      assert.ok(Object.values(mod).includes(stageDef(name).run), `${name}: its row's function is not exported by ${relative(ROOT, file)}`);
    }
  });

  test('rows name existing stages of their own flow, and every stage is reachable from its flow’s first', () => {
    for (const name of STAGE_NAMES) {
      const row = stageDef(name);
      for (const next of row.next) {
        assert.ok(isStageName(next), `${name} → ${next}: no such stage`);
        const f = stageDef(next).flow;
        assert.ok(f === 'both' || row.flow === 'both' || f === row.flow, `${name} (${row.flow}) → ${next} (${f}): followers stay in the flow`);
      }
    }
    for (const flow of FLOWS) {
      const starts = stagesOf(flow).filter((n) => stageDef(n).first);
      assert.deepEqual(starts, [FIRST_STAGE[flow]], `${flow}: exactly one first stage`);
      // An entry stage (ACCOUNT_MODE=subaccount) is queued first in its mode and leads to the flow's first stage.
      const entries = stagesOf(flow).filter((n) => stageDef(n).entry);
      for (const e of entries) assert.ok(stageDef(e).next.includes(FIRST_STAGE[flow]), `${flow}: entry stage ${e} goes on to ${FIRST_STAGE[flow]}`);
      const reached = new Set<StageName>([FIRST_STAGE[flow], ...entries]);
      for (const n of reached) for (const next of stageDef(n).next) reached.add(next);
      assert.deepEqual(stagesOf(flow).filter((n) => !reached.has(n)), [], `${flow}: stages no path from ${FIRST_STAGE[flow]} reaches`);
    }
  });

  test("the `next` outcomes written in each stage's file are among its row's followers", () => {
    const nextLiteral = /kind:\s*'next',\s*stage:\s*'([^']+)'/g;
    for (const name of STAGE_NAMES) {
      const targets = [...readFileSync(join(JOBS, `${name}.ts`), 'utf8').matchAll(nextLiteral)].map((m) => m[1]!);
      for (const t of targets) assert.ok((stageDef(name).next as readonly string[]).includes(t), `${name} moves on to ${t}, which its row does not list`);
    }
  });

  test('one queue per stage; the rows keep what the worker once hard-coded (the OTP limiter, new customers yielding)', () => {
    for (const name of STAGE_NAMES) assert.ok(QUEUE_NAMES.includes(name), `${name} has a queue`);
    assert.deepEqual(STAGES.otp.limiter, { perSecond: 'OTP_RPS' });
    assert.equal(STAGES['starter-profile'].budgetPriority, 'low');
  });

  test("a stage's worker takes its row's limiter and attempts", { timeout: 30_000 }, async () => {
    const stack = await startStack({ workers: false });
    const workers = STAGE_NAMES.map((n) => createStageWorker(stack.rt, n, { onAuthError: () => undefined }));
    try {
      for (const [i, name] of STAGE_NAMES.entries()) {
        const limiter = stageDef(name).limiter;
        assert.deepEqual(workers[i]!.opts.limiter, limiter ? { max: stack.rt.config[limiter.perSecond], duration: 1000 } : undefined, `${name}: limiter`);
        assert.equal(stack.rt.queues[name].defaultJobOptions.attempts, stageDef(name).attempts ?? stack.rt.config.JOB_ATTEMPTS, `${name}: attempts`);
      }
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await stack.close();
    }
  });

  test('the docs’ stage diagram and table are the registry’s (npm run docs rewrites them)', () => {
    const stale = staleBlocks().filter((p) => p.block === 'stages');
    assert.deepEqual(stale, [], stale.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    const table = renderStageDocs();
    for (const name of STAGE_NAMES) assert.ok(table.includes(`[\`${name}\`](src/jobs/${name}.ts)`), `${name} is in the table, linked to its file`);
  });
});
