import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.js';
import { customerMessage, toNotification, outboxEntrySchema } from '../src/notify/event.js';
import { signatureHeader, verifySignature } from '../src/notify/signature.js';
import { notifyAttempts } from '../src/workers/notify-worker.js';

/** The notification's signature, its words for the customer, the retry plan and the settings: no Redis, no network. */
describe('notification signatures and settings', () => {
  const secret = 'whsec-unit-0123456789abcdef';
  const body = '{"id":"evt_1","type":"customer.live"}';

  it('signs "<t>.<raw body>" with HMAC-SHA256 and verifies it within the tolerance only', () => {
    const header = signatureHeader(secret, body, 1_800_000_000);
    assert.equal(header, `t=1800000000,v1=${createHmac('sha256', secret).update(`1800000000.${body}`).digest('hex')}`);
    assert.deepEqual(verifySignature(header, body, secret, 300, 1_800_000_100), { ok: true, t: 1_800_000_000 });
    assert.match(JSON.stringify(verifySignature(header, body, secret, 300, 1_800_000_301)), /more than 300 s from now/);
    assert.match(JSON.stringify(verifySignature(header, `${body} `, secret, 300, 1_800_000_000)), /does not match/);
    assert.match(JSON.stringify(verifySignature(header, body, 'another-secret-0123', 300, 1_800_000_000)), /does not match/);
    assert.match(JSON.stringify(verifySignature('v1=abc', body, secret)), /malformed/);
    assert.match(JSON.stringify(verifySignature(undefined, body, secret)), /no A2P-Signature header/);
    // Two signatures (a secret being rotated): either one may match.
    const [t, v1] = header.split(',');
    assert.equal(verifySignature(`${t},v1=${'0'.repeat(64)},${v1}`, body, secret, 300, 1_800_000_000).ok, true);
  });

  it('tells an awaiting_otp customer to reply YES within 24 hours, and an awaiting_email one to confirm the Authentication+ email', () => {
    assert.match(customerMessage('awaiting_otp') ?? '', /Reply YES to that text within 24 hours/);
    assert.match(customerMessage('awaiting_email') ?? '', /Authentication\+ email/);
    assert.equal(customerMessage('in_progress'), null);
    const n = toNotification(outboxEntrySchema.parse({ id: `evt_${'a'.repeat(32)}`, customerId: 'c1', batchId: 'b', gen: '2', flow: 'business', stage: 'brand-status', state: 'failed', previousState: '', at: '2026-01-01T00:00:00.000Z', reason: 'why', action: '' }));
    assert.deepEqual(n, {
      id: `evt_${'a'.repeat(32)}`, type: 'customer.failed', createdAt: '2026-01-01T00:00:00.000Z',
      customer: { customerId: 'c1', batchId: 'b', state: 'failed', previousState: null, stage: 'brand-status', flow: 'business', generation: 2, reason: 'why', action: null, customerMessage: null },
    });
  });

  it('retries for at least the window: the default day takes 57 tries, each wait at least half its capped step', () => {
    const plan = (window: number, base: number, max: number) => {
      const n = notifyAttempts(window, base, max);
      let min = 0;
      for (let i = 1; i < n; i++) min += Math.min(max, base * 2 ** (i - 1)) / 2;
      return { n, min };
    };
    const day = plan(86_400_000, 10_000, 3_600_000);
    assert.ok(day.min >= 86_400_000, `${day.min} ms of waits cover a day`);
    assert.equal(day.n, 57);
    assert.equal(notifyAttempts(0, 10, 10), 1, 'no window: one try');
    const small = plan(100, 20, 40);
    assert.ok(small.min >= 100 && small.n > 1);
  });

  it('needs NOTIFY_URL and NOTIFY_SECRET together, an http(s) URL and a secret of 16 characters', () => {
    assert.throws(() => loadConfig({}, { NOTIFY_URL: 'https://isv.example.com/hooks' }), /NOTIFY_SECRET: NOTIFY_URL and NOTIFY_SECRET go together/);
    assert.throws(() => loadConfig({}, { NOTIFY_SECRET: 'x'.repeat(20) }), /NOTIFY_URL: NOTIFY_URL and NOTIFY_SECRET go together/);
    assert.throws(() => loadConfig({}, { NOTIFY_URL: 'ftp://isv.example.com', NOTIFY_SECRET: 'x'.repeat(20) }), /NOTIFY_URL: must be an http\(s\) URL/);
    assert.throws(() => loadConfig({}, { NOTIFY_URL: 'https://isv.example.com', NOTIFY_SECRET: 'short' }), /NOTIFY_SECRET: must be at least 16 characters/);
    const c = loadConfig({}, { NOTIFY_URL: 'https://isv.example.com/hooks', NOTIFY_SECRET: 'x'.repeat(20) });
    assert.equal(c.NOTIFY_RETRY_WINDOW_MS, 86_400_000);
  });
});
