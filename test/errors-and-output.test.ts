import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { printStatus } from '../src/commands/print.js';
import type { BatchStatus } from '../src/ledger/batch-status.js';
import { RateLimitedError, RejectedError, TransientError, classifyTwilioError } from '../src/twilio/errors.js';
import { InputError } from '../src/errors.js';
import { ConfigError } from '../src/config.js';
import { CsvFileError, TemplateError } from '../src/customers/errors.js';
import { ReportInputError } from '../src/commands/report.js';
import { RedisNotFoundError } from '../src/local-redis.js';

describe('error kinds', () => {
  it('every kind of unusable input is an InputError carrying exit status 2 (the CLI lists no classes)', () => {
    for (const err of [new ConfigError('x'), new CsvFileError('x'), new TemplateError('t.json', ['x']), new ReportInputError('x'), new RedisNotFoundError()]) {
      assert.ok(err instanceof InputError, err.name);
      assert.equal(err.exitCode, 2, err.name);
    }
    assert.ok(!(new RejectedError('x') instanceof InputError), "Twilio's refusals are not the operator's input");
  });

  it('a request twilio-node refuses to send (missing parameter) is not retried', () => {
    const err = classifyTwilioError(new Error('Required parameter "params[\'attributes\']" missing.'), 'update end user', false);
    assert.ok(err instanceof RejectedError);
    assert.match(err.action ?? '', /bug/);
  });
  it('network errors on a create are transient and ambiguous; 429 is rate limited', () => {
    const reset = classifyTwilioError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'create brand', true);
    assert.ok(reset instanceof TransientError && reset.ambiguous);
    assert.ok(classifyTwilioError({ status: 429, message: 'Too Many Requests' }, 'x', false) instanceof RateLimitedError);
  });
});

describe('status output', () => {
  it('prints counts per state, a stage × state table, and what to do for failed customers', () => {
    const base = { action: null, sids: {}, twilio: {}, updatedAt: null };
    const status: BatchStatus = {
      batch: 'b',
      exists: true,
      total: 4,
      done: 3,
      counts: { invalid: 1, in_progress: 1, awaiting_otp: 0, completed: 0, live: 1, failed: 1, expired: 0 },
      customers: [
        { ...base, customerId: 'a', row: 2, stage: 'campaign', state: 'live', reason: null, twilio: { brand: 'APPROVED', brandIdentity: 'VERIFIED', campaign: 'VERIFIED' } },
        { ...base, customerId: 'b', row: 3, stage: 'brand', state: 'in_progress', reason: null },
        { ...base, customerId: 'c', row: 4, stage: 'trust-bundle', state: 'failed', reason: 'Email is a suspected disposable address.', action: 'fix the email and ingest --update' },
        { ...base, customerId: 'd', row: 5, stage: 'ingest', state: 'invalid', reason: 'email: is missing the @' },
      ],
    };
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    printStatus(status, out);
    assert.match(text, /4 rows: 1 live, 0 completed .*1 in progress, 1 failed, 0 expired, 1 invalid/);
    assert.match(text, /stage\s+invalid\s+in_progress\s+live\s+failed/);
    assert.match(text, /trust-bundle\s+-\s+-\s+-\s+1/);
    assert.match(text, /APPROVED\/VERIFIED\s+VERIFIED/);
    assert.match(text, /what to do: fix the email and ingest --update/);
  });
});
