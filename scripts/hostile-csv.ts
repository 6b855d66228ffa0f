/** `npm run hostile-csv -- [--min 1000] [--seed 1] [--cli 30] [--real 100]`: writes bench/results/hostile-csv.json. */
import { parseArgs } from 'node:util';
import { startLocalRedis } from '../src/local-redis.js';
import { runHostile } from './reliability/hostile-csv.js';
import { writeResult } from './reliability/harness.js';

const { values } = parseArgs({
  options: {
    min: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    cli: { type: 'string', default: '30' },
    real: { type: 'string', default: '100' },
    out: { type: 'string', default: 'hostile-csv' },
  },
});
const local = process.env['REDIS_URL'] ? undefined : await startLocalRedis();
try {
  const r = await runHostile({
    seed: Number(values.seed),
    min: Number(values.min),
    cli: Number(values.cli),
    realIngest: Number(values.real),
    perInputTimeoutMs: 30_000,
    cliTimeoutMs: 120_000,
    redisUrl: process.env['REDIS_URL'] ?? local!.url,
    log: (l) => console.error(`[hostile-csv] ${l}`),
  });
  const file = writeResult(values.out, r);
  const cliProblems = r.cli.filter((c) => c.problem);
  const ok = r.inProcess.crashes.length === 0 && r.inProcess.timeouts.length === 0 && r.inProcess.longMessages.length === 0 &&
    r.realIngest.failedWithLeftovers.length === 0 && r.realIngest.okWithMismatch.length === 0 && cliProblems.length === 0;
  console.log(`${ok ? 'OK' : 'FAILED'}: ${r.inputs} inputs: ${r.inProcess.reports} reports (exit 0), ${r.inProcess.inputErrors} input errors (exit 2), ` +
    `${r.inProcess.crashes.length} crashes, ${r.inProcess.timeouts.length} hangs; ${r.realIngest.tried} real ingests, ${r.realIngest.failedWithLeftovers.length} left something behind; ` +
    `${r.cli.length} through the CLI, ${cliProblems.length} problems; peak RSS MiB ${JSON.stringify(r.peakRssMiB)}. ${file}`);
  if (!ok) console.log(JSON.stringify({ crashes: r.inProcess.crashes.slice(0, 5), timeouts: r.inProcess.timeouts, long: r.inProcess.longMessages.slice(0, 5), leftovers: r.realIngest.failedWithLeftovers.slice(0, 5), mismatch: r.realIngest.okWithMismatch.slice(0, 5), cli: cliProblems.slice(0, 10) }, null, 2));
  process.exitCode = ok ? 0 : 1;
} finally {
  await local?.stop();
}
