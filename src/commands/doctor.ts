import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { maskPhone, normalizePhone } from '../customers/phone.js';
import { policyRoles } from '../jobs/policies.js';
import { connectRedis, type RedisClient } from '../redis.js';
import { AuthError } from '../twilio/errors.js';
import type { TwilioGateway } from '../twilio/gateway.js';
import { PIPELINE_FILLS, splitRequirements } from '../twilio/policy.js';
import { createAccountGateways, createGateway, eventsSinkUrl, resolvePrimaryProfile } from '../workers/runtime.js';
import { Ledger } from '../ledger/ledger.js';
import { checkEvents } from '../events/setup.js';

/**
 * `a2p-onboard doctor`: what an operator runs before the first real batch, when every brand and campaign
 * submission costs fees. Each check is a line of a checklist: ok, a failure with what to do, or a
 * warning (something to look at that does not stop a run). Nothing here creates anything at Twilio.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable id for scripts: credentials, account-mode, primary-profile, policy:<role>, sender-numbers, public-base-url, event-streams, redis. */
  id: string;
  status: CheckStatus;
  /** One line: what was checked and what was found. */
  summary: string;
  /** What to do, for a failure or a warning. */
  fix?: string;
}

export interface DoctorReport {
  /** True when no check failed (warnings allowed; with `strict`, none either). */
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorInput {
  config: Config;
  /** Absent when TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set, or Twilio cannot be asked (`twilioSkipped`). */
  gateway: TwilioGateway | undefined;
  /** Why Twilio was not asked although credentials are set (the gateway's shared budget lives in Redis). */
  twilioSkipped?: string;
  /** Absent when Redis could not be reached (the reason in `redisError`). */
  redis: RedisClient | undefined;
  redisError?: string;
  /** A customers CSV whose sender numbers (`sender_number`, business `phone_numbers`) must be the account's. */
  file?: string;
  /** How long PUBLIC_BASE_URL may take to answer. */
  urlTimeoutMs?: number;
  /** Warnings fail too. */
  strict?: boolean;
  /**
   * A policy requirement a2p-onboard does not fill is a warning instead of a failure: the operator has
   * checked that Twilio's evaluation accepts bundles without it. The pipeline always leaves such a
   * requirement to Twilio's evaluation; doctor fails on it by default because, before a real batch, an
   * unknown requirement most likely means every customer of that stage will be refused by the evaluation.
   */
  allowUnknownRequirements?: boolean;
}

/** The business identity 002's prerequisites demand of the ISV's primary profile ("ISV Reseller or Partner", 003's value). */
const ISV_IDENTITY = 'isv_reseller_or_partner';

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const twilioOk = await checkCredentials(input, checks);
  await checkAccountMode(input.config, twilioOk ? input.gateway : undefined, checks);
  if (twilioOk && input.gateway) {
    await checkPrimaryProfile(input.config, input.gateway, checks);
    await checkPolicies(input.config, input.gateway, checks, input.allowUnknownRequirements ?? false);
  } else {
    const why = `not checked: ${input.twilioSkipped ? 'Twilio was not asked' : 'the credentials check failed'}`;
    checks.push({ id: 'primary-profile', status: 'warn', summary: `ISV primary profile: ${why}` });
    checks.push({ id: 'policies', status: 'warn', summary: `Twilio policies: ${why}` });
  }
  await checkSenderNumbers(input, twilioOk ? input.gateway : undefined, checks);
  await checkPublicBaseUrl(input.config, input.urlTimeoutMs ?? 5_000, checks);
  await checkEventStreams(input.config, twilioOk ? input.gateway : undefined, input.redis, checks);
  await checkRedis(input, checks);
  const ok = checks.every((c) => c.status === 'ok' || (c.status === 'warn' && !input.strict));
  return { ok, checks };
}

/**
 * ACCOUNT_MODE, and with subaccounts whether TWILIO_ACCOUNT_SID can hold them: a subaccount cannot create
 * subaccounts, so the credentials must be the parent's.
 */
async function checkAccountMode(config: Config, gateway: TwilioGateway | undefined, checks: DoctorCheck[]): Promise<void> {
  if (config.ACCOUNT_MODE === 'single') {
    checks.push({ id: 'account-mode', status: 'ok', summary: `Account mode: single (every customer is registered in ${config.TWILIO_ACCOUNT_SID ?? 'TWILIO_ACCOUNT_SID'}; a row's account_sid is refused)` });
    return;
  }
  const budgets = `each subaccount at most ${config.SUBACCOUNT_MAX_RPS} requests/s, all together at most ${config.TWILIO_MAX_RPS}/s; brand and campaign registration ${config.REGISTRATION_RPS}/s for the whole parent`;
  const summary = `Account mode: subaccount (each customer in its own subaccount of ${config.TWILIO_ACCOUNT_SID ?? 'TWILIO_ACCOUNT_SID'}, or the one its account_sid names; ${budgets})`;
  if (!gateway || !config.TWILIO_ACCOUNT_SID) {
    checks.push({ id: 'account-mode', status: 'warn', summary: `${summary}: whether the account can hold subaccounts was not checked`, fix: 'fix the credentials and run doctor again' });
    return;
  }
  try {
    const self = await gateway.fetchSubaccount(config.TWILIO_ACCOUNT_SID);
    if (self?.ownerAccountSid && self.ownerAccountSid !== config.TWILIO_ACCOUNT_SID) {
      checks.push({
        id: 'account-mode',
        status: 'fail',
        summary: `${summary}: ${config.TWILIO_ACCOUNT_SID} is itself a subaccount of ${self.ownerAccountSid}, and a subaccount cannot create subaccounts`,
        fix: `set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to the parent account's (${self.ownerAccountSid}), or ACCOUNT_MODE=single`,
      });
      return;
    }
    checks.push({ id: 'account-mode', status: 'ok', summary });
  } catch (e) {
    checks.push({ id: 'account-mode', status: 'warn', summary: `${summary}: the account could not be read (${errText(e)})`, fix: 'run doctor again' });
  }
}

async function checkCredentials(input: DoctorInput, checks: DoctorCheck[]): Promise<boolean> {
  const { config, gateway } = input;
  if (input.twilioSkipped) {
    checks.push({ id: 'credentials', status: 'warn', summary: `Twilio credentials: not checked (${input.twilioSkipped})`, fix: 'fix the failure below and run doctor again' });
    return false;
  }
  if (!gateway || !config.TWILIO_ACCOUNT_SID) {
    checks.push({ id: 'credentials', status: 'fail', summary: 'Twilio credentials: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set', fix: "set them to the account's SID and auth token (Twilio Console, Account Info)" });
    return false;
  }
  try {
    await gateway.checkCredentials();
    checks.push({ id: 'credentials', status: 'ok', summary: `Twilio credentials: account ${config.TWILIO_ACCOUNT_SID} accepts them${config.TWILIO_API_BASE ? ` (at ${config.TWILIO_API_BASE})` : ''}` });
    return true;
  } catch (e) {
    const refused = e instanceof AuthError;
    checks.push({
      id: 'credentials',
      status: 'fail',
      summary: `Twilio credentials: ${refused ? `Twilio refused them for account ${config.TWILIO_ACCOUNT_SID}` : `the account could not be fetched (${errText(e)})`}`,
      fix: refused
        ? 'check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (the auth token of that same account; a rotated token must be replaced)'
        : `check the network path to Twilio${config.TWILIO_API_BASE ? ` and TWILIO_API_BASE (${config.TWILIO_API_BASE})` : ''}, then run doctor again`,
    });
    return false;
  }
}

async function checkPrimaryProfile(config: Config, gateway: TwilioGateway, checks: DoctorCheck[]): Promise<void> {
  const id = 'primary-profile';
  let sid: string;
  try {
    sid = await resolvePrimaryProfile(config, gateway);
  } catch (e) {
    checks.push({ id, status: 'fail', summary: `ISV primary profile: ${errText(e)}`, fix: e instanceof ConfigError ? 'get the primary profile approved in the Trust Hub (Twilio Console), or set ISV_PRIMARY_PROFILE_SID' : 'run doctor again; if it persists, check the account in the Twilio Console' });
    return;
  }
  const from = config.ISV_PRIMARY_PROFILE_SID ? 'ISV_PRIMARY_PROFILE_SID' : 'the one approved primary profile found';
  try {
    const profile = await gateway.fetchBundle('customerProfile', sid);
    if (profile.status !== 'twilio-approved') {
      checks.push({
        id,
        status: 'fail',
        summary: `ISV primary profile ${sid} (${from}) is ${profile.status}, not twilio-approved`,
        fix: "every Starter profile is assigned the ISV's primary profile and Twilio requires it approved: finish its review in the Trust Hub (Twilio Console), or set ISV_PRIMARY_PROFILE_SID to the approved one",
      });
      return;
    }
    const endUsers = await gateway.customerProfileEndUsers(sid);
    const info = endUsers.find((e) => e.type === 'customer_profile_business_information');
    const identity = info?.attributes['business_identity'];
    if (identity !== ISV_IDENTITY) {
      checks.push({
        id,
        status: 'fail',
        summary: `ISV primary profile ${sid} is approved, but its Business Identity is ${info ? `"${typeof identity === 'string' ? identity : String(identity)}"` : 'not given (no business information end user)'}, not "ISV Reseller or Partner" (${ISV_IDENTITY})`,
        fix: 'Twilio registers secondary profiles for customers only under a primary profile whose Business Identity is "ISV Reseller or Partner": change it in the Trust Hub (Twilio Console) and have it approved again',
      });
      return;
    }
    checks.push({ id, status: 'ok', summary: `ISV primary profile ${sid} (${from}): twilio-approved, Business Identity "ISV Reseller or Partner"` });
  } catch (e) {
    checks.push({ id, status: 'fail', summary: `ISV primary profile ${sid}: could not be read (${errText(e)})`, fix: 'check ISV_PRIMARY_PROFILE_SID: it must be a customer profile (BU...) of this account' });
  }
}

const ROLE_STAGE: Record<string, string> = { starter: 'starter-profile', soleProprietor: 'trust-bundle', business: 'business-profile', shakenStir: 'shaken-stir', a2pMessaging: 'a2p-profile' };
const ROLE_SETTING: Record<string, string> = { starter: 'STARTER_PROFILE_POLICY_SID', soleProprietor: 'SOLE_PROPRIETOR_POLICY_SID', business: 'SECONDARY_BUSINESS_POLICY_SID', shakenStir: 'SHAKEN_STIR_POLICY_SID', a2pMessaging: 'A2P_MESSAGING_POLICY_SID' };

async function checkPolicies(config: Config, gateway: TwilioGateway, checks: DoctorCheck[], allowUnknown: boolean): Promise<void> {
  const roles = policyRoles({
    starterPolicySid: config.STARTER_PROFILE_POLICY_SID,
    soleProprietorPolicySid: config.SOLE_PROPRIETOR_POLICY_SID,
    businessPolicySid: config.SECONDARY_BUSINESS_POLICY_SID,
    shakenStirPolicySid: config.SHAKEN_STIR_POLICY_SID,
    a2pMessagingPolicySid: config.A2P_MESSAGING_POLICY_SID,
  });
  for (const { role, policySid } of roles) {
    const id = `policy:${role}`;
    const what = `${PIPELINE_FILLS[role].label} policy ${policySid} (${ROLE_SETTING[role]}, stage ${ROLE_STAGE[role]})`;
    try {
      const policy = await gateway.fetchPolicy(policySid);
      const { unknown } = splitRequirements(policy.requirements, PIPELINE_FILLS[role]);
      if (unknown.length === 0) checks.push({ id, status: 'ok', summary: `${what}: every requirement is one a2p-onboard fills` });
      else {
        checks.push({
          id,
          status: allowUnknown ? 'warn' : 'fail',
          summary: `${what} ("${policy.friendlyName}") lists requirements a2p-onboard does not fill: ${unknown.map((u) => u.requirement).join(', ')}`,
          fix: `the workers leave them to Twilio's evaluation, which will likely refuse every bundle of this stage for them (${unknown.map((u) => u.detail).join('; ')}). Check the SID is the policy meant for this stage; if Twilio changed the policy, a2p-onboard needs an update before a batch. If you know Twilio accepts bundles without them, run doctor with --allow-unknown-requirements`,
        });
      }
    } catch (e) {
      checks.push({ id, status: 'fail', summary: `${what}: could not be fetched (${errText(e)})`, fix: `check ${ROLE_SETTING[role]}: it must be a Trust Hub policy SID (RN...) Twilio serves` });
    }
  }
}

/** Numbers the CSV names for sending (and the business flow's numbers), with the rows naming each. */
async function numbersOfCsv(file: string): Promise<{ numbers: Map<string, number[]>; invalid: { row: number; column: string }[]; columns: string[] }> {
  // Streamed: a customers CSV may hold a million rows.
  const parser = createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  let header: string[] | null = null;
  let wanted: string[] = [];
  const numbers = new Map<string, number[]>();
  const invalid: { row: number; column: string }[] = [];
  let row = 1;
  for await (const r of parser as AsyncIterable<string[]>) {
    if (header === null) {
      header = r.map((h) => h.trim().toLowerCase());
      wanted = ['sender_number', 'phone_numbers'].filter((c) => header!.includes(c));
      continue;
    }
    row += 1;
    for (const column of wanted) {
      const cell = (r[header.indexOf(column)] ?? '').trim();
      if (cell === '') continue;
      for (const part of cell.split(/[;,]/).map((p) => p.trim()).filter((p) => p !== '')) {
        // The same rules ingest applies to these columns, so doctor checks exactly the numbers ingest would keep.
        const n = normalizePhone(part, { kind: 'any' });
        if (!n.ok) invalid.push({ row, column });
        else numbers.set(n.e164, [...(numbers.get(n.e164) ?? []), row]);
      }
    }
  }
  return { numbers, invalid, columns: wanted };
}

async function checkSenderNumbers(input: DoctorInput, gateway: TwilioGateway | undefined, checks: DoctorCheck[]): Promise<void> {
  const id = 'sender-numbers';
  if (!input.file) {
    checks.push({ id, status: 'warn', summary: 'Sender numbers: not checked (no CSV given)', fix: 'run `a2p-onboard doctor --file CUSTOMERS.csv` to check that the account owns every number the CSV names' });
    return;
  }
  let found: Awaited<ReturnType<typeof numbersOfCsv>>;
  try {
    found = await numbersOfCsv(input.file);
  } catch (e) {
    checks.push({ id, status: 'fail', summary: `Sender numbers: ${input.file} could not be read (${errText(e)})`, fix: 'give a readable customers CSV' });
    return;
  }
  if (found.columns.length === 0) {
    checks.push({ id, status: 'ok', summary: `Sender numbers: ${input.file} names none (no sender_number or phone_numbers column)` });
    return;
  }
  if (!gateway) {
    checks.push({ id, status: 'warn', summary: `Sender numbers: ${found.numbers.size} in ${input.file}, not checked: the credentials check failed` });
    return;
  }
  const notOwned: string[] = [];
  try {
    for (const [e164, rows] of found.numbers) {
      if ((await gateway.findIncomingPhoneNumber(e164)) === null) notOwned.push(`${maskPhone(e164)} (row${rows.length > 1 ? 's' : ''} ${rows.join(', ')})`);
    }
  } catch (e) {
    checks.push({ id, status: 'fail', summary: `Sender numbers: the account's numbers could not be listed (${errText(e)})`, fix: 'run doctor again' });
    return;
  }
  const invalid = found.invalid.map((x) => `row ${x.row} ${x.column}`);
  if (notOwned.length) {
    checks.push({
      id,
      status: 'fail',
      summary: `Sender numbers: ${notOwned.length} of ${found.numbers.size} in ${input.file} ${notOwned.length > 1 ? 'are' : 'is'} not a number of account ${input.config.TWILIO_ACCOUNT_SID ?? ''}: ${notOwned.join('; ')}`,
      fix: 'buy or port each number into this account (Phone Numbers in the Twilio Console), or correct the CSV; a number the account does not own cannot send for the customer',
    });
  } else if (invalid.length) {
    checks.push({ id, status: 'warn', summary: `Sender numbers: the ${found.numbers.size} valid ones are the account's; not phone numbers: ${invalid.join(', ')}`, fix: 'correct them (E.164 such as +14155550100, or a 10-digit US/Canadian number); ingest refuses those rows' });
  } else {
    checks.push({ id, status: 'ok', summary: `Sender numbers: all ${found.numbers.size} in ${input.file} are numbers of this account` });
  }
}

async function checkPublicBaseUrl(config: Config, timeoutMs: number, checks: DoctorCheck[]): Promise<void> {
  const id = 'public-base-url';
  const base = config.PUBLIC_BASE_URL;
  if (!base) {
    checks.push({
      id,
      status: 'warn',
      summary: "PUBLIC_BASE_URL: not set, so Twilio's status callbacks are off",
      fix: "set it to the dashboard's public HTTPS address: a rejection then reaches the customer at once, with Twilio's detailed reason (002 §1.2: only callbacks carry it)",
    });
    return;
  }
  const url = new URL(base);
  if (url.protocol !== 'https:') {
    checks.push({ id, status: 'fail', summary: `PUBLIC_BASE_URL ${base} is not HTTPS`, fix: 'Twilio posts status callbacks with the auth token\'s signature: serve the dashboard behind HTTPS and set the https:// address' });
    return;
  }
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    checks.push({ id, status: 'ok', summary: `PUBLIC_BASE_URL ${base} answers (HTTP ${res.status})` });
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : errText(e);
    checks.push({ id, status: 'fail', summary: `PUBLIC_BASE_URL ${base} does not answer within ${timeoutMs} ms (${cause})`, fix: 'start the dashboard and make it reachable at that address from the internet (valid TLS certificate), or unset PUBLIC_BASE_URL' });
  }
}

/**
 * Event Streams: with EVENT_STREAMS on, waits back off to a day and rely on events to move at once,
 * so a missing or misdirected sink means customers noticed up to a day late: a failure. Off, the
 * sweeps do the work (noticed up to SWEEP_MAX_INTERVAL_MS late): a warning when the deployment
 * could receive events (PUBLIC_BASE_URL is set).
 */
async function checkEventStreams(config: Config, gateway: TwilioGateway | undefined, redis: RedisClient | undefined, checks: DoctorCheck[]): Promise<void> {
  const id = 'event-streams';
  const url = eventsSinkUrl(config);
  if (!config.EVENT_STREAMS) {
    if (url) {
      checks.push({
        id,
        status: 'warn',
        summary: `Event Streams: off, so campaign approvals and brand decisions are noticed by sweeps, up to ${Math.round(config.SWEEP_MAX_INTERVAL_MS / 60_000)} min late`,
        fix: `run \`a2p-onboard events setup --sink-url ${url}\`, then set EVENT_STREAMS=true`,
      });
    } else {
      checks.push({ id, status: 'ok', summary: 'Event Streams: off (they need PUBLIC_BASE_URL); sweeps notice Twilio\'s decisions' });
    }
    return;
  }
  if (!url) {
    checks.push({ id, status: 'fail', summary: 'Event Streams: EVENT_STREAMS is on but PUBLIC_BASE_URL is not set, so Twilio has nowhere to deliver', fix: 'set PUBLIC_BASE_URL to the dashboard\'s public HTTPS address and run `a2p-onboard events setup`, or set EVENT_STREAMS=false' });
    return;
  }
  if (!gateway) {
    checks.push({ id, status: 'warn', summary: 'Event Streams: not checked (Twilio was not asked)' });
    return;
  }
  try {
    const c = await checkEvents(gateway, url);
    if (!c.ok) {
      checks.push({ id, status: 'fail', summary: c.summary, ...(c.fix ? { fix: c.fix } : {}) });
      return;
    }
    // Each customer subaccount has its own sink (Twilio's are per account): look at a few, not thousands.
    const sampled = redis ? await sampleSubaccounts(config, redis, gateway, url, SUBACCOUNT_SAMPLE) : [];
    const missing = sampled.filter((x) => !x.ok);
    if (missing.length) {
      checks.push({ id, status: 'fail', summary: `${c.summary}; but ${missing.length} of ${sampled.length} customer subaccounts looked at lack theirs (${missing.map((x) => `${x.account}: ${x.summary}`).join('; ')})`, fix: `run \`a2p-onboard events setup --sink-url ${url}\` (it sets up the parent and every customer subaccount)` });
      return;
    }
    checks.push({ id, status: 'ok', summary: sampled.length ? `${c.summary}; ${sampled.length} customer subaccount(s) looked at have theirs too` : c.summary });
  } catch (e) {
    checks.push({ id, status: 'fail', summary: `Event Streams: the sinks could not be read (${errText(e)})`, fix: 'run doctor again; if it persists, check the account in the Twilio Console' });
  }
}

const SUBACCOUNT_SAMPLE = 5;

/** The events set-up of up to `n` customer subaccounts the ledger records. */
async function sampleSubaccounts(config: Config, redis: RedisClient, parent: TwilioGateway, url: string, n: number): Promise<{ account: string; ok: boolean; summary: string }[]> {
  const accounts = createAccountGateways(config, redis, parent);
  const out: { account: string; ok: boolean; summary: string }[] = [];
  for await (const page of new Ledger(redis, config.QUEUE_PREFIX).subaccounts(n)) {
    for (const sid of page) {
      if (out.length >= n) return out;
      try {
        const c = await checkEvents(await accounts.gatewayFor(sid), url);
        out.push({ account: sid, ok: c.ok, summary: c.summary });
      } catch (e) {
        out.push({ account: sid, ok: false, summary: errText(e) });
      }
    }
  }
  return out;
}

/** `CONFIG GET name` as a value, or null when Redis refuses CONFIG (managed Redis). */
async function configGet(redis: RedisClient, name: string): Promise<string | null> {
  const reply: unknown = await redis.call('CONFIG', 'GET', name);
  return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : null;
}

function infoField(info: string, name: string): string | null {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  return m ? m[1]!.trim() : null;
}

async function checkRedis(input: DoctorInput, checks: DoctorCheck[]): Promise<void> {
  const id = 'redis';
  const { redis } = input;
  if (!redis) {
    checks.push({ id, status: 'fail', summary: `Redis at REDIS_URL: not reachable (${input.redisError ?? 'unknown error'})`, fix: 'start Redis or correct REDIS_URL' });
    return;
  }
  let appendonly: string | null;
  let save: string | null = null;
  let policy: string | null;
  let via = 'CONFIG GET';
  try {
    appendonly = await configGet(redis, 'appendonly');
    save = await configGet(redis, 'save');
    policy = await configGet(redis, 'maxmemory-policy');
  } catch {
    // Managed Redis often renames or forbids CONFIG: INFO says most of it.
    via = 'INFO';
    try {
      const persistence = String(await redis.info('persistence'));
      const memory = String(await redis.info('memory'));
      appendonly = infoField(persistence, 'aof_enabled') === '1' ? 'yes' : null;
      policy = infoField(memory, 'maxmemory_policy');
    } catch (e) {
      checks.push({
        id,
        status: 'warn',
        summary: `Redis: CONFIG and INFO are refused (${errText(e)}), so persistence and eviction could not be checked`,
        fix: "verify by hand in the provider's settings: persistence on (AOF, or RDB snapshots) and maxmemory-policy noeviction; without them a restart or memory pressure loses queued jobs and the ledger",
      });
      return;
    }
  }
  const persistent = appendonly === 'yes' || (save !== null && save.trim() !== '');
  // Through INFO only AOF can be seen: RDB snapshots may be on without showing.
  const persistenceUnknown = !persistent && via === 'INFO';
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!persistent) {
    if (persistenceUnknown) {
      checks.push({ id: 'redis-persistence', status: 'warn', summary: 'Redis persistence: CONFIG is refused and INFO shows AOF off; RDB snapshots could not be checked', fix: "verify by hand in the provider's settings that persistence is on (AOF preferred)" });
    } else {
      problems.push(`persistence is off (appendonly ${appendonly ?? '?'}, save "${save ?? ''}")`);
      fixes.push('turn persistence on: appendonly yes (AOF, e.g. `redis-server --appendonly yes`, as docker-compose.yml does) or RDB snapshots (save)');
    }
  }
  if (policy === null) checks.push({ id: 'redis-eviction', status: 'warn', summary: `Redis maxmemory-policy: could not be read (${via})`, fix: "verify by hand that it is noeviction" });
  else if (policy !== 'noeviction') {
    problems.push(`maxmemory-policy is ${policy}, not noeviction`);
    fixes.push('set maxmemory-policy noeviction: with eviction, Redis drops queued jobs and ledger entries under memory pressure');
  }
  if (problems.length) checks.push({ id, status: 'fail', summary: `Redis: ${problems.join('; ')}`, fix: fixes.join('; ') });
  else {
    const persistence = persistenceUnknown ? 'persistence not visible (see above)' : `persistence on (${appendonly === 'yes' ? 'AOF' : 'RDB snapshots'}${via === 'INFO' ? ', from INFO' : ''})`;
    checks.push({ id, status: 'ok', summary: `Redis: ${persistence}, maxmemory-policy ${policy ?? 'not visible (see above)'}` });
  }
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** The checklist as printed: one line per check, what to do indented under failures and warnings. */
export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${MARK[c.status]} ${c.summary}`);
    if (c.fix && c.status !== 'ok') lines.push(`    → ${c.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const warned = report.checks.filter((c) => c.status === 'warn').length;
  lines.push('');
  const warnings = `${warned} warning${warned === 1 ? '' : 's'}`;
  if (report.ok) lines.push(`Ready: nothing failed${warned ? ` (${warnings} to read)` : ''}.`);
  else if (failed === 0) lines.push(`Not ready (--strict): ${warnings}.`);
  else lines.push(`Not ready: ${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warnings}` : ''}. Fix ${failed === 1 ? 'it' : 'them'} before the first batch.`);
  return lines.join('\n');
}

export interface DoctorCommandOptions {
  file?: string;
  json?: boolean;
  strict?: boolean;
  allowUnknownRequirements?: boolean;
}

/** The CLI command: settings from the environment, prints the checklist (or JSON); returns the exit status (0 ready, 1 not). */
export async function runDoctorCommand(o: DoctorCommandOptions, env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const config = loadConfig(env);
  const redis = connectRedis(config.REDIS_URL, { maxRetriesPerRequest: 1, retryStrategy: (n: number) => (n > 2 ? null : 200 * n) });
  redis.on('error', () => undefined);
  let redisError: string | undefined;
  try {
    await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5_000).unref())]);
  } catch (e) {
    redisError = errText(e);
  }
  try {
    const hasCredentials = !!(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN);
    const twilioSkipped = hasCredentials && redisError ? 'Redis is unreachable and holds the shared Twilio request budget' : undefined;
    const gateway = hasCredentials && !redisError ? createGateway(config, redis) : undefined;
    const report = await runDoctor({ config, gateway, twilioSkipped, redis: redisError ? undefined : redis, redisError, file: o.file, strict: o.strict ?? false, allowUnknownRequirements: o.allowUnknownRequirements ?? false });
    out(o.json ? `${JSON.stringify(report)}\n` : `${formatDoctor(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
