/**
 * `npm run redis-restart -- [--customers 200] [--restarts 3] [--mode kill9|shutdown|queues-lost|no-persistence] [--down-ms 1500] [--every-ms 4000] [--kills 0]`
 * Writes bench/results/redis-restart[-MODE].json.
 */
import { parseArgs } from 'node:util';
import { runRedisRestart, type RestartMode } from './reliability/redis-restart.js';
import { writeResult } from './reliability/harness.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '200' },
    businesses: { type: 'string', default: '20' },
    restarts: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'kill9' },
    'down-ms': { type: 'string', default: '1500' },
    'every-ms': { type: 'string', default: '4000' },
    workers: { type: 'string', default: '2' },
    kills: { type: 'string', default: '0' },
    'timeout-s': { type: 'string', default: '600' },
    out: { type: 'string' },
  },
});
const mode = values.mode as RestartMode;
if (!['kill9', 'shutdown', 'queues-lost', 'no-persistence'].includes(mode)) {
  console.error('--mode must be kill9, shutdown, queues-lost or no-persistence');
  process.exit(2);
}
const r = await runRedisRestart({
  customers: Number(values.customers),
  businesses: Number(values.businesses),
  restarts: Number(values.restarts),
  mode,
  downMs: Number(values['down-ms']),
  everyMs: Number(values['every-ms']),
  workers: Number(values.workers),
  kills: Number(values.kills),
  timeoutMs: Number(values['timeout-s']) * 1000,
  log: (l) => console.error(`[redis-restart] ${l}`),
});
const file = writeResult(values.out ?? (mode === 'kill9' ? 'redis-restart' : `redis-restart-${mode}`), r);
const ok = !r.timedOut && r.lostCustomers === 0 && r.duplicates === 0;
console.log(
  `${ok ? 'OK' : mode === 'no-persistence' ? 'AS EXPECTED WITHOUT PERSISTENCE' : 'FAILED'}: ${r.customers} customers, ${r.restarts} Redis ${mode} restarts ` +
    `(noticed ${r.restartsNoticedByWorkers} times by workers), ${r.workerKills} worker kills, ${r.lostCustomers} lost, ${r.duplicates} duplicates, ${Math.round(r.durationMs / 1000)} s. ${file}`,
);
if (!ok) console.log(JSON.stringify({ lost: r.audit.lost.slice(0, 5), duplicates: r.audit.duplicateDetails.slice(0, 5), errors: r.workerErrors.slice(0, 5) }, null, 2));
process.exit(ok || mode === 'no-persistence' ? 0 : 1);
