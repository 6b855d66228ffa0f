/** `npm run chaos -- [--customers 200] [--businesses 20] [--kills 24] [--seed 1] [--workers 3] [--kill-every-ms 2500]`: writes bench/results/chaos.json. */
import { parseArgs } from 'node:util';
import { runChaos } from './reliability/chaos.js';
import { writeResult } from './reliability/harness.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '200' },
    businesses: { type: 'string', default: '20' },
    kills: { type: 'string', default: '24' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '3' },
    'aimed-share': { type: 'string', default: '0.5' },
    'latency-ms': { type: 'string', default: '15' },
    'kill-every-ms': { type: 'string', default: '2500' },
    'timeout-s': { type: 'string', default: '600' },
    out: { type: 'string', default: 'chaos' },
  },
});

const result = await runChaos({
  customers: Number(values.customers),
  businesses: Number(values.businesses),
  kills: Number(values.kills),
  seed: Number(values.seed),
  workers: Number(values.workers),
  aimedShare: Number(values['aimed-share']),
  latencyMs: Number(values['latency-ms']),
  killEveryMs: Number(values['kill-every-ms']),
  timeoutMs: Number(values['timeout-s']) * 1000,
  redisUrl: process.env['REDIS_URL'],
  log: (l) => console.error(`[chaos] ${l}`),
});
const file = writeResult(values.out, result);
const ok = !result.timedOut && result.lostCustomers === 0 && result.duplicates === 0 && result.kills.total >= Number(values.kills);
console.log(
  `${ok ? 'OK' : 'FAILED'}: ${result.customers} customers, ${result.kills.total} kills (${result.kills.aimed} aimed between a create and its ledger write, ` +
    `${result.foundUnrecordedAfterKill} unrecorded creates found again), ${result.lostCustomers} lost, ${result.duplicates} duplicates, ${Math.round(result.durationMs / 1000)} s. ${file}`,
);
if (!ok) {
  console.log(JSON.stringify({ lost: result.audit.lost.slice(0, 10), duplicates: result.audit.duplicateDetails.slice(0, 10), missing: result.audit.missingResources.slice(0, 10), errors: result.workerErrors }, null, 2));
}
process.exit(ok ? 0 : 1);
