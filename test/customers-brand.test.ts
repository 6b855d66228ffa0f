import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import {
  A2P_USECASES,
  BRAND_TYPES,
  COLUMNS,
  COMPANY_TYPES,
  PII_COLUMNS,
  STOCK_EXCHANGES,
  businessCustomerSchema,
  formatColumnMarkdown,
  isFreeMailDomain,
  parseCampaignTemplate,
  readCustomerRows,
  requirementLabel,
  validateAnyRow,
  validateRow,
  type AnyRowResult,
  type BusinessCustomer,
  type Customer,
} from '../src/customers/index.js';

/**
 * Issue 14's columns of a business row (Standard and Low-Volume Standard brands) and the campaign URLs
 * both flows take: each rule on its own, pure (no Redis, no sandbox).
 */

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));

const CAMPAIGN: Record<string, string> = {
  campaign_description: 'Harbor Goods texts its own customers order updates and answers their questions about the orders they placed.',
  message_flow: 'Customers opt in at checkout on https://www.harbor.example.com with an unchecked box; terms and privacy policy are linked there.',
  message_sample_1: 'Harbor Goods: your order [number] has shipped. Reply STOP to opt out.',
  message_sample_2: 'Harbor Goods: your order [number] was delivered. Reply HELP for help.',
  has_embedded_links: 'false',
  has_embedded_phone: 'no',
};

/** A valid business row without a brand (today's shape). */
function noneRecord(over: Record<string, string> = {}): Record<string, string> {
  return {
    customer_id: 'b1',
    flow: 'business',
    email: 'office@harbor.example.com',
    business_name: 'Harbor Goods LLC',
    business_type: 'LLC',
    business_industry: 'RETAIL',
    business_registration_number: '12-3456789',
    business_regions_of_operation: 'USA_AND_CANADA',
    website_url: 'https://www.harbor.example.com',
    rep1_first_name: 'Ada',
    rep1_last_name: 'Lovelace',
    rep1_email: 'ada@harbor.example.com',
    rep1_phone_number: '(415) 555-0190',
    rep1_business_title: 'Owner',
    rep1_job_position: 'CEO',
    street: '1200 Valencia St',
    city: 'San Francisco',
    region: 'CA',
    postal_code: '94110',
    iso_country: 'US',
    phone_numbers: '+14155550170',
    ...over,
  };
}

/** A valid private Standard row with its campaign in the row. */
function standardRecord(over: Record<string, string> = {}): Record<string, string> {
  return noneRecord({
    brand_type: 'standard',
    company_type: 'private',
    usecase: 'customer care',
    privacy_policy_url: 'https://www.harbor.example.com/privacy',
    terms_and_conditions_url: 'www.harbor.example.com/terms',
    ...CAMPAIGN,
    ...over,
  });
}

/** A valid public Standard row. */
function publicRecord(over: Record<string, string> = {}): Record<string, string> {
  return standardRecord({
    business_type: 'Corporation',
    business_name: 'Harbor Goods Inc',
    company_type: 'Public company',
    stock_exchange: 'nasdaq',
    stock_ticker: 'hbr.b',
    brand_contact_email: 'Brand.Contact@HARBOR.example.com',
    ...over,
  });
}

function business(r: AnyRowResult): BusinessCustomer {
  if (!r.ok) assert.fail(JSON.stringify(r.problems));
  assert.ok('flow' in r.customer && r.customer.flow === 'business');
  return r.customer;
}

function problemsOf(r: AnyRowResult): { column: string; reason: string }[] {
  assert.equal(r.ok, false, 'the row was refused');
  return r.ok ? [] : r.problems;
}

describe('Standard brand columns of a business row', () => {
  test('a private Standard row: brand type, profile, use case, https URLs and campaign, normalized', () => {
    const c = business(validateAnyRow(standardRecord({ sender_number: '(415) 555-0181' }), 2));
    assert.equal(c.brandType, 'standard');
    assert.ok(c.a2p);
    assert.equal(c.a2p.companyType, 'private');
    assert.equal(c.a2p.usecase, 'CUSTOMER_CARE');
    assert.equal(c.a2p.stockExchange, undefined);
    assert.equal(c.a2p.stockTicker, undefined);
    assert.equal(c.a2p.brandContactEmail, undefined);
    assert.equal(c.a2p.campaign.privacyPolicyUrl, 'https://www.harbor.example.com/privacy');
    assert.equal(c.a2p.campaign.termsAndConditionsUrl, 'https://www.harbor.example.com/terms');
    assert.equal(c.a2p.campaign.description, CAMPAIGN['campaign_description']);
    assert.deepEqual(c.a2p.campaign.messageSamples, [CAMPAIGN['message_sample_1'], CAMPAIGN['message_sample_2']]);
    assert.equal(c.a2p.campaign.hasEmbeddedLinks, false);
    assert.equal(c.senderNumber, '+14155550181');
  });

  test('a public Standard row: exchange and ticker uppercased, brand_contact_email normalized', () => {
    const c = business(validateAnyRow(publicRecord(), 2));
    assert.equal(c.a2p?.companyType, 'public');
    assert.equal(c.a2p?.stockExchange, 'NASDAQ');
    assert.equal(c.a2p?.stockTicker, 'HBR.B');
    assert.equal(c.a2p?.brandContactEmail, 'Brand.Contact@harbor.example.com');
  });

  test('brand_type spellings: any case, "Low-Volume Standard", LVS, low volume; company_type spellings', () => {
    for (const [raw, want] of [['STANDARD', 'standard'], ['Low-Volume Standard', 'low_volume_standard'], ['LVS', 'low_volume_standard'], ['low volume', 'low_volume_standard'], ['low_volume_standard', 'low_volume_standard'], ['None', 'none']] as const) {
      const record = want === 'none' ? noneRecord({ brand_type: raw }) : standardRecord({ brand_type: raw, usecase: 'LOW_VOLUME' });
      assert.equal(business(validateAnyRow(record, 2)).brandType, want, raw);
    }
    for (const [raw, want] of [['non-profit', 'non_profit'], ['Nonprofit', 'non_profit'], ['Not for profit organization', 'non_profit'], ['Government', 'government'], ['privately held', 'private']] as const) {
      const c = business(validateAnyRow(standardRecord({ company_type: raw, business_type: 'Corporation' }), 2));
      assert.equal(c.a2p?.companyType, want, raw);
    }
    assert.equal(business(validateAnyRow(standardRecord({ usecase: 'account-notification' }), 2)).a2p?.usecase, 'ACCOUNT_NOTIFICATION');
    assert.equal(business(validateAnyRow(standardRecord({ usecase: '2fa' }), 2)).a2p?.usecase, '2FA');
  });

  test('brand_type empty or none: no brand, no a2p; campaign columns are ignored, not required', () => {
    const plain = business(validateAnyRow(noneRecord(), 2));
    assert.equal(plain.brandType, 'none');
    assert.equal(plain.a2p, undefined);
    const withCampaign = business(validateAnyRow(noneRecord({ brand_type: 'none', ...CAMPAIGN, campaign_description: 'too short' }), 2));
    assert.equal(withCampaign.brandType, 'none');
    assert.equal(withCampaign.a2p, undefined);
  });

  test('a campaign text may hold line breaks on a Standard row; a brand column may not', () => {
    const c = business(validateAnyRow(standardRecord({ message_flow: `${CAMPAIGN['message_flow']}\nVerbal consent is recorded for phone orders.` }), 2));
    assert.match(c.a2p?.campaign.messageFlow ?? '', /\nVerbal consent/);
    const p = problemsOf(validateAnyRow(standardRecord({ usecase: 'MIXED\nMARKETING' }), 2));
    assert.deepEqual(p.map((x) => x.column), ['usecase']);
    assert.match(p[0]!.reason, /line break/);
  });

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['unknown brand_type', standardRecord({ brand_type: 'gold' }), 'brand_type', /^"gold" is not a brand type; use standard, low_volume_standard/],
    ['empty brand_type with a Standard-only column', noneRecord({ usecase: 'MIXED', privacy_policy_url: 'https://x.example.com/p' }), 'brand_type', /^is empty, but the row fills usecase, privacy_policy_url, which only a Standard brand uses: set brand_type to standard, low_volume_standard or none/],
    ['brand_type none with usecase', noneRecord({ brand_type: 'none', usecase: 'MIXED' }), 'usecase', /^is only used by a Standard brand, and brand_type is none/],
    ['brand_type none with a stock ticker', noneRecord({ brand_type: 'none', stock_ticker: 'HBR' }), 'stock_ticker', /brand_type is none/],
    ['brand_type none with sender_number', noneRecord({ brand_type: 'none', sender_number: '+14155550181' }), 'sender_number', /without a brand \(brand_type none or empty\)/],
    ['missing company_type', standardRecord({ company_type: '' }), 'company_type', /^is required for a Standard brand: one of private, public, non_profit, government$/],
    ['unknown company_type', standardRecord({ company_type: 'family' }), 'company_type', /^"family" is not a company type/],
    ['Non-profit business that says public', standardRecord({ business_type: 'Non-profit', company_type: 'public', stock_exchange: 'NYSE', stock_ticker: 'X', brand_contact_email: 'a@harbor.example.com' }), 'company_type', /^is public, but business_type is Non-profit/],
    ['Non-profit business that says private', standardRecord({ business_type: 'nonprofit', company_type: 'private' }), 'company_type', /but business_type is Non-profit.*correct company_type or business_type/],
    ['public sole proprietorship', publicRecord({ business_type: 'Sole Proprietorship' }), 'company_type', /business_type is Sole Proprietorship/],
    ['public without ticker', publicRecord({ stock_ticker: '' }), 'stock_ticker', /^is required for a public company/],
    ['public without exchange', publicRecord({ stock_exchange: '' }), 'stock_exchange', /^is required for a public company: the exchange it is listed on, one of NASDAQ, NYSE/],
    ['unknown exchange', publicRecord({ stock_exchange: 'MOON' }), 'stock_exchange', /^"MOON" is not a stock exchange/],
    ['public with exchange NONE', publicRecord({ stock_exchange: 'none' }), 'stock_exchange', /^is NONE, but a public company names/],
    ['ticker too long', publicRecord({ stock_ticker: 'ABCDEFGHIJK' }), 'stock_ticker', /is not a ticker symbol: 1-10 letters/],
    ['ticker with a space', publicRecord({ stock_ticker: 'HB R' }), 'stock_ticker', /is not a ticker symbol/],
    ['private with a ticker', standardRecord({ stock_ticker: 'HBR' }), 'stock_ticker', /^is only for a public company \(company_type public\), and company_type is private/],
    ['private with an exchange', standardRecord({ stock_exchange: 'NYSE' }), 'stock_exchange', /^is only for a public company/],
    ['public without brand_contact_email', publicRecord({ brand_contact_email: '' }), 'brand_contact_email', /^is required for a public company: Authentication\+/],
    ['brand_contact_email on gmail', publicRecord({ brand_contact_email: 'harbor.goods@gmail.com' }), 'brand_contact_email', /free or personal mail domain.*error 21740/],
    ['brand_contact_email on a yahoo country domain, private company', standardRecord({ brand_contact_email: 'harbor@yahoo.co.jp' }), 'brand_contact_email', /free or personal mail domain/],
    ['brand_contact_email malformed', publicRecord({ brand_contact_email: 'brand.contact@' }), 'brand_contact_email', /domain/],
    ['missing usecase', standardRecord({ usecase: '' }), 'usecase', /^is required for a Standard brand: the campaign's use case, one of 2FA, ACCOUNT_NOTIFICATION/],
    ['unknown usecase', standardRecord({ usecase: 'chat' }), 'usecase', /^"chat" is not a use case/],
    ['SOLE_PROPRIETOR usecase', standardRecord({ usecase: 'sole proprietor' }), 'usecase', /^SOLE_PROPRIETOR is the Sole Proprietor flow's use case/],
    ['http privacy URL', standardRecord({ privacy_policy_url: 'http://www.harbor.example.com/privacy' }), 'privacy_policy_url', /^must be an https:\/\/ URL.*error 30933/],
    ['privacy URL without a dotted host', standardRecord({ privacy_policy_url: 'https://localhost/privacy' }), 'privacy_policy_url', /is not a public web address/],
    ['missing privacy URL', standardRecord({ privacy_policy_url: '' }), 'privacy_policy_url', /^is required for a Standard brand's campaign: the https URL of the business's privacy policy \(Twilio rejects campaigns without it, error 30933\)/],
    ['missing terms URL', standardRecord({ terms_and_conditions_url: '' }), 'terms_and_conditions_url', /^is required for a Standard brand's campaign/],
    ['terms URL with spaces', standardRecord({ terms_and_conditions_url: 'https://www.harbor.example.com/our terms' }), 'terms_and_conditions_url', /contains spaces/],
    ['missing campaign description (no template)', standardRecord({ campaign_description: '' }), 'campaign_description', /^is required: fill the column or provide it in the campaign template/],
    ['short message sample', standardRecord({ message_sample_2: 'Too short.' }), 'message_sample_2', /20-1024|at least 20/],
    ['one message sample', standardRecord({ message_sample_2: '' }), 'message_sample_2', /at least 2 message samples are required/],
    ['bad has_embedded_phone', standardRecord({ has_embedded_phone: 'maybe' }), 'has_embedded_phone', /must be true or false/],
    ['opt-out keywords without their message', standardRecord({ opt_out_keywords: 'STOP' }), 'opt_out_message', /is required when opt_out_keywords is given/],
    ['toll-free sender_number', standardRecord({ sender_number: '+1 800 555 0100' }), 'sender_number', /must be a US or Canadian local \(10DLC\) number/],
  ];
  for (const [name, record, column, reason] of bad) {
    test(`refused: ${name}, naming ${column}`, () => {
      const problems = problemsOf(validateAnyRow(record, 5));
      const hit = problems.find((p) => p.column === column);
      assert.ok(hit, `${column} among ${JSON.stringify(problems)}`);
      assert.match(hit.reason, reason);
      // Reasons never repeat a PII cell of the row.
      for (const p of problems) {
        for (const c of PII_COLUMNS) {
          const v = record[c];
          if (v && v.length > 3) assert.ok(!p.reason.includes(v), `${p.column}'s reason repeats ${c}`);
        }
      }
    });
  }

  test('the same row passes once the refused cell is fixed (each refusal above is the cell, not the row)', () => {
    business(validateAnyRow(publicRecord(), 2));
    business(validateAnyRow(standardRecord({ usecase: 'MARKETING', privacy_policy_url: 'https://www.harbor.example.com/privacy' }), 2));
    business(validateAnyRow(noneRecord({ brand_type: '' }), 2));
  });
});

describe('the campaign template on Standard business rows', () => {
  const template = parseCampaignTemplate({
    campaign_description: '{{brand_name}} texts its own customers order updates; questions go to {{first_name}} {{last_name}}.',
    message_flow: 'Customers of {{brand_name}} opt in at checkout with an unchecked box; terms and privacy policy are linked there.',
    message_samples: ['{{brand_name}}: your order has shipped. Reply STOP to opt out.', '{{brand_name}}: your order was delivered. Reply HELP for help.'],
    has_embedded_links: false,
    has_embedded_phone: false,
  });
  const withoutCampaign = (over: Record<string, string> = {}) => {
    const r = standardRecord();
    for (const k of Object.keys(CAMPAIGN)) delete r[k];
    return { ...r, ...over };
  };

  test('fills {{brand_name}} with business_name and {{first_name}} {{last_name}} with the first representative; a row cell wins', () => {
    const c = business(validateAnyRow(withoutCampaign(), 2, template));
    assert.equal(c.a2p?.campaign.description, 'Harbor Goods LLC texts its own customers order updates; questions go to Ada Lovelace.');
    assert.deepEqual(c.a2p?.campaign.messageSamples, ['Harbor Goods LLC: your order has shipped. Reply STOP to opt out.', 'Harbor Goods LLC: your order was delivered. Reply HELP for help.']);
    const own = business(validateAnyRow(withoutCampaign({ campaign_description: CAMPAIGN['campaign_description']! }), 2, template));
    assert.equal(own.a2p?.campaign.description, CAMPAIGN['campaign_description']);
    assert.match(own.a2p?.campaign.messageFlow ?? '', /^Customers of Harbor Goods LLC opt in/);
  });

  test('without the template or the cells the campaign columns are required; a row without a brand needs neither', () => {
    const p = problemsOf(validateAnyRow(withoutCampaign(), 2));
    assert.deepEqual(p.map((x) => x.column).sort(), ['campaign_description', 'has_embedded_links', 'has_embedded_phone', 'message_flow', 'message_sample_1'].sort());
    business(validateAnyRow(noneRecord(), 2));
  });
});

describe('BusinessCustomer as stored', () => {
  test('a record stored before brand_type existed still parses, as a business without a brand', () => {
    const fresh = business(validateAnyRow(noneRecord(), 2));
    const stored: Record<string, unknown> = JSON.parse(JSON.stringify(fresh));
    delete stored['brandType'];
    const back = businessCustomerSchema.parse(stored);
    assert.equal(back.brandType, 'none');
    assert.equal(back.a2p, undefined);
  });

  test('a2p is present iff the brand type is not none; public needs exchange, ticker and contact', () => {
    const standard = business(validateAnyRow(publicRecord(), 2));
    const json: Record<string, unknown> = JSON.parse(JSON.stringify(standard));
    assert.equal(businessCustomerSchema.safeParse(json).success, true);
    assert.equal(businessCustomerSchema.safeParse({ ...json, a2p: undefined }).success, false);
    assert.equal(businessCustomerSchema.safeParse({ ...json, brandType: 'none' }).success, false);
    const a2p = json['a2p'] as Record<string, unknown>;
    const { stockTicker: _, ...noTicker } = a2p;
    assert.equal(businessCustomerSchema.safeParse({ ...json, a2p: noTicker }).success, false);
    assert.equal(businessCustomerSchema.safeParse({ ...json, a2p: { ...a2p, usecase: 'SOLE_PROPRIETOR' } }).success, false);
    const campaign = a2p['campaign'] as Record<string, unknown>;
    const { privacyPolicyUrl: __, ...noPrivacy } = campaign;
    assert.equal(businessCustomerSchema.safeParse({ ...json, a2p: { ...a2p, campaign: noPrivacy } }).success, false);
  });
});

describe('free mail domains', () => {
  test('the big providers, their country variants and subdomains are free; a company domain is not', () => {
    for (const e of ['someone@gmail.com', 'Someone@GMAIL.COM', 'x@yahoo.com', 'x@yahoo.co.uk', 'x@yahoo.co.jp', 'x@hotmail.fr', 'x@hotmail.com.br', 'x@outlook.com', 'x@aol.com', 'x@icloud.com', 'x@proton.me', 'x@protonmail.com', 'gmail.com']) {
      assert.equal(isFreeMailDomain(e), true, e);
    }
    for (const e of ['brand@harbor.example.com', 'x@gmailx.com', 'x@mygmail.example.com', 'x@yahoo.example.com', 'com', 'x@co.uk']) {
      assert.equal(isFreeMailDomain(e), false, e);
    }
  });
});

describe('Sole Proprietor rows and the campaign URLs', () => {
  const sp = (over: Record<string, string> = {}) => ({
    customer_id: 'sp1', first_name: 'Dana', last_name: 'Lopez', email: 'dana@studio.example.com', phone_number: '(415) 555-0100', mobile_phone_number: '+1 415 555 0188',
    brand_name: 'Dana Lopez Studio', street: '123 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', iso_country: 'US', ...CAMPAIGN, ...over,
  });
  const ok = (r: ReturnType<typeof validateRow>): Customer => {
    if (!r.ok) assert.fail(JSON.stringify(r.problems));
    return r.customer;
  };

  test('required since Twilio errors 30933 and 30934: carried in the campaign, refused when missing or http, naming the column', () => {
    const missing = validateRow(sp(), 2);
    assert.equal(missing.ok, false);
    assert.deepEqual(!missing.ok && missing.problems.map((p) => [p.column, /^is required: .*\(error 3093[34]\)\. Fill the column, or give \w+ in the campaign template/.test(p.reason)]), [['privacy_policy_url', true], ['terms_and_conditions_url', true]]);
    const c = ok(validateRow(sp({ privacy_policy_url: 'studio.example.com/privacy', terms_and_conditions_url: 'https://studio.example.com/terms' }), 2));
    assert.equal(c.campaign.privacyPolicyUrl, 'https://studio.example.com/privacy');
    assert.equal(c.campaign.termsAndConditionsUrl, 'https://studio.example.com/terms');
    const r = validateRow(sp({ privacy_policy_url: 'studio.example.com/privacy', terms_and_conditions_url: 'http://studio.example.com/terms' }), 2);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.problems.map((p) => p.column), ['terms_and_conditions_url']);
  });

  test("a Standard business row takes them from its own cells only, not from the template (the business's own pages)", () => {
    const t = parseCampaignTemplate({ privacy_policy_url: 'https://isv.example.com/privacy/{{customer_id}}', terms_and_conditions_url: 'https://isv.example.com/terms/{{customer_id}}' });
    const r = validateAnyRow(standardRecord({ privacy_policy_url: '', terms_and_conditions_url: '' }), 3, t);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.problems.map((p) => [p.column, p.reason.match(/error (\d+)/)?.[1]]), [['privacy_policy_url', '30933'], ['terms_and_conditions_url', '30934']]);
    const own = validateAnyRow(standardRecord(), 3, t);
    assert.ok(own.ok && 'flow' in own.customer && own.customer.a2p?.campaign.privacyPolicyUrl === 'https://www.harbor.example.com/privacy', JSON.stringify(own));
  });
});

describe('the columns, as documented', () => {
  const spec = (name: string) => {
    const c = COLUMNS.find((x) => x.name === name);
    assert.ok(c, name);
    return c;
  };

  test('the lists in the descriptions are the exported constants', () => {
    for (const e of STOCK_EXCHANGES.filter((x) => x !== 'NONE')) assert.match(spec('stock_exchange').description, new RegExp(`\\b${e}\\b`));
    assert.ok(spec('usecase').description.includes(A2P_USECASES.join(', ')));
    for (const t of BRAND_TYPES) assert.ok(spec('brand_type').description.includes(t), t);
    for (const t of COMPANY_TYPES) assert.ok(spec('company_type').description.includes(t), t);
  });

  test('requirement labels say which rows: campaign columns serve Sole Proprietor and Standard business rows', () => {
    assert.equal(requirementLabel(spec('campaign_description')), 'required (row or template), sole-proprietor and Standard business rows');
    assert.equal(requirementLabel(spec('help_message')), 'optional (row or template), sole-proprietor and Standard business rows');
    assert.equal(requirementLabel(spec('usecase')), 'required, Standard business rows');
    assert.equal(requirementLabel(spec('stock_ticker')), 'required if public, Standard business rows');
    assert.equal(requirementLabel(spec('brand_type')), 'optional, business rows');
    assert.equal(requirementLabel(spec('sender_number')), 'optional');
    assert.equal(requirementLabel(spec('privacy_policy_url')), 'required (row or template on sole-proprietor rows, row only on Standard business rows)');
    assert.ok(PII_COLUMNS.has('brand_contact_email'));
    assert.match(formatColumnMarkdown(), /\| `brand_type` \| optional, business rows \|/);
  });
});

describe('examples/businesses.csv', () => {
  test('its rows take the documented paths: no brand, Standard, Low-Volume Standard, public, and the bad row refused', async () => {
    const got: Record<string, string> = {};
    for await (const r of readCustomerRows(createReadStream(`${EXAMPLES}businesses.csv`))) {
      if (!r.ok) {
        got[r.customerId ?? `row ${r.row}`] = 'refused';
        continue;
      }
      const c = r.customer;
      assert.ok('flow' in c);
      got[c.customerId] = c.a2p ? `${c.brandType} ${c.a2p.companyType} ${c.a2p.usecase}${c.a2p.brandContactEmail?.includes('noconfirm') ? ' noconfirm' : ''}` : c.brandType;
    }
    assert.deepEqual(got, {
      'biz-2001': 'none', 'biz-2002': 'none', 'biz-2003': 'none', 'biz-2004': 'none', 'biz-2005': 'refused', 'biz-2006': 'none', 'biz-2007': 'none',
      'biz-2008': 'standard private ACCOUNT_NOTIFICATION',
      'biz-2009': 'standard private CUSTOMER_CARE',
      'biz-2010': 'low_volume_standard private LOW_VOLUME',
      'biz-2011': 'standard public MIXED',
      'biz-2012': 'standard public DELIVERY_NOTIFICATION noconfirm',
    });
  });

  test('a mixed file (flow column) with a Standard row and a Sole Proprietor row: each checked by its own rules', async () => {
    const sp = { customer_id: 'sp-1', first_name: 'Dana', last_name: 'Lopez', email: 'dana@studio.example.com', phone_number: '(415) 555-0100', mobile_phone_number: '+1 415 555 0188', brand_name: 'Dana Lopez Studio', street: '123 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', iso_country: 'US', ...CAMPAIGN, privacy_policy_url: 'https://isv.example.com/privacy/sp-1', terms_and_conditions_url: 'https://isv.example.com/terms/sp-1' };
    const biz = standardRecord({ customer_id: 'biz-1' });
    const header = [...new Set([...Object.keys(sp), ...Object.keys(biz)])];
    const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const text = [header.join(','), ...[{ ...sp, flow: '' }, biz].map((r: Record<string, string>) => header.map((h) => q(r[h] ?? '')).join(','))].join('\n') + '\n';
    const results: AnyRowResult[] = [];
    for await (const r of readCustomerRows(Readable.from([text]))) results.push(r);
    assert.deepEqual(results.map((r) => r.ok), [true, true], JSON.stringify(results));
    const [first, second] = results;
    assert.ok(first?.ok && !('flow' in first.customer));
    assert.ok(second?.ok && 'flow' in second.customer && second.customer.brandType === 'standard');
  });
});

describe('every problem of a Standard row at once', () => {
  test('a bad brand column and a bad campaign column are both reported', () => {
    const r = validateAnyRow(standardRecord({ company_type: 'family', message_sample_1: 'short' }), 3);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.problems.map((p) => p.column).sort(), ['company_type', 'message_sample_1']);
  });
});
