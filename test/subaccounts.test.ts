import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import twilio from 'twilio';
import { BUSINESS_COLUMNS, COLUMNS, businessFields, csvLine, customerFields } from '../fixtures/customers.js';
import { createLogger } from '../src/log.js';
import { ingestFile } from '../src/producers/ingest.js';
import { startDashboard } from '../src/server/dashboard.js';
import { STATUS_WEBHOOK_PATH } from '../src/server/webhook.js';
import { webhookOptions } from '../src/workers/runtime.js';
import { startWorkers } from '../src/workers/index.js';
import { runCli } from '../scripts/built-cli.js';
import { AccountGateways } from '../src/twilio/accounts.js';
import { type RejectedError, TransientError } from '../src/twilio/errors.js';
import type { TwilioGateway } from '../src/twilio/gateway.js';
import { startStack, stopTestRedis, templateFile, tmpFile, twilioClient, waitFor, type Stack } from './helpers.js';

/**
 * ACCOUNT_MODE=subaccount (issue 15): each customer is registered in its own Twilio subaccount, created once
 * by the `subaccount` stage (or named by the row's account_sid); its profiles, bundles, brand, Messaging
 * Service and campaign are created with the subaccount's credentials and live there (checked through the
 * sandbox's per-account views), the parent keeps only the ISV's primary profile. Faults and a worker
 * restart create nothing twice, and no subaccount auth token reaches Redis, logs, CLI output or reports.
 */

after(stopTestRedis);

const SUB = { ACCOUNT_MODE: 'subaccount' };
const SETTLED = new Set(['live', 'failed', 'expired']);
const SP_COLUMNS = [...COLUMNS, 'account_sid'];
const BIZ_COLUMNS = [...BUSINESS_COLUMNS, 'account_sid'];

function spCsv(rows: Record<string, string>[]): string {
  return [SP_COLUMNS.join(','), ...rows.map((r) => csvLine(r, SP_COLUMNS))].join('\n') + '\n';
}
function bizCsv(rows: Record<string, string>[]): string {
  return [BIZ_COLUMNS.join(','), ...rows.map((r) => csvLine(r, BIZ_COLUMNS))].join('\n') + '\n';
}

async function ingestSp(stack: Stack, batchId: string, rows: Record<string, string>[]) {
  return ingestFile(stack.rt, tmpFile(`${batchId}.csv`, spCsv(rows)), { batchId, templatePath: templateFile() });
}
async function ingestBiz(stack: Stack, batchId: string, rows: Record<string, string>[]) {
  return ingestFile(stack.rt, tmpFile(`${batchId}.csv`, bizCsv(rows)), { batchId });
}

async function settled(stack: Stack, ids: string[], timeoutMs = 90_000): Promise<void> {
  await waitFor(`${ids.join(', ')} to settle`, async () => {
    const recs = await stack.rt.ledger.getMany(ids);
    return recs.every((r) => r && SETTLED.has(r.state));
  }, timeoutMs, 100);
}

interface Resources {
  customerProfiles: string[];
  trustProducts: string[];
  endUsers: string[];
  brands: string[];
  services: string[];
  campaigns: string[];
  phoneNumbers: string[];
}

/** What one account owns, through the sandbox's admin view `?account=` (the main account without it). */
async function resources(stack: Stack, accountSid?: string): Promise<Resources> {
  const res = await fetch(`${stack.sandbox.url}/_sandbox/resources${accountSid ? `?account=${accountSid}` : ''}`);
  assert.equal(res.status, 200, `resources of ${accountSid ?? 'the parent'}`);
  return (await res.json()) as Resources;
}

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return { lines, stream: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }) };
}

/** Every key and value in the Redis (the ledger's, BullMQ's, the budgets'), as text. */
async function redisDump(stack: Stack): Promise<string> {
  const redis = stack.rt.redis;
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      out.push(key);
      if (type === 'string') out.push((await redis.get(key)) ?? '');
      else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES')));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

describe('ACCOUNT_MODE=subaccount', () => {
  it('Sole Proprietor and Standard customers go live each in its own subaccount, the parent holds only the primary profile, and no subaccount token leaks', { timeout: 240_000 }, async () => {
    const { lines, stream } = capture();
    const log = createLogger('debug', stream);
    const stack = await startStack({ env: SUB, log, workers: false });
    // Status callbacks on: the sandbox signs each with the token of the account that owns the bundle.
    const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: stack.rt.queues, webhook: webhookOptions(stack.config, stack.rt.ledger, log, stack.rt.accounts) });
    stack.rt.settings.statusCallbackUrl = `${dash.url}${STATUS_WEBHOOK_PATH}`;
    stack.startWorkers();
    try {
      const parent = twilioClient(stack);
      // The ISV already has a subaccount for one customer: its row names it.
      const existing = await parent.api.v2010.accounts.create({ friendlyName: 'ISV customer sp-named' });
      const sp = [customerFields('sp-1', 1), customerFields('sp-2', 2), customerFields('sp-named', 3, { account_sid: existing.sid })];
      const biz = [businessFields('biz-std', 11), businessFields('biz-lvs', 12, { brand_type: 'low_volume_standard', usecase: 'LOW_VOLUME' })];
      const r1 = await ingestSp(stack, 'sub-sp', sp);
      assert.deepEqual(r1.rejected, []);
      const r2 = await ingestBiz(stack, 'sub-biz', biz);
      assert.deepEqual(r2.rejected, []);
      const ids = [...sp, ...biz].map((r) => r['customer_id']!);
      await settled(stack, ids);

      const subs = new Set<string>();
      for (const id of ids) {
        const rec = (await stack.rt.ledger.get(id))!;
        assert.equal(rec.state, 'live', `${id}: ${rec.state} at ${rec.stage}: ${rec.reason}`);
        const sub = rec.sids.subaccount;
        assert.match(sub ?? '', /^AC[0-9a-f]{32}$/, `${id} has a subaccount recorded`);
        assert.ok(!subs.has(sub!), `${id}: a subaccount of its own`);
        subs.add(sub!);
        assert.equal(await stack.rt.ledger.ownerOf(sub!), id, 'the subaccount SID is indexed to its customer');
        const mine = await resources(stack, sub);
        const kinds: [keyof Resources, string | undefined][] = [
          ['customerProfiles', rec.sids.customerProfile],
          ['brands', rec.sids.brand],
          ['services', rec.sids.messagingService],
          ['campaigns', rec.sids.campaign],
          ['phoneNumbers', rec.sids.senderNumber],
          rec.flow === 'business' ? ['trustProducts', rec.sids.a2pProduct] : ['trustProducts', rec.sids.trustProduct],
        ];
        for (const [kind, sid] of kinds) {
          assert.ok(sid, `${id}: a ${kind} SID is recorded`);
          assert.ok(mine[kind].includes(sid), `${id}: its ${kind} ${sid} is in its subaccount ${sub}`);
        }
        // Exactly one of each in the subaccount: nothing made twice, nothing of another customer's.
        assert.equal(mine.brands.length, 1, `${id}: one brand in its subaccount`);
        assert.equal(mine.campaigns.length, 1, `${id}: one campaign in its subaccount`);
        assert.equal(mine.services.length, 1, `${id}: one Messaging Service in its subaccount`);
        // The parent cannot see it: another account's SID is not found, as on Twilio.
        await assert.rejects(parent.messaging.v1.brandRegistrations(rec.sids.brand!).fetch(), (e: { status?: number }) => e.status === 404);
        // Status callbacks came from the subaccount, signed with its token, and were accepted.
        assert.ok(rec.rawStatus['customerProfileCallbackAt'], `${id}: the subaccount's signed status callback was recorded`);
      }
      assert.equal((await stack.rt.ledger.get('sp-named'))!.sids.subaccount, existing.sid, "the row's account_sid is used, not a new subaccount");
      const listed: string[] = [];
      for await (const page of stack.rt.ledger.subaccounts(2)) listed.push(...page);
      assert.deepEqual(listed.sort(), [...subs].sort(), 'the ledger lists every customer subaccount');

      const infos = stack.sandbox.accounts();
      const created = infos.filter((a) => a.subaccount && a.sid !== existing.sid);
      assert.equal(created.length, ids.length - 1, 'one subaccount created per customer without account_sid');
      for (const id of ids.filter((i) => i !== 'sp-named')) {
        assert.equal(created.filter((a) => a.friendlyName === `a2p-onboard ${id} Subaccount`).length, 1, `${id}: its subaccount is named after it`);
      }
      // Every write the pipeline made with the parent's credentials created a subaccount: the rest went through the subaccounts'.
      const parentWrites = stack.sandbox.requestLog().filter((e) => e.accountSid === stack.sandbox.options.accountSid && e.method !== 'GET');
      assert.deepEqual([...new Set(parentWrites.map((e) => e.operationId))], ['CreateAccount']);
      const top = await resources(stack);
      assert.deepEqual(top.customerProfiles, [stack.rt.settings.isvPrimaryProfileSid], 'the parent holds only the primary profile');
      for (const kind of ['trustProducts', 'brands', 'services', 'campaigns'] as const) assert.deepEqual(top[kind], [], `the parent holds no ${kind}`);

      // An unknown account's callback is still refused, signed or not; a parent-signed one about a subaccount's bundle too.
      const url = `${dash.url}${STATUS_WEBHOOK_PATH}`;
      const post = async (token: string, params: Record<string, string>) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params) }, body: new URLSearchParams(params).toString() });
      const sp1 = (await stack.rt.ledger.get('sp-1'))!;
      const stranger = { AccountSid: `AC${'7'.repeat(32)}`, BundleSid: sp1.sids.customerProfile!, Status: 'twilio-rejected' };
      assert.equal((await post('whatever', stranger)).status, 403, 'an account this deployment did not record');
      const viaParent = { AccountSid: stack.sandbox.options.accountSid, BundleSid: sp1.sids.customerProfile!, Status: 'twilio-rejected' };
      assert.equal((await post(stack.sandbox.options.authToken, viaParent)).status, 403, "the parent does not speak for a subaccount's bundle");
      const subToken = infos.find((a) => a.sid === sp1.sids.subaccount)!.authToken;
      const forged = { AccountSid: sp1.sids.subaccount!, BundleSid: sp1.sids.customerProfile!, Status: 'twilio-rejected' };
      assert.equal((await post(stack.sandbox.options.authToken, forged)).status, 403, "signed with another token than the subaccount's");
      assert.equal((await post(subToken, { ...forged, Status: 'twilio-approved' })).status, 204, "signed with the subaccount's token");
      assert.equal((await stack.rt.ledger.get('sp-1'))!.state, 'live');

      // No subaccount's auth token anywhere: Redis (every key and value, BullMQ's too), logs, CLI output, report files.
      const tokens = infos.filter((a) => a.subaccount).map((a) => a.authToken);
      assert.equal(tokens.length, ids.length);
      const dir = mkdtempSync(join(tmpdir(), 'a2p-sub-'));
      const env = { ...process.env, REDIS_URL: stack.config.REDIS_URL, QUEUE_PREFIX: stack.config.QUEUE_PREFIX, TWILIO_ACCOUNT_SID: stack.config.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: stack.config.TWILIO_AUTH_TOKEN, TWILIO_API_BASE: stack.config.TWILIO_API_BASE, ACCOUNT_MODE: 'subaccount', LOG_LEVEL: 'debug' };
      const outputs: [string, string][] = [];
      for (const batch of ['sub-sp', 'sub-biz']) {
        const status = await runCli(env, 'status', '--batch', batch);
        assert.equal(status.status, 0, status.stderr);
        outputs.push([`status ${batch}`, status.stdout + status.stderr]);
        for (const ext of ['csv', 'json']) {
          const file = join(dir, `${batch}.${ext}`);
          const report = await runCli(env, 'report', '--batch', batch, '--out', file);
          assert.equal(report.status, 0, report.stderr);
          outputs.push([`report ${batch}`, report.stdout + report.stderr], [`report file ${file}`, readFileSync(file, 'utf8')]);
        }
      }
      assert.match(outputs.find(([what]) => what.startsWith('report file'))![1], /subaccount_sid/, 'the report names each customer\'s subaccount');
      const dump = await redisDump(stack);
      const logs = lines.join('');
      assert.ok(logs.length > 10_000 && dump.length > 10_000, 'there was something to search');
      for (const token of tokens) {
        assert.ok(!dump.includes(token), 'a subaccount auth token is in Redis');
        assert.ok(!logs.includes(token), 'a subaccount auth token is in the logs');
        for (const [what, text] of outputs) assert.ok(!text.includes(token), `a subaccount auth token is in ${what}`);
      }
    } finally {
      await dash.close();
      await stack.close();
    }
  });

  it('faults (answers lost after creates, 500s) and workers stopped mid-batch create each subaccount, brand and campaign once', { timeout: 240_000 }, async () => {
    // Besides the sandbox's random faults: the first answer of every subaccount, brand and campaign create is
    // lost after Twilio made it (the parent's gateway and every subaccount's are wrapped alike).
    const lost = new Set<string>();
    const loseFirstAnswer = (g: TwilioGateway): TwilioGateway =>
      new Proxy(g, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function' || !['createSubaccount', 'createBrand', 'createCampaign'].includes(String(prop))) return value;
          return async (...args: unknown[]) => {
            const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            const key = `${target.accountSid}:${String(prop)}:${JSON.stringify(args[0])}`;
            if (!lost.has(key)) {
              lost.add(key);
              throw new TransientError(`${String(prop)}: connection reset after Twilio created it`, true);
            }
            return result;
          };
        },
      });
    // A stopped worker's jobs come back once their lock runs out: a short lock keeps the test short.
    const stack = await startStack({ env: { ...SUB, JOB_ATTEMPTS: '30', WORKER_LOCK_MS: '1500' }, sandbox: { faultRate: 0, faultKinds: ['reset-after-create', '500'] }, workers: false, wrapGateway: loseFirstAnswer });
    try {
      const sp = Array.from({ length: 4 }, (_, i) => customerFields(`f-sp-${i}`, 20 + i));
      const biz = [businessFields('f-biz-0', 30), businessFields('f-biz-1', 31)];
      stack.sandbox.tune({ faultRate: 0.25 });
      await ingestSp(stack, 'f-sp', sp);
      await ingestBiz(stack, 'f-biz', biz);
      const ids = [...sp, ...biz].map((r) => r['customer_id']!);
      // Twice: workers start, and are stopped (not drained) as soon as the first subaccounts are being made.
      for (let round = 0; round < 2; round++) {
        const pool = stack.startWorkers();
        await waitFor('a subaccount created', async () => stack.sandbox.accounts().filter((a) => a.subaccount).length > round * 2);
        await pool.close(0);
        stack.pool = undefined;
      }
      stack.pool = startWorkers(stack.rt);
      await settled(stack, ids, 180_000);
      stack.sandbox.tune({ faultRate: 0 });
      const faults = stack.sandbox.faultCounts();
      assert.ok(faults['reset-after-create'] > 0, `answers were lost after creates: ${JSON.stringify(faults)}`);
      // Each customer's subaccount (on the parent), brand and campaign (in its subaccount) lost a first answer, unless
      // the sandbox's own fault got there first (then the retry found it without a second create).
      assert.ok([...lost].filter((k) => k.includes(':createSubaccount:')).length >= ids.length - 2, 'subaccount creates lost their first answer');
      assert.ok([...lost].filter((k) => k.includes(':createBrand:')).length >= ids.length - 2, 'brand creates lost their first answer');
      assert.ok([...lost].filter((k) => k.includes(':createCampaign:')).length >= ids.length - 2, 'campaign creates lost their first answer');
      const subs = stack.sandbox.accounts().filter((a) => a.subaccount);
      for (const id of ids) {
        const rec = (await stack.rt.ledger.get(id))!;
        assert.equal(rec.state, 'live', `${id}: ${rec.state} at ${rec.stage}: ${rec.reason}`);
        assert.equal(subs.filter((a) => a.friendlyName === `a2p-onboard ${id} Subaccount`).length, 1, `${id}: one subaccount`);
        const mine = await resources(stack, rec.sids.subaccount);
        assert.deepEqual(mine.brands, [rec.sids.brand], `${id}: one brand, the recorded one`);
        assert.deepEqual(mine.campaigns, [rec.sids.campaign], `${id}: one campaign, the recorded one`);
        assert.deepEqual(mine.customerProfiles, [rec.sids.customerProfile], `${id}: one customer profile`);
      }
      assert.equal(subs.length, ids.length, 'no stray subaccount');
    } finally {
      await stack.close();
    }
  });

  it('a subaccount suspended while its customer waits: the next call is refused, the token read again, and the customer fails with what to do', { timeout: 120_000 }, async () => {
    // The OTP is never answered: the customers wait at awaiting_otp, re-checked by the sweeps with their subaccount's gateway.
    const stack = await startStack({ env: SUB, sandbox: { otpReplyDelayMs: -1 } });
    try {
      await ingestSp(stack, 'susp', [customerFields('w-1', 50), customerFields('w-2', 51)]);
      for (const id of ['w-1', 'w-2']) await waitFor(`${id} awaiting the OTP`, async () => (await stack.rt.ledger.get(id))?.state === 'awaiting_otp', 30_000);
      const held = stack.rt.accounts.size;
      assert.ok(held >= 2, `the worker holds the subaccounts' tokens in memory (${held})`);
      const w1 = (await stack.rt.ledger.get('w-1'))!;
      await twilioClient(stack).api.v2010.accounts(w1.sids.subaccount!).update({ status: 'suspended' });
      const failed = await waitFor('w-1 to fail', async () => {
        const r = await stack.rt.ledger.get('w-1');
        return r?.state === 'failed' ? r : null;
      }, 30_000);
      assert.match(failed.reason ?? '', /subaccount .* is suspended/);
      assert.match(failed.action ?? '', /Reactivate it/);
      assert.equal((await stack.rt.ledger.get('w-2'))!.state, 'awaiting_otp', "another customer's subaccount is untouched");
      assert.equal(stack.pool?.paused, false, 'a refused subaccount token does not pause the workers');
    } finally {
      await stack.close();
    }
  });

  it('a parent with as many subaccounts as Twilio allows: the customer fails with what to do, not as bad data', { timeout: 60_000 }, async () => {
    const stack = await startStack({ env: SUB, sandbox: { maxSubaccounts: 1 } });
    try {
      await ingestSp(stack, 'full', [customerFields('l-1', 60), customerFields('l-2', 61)]);
      const failed = await waitFor('a customer to fail', async () => (await stack.rt.ledger.getMany(['l-1', 'l-2'])).find((r) => r?.state === 'failed'), 30_000);
      assert.equal(failed.stage, 'subaccount');
      assert.match(failed.reason ?? '', /as many subaccounts as Twilio allows \(error 21480\)/);
      assert.match(failed.action ?? '', /Ask Twilio Support to raise the limit.*redrive --batch full/);
      const other = (await stack.rt.ledger.getMany(['l-1', 'l-2'])).find((r) => r && r.customerId !== failed.customerId)!;
      assert.match(other.sids.subaccount ?? '', /^AC/, 'the first customer got the one subaccount there was room for');
    } finally {
      await stack.close();
    }
  });

  it('account_sid: checked at ingest, refused in single mode; a suspended or foreign subaccount fails with what to do', { timeout: 120_000 }, async () => {
    const stack = await startStack({ env: SUB });
    const single = await startStack({ workers: false });
    try {
      const parent = twilioClient(stack);
      const ok = await parent.api.v2010.accounts.create({ friendlyName: 'ISV cust good' });
      const suspended = await parent.api.v2010.accounts.create({ friendlyName: 'ISV cust suspended' });
      await parent.api.v2010.accounts(suspended.sid).update({ status: 'suspended' });
      const foreign = `AC${'ab'.repeat(16)}`;

      const bad = await ingestSp(stack, 'acc-bad', [customerFields('a-typo', 40, { account_sid: 'AC123' }), customerFields('a-1', 41, { account_sid: ok.sid }), customerFields('a-2', 42, { account_sid: ok.sid })]);
      assert.deepEqual(bad.rejected.map((r) => [r.customerId, r.column]), [['a-typo', 'account_sid'], ['a-2', 'account_sid']]);
      assert.match(bad.rejected[0]!.reason, /not an Account SID/);
      assert.match(bad.rejected[1]!.reason, /also the account_sid of row 3/);

      const refused = await ingestSp(single, 'acc-single', [customerFields('s-1', 43, { account_sid: ok.sid })]);
      assert.equal(refused.accepted, 0);
      assert.match(refused.rejected[0]!.reason, /ACCOUNT_MODE is single.*set ACCOUNT_MODE=subaccount/);

      await ingestSp(stack, 'acc-fail', [customerFields('a-susp', 44, { account_sid: suspended.sid }), customerFields('a-foreign', 45, { account_sid: foreign })]);
      await settled(stack, ['a-1', 'a-susp', 'a-foreign']);
      const good = (await stack.rt.ledger.get('a-1'))!;
      assert.equal(good.state, 'live', good.reason ?? '');
      assert.equal(good.sids.subaccount, ok.sid);
      const susp = (await stack.rt.ledger.get('a-susp'))!;
      assert.equal(susp.state, 'failed');
      assert.equal(susp.stage, 'subaccount');
      assert.match(susp.reason ?? '', /is suspended/);
      assert.match(susp.action ?? '', /Reactivate it/);
      const far = (await stack.rt.ledger.get('a-foreign'))!;
      assert.equal(far.state, 'failed');
      assert.match(far.reason ?? '', /not a subaccount of/);
      assert.match(far.action ?? '', /Correct account_sid/);
      assert.deepEqual((await resources(stack, suspended.sid)).customerProfiles, [], 'nothing was created in the suspended subaccount');
    } finally {
      await single.close();
      await stack.close();
    }
  });
});

describe('subaccount tokens in memory (src/twilio/accounts.ts)', () => {
  const PARENT = `AC${'1'.repeat(32)}`;
  const sub = (n: number) => `AC${String(n).padStart(32, '0')}`;
  function fakeParent(reads: string[], status: (sid: string) => 'active' | 'suspended' = () => 'active') {
    const parent = {
      accountSid: PARENT,
      fetchSubaccount: async (sid: string) => {
        reads.push(sid);
        await new Promise((r) => setImmediate(r));
        return sid === PARENT ? null : { sid, status: status(sid), ownerAccountSid: PARENT, authToken: `token-${sid}-${reads.length}` };
      },
    };
    return parent as unknown as TwilioGateway;
  }
  const unused = () => {
    throw new Error('not built in this test');
  };

  it('reads a token once (also under concurrent asks), keeps at most the cache size, drops it after the TTL', async () => {
    const reads: string[] = [];
    let now = 0;
    const accounts = new AccountGateways({ parent: fakeParent(reads), parentBudgets: undefined as never, accountBudget: unused, client: unused, ttlMs: 1_000, maxEntries: 2, now: () => now });
    const [a, b] = await Promise.all([accounts.authToken(sub(1)), accounts.authToken(sub(1))]);
    assert.equal(a, b);
    assert.deepEqual(reads, [sub(1)], 'one read for two concurrent asks');
    await accounts.authToken(sub(2));
    await accounts.authToken(sub(1)); // sub 1 is now the most recently used
    await accounts.authToken(sub(3)); // evicts sub 2, the least recently used
    assert.equal(accounts.size, 2);
    assert.deepEqual(reads, [sub(1), sub(2), sub(3)]);
    await accounts.authToken(sub(1));
    assert.equal(reads.length, 3, 'sub 1 still held');
    await accounts.authToken(sub(2));
    assert.equal(reads.length, 4, 'sub 2 was evicted and read again');
    now += 1_001;
    await accounts.authToken(sub(2));
    assert.equal(reads.length, 5, 'read again after the TTL');
  });

  it('a suspended, foreign or parent account has no token to give', async () => {
    const reads: string[] = [];
    const accounts = new AccountGateways({ parent: fakeParent(reads, (sid) => (sid === sub(9) ? 'suspended' : 'active')), parentBudgets: undefined as never, accountBudget: unused, client: unused, ttlMs: 1_000, maxEntries: 10 });
    assert.equal(await accounts.authToken(sub(9)), null);
    assert.equal(await accounts.authToken(PARENT), null);
    await assert.rejects(accounts.gatewayFor(sub(9)), (e: RejectedError) => e.kind === 'subaccount-inactive' && /is suspended/.test(e.reason));
  });
});
