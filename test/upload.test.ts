import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDashboard, type Dashboard } from '../src/server/dashboard.js';
import { TEMPLATE, csv, row, startStack, stopTestRedis, waitFor, type Stack } from './helpers.js';

/**
 * The upload page over plain HTTP (the browser's view is in test/upload-browser.test.ts): what it refuses.
 * Cross-site POSTs and POSTs without this form's token get 403 and leave nothing behind; a file over
 * UPLOAD_MAX_BYTES gets 413; a previewed file queues nothing until Confirm, which starts the batch once.
 */

const MAX = 16 * 1024;
const user = 'ops';
const password = randomBytes(12).toString('base64url');
const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let stack: Stack;
let dash: Dashboard;
let templatesDir: string;

before(async () => {
  stack = await startStack({ workers: false });
  templatesDir = mkdtempSync(join(tmpdir(), 'a2p-templates-'));
  writeFileSync(join(templatesDir, 'reminders.json'), JSON.stringify(TEMPLATE));
  dash = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    user,
    password,
    queues: stack.rt.queues,
    ledger: stack.rt.ledger,
    upload: { maxBytes: MAX, expiryMs: 60_000, templatesDir },
  });
});

after(async () => {
  await dash?.close();
  await stack?.close();
  await stopTestRedis();
});

async function formToken(): Promise<string> {
  const res = await fetch(`${dash.url}/upload`, { headers: { authorization: auth } });
  assert.equal(res.status, 200);
  const m = /name="csrf" value="([^"]+)"/.exec(await res.text());
  assert.ok(m, 'the form carries a token');
  return m[1]!;
}

function uploadForm(fields: Record<string, string>, files: Record<string, { name: string; content: string | Buffer }>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  for (const [k, { name, content }] of Object.entries(files)) f.set(k, new Blob([content], { type: 'text/csv' }), name);
  return f;
}

async function preview(form: FormData, headers: Record<string, string> = {}) {
  const res = await fetch(`${dash.url}/upload/preview`, { method: 'POST', body: form, headers: { authorization: auth, ...headers } });
  return { status: res.status, body: await res.text() };
}

async function confirm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${dash.url}/upload/confirm`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields), headers: { authorization: auth, ...headers } });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

const uploadIdOf = (body: string) => /name="upload" value="([0-9a-f]{32})"/.exec(body)?.[1];
const tokenOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1];

/** A file with two good rows and two bad ones (rows 3 and 5). */
function mixedCsv(prefix: string): string {
  return csv(row(`${prefix}-1`), row(`${prefix}-2`, { email: 'not-an-email' }), row(`${prefix}-3`), row(`${prefix}-4`, { postal_code: '123' }));
}

describe('upload page over HTTP', () => {
  it('is behind basic auth and linked from the batches page', async () => {
    assert.equal((await fetch(`${dash.url}/upload`)).status, 401);
    assert.equal((await fetch(`${dash.url}/upload/preview`, { method: 'POST' })).status, 401);
    const batches = await (await fetch(`${dash.url}/batches`, { headers: { authorization: auth } })).text();
    assert.match(batches, /href="\/upload"/);
    const form = await (await fetch(`${dash.url}/upload`, { headers: { authorization: auth } })).text();
    assert.match(form, /enctype="multipart\/form-data"/);
    assert.match(form, /<option value="reminders.json">/, 'the server-side template is offered');
    assert.doesNotMatch(form, /<script/i, 'no script: the page works under a strict CSP');
  });

  it('previews every refused row with nothing queued, then Confirm starts the batch once', async () => {
    const token = await formToken();
    const p = await preview(uploadForm({ csrf: token, batch: 'http-upload', template_name: 'reminders.json' }, { csv: { name: 'monday signups.csv', content: mixedCsv('hu') } }));
    assert.equal(p.status, 200, p.body);
    assert.match(p.body, /id="accepted" data-count="2"/);
    assert.match(p.body, /id="rejected" data-count="2"/);
    assert.match(p.body, /<tr data-row="3"><td class="num">3<\/td><td>hu-2<\/td><td class="column">email<\/td>/);
    assert.match(p.body, /<tr data-row="5"><td class="num">5<\/td><td>hu-4<\/td><td class="column">postal_code<\/td>/);
    assert.match(p.body, /Preview of monday-signups\.csv/);
    // Nothing exists yet: no batch, no customer, no job.
    assert.equal(await stack.rt.ledger.batchExists('http-upload'), false);
    assert.equal(await stack.rt.ledger.get('hu-1'), null);
    assert.equal(await stack.rt.queues['starter-profile'].getJobCountByTypes('waiting', 'delayed', 'prioritized'), 0);

    const id = uploadIdOf(p.body);
    const previewToken = tokenOf(p.body);
    assert.ok(id && previewToken);
    // The preview can be opened again (paging) without re-uploading.
    const again = await fetch(`${dash.url}/upload/${id}`, { headers: { authorization: auth } });
    assert.equal(again.status, 200);
    assert.match(await again.text(), /id="accepted" data-count="2"/);

    const c = await confirm({ csrf: previewToken, upload: id, batch: 'http-upload' });
    assert.equal(c.status, 303, c.body);
    assert.equal(c.location, '/batches/http-upload');
    assert.equal(await stack.rt.ledger.batchExists('http-upload'), true);
    assert.equal((await stack.rt.ledger.get('hu-1'))?.state, 'in_progress');
    assert.equal((await stack.rt.ledger.get('hu-3'))?.state, 'in_progress');
    assert.equal(await stack.rt.ledger.get('hu-2'), null, 'a refused row is not registered');
    assert.equal(await stack.rt.queues['starter-profile'].getJobCountByTypes('waiting', 'delayed', 'prioritized', 'active'), 2);
    // A second Confirm (double click, reload) lands on the same batch and queues nothing more.
    const twice = await confirm({ csrf: previewToken, upload: id, batch: 'http-upload' });
    assert.equal(twice.status, 303);
    assert.equal(twice.location, '/batches/http-upload');
    assert.equal(await stack.rt.ledger.batchSize('http-upload'), 2);
    const batchPage = await fetch(`${dash.url}${c.location}`, { headers: { authorization: auth } });
    assert.equal(batchPage.status, 200);
    assert.match(await batchPage.text(), /monday-signups\.csv/, 'the batch records the uploaded file\'s name');
  });

  it('refuses cross-site POSTs (403) and keeps nothing', async () => {
    const token = await formToken();
    const form = () => uploadForm({ csrf: token, batch: 'csrf-batch', template_name: 'reminders.json' }, { csv: { name: 'x.csv', content: mixedCsv('cs') } });
    for (const [what, fields, headers] of [
      ['no token', { batch: 'csrf-batch' }, {}],
      ['a forged token', { csrf: `${Date.now()}.${'A'.repeat(43)}`, batch: 'csrf-batch' }, {}],
      ['a foreign Origin', undefined, { origin: 'https://evil.example' }],
      ['Origin: null', undefined, { origin: 'null' }],
      ['Sec-Fetch-Site: cross-site', undefined, { 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const body = fields ? uploadForm(fields, { csv: { name: 'x.csv', content: mixedCsv('cs') } }) : form();
      const r = await preview(body, headers);
      assert.equal(r.status, 403, `${what}: ${r.body}`);
      assert.match(r.body, /id="refused"/);
      assert.equal(uploadIdOf(r.body), undefined, `${what}: no preview`);
    }
    // A same-origin POST from the page itself is fine.
    const ok = await preview(form(), { origin: dash.url, 'sec-fetch-site': 'same-origin' });
    assert.equal(ok.status, 200, ok.body);
    const id = uploadIdOf(ok.body)!;
    const previewToken = tokenOf(ok.body)!;

    for (const [what, fields, headers] of [
      ['no token', { upload: id }, {}],
      ['a malformed token', { upload: id, csrf: 'x' }, {}],
      ['a foreign Origin', { upload: id, csrf: previewToken }, { origin: 'https://evil.example' }],
      ['Sec-Fetch-Site: same-site', { upload: id, csrf: previewToken }, { 'sec-fetch-site': 'same-site' }],
    ] as const) {
      const r = await confirm(fields, headers);
      assert.equal(r.status, 403, `${what}: ${r.body}`);
    }
    assert.equal(await stack.rt.ledger.batchExists('csrf-batch'), false, 'no cross-site Confirm started the batch');
    assert.equal(await stack.rt.ledger.get('cs-1'), null);
    // The token is bound to the signed-in user: on a dashboard without a password (loopback), Alice's token does not work for Bob.
    const open = await startDashboard({ host: '127.0.0.1', port: 0, user, password: undefined, queues: stack.rt.queues, ledger: stack.rt.ledger, upload: { templatesDir } });
    try {
      const as = (who: string) => ({ authorization: `Basic ${Buffer.from(`${who}:pw`).toString('base64')}` });
      const alice = tokenOf(await (await fetch(`${open.url}/upload`, { headers: as('alice') })).text())!;
      const send = (who: string) => fetch(`${open.url}/upload/preview`, { method: 'POST', headers: as(who), body: uploadForm({ csrf: alice, template_name: 'reminders.json' }, { csv: { name: 'a.csv', content: mixedCsv('ab') } }) });
      assert.equal((await send('bob')).status, 403);
      assert.equal((await send('alice')).status, 200);
    } finally {
      await open.close();
    }
  });

  it('answers 413 to a file over UPLOAD_MAX_BYTES, and to a body far over it before reading it', async () => {
    const token = await formToken();
    const big = mixedCsv('big') + `${'x'.repeat(MAX)}\n`;
    const r = await preview(uploadForm({ csrf: token }, { csv: { name: 'big.csv', content: big } }));
    assert.equal(r.status, 413);
    assert.match(r.body, /at most 16 KB/);
    assert.match(r.body, /UPLOAD_MAX_BYTES/);
    const huge = await preview(uploadForm({ csrf: token }, { csv: { name: 'huge.csv', content: Buffer.alloc(3 * MAX + 100 * 1024, 'a') } }));
    assert.equal(huge.status, 413);
  });

  it('says what is wrong with a file or template it cannot use, without a temp path', async () => {
    const token = await formToken();
    const noHeader = await preview(uploadForm({ csrf: token }, { csv: { name: 'bad.csv', content: 'customer_id,first_name\nc1,Ann\n' } }));
    assert.equal(noHeader.status, 400);
    assert.match(noHeader.body, /id="problem"/);
    assert.match(noHeader.body, /last_name|missing/i);
    assert.doesNotMatch(noHeader.body, /a2p-onboard-uploads-/);
    const unknownTemplate = await preview(uploadForm({ csrf: token, template_name: '../../etc/passwd' }, { csv: { name: 'a.csv', content: mixedCsv('ut') } }));
    assert.equal(unknownTemplate.status, 400);
    assert.match(unknownTemplate.body, /no campaign template/);
    const badTemplate = await preview(uploadForm({ csrf: token }, { csv: { name: 'a.csv', content: mixedCsv('bt') }, template: { name: 't.json', content: '{"nope": 1}' } }));
    assert.equal(badTemplate.status, 400);
    assert.match(badTemplate.body, /campaign template/);
    const noFile = await preview(uploadForm({ csrf: token }, {}));
    assert.equal(noFile.status, 400);
    assert.match(noFile.body, /Choose a customer CSV/);
  });

  it('pages through many refused rows', async () => {
    const token = await formToken();
    const shortRows = Array.from({ length: 205 }, (_, i) => `short-${i + 1}`);
    const p = await preview(uploadForm({ csrf: token, template_name: 'reminders.json' }, { csv: { name: 'short.csv', content: csv(row('pg-1'), ...shortRows) } }));
    assert.equal(p.status, 200, p.body);
    assert.match(p.body, /id="rejected" data-count="205"/);
    assert.equal(p.body.match(/<tr data-row=/g)?.length, 200, 'the first page has 200 rows');
    assert.match(p.body, /Page 1 of 2/);
    const id = uploadIdOf(p.body)!;
    const second = await (await fetch(`${dash.url}/upload/${id}?page=2`, { headers: { authorization: auth } })).text();
    assert.equal(second.match(/<tr data-row=/g)?.length, 5);
    assert.match(second, /<tr data-row="207"><td class="num">207<\/td><td>short-205<\/td><td class="column">\(row\)<\/td>/);
    // Reloading a POST's address goes back to the form instead of an error.
    const reload = await fetch(`${dash.url}/upload/preview`, { headers: { authorization: auth }, redirect: 'manual' });
    assert.equal(reload.status, 303);
    assert.equal(reload.headers.get('location'), '/upload');
  });

  it('forgets an upload after UPLOAD_EXPIRY_MS: Confirm then says to upload again (410)', async () => {
    const short = await startDashboard({ host: '127.0.0.1', port: 0, user, password, queues: stack.rt.queues, ledger: stack.rt.ledger, upload: { expiryMs: 300, templatesDir } });
    try {
      const page = await (await fetch(`${short.url}/upload`, { headers: { authorization: auth } })).text();
      const token = tokenOf(page)!;
      const res = await fetch(`${short.url}/upload/preview`, { method: 'POST', headers: { authorization: auth }, body: uploadForm({ csrf: token, batch: 'expired-batch', template_name: 'reminders.json' }, { csv: { name: 'e.csv', content: mixedCsv('ex') } }) });
      const body = await res.text();
      assert.equal(res.status, 200, body);
      const id = uploadIdOf(body)!;
      await waitFor('the upload to expire', async () => (await fetch(`${short.url}/upload/${id}`, { headers: { authorization: auth } })).status === 410, 10_000);
      const c = await fetch(`${short.url}/upload/confirm`, { method: 'POST', redirect: 'manual', headers: { authorization: auth }, body: new URLSearchParams({ csrf: tokenOf(body)!, upload: id }) });
      assert.equal(c.status, 410);
      assert.match(await c.text(), /Upload the file again/);
      assert.equal(await stack.rt.ledger.batchExists('expired-batch'), false);
    } finally {
      await short.close();
    }
  });
});
