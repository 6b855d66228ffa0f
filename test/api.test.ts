import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { runCli } from '../scripts/built-cli.js';
import { createLogger } from '../src/log.js';
import { ApiKeys } from '../src/server/api/keys.js';
import { openApiDocument } from '../src/server/api/openapi.js';
import { startDashboard, type Dashboard } from '../src/server/dashboard.js';
import { STATUS_WEBHOOK_PATH } from '../src/server/webhook.js';
import { webhookOptions } from '../src/workers/runtime.js';
import { customerFields } from '../fixtures/customers.js';
import { csv, row, startStack, stopTestRedis, templateFile, waitForState, type Stack } from './helpers.js';

/**
 * The HTTP API at /api/v1 as the ISV's product uses it, against the real stack (Redis, sandbox,
 * workers), plus the protections of every page of the server. Every answer the API gives here is
 * recorded and, in the last test, checked against the OpenAPI document it serves.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const user = 'ops';
const password = 'dashboard-pass';
const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const MAX_CSV = 4_000;

let stack: Stack;
let dash: Dashboard;
let key: string;
let keys: ApiKeys;
/** What the API and the ingest behind it log. */
const logLines: string[] = [];
const log = createLogger('debug', new Writable({ write: (c: Buffer, _e, cb) => { logLines.push(c.toString()); cb(); } }));

interface Recorded {
  method: string;
  path: string;
  status: number;
  body: unknown;
}
const recorded: Recorded[] = [];

/** One API call; the answer is recorded for the OpenAPI check. */
async function api(method: string, path: string, opts: { key?: string | null; body?: unknown; csv?: string; headers?: Record<string, string>; base?: string } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  const k = opts.key === undefined ? key : opts.key;
  if (k !== null) headers['authorization'] = `Bearer ${k}`;
  let body: string | undefined;
  if (opts.csv !== undefined) {
    headers['content-type'] = 'text/csv';
    body = opts.csv;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(`${opts.base ?? dash.url}/api/v1${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${method} ${path} answers JSON`);
  const json: unknown = await res.json();
  recorded.push({ method, path: path.replace(/\?.*$/, ''), status: res.status, body: json });
  return { status: res.status, headers: res.headers, body: json as Record<string, unknown> & { error?: { code: string; message: string; field?: string } } };
}

let n = 7000;
/** A valid Sole Proprietor customer as JSON (campaign fields from API_CAMPAIGN_TEMPLATE). */
function customer(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return { ...customerFields(id, n), ...over };
}

before(async () => {
  stack = await startStack();
  dash = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    user,
    password,
    queues: stack.rt.queues,
    ledger: stack.rt.ledger,
    webhook: webhookOptions(stack.config, stack.rt.ledger, stack.rt.log),
    authFailureDelayMs: 400,
    log,
    api: { maxCsvBytes: MAX_CSV, rateLimitPerMinute: 1_000, templatePath: templateFile() },
  });
  keys = new ApiKeys(stack.rt.redis, stack.config.QUEUE_PREFIX);
  key = (await keys.create('tests')).key;
});

after(async () => {
  await dash?.close();
  await stack?.close();
  await stopTestRedis();
});

describe('HTTP API', () => {
  it('takes API keys only: none, a wrong one, a revoked one and the dashboard password get 401 JSON', async () => {
    assert.equal((await api('GET', '/customers/nobody')).status, 404, 'a good key gets through');
    const none = await api('GET', '/customers/nobody', { key: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error?.code, 'unauthorized');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(none.headers.get('cache-control'), 'no-store');
    const wrong = await api('GET', '/customers/nobody', { key: key.slice(0, -4) + 'AAAA' });
    assert.equal(wrong.status, 401);
    assert.equal((await api('GET', '/customers/nobody', { key: 'not-a-key' })).status, 401);
    const withBasic = await api('GET', '/customers/nobody', { key: null, headers: { authorization: basic } });
    assert.equal(withBasic.status, 401, 'the dashboard password does not open the API');

    const other = await keys.create('to revoke');
    assert.equal((await api('GET', '/customers/nobody', { key: other.key })).status, 404);
    await keys.revoke(other.id);
    const revoked = await api('GET', '/customers/nobody', { key: other.key });
    assert.equal(revoked.status, 401);
    assert.match(revoked.body.error?.message ?? '', /wrong or revoked/);
    assert.deepEqual((await keys.list()).map((k) => [k.name, k.revokedAt !== null]).slice(0, 2), [['tests', false], ['to revoke', true]]);
    const stored = JSON.stringify(await stack.rt.redis.hgetall(`${stack.config.QUEUE_PREFIX}:api:keys`));
    assert.ok(!stored.includes(other.key) && !stored.includes(key), 'Redis holds hashes, never the keys');

    const page = await fetch(`${dash.url}/batches`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(page.status, 401, 'an API key does not open the dashboard pages');
  });

  it('creates, lists and revokes keys with the api-key commands; the key is printed once', async () => {
    const env = { ...process.env, REDIS_URL: stack.config.REDIS_URL, QUEUE_PREFIX: stack.config.QUEUE_PREFIX, LOG_LEVEL: 'silent' };
    const created = await runCli(env, 'api-key', 'create', '--name', 'from the CLI', '--json');
    assert.equal(created.status, 0, created.stderr);
    const k = JSON.parse(created.stdout) as { id: string; name: string; key: string };
    assert.deepEqual(Object.keys(k).sort(), ['id', 'key', 'name']);
    assert.equal(k.name, 'from the CLI');
    assert.equal((await api('GET', '/customers/nobody', { key: k.key })).status, 404, 'the printed key works');
    const list = await runCli(env, 'api-key', 'list', '--json');
    assert.equal(list.status, 0, list.stderr);
    assert.ok(!list.stdout.includes(k.key), 'list never shows a key');
    assert.ok((JSON.parse(list.stdout) as { id: string }[]).some((x) => x.id === k.id));
    const revoked = await runCli(env, 'api-key', 'revoke', k.id);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((await api('GET', '/customers/nobody', { key: k.key })).status, 401, 'revoked at once');
    const unknown = await runCli(env, 'api-key', 'revoke', 'k0000000000000000');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no API key k0000000000000000/);
    const noName = await runCli(env, 'api-key', 'create', '--name', ' ');
    assert.equal(noName.status, 2);
    assert.match(noName.stderr, /name is empty/);
  });

  it('registers a customer once when the same Idempotency-Key is sent twice, with the same answer', async () => {
    const idem = randomUUID();
    const body = customer('api-idem-1');
    const first = await api('POST', '/customers', { body, headers: { 'idempotency-key': idem } });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body['customer_id'], 'api-idem-1');
    assert.equal(first.body['state'], 'in_progress');
    assert.match(String(first.body['batch_id']), /^api-\d{4}-\d{2}-\d{2}$/, 'the daily default batch');
    const second = await api('POST', '/customers', { body, headers: { 'idempotency-key': idem } });
    assert.equal(second.status, first.status);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    const batch = String(first.body['batch_id']);
    assert.equal(await stack.rt.ledger.batchSize(batch), 1, 'the customer exists once');
    const history = await stack.rt.ledger.history('api-idem-1');
    assert.equal(history.filter((h) => /accepted in batch/.test(h.event)).length, 1);

    const reused = await api('POST', '/customers', { body: customer('api-idem-2'), headers: { 'idempotency-key': idem } });
    assert.equal(reused.status, 422, 'the key with another body is refused');
    assert.equal(reused.body.error?.field, 'Idempotency-Key');
    assert.equal(await stack.rt.ledger.exists('api-idem-2'), false);
  });

  it('keeps one customer when requests for it race: the same Idempotency-Key, or the same id with other data', async () => {
    const idem = randomUUID();
    const body = customer('api-race-1');
    const both = await Promise.all([0, 1].map(() => api('POST', '/customers', { body, headers: { 'idempotency-key': idem } })));
    const statuses = both.map((r) => r.status).sort();
    assert.ok(statuses[0] === 201 && (statuses[1] === 201 || statuses[1] === 409), `answers ${statuses.join(', ')}`);
    assert.ok(await stack.rt.ledger.exists('api-race-1'));
    assert.equal((await stack.rt.ledger.history('api-race-1')).filter((h) => /accepted in batch/.test(h.event)).length, 1);

    const a = customer('api-race-2');
    const racing = await Promise.all([api('POST', '/customers', { body: a }), api('POST', '/customers', { body: { ...a, last_name: 'Other' } })]);
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, 409], 'one is registered, the other told it conflicts');
  });

  it('refuses a bad field with 400 naming it, exactly as the CSV row would be', async () => {
    const bad = await api('POST', '/customers', { body: customer('api-bad-1', { email: 'not-an-email' }) });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.code, 'invalid_field');
    assert.equal(bad.body.error?.field, 'email');
    assert.match(bad.body.error?.message ?? '', /^email: /);
    const unknown = await api('POST', '/customers', { body: customer('api-bad-2', { favourite_colour: 'blue' }) });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error?.field, 'favourite_colour');
    const missing = await api('POST', '/customers', { body: customer('api-bad-3', { street: undefined }) });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error?.field, 'street');
    assert.match(missing.body.error?.message ?? '', /street: is required/);
    const notJson = await api('POST', '/customers', { body: '{"customer_id": ' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error?.field, '(body)');
    const notAList = await api('POST', '/customers', { body: customer('api-bad-4', { city: ['a', 'b'] }) });
    assert.equal(notAList.status, 400);
    assert.equal(notAList.body.error?.field, 'city');
    for (const id of ['api-bad-1', 'api-bad-2', 'api-bad-3', 'api-bad-4']) assert.equal(await stack.rt.ledger.exists(id), false);

    // The same customer in a CSV is refused for the same column.
    const report = await api('POST', '/batches?dryRun=true', { csv: csv(row('api-bad-csv', { email: 'not-an-email' })) });
    assert.deepEqual((report.body['rejected'] as { field: string }[]).map((r) => r.field), ['email']);
  });

  it('takes JSON types (true/false, lists) and the CSV spellings, into a named batch', async () => {
    const campaign = {
      campaign_description: 'Order updates from Kim Studio to customers who bought online and asked for texts.',
      message_flow: 'Customers opt in by ticking an unticked SMS box at checkout on the Kim Studio site; terms are linked there.',
      message_samples: ['Kim Studio: your order shipped. Reply STOP to opt out.', 'Kim Studio: your order arrives today. Reply HELP for help.'],
      has_embedded_links: false,
      has_embedded_phone: 'no',
      opt_out_keywords: ['STOP', 'END'],
      opt_out_message: 'Kim Studio: you are unsubscribed and will get no more texts.',
      privacy_policy_url: 'https://isv.example.com/privacy/api-types',
      terms_and_conditions_url: 'https://isv.example.com/terms/api-types',
    };
    const res = await api('POST', '/customers', { body: customer('api-types', { ...campaign, batch: 'api-named', postal_code: 94105 }) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body['batch_id'], 'api-named');
    const stored = await stack.rt.ledger.getCustomer('api-types');
    assert.equal(stored.campaign.hasEmbeddedLinks, false);
    assert.deepEqual(stored.campaign.optOutKeywords, ['STOP', 'END']);
    assert.equal(stored.campaign.messageSamples.length, 2);
  });

  it('answers 409 for a customer_id that exists with other data, and the customer for a repeat of the same data', async () => {
    const body = customer('api-conflict');
    assert.equal((await api('POST', '/customers', { body })).status, 201);
    const same = await api('POST', '/customers', { body });
    assert.equal(same.status, 200, 'the same data again: the customer, not a second registration');
    assert.equal(same.body['customer_id'], 'api-conflict');
    const other = await api('POST', '/customers', { body: { ...body, last_name: 'Other' } });
    assert.equal(other.status, 409);
    assert.equal(other.body.error?.code, 'customer_exists');
    assert.equal(other.body.error?.field, 'customer_id');
    assert.match(other.body.error?.message ?? '', /already exists with different data/);
  });

  it('shows a customer: state, stage, reason, action, Twilio statuses, SIDs and fees so far', async () => {
    assert.equal((await api('POST', '/customers', { body: customer('api-live') })).status, 201);
    await waitForState(stack.rt.ledger, 'api-live', ['live'], 60_000);
    const res = await api('GET', '/customers/api-live');
    assert.equal(res.status, 200);
    assert.equal(res.body['state'], 'live');
    const sids = res.body['sids'] as Record<string, string>;
    assert.match(sids['brand'] ?? '', /^BN/);
    assert.match(sids['campaign'] ?? '', /^QE/);
    assert.notEqual((res.body['fees'] as { total_usd: string }).total_usd, '0.00', 'the brand fee is counted');
    assert.equal(typeof res.body['twilio_statuses'], 'object');
    const missing = await api('GET', '/customers/nobody-here');
    assert.equal(missing.status, 404);
    assert.equal((await api('GET', '/customers/bad%20id')).status, 400);
  });

  it('checks a CSV with dryRun=true without enqueuing, ingests it, and pages through the batch', async () => {
    const text = csv(row('api-b-1'), row('api-b-2', { email: 'broken' }), row('api-b-3'), row('api-b-4'));
    const dry = await api('POST', '/batches?batch=api-csv&dryRun=true', { csv: text });
    assert.equal(dry.status, 200);
    assert.equal(dry.body['dry_run'], true);
    assert.equal(dry.body['accepted'], 3);
    assert.deepEqual(dry.body['rejected'], [{ row: 3, customer_id: 'api-b-2', field: 'email', reason: (dry.body['rejected'] as { reason: string }[])[0]!.reason }]);
    assert.match((dry.body['rejected'] as { reason: string }[])[0]!.reason, /^email: /);
    assert.equal(await stack.rt.ledger.exists('api-b-1'), false, 'nothing was enqueued');
    assert.equal((await api('GET', '/batches/api-csv')).status, 404);

    const real = await api('POST', '/batches?batch=api-csv', { csv: text });
    assert.equal(real.status, 201);
    assert.equal(real.body['accepted'], 3);
    const batch = await api('GET', '/batches/api-csv');
    assert.equal(batch.status, 200);
    assert.equal(batch.body['total'], 4);
    assert.equal((batch.body['counts'] as Record<string, number>)['invalid'], 1);

    const seen: (string | null)[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = await api('GET', `/batches/api-csv/customers?offset=${offset}&limit=3`);
      assert.equal(page.status, 200);
      assert.equal(page.body['total'], 4);
      seen.push(...(page.body['data'] as { customer_id: string | null }[]).map((c) => c.customer_id));
      offset = page.body['next_offset'] as number | null;
    }
    assert.deepEqual(seen, ['api-b-1', 'api-b-3', 'api-b-4', 'api-b-2'], 'accepted in row order, then the refused row');
    const badPage = await api('GET', '/batches/api-csv/customers?limit=0');
    assert.equal(badPage.status, 400);
    assert.equal(badPage.body.error?.field, 'limit');
    const header = await api('POST', '/batches?dryRun=true', { csv: 'name,phone\nx,y\n' });
    assert.equal(header.status, 400);
    assert.equal(header.body.error?.code, 'invalid_csv');
  });

  it('answers 413 JSON for bodies over the limits, and 413 (not 500) for a 5 MB POST to the status webhook', async () => {
    const big = csv(...Array.from({ length: 60 }, (_, i) => row(`api-big-${i}`)));
    assert.ok(big.length > MAX_CSV);
    const csvTooBig = await api('POST', '/batches?dryRun=true', { csv: big });
    assert.equal(csvTooBig.status, 413);
    assert.equal(csvTooBig.body.error?.code, 'body_too_large');
    const jsonTooBig = await api('POST', '/customers', { body: customer('api-huge', { street: 'x'.repeat(70_000) }) });
    assert.equal(jsonTooBig.status, 413);
    const five = 'a='.concat('x'.repeat(5 * 1024 * 1024));
    const hook = await fetch(`${dash.url}${STATUS_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: five });
    assert.equal(hook.status, 413);
    const hookRaw = await fetch(`${dash.url}${STATUS_WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(5 * 1024 * 1024) });
    assert.ok(hookRaw.status < 500, `a 5 MB body of another type gets ${hookRaw.status}`);
  });

  it('limits requests per API key (429 with Retry-After), each key on its own', async () => {
    const limited = await startDashboard({ host: '127.0.0.1', port: 0, user, password, queues: stack.rt.queues, ledger: stack.rt.ledger, api: { rateLimitPerMinute: 3 } });
    try {
      const k1 = (await keys.create('rate 1')).key;
      const k2 = (await keys.create('rate 2')).key;
      for (let i = 0; i < 3; i++) assert.equal((await api('GET', '/customers/nobody', { key: k1, base: limited.url })).status, 404);
      const over = await api('GET', '/customers/nobody', { key: k1, base: limited.url });
      assert.equal(over.status, 429);
      assert.equal(over.body.error?.code, 'rate_limited');
      assert.ok(Number(over.headers.get('retry-after')) > 0);
      assert.equal((await api('GET', '/customers/nobody', { key: k2, base: limited.url })).status, 404, 'another key is not limited');
    } finally {
      await limited.close();
    }
  });

  it('answers every page with security headers: a CSP, no framing, no sniffing', async () => {
    for (const [path, auth] of [['/batches', basic], ['/admin/queues', basic], ['/healthz', undefined], ['/api/v1/openapi.json', undefined]] as const) {
      const res = await fetch(`${dash.url}${path}`, { headers: auth ? { authorization: auth } : {} });
      assert.equal(res.status, 200, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/, `${path}: ${csp}`);
      assert.match(csp, /script-src 'self'/, path);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
  });

  it('slows down wrong dashboard passwords per address, never the right one', async () => {
    const wrong = `Basic ${Buffer.from(`${user}:guess`).toString('base64')}`;
    const timed = async (auth: string) => {
      const t = Date.now();
      const res = await fetch(`${dash.url}/batches`, { headers: { authorization: auth } });
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - t };
    };
    const a = await timed(wrong);
    const b = await timed(wrong);
    assert.equal(a.status, 401);
    assert.ok(a.ms >= 400, `first wrong attempt answered after ${a.ms} ms`);
    assert.ok(b.ms >= 800, `second wrong attempt answered after ${b.ms} ms`);
    const right = await timed(basic);
    assert.equal(right.status, 200);
    assert.ok(right.ms < 1200, `the right password is not delayed (${right.ms} ms; a third wrong one would wait 1200)`);
  });

  it('logs the requests without personal data or keys', () => {
    const text = logLines.join('');
    assert.match(text, /customer accepted through the API/);
    assert.match(text, /api-idem-1/, 'customer ids are logged');
    for (const pii of ['@example.com', 'Dana', 'Lopez', 'Market St', '555', key]) assert.ok(!text.includes(pii), `the logs hold ${pii}`);
  });

  it('gave only answers its OpenAPI document describes', async () => {
    const served = await api('GET', '/openapi.json', { key: null });
    assert.deepEqual(served.body, JSON.parse(JSON.stringify(openApiDocument())));
    const check = validator(served.body);
    const problems = recorded.flatMap((r) => check(r));
    assert.deepEqual(problems, []);
    assert.ok(recorded.length > 30, `${recorded.length} answers checked`);
    const statuses = new Set(recorded.map((r) => r.status));
    for (const s of [200, 201, 400, 401, 404, 409, 413, 422, 429]) assert.ok(statuses.has(s), `an answer with status ${s} was checked`);
    // The check can fail: an undocumented status and a body of the wrong shape are both caught.
    assert.equal(check({ method: 'GET', path: '/customers/x', status: 418, body: {} }).length, 1);
    assert.equal(check({ method: 'GET', path: '/customers/x', status: 200, body: { customer_id: 'x' } }).length, 1);
    assert.equal(check({ method: 'GET', path: '/batches/x', status: 404, body: { error: { code: 'x' } } }).length, 1);
  });
});

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref: string } }> }> }>>; components: { responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> } };

/** Checks one recorded answer against the document: its path, method and status are documented, its body matches the schema. */
function validator(raw: unknown): (r: Recorded) => string[] {
  const doc = raw as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(raw as object, 'openapi.json');
  const routes = Object.keys(doc.paths).map((p) => ({ p, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));
  return (r) => {
    const route = routes.find((x) => x.re.test(r.path));
    if (!route) return [`${r.method} ${r.path}: no such path in the document`];
    const op = doc.paths[route.p]![r.method.toLowerCase()];
    if (!op) return [`${r.method} ${route.p}: method not documented`];
    let response = op.responses[String(r.status)];
    if (!response) return [`${r.method} ${route.p}: status ${r.status} not documented`];
    if (response.$ref) response = doc.components.responses[response.$ref.replace('#/components/responses/', '')]!;
    const ref = response.content?.['application/json']?.schema.$ref;
    if (!ref) return [`${r.method} ${route.p} ${r.status}: no JSON schema`];
    const validate = ajv.compile({ $ref: `openapi.json${ref}` });
    return validate(r.body) ? [] : [`${r.method} ${route.p} ${r.status}: ${ajv.errorsText(validate.errors)}`];
  };
}
