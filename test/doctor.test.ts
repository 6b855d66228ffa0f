import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runDoctorCommand, type DoctorReport } from '../src/commands/doctor.js';
import { runEventsSetupCommand } from '../src/commands/events.js';
import { startLocalRedis, type LocalRedis } from '../src/local-redis.js';
import { POLICY_SOLE_PROPRIETOR, startSandbox, type Sandbox } from '@a2p-onboard/twilio-sandbox';
import { FAST_SANDBOX } from '../fixtures/sandbox.js';
import { tmpFile } from './helpers.js';
import { cliArgs } from '../scripts/built-cli.js';

/**
 * `a2p-onboard doctor` against the sandbox and private redis-servers: it passes on a good setup and fails,
 * on the right line, for each thing an operator must fix before spending fees on a real account.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));

let sb: Sandbox;
let durable: LocalRedis;
let volatile: LocalRedis;

before(async () => {
  // One Redis as production wants it (AOF on, noeviction), one as tests run it (nothing kept on disk).
  durable = await startLocalRedis({ appendonly: true });
  volatile = await startLocalRedis();
});
after(async () => {
  await durable?.stop();
  await volatile?.stop();
});

async function fresh(): Promise<Sandbox> {
  await sb?.close();
  sb = await startSandbox({ ...FAST_SANDBOX });
  return sb;
}
after(() => sb?.close());

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    REDIS_URL: durable.url,
    QUEUE_PREFIX: '{doctor-test}',
    TWILIO_ACCOUNT_SID: sb.options.accountSid,
    TWILIO_AUTH_TOKEN: sb.options.authToken,
    TWILIO_API_BASE: sb.url,
    ...over,
  };
}

async function doctor(e: NodeJS.ProcessEnv, opts: { file?: string; strict?: boolean; allowUnknownRequirements?: boolean } = {}): Promise<{ code: number; report: DoctorReport; text: string }> {
  let json = '';
  const code = await runDoctorCommand({ ...opts, json: true }, e, (s) => (json += s));
  let text = '';
  await runDoctorCommand({ ...opts }, e, (s) => (text += s));
  return { code, report: JSON.parse(json) as DoctorReport, text };
}

const line = (r: DoctorReport, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `a ${id} line in ${JSON.stringify(r.checks.map((x) => x.id))}`);
  return c;
};
const failed = (r: DoctorReport) => r.checks.filter((c) => c.status === 'fail').map((c) => c.id);

const CSV = (numbers: string[]) => tmpFile('customers.csv', ['customer_id,first_name,sender_number', ...numbers.map((n, i) => `c${i},Dana,${n}`)].join('\n') + '\n');

async function admin(path: string, body: unknown) {
  const r = await fetch(`${sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.text());
}

describe('a2p-onboard doctor', () => {
  it('Event Streams: on without a sink fails its line with the command to run; `events setup` makes it pass, and a second setup creates nothing', async () => {
    await fresh();
    const e = env({ PUBLIC_BASE_URL: 'https://onboard.example.com', EVENT_STREAMS: 'true' });
    const before = await doctor(e);
    const missing = line(before.report, 'event-streams');
    assert.equal(missing.status, 'fail', missing.summary);
    assert.match(missing.summary, /no webhook sink .* posts to https:\/\/onboard\.example\.com\/webhooks\/twilio\/events/);
    assert.match(missing.fix ?? '', /events setup --sink-url https:\/\/onboard\.example\.com\/webhooks\/twilio\/events/);

    let out = '';
    assert.equal(await runEventsSetupCommand({ json: true }, e, (x) => (out += x)), 0, out);
    const first = JSON.parse(out) as { ok: boolean; accounts: { sink: { created: boolean; destination: string }; subscription: { created: boolean; addedTypes: string[] } }[] };
    assert.equal(first.ok, true);
    assert.deepEqual([first.accounts[0]!.sink.created, first.accounts[0]!.sink.destination, first.accounts[0]!.subscription.created], [true, 'https://onboard.example.com/webhooks/twilio/events', true]);
    out = '';
    assert.equal(await runEventsSetupCommand({ json: true }, e, (x) => (out += x)), 0, out);
    const second = JSON.parse(out) as typeof first;
    assert.deepEqual([second.accounts[0]!.sink.created, second.accounts[0]!.subscription.created, second.accounts[0]!.subscription.addedTypes], [false, false, []]);

    const after = await doctor(e);
    assert.equal(line(after.report, 'event-streams').status, 'ok', line(after.report, 'event-streams').summary);
    // Off, with a public URL: a warning that says how to turn them on.
    const off = await doctor(env({ PUBLIC_BASE_URL: 'https://onboard.example.com' }));
    assert.equal(line(off.report, 'event-streams').status, 'warn');
    assert.match(line(off.report, 'event-streams').fix ?? '', /EVENT_STREAMS=true/);
  });

  it('passes on a good setup: every line ok but the optional ones, exit 0', async () => {
    await fresh();
    const { code, report, text } = await doctor(env(), { file: CSV(['+14155550170', '(415) 555-0171']) });
    assert.deepEqual(failed(report), []);
    assert.equal(code, 0);
    assert.equal(report.ok, true);
    for (const id of ['credentials', 'primary-profile', 'policy:starter', 'policy:soleProprietor', 'policy:business', 'policy:shakenStir', 'sender-numbers', 'redis']) assert.equal(line(report, id).status, 'ok', `${id}: ${line(report, id).summary}`);
    assert.match(line(report, 'primary-profile').summary, /twilio-approved, Business Identity "ISV Reseller or Partner"/);
    assert.match(line(report, 'sender-numbers').summary, /all 2 .* are numbers of this account/);
    // PUBLIC_BASE_URL is not set here: a warning, not a failure.
    assert.equal(line(report, 'public-base-url').status, 'warn');
    assert.match(text, /^✓ Twilio credentials/m);
    assert.match(text, /^! PUBLIC_BASE_URL: not set/m);
    assert.match(text, /Ready: nothing failed \(1 warning to read\)\./);
  });

  it('reports ACCOUNT_MODE; with subaccounts, fails when TWILIO_ACCOUNT_SID is itself a subaccount', async () => {
    await fresh();
    const single = await doctor(env());
    assert.equal(line(single.report, 'account-mode').status, 'ok');
    assert.match(line(single.report, 'account-mode').summary, /Account mode: single/);
    const sub = await doctor(env({ ACCOUNT_MODE: 'subaccount', SUBACCOUNT_MAX_RPS: '7' }));
    assert.equal(line(sub.report, 'account-mode').status, 'ok', line(sub.report, 'account-mode').summary);
    assert.match(line(sub.report, 'account-mode').summary, /Account mode: subaccount .*at most 7 requests\/s/);
    assert.match(sub.text, /Account mode: subaccount/);
    // The credentials of a subaccount: it cannot create subaccounts.
    const auth = { authorization: `Basic ${Buffer.from(`${sb.options.accountSid}:${sb.options.authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' };
    const created = (await (await fetch(`${sb.url}/api/2010-04-01/Accounts.json`, { method: 'POST', headers: auth, body: 'FriendlyName=doctor+sub' })).json()) as { sid: string; auth_token: string };
    const nested = await doctor(env({ ACCOUNT_MODE: 'subaccount', TWILIO_ACCOUNT_SID: created.sid, TWILIO_AUTH_TOKEN: created.auth_token }));
    // (Its primary-profile line fails too: the ISV's primary profile is the parent's.)
    assert.ok(failed(nested.report).includes('account-mode'), JSON.stringify(failed(nested.report)));
    assert.match(line(nested.report, 'account-mode').summary, /is itself a subaccount of/);
    assert.match(line(nested.report, 'account-mode').fix ?? '', new RegExp(sb.options.accountSid));
  });

  it('bad credentials: the credentials line fails, the Twilio checks say they were not run', async () => {
    await fresh();
    const { code, report, text } = await doctor(env({ TWILIO_AUTH_TOKEN: 'not-the-token' }));
    assert.equal(code, 1);
    assert.deepEqual(failed(report), ['credentials']);
    assert.match(line(report, 'credentials').summary, /Twilio refused them/);
    assert.match(line(report, 'credentials').fix ?? '', /TWILIO_AUTH_TOKEN/);
    assert.match(line(report, 'primary-profile').summary, /not checked/);
    assert.match(text, /^✗ Twilio credentials: Twilio refused them/m);
    assert.match(text, /Not ready: 1 check failed/);
  });

  it('an unapproved primary profile, or one whose Business Identity is not ISV Reseller or Partner, fails its line', async () => {
    await fresh();
    await admin('/_sandbox/primary-profile', { status: 'in-review' });
    // Named by the setting: the line says what state it is in.
    const named = await doctor(env({ ISV_PRIMARY_PROFILE_SID: sb.isvPrimaryProfileSid }));
    assert.equal(named.code, 1);
    assert.deepEqual(failed(named.report), ['primary-profile']);
    assert.match(line(named.report, 'primary-profile').summary, new RegExp(`${sb.isvPrimaryProfileSid} \\(ISV_PRIMARY_PROFILE_SID\\) is in-review, not twilio-approved`));
    // Looked up: no approved primary profile at all.
    const found = await doctor(env());
    assert.deepEqual(failed(found.report), ['primary-profile']);
    assert.match(line(found.report, 'primary-profile').summary, /No twilio-approved primary customer profile/);

    await admin('/_sandbox/primary-profile', { status: 'twilio-approved', businessIdentity: 'direct_customer' });
    const direct = await doctor(env());
    assert.deepEqual(failed(direct.report), ['primary-profile']);
    assert.match(line(direct.report, 'primary-profile').summary, /Business Identity is "direct_customer", not "ISV Reseller or Partner" \(isv_reseller_or_partner\)/);
  });

  it('a policy requirement the pipeline does not fill fails, naming it (a warning with --allow-unknown-requirements)', async () => {
    await fresh();
    await admin(`/_sandbox/policies/${POLICY_SOLE_PROPRIETOR}`, { addField: { endUserType: 'sole_proprietor_information', field: 'date_of_birth' } });
    const { code, report, text } = await doctor(env());
    assert.equal(code, 1);
    const l = line(report, 'policy:soleProprietor');
    assert.equal(l.status, 'fail');
    assert.match(l.summary, /RN670d5d2e282a6130ae063b234b6019c8 .*does not fill: sole_proprietor_information\.date_of_birth/);
    assert.match(l.fix ?? '', /--allow-unknown-requirements/);
    assert.deepEqual(failed(report), ['policy:soleProprietor']);
    assert.equal(line(report, 'policy:starter').status, 'ok');
    assert.match(text, /^✗ Sole Proprietor A2P Trust Bundle policy RN670d5d2e282a6130ae063b234b6019c8/m);
    const allowed = await doctor(env(), { allowUnknownRequirements: true });
    assert.equal(allowed.code, 0, 'warnings allowed');
    assert.equal(line(allowed.report, 'policy:soleProprietor').status, 'warn');
    assert.match(allowed.text, /^! Sole Proprietor A2P Trust Bundle policy/m);
    const strict = await doctor(env(), { allowUnknownRequirements: true, strict: true });
    assert.equal(strict.code, 1);
    assert.match(strict.text, /Not ready \(--strict\)/);
  });

  it('a sender number the account does not own fails, naming the row and the masked number', async () => {
    await fresh();
    // +1 415 555 0923: a well-formed number (ingest accepts it) that the sandbox account does not own.
    const { code, report } = await doctor(env(), { file: CSV(['+14155550170', '+14155550923', '+14155550923']) });
    assert.equal(code, 1);
    assert.deepEqual(failed(report), ['sender-numbers']);
    const l = line(report, 'sender-numbers');
    assert.match(l.summary, /1 of 2 .* is not a number of account/);
    assert.match(l.summary, /\+1\*+23 \(rows 3, 4\)/);
    assert.ok(!l.summary.includes('4155550923'), 'the number is masked');
    assert.match(l.fix ?? '', /buy or port/);
    // A CSV without the column (another helper adds it) is fine.
    const none = await doctor(env(), { file: tmpFile('c.csv', 'customer_id,first_name\nc1,Dana\n') });
    assert.equal(line(none.report, 'sender-numbers').status, 'ok');
  });

  it('a Redis without persistence (and PUBLIC_BASE_URL over plain HTTP) fail their lines', async () => {
    await fresh();
    const { code, report } = await doctor(env({ REDIS_URL: volatile.url, PUBLIC_BASE_URL: 'http://dashboard.example.com' }));
    assert.equal(code, 1);
    assert.deepEqual(failed(report).sort(), ['public-base-url', 'redis']);
    assert.match(line(report, 'redis').summary, /persistence is off \(appendonly no, save ""\)/);
    assert.match(line(report, 'redis').fix ?? '', /appendonly yes/);
    assert.match(line(report, 'public-base-url').summary, /is not HTTPS/);
    const unreachable = await doctor(env({ PUBLIC_BASE_URL: 'https://127.0.0.1:1' }));
    assert.deepEqual(failed(unreachable.report), ['public-base-url']);
    assert.match(line(unreachable.report, 'public-base-url').summary, /does not answer/);
  });

  it('a managed Redis that refuses CONFIG: read from INFO, or a warning saying what to verify by hand', async () => {
    await fresh();
    const managedAof = await startLocalRedis({ appendonly: true, disableConfig: true });
    const managedBare = await startLocalRedis({ disableConfig: true });
    try {
      const aof = await doctor(env({ REDIS_URL: managedAof.url }));
      assert.equal(line(aof.report, 'redis').status, 'ok', line(aof.report, 'redis').summary);
      assert.match(line(aof.report, 'redis').summary, /persistence on \(AOF, from INFO\), maxmemory-policy noeviction/);
      const bare = await doctor(env({ REDIS_URL: managedBare.url }));
      assert.equal(bare.code, 0, 'a warning: RDB snapshots cannot be seen without CONFIG');
      assert.equal(line(bare.report, 'redis-persistence').status, 'warn');
      assert.match(line(bare.report, 'redis-persistence').fix ?? '', /verify by hand/);
      assert.doesNotMatch(line(bare.report, 'redis').summary, /persistence on/);
    } finally {
      await managedAof.stop();
      await managedBare.stop();
    }
  });

  it('the CLI: `a2p-onboard doctor --json` prints the report and exits 1 when a check fails', async () => {
    await fresh();
    const run = (e: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, cliArgs('doctor', '--json'), { cwd: ROOT, env: { PATH: process.env['PATH'], ...e }, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.once('error', reject);
        child.once('exit', (code) => resolve({ code, out }));
      });
    const good = await run(env());
    assert.equal(good.code, 0, good.out);
    assert.equal((JSON.parse(good.out) as DoctorReport).ok, true);
    const bad = await run(env({ REDIS_URL: volatile.url }));
    assert.equal(bad.code, 1);
    assert.deepEqual(failed(JSON.parse(bad.out) as DoctorReport), ['redis']);
  });
});
