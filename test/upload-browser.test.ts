import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { ingestFile, type IngestReport } from '../src/producers/ingest.js';
import { startDashboard, type Dashboard } from '../src/server/dashboard.js';
import { chromiumPath } from './chromium.js';
import { startStack, stopTestRedis, tmpFile, type Stack } from './helpers.js';

/**
 * The upload page in a real browser (Chromium driven by playwright-core, as test/browser.test.ts):
 * an operator uploads the example CSV with its bad rows, picks the server's campaign template, sees
 * every refused row's reason while nothing is queued, confirms, and lands on the new batch's page.
 * A form on another site cannot start a batch, even holding a valid token. The preview's screenshot
 * is kept in test-artifacts/browser/upload-preview.png.
 */

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/browser/', import.meta.url));
const MAX = 8 * 1024;
const BATCH = 'browser-upload';

let stack: Stack;
let dash: Dashboard;
let browser: Browser;
let ctx: BrowserContext;
let attacker: Server;
let attackerUrl: string;
/** What `ingest --dry-run` says of the example file: the page must show the same. */
let expected: IngestReport;
const user = 'ops';
const password = randomBytes(12).toString('base64url');

/** Set by the preview test, used by the cross-site one: a pending upload and its page's token. */
let pending: { id: string; token: string } | undefined;
let attackForm = '';

before(async () => {
  const chromiumBinary = await chromiumPath();
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack({ workers: false });
  expected = await ingestFile(stack.rt, `${EXAMPLES}customers.csv`, { templatePath: `${EXAMPLES}campaign-template.json`, batchId: BATCH, dryRun: true });
  assert.ok(expected.rejected.length >= 5, 'the example file has bad rows');
  assert.ok(statSync(`${EXAMPLES}customers.csv`).size < MAX, 'the example fits under the test limit');
  dash = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    user,
    password,
    queues: stack.rt.queues,
    ledger: stack.rt.ledger,
    upload: { maxBytes: MAX, templatesDir: EXAMPLES },
  });
  // Another site (localhost is not 127.0.0.1 to the browser) serving a form aimed at the dashboard.
  attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackForm));
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: chromiumBinary.path, args: ARGS });
  ctx = await browser.newContext({ httpCredentials: { username: user, password }, viewport: { width: 1400, height: 1000 } });
});

after(async () => {
  await ctx?.close();
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await dash?.close();
  await stack?.close();
  await stopTestRedis();
});

const shot = (name: string) => `${ARTIFACTS}${name}.png`;

describe('upload page in a browser', () => {
  it('shows every bad row with its reason before anything is queued', async () => {
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/batches`);
    await p.locator('#upload-link').click();
    await p.waitForURL(/\/upload$/);
    await p.screenshot({ path: shot('upload-form'), fullPage: true });
    await p.locator('input[name="csv"]').setInputFiles(`${EXAMPLES}customers.csv`);
    await p.locator('select[name="template_name"]').selectOption('campaign-template.json');
    await p.locator('input[name="batch"]').fill(BATCH);
    await p.getByRole('button', { name: 'Check the file' }).click();
    await p.locator('#accepted').waitFor();

    assert.equal(await p.locator('#accepted').innerText(), String(expected.accepted));
    assert.equal(await p.locator('#rejected').innerText(), String(expected.rejected.length));
    const rows = p.locator('#rejected-rows tbody tr');
    assert.equal(await rows.count(), expected.rejected.length);
    for (const bad of expected.rejected) {
      const tr = p.locator(`#rejected-rows tr[data-row="${bad.row}"]`);
      assert.equal(await tr.locator('td.column').innerText(), bad.column ?? '', `row ${bad.row}'s column`);
      assert.equal(await tr.locator('td.why').innerText(), bad.reason, `row ${bad.row}'s reason`);
    }
    // Nothing exists yet: no batch, none of the file's customers, no job.
    assert.equal(await stack.rt.ledger.batchExists(BATCH), false);
    assert.deepEqual(await stack.rt.ledger.listBatches(), []);
    assert.equal(await stack.rt.ledger.get('cust-1001'), null);
    assert.equal(await stack.rt.queues['starter-profile'].count(), 0);
    await p.screenshot({ path: shot('upload-preview'), fullPage: true });
    assert.ok(readFileSync(shot('upload-preview')).length > 1000, 'the screenshot is written');

    pending = {
      id: (await p.locator('#confirm-form input[name="upload"]').getAttribute('value')) ?? '',
      token: (await p.locator('#confirm-form input[name="csrf"]').getAttribute('value')) ?? '',
    };
    await p.close();
  });

  it("refuses another site's form, without or even with a valid token", async () => {
    assert.ok(pending, 'the preview test ran');
    for (const token of ['', pending.token]) {
      attackForm = `<!doctype html><form method="post" action="${dash.url}/upload/confirm"><input name="upload" value="${pending.id}"><input name="csrf" value="${token}"><input name="batch" value="${BATCH}"><button>Win a prize</button></form>`;
      const p = await ctx.newPage();
      await p.goto(attackerUrl);
      const [res] = await Promise.all([p.waitForResponse(`${dash.url}/upload/confirm`), p.getByRole('button', { name: 'Win a prize' }).click()]);
      assert.equal(res.status(), 403, `token ${token ? 'valid' : 'missing'}`);
      await p.locator('#refused').waitFor();
      await p.close();
    }
    assert.equal(await stack.rt.ledger.batchExists(BATCH), false, 'no batch was started from another site');
  });

  it('confirms: the batch starts and the browser lands on its page', async () => {
    assert.ok(pending, 'the preview test ran');
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/upload/${pending.id}`);
    await p.locator('#confirm').click();
    await p.waitForURL(`${dash.url}/batches/${BATCH}`);
    assert.match(await p.locator('h1').innerText(), new RegExp(`Batch ${BATCH}`));
    assert.equal(await stack.rt.ledger.batchExists(BATCH), true);
    assert.equal(await stack.rt.ledger.batchSize(BATCH), expected.accepted);
    assert.equal((await stack.rt.ledger.get('cust-1001'))?.state, 'in_progress');
    await p.close();
  });

  it('shows a 413 page for a file over the limit', async () => {
    const big = tmpFile('big.csv', `${readFileSync(`${EXAMPLES}customers.csv`, 'utf8')}${'x'.repeat(MAX)}\n`);
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/upload`);
    await p.locator('input[name="csv"]').setInputFiles(big);
    const [res] = await Promise.all([p.waitForResponse(`${dash.url}/upload/preview`), p.getByRole('button', { name: 'Check the file' }).click()]);
    assert.equal(res.status(), 413);
    await p.locator('#too-large').waitFor();
    await p.close();
    writeFileSync(big, '');
  });
});
