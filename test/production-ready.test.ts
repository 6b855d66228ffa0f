import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ingestFile } from '../src/producers/ingest.js';
import { loadContract } from '@a2p-onboard/twilio-sandbox';
import { COLUMNS, customerFields, csvLine } from '../fixtures/customers.js';
import { exchangeOf, problemsOf } from './contract/exchanges.js';
import { startStack, stopTestRedis, templateFile, tmpFile, waitForState, twilioClient } from './helpers.js';

after(stopTestRedis);

/**
 * Issue 12's "Done when", end to end: a rehearsal on a real account as an ISV would run it. Mock brands
 * (no fees), sender numbers the account owns, a 64-character customer id (friendly names within
 * Twilio's limits) and a vertical ingest used to refuse (AUTOMOTIVE), through the sandbox with every
 * request and answer checked against Twilio's OpenAPI files.
 */

const LONG_ID = `northwind-traders-${'x'.repeat(40)}-00042`.slice(0, 64);
const HEADER = [...COLUMNS, 'sender_number'];

describe('ready for a real account: a mock-brand rehearsal with sender numbers', () => {
  it('ends live with each number on its own Messaging Service, every brand a mock, no fee, nothing off-contract', async () => {
    assert.equal(LONG_ID.length, 64);
    const stack = await startStack({ sandbox: { recordBodies: true }, env: { TWILIO_MOCK_BRANDS: 'true', BUY_SENDER_NUMBERS: 'false' } });
    try {
      const customers = [
        { id: LONG_ID, number: '+14155550170', over: { sender_number: '(415) 555-0170' } },
        { id: 'garage-7', number: '+13125550173', over: { vertical: 'AUTOMOTIVE', sender_number: '+1 312 555 0173' } },
        { id: 'studio-9', number: '+15125550174', over: { vertical: 'COMMUNICATION', sender_number: '512.555.0174' } },
      ];
      const file = tmpFile('customers.csv', [HEADER.join(','), ...customers.map((c, i) => csvLine(customerFields(c.id, 9100 + i, c.over), HEADER))].join('\n') + '\n');
      const report = await ingestFile(stack.rt, file, { templatePath: templateFile(), batchId: 'rehearsal' });
      assert.deepEqual(report.rejected, [], 'a 64-character id, AUTOMOTIVE and COMMUNICATION are accepted');
      assert.equal(report.accepted, 3);

      const twilio = twilioClient(stack);
      for (const c of customers) {
        const rec = await waitForState(stack.rt.ledger, c.id, ['live', 'failed', 'expired'], 30_000);
        assert.equal(rec.state, 'live', `${c.id}: ${rec.reason}`);
        const numbers = await twilio.messaging.v1.services(rec.sids.messagingService!).phoneNumbers.list();
        assert.deepEqual(numbers.map((n) => n.phoneNumber), [c.number], `${c.id}'s Messaging Service holds its sender_number and only it`);
      }

      // TWILIO_MOCK_BRANDS: every brand the account holds is a mock, and nothing was charged.
      const brands = await twilio.messaging.v1.brandRegistrations.list();
      assert.equal(brands.length, 3);
      assert.ok(brands.every((b) => b.mock === true), JSON.stringify(brands.map((b) => b.mock)));
      const fees = await stack.rt.ledger.fees.batchTotals('rehearsal');
      assert.equal(fees.byKind.brand.count, 3);
      assert.equal(fees.byKind.brand.mock, 3);
      assert.equal(fees.cents, 0, 'a mock rehearsal costs nothing');

      // Nothing bought, nothing refused, every name within 64 characters, every exchange on Twilio's contract.
      const log = stack.sandbox.requestLog();
      assert.ok(!log.some((e) => e.method === 'POST' && /IncomingPhoneNumbers\.json$/.test(e.path)), 'no number bought');
      assert.deepEqual(log.filter((e) => e.status >= 400 && e.status !== 404).map((e) => `${e.method} ${e.path} ${e.status}`), []);
      const names = log.flatMap((e) => (e.form ?? []).filter(([k]) => k === 'FriendlyName').map(([, v]) => v));
      assert.ok(names.some((n) => n.includes('northwind-traders')), 'the long id is still readable in its names');
      for (const n of names) assert.ok([...n].length <= 64, `${n} (${n.length})`);
      const contract = loadContract();
      const problems = log.flatMap((e) => {
        const x = exchangeOf(contract, e);
        return x ? problemsOf(contract, x) : [`unrouted: ${e.method} ${e.path}`];
      });
      assert.deepEqual(problems, []);
    } finally {
      await stack.close();
    }
  });
});
