import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { waitForBatch } from '../src/commands/wait.js';
import { batchStatus, type BatchStatus } from '../src/ledger/batch-status.js';
import { ingestFile } from '../src/producers/ingest.js';
import { seedExampleVendorUsage } from '../src/demo.js';
import { startDashboard, type Dashboard } from '../src/server/dashboard.js';
import { chromiumPath } from './chromium.js';
import { startStack, stopTestRedis, type Stack } from './helpers.js';

/**
 * The operator's view in a real browser (Chromium driven by playwright-core; see ./chromium.ts):
 * a finished batch of the example CSV, the dashboard in front of it. Screenshots are
 * kept in test-artifacts/browser/.
 */

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/browser/', import.meta.url));

let stack: Stack;
let dash: Dashboard;
let browser: Browser;
let ctx: BrowserContext;
let status: BatchStatus;
const user = 'ops';
const password = randomBytes(12).toString('base64url');

before(async () => {
  const chromiumBinary = await chromiumPath();
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack();
  await seedExampleVendorUsage(stack.sandbox.url);
  const report = await ingestFile(stack.rt, `${EXAMPLES}customers.csv`, { templatePath: `${EXAMPLES}campaign-template.json`, batchId: 'demo' });
  assert.equal(report.accepted, 20);
  const done = await waitForBatch(stack.rt.ledger, 'demo', { timeoutMs: 60_000, quiet: true, intervalMs: 100, settled: true });
  assert.equal(done.timedOut, false, 'the example batch finishes');
  status = await batchStatus(stack.rt.ledger, 'demo');
  dash = await startDashboard({ host: '127.0.0.1', port: 0, user, password, queues: stack.rt.queues, ledger: stack.rt.ledger });
  browser = await chromium.launch({ executablePath: chromiumBinary.path, args: ARGS });
  ctx = await browser.newContext({ httpCredentials: { username: user, password }, viewport: { width: 1400, height: 1000 } });
});

after(async () => {
  await ctx?.close();
  await browser?.close();
  await dash?.close();
  await stack?.close();
  await stopTestRedis();
});

const shot = (name: string) => `${ARTIFACTS}${name}.png`;

describe('dashboard in a browser', () => {
  it('refuses a wrong password and no password', async () => {
    const wrong = await browser.newContext({ httpCredentials: { username: user, password: 'not-the-password' } });
    try {
      const p = await wrong.newPage();
      const res = await p.goto(`${dash.url}/batches/demo`);
      assert.equal(res?.status(), 401);
      assert.ok(!(await p.content()).includes('cust-1001'), 'nothing of the batch shows');
      const board = await p.goto(`${dash.url}/admin/queues`);
      assert.equal(board?.status(), 401);
    } finally {
      await wrong.close();
    }
    const anon = await browser.newContext();
    try {
      const p = await anon.newPage();
      // Chromium answers a 401 without credentials by cancelling the login prompt.
      const res = await p.goto(`${dash.url}/batches`).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      if (res instanceof Error) assert.match(res.message, /ERR_INVALID_AUTH_CREDENTIALS/);
      else assert.equal(res?.status(), 401);
      assert.equal((await anon.request.get(`${dash.url}/batches/demo`)).status(), 401);
    } finally {
      await anon.close();
    }
  });

  it("renders Bull Board's queues page", async () => {
    const p = await ctx.newPage();
    // The server's content security policy (src/server/security.ts) must not block any of Bull Board.
    const blocked: string[] = [];
    p.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    const res = await p.goto(`${dash.url}/admin/queues`);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    for (const q of ['starter-profile', 'trust-bundle', 'brand', 'campaign', 'dead-letter']) {
      await p.getByText(q, { exact: true }).first().waitFor({ timeout: 15_000 });
    }
    await p.screenshot({ path: shot('bull-board-queues'), fullPage: true });
    assert.deepEqual(blocked, [], 'nothing of Bull Board is blocked by the CSP');
    await p.close();
  });

  it('lists the batch with its counts by state', async () => {
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/batches`);
    const row = p.locator('#batches tr[data-batch="demo"]');
    for (const [state, n] of Object.entries(status.counts)) {
      assert.equal((await row.locator(`td[data-state="${state}"]`).innerText()).trim(), String(n), `${state} count`);
    }
    await p.screenshot({ path: shot('batches'), fullPage: true });
    await p.close();
  });

  it('shows the funnel with the right counts per stage and state', async () => {
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/batches/demo`);
    await p.locator('#funnel').waitFor();
    // What the ledger says, counted the slow way (every customer read).
    const expected = new Map<string, number>();
    for (const c of status.customers) expected.set(`${c.stage}|${c.state}`, (expected.get(`${c.stage}|${c.state}`) ?? 0) + 1);
    const segs = await p.locator('#funnel g.seg').evaluateAll((els) => els.map((e) => [`${e.getAttribute('data-stage')}|${e.getAttribute('data-state')}`, Number(e.getAttribute('data-count'))] as const));
    assert.deepEqual(new Map(segs), expected);
    assert.equal(expected.get('sender-number|live'), 18);
    assert.equal(expected.get('ingest|invalid'), 8);
    // The summary line agrees.
    assert.equal((await p.locator('[data-count-state="failed"] strong').innerText()).trim(), '2');
    await p.locator('#funnel-table').evaluate((el) => el.closest('details')?.setAttribute('open', ''));
    await p.screenshot({ path: shot('batch-page'), fullPage: true });
    await p.close();
  });

  it('answers "which customers failed, why, and what do I do" with the failed filter', async () => {
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/batches/demo`);
    await p.locator('#filters a[data-filter="failed"]').click();
    await p.waitForURL(/\/batches\/demo\?state=failed$/);
    const rows = p.locator('#customers tbody tr');
    const failed = status.customers.filter((c) => c.state === 'failed');
    assert.equal(await rows.count(), failed.length);
    for (const c of failed) {
      const row = p.locator(`#customers tr[data-customer="${c.customerId}"]`);
      assert.equal(await row.getAttribute('data-state'), 'failed');
      const why = await row.locator('.why').innerText();
      assert.equal(why, c.reason, `${c.customerId} shows Twilio's reason`);
      const action = await row.locator('.action').innerText();
      assert.match(action, /What to do: .{20,}/, `${c.customerId} has a suggested action`);
    }
    // Refused by The Campaign Registry for uses at other vendors, which ingest cannot know.
    assert.match(await p.locator('tr[data-customer="cust-1026"] .action').innerText(), /mobile number/i);
    assert.match(await p.locator('tr[data-customer="cust-1027"] .action').innerText(), /email/i);
    // Each failed customer links to its dead-letter job in Bull Board.
    const href = await p.locator('tr[data-customer="cust-1026"] a', { hasText: 'dead-letter job' }).getAttribute('href');
    assert.equal(href, '/admin/queues/queue/dead-letter/dead-letter.cust-1026.1');
    await p.screenshot({ path: shot('batch-failed-filter'), fullPage: true });

    // The same filter downloads as CSV.
    const csv = await p.request.get(`${dash.url}/batches/demo/report.csv?state=failed`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-disposition'] ?? '', /attachment; filename="demo-failed.csv"/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 1 + failed.length);
    await p.close();
  });

  it('lists invalid rows with their reason and fix, and pages through a batch', async () => {
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/batches/demo?state=invalid`);
    const rows = p.locator('#customers tbody tr');
    assert.equal(await rows.count(), 8);
    assert.match(await p.locator('tr[data-customer="cust-1020"] .action').innerText(), /set its `flow` column to `business`/);
    await p.goto(`${dash.url}/batches/demo?per=10`);
    assert.equal(await rows.count(), 10);
    await p.locator('a[rel="next"]').first().click();
    await p.locator('a[rel="next"]').first().click();
    await p.waitForURL(/page=3/);
    assert.equal(await rows.count(), 8, 'the third page of ten holds the last eight rows');
    assert.match(await p.locator('.pager').first().innerText(), /Showing 21–28 of 28/);
    await p.close();
  });

  it('shows a customer with its history, SIDs and jobs, and no unmasked personal data', async () => {
    const p = await ctx.newPage();
    await p.goto(`${dash.url}/batches/demo`);
    await p.locator('#customers a', { hasText: 'cust-1001' }).click();
    await p.waitForURL(/\/customers\/cust-1001$/);
    const html = await p.content();
    for (const pii of ['maria.gonzalez@example.com', 'Gonzalez', '2150 Mission St', '+14155550101', '+14155550102', '(415) 555-0101']) {
      assert.ok(!html.includes(pii), `the customer page does not show ${pii}`);
    }
    assert.match(await p.locator('#customer-data').innerText(), /m\*\*\*@example\.com/);
    assert.match(await p.locator('#customer-data').innerText(), /Maria's Dog Grooming/);
    assert.ok((await p.locator('#history tbody tr').count()) >= 5);
    assert.match(await p.locator('#sids').innerText(), /campaign\s+QE[0-9a-f]{32}/);
    assert.ok((await p.locator('#jobs tbody tr').count()) >= 1);
    await p.screenshot({ path: shot('customer'), fullPage: true });
    await p.close();
  });

  it('escapes what it shows', async () => {
    const p = await ctx.newPage();
    const res = await p.goto(`${dash.url}/batches/${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    assert.equal(res?.status(), 404);
    assert.equal(await p.locator('img').count(), 0);
    assert.match(await p.locator('h1').innerText(), /<img src=x onerror=alert\(1\)>/);
    await p.close();
  });

  it('serves metrics behind the same auth', async () => {
    const p = await ctx.newPage();
    const res = await p.request.get(`${dash.url}/metrics`);
    assert.equal(res.status(), 200);
    const text = await res.text();
    assert.match(text, /a2p_customers\{state="live"\} 18/);
    assert.match(text, /a2p_dead_letter_jobs 2/);
    const anon = await fetch(`${dash.url}/metrics`);
    assert.equal(anon.status, 401);
    assert.ok(readFileSync(shot('batch-page')).length > 1000, 'screenshots are written');
    await p.close();
  });
});
