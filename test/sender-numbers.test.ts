import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { printStatus } from '../src/commands/print.js';
import { batchStatus } from '../src/ledger/batch-status.js';
import { TransientError } from '../src/twilio/errors.js';
import type { TwilioGateway } from '../src/twilio/gateway.js';
import { ingestFile } from '../src/producers/ingest.js';
import { redriveCustomer } from '../src/producers/redrive.js';
import { sweepDue } from '../src/workers/sweep.js';
import { COLUMNS, TEMPLATE, customerFields, csvLine } from '../fixtures/customers.js';
import { validateRow } from '../src/customers/row.js';
import { parseCampaignTemplate } from '../src/customers/template.js';
import { startStack, stopTestRedis, templateFile, tmpFile, waitFor, waitForState, type Stack, twilioClient } from './helpers.js';

after(stopTestRedis);

/** Issue 12 point 6: a customer is live only with a number on its Messaging Service. */

const WITH_SENDER = [...COLUMNS, 'sender_number'];
let seq = 7000;
function senderRow(id: string, over: Partial<Record<string, string>> = {}): string {
  seq += 1;
  return csvLine(customerFields(id, seq, over), WITH_SENDER);
}
function file(...rows: string[]): string {
  return tmpFile('customers.csv', [WITH_SENDER.join(','), ...rows].join('\n') + '\n');
}
/** The numbers on a Messaging Service, as Twilio lists them (E.164). */
async function serviceNumbers(stack: Stack, serviceSid: string): Promise<string[]> {
  return (await twilioClient(stack).messaging.v1.services(serviceSid).phoneNumbers.list()).map((n) => n.phoneNumber);
}
async function ownedNumbers(stack: Stack) {
  return twilioClient(stack).api.v2010.accounts(stack.sandbox.options.accountSid).incomingPhoneNumbers.list();
}

describe('sender numbers (Sole Proprietor)', () => {
  it('ingest normalises sender_number to E.164 and refuses what cannot be a 10DLC sender, naming the column', () => {
    const template = parseCampaignTemplate(TEMPLATE);
    const check = (sender: string) => validateRow({ ...customerFields('v1', 4242), sender_number: sender }, 2, template);
    const ok = check('(415) 555-0170');
    assert.ok(ok.ok && ok.customer.senderNumber === '+14155550170', JSON.stringify(ok));
    const empty = check('');
    assert.ok(empty.ok && empty.customer.senderNumber === undefined);
    for (const [value, why] of [
      ['+44 20 7946 0958', /US or Canadian local \(10DLC\) number/],
      ['(800) 555-0100', /US or Canadian local \(10DLC\) number/],
      ['415-555', /digits/],
      ['+1 415 555 4242', /customer's own mobile_phone_number/],
    ] as const) {
      const r = check(value);
      assert.ok(!r.ok, value);
      const p = r.problems.find((x) => x.column === 'sender_number');
      assert.match(p?.reason ?? '', why, value);
      assert.ok(!(p?.reason ?? '').includes(value.replace(/\D/g, '').slice(-7)), 'the reason does not repeat the number');
    }
  });

  it('a batch with sender_numbers ends live with each number on its own Messaging Service, nothing bought', async () => {
    const stack = await startStack({ env: { BUY_SENDER_NUMBERS: 'false' } });
    try {
      // Numbers the sandbox account owns (SANDBOX_PHONE_NUMBERS), written as people write them.
      const numbers = { s1: '+14155550170', s2: '+12125550172' };
      const report = await ingestFile(stack.rt, file(senderRow('s1', { sender_number: '(415) 555-0170' }), senderRow('s2', { sender_number: '1 212 555 0172' })), { templatePath: templateFile(), batchId: 'senders' });
      assert.deepEqual(report.rejected, []);
      const before = (await ownedNumbers(stack)).length;
      for (const [id, e164] of Object.entries(numbers)) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason}`);
        assert.equal(rec.stage, 'sender-number');
        assert.deepEqual(await serviceNumbers(stack, rec.sids.messagingService!), [e164], `${id}'s service holds its number, and only it`);
        assert.equal(rec.sids.senderNumber, undefined, 'nothing bought');
      }
      assert.equal((await ownedNumbers(stack)).length, before);
      // 002 §4.1: a Sole Proprietor service holds exactly one number; Twilio refuses a second one.
      const s1 = (await stack.rt.ledger.get('s1'))!;
      const other = (await ownedNumbers(stack)).find((n) => n.phoneNumber === '+14155550171')!;
      await assert.rejects(twilioClient(stack).messaging.v1.services(s1.sids.messagingService!).phoneNumbers.create({ phoneNumberSid: other.sid }), /Sole Proprietor Campaigns can only have one 10DLC phone number/);
      // A number on one service cannot go on another.
      const s2 = (await stack.rt.ledger.get('s2'))!;
      await assert.rejects(twilioClient(stack).messaging.v1.services(s2.sids.messagingService!).phoneNumbers.create({ phoneNumberSid: s1.sids.servicePhoneNumber! }), /already in another Messaging Service/);
    } finally {
      await stack.close();
    }
  });

  it('BUY_SENDER_NUMBERS buys exactly one number per customer near its phone, even when the purchase answer is lost and the stage crashes', async () => {
    const lost = new Set<string>();
    const crashed = new Set<string>();
    const faulty = (g: TwilioGateway): TwilioGateway =>
      new Proxy(g, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          const fn = value as (...a: unknown[]) => Promise<unknown>;
          if (prop === 'buyPhoneNumber') {
            // Twilio sells the number, then the answer is lost (a connection reset).
            return async (...args: unknown[]) => {
              const result = await fn.apply(target, args);
              const key = JSON.stringify(args[0]);
              if (!lost.has(key)) {
                lost.add(key);
                throw new TransientError('buy incoming phone number: connection reset after Twilio sold it', true);
              }
              return result;
            };
          }
          if (prop === 'addServicePhoneNumber') {
            // The worker dies after the purchase is recorded, before the number is on the service.
            return async (...args: unknown[]) => {
              const key = String(args[0]);
              if (!crashed.has(key)) {
                crashed.add(key);
                throw new Error('worker crashed');
              }
              return fn.apply(target, args);
            };
          }
          return value;
        },
      });
    const stack = await startStack({ wrapGateway: faulty, env: { BUY_SENDER_NUMBERS: 'true' } });
    try {
      const report = await ingestFile(
        stack.rt,
        file(
          senderRow('b415'),
          // 212 has nothing for sale: another New York number.
          senderRow('b212', { phone_number: '(212) 555-0100', city: 'New York', region: 'NY', postal_code: '10007' }),
          // Alaska has nothing for sale: any US number.
          senderRow('b907', { phone_number: '(907) 555-0100', city: 'Anchorage', region: 'AK', postal_code: '99501' }),
        ),
        { templatePath: templateFile(), batchId: 'buy' },
      );
      assert.deepEqual(report.rejected, []);
      const bought: Record<string, string> = {};
      for (const id of ['b415', 'b212', 'b907']) {
        const rec = await waitForState(stack.rt.ledger, id, ['live', 'failed'], 30_000);
        assert.equal(rec.state, 'live', `${id}: ${rec.reason} ${JSON.stringify(await stack.rt.ledger.history(id))}`);
        const onService = await serviceNumbers(stack, rec.sids.messagingService!);
        assert.equal(onService.length, 1, `${id}: one number on its service`);
        bought[id] = onService[0]!;
        assert.equal(rec.sids.servicePhoneNumber, rec.sids.senderNumber);
      }
      assert.equal(lost.size, 3, 'every purchase lost its first answer');
      assert.equal(crashed.size, 3, 'every stage crashed once before adding the number');
      const owned = await ownedNumbers(stack);
      for (const id of ['b415', 'b212', 'b907']) {
        const named = owned.filter((n) => n.friendlyName === `a2p-onboard ${id} Sender Number`);
        assert.deepEqual(named.map((n) => n.phoneNumber), [bought[id]], `${id}: bought exactly once`);
      }
      assert.equal(owned.length, stack.sandbox.options.phoneNumbers.length + 3, 'three numbers bought in all');
      assert.match(bought['b415']!, /^\+1415/, 'the area code of the phone');
      assert.match(bought['b212']!, /^\+1718/, 'same state when the area code has none');
      assert.match(bought['b907']!, /^\+1(?!907)\d{10}$/, 'anywhere in the country when the state has none');
    } finally {
      await stack.close();
    }
  });

  it('ingest (with credentials) refuses a sender_number the account does not own, and one number on two rows', async () => {
    const stack = await startStack({ workers: false });
    try {
      const ownsPhoneNumber = async (n: string) => (await stack.rt.gateway.findIncomingPhoneNumber(n)) !== null;
      const report = await ingestFile(
        stack.rt,
        file(senderRow('i1', { sender_number: '+14155550170' }), senderRow('i2', { sender_number: '+1 415 555 0999' }), senderRow('i3', { sender_number: '(415) 555-0170' })),
        { templatePath: templateFile(), batchId: 'ingest-senders', ownsPhoneNumber },
      );
      assert.equal(report.accepted, 1);
      const reasons = Object.fromEntries(report.rejected.map((r) => [r.customerId, r.reason]));
      assert.match(reasons['i2'] ?? '', /^sender_number: \+1\*+99 is not a phone number of this Twilio account.*buy or port it/);
      assert.match(reasons['i3'] ?? '', /^sender_number: .* is also the sender_number of row 2/);
    } finally {
      await stack.close();
    }
  });

  it('a sender_number the account does not own fails the customer with the reason and what to do', async () => {
    const stack = await startStack({ env: { BUY_SENDER_NUMBERS: 'true' } });
    try {
      await ingestFile(stack.rt, file(senderRow('u1', { sender_number: '+1 415 555 0999' })), { templatePath: templateFile(), batchId: 'unowned' });
      const rec = await waitForState(stack.rt.ledger, 'u1', ['live', 'failed'], 30_000);
      assert.equal(rec.state, 'failed');
      assert.equal(rec.stage, 'sender-number');
      assert.match(rec.reason ?? '', /sender_number \+1\*+99 is not a phone number of this Twilio account/);
      assert.doesNotMatch(rec.reason ?? '', /4155550999/, 'the number is masked');
      assert.match(rec.action ?? '', /buy or port it/);
      assert.match(rec.action ?? '', /ingest FILE --update/);
      assert.match(rec.action ?? '', /redrive --customer u1/);
      assert.deepEqual(await serviceNumbers(stack, rec.sids.messagingService!), []);
      assert.equal(rec.sids.senderNumber, undefined, 'a named number is never replaced by a bought one');
    } finally {
      await stack.close();
    }
  });

  it('without a number and without buying, the customer is not live and says what to do; either action makes it live', async () => {
    const stack = await startStack({ env: { BUY_SENDER_NUMBERS: 'false' } });
    try {
      const n2Fields = customerFields('n2', 9002);
      await ingestFile(stack.rt, file(senderRow('n1'), csvLine(n2Fields, WITH_SENDER)), { templatePath: templateFile(), batchId: 'none' });
      for (const id of ['n1', 'n2']) {
        // The campaign is VERIFIED, yet the customer cannot send: not live.
        const rec = await waitFor(`${id}'s campaign to be vetted`, async () => {
          const r = await stack.rt.ledger.get(id);
          return r?.status['campaign'] === 'VERIFIED' || r?.state === 'failed' ? r : null;
        }, 30_000);
        assert.equal(rec.state, 'completed', `${id}: ${rec.reason}`);
        assert.equal(rec.stage, 'sender-number');
        assert.match(rec.reason ?? '', /no sender number/);
        assert.match(rec.action ?? '', /sender_number/);
        assert.match(rec.action ?? '', /ingest FILE --update/);
        assert.match(rec.action ?? '', new RegExp(`BUY_SENDER_NUMBERS=true .*redrive --customer ${id}`));
        assert.deepEqual(await serviceNumbers(stack, rec.sids.messagingService!), []);
        // Vetted and waiting on the operator: no longer re-checked (each re-check would spend Twilio calls for nothing).
        await waitFor(`${id} to leave the watch list`, async () => !(await stack.rt.ledger.watched(0, 100)).includes(id));
      }
      assert.equal(await sweepDue(stack.rt, Date.now() + 3_600_000), 0, 'a sweep an hour later re-checks neither');
      // `status` shows the reason and what to do for a customer waiting on the operator.
      const out = new PassThrough();
      printStatus(await batchStatus(stack.rt.ledger, 'none'), out);
      const text = String(out.read());
      assert.match(text, /n1 +sender-number +completed .*no sender number/);
      assert.match(text, /what to do: The customer has no number to text from\..*redrive --customer n1/);
      // n1: the operator turns buying on and redrives it.
      stack.rt.settings.buySenderNumbers = true;
      const res = await redriveCustomer(stack.rt, 'n1');
      assert.equal(res.ok, true, JSON.stringify(res));
      // n2: the operator gives a number in the CSV and runs ingest --update (a named number wins over buying).
      const upd = await ingestFile(stack.rt, file(csvLine({ ...n2Fields, sender_number: '+13125550173' }, WITH_SENDER)), { templatePath: templateFile(), batchId: 'none', update: true });
      assert.deepEqual([upd.updated, upd.rejected], [1, []]);
      const n1 = await waitForState(stack.rt.ledger, 'n1', ['live', 'failed'], 30_000);
      assert.equal(n1.state, 'live', n1.reason ?? '');
      assert.match((await serviceNumbers(stack, n1.sids.messagingService!))[0] ?? '', /^\+1415/);
      const n2 = await waitForState(stack.rt.ledger, 'n2', ['live', 'failed'], 30_000);
      assert.equal(n2.state, 'live', n2.reason ?? '');
      assert.deepEqual(await serviceNumbers(stack, n2.sids.messagingService!), ['+13125550173']);
    } finally {
      await stack.close();
    }
  });
});
