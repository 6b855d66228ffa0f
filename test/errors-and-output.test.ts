import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { printStatus } from '../src/commands/print.js';
import type { BatchStatus } from '../src/ledger/batch-status.js';
import { RateLimitedError, RejectedError, TransientError, classifyTwilioError } from '../src/twilio/errors.js';
import { InputError } from '../src/errors.js';
import { FAILURE_KINDS, type RowRule } from '../src/failure-kinds.js';
import { fillCommands, kindAction, suggestAction } from '../src/reports/actions.js';
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

describe('what to do, keyed on the kind of failure', () => {
  const failed = (reason: string, details: Record<string, unknown> | null) => suggestAction({ state: 'failed', stage: 'campaign', reason, details, customerId: 'c1' }) ?? '';

  it('every kind of failure has an action of its own or the generic one', () => {
    // The tables in src/reports/actions.ts are typed `satisfies Record<FailureKind, ...>`: this is the run-time half.
    for (const kind of FAILURE_KINDS) {
      assert.ok(kindAction(kind).length > 20, kind);
      assert.equal(failed('whatever the wording', { kind }), fillCommands(kindAction(kind), { customerId: 'c1' }), kind);
    }
    assert.match(kindAction('campaign-failed'), /campaign template/);
    assert.match(kindAction('brand-suspended', { brandSid: 'BN1' }), /SUSPENDED.*brand BN1/);
    assert.match(kindAction('request-refused', { status: 400 }), /refused a value/);
    assert.match(kindAction('request-refused', { status: 302 }), /Read the reason/);
  });

  it('the kind decides, not the wording; a record without a kind gets the generic action', () => {
    assert.match(failed('rejected by Twilio: anything', { kind: 'campaign-failed' }), /campaign template/);
    assert.match(failed('Campaign QE1 FAILED: x', null), /Read the reason/);
    // With a kind, Twilio's codes come from the details where the failure was classified, not from the reason's text.
    assert.doesNotMatch(failed('Campaign QE1 FAILED: x (error 30885)', { kind: 'campaign-failed' }), /high risk/);
    assert.match(failed('Campaign QE1 FAILED: x', { kind: 'campaign-failed', errors: [{ error_code: 30885 }] }), /high risk/);
    // A stage's own action comes before Twilio's codes.
    assert.match(failed('x', { kind: 'business-profile-rejected', errors: [{ code: 22215 }] }), /Secondary Business Profile/);
  });

  it('a campaign refused without its privacy or terms URL (Twilio 30933, 30934) says which, and that the template can give it', () => {
    const policy = failed('create campaign: Privacy Policy URL is required (error 30933)', { kind: 'request-refused', status: 400, code: 30933 });
    assert.match(policy, /without a privacy policy URL \(error 30933\).*privacy_policy_url and terms_and_conditions_url.*campaign template.*\{\{customer_id\}\}.*ingest FILE --update/);
    assert.match(failed('x', { kind: 'request-refused', status: 400, code: 30934 }), /without a terms and conditions URL \(error 30934\)/);
  });

  it("an invalid row's action is keyed on its recorded column and rule", () => {
    const invalid = (column: string, rule: RowRule) => suggestAction({ state: 'invalid', stage: 'ingest', reason: 'whatever the wording', column, rule }) ?? '';
    assert.match(invalid('brand_name', 'company-brand-name'), /flow=business/);
    assert.match(invalid('customer_id', 'already-registered'), /earlier batch/);
    assert.match(invalid('email', 'reuse-limit'), /The email has reached/);
    assert.match(invalid('mobile_phone_number', 'reuse-limit'), /The mobile number has reached/);
    assert.match(invalid('tax_id', 'cell'), /has a tax ID/);
    assert.match(invalid('postal_code', 'cell'), /Fix the postal_code cell/);
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
      counts: { invalid: 1, in_progress: 1, awaiting_otp: 0, awaiting_email: 0, completed: 0, live: 1, failed: 1, expired: 0 },
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
