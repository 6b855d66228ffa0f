import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { POLICY_A2P_MESSAGING, POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR, POLICY_SOLE_PROPRIETOR, POLICY_STARTER, loadContract, sandboxRoutes, type Sandbox, type SpecOperation } from '@a2p-onboard/twilio-sandbox';
import { ingestFile } from '../src/producers/ingest.js';
import type { CustomerRecord } from '../src/ledger/ledger.js';
import { TwilioGateway } from '../src/twilio/gateway.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { csv, row, startStack, stopTestRedis, templateFile, tmpFile, waitFor, waitForState, type Stack } from './helpers.js';
import { exchangeOf, fillPath, malformedSid, problemsOf, raw, templateRegex, type Exchange } from './contract/exchanges.js';
import { REVIEW_ONLY_DISPOSABLE_DOMAIN, REVIEW_ONLY_ZIP } from '../fixtures/customers.js';
import { standardBrandByHand } from './contract/standard.js';

/**
 * The sandbox against Twilio's published contract (the OpenAPI files of `@twilio-alpha/mcp`):
 * - every request the gateway sends, in a real pipeline run and in a direct call of each gateway method,
 *   is valid against its operation (no unknown fields, required fields present, patterns, enums);
 * - every answer of the sandbox matches the operation's response schema (every field, no extra ones) or is
 *   Twilio's error body;
 * - the sandbox refuses what the contract refuses.
 */

const contract = loadContract();
after(stopTestRedis);

/** TwilioGateway members that are not Twilio calls. Any other method must appear in GATEWAY_CALLS. */
const NOT_TWILIO_CALLS = new Set(['constructor', 'call', 'findInPages', 'listingOnce', 'findSid', 'unlessGone']);

/** `standardBrand`: a public company's STANDARD brand whose Authentication+ email is pending (test/contract/standard.ts). */
type Ctx = { g: TwilioGateway; c1: CustomerRecord; b1: CustomerRecord; stack: Stack; standardBrand: string };

/** A business customer (Secondary Business Profile + SHAKEN/STIR Trust Product) in the pipeline run. */
const BUSINESS_CSV = [
  'customer_id,flow,email,business_name,business_type,business_industry,business_registration_number,business_regions_of_operation,website_url,rep1_first_name,rep1_last_name,rep1_email,rep1_phone_number,rep1_business_title,rep1_job_position,street,city,region,postal_code,iso_country,phone_numbers,shaken_stir',
  'b1,business,office@b1.example.com,Contract Widgets LLC,LLC,RETAIL,12-3456789,USA_AND_CANADA,https://widgets.example.com,Ada,Ng,ada@widgets.example.com,4155550190,Owner,CEO,1200 Valencia St,San Francisco,CA,94110,US,+14155550170;+14155550171,true',
].join('\n') + '\n';
type Sids = Required<Pick<CustomerRecord['sids'], 'customerProfile' | 'trustProduct' | 'brand' | 'messagingService' | 'starterEndUser' | 'address' | 'addressDocument'>>;

function sidsOf(rec: CustomerRecord): Sids {
  const s = rec.sids;
  for (const k of ['customerProfile', 'trustProduct', 'brand', 'messagingService', 'starterEndUser', 'address', 'addressDocument'] as const) assert.ok(s[k], `c1 has ${k}`);
  return s as Sids;
}

const CAMPAIGN = {
  description: 'Appointment reminders sent by a hair studio to customers who booked online with consent.',
  messageFlow: 'Customers opt in by ticking an unticked SMS consent box on the booking page; terms and privacy linked.',
  messageSamples: ['Studio: your appointment is at 3pm tomorrow. Reply STOP to opt out.', 'Studio: thanks for visiting! Reply HELP for help, STOP to stop.'],
  hasEmbeddedLinks: false,
  hasEmbeddedPhone: false,
  optInKeywords: ['START'],
  optInMessage: 'Studio: you are subscribed to reminders. Reply HELP for help, STOP to opt out.',
  privacyPolicyUrl: 'https://isv.example.com/privacy/c1',
  termsAndConditionsUrl: 'https://isv.example.com/terms/c1',
};

/** Every public gateway method, called once (both bundle kinds where it takes one). */
const GATEWAY_CALLS: Record<string, (x: Ctx) => Promise<unknown>> = {
  checkCredentials: ({ g }) => g.checkCredentials(),
  createSubaccount: async ({ g }) => {
    assert.match(await g.createSubaccount('a2p-onboard contract Subaccount'), /^AC[0-9a-f]{32}$/);
  },
  findSubaccountByFriendlyName: async ({ g }) => {
    assert.match((await g.findSubaccountByFriendlyName('a2p-onboard contract Subaccount')) ?? '', /^AC/);
    assert.equal(await g.findSubaccountByFriendlyName('no such subaccount'), null);
  },
  fetchSubaccount: async ({ g }) => {
    const sid = (await g.findSubaccountByFriendlyName('a2p-onboard contract Subaccount'))!;
    const sub = await g.fetchSubaccount(sid);
    assert.equal(sub?.status, 'active');
    assert.equal(sub?.ownerAccountSid, g.accountSid);
    assert.equal(await g.fetchSubaccount(`AC${'0'.repeat(32)}`), null);
  },
  findApprovedPrimaryProfile: ({ g }) => g.findApprovedPrimaryProfile('RNdfbf3fae0e1107f8aded0e7cead80bf5'),
  customerProfileEndUsers: async ({ g, stack }) => {
    const eus = await g.customerProfileEndUsers(stack.sandbox.isvPrimaryProfileSid);
    assert.equal(eus.find((e) => e.type === 'customer_profile_business_information')?.attributes['business_identity'], 'isv_reseller_or_partner');
  },
  createBundle: async ({ g }) => {
    await g.createBundle('customerProfile', { friendlyName: 'contract cp', email: 'cp@example.com', policySid: POLICY_STARTER, statusCallback: 'https://isv.example.com/webhooks/twilio/status' });
    await g.createBundle('trustProduct', { friendlyName: 'contract tp', email: 'tp@example.com', policySid: POLICY_SOLE_PROPRIETOR });
  },
  findBundleByFriendlyName: async ({ g }) => {
    await g.findBundleByFriendlyName('customerProfile', 'contract cp');
    await g.findBundleByFriendlyName('trustProduct', 'no such bundle');
  },
  fetchBundle: async ({ g, c1 }) => {
    const s = sidsOf(c1);
    await g.fetchBundle('customerProfile', s.customerProfile);
    await g.fetchBundle('trustProduct', s.trustProduct);
  },
  assign: async ({ g }) => {
    const cp = await g.createBundle('customerProfile', { friendlyName: 'contract assign cp', email: 'a@example.com', policySid: POLICY_STARTER });
    const tp = await g.createBundle('trustProduct', { friendlyName: 'contract assign tp', email: 'a@example.com', policySid: POLICY_SOLE_PROPRIETOR });
    const eu = await g.createEndUser({ friendlyName: 'contract assign eu', type: 'sole_proprietor_information', attributes: { brand_name: 'X', mobile_phone_number: '+14155550111' } });
    await g.assign('customerProfile', cp, eu);
    await g.assign('trustProduct', tp, cp);
  },
  findAssignment: async ({ g, c1 }) => {
    const s = sidsOf(c1);
    await g.findAssignment('customerProfile', s.customerProfile, s.starterEndUser);
    await g.findAssignment('trustProduct', s.trustProduct, s.customerProfile);
  },
  evaluate: async ({ g, c1 }) => {
    const s = sidsOf(c1);
    await g.evaluate('customerProfile', s.customerProfile, POLICY_STARTER);
    await g.evaluate('trustProduct', s.trustProduct, POLICY_SOLE_PROPRIETOR);
  },
  submit: async ({ g }) => {
    // An empty bundle is noncompliant: Twilio accepts the submission, then rejects the bundle (000).
    for (const kind of ['customerProfile', 'trustProduct'] as const) {
      const sid = await g.createBundle(kind, { friendlyName: `contract submit ${kind}`, email: 's@example.com', policySid: kind === 'customerProfile' ? POLICY_STARTER : POLICY_SOLE_PROPRIETOR });
      assert.equal(await g.submit(kind, sid), 'pending-review');
      const rejected = await waitFor(`${kind} rejected`, async () => {
        const b = await g.fetchBundle(kind, sid);
        return b.status === 'twilio-rejected' ? b : null;
      });
      assert.ok(rejected.errors.length > 0);
    }
  },
  createEndUser: ({ g }) => g.createEndUser({ friendlyName: 'contract eu', type: 'starter_customer_profile_information', attributes: { first_name: 'A', last_name: 'B', email: 'ab@example.com', phone_number: '+14155550100' } }),
  findEndUserByFriendlyName: ({ g }) => g.findEndUserByFriendlyName('no such end user'),
  createAddress: ({ g }) =>
    g.createAddress({ friendlyName: 'contract address', customerName: 'A B', street: '1 Main St', streetSecondary: 'Suite 2', city: 'Austin', region: 'TX', postalCode: '78701', isoCountry: 'US' }),
  findAddressByFriendlyName: ({ g }) => g.findAddressByFriendlyName('contract address'),
  createSupportingDocument: ({ g, c1 }) =>
    g.createSupportingDocument({ friendlyName: 'contract doc', type: 'customer_profile_address', attributes: { address_sids: sidsOf(c1).address } }),
  findSupportingDocumentByFriendlyName: ({ g }) => g.findSupportingDocumentByFriendlyName('no such document'),
  createBrand: async ({ g, c1 }) => {
    const s = sidsOf(c1);
    await g.createBrand({ customerProfileBundleSid: s.customerProfile, a2pProfileBundleSid: s.trustProduct });
  },
  findBrandByBundle: ({ g }) => g.findBrandByBundle('BU' + '0'.repeat(32)),
  fetchBrand: ({ g, c1 }) => g.fetchBrand(sidsOf(c1).brand),
  requestBrandOtp: ({ g, c1 }) => g.requestBrandOtp(sidsOf(c1).brand),
  createMessagingService: ({ g }) => g.createMessagingService('contract service'),
  messagingServiceExists: async ({ g, c1 }) => {
    assert.equal(await g.messagingServiceExists(sidsOf(c1).messagingService), true);
    assert.equal(await g.messagingServiceExists('MG' + '0'.repeat(32)), false);
  },
  findMessagingServiceByFriendlyName: ({ g }) => g.findMessagingServiceByFriendlyName('no such service'),
  createCampaign: async ({ g, c1 }) => {
    const mg = await g.createMessagingService('contract campaign service');
    await g.createCampaign(mg, { ...CAMPAIGN, brandRegistrationSid: sidsOf(c1).brand });
  },
  findCampaign: ({ g, c1 }) => g.findCampaign(sidsOf(c1).messagingService, sidsOf(c1).brand),
  // redrive --recreate-campaign: DeleteUsAppToPerson, confirmed (204), then gone (404 is "already gone").
  deleteCampaign: async ({ g, c1 }) => {
    const mg = await g.createMessagingService('contract delete campaign service');
    const qe = (await g.createCampaign(mg, { ...CAMPAIGN, brandRegistrationSid: sidsOf(c1).brand })).sid;
    assert.equal(await g.deleteCampaign(mg, qe), 'deleted');
    assert.equal(await g.deleteCampaign(mg, qe), 'already gone');
    assert.equal(await g.findCampaign(mg, sidsOf(c1).brand), null);
  },
  // Remediation: corrections made in place, never by creating again.
  updateBundle: async ({ g }) => {
    for (const kind of ['customerProfile', 'trustProduct'] as const) {
      const sid = await g.createBundle(kind, { friendlyName: `contract update ${kind}`, email: 'u@example.com', policySid: kind === 'customerProfile' ? POLICY_STARTER : POLICY_SOLE_PROPRIETOR });
      await g.updateBundle(kind, sid, { email: 'fixed@example.com' });
    }
  },
  updateEndUser: async ({ g }) => {
    const eu = await g.createEndUser({ friendlyName: 'contract update eu', type: 'starter_customer_profile_information', attributes: { first_name: 'A', last_name: 'B', email: 'ab@example.com', phone_number: '+14155550100' } });
    await g.updateEndUser(eu, { first_name: 'A', last_name: 'B', email: 'fixed@example.com', phone_number: '+14155550100' });
  },
  updateAddress: async ({ g }) => {
    const ad = await g.createAddress({ friendlyName: 'contract update address', customerName: 'A B', street: '1 Main St', city: 'Austin', region: 'TX', postalCode: '78701', isoCountry: 'US' });
    await g.updateAddress(ad, { customerName: 'A B', street: '2 Main St', streetSecondary: undefined, city: 'Austin', region: 'TX', postalCode: '78701' });
  },
  resubmitBrand: async ({ g, stack }) => {
    const reused = await stack.rt.ledger.get('reused');
    assert.ok(reused?.sids.brand, 'the reused customer has a FAILED brand');
    await g.resubmitBrand(reused.sids.brand);
  },
  fetchCampaign: ({ g, c1 }) => g.fetchCampaign(sidsOf(c1).messagingService, c1.sids.campaign!),
  // Standard brands: vetting results and Authentication+, the use cases a brand is offered.
  listBrandVettings: async ({ g, standardBrand }) => {
    const vettings = await g.listBrandVettings(standardBrand);
    assert.ok(vettings.some((v) => v.vettingClass === 'AUTHPLUS' && v.vettingStatus === 'PENDING'), JSON.stringify(vettings));
    assert.ok(vettings.some((v) => v.vettingProvider === 'aegis'), 'the secondary vetting is listed');
  },
  resendBrandAuthPlus: ({ g, standardBrand }) => g.resendBrandAuthPlus(standardBrand),
  listUsecases: async ({ g, c1, standardBrand }) => {
    const mg = await g.createMessagingService('contract usecases service');
    assert.deepEqual(await g.listUsecases(mg, sidsOf(c1).brand), ['SOLE_PROPRIETOR']);
    const offered = await g.listUsecases(mg, standardBrand);
    assert.ok(offered.includes('MIXED') && !offered.includes('POLITICAL'), offered.join(', '));
  },
  // Business flow: policies, the account's numbers, channel endpoints.
  fetchPolicy: async ({ g }) => {
    for (const sid of [POLICY_STARTER, POLICY_SOLE_PROPRIETOR, POLICY_SECONDARY_BUSINESS, POLICY_SHAKEN_STIR, POLICY_A2P_MESSAGING]) assert.equal((await g.fetchPolicy(sid)).sid, sid);
  },
  findIncomingPhoneNumber: async ({ g }) => {
    assert.match((await g.findIncomingPhoneNumber('+14155550170')) ?? '', /^PN/);
    assert.equal(await g.findIncomingPhoneNumber('+19995550100'), null);
  },
  assignChannelEndpoint: async ({ g }) => {
    const pn = (await g.findIncomingPhoneNumber('+14155550171'))!;
    const cp = await g.createBundle('customerProfile', { friendlyName: 'contract endpoint cp', email: 'e@example.com', policySid: POLICY_SECONDARY_BUSINESS });
    const tp = await g.createBundle('trustProduct', { friendlyName: 'contract endpoint tp', email: 'e@example.com', policySid: POLICY_SHAKEN_STIR });
    await g.assign('trustProduct', tp, cp);
    await g.assignChannelEndpoint('customerProfile', cp, pn);
    await g.assignChannelEndpoint('trustProduct', tp, pn);
  },
  removeAssignment: async ({ g }) => {
    const cp = await g.createBundle('customerProfile', { friendlyName: 'contract unassign cp', email: 'e@example.com', policySid: POLICY_SECONDARY_BUSINESS });
    const tp = await g.createBundle('trustProduct', { friendlyName: 'contract unassign tp', email: 'e@example.com', policySid: POLICY_SHAKEN_STIR });
    const eu = await g.createEndUser({ friendlyName: 'contract unassign eu', type: 'authorized_representative_2', attributes: { first_name: 'A' } });
    await g.removeAssignment('customerProfile', cp, await g.assign('customerProfile', cp, eu));
    const a = await g.assign('trustProduct', tp, cp);
    await g.removeAssignment('trustProduct', tp, a);
    await g.removeAssignment('trustProduct', tp, a); // already gone: fine
  },
  removeChannelEndpointAssignment: async ({ g }) => {
    const pn = (await g.findIncomingPhoneNumber('+12125550172'))!;
    const cp = await g.createBundle('customerProfile', { friendlyName: 'contract remove cp', email: 'e@example.com', policySid: POLICY_SECONDARY_BUSINESS });
    const tp = await g.createBundle('trustProduct', { friendlyName: 'contract remove tp', email: 'e@example.com', policySid: POLICY_SHAKEN_STIR });
    await g.assign('trustProduct', tp, cp);
    const cpa = await g.assignChannelEndpoint('customerProfile', cp, pn);
    const tpa = await g.assignChannelEndpoint('trustProduct', tp, pn);
    await g.removeChannelEndpointAssignment('trustProduct', tp, tpa);
    await g.removeChannelEndpointAssignment('customerProfile', cp, cpa);
    await g.removeChannelEndpointAssignment('customerProfile', cp, cpa); // already gone: fine
  },
  findChannelEndpointAssignment: async ({ g, b1 }) => {
    const pn = (await g.findIncomingPhoneNumber('+14155550170'))!;
    assert.match((await g.findChannelEndpointAssignment('customerProfile', b1.sids.customerProfile!, pn)) ?? '', /^RA/);
    assert.match((await g.findChannelEndpointAssignment('trustProduct', b1.sids.trustProduct!, pn)) ?? '', /^RA/);
  },
  updateCampaign: ({ g, c1 }) => g.updateCampaign(sidsOf(c1).messagingService, c1.sids.campaign!, { ...CAMPAIGN, brandRegistrationSid: sidsOf(c1).brand }),
  // Sender numbers: numbers for sale, buying one, and a Messaging Service's numbers.
  listAvailableLocalNumbers: async ({ g }) => {
    assert.ok((await g.listAvailableLocalNumbers('US', { areaCode: 415 })).length > 0);
    assert.deepEqual(await g.listAvailableLocalNumbers('US', { areaCode: 212 }), []);
    assert.ok((await g.listAvailableLocalNumbers('CA', { inRegion: 'ON' })).length > 0);
  },
  buyPhoneNumber: async ({ g }) => {
    const [offer] = await g.listAvailableLocalNumbers('US', { areaCode: 512 });
    assert.match(await g.buyPhoneNumber({ phoneNumber: offer!.phoneNumber, friendlyName: 'contract buy' }), /^PN/);
    // A number the account already owns is not for sale.
    await assert.rejects(g.buyPhoneNumber({ phoneNumber: '+14155550170', friendlyName: 'contract buy owned' }), /not available/);
  },
  findIncomingPhoneNumberByFriendlyName: async ({ g }) => {
    assert.match((await g.findIncomingPhoneNumberByFriendlyName('contract buy')) ?? '', /^PN/);
    assert.equal(await g.findIncomingPhoneNumberByFriendlyName('no such number'), null);
  },
  addServicePhoneNumber: async ({ g, c1 }) => {
    const mg = await g.createMessagingService('contract numbers service');
    const pn = (await g.findIncomingPhoneNumber('+15125550174'))!;
    assert.equal(await g.addServicePhoneNumber(mg, pn), pn);
    await assert.rejects(g.addServicePhoneNumber(mg, pn), /already in Messaging Service/);
    // c1's number is on c1's service: Twilio keeps a number on one service.
    await assert.rejects(g.addServicePhoneNumber(mg, c1.sids.servicePhoneNumber!), /another Messaging Service/);
    await assert.rejects(g.addServicePhoneNumber(mg, 'PN' + '0'.repeat(32)), /not found on this account/);
  },
  listServicePhoneNumbers: async ({ g, c1 }) => {
    assert.deepEqual((await g.listServicePhoneNumbers(sidsOf(c1).messagingService)).map((n) => n.sid), [c1.sids.servicePhoneNumber]);
  },
  removeServicePhoneNumber: async ({ g }) => {
    const mg = await g.createMessagingService('contract remove number service');
    const pn = (await g.findIncomingPhoneNumber('+16175550175'))!;
    await g.addServicePhoneNumber(mg, pn);
    await g.removeServicePhoneNumber(mg, pn);
    await g.removeServicePhoneNumber(mg, pn); // already gone: fine
    assert.deepEqual(await g.listServicePhoneNumbers(mg), []);
  },
  // Event Streams (`events setup`): the webhook sink, its subscription and subscribed types.
  createWebhookSink: async ({ g }) => {
    const sink = await g.createWebhookSink('contract sink', 'https://isv.example.com/webhooks/twilio/events');
    assert.deepEqual([sink.status, sink.sinkType, sink.destination], ['active', 'webhook', 'https://isv.example.com/webhooks/twilio/events']);
  },
  listSinks: async ({ g }) => {
    assert.ok((await g.listSinks()).some((s) => s.destination === 'https://isv.example.com/webhooks/twilio/events'));
  },
  createSubscription: async ({ g }) => {
    const sink = (await g.listSinks()).find((s) => s.description === 'contract sink')!;
    const sub = await g.createSubscription('contract subscription', sink.sid, ['com.twilio.messaging.compliance.brand-registration.brand-failure']);
    assert.equal(sub.sinkSid, sink.sid);
  },
  listSubscriptions: async ({ g }) => {
    const sink = (await g.listSinks()).find((s) => s.description === 'contract sink')!;
    assert.deepEqual((await g.listSubscriptions(sink.sid)).map((s) => s.description), ['contract subscription']);
  },
  addSubscribedEventType: async ({ g }) => {
    const sink = (await g.listSinks()).find((s) => s.description === 'contract sink')!;
    const sub = (await g.listSubscriptions(sink.sid))[0]!;
    await g.addSubscribedEventType(sub.sid, 'com.twilio.messaging.compliance.campaign-registration.campaign-approved');
  },
  listSubscribedEventTypes: async ({ g }) => {
    const sink = (await g.listSinks()).find((s) => s.description === 'contract sink')!;
    const sub = (await g.listSubscriptions(sink.sid))[0]!;
    assert.ok((await g.listSubscribedEventTypes(sub.sid)).includes('com.twilio.messaging.compliance.campaign-registration.campaign-approved'));
  },
};

describe("the sandbox honours Twilio's OpenAPI contract", () => {
  let stack: Stack;
  let sb: Sandbox;
  let c1: CustomerRecord;
  let b1: CustomerRecord;
  /** operationId → gateway methods that sent it. */
  const gatewayOps = new Map<string, Set<string>>();
  let pipelineOps = new Set<string>();
  /** A public STANDARD brand awaiting Authentication+ (the Vettings, Usecases and 2fa routes). */
  let standardBrand = '';
  /** An Events v1 subscription (with subscribed events) on a webhook sink, for the SubscribedEvents routes. */
  let eventSubscription = '';

  /** Pipeline outcome per customer, and gateway calls that threw: asserted in tests, so a break shows where. */
  const states: Record<string, string> = {};
  const callErrors: Record<string, string> = {};

  before(async () => {
    stack = await startStack({ sandbox: { recordBodies: true } });
    sb = stack.sandbox;
    // TCR already counts 3 brands for this mobile elsewhere: the 'reused' customer's brand FAILS.
    await fetch(`${sb.url}/_sandbox/tcr-usage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mobile: '+14155550199', count: 3 }) });
    const rows = [row('c1'), row('c2'), row('disposable', { email: `pat@${REVIEW_ONLY_DISPOSABLE_DOMAIN}` }), row('badzip', REVIEW_ONLY_ZIP), row('reused', { mobile_phone_number: '(415) 555-0199' })];
    await ingestFile(stack.rt, tmpFile('customers.csv', csv(...rows)), { templatePath: templateFile(), batchId: 'contract' });
    for (const id of ['c1', 'c2', 'disposable', 'badzip', 'reused']) {
      const rec = await waitForState(stack.rt.ledger, id, ['completed', 'live', 'failed'], 30_000);
      states[id] = rec.state === 'failed' ? `failed: ${rec.reason ?? ''}` : rec.state === 'live' ? 'completed' : rec.state;
    }
    await ingestFile(stack.rt, tmpFile('businesses.csv', BUSINESS_CSV), { batchId: 'contract-biz' });
    const biz = await waitForState(stack.rt.ledger, 'b1', ['live', 'failed'], 30_000);
    states['b1'] = biz.state === 'failed' ? `failed: ${biz.reason ?? ''}` : biz.state;
    b1 = biz;
    c1 = (await stack.rt.ledger.get('c1'))!;
    await stack.pool?.close(2_000);
    stack.pool = undefined;
    pipelineOps = new Set(sb.requestLog().map((e) => e.operationId ?? `unrouted ${e.method} ${e.path}`));
    standardBrand = await standardBrandByHand(sb);

    // Enough end users that the gateway's lookups walk more than one page (pageSize 100).
    for (let i = 0; i < 120; i++) await raw(sb, 'POST', '/trusthub/v1/EndUsers', new URLSearchParams({ FriendlyName: `filler ${i}`, Type: 'sole_proprietor_information' }));
    const ctx: Ctx = { g: stack.rt.gateway, c1, b1, stack, standardBrand };
    for (const [name, call] of Object.entries(GATEWAY_CALLS)) {
      const from = sb.requestLog().length;
      try {
        await call(ctx);
      } catch (e) {
        callErrors[name] = e instanceof Error ? e.message : String(e);
      }
      for (const e of sb.requestLog().slice(from)) {
        const id = e.operationId ?? `unrouted ${e.method} ${e.path}`;
        if (!gatewayOps.has(id)) gatewayOps.set(id, new Set());
        gatewayOps.get(id)!.add(name);
      }
    }
  });
  after(() => stack?.close());

  test('the pipeline run completes the good rows and fails the bad ones with Twilio\'s reasons', () => {
    assert.equal(states['c1'], 'completed');
    assert.equal(states['c2'], 'completed');
    assert.match(states['disposable'] ?? '', /Email is a suspected disposable address\./);
    assert.match(states['badzip'] ?? '', /\[address_sids\] - Invalid Postal Code\./);
    assert.match(states['reused'] ?? '', /Unable to register Brand with The Campaign Registry/);
    assert.equal(states['b1'], 'live');
  });

  test('every gateway method is exercised here (a new Twilio call needs a line in GATEWAY_CALLS)', () => {
    assert.deepEqual(callErrors, {}, 'gateway calls that failed');
    const methods = Object.getOwnPropertyNames(TwilioGateway.prototype).filter((n) => !NOT_TWILIO_CALLS.has(n));
    const missing = methods.filter((m) => !(m in GATEWAY_CALLS));
    assert.deepEqual(missing, [], `gateway methods without contract coverage: ${missing.join(', ')}`);
    for (const [name, ops] of gatewayOps) assert.ok(!name.startsWith('unrouted'), `${[...ops].join(', ')} sent a request the sandbox could not route: ${name}`);
    // Every operation the pipeline used is also covered by a direct call, and vice versa for the bundle kinds.
    const uncovered = [...pipelineOps].filter((op) => !gatewayOps.has(op));
    assert.deepEqual(uncovered, [], 'operations the pipeline sends that no direct gateway call covers');
    const expected = [
      'FetchAccount', 'ListCustomerProfile', 'CreateCustomerProfile', 'FetchCustomerProfile', 'UpdateCustomerProfile',
      'CreateCustomerProfileEntityAssignment', 'ListCustomerProfileEntityAssignment', 'CreateCustomerProfileEvaluation',
      'ListTrustProduct', 'CreateTrustProduct', 'FetchTrustProduct', 'UpdateTrustProduct',
      'CreateTrustProductEntityAssignment', 'ListTrustProductEntityAssignment', 'CreateTrustProductEvaluation',
      'CreateEndUser', 'ListEndUser', 'CreateAddress', 'ListAddress', 'CreateSupportingDocument', 'ListSupportingDocument',
      'CreateBrandRegistrations', 'ListBrandRegistrations', 'FetchBrandRegistrations', 'CreateBrandRegistrationOtp',
      'CreateService', 'FetchService', 'ListService', 'CreateUsAppToPerson', 'ListUsAppToPerson',
      'UpdateEndUser', 'UpdateAddress', 'UpdateBrandRegistrations', 'FetchUsAppToPerson', 'UpdateUsAppToPerson',
      'FetchPolicies', 'ListIncomingPhoneNumber', 'FetchEndUser',
      'CreateCustomerProfileChannelEndpointAssignment', 'ListCustomerProfileChannelEndpointAssignment',
      'CreateTrustProductChannelEndpointAssignment', 'ListTrustProductChannelEndpointAssignment',
      'DeleteCustomerProfileChannelEndpointAssignment', 'DeleteTrustProductChannelEndpointAssignment',
      'DeleteCustomerProfileEntityAssignment', 'DeleteTrustProductEntityAssignment', 'DeleteUsAppToPerson',
      'ListAvailablePhoneNumberLocal', 'CreateIncomingPhoneNumber', 'CreatePhoneNumber', 'ListPhoneNumber', 'DeletePhoneNumber',
      'ListBrandVetting', 'CreateBrandRegistration2fa', 'FetchUsAppToPersonUsecase',
      'CreateSink', 'ListSink', 'CreateSubscription', 'ListSubscription', 'CreateSubscribedEvent', 'ListSubscribedEvent',
      // ACCOUNT_MODE=subaccount: the parent creates, finds and reads its customers' subaccounts.
      'CreateAccount', 'ListAccount',
    ];
    assert.deepEqual([...gatewayOps.keys()].sort(), [...expected].sort());
  });

  test('every request the gateway sent is valid against its operation, and every answer against its response schema', () => {
    const problems: string[] = [];
    let checked = 0;
    let nextPages = 0;
    let errors = 0;
    for (const e of sb.requestLog()) {
      const x = exchangeOf(contract, e);
      if (!x) {
        problems.push(`unrouted: ${e.method} ${e.path} → ${e.status}`);
        continue;
      }
      problems.push(...problemsOf(contract, x));
      checked += 1;
      if (x.query.has('PageToken')) nextPages += 1;
      if (e.status >= 400) errors += 1;
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 150, `checked ${checked} exchanges`);
    assert.ok(nextPages > 0, 'a next page was followed');
    assert.ok(errors > 0, 'error answers were checked too');
  });

  /** The first successful exchange of each gateway operation, to alter and replay. */
  function samples(): Exchange[] {
    const seen = new Map<string, Exchange>();
    for (const e of sb.requestLog()) {
      const x = exchangeOf(contract, e);
      if (x && e.status >= 200 && e.status < 300 && gatewayOps.has(x.op.operationId) && !seen.has(x.op.operationId)) seen.set(x.op.operationId, x);
    }
    return [...seen.values()];
  }

  function requiredOf(op: SpecOperation): string[] {
    const r = op.form?.['required'];
    return Array.isArray(r) ? r.map(String) : [];
  }

  function formProps(op: SpecOperation): Record<string, Record<string, unknown>> {
    const p = op.form?.['properties'];
    return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, Record<string, unknown>>) : {};
  }

  test('a missing required parameter: 400, code 20001, "Missing required parameter X in the post body"', async () => {
    let tried = 0;
    for (const x of samples()) {
      for (const name of requiredOf(x.op)) {
        const form = new URLSearchParams([...x.form].filter(([k]) => k !== name));
        const r = await raw(sb, x.entry.method, x.entry.path, form);
        assert.equal(r.status, 400, `${x.op.operationId} without ${name}`);
        assert.equal(r.body?.['code'], 20001);
        assert.equal(r.body?.['message'], `Missing required parameter ${name} in the post body`);
        assert.deepEqual(contract.checkResponse(x.op, r.status, r.body), []);
        tried += 1;
      }
    }
    assert.ok(tried >= 20, `dropped ${tried} required parameters`);
  });

  test('a malformed SID in a form parameter: 400 / 20001 naming it; in the path: 404 / 20404', async () => {
    let params = 0;
    let paths = 0;
    for (const x of samples()) {
      for (const [name, schema] of Object.entries(formProps(x.op))) {
        const v = x.form.get(name);
        if (typeof schema['pattern'] !== 'string' || v === null) continue;
        const form = new URLSearchParams(x.form);
        form.set(name, malformedSid(v));
        const r = await raw(sb, x.entry.method, x.entry.path, form);
        assert.equal(r.status, 400, `${x.op.operationId} ${name}=${form.get(name)}`);
        assert.equal(r.body?.['code'], 20001);
        assert.match(String(r.body?.['message']), new RegExp(`Invalid parameter ${name}`));
        params += 1;
      }
      for (const p of x.op.pathParams) {
        if (typeof p.schema['pattern'] !== 'string') continue;
        const path = `/${x.op.product}${fillPath(x.op.path, { ...x.params, [p.name]: malformedSid(x.params[p.name] ?? 'XX') })}`;
        const r = await raw(sb, x.entry.method, path + (x.entry.query ? `?${x.entry.query}` : ''), x.entry.method === 'POST' ? x.form : undefined);
        assert.equal(r.status, 404, `${x.op.operationId} with ${p.name} malformed`);
        assert.equal(r.body?.['code'], 20404);
        paths += 1;
      }
    }
    assert.ok(params >= 5 && paths >= 10, `form SIDs ${params}, path SIDs ${paths}`);
  });

  test('a misspelled enum value, in a form field or a query parameter: 400 / 20001 naming it', async () => {
    let tried = 0;
    for (const x of samples()) {
      const enumFields = Object.keys(formProps(x.op)).filter((n) => x.form.has(n) && /enum/.test(JSON.stringify(formProps(x.op)[n])));
      for (const name of enumFields) {
        const form = new URLSearchParams(x.form);
        form.set(name, `${form.get(name)}x`);
        const r = await raw(sb, x.entry.method, x.entry.path, form);
        assert.equal(r.status, 400, `${x.op.operationId} ${name}=${form.get(name)}`);
        assert.match(String(r.body?.['message']), new RegExp(`Invalid parameter ${name}: must be one of`));
        tried += 1;
      }
      for (const p of x.op.queryParams) {
        if (!x.query.has(p.name) || !/enum/.test(JSON.stringify(p.schema))) continue;
        const q = new URLSearchParams(x.query);
        q.set(p.name, `${q.get(p.name)}x`);
        const r = await raw(sb, 'GET', `${x.entry.path}?${q.toString()}`);
        assert.equal(r.status, 400, `${x.op.operationId} ?${p.name}=${q.get(p.name)}`);
        assert.equal(r.body?.['code'], 20001);
        tried += 1;
      }
    }
    assert.ok(tried >= 3, `misspelled ${tried} enum values`);
  });

  test('a bundle status other than draft → pending-review cannot be set by a client', async () => {
    for (const [coll, policy] of [['CustomerProfiles', POLICY_STARTER], ['TrustProducts', POLICY_SOLE_PROPRIETOR]] as const) {
      const created = await raw(sb, 'POST', `/trusthub/v1/${coll}`, new URLSearchParams({ FriendlyName: 'status test', Email: 's@example.com', PolicySid: policy }));
      assert.equal(created.status, 201);
      const sid = String(created.body?.['sid']);
      for (const status of ['draft', 'in-review', 'twilio-rejected', 'twilio-approved']) {
        const r = await raw(sb, 'POST', `/trusthub/v1/${coll}/${sid}`, new URLSearchParams({ Status: status }));
        assert.equal(r.status, 400, `${coll} → ${status}`);
        assert.equal(r.body?.['code'], 20001);
        assert.match(String(r.body?.['message']), /can only be set to pending-review/);
      }
      // c1's bundles are in review or approved: pending-review is refused from there too.
      const own = coll === 'CustomerProfiles' ? sidsOf(c1).customerProfile : sidsOf(c1).trustProduct;
      const again = await raw(sb, 'POST', `/trusthub/v1/${coll}/${own}`, new URLSearchParams({ Status: 'pending-review' }));
      assert.equal(again.status, 400);
      assert.equal((await raw(sb, 'GET', `/trusthub/v1/${coll}/${sid}`)).body?.['status'], 'draft');
    }
  });

  test('an unknown resource: 404 with Twilio\'s error body, code 20404', async () => {
    const checks: Array<[string, string]> = [
      ['GET', `/trusthub/v1/CustomerProfiles/BU${'0'.repeat(32)}`],
      ['GET', `/trusthub/v1/TrustProducts/BU${'0'.repeat(32)}/EntityAssignments`],
      ['GET', `/messaging/v1/a2p/BrandRegistrations/BN${'0'.repeat(32)}`],
      ['GET', `/messaging/v1/Services/MG${'0'.repeat(32)}/Compliance/Usa2p`],
      ['DELETE', `/trusthub/v1/EndUsers/IT${'0'.repeat(32)}`],
      ['GET', `/api/2010-04-01/Accounts/${sb.options.accountSid}/Addresses/AD${'0'.repeat(32)}.json`],
      ['GET', '/trusthub/v1/NoSuchThing'],
    ];
    for (const [method, path] of checks) {
      const r = await raw(sb, method, path);
      const twilioPath = path.replace(/^\/(trusthub|messaging|api)/, '');
      assert.equal(r.status, 404, path);
      assert.deepEqual(r.body, { code: 20404, message: `The requested resource ${twilioPath} was not found`, more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 });
    }
  });

  test('Events v1 through twilio-node: sinks, subscriptions and subscribed events answer by the schema; the sandbox refuses what the contract refuses', async () => {
    const client = createTwilioClient({ accountSid: sb.options.accountSid, authToken: sb.options.authToken, apiBase: sb.url });
    const ev = client.events.v1;
    // Deliveries (the sink test, later brand transitions) go to a local receiver that accepts them.
    const rx = http.createServer((req, res) => req.resume().on('end', () => res.end()));
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    after(() => new Promise<void>((r) => rx.close(() => r())));
    const receiver = `http://127.0.0.1:${(rx.address() as { port: number }).port}`;
    const from = sb.requestLog().length;
    const sink = await ev.sinks.create({ description: 'contract sink', sinkType: 'webhook', sinkConfiguration: { destination: `${receiver}/webhooks/twilio/events`, method: 'POST', batch_events: true } });
    const other = await ev.sinks.create({ description: 'contract sink 2', sinkType: 'webhook', sinkConfiguration: { destination: `${receiver}/other`, method: 'POST', batch_events: false } });
    await ev.sinks(sink.sid).update({ description: 'contract sink renamed' });
    assert.equal((await ev.sinks(sink.sid).sinkTest.create()).result, 'submitted');
    assert.equal((await ev.sinks(sink.sid).sinkValidate.create({ testId: 'NO' + '0'.repeat(32) })).result, 'valid');
    const subscription = await ev.subscriptions.create({
      description: 'contract subscription',
      sinkSid: sink.sid,
      types: [{ type: 'com.twilio.messaging.compliance.brand-registration.brand-verified', schema_version: 2 }, { type: 'com.twilio.messaging.compliance.campaign-registration.campaign-approved' }],
    });
    eventSubscription = subscription.sid;
    await ev.subscriptions(subscription.sid).update({ description: 'contract subscription renamed' });
    // twilio-node 6.2.0 sends only Description on this update; SinkSid by hand.
    const moved = await raw(sb, 'POST', `/events/v1/Subscriptions/${subscription.sid}`, new URLSearchParams({ SinkSid: other.sid }));
    assert.equal(moved.body?.['sink_sid'], other.sid);
    const types = ev.subscriptions(subscription.sid).subscribedEvents;
    await types.create({ type: 'com.twilio.messaging.compliance.campaign-registration.campaign-failure', schemaVersion: 2 });
    await types('com.twilio.messaging.compliance.campaign-registration.campaign-failure').update({ schemaVersion: 1 });
    assert.equal((await types.list()).length, 3);
    assert.equal((await ev.eventTypes.list({ schemaId: 'A2P.BrandRegistered' }))[0]?.type, 'com.twilio.messaging.compliance.brand-registration.brand-registered');
    const problems: string[] = [];
    for (const e of sb.requestLog().slice(from)) {
      const x = exchangeOf(contract, e);
      assert.ok(x, `${e.method} ${e.path} is routed`);
      problems.push(...problemsOf(contract, x));
    }
    assert.deepEqual(problems, []);
    // What the contract refuses never reaches a handler: an enum, a SID pattern, a required field.
    const badType = await raw(sb, 'POST', '/events/v1/Sinks', new URLSearchParams({ Description: 'x', SinkType: 'ftp', SinkConfiguration: '{}' }));
    assert.equal(badType.status, 400);
    assert.match(String(badType.body?.['message']), /Invalid parameter SinkType: must be one of/);
    const badSid = await raw(sb, 'POST', '/events/v1/Subscriptions', new URLSearchParams({ Description: 'x', SinkSid: malformedSid(sink.sid), Types: '{"type":"com.twilio.a.b"}' }));
    assert.equal(badSid.status, 400);
    assert.match(String(badSid.body?.['message']), /SinkSid/);
    const missing = await raw(sb, 'POST', '/events/v1/Subscriptions', new URLSearchParams({ Description: 'x', SinkSid: sink.sid }));
    assert.equal(missing.status, 400);
    assert.equal(missing.body?.['message'], 'Missing required parameter Types in the post body');
  });

  test('API 2010 Accounts: subaccounts created, listed, fetched and updated by the schema; refusals in Twilio\'s error body', async () => {
    const created = await raw(sb, 'POST', '/api/2010-04-01/Accounts.json', new URLSearchParams({ FriendlyName: 'contract subaccount' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const op = (method: string, path: string) => contract.operation('api', method, path)!;
    assert.deepEqual(contract.checkResponse(op('POST', '/2010-04-01/Accounts.json'), created.status, created.body), []);
    const sid = String(created.body?.['sid']);
    const token = String(created.body?.['auth_token']);
    const unnamed = await raw(sb, 'POST', '/api/2010-04-01/Accounts.json', new URLSearchParams());
    assert.equal(unnamed.status, 201);
    const listed = await raw(sb, 'GET', '/api/2010-04-01/Accounts.json?FriendlyName=contract%20subaccount&Status=active');
    assert.deepEqual(contract.checkResponse(op('GET', '/2010-04-01/Accounts.json'), listed.status, listed.body), []);
    assert.deepEqual((listed.body?.['accounts'] as Array<{ sid: string }>).map((a) => a.sid), [sid]);
    const updated = await raw(sb, 'POST', `/api/2010-04-01/Accounts/${sid}.json`, new URLSearchParams({ FriendlyName: 'contract renamed', Status: 'suspended' }));
    assert.deepEqual(contract.checkResponse(op('POST', '/2010-04-01/Accounts/{Sid}.json'), updated.status, updated.body), []);
    assert.equal(updated.body?.['status'], 'suspended');
    assert.equal((await raw(sb, 'POST', `/api/2010-04-01/Accounts/${sid}.json`, new URLSearchParams({ Status: 'active' }))).status, 200);
    // As the subaccount: it cannot nest one (21101), nor see the main account.
    const asSub = async (method: string, path: string, form?: URLSearchParams) => {
      const res = await fetch(sb.url + path, { method, headers: { Authorization: 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64'), ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) }, body: form ? form.toString() : null });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const nested = await asSub('POST', '/api/2010-04-01/Accounts.json', new URLSearchParams({ FriendlyName: 'nested' }));
    assert.equal(nested.status, 400);
    assert.equal(nested.body['code'], 21101);
    assert.deepEqual(contract.checkResponse(op('POST', '/2010-04-01/Accounts.json'), nested.status, nested.body), []);
    const parentFromSub = await asSub('GET', `/api/2010-04-01/Accounts/${sb.options.accountSid}.json`);
    assert.equal(parentFromSub.status, 404);
    assert.deepEqual(contract.checkResponse(op('GET', '/2010-04-01/Accounts/{Sid}.json'), parentFromSub.status, parentFromSub.body), []);
    const badStatus = await raw(sb, 'POST', `/api/2010-04-01/Accounts/${sid}.json`, new URLSearchParams({ Status: 'paused' }));
    assert.equal(badStatus.status, 400);
    assert.match(String(badStatus.body?.['message']), /Status/);
  });

  test('every route the sandbox serves is an operation of the files; list, fetch and delete answer by the schema', async () => {
    const routes = sandboxRoutes();
    const s = sidsOf(c1);
    const parents: Record<string, string> = {
      CustomerProfileSid: s.customerProfile,
      TrustProductSid: s.trustProduct,
      MessagingServiceSid: s.messagingService,
      ServiceSid: s.messagingService,
      AccountSid: sb.options.accountSid,
      CountryCode: 'US',
      BrandSid: standardBrand,
      SubscriptionSid: eventSubscription,
    };
    // Phone numbers hang off the business customer's bundles.
    const bizParents: Record<string, string> = { ...parents, CustomerProfileSid: b1.sids.customerProfile!, TrustProductSid: b1.sids.trustProduct! };
    const problems: string[] = [];
    const done = new Set<string>();
    const check = async (method: string, product: string, template: string, params: Record<string, string>, query = '') => {
      const op = contract.operation(product as SpecOperation['product'], method, template);
      assert.ok(op, `${method} ${product}${template} is in Twilio's files`);
      const r = await raw(sb, method, `/${product}${fillPath(template, params)}${query}`);
      problems.push(...contract.checkResponse(op, r.status, r.body ?? undefined));
      done.add(`${method} ${product}${template}`);
      return r;
    };
    // Usecases is a fetch of a list-shaped answer, not a list: for the STANDARD brand and without one.
    const usecases = '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/Usecases';
    assert.equal((await check('GET', 'messaging', usecases, parents, `?BrandRegistrationSid=${standardBrand}`)).status, 200);
    assert.equal((await check('GET', 'messaging', usecases, parents)).status, 200);
    // list (PageSize=2, so meta has a next page where there are items) → fetch the first item
    for (const rt of routes.filter((r) => r.method === 'GET' && !/\{(Sid|BrandVettingSid|Type)\}(\.json)?$/.test(r.path) && r.path !== usecases)) {
      const p = rt.path.includes('ChannelEndpointAssignments') ? bizParents : parents;
      const list = await check('GET', rt.product, rt.path, p, '?PageSize=2');
      assert.equal(list.status, 200, `${rt.operation}: ${JSON.stringify(list.body)}`);
      const key = rt.product === 'api' ? (rt.path === '/2010-04-01/Accounts.json' ? 'accounts' : rt.path.includes('IncomingPhoneNumbers') ? 'incoming_phone_numbers' : rt.path.includes('AvailablePhoneNumbers') ? 'available_phone_numbers' : 'addresses') : String((list.body?.['meta'] as Record<string, unknown>)['key']);
      // Brand vettings are named by brand_vetting_sid under {BrandVettingSid}; event types by type under {Type}; everything else by sid under {Sid}.
      const first = (list.body?.[key] as Array<{ sid?: string; brand_vetting_sid?: string; type?: string }>)[0];
      assert.ok(first, `${rt.operation} lists something`);
      if (key === 'available_phone_numbers') continue; // numbers for sale have no fetch operation
      const itemPaths = rt.product === 'api' ? [rt.path.replace(/\.json$/, '/{Sid}.json')] : [`${rt.path}/{Sid}`, `${rt.path}/{BrandVettingSid}`, `${rt.path}/{Type}`];
      const item = routes.find((r) => r.method === 'GET' && r.product === rt.product && itemPaths.includes(r.path));
      assert.ok(item, `${rt.operation} has a fetch route`);
      const fetched = await check('GET', item.product, item.path, { ...p, Sid: first.sid ?? '', BrandVettingSid: first.brand_vetting_sid ?? '', Type: first.type ?? '' });
      assert.equal(fetched.status, 200, item.operation);
    }
    const accountFetch = await check('GET', 'api', '/2010-04-01/Accounts/{Sid}.json', { Sid: sb.options.accountSid });
    assert.equal(accountFetch.status, 200);

    // delete: throwaway resources, then 204, then 404
    const post = async (path: string, form: Record<string, string>) => {
      const r = await raw(sb, 'POST', path, new URLSearchParams(form));
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      return String(r.body?.['sid']);
    };
    const cp = await post('/trusthub/v1/CustomerProfiles', { FriendlyName: 'del', Email: 'd@example.com', PolicySid: POLICY_STARTER });
    const tp = await post('/trusthub/v1/TrustProducts', { FriendlyName: 'del', Email: 'd@example.com', PolicySid: POLICY_SOLE_PROPRIETOR });
    const eu = await post('/trusthub/v1/EndUsers', { FriendlyName: 'del', Type: 'starter_customer_profile_information' });
    const doc = await post('/trusthub/v1/SupportingDocuments', { FriendlyName: 'del', Type: 'customer_profile_address', Attributes: JSON.stringify({ address_sids: s.address }) });
    const cpa = await post(`/trusthub/v1/CustomerProfiles/${cp}/EntityAssignments`, { ObjectSid: eu });
    const tpa = await post(`/trusthub/v1/TrustProducts/${tp}/EntityAssignments`, { ObjectSid: cp });
    const ad = await post(`/api/2010-04-01/Accounts/${sb.options.accountSid}/Addresses.json`, { CustomerName: 'x', Street: '1 Main St', City: 'Austin', Region: 'TX', PostalCode: '78701', IsoCountry: 'US' });
    const mg = await post('/messaging/v1/Services', { FriendlyName: 'del' });
    const pn = String(((await raw(sb, 'GET', `/api/2010-04-01/Accounts/${sb.options.accountSid}/IncomingPhoneNumbers.json?PageSize=1`)).body?.['incoming_phone_numbers'] as Array<{ sid: string }>)[0]?.sid);
    const bcp = await post('/trusthub/v1/CustomerProfiles', { FriendlyName: 'del', Email: 'd@example.com', PolicySid: POLICY_SECONDARY_BUSINESS });
    const btp = await post('/trusthub/v1/TrustProducts', { FriendlyName: 'del', Email: 'd@example.com', PolicySid: POLICY_SHAKEN_STIR });
    await post(`/trusthub/v1/TrustProducts/${btp}/EntityAssignments`, { ObjectSid: bcp });
    const cpe = await post(`/trusthub/v1/CustomerProfiles/${bcp}/ChannelEndpointAssignments`, { ChannelEndpointType: 'phone-number', ChannelEndpointSid: pn });
    const tpe = await post(`/trusthub/v1/TrustProducts/${btp}/ChannelEndpointAssignments`, { ChannelEndpointType: 'phone-number', ChannelEndpointSid: pn });
    const mgn = await post('/messaging/v1/Services', { FriendlyName: 'del numbers' });
    await post(`/messaging/v1/Services/${mgn}/PhoneNumbers`, { PhoneNumberSid: pn });
    const dg = await post('/events/v1/Sinks', { Description: 'del', SinkType: 'webhook', SinkConfiguration: JSON.stringify({ destination: 'http://127.0.0.1:9/del', method: 'POST', batch_events: false }) });
    const df = await post('/events/v1/Subscriptions', { Description: 'del', SinkSid: dg, Types: JSON.stringify({ type: 'com.twilio.messaging.compliance.brand-registration.brand-failure', schema_version: 3 }) });
    const deletes: Array<[string, string, Record<string, string>]> = [
      ['trusthub', '/v1/CustomerProfiles/{CustomerProfileSid}/EntityAssignments/{Sid}', { CustomerProfileSid: cp, Sid: cpa }],
      ['trusthub', '/v1/TrustProducts/{TrustProductSid}/EntityAssignments/{Sid}', { TrustProductSid: tp, Sid: tpa }],
      ['trusthub', '/v1/TrustProducts/{TrustProductSid}/ChannelEndpointAssignments/{Sid}', { TrustProductSid: btp, Sid: tpe }],
      ['trusthub', '/v1/CustomerProfiles/{CustomerProfileSid}/ChannelEndpointAssignments/{Sid}', { CustomerProfileSid: bcp, Sid: cpe }],
      ['trusthub', '/v1/EndUsers/{Sid}', { Sid: eu }],
      ['trusthub', '/v1/SupportingDocuments/{Sid}', { Sid: doc }],
      ['trusthub', '/v1/CustomerProfiles/{Sid}', { Sid: cp }],
      ['trusthub', '/v1/TrustProducts/{Sid}', { Sid: tp }],
      ['api', '/2010-04-01/Accounts/{AccountSid}/Addresses/{Sid}.json', { AccountSid: sb.options.accountSid, Sid: ad }],
      ['messaging', '/v1/Services/{Sid}', { Sid: mg }],
      ['messaging', '/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}', { ServiceSid: mgn, Sid: pn }],
      ['events', '/v1/Subscriptions/{SubscriptionSid}/SubscribedEvents/{Type}', { SubscriptionSid: df, Type: 'com.twilio.messaging.compliance.brand-registration.brand-failure' }],
      ['events', '/v1/Subscriptions/{Sid}', { Sid: df }],
      ['events', '/v1/Sinks/{Sid}', { Sid: dg }],
    ];
    for (const [product, template, params] of deletes) {
      assert.equal((await check('DELETE', product, template, params)).status, 204, template);
      assert.equal((await check('DELETE', product, template, params)).status, 404, `${template} again`);
      if (routes.some((r) => r.method === 'GET' && r.product === product && r.path === template)) assert.equal((await check('GET', product, template, params)).status, 404);
    }
    // Campaign delete: c2's campaign (its service stays).
    const c2 = (await stack.rt.ledger.get('c2'))!;
    assert.equal((await check('DELETE', 'messaging', '/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}', { MessagingServiceSid: c2.sids.messagingService!, Sid: c2.sids.campaign! })).status, 204);

    assert.deepEqual(problems, []);
    const notExercised = routes.filter((r) => r.method !== 'POST' && !done.has(`${r.method} ${r.product}${r.path}`)).map((r) => `${r.method} ${r.product}${r.path}`);
    assert.deepEqual(notExercised, []);
    for (const r of routes) assert.ok(contract.operation(r.product as SpecOperation['product'], r.method, r.path), `${r.method} ${r.path}`);
  });

  test('lists page correctly over thousands of items, with filters, while items are deleted between pages', async () => {
    const client = createTwilioClient({ accountSid: sb.options.accountSid, authToken: sb.options.authToken, apiBase: sb.url });
    const before = (await client.trusthub.v1.endUsers.list({ pageSize: 1000 })).length;
    const N = 2100;
    for (let i = 0; i < N; i++) {
      const r = await raw(sb, 'POST', '/trusthub/v1/EndUsers', new URLSearchParams({ FriendlyName: `bulk ${i}`, Type: 'sole_proprietor_information' }));
      assert.equal(r.status, 201);
    }
    const all = await client.trusthub.v1.endUsers.list({ pageSize: 1000 });
    assert.equal(all.length, before + N);
    assert.equal(new Set(all.map((e) => e.sid)).size, all.length, 'no item twice');

    // Walk by hand: delete an item of the first page before asking for the second; nothing is skipped.
    const first = await raw(sb, 'GET', '/trusthub/v1/EndUsers?PageSize=1000');
    const firstItems = first.body?.['results'] as Array<{ sid: string; friendly_name: string }>;
    const next = String((first.body?.['meta'] as Record<string, unknown>)['next_page_url']);
    assert.match(next, /PageToken=PA/);
    const unassigned = firstItems.find((e) => e.friendly_name.startsWith('filler'));
    assert.ok(unassigned);
    assert.equal((await raw(sb, 'DELETE', `/trusthub/v1/EndUsers/${unassigned.sid}`)).status, 204);
    const second = await raw(sb, 'GET', next.replace('https://trusthub.twilio.com', '/trusthub'));
    const secondItems = second.body?.['results'] as Array<{ sid: string }>;
    assert.equal(secondItems[0]?.sid, all[1000]?.sid, 'the second page starts right after the first page, deletions notwithstanding');
    assert.deepEqual(contract.checkResponse(contract.operation('trusthub', 'GET', '/v1/EndUsers')!, second.status, second.body), []);

    // Filters: Status on CustomerProfiles, with paging links that keep it.
    const approved = await raw(sb, 'GET', '/trusthub/v1/CustomerProfiles?Status=twilio-approved&PageSize=1');
    const approvedItems = approved.body?.['results'] as Array<{ status: string }>;
    assert.ok(approvedItems.every((p) => p.status === 'twilio-approved'));
    assert.match(String((approved.body?.['meta'] as Record<string, unknown>)['next_page_url']), /^https:\/\/trusthub\.twilio\.com\/v1\/CustomerProfiles\?Status=twilio-approved&PageSize=1&Page=1&PageToken=PABU/);
    const badSize = await raw(sb, 'GET', '/trusthub/v1/EndUsers?PageSize=1001');
    assert.equal(badSize.status, 400);
    assert.match(String(badSize.body?.['message']), /PageSize/);
  });

  test('updates of end users and documents answer by the schema', async () => {
    const s = sidsOf(c1);
    const eu = await raw(sb, 'POST', `/trusthub/v1/EndUsers/${s.starterEndUser}`, new URLSearchParams({ FriendlyName: 'renamed' }));
    assert.equal(eu.status, 200);
    assert.equal(eu.body?.['friendly_name'], 'renamed');
    const doc = await raw(sb, 'POST', `/trusthub/v1/SupportingDocuments/${s.addressDocument}`, new URLSearchParams({ Attributes: JSON.stringify({ address_sids: [s.address] }) }));
    assert.equal(doc.status, 200);
    const notJson = await raw(sb, 'POST', `/trusthub/v1/SupportingDocuments/${s.addressDocument}`, new URLSearchParams({ Attributes: 'not json' }));
    assert.equal(notJson.status, 400);
    assert.match(String(notJson.body?.['message']), /Invalid parameter Attributes: must be a JSON object/);
  });

  test('a FAILED brand can be resubmitted (202), any other cannot', async () => {
    const reused = (await stack.rt.ledger.get('reused'))!;
    assert.ok(reused.sids.brand);
    const again = await raw(sb, 'POST', `/messaging/v1/a2p/BrandRegistrations/${reused.sids.brand}`);
    assert.equal(again.status, 202);
    assert.equal(again.body?.['status'], 'PENDING');
    const approved = await raw(sb, 'POST', `/messaging/v1/a2p/BrandRegistrations/${sidsOf(c1).brand}`);
    assert.equal(approved.status, 400);
    assert.match(String(approved.body?.['message']), /only a FAILED brand can be resubmitted/);
  });

  test('every answer the sandbox gave in this file matches the contract, and every route answered 2xx at least once', () => {
    const problems: string[] = [];
    const ok = new Set<string>();
    for (const e of sb.requestLog()) {
      const x = exchangeOf(contract, e);
      if (!x || e.status === 0 || e.fault) continue;
      for (const p of contract.checkResponse(x.op, e.status, e.responseBody)) problems.push(`${e.method} ${e.path}: ${p}`);
      if (e.status < 300) ok.add(`${x.op.product} ${x.op.method} ${x.op.path}`);
    }
    assert.deepEqual(problems, []);
    const never = sandboxRoutes()
      .map((r) => `${r.product} ${r.method} ${r.path}`)
      .filter((k) => !ok.has(k));
    assert.deepEqual(never, []);
  });

  test('templateRegex matches what the sandbox routes (self-check of the test helper)', () => {
    assert.deepEqual({ ...templateRegex('/2010-04-01/Accounts/{AccountSid}/Addresses/{Sid}.json').exec('/2010-04-01/Accounts/AC1/Addresses/AD2.json')?.groups }, { AccountSid: 'AC1', Sid: 'AD2' });
  });
});
