import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { redriveCustomer } from '../src/producers/redrive.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { runReport } from '../src/commands/report.js';
import { startDashboard } from '../src/server/dashboard.js';
import { TransientError } from '../src/twilio/errors.js';
import { PassThrough } from 'node:stream';
import { confirmSpend } from '../src/commands/confirm.js';
import type { TwilioGateway } from '../src/twilio/gateway.js';
import { TEMPLATE, csv, row, startStack, stopTestRedis, templateFile, tmpFile, waitForState, type Stack, twilioClient, ingestRows } from './helpers.js';
import { runCli } from '../scripts/built-cli.js';

after(stopTestRedis);

const ops = (stack: Stack, op: string) => stack.sandbox.requestLog().filter((e) => e.operation === op && e.status < 300).length;

/** Run the CLI against the stack's Redis and sandbox, stdin not a terminal. */
async function cli(stack: Stack, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    REDIS_URL: stack.config.REDIS_URL,
    QUEUE_PREFIX: stack.config.QUEUE_PREFIX,
    TWILIO_ACCOUNT_SID: stack.sandbox.options.accountSid,
    TWILIO_AUTH_TOKEN: stack.sandbox.options.authToken,
    TWILIO_API_BASE: stack.sandbox.url,
    LOG_LEVEL: 'silent',
  };
  return runCli(env, ...args);
}

/** A customer whose brand The Campaign Registry refuses (its mobile already used 3 times). */
async function failedBrand(stack: Stack, id: string, mobile: string): Promise<string> {
  await fetch(`${stack.sandbox.url}/_sandbox/tcr-usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile, count: 3 }) });
  const r = row(id, { mobile_phone_number: mobile });
  await ingestRows(stack, [r]);
  const failed = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
  assert.equal(failed.state, 'failed', failed.reason ?? '');
  assert.equal(failed.status['brand'], 'FAILED');
  return r;
}

describe('mock brands (TWILIO_MOCK_BRANDS)', () => {
  it('with the setting every brand the sandbox holds is a mock, recorded as free; without it none is', async () => {
    for (const mock of [true, false]) {
      const stack = await startStack({ env: { TWILIO_MOCK_BRANDS: String(mock) } });
      try {
        await ingestRows(stack, [row(`m1-${mock}`), row(`m2-${mock}`)]);
        for (const id of [`m1-${mock}`, `m2-${mock}`]) assert.equal((await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000)).state, 'live');
        const brands = await twilioClient(stack).messaging.v1.brandRegistrations.list();
        assert.equal(brands.length, 2);
        assert.deepEqual(brands.map((b) => b.mock), [mock, mock], `TWILIO_MOCK_BRANDS=${mock}`);
        const fees = await stack.rt.ledger.fees.batchTotals('b1');
        assert.equal(fees.byKind.brand.count, 2);
        assert.equal(fees.byKind.brand.mock, mock ? 2 : 0);
        assert.equal(fees.byKind.campaignVetting.mock, mock ? 2 : 0, 'a mock brand\'s campaign is a mock too');
        assert.equal(fees.cents, mock ? 0 : 2 * (450 + 1500));
      } finally {
        await stack.close();
      }
    }
  });
});

describe('fees', () => {
  it('records each brand submission and campaign vetting once, even when Twilio\'s answer to the create was lost; status, report, batch page and /metrics show them', async () => {
    let lost = false;
    const stack = await startStack({
      env: { FEE_BRAND_USD: '4.40', FEE_CAMPAIGN_VETTING_USD: '15.10' },
      // The first brand is created at Twilio but its answer never reaches us: the retry finds it.
      wrapGateway: (g: TwilioGateway) => {
        const create = g.createBrand.bind(g);
        g.createBrand = async (p) => {
          const b = await create(p);
          if (!lost) {
            lost = true;
            throw new TransientError('connection reset after the brand was created');
          }
          return b;
        };
        return g;
      },
    });
    try {
      await ingestRows(stack, [row('f1'), row('f2')], { batch: 'fees' });
      for (const id of ['f1', 'f2']) assert.equal((await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000)).state, 'live');
      assert.ok(lost);
      assert.equal(ops(stack, 'brand.create'), 2, 'one brand per customer');
      const totals = await stack.rt.ledger.fees.batchTotals('fees');
      assert.deepEqual([totals.byKind.brand.count, totals.byKind.campaignVetting.count], [2, 2], 'the lost answer\'s brand counted once');
      assert.equal(totals.cents, 2 * 440 + 2 * 1510);

      const status = await batchStatus(stack.rt.ledger, 'fees');
      assert.equal(status.fees?.cents, 3900);
      const out = tmpFile('r.csv', '');
      await runReport(stack.rt.ledger, { batch: 'fees', out });
      const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\r\n');
      const cols = header!.split(',').map((c) => JSON.parse(c) as string);
      const at = (name: string) => cols.indexOf(name);
      assert.ok(at('fees_usd') > 0 && at('fee_brand_usd') > 0 && at('fee_campaign_vetting_usd') > 0, header);
      for (const line of lines) {
        const cells = line.split(',').map((c) => JSON.parse(c) as string);
        assert.deepEqual([cells[at('fees_usd')], cells[at('fee_brand_usd')], cells[at('fee_campaign_vetting_usd')]], ['19.50', '4.40', '15.10']);
      }

      const dash = await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: stack.rt.queues, ledger: stack.rt.ledger });
      try {
        const auth = { authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` };
        const page = await (await fetch(`${dash.url}/batches/fees`, { headers: auth })).text();
        assert.match(page, /data-fees-total="39.00"/);
        assert.match(page, /data-fee-kind="brand"[^]*?<td class="num">2<\/td>/);
        const customer = await (await fetch(`${dash.url}/customers/f1`, { headers: auth })).text();
        assert.match(customer, /id="customer-fees"[^]*?data-fees-total="19.50"/);
        const metrics = await (await fetch(`${dash.url}/metrics`, { headers: auth })).text();
        assert.match(metrics, /a2p_fees_usd\{kind="brand"\} 8.8\b/);
        assert.match(metrics, /a2p_fees_usd\{kind="campaignVetting"\} 30.2\b/);
        assert.match(metrics, /a2p_fee_submissions\{kind="brand",mock="false"\} 2\b/);
      } finally {
        await dash.close();
      }
    } finally {
      await stack.close();
    }
  });

  it('a brand resubmission and a campaign re-vetting are each charged again', async () => {
    const stack = await startStack({ sandbox: { campaignDelayMs: 200 } });
    try {
      await failedBrand(stack, 'rs1', '+1 415 555 7101');
      await ingestRows(stack, [row('rs1', { mobile_phone_number: '+1 415 555 7102' })], { update: true, batch: 'fix' });
      assert.equal((await waitForState(stack.rt.ledger, 'rs1', ['live', 'failed'], 30_000)).state, 'live');
      const entries = await stack.rt.ledger.fees.entries('rs1');
      assert.deepEqual(entries.map((e) => e.kind), ['brand', 'brand', 'campaignVetting'], JSON.stringify(entries));
      assert.match(entries[1]!.what, /resubmitted/);
      assert.equal((await stack.rt.ledger.fees.batchTotals('b1')).cents, 450 + 450 + 1500, 'fees count against the customer\'s batch');
    } finally {
      await stack.close();
    }
  });
});

describe('campaign corrections Twilio cannot update in place (point 7)', () => {
  it('--update names the fields it cannot send; redrive --recreate-campaign deletes and creates the campaign again, once, even when the delete\'s answer is lost', async () => {
    let deleteLost = false;
    const stack = await startStack({
      sandbox: { campaignDelayMs: 200 },
      wrapGateway: (g: TwilioGateway) => {
        const del = g.deleteCampaign.bind(g);
        g.deleteCampaign = async (mg, qe) => {
          const res = await del(mg, qe);
          if (!deleteLost) {
            deleteLost = true;
            throw new TransientError('connection reset after the campaign was deleted');
          }
          return res;
        };
        return g;
      },
    });
    try {
      const optIn = { opt_in_keywords: 'START', opt_in_message: 'Studio: you are subscribed to reminders. Reply HELP for help, STOP to opt out.' };
      // Samples that do not name the brand: vetting fails the campaign.
      const bad = tmpFile('bad.json', JSON.stringify({ ...TEMPLATE, ...optIn, message_sample_1: 'Your appointment is confirmed for [date]. Reply STOP to opt out.', message_sample_2: 'Reminder: we see you tomorrow at [time]. Reply HELP for help.' }));
      const rows = [row('p7')];
      await ingestRows(stack, rows, { template: bad });
      const failed = await waitForState(stack.rt.ledger, 'p7', ['live', 'failed'], 30_000);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.stage, 'campaign');
      const oldCampaign = failed.sids.campaign!;

      // The fix also changes the opt-in message, which UpdateUsAppToPerson cannot change.
      const newOptIn = 'Dana Lopez Studio: you now get appointment reminders. Reply HELP for help, STOP to opt out.';
      const good = tmpFile('good.json', JSON.stringify({ ...TEMPLATE, ...optIn, opt_in_message: newOptIn }));
      const fix = await ingestRows(stack, rows, { update: true, batch: 'fix-1', template: good });
      assert.equal(fix.updated, 1, JSON.stringify(fix.rejected));
      assert.deepEqual(fix.campaignNotUpdatable, [{ row: 2, customerId: 'p7', fields: ['opt_in_message'] }]);
      const done = await waitForState(stack.rt.ledger, 'p7', ['live', 'failed'], 30_000);
      assert.equal(done.state, 'live', done.reason ?? '');
      const history = (await stack.rt.ledger.history('p7')).map((h) => h.event).join('\n');
      assert.match(history, /corrected and resubmitted; NOT updated \(Twilio cannot change these on an existing campaign\): opt_in_message/);
      const shown = (await batchStatus(stack.rt.ledger, 'b1')).customers.find((x) => x.customerId === 'p7');
      assert.match(shown?.action ?? '', /opt_in_message changed, but Twilio cannot update this field[^]*redrive --recreate-campaign --customer p7/);
      const c = twilioClient(stack);
      const held = await c.messaging.v1.services(done.sids.messagingService!).usAppToPerson(oldCampaign).fetch();
      assert.deepEqual(held.messageSamples.length, 2);
      assert.notEqual(held.optInMessage, newOptIn, 'the opt-in message was not sent with the update');

      // Recreate: the old campaign is deleted (the answer to the delete is lost once), a new one is created with the data.
      const res = await redriveCustomer(stack.rt, 'p7', { recreateCampaign: true });
      assert.ok(res.ok && res.stage === 'campaign', JSON.stringify(res));
      const live = await waitForState(stack.rt.ledger, 'p7', ['live', 'failed'], 30_000);
      assert.equal(live.state, 'live', live.reason ?? '');
      assert.ok(deleteLost);
      assert.notEqual(live.sids.campaign, oldCampaign);
      const campaigns = await c.messaging.v1.services(live.sids.messagingService!).usAppToPerson.list();
      assert.deepEqual(campaigns.map((x) => x.sid), [live.sids.campaign], 'exactly one campaign, the new one');
      assert.equal(campaigns[0]!.optInMessage, newOptIn);
      assert.equal(ops(stack, 'campaign.create'), 2);
      assert.equal((await batchStatus(stack.rt.ledger, 'b1')).customers.find((x) => x.customerId === 'p7')?.action, null, 'nothing left to apply');
      const vettings = (await stack.rt.ledger.fees.entries('p7')).filter((e) => e.kind === 'campaignVetting');
      assert.deepEqual(vettings.map((e) => e.what), ['campaign created', 'campaign corrected and resubmitted', 'campaign recreated']);
    } finally {
      await stack.close();
    }
  });
});

describe('confirmation before resubmitting (redrive, ingest --update)', () => {
  it('prints the resubmissions and their cost, refuses without --yes (exit 2, nothing done), goes ahead with --yes', async () => {
    const stack = await startStack();
    try {
      const original = await failedBrand(stack, 'y1', '+1 415 555 7201');
      const refused = await cli(stack, 'redrive', '--customer', 'y1');
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /1 brand resubmission \(USD 4\.50 each\): USD 4\.50 in Twilio fees/);
      assert.match(refused.stderr, /--yes/);
      assert.equal((await stack.rt.ledger.get('y1'))!.gen, 1, 'not redriven');

      const file = tmpFile('fix.csv', csv(original.replace('+1 415 555 7201', '+1 415 555 7202')));
      const refusedUpdate = await cli(stack, 'ingest', file, '--update', '--template', templateFile(), '--batch', 'fix');
      assert.equal(refusedUpdate.status, 2, refusedUpdate.stderr);
      assert.match(refusedUpdate.stderr, /ingest --update: 1 brand resubmission \(USD 4\.50 each\): USD 4\.50/);
      assert.equal((await stack.rt.ledger.get('y1'))!.gen, 1, 'not updated');

      const yes = await cli(stack, 'ingest', file, '--update', '--template', templateFile(), '--batch', 'fix', '--yes');
      assert.equal(yes.status, 0, yes.stderr);
      assert.match(yes.stdout, /1 updated and redriven/);
      assert.equal((await waitForState(stack.rt.ledger, 'y1', ['live', 'failed'], 30_000)).state, 'live');
      assert.equal(ops(stack, 'brand.update'), 1);
    } finally {
      await stack.close();
    }
  });
});

describe('confirmSpend', () => {
  it('asks on a terminal and goes ahead only on yes; without one it needs --yes; nothing to spend needs nothing', async () => {
    const ask = async (answer: string, isTTY: boolean, spends = 1) => {
      const input = new PassThrough();
      const output = new PassThrough();
      let text = '';
      output.on('data', (b: Buffer) => (text += b.toString()));
      input.end(`${answer}\n`);
      const res = await confirmSpend('redrive: 1 brand resubmission (USD 4.50 each): USD 4.50 in Twilio fees.', spends, { yes: false, command: 'a2p-onboard redrive --customer x', isTTY, input, output });
      return { res, text };
    };
    assert.equal((await ask('yes', true)).res, 'yes');
    assert.equal((await ask('no', true)).res, 'declined');
    const noTty = await ask('yes', false);
    assert.equal(noTty.res, 'needs --yes');
    assert.match(noTty.text, /USD 4\.50[^]*a2p-onboard redrive --customer x --yes/);
    assert.equal((await ask('', false, 0)).res, 'yes');
  });
});
