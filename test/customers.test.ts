import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import {
  BatchTally,
  COLUMNS,
  CsvFileError,
  PII_COLUMNS,
  REQUIRED_COLUMNS,
  ROW_COLUMN,
  TAX_ID_REASON,
  TemplateError,
  formatColumnHelp,
  loadCampaignTemplate,
  normalizePhone,
  companySuffix,
  isDisposableDomain,
  parseCampaignTemplate,
  validateAnyRow,
  VERTICALS,
  BUSINESS_INDUSTRIES,
  readCustomerCsv,
  validateRow,
  type CampaignTemplate,
  type HeaderInfo,
  type RowResult,
} from '../src/customers/index.js';
import { suggestAction } from '../src/reports/actions.js';
import { DISPOSABLE_EMAIL_DOMAINS, SOLE_PROPRIETOR_VERTICALS, addressRejection } from '@a2p-onboard/twilio-sandbox';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN, REVIEW_ONLY_ZIP } from '../fixtures/customers.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));

// ---------------------------------------------------------------- helpers

const DESCRIPTION = 'Sends appointment reminders and schedule changes to clients who booked a visit.';
const FLOW = 'Clients opt in on the booking form with an unchecked checkbox; terms at example.com/terms.';
const SAMPLE_1 = 'Reminder: your appointment is on [date] at [time]. Reply STOP to opt out.';
const SAMPLE_2 = 'Your appointment moved to [time]. Reply HELP for help, STOP to opt out.';

function good(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    customer_id: 'cust-1',
    first_name: 'Maria',
    last_name: 'Gonzalez',
    email: 'maria.gonzalez@example.com',
    phone_number: '(415) 555-0101',
    mobile_phone_number: '415.555.0102',
    brand_name: "Maria's Dog Grooming",
    vertical: '',
    street: '2150 Mission St',
    street_secondary: '',
    city: 'San Francisco',
    region: 'CA',
    postal_code: '94110',
    iso_country: 'US',
    tax_id: '',
    messaging_service_sid: '',
    campaign_description: DESCRIPTION,
    message_flow: FLOW,
    message_sample_1: SAMPLE_1,
    message_sample_2: SAMPLE_2,
    has_embedded_links: 'false',
    has_embedded_phone: 'no',
    privacy_policy_url: 'https://www.example.com/privacy',
    terms_and_conditions_url: 'https://www.example.com/terms',
    ...overrides,
  };
}

function ok(result: RowResult) {
  if (!result.ok) assert.fail(`expected a valid row, got ${JSON.stringify(result.problems)}`);
  return result.customer;
}
function problems(result: RowResult) {
  if (result.ok) assert.fail('expected an invalid row');
  return result.problems;
}

/** No reason of the result may contain the value of a PII column of the record. */
function assertNoPii(record: Record<string, string>, result: RowResult) {
  if (result.ok) return;
  for (const p of result.problems) {
    for (const column of PII_COLUMNS) {
      const value = (record[column] ?? '').trim();
      if (value.length >= 3) {
        assert.ok(!p.reason.includes(value), `reason for ${p.column} echoes ${column}: ${p.reason}`);
      }
    }
  }
}

async function collect(input: string | Buffer | (string | Buffer)[], opts: Parameters<typeof readCustomerCsv>[1] = {}) {
  const chunks = Array.isArray(input) ? input : [input];
  const results: RowResult[] = [];
  for await (const r of readCustomerCsv(Readable.from(chunks), opts)) results.push(r);
  return results;
}

const HEADER = Object.keys(good());
function csvLine(record: Record<string, string>, header = HEADER): string {
  return header
    .map((c) => {
      const v = record[c] ?? '';
      return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(',');
}

// ---------------------------------------------------------------- phone

describe('phone numbers', () => {
  for (const written of ['(415) 555-2671', '415.555.2671', '415-555-2671', '+1 415 555 2671', '1 (415) 555-2671', '+14155552671', '4155552671', '1-415-555-2671', ' 415 555 2671 ']) {
    test(`"${written}" → +14155552671 (mobile and phone)`, () => {
      assert.deepEqual(normalizePhone(written, { kind: 'us-ca-mobile' }), { ok: true, e164: '+14155552671', nanp: true });
      assert.deepEqual(normalizePhone(written, { kind: 'any' }), { ok: true, e164: '+14155552671', nanp: true });
    });
  }
  test('international numbers need a leading + and are refused as mobile', () => {
    assert.deepEqual(normalizePhone('+44 20 7946 0958', { kind: 'any' }), { ok: true, e164: '+442079460958', nanp: false });
    const mobile = normalizePhone('+44 7700 900123', { kind: 'us-ca-mobile' });
    assert.equal(mobile.ok, false);
    assert.match(!mobile.ok ? mobile.reason : '', /US or Canadian/);
    const noPlus = normalizePhone('442079460958', { kind: 'any' });
    assert.equal(noPlus.ok, false);
    assert.match(!noPlus.ok ? noPlus.reason : '', /leading \+/);
    assert.equal(normalizePhone('0044 20 7946 0958', { kind: 'any' }).ok, false);
    assert.equal(normalizePhone('+4420', { kind: 'any' }).ok, false); // too short
    assert.equal(normalizePhone('+1234567890123456', { kind: 'any' }).ok, false); // too long
  });
  const bad: [string, 'any' | 'us-ca-mobile', RegExp][] = [
    ['415-555-267', 'any', /9 digits/],
    ['(015) 555-2671', 'any', /area code/],
    ['(415) 155-2671', 'any', /exchange/],
    ['(911) 555-2671', 'any', /service code/],
    ['+1 415 555 26711', 'any', /10 digits after the \+1/],
    ['2 415 555 2671', 'any', /11 digits/],
    ['(800) 555-0100', 'us-ca-mobile', /toll-free/],
    ['(876) 555-0100', 'us-ca-mobile', /area code 876 is not in the US or Canada/],
    ['1-800-FLOWERS', 'any', /letters/],
    ['415-555-2671 x12', 'any', /extension/],
    ['4.15555E+09', 'any', /scientific notation/],
    ['415*555*2671', 'any', /characters other than/],
    ['415+555+2671', 'any', /'\+'/],
    ['(415 555-2671', 'any', /parentheses/],
    ['', 'any', /required/],
  ];
  for (const [written, kind, reason] of bad) {
    test(`"${written}" (${kind}) is refused: ${reason}`, () => {
      const r = normalizePhone(written, { kind });
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.match(r.reason, reason);
        const digits = written.replace(/\D/g, '');
        if (digits.length >= 7) assert.ok(!r.reason.includes(digits), 'reason must not contain the number');
      }
    });
  }
  test('a toll-free contact phone is fine', () => {
    assert.equal(normalizePhone('(800) 555-0100', { kind: 'any' }).ok, true);
  });
});

// ---------------------------------------------------------------- row rules

describe('validateRow', () => {
  test('a good row is normalized to the Customer contract', () => {
    const c = ok(
      validateRow(
        good({
          email: '  Maria.Gonzalez@Example.COM ',
          vertical: 'food and beverage',
          iso_country: 'United States',
          region: 'new york',
          postal_code: '100011234',
          street_secondary: ' Apt 4 ',
          messaging_service_sid: 'MG0123456789abcdef0123456789abcdef',
          first_name: '  Maria ',
        }),
        2,
      ),
    );
    assert.equal(c.customerId, 'cust-1');
    assert.equal(c.firstName, 'Maria');
    assert.equal(c.email, 'Maria.Gonzalez@example.com');
    assert.equal(c.phoneNumber, '+14155550101');
    assert.equal(c.mobilePhoneNumber, '+14155550102');
    assert.equal(c.vertical, 'FOOD_AND_BEVERAGE');
    assert.equal(c.isoCountry, 'US');
    assert.equal(c.region, 'NY');
    assert.equal(c.postalCode, '10001-1234');
    assert.equal(c.streetSecondary, 'Apt 4');
    assert.equal(c.messagingServiceSid, 'MG0123456789abcdef0123456789abcdef');
    assert.deepEqual(c.campaign, {
      description: DESCRIPTION,
      messageFlow: FLOW,
      messageSamples: [SAMPLE_1, SAMPLE_2],
      hasEmbeddedLinks: false,
      hasEmbeddedPhone: false,
      privacyPolicyUrl: 'https://www.example.com/privacy',
      termsAndConditionsUrl: 'https://www.example.com/terms',
    });
    assert.equal('vertical' in ok(validateRow(good(), 2)), false);
  });

  test('Canadian address: province names, postal code uppercased with one space', () => {
    const c = ok(validateRow(good({ iso_country: 'canada', region: 'Québec', postal_code: 'h2x1y4' }), 2));
    assert.equal(c.isoCountry, 'CA');
    assert.equal(c.region, 'QC');
    assert.equal(c.postalCode, 'H2X 1Y4');
  });

  // [title, overrides, column, reason]
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['customer_id missing', { customer_id: '' }, 'customer_id', /required/],
    ['customer_id with spaces', { customer_id: 'cust 1' }, 'customer_id', /"cust 1" is not a valid id/],
    ['first_name empty', { first_name: '  ' }, 'first_name', /required/],
    ['last_name empty', { last_name: '' }, 'last_name', /required/],
    ['email without @', { email: 'maria.gonzalez.example.com' }, 'email', /missing the '@'/],
    ['email without a dot in the domain', { email: 'maria.gonzalez@examplecom' }, 'email', /domain without a dot/],
    ['email with a numeric TLD', { email: 'maria.gonzalez@example.c0m' }, 'email', /top-level domain/],
    ['email with two addresses', { email: 'maria@example.com;bob@example.com' }, 'email', /single address/],
    ['email with two dots', { email: 'maria..gonzalez@example.com' }, 'email', /two dots/],
    ['email with bad characters', { email: 'maria!gonzalez@example.com' }, 'email', /only letters, digits/],
    ['email with a bad domain label', { email: 'maria.gonzalez@-example.com' }, 'email', /domain part/],
    ['phone_number with 9 digits', { phone_number: '415-555-010' }, 'phone_number', /9 digits/],
    ['mobile not NANP', { mobile_phone_number: '+44 7700 900123' }, 'mobile_phone_number', /US or Canadian/],
    ['mobile toll-free', { mobile_phone_number: '1-888-555-0100' }, 'mobile_phone_number', /toll-free/],
    ['brand_name empty', { brand_name: '' }, 'brand_name', /required/],
    ['brand_name is an email', { brand_name: 'maria.grooming@example.com' }, 'brand_name', /email address/],
    ['brand_name holds an email among words', { brand_name: 'Maria Grooming (maria@grooming.co)' }, 'brand_name', /email address/],
    ['brand_name is digits', { brand_name: '100234' }, 'brand_name', /only digits/],
    ['brand_name is a UUID', { brand_name: '3f2b8c1e-9d4a-4e7b-8a61-0c2d5e7f9a10' }, 'brand_name', /id or token/],
    ['brand_name is a hex token', { brand_name: 'a3f9c2e81b7d' }, 'brand_name', /id or token/],
    ['brand_name is a prefixed id', { brand_name: 'cus_8f3kLm2Q' }, 'brand_name', /id or token/],
    ['brand_name equals customer_id', { brand_name: 'Acme-Client', customer_id: 'acme-client' }, 'brand_name', /same as customer_id/],
    ['vertical unknown', { vertical: 'Crypto' }, 'vertical', /"Crypto" is not a Sole Proprietor vertical.*RETAIL/],
    ['street empty', { street: '' }, 'street', /required/],
    ['email on a disposable domain', { email: 'maria.gonzalez@mailinator.com' }, 'email', /disposable.*Twilio rejects/],
    ['email under a disposable domain', { email: 'maria.gonzalez@mx.yopmail.com' }, 'email', /disposable/],
    ['ZIP of another state', { region: 'NY', postal_code: '90210' }, 'postal_code', /is a ZIP code of CA \(California\), not of NY \(New York\)/],
    ['ZIP+4 of another state', { region: 'NV', postal_code: '94110-1234' }, 'postal_code', /ZIP code of CA \(California\), not of NV/],
    ['ZIP not in the data, prefix of another state', { region: 'NV', postal_code: '94198' }, 'postal_code', /not a known ZIP code.*in CA \(California\), not in NV/],
    ['ZIP prefix not in use', { postal_code: '00001' }, 'postal_code', /not a ZIP code in use/],
    ['Canadian postal code of another province', { iso_country: 'CA', region: 'QC', postal_code: 'M5V 2L4' }, 'postal_code', /postal code of ON \(Ontario\), not of QC \(Quebec\)/],
    ['brand_name ends in LLC', { brand_name: "Maria's Dog Grooming LLC" }, 'brand_name', /ends in "LLC".*error 30915.*flow=business/],
    ['brand_name ends in , L.L.C.', { brand_name: "Maria's Dog Grooming, L.L.C." }, 'brand_name', /"L\.L\.C\."/],
    ['brand_name ends in Inc.', { brand_name: 'Gonzalez Grooming Inc.' }, 'brand_name', /"Inc\."/],
    ['brand_name ends in Corporation', { brand_name: 'Gonzalez Grooming Corporation' }, 'brand_name', /"Corporation"/],
    ['brand_name ends in Ltd', { brand_name: 'Gonzalez Grooming Ltd' }, 'brand_name', /"Ltd\."/],
    ['brand_name ends in , PC', { brand_name: 'Gonzalez Law, PC' }, 'brand_name', /"PC"/],
    ['brand_name ends in (PLLC)', { brand_name: 'Gonzalez Dental (PLLC)' }, 'brand_name', /"PLLC"/],
    ['mobile in an area code not in service', { mobile_phone_number: '(999) 555-0102' }, 'mobile_phone_number', /not a valid number for area code 999/],
    ['contact phone in an area code not in service', { phone_number: '(370) 555-0101' }, 'phone_number', /area code 370/],
    ['international contact phone of a range not in service', { phone_number: '+44 7700 900123' }, 'phone_number', /country code \+44/],
    ['mobile a 5XX personal-communications number', { mobile_phone_number: '(500) 555-0102' }, 'mobile_phone_number', /non-personal/],
    ['line break in the mobile number', { mobile_phone_number: '415.555\n.0102' }, 'mobile_phone_number', /line break/],
    ['line break in the customer_id', { customer_id: 'cust\n-1' }, 'customer_id', /line break/],
    ['city empty', { city: '' }, 'city', /required/],
    ['iso_country MX', { iso_country: 'MX' }, 'iso_country', /"MX" is not supported: Sole Proprietor registration is only for customers in the United States or Canada/],
    ['region unknown', { region: 'ZZ' }, 'region', /"ZZ" is not a US state/],
    ['region of the other country', { region: 'ON' }, 'region', /ON is a Canadian province or territory but iso_country is US/],
    ['US region with iso_country CA', { iso_country: 'CA', region: 'NY', postal_code: 'M5V 2L4' }, 'region', /NY is a US state or territory but iso_country is CA/],
    ['ZIP too short (leading zero lost)', { postal_code: '2118' }, 'postal_code', /leading zeros/],
    ['ZIP malformed', { postal_code: '9411O' }, 'postal_code', /not a US ZIP code/],
    ['Canadian postal code in the US', { postal_code: 'M5V 2L4' }, 'postal_code', /Canadian postal code but iso_country is US/],
    ['US ZIP in Canada', { iso_country: 'CA', region: 'ON', postal_code: '94110' }, 'postal_code', /US ZIP code but iso_country is CA/],
    ['tax_id present', { tax_id: '12-3456789' }, 'tax_id', /^customer has a tax ID: not eligible for Sole Proprietor registration; set the flow column to "business"/],
    ['messaging_service_sid malformed', { messaging_service_sid: 'MG123' }, 'messaging_service_sid', /"MG123" is not a Messaging Service SID/],
    ['description too short', { campaign_description: 'Appointment texts.' }, 'campaign_description', /too short: 18 characters, at least 40/],
    ['description too long', { campaign_description: 'x'.repeat(4097) }, 'campaign_description', /too long: 4097 characters, at most 4096/],
    ['message_flow missing', { message_flow: '' }, 'message_flow', /required/],
    ['message_flow too long', { message_flow: 'y'.repeat(2049) }, 'message_flow', /too long: 2049/],
    ['sample too short', { message_sample_2: 'Hi there' }, 'message_sample_2', /too short: 8 characters, at least 20/],
    ['sample too long', { message_sample_1: 's'.repeat(1025) }, 'message_sample_1', /too long: 1025/],
    ['only one sample', { message_sample_2: '' }, 'message_sample_2', /at least 2 message samples.*found 1/],
    ['boolean not a boolean', { has_embedded_links: 'maybe' }, 'has_embedded_links', /true or false.*"maybe"/],
    ['boolean missing', { has_embedded_phone: '' }, 'has_embedded_phone', /required/],
    ['keyword not alphanumeric', { opt_out_keywords: 'STOP, STOP!', opt_out_message: 'You are unsubscribed from Maria texts.' }, 'opt_out_keywords', /"STOP!" is not alphanumeric/],
    ['keywords too long', { help_keywords: Array.from({ length: 52 }, (_, i) => `HELP${i}`).join(','), help_message: 'Maria texts: reply STOP to opt out.' }, 'help_keywords', /at most 255/],
    ['message without keywords', { opt_in_message: 'You are subscribed to Maria texts. Reply STOP to opt out.' }, 'opt_in_keywords', /required when opt_in_message is given/],
    ['keywords without message', { help_keywords: 'HELP' }, 'help_message', /required when help_keywords is given/],
    ['opt-out message too short', { opt_out_keywords: 'STOP', opt_out_message: 'Bye' }, 'opt_out_message', /too short/],
    ['help message too long', { help_keywords: 'HELP', help_message: 'h'.repeat(321) }, 'help_message', /too long: 321 characters, at most 320/],
    ['invalid UTF-8 in a cell', { city: 'Montr\uFFFDal' }, 'city', /not valid UTF-8/],
    ['control character', { last_name: 'Gon\u0007zalez' }, 'last_name', /control characters/],
  ];
  for (const [title, overrides, column, reason] of cases) {
    test(`${title} → ${column}`, () => {
      const record = good(overrides);
      const result = validateRow(record, 7);
      const ps = problems(result);
      assert.equal(result.row, 7);
      const p = ps.find((x) => x.column === column);
      assert.ok(p, `expected a problem on ${column}, got ${JSON.stringify(ps)}`);
      assert.match(p.reason, reason);
      assert.equal(ps.length, 1, `only ${column} should be wrong, got ${JSON.stringify(ps)}`);
      assertNoPii(record, result);
    });
  }

  test('tax_id reason is exactly the documented text', () => {
    assert.equal(
      TAX_ID_REASON,
      'customer has a tax ID: not eligible for Sole Proprietor registration; set the flow column to "business" to register it with a Secondary Business Profile (business_* and rep1_* columns), as Twilio asks for a Standard registration of businesses with an EIN',
    );
  });

  test('customerId is reported when valid, null when not', () => {
    const a = validateRow(good({ email: 'nope' }), 3);
    assert.equal(!a.ok && a.customerId, 'cust-1');
    const b = validateRow(good({ customer_id: 'bad id', email: 'nope' }), 3);
    assert.equal(!b.ok && b.customerId, null);
  });

  test('all problems of a row are collected', () => {
    const ps = problems(
      validateRow(good({ email: 'x@y', phone_number: '123', region: 'ZZ', tax_id: '98-7654321', has_embedded_links: 'perhaps' }), 2),
    );
    assert.deepEqual(ps.map((p) => p.column).sort(), ['email', 'has_embedded_links', 'phone_number', 'region', 'tax_id']);
  });

  test('no PII value appears in any reason', () => {
    const record = good({
      first_name: 'Zebulon\nX',
      last_name: 'Quixotic\u0001',
      email: 'zebulon.quixotic@@nowhere-land',
      phone_number: '555-867-53099',
      mobile_phone_number: '+44 7700 900777',
      brand_name: 'zebulon.quixotic@nowhere-land.org',
      street: '77 Sunset Strip\nBack door',
      city: 'Gotham\uFFFD',
      postal_code: 'ZIP9Q9',
      street_secondary: 'Unit \u0002 9',
    });
    const result = validateRow(record, 2);
    const ps = problems(result);
    // first_name and street have line breaks, which are folded (not problems).
    assert.ok(ps.length >= 7, JSON.stringify(ps));
    assertNoPii(record, result);
    const all = ps.map((p) => p.reason).join('\n');
    for (const fragment of ['Zebulon', 'Quixotic', 'zebulon', 'nowhere-land', '867', '7700', 'Sunset', 'Gotham', 'ZIP9Q9']) {
      assert.ok(!all.includes(fragment), `a reason contains "${fragment}": ${all}`);
    }
  });

  test('booleans accept true/false/yes/no/1/0/y/n in any case', () => {
    for (const [text, value] of [['TRUE', true], ['yes', true], ['Y', true], ['1', true], ['False', false], ['NO', false], ['n', false], ['0', false]] as const) {
      assert.equal(ok(validateRow(good({ has_embedded_links: text }), 2)).campaign.hasEmbeddedLinks, value, text);
    }
  });

  test('keywords are split on commas, trimmed and de-duplicated; a message pair is kept', () => {
    const c = ok(validateRow(good({ opt_out_keywords: ' STOP , end,Stop,, QUIT', opt_out_message: 'You are unsubscribed from Maria texts.' }), 2));
    assert.deepEqual(c.campaign.optOutKeywords, ['STOP', 'end', 'QUIT']);
    assert.equal(c.campaign.optOutMessage, 'You are unsubscribed from Maria texts.');
  });

  test('lengths are counted in code points', () => {
    const emoji = '🐶'.repeat(20); // 20 code points, 40 UTF-16 units
    assert.equal(ok(validateRow(good({ message_sample_1: emoji }), 2)).campaign.messageSamples[0], emoji);
    const ps = problems(validateRow(good({ message_sample_1: '🐶'.repeat(19) }), 2));
    assert.match(ps[0]?.reason ?? '', /19 characters/);
  });

  test('samples may skip slots; up to five are kept in order', () => {
    const c = ok(validateRow(good({ message_sample_2: '', message_sample_3: SAMPLE_2, message_sample_5: `${SAMPLE_1}!` }), 2));
    assert.deepEqual(c.campaign.messageSamples, [SAMPLE_1, SAMPLE_2, `${SAMPLE_1}!`]);
  });
});

// ---------------------------------------------------------------- template

describe('campaign template', () => {
  const templateJson = {
    campaign_description: '{{brand_name}} sends appointment reminders to clients who booked a visit.',
    message_flow: 'Clients of {{ brand_name }} opt in on the booking form; contact {{first_name}} {{last_name}}.',
    message_samples: ['{{brand_name}}: reminder of your visit on [date]. Reply STOP to opt out.', '{{brand_name}}: your visit moved to [time]. Reply STOP to opt out.'],
    has_embedded_links: false,
    has_embedded_phone: true,
    opt_out_keywords: 'STOP, END',
    opt_out_message: 'You are unsubscribed from {{brand_name}}.',
    help_keywords: ['HELP'],
    help_message: '{{brand_name}}: reply STOP to opt out.',
  };
  const bare = (overrides: Record<string, string> = {}) => {
    const r = good(overrides);
    for (const c of ['campaign_description', 'message_flow', 'message_sample_1', 'message_sample_2', 'has_embedded_links', 'has_embedded_phone']) {
      if (!(c in overrides)) r[c] = '';
    }
    return r;
  };

  test('fills placeholders per row', () => {
    const t = parseCampaignTemplate(templateJson);
    const c = ok(validateRow(bare(), 2, t));
    assert.equal(c.campaign.description, "Maria's Dog Grooming sends appointment reminders to clients who booked a visit.");
    assert.equal(c.campaign.messageFlow, "Clients of Maria's Dog Grooming opt in on the booking form; contact Maria Gonzalez.");
    assert.deepEqual(c.campaign.messageSamples, [
      "Maria's Dog Grooming: reminder of your visit on [date]. Reply STOP to opt out.",
      "Maria's Dog Grooming: your visit moved to [time]. Reply STOP to opt out.",
    ]);
    assert.equal(c.campaign.hasEmbeddedPhone, true);
    assert.deepEqual(c.campaign.optOutKeywords, ['STOP', 'END']);
    assert.deepEqual(c.campaign.helpKeywords, ['HELP']);
    assert.equal(c.campaign.helpMessage, "Maria's Dog Grooming: reply STOP to opt out.");
  });

  test("a row's own non-empty cell wins over the template", () => {
    const t = parseCampaignTemplate(templateJson);
    const c = ok(validateRow(bare({ campaign_description: DESCRIPTION, has_embedded_phone: 'no', message_sample_2: SAMPLE_2, help_keywords: 'INFO' }), 2, t));
    assert.equal(c.campaign.description, DESCRIPTION);
    assert.equal(c.campaign.hasEmbeddedPhone, false);
    assert.equal(c.campaign.messageSamples[1], SAMPLE_2);
    assert.match(c.campaign.messageSamples[0] ?? '', /^Maria's Dog Grooming: reminder/);
    assert.deepEqual(c.campaign.helpKeywords, ['INFO']);
  });

  test('a filled template text that is too short names the column and the template', () => {
    const t = parseCampaignTemplate({ ...templateJson, message_samples: ['{{first_name}}: see you soon', templateJson.message_samples[1]] });
    const ps = problems(validateRow(bare({ first_name: 'Al' }), 2, t));
    assert.equal(ps[0]?.column, 'message_sample_1');
    assert.match(ps[0]?.reason ?? '', /too short: 16 characters.*campaign template <inline>/);
  });

  test('privacy and terms URLs: a Sole Proprietor row without either, in the row or the template, is refused naming the column and the template (Twilio 30933, 30934)', () => {
    const t = parseCampaignTemplate(templateJson);
    const ps = problems(validateRow(bare({ privacy_policy_url: '', terms_and_conditions_url: '' }), 2, t));
    assert.deepEqual(ps.map((p) => p.column), ['privacy_policy_url', 'terms_and_conditions_url']);
    assert.match(ps[0]?.reason ?? '', /^is required: .*privacy policy.*error 30933\)\. Fill the column, or give privacy_policy_url in the campaign template \(--template\)/);
    assert.match(ps[1]?.reason ?? '', /^is required: .*terms and conditions.*error 30934\)\. Fill the column, or give terms_and_conditions_url in the campaign template/);
    // Without a template the row's own cells do it.
    assert.equal(ok(validateRow(good(), 2)).campaign.privacyPolicyUrl, 'https://www.example.com/privacy');
    // Only the privacy URL missing: that one alone.
    assert.deepEqual(problems(validateRow(good({ privacy_policy_url: '' }), 2)).map((p) => p.column), ['privacy_policy_url']);
  });

  test('privacy and terms URLs from the template: {{customer_id}} filled per row, checked like the column; the row\'s own cell wins', () => {
    const t = parseCampaignTemplate({ ...templateJson, privacy_policy_url: 'https://isv.example.com/privacy/{{customer_id}}', terms_and_conditions_url: 'isv.example.com/terms?c={{ customer_id }}' });
    const row = (id: string, over: Record<string, string> = {}) => validateRow(bare({ customer_id: id, privacy_policy_url: '', terms_and_conditions_url: '', ...over }), 2, t);
    const a = ok(row('cust-7')).campaign;
    assert.equal(a.privacyPolicyUrl, 'https://isv.example.com/privacy/cust-7');
    assert.equal(a.termsAndConditionsUrl, 'https://isv.example.com/terms?c=cust-7');
    assert.equal(ok(row('Cust_8.b')).campaign.privacyPolicyUrl, 'https://isv.example.com/privacy/Cust_8.b');
    const own = ok(row('cust-9', { privacy_policy_url: 'maria.example.com/privacy' })).campaign;
    assert.equal(own.privacyPolicyUrl, 'https://maria.example.com/privacy');
    assert.equal(own.termsAndConditionsUrl, 'https://isv.example.com/terms?c=cust-9');
    // A row's own http:// cell is refused as the column is, not replaced by the template's.
    const http = problems(row('cust-10', { privacy_policy_url: 'http://maria.example.com/privacy' }));
    assert.deepEqual(http.map((p) => [p.column, p.reason.startsWith('must be an https:// URL')]), [['privacy_policy_url', true]]);

    // The filled URL is checked per row: an id with '_' is no host name.
    const hosted = parseCampaignTemplate({ ...templateJson, privacy_policy_url: 'https://{{customer_id}}.isv.example.com/privacy', terms_and_conditions_url: 'https://isv.example.com/terms' }, 'tpl.json');
    assert.equal(ok(validateRow(bare({ customer_id: 'cust-11', privacy_policy_url: '', terms_and_conditions_url: '' }), 2, hosted)).campaign.privacyPolicyUrl, 'https://cust-11.isv.example.com/privacy');
    const bad = problems(validateRow(bare({ customer_id: 'cust_12', privacy_policy_url: '', terms_and_conditions_url: '' }), 7, hosted));
    assert.deepEqual(bad.map((p) => p.column), ['privacy_policy_url']);
    assert.match(bad[0]?.reason ?? '', /^is not a public web address .* \(value from the campaign template tpl\.json\)$/);
  });

  test('template URLs: https only, only {{customer_id}}, which is for URLs only → TemplateError', () => {
    assert.throws(
      () => parseCampaignTemplate({ ...templateJson, privacy_policy_url: 'http://isv.example.com/privacy/{{customer_id}}', terms_and_conditions_url: 'https://isv.example.com/{{brand_name}}', message_flow: 'Clients of {{customer_id}} opt in on the booking form at the front desk.' }, 't.json'),
      (err: unknown) => {
        assert.ok(err instanceof TemplateError);
        assert.equal(err.problems.length, 3, err.message);
        assert.match(err.message, /privacy_policy_url must be an https:\/\/ URL/);
        assert.match(err.message, /terms_and_conditions_url unknown placeholder \{\{brand_name\}\} \(allowed in a URL: \{\{customer_id\}\}\)/);
        assert.match(err.message, /message_flow unknown placeholder \{\{customer_id\}\} .*only for privacy_policy_url and terms_and_conditions_url/);
        return true;
      },
    );
    assert.throws(() => parseCampaignTemplate({ ...templateJson, privacy_policy_url: true }), (err: unknown) => err instanceof TemplateError && /privacy_policy_url must be a string/.test(err.message));
  });

  test('unknown placeholder → TemplateError', () => {
    assert.throws(
      () => parseCampaignTemplate({ ...templateJson, message_flow: 'Clients of {{business_name}} opt in on the booking form at the front desk.' }, 't.json'),
      (err: unknown) => err instanceof TemplateError && err.exitCode === 2 && /message_flow unknown placeholder \{\{business_name\}\}/.test(err.message) && err.message.includes('t.json'),
    );
  });
  test('unknown key → TemplateError', () => {
    assert.throws(() => parseCampaignTemplate({ ...templateJson, use_case: 'MARKETING' }), (err: unknown) => err instanceof TemplateError && /unknown key "use_case"/.test(err.message));
  });
  test('bad values → TemplateError listing every problem', () => {
    assert.throws(
      () =>
        parseCampaignTemplate({
          ...templateJson,
          has_embedded_links: 'no',
          opt_out_keywords: ['STOP', 'OPT-OUT'],
          campaign_description: 'Too short.',
          message_sample_1: 'x',
          help_message: '{{brand_name',
        }),
      (err: unknown) => {
        assert.ok(err instanceof TemplateError);
        assert.equal(err.problems.length, 6, err.message);
        assert.match(err.message, /has_embedded_links must be true or false/);
        assert.match(err.message, /"OPT-OUT" is not alphanumeric/);
        assert.match(err.message, /campaign_description is too short/);
        assert.match(err.message, /either message_samples or message_sample_1/);
        assert.match(err.message, /malformed placeholder/);
        return true;
      },
    );
    assert.throws(() => parseCampaignTemplate([]), TemplateError);
  });
  test('loadCampaignTemplate: the example loads; missing file and bad JSON are TemplateErrors', async () => {
    const t = await loadCampaignTemplate(join(EXAMPLES, 'campaign-template.json'));
    assert.equal(t.fields.has_embedded_links, false);
    assert.ok(Array.isArray(t.fields.opt_out_keywords));
    const dir = await mkdtemp(join(tmpdir(), 'tpl-'));
    try {
      await writeFile(join(dir, 'bad.json'), '{ "campaign_description": ');
      await assert.rejects(loadCampaignTemplate(join(dir, 'bad.json')), (e: unknown) => e instanceof TemplateError && /not valid JSON/.test(e.message));
      await assert.rejects(loadCampaignTemplate(join(dir, 'none.json')), (e: unknown) => e instanceof TemplateError && /file not found/.test(e.message));
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

// ---------------------------------------------------------------- CSV reader

describe('readCustomerCsv', () => {
  const row = (overrides: Record<string, string> = {}) => csvLine(good(overrides));

  test('BOM, CRLF, quoted commas, quotes and newlines, blank lines', async () => {
    const text =
      '\uFEFF' +
      [
        HEADER.join(','),
        row({ customer_id: 'a1', brand_name: 'Braids, Twists & More' }),
        '',
        row({ customer_id: 'a2', brand_name: 'The "Best" Pizza', campaign_description: `${DESCRIPTION}\r\nSecond line of the description.` }),
        ',,,,',
        row({ customer_id: 'a3' }),
        '',
      ].join('\r\n');
    const results = await collect(Buffer.from(text, 'utf8'));
    assert.deepEqual(results.map((r) => [r.row, r.ok]), [[2, true], [4, true], [6, true]]);
    const [a1, a2] = results.map((r) => ok(r));
    assert.equal(a1?.brandName, 'Braids, Twists & More');
    assert.equal(a1?.customerId, 'a1'); // the BOM did not stick to the first header name
    assert.equal(a2?.brandName, 'The "Best" Pizza');
    assert.equal(a2?.campaign.description, `${DESCRIPTION}\r\nSecond line of the description.`);
  });

  test('streams input split at any byte (1-byte chunks, multi-byte UTF-8 characters split)', async () => {
    const text = [HEADER.join(','), row({ customer_id: 'b1', city: 'Montréal', brand_name: 'Café Émile' }), row({ customer_id: 'b2' })].join('\n');
    const bytes = Buffer.from(text, 'utf8');
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const results = await collect(chunks);
    assert.equal(results.length, 2);
    assert.equal(ok(results[0]!).city, 'Montréal');
    assert.equal(ok(results[0]!).brandName, 'Café Émile');
  });

  test('spreadsheet row numbers: header row 1, a multi-line record is one row, blank lines count', async () => {
    const text = [
      HEADER.join(','),
      row({ customer_id: 'r2' }),
      row({ customer_id: 'r3', campaign_description: `${DESCRIPTION}\nline two\nline three` }),
      row({ customer_id: 'r4', email: 'broken' }),
      '',
      row({ customer_id: 'r6', email: 'broken' }),
    ].join('\n');
    const results = await collect(text);
    assert.deepEqual(
      results.map((r) => [r.ok ? r.customer.customerId : r.customerId, r.row]),
      [['r2', 2], ['r3', 3], ['r4', 4], ['r6', 6]],
    );
  });

  test('header names are trimmed and lowercased; unknown columns are reported, not fatal', async () => {
    const header = [...HEADER.map((h) => ` ${h.toUpperCase()} `), 'Notes', 'internal_score'];
    let info: HeaderInfo | undefined;
    const results = await collect([header.join(','), `${row()},call after 5pm,7`].join('\n'), { onHeader: (h) => (info = h) });
    assert.equal(results.length, 1);
    assert.equal(results[0]?.ok, true);
    assert.deepEqual(info?.unknown, ['notes', 'internal_score']);
    assert.equal(info?.columns[0], 'customer_id');
  });

  test('missing required columns → CsvFileError listing them, before any row', async () => {
    const header = HEADER.filter((h) => h !== 'email' && h !== 'postal_code');
    const text = [header.join(','), csvLine(good(), header)].join('\n');
    let yielded = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of readCustomerCsv(Readable.from([text]), {})) yielded++;
      })(),
      (err: unknown) => {
        assert.ok(err instanceof CsvFileError, String(err));
        assert.equal(err.exitCode, 2);
        assert.match(err.message, /missing required columns: email, postal_code/);
        assert.deepEqual([...err.columns], ['email', 'postal_code']);
        return true;
      },
    );
    assert.equal(yielded, 0);
  });

  test('campaign columns missing: an error without a template, fine with one', async () => {
    const header = HEADER.filter((h) => !['message_flow', 'message_sample_1', 'message_sample_2', 'has_embedded_links'].includes(h));
    const text = [header.join(','), csvLine(good(), header)].join('\n');
    await assert.rejects(collect(text), (err: unknown) => {
      assert.ok(err instanceof CsvFileError);
      assert.match(err.message, /missing campaign columns and no campaign template \(--template FILE\) to provide them: message_flow, has_embedded_links, message_sample_1, message_sample_2/);
      return true;
    });
    const partial = parseCampaignTemplate({ message_flow: FLOW, has_embedded_links: true, message_sample_1: SAMPLE_1 }, 'partial.json');
    await assert.rejects(collect(text, { template: partial }), (err: unknown) => err instanceof CsvFileError && /partial\.json does not provide either: message_sample_2/.test(err.message));
    const full = parseCampaignTemplate({ message_flow: FLOW, has_embedded_links: true, message_samples: [SAMPLE_1, SAMPLE_2] });
    const results = await collect(text, { template: full });
    assert.equal(ok(results[0]!).campaign.hasEmbeddedLinks, true);
  });

  test('duplicated column → CsvFileError', async () => {
    const header = [...HEADER, 'City'];
    await assert.rejects(
      collect([header.join(','), `${row()},Oakland`].join('\n')),
      (err: unknown) => err instanceof CsvFileError && /duplicated column: city \(columns 11, 25\)/.test(err.message),
    );
  });

  test('short and long rows are row problems; trailing empty cells are harmless', async () => {
    const cells = row({ customer_id: 'short' }).split(',');
    const text = [
      HEADER.join(','),
      cells.slice(0, 10).join(','),
      `${row({ customer_id: 'long' })},extra value`,
      `${row({ customer_id: 'trailing' })},,`,
      row({ customer_id: 'fine' }),
    ].join('\n');
    const results = await collect(text);
    assert.equal(results.length, 4);
    const [s, l, t, f] = results;
    assert.equal(s?.ok, false);
    assert.deepEqual(!s?.ok && s?.customerId, 'short');
    assert.equal(!s?.ok && s?.problems[0]?.column, ROW_COLUMN);
    assert.match((!s?.ok && s?.problems[0]?.reason) || '', /has 10 cells but the header has 24 columns/);
    assert.equal(l?.ok, false);
    assert.match((!l?.ok && l?.problems[0]?.reason) || '', /has 25 cells .* unquoted comma/);
    assert.equal(t?.ok, true);
    assert.equal(f?.ok, true);
    assert.equal(f?.row, 5);
  });

  test('unbalanced quote → CsvFileError naming the line where the record starts', async () => {
    const text = [HEADER.join(','), row({ customer_id: 'q1' }), row({ customer_id: 'q2' }).replace('Maria', '"Maria'), row({ customer_id: 'q3' })].join('\n');
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of readCustomerCsv(Readable.from([text]), {})) seen.push(r.ok ? r.customer.customerId : 'bad');
      })(),
      (err: unknown) => {
        assert.ok(err instanceof CsvFileError, String(err));
        assert.equal(err.line, 3);
        assert.match(err.message, /^line 3: /);
        return true;
      },
    );
    assert.ok(seen.every((id) => id === 'q1'), `rows after the broken record must not be yielded: ${seen.join(',')}`);
    // A stray quote after a quoted field, after a multi-line CRLF record.
    const text2 = [HEADER.join(','), row({ campaign_description: `${DESCRIPTION}\r\nmore` }), row().replace('Gonzalez', '"Gonzalez"x')].join('\r\n');
    await assert.rejects(collect(text2), (err: unknown) => err instanceof CsvFileError && err.line === 4 && /closing quote/.test(err.message));
  });

  test('empty file, blank file and non-CSV content → CsvFileError', async () => {
    await assert.rejects(collect(''), (e: unknown) => e instanceof CsvFileError && /empty/.test(e.message));
    await assert.rejects(collect('\n\n\r\n'), (e: unknown) => e instanceof CsvFileError && /empty/.test(e.message));
    await assert.rejects(collect('\uFEFF'), (e: unknown) => e instanceof CsvFileError && /empty/.test(e.message));
    await assert.rejects(collect('{"customers": [1, 2, 3]}\n'), (e: unknown) => e instanceof CsvFileError && /does not look like a customers CSV/.test(e.message));
    await assert.rejects(collect('just some text\nanother line\n'), (e: unknown) => e instanceof CsvFileError && /None of the expected columns/.test(e.message));
    await assert.rejects(collect(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x0a])), (e: unknown) => e instanceof CsvFileError && /NUL bytes/.test(e.message));
    await assert.rejects(collect(Buffer.from('\uFEFFcustomer_id,first_name\n', 'utf16le')), (e: unknown) => e instanceof CsvFileError);
    await assert.rejects(collect(`${HEADER.join(';')}\n`), (e: unknown) => e instanceof CsvFileError && /semicolons/.test(e.message));
  });

  test('a header with no rows yields nothing', async () => {
    assert.deepEqual(await collect(`${HEADER.join(',')}\r\n`), []);
  });

  test('reads the example CSV with the example template: exactly the planted rows are invalid', async () => {
    const template: CampaignTemplate = await loadCampaignTemplate(join(EXAMPLES, 'campaign-template.json'));
    const results: RowResult[] = [];
    for await (const r of readCustomerCsv(createReadStream(join(EXAMPLES, 'customers.csv')), { template })) results.push(r);

    const valid = results.filter((r) => r.ok).map((r) => (r.ok ? r.customer.customerId : ''));
    const invalid = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.ok ? '' : r.customerId, r.ok ? [] : r.problems.map((p) => p.column)]));
    assert.deepEqual(invalid, {
      'cust-1018': ['email'],
      'cust-1019': ['postal_code'],
      'cust-1020': ['tax_id'],
      'cust-1021': ['email'],
      'cust-1022': ['brand_name'],
      'cust-1023': ['campaign_description'],
      'cust-1024': ['mobile_phone_number'],
      'cust-1028': ['brand_name'],
    });
    assert.deepEqual(valid, [
      'cust-1001', 'cust-1002', 'cust-1003', 'cust-1004', 'cust-1005', 'cust-1006', 'cust-1007', 'cust-1008',
      'cust-1009', 'cust-1010', 'cust-1011', 'cust-1012', 'cust-1013', 'cust-1014', 'cust-1015', 'cust-1016',
      'cust-1017', 'cust-1025', 'cust-1026', 'cust-1027',
    ]);
    const byId = new Map(results.flatMap((r) => (r.ok ? [[r.customer.customerId, r] as const] : [])));
    const reasons = new Map(results.flatMap((r) => (r.ok ? [] : [[r.customerId, r.problems.map((p) => p.reason).join('; ')] as const])));
    // Refused at ingest instead of days later by Twilio: disposable email, ZIP of another state, a company as Sole Proprietor.
    assert.match(reasons.get('cust-1018') ?? '', /disposable/);
    assert.match(reasons.get('cust-1019') ?? '', /ZIP code of CA \(California\), not of NY/);
    assert.match(reasons.get('cust-1028') ?? '', /error 30915/);
    // The documented verticals AUTOMOTIVE and COMMUNICATION; a name cell with an Alt+Enter line break, folded.
    // The example template gives each Sole Proprietor the ISV's page for it (Twilio errors 30933, 30934 without one).
    assert.equal(byId.get('cust-1001')?.customer.campaign.privacyPolicyUrl, 'https://isv.example.com/privacy/cust-1001');
    assert.equal(byId.get('cust-1027')?.customer.campaign.termsAndConditionsUrl, 'https://isv.example.com/terms/cust-1027');
    assert.equal(byId.get('cust-1008')?.customer.vertical, 'AUTOMOTIVE');
    assert.equal(byId.get('cust-1027')?.customer.vertical, 'COMMUNICATION');
    assert.equal(byId.get('cust-1012')?.customer.brandName, "Kim's Taekwondo");
    // The multi-line record (cust-1013) is one spreadsheet row; the next one follows it.
    assert.equal(byId.get('cust-1013')?.row, 14);
    assert.equal(byId.get('cust-1014')?.row, 15);
    assert.match(byId.get('cust-1013')?.customer.campaign.description ?? '', /\n/);
    assert.equal(byId.get('cust-1005')?.customer.brandName, "Aisha's Braids, Twists & More");
    // Template filled per row.
    assert.match(byId.get('cust-1001')?.customer.campaign.messageSamples[0] ?? '', /^Maria's Dog Grooming: Hi \[first name\]/);
  });
});

// ---------------------------------------------------------------- batch + columns

describe('BatchTally and columns', () => {
  test('duplicate customer_id and mobile reuse within a file', () => {
    const tally = new BatchTally();
    const c = (id: string, email = `${id}@example.com`) => ok(validateRow(good({ customer_id: id, email }), 2));
    assert.deepEqual(tally.check(2, c('a')), []);
    assert.deepEqual(tally.check(3, c('b')), []);
    assert.deepEqual(tally.check(4, c('c')), []);
    const fourth = tally.check(5, c('d'));
    assert.equal(fourth[0]?.column, 'mobile_phone_number');
    assert.match(fourth[0]?.reason ?? '', /3 brands \(rows 2, 3, 4 of this file\).*at most 3/);
    assert.ok(!fourth[0]?.reason.includes('555'));
    const dup = tally.check(6, ok(validateRow(good({ customer_id: 'a', mobile_phone_number: '(415) 555-0199' }), 6)));
    assert.deepEqual(dup.map((p) => p.column), ['customer_id']);
    assert.match(dup[0]?.reason ?? '', /already used on row 2/);
    const prior = new BatchTally().check(2, c('e'), { mobile: 3 });
    assert.match(prior[0]?.reason ?? '', /3 registered before/);
  });

  test('the documented column list', () => {
    assert.deepEqual([...REQUIRED_COLUMNS], [
      'customer_id', 'first_name', 'last_name', 'email', 'phone_number', 'mobile_phone_number', 'brand_name',
      'street', 'city', 'region', 'postal_code', 'iso_country',
    ]);
    assert.equal(new Set(COLUMNS.map((c) => c.name)).size, COLUMNS.length);
    for (const c of COLUMNS) assert.ok(c.description.length > 5, c.name);
    const help = formatColumnHelp();
    for (const c of COLUMNS) assert.ok(help.includes(c.name));
  });
});

// ---------------------------------------------------------------- issue 12: what Twilio rejects later, refused at ingest

describe('ingest checks against the documents and maintained data (issue 12)', () => {
  test('the Sole Proprietor verticals are the documented ones: AUTOMOTIVE and COMMUNICATION are accepted', () => {
    assert.equal(ok(validateRow(good({ vertical: 'AUTOMOTIVE' }), 2)).vertical, 'AUTOMOTIVE');
    assert.equal(ok(validateRow(good({ vertical: 'communication' }), 2)).vertical, 'COMMUNICATION');
    // 002: the same values as 003's business_industry list, plus COMMUNICATION from 002's own example.
    assert.deepEqual([...VERTICALS].sort(), [...BUSINESS_INDUSTRIES, 'COMMUNICATION'].sort());
    assert.ok(!(BUSINESS_INDUSTRIES as readonly string[]).includes('COMMUNICATION'), '003 does not list COMMUNICATION as an industry');
    // The sandbox keeps its own list (it must not import ours); both follow the documents.
    assert.deepEqual([...SOLE_PROPRIETOR_VERTICALS].sort(), [...VERTICALS].sort());
  });

  test('a Sole Proprietor brand name ending in a company designator is refused (error 30915) with the business flow as the fix', () => {
    const record = good({ brand_name: 'Gonzalez Grooming LLC' });
    const result = validateRow(record, 4);
    const [p] = problems(result);
    assert.equal(p?.column, 'brand_name');
    assert.match(p?.reason ?? '', /error 30915/);
    assertNoPii(record, result);
    const action = suggestAction({ state: 'invalid', stage: 'ingest', reason: `${p?.column}: ${p?.reason}` }) ?? '';
    assert.match(action, /flow=business/);
    assert.match(action, /business columns/);
  });

  test('names that only look like company designators are fine', () => {
    for (const name of ['Fix My PC', 'Classic Vinyl LP', 'Smith & Co', 'Lincoln Bakery', 'Incredible Cakes', 'Marinco Sails', 'Pizza Company', 'Plumbing PA', 'Vince Limitless', 'Bob Corporan']) {
      assert.equal(companySuffix(name), null, name);
      assert.equal(ok(validateRow(good({ brand_name: name }), 2)).brandName, name);
    }
    for (const [name, suffix] of [['Lloyd Inc', 'Inc.'], ['ACME CORP.', 'Corp.'], ['Acme, L.P.', 'L.P.'], ['Tremblay Rénovations Ltée', 'Ltée'], ['Smith & Co.', 'Co.'], ['Smith Dental, P.A.', 'P.A.']] as const) {
      assert.equal(companySuffix(name), suffix, name);
    }
  });

  test('business rows are not affected by the Sole Proprietor brand-name rule', () => {
    const business = {
      customer_id: 'biz-1', flow: 'business', email: 'office@harbor.example.com', business_name: 'Harbor Goods LLC',
      business_type: 'Limited Liability Corporation', business_industry: 'AUTOMOTIVE', business_registration_number: '12-3456789',
      business_regions_of_operation: 'USA_AND_CANADA', website_url: 'https://www.harbor.example.com', rep1_first_name: 'Ada',
      rep1_last_name: 'Lovelace', rep1_email: 'ada@harbor.example.com', rep1_phone_number: '(415) 555-0190', rep1_business_title: 'Owner',
      rep1_job_position: 'CEO', street: '1200 Valencia St', city: 'San Francisco', region: 'CA', postal_code: '94110', iso_country: 'US',
    };
    const r = validateAnyRow(business, 2);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    // Alt+Enter in the business name and the street is folded in this flow too.
    const folded = validateAnyRow({ ...business, business_name: 'Harbor\nGoods LLC', street: '1200 Valencia St\r\nFloor 2' }, 2);
    assert.ok(folded.ok, JSON.stringify(!folded.ok && folded.problems));
    assert.match(JSON.stringify(folded.customer), /"Harbor Goods LLC"/);
    assert.match(JSON.stringify(folded.customer), /"1200 Valencia St Floor 2"/);
    // The business flow gets the ZIP and disposable-email checks too.
    const bad = validateAnyRow({ ...business, postal_code: '10001', rep1_email: 'ada@mailinator.com' }, 2);
    assert.deepEqual(!bad.ok && bad.problems.map((p) => p.column).sort(), ['postal_code', 'rep1_email']);
  });

  test('disposable domains come from the maintained list, not a table of ours', () => {
    for (const domain of ['mailinator.com', 'yopmail.com', 'guerrillamail.com', 'sharklasers.com', '10minutemail.com']) assert.ok(isDisposableDomain(domain), domain);
    for (const domain of ['gmail.com', 'example.com', 'outlook.com', 'icloud.com', 'yahoo.com']) assert.ok(!isDisposableDomain(domain), domain);
    // Twilio's list and ours differ: the sandbox knows a domain mailchecker does not, which tests use to reach Twilio's rejection.
    assert.ok(DISPOSABLE_EMAIL_DOMAINS.has(REVIEW_ONLY_DISPOSABLE_DOMAIN) && !isDisposableDomain(REVIEW_ONLY_DISPOSABLE_DOMAIN));
    const c = ok(validateRow(good({ email: `maria@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }), 2));
    assert.equal(c.email, `maria@${REVIEW_ONLY_DISPOSABLE_DOMAIN}`);
  });

  test('a ZIP the data places in the state passes, including territories and ZIP+4; Canadian codes by first letter', () => {
    for (const [region, zip] of [['NY', '10001'], ['MA', '02118'], ['PR', '00601'], ['GU', '96910'], ['TX', '78704-1234'], ['DC', '20003']] as const) {
      assert.equal(ok(validateRow(good({ region, postal_code: zip }), 2)).region, region, `${zip} in ${region}`);
    }
    for (const [region, code] of [['QC', 'H2X 1Y4'], ['NS', 'B3J 3K5'], ['NU', 'X0A 0H0'], ['NT', 'X1A 2L9'], ['YT', 'Y1A 1A1'], ['ON', 'K1A 0B1']] as const) {
      assert.equal(ok(validateRow(good({ iso_country: 'CA', region, postal_code: code }), 2)).region, region, `${code} in ${region}`);
    }
    // A ZIP newer than the data: accepted when its 3-digit prefix has ZIPs of the state.
    assert.equal(ok(validateRow(good({ postal_code: '94198' }), 2)).postalCode, '94198');
    // A ZIP the data places in the state while the sandbox's coarser prefix table does not: tests use it to reach Twilio's rejection.
    const c = ok(validateRow(good(REVIEW_ONLY_ZIP), 2));
    assert.ok(addressRejection({ sid: 'AD1', street: c.street, streetSecondary: null, city: c.city, region: c.region, postalCode: c.postalCode, isoCountry: c.isoCountry }));
  });

  test('a line break in a name or address cell (Alt+Enter) is folded to one line; other columns keep their rules', () => {
    const c = ok(validateRow(good({ street: '2150 Mission St\r\nApt 4', city: 'San\nFrancisco', first_name: 'Maria\n', last_name: 'Gonzalez\n Ruiz', brand_name: "Maria's\nDog   Grooming", street_secondary: 'Unit\n12' }), 2));
    assert.deepEqual([c.street, c.city, c.firstName, c.lastName, c.brandName, c.streetSecondary], ['2150 Mission St Apt 4', 'San Francisco', 'Maria', 'Gonzalez Ruiz', "Maria's Dog Grooming", 'Unit 12']);
    for (const column of ['email', 'phone_number', 'region', 'postal_code', 'vertical']) {
      const ps = problems(validateRow(good({ [column]: `${good()[column] || 'retail'}\nmore` }), 2));
      assert.ok(ps.some((p) => p.column === column && /line break/.test(p.reason)), `${column}: ${JSON.stringify(ps)}`);
    }
  });

  test('100k-character cells stay fast with the libraries (linear-time checks)', () => {
    const big = 'x'.repeat(100_000);
    const started = performance.now();
    const record = good({
      brand_name: `${big} LLC`, street: `${'a\n'.repeat(50_000)}`, email: `${big}@mailinator.com`, phone_number: '4'.repeat(100_000),
      mobile_phone_number: `+1${'5'.repeat(100_000)}`, postal_code: '9'.repeat(100_000), first_name: `${' \n'.repeat(50_000)}x`,
    });
    const ps = problems(validateRow(record, 2));
    assert.ok(performance.now() - started < 1_000, `took ${Math.round(performance.now() - started)} ms`);
    assert.ok(ps.some((p) => p.column === 'brand_name' && /30915/.test(p.reason)));
  });
});
