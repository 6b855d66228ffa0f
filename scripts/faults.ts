/**
 * `npm run faults -- [--customers 200] [--rate 0.1] [--kinds 500,503,429,429-retry-after,timeout,reset-after-create]`
 * Two runs: every fault kind at --rate (JOB_ATTEMPTS 8), then 429s only with JOB_ATTEMPTS=1 (a 429
 * that spent an attempt would dead-letter its customer). Writes bench/results/faults.json.
 */
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from '@a2p-onboard/twilio-sandbox';
import { runFaults } from './reliability/faults.js';
import { writeResult } from './reliability/harness.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '200' },
    businesses: { type: 'string', default: '20' },
    rate: { type: 'string', default: '0.1' },
    kinds: { type: 'string', default: FAULT_KINDS.join(',') },
    'rate-429': { type: 'string', default: '0.2' },
    workers: { type: 'string', default: '2' },
    'timeout-s': { type: 'string', default: '900' },
    out: { type: 'string', default: 'faults' },
  },
});
const log = (l: string) => console.error(`[faults] ${l}`);
const common = { customers: Number(values.customers), businesses: Number(values.businesses), workers: Number(values.workers), backoffBaseMs: 100, backoffMaxMs: 1600, timeoutMs: Number(values['timeout-s']) * 1000, redisUrl: process.env['REDIS_URL'], log };

const all = await runFaults({ ...common, rate: Number(values.rate), kinds: values.kinds.split(',') as FaultKind[], attempts: 8 });
log(`all kinds: ${JSON.stringify(all.faultsInjected)}; lost ${all.lostCustomers}; duplicates ${all.duplicates}`);
const only429 = await runFaults({ ...common, rate: Number(values['rate-429']), kinds: ['429', '429-retry-after'], attempts: 1 });
log(`429 only, JOB_ATTEMPTS=1: ${JSON.stringify(only429.faultsInjected)}; lost ${only429.lostCustomers}`);

const file = writeResult(values.out, { allKinds: all, only429WithOneAttempt: only429 });
const ok = [all, only429].every((r) => !r.timedOut && r.lostCustomers === 0 && r.duplicates === 0 && r.unexpectedDeadLetters === 0) && all.backoff.outsideWindow === 0;
console.log(
  `${ok ? 'OK' : 'FAILED'}: ${all.customers} customers at ${all.options.rate * 100}% faults: ${all.faultsInjected['total']} injected ${JSON.stringify(all.faultsInjected)}, ` +
    `${all.lostCustomers} lost, ${all.duplicates} duplicates; backoff samples ${all.backoff.samples} (${all.backoff.outsideWindow} outside the window). ` +
    `429s only with JOB_ATTEMPTS=1: ${only429.faultsInjected['total']} injected, ${only429.lostCustomers} lost. ${file}`,
);
if (!ok) console.log(JSON.stringify({ all: { lost: all.audit.lost.slice(0, 5), dup: all.audit.duplicateDetails.slice(0, 5) }, only429: { lost: only429.audit.lost.slice(0, 5) } }, null, 2));
process.exit(ok ? 0 : 1);
