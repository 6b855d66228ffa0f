/**
 * Test tiers. `npm test` runs every file (what .ci/run calls); `npm run test:unit` is the fast loop;
 * `npm run test:integration` the pipeline against Redis, the sandbox and spawned CLI processes;
 * `npm run test:reliability` what kills, faults, restarts and attacks it.
 *
 *   node --import tsx scripts/test.ts <all|unit|integration|reliability> [node --test options...]
 *
 * Unit and reliability are listed here; integration is every other test/*.test.ts, so a new test
 * file runs in `npm test` and `test:integration` until it is listed elsewhere. The sandbox package's own
 * tests (packages/twilio-sandbox/test: the sandbox alone, no product, no processes) are all unit tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './built-cli.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** No spawned processes, no pipeline run, no browser: the rules, the sandbox's own checks, the budget and page maths, the docs. */
const UNIT = [
  'customers',
  'customers-brand',
  'docs',
  'errors-and-output',
  'sandbox-independence',
  'sandbox',
  'sandbox-accounts',
  'sandbox-standard',
  'sandbox-events',
  'budget',
  'dashboard',
  'notify-signature',
];

/** Chaos, Twilio faults, Redis restarts and Cluster, graceful shutdown under load, the browser, hostile CSVs. */
const RELIABILITY = [
  'chaos',
  'faults',
  'redis-restart',
  'cluster',
  'shutdown',
  'browser',
  'upload-browser',
  'hostile-csv',
  'notify-kill',
];

/** The sandbox package's tests, as paths from the root. */
const PACKAGE_TESTS = 'packages/twilio-sandbox/test';

const TIERS = ['all', 'unit', 'integration', 'reliability'] as const;
type Tier = (typeof TIERS)[number];

function filesOf(tier: Tier): string[] {
  const all = readdirSync(join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts')).sort();
  const named = (names: string[]) => names.map((n) => `${n}.test.ts`);
  // A listed file that is gone (renamed, merged away) must not silently drop out of its tier.
  for (const f of named([...UNIT, ...RELIABILITY])) if (!all.includes(f)) throw new Error(`scripts/test.ts lists test/${f}, which does not exist`);
  const listed = new Set(named([...UNIT, ...RELIABILITY]));
  const pick =
    tier === 'all' ? all
    : tier === 'unit' ? named(UNIT)
    : tier === 'reliability' ? named(RELIABILITY)
    : all.filter((f) => !listed.has(f));
  const packageTests = tier === 'all' || tier === 'unit' ? readdirSync(join(ROOT, PACKAGE_TESTS)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(PACKAGE_TESTS, f)) : [];
  return [...pick.map((f) => join('test', f)), ...packageTests];
}

const [tierArg = 'all', ...passThrough] = process.argv.slice(2);
if (!(TIERS as readonly string[]).includes(tierArg)) {
  console.error(`usage: scripts/test.ts <${TIERS.join('|')}> [node --test options]`);
  process.exit(2);
}
const tier = tierArg as Tier;
const files = filesOf(tier);
for (const f of files) if (!existsSync(join(ROOT, f))) throw new Error(`missing ${f}`);
// Tests beyond the unit tier spawn the built CLI: build once here, not in each file.
if (tier !== 'unit') ensureBuilt();

// The runner's own summary stays the last thing printed: CI reads its closing lines.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...passThrough, ...files], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
