import assert from 'node:assert/strict';
import { POLICY_A2P_MESSAGING, POLICY_SECONDARY_BUSINESS, type Sandbox } from '@a2p-onboard/twilio-sandbox';
import { raw } from './exchanges.js';

/**
 * A STANDARD brand of a public company whose brand contact never confirms Authentication+ (`noconfirm`),
 * built by hand over HTTP: the contract tests reach the sandbox's Vettings, Usecases and 2fa routes with it
 * (issue 14; the gateway's Standard calls come with the pipeline's side of the issue). Resolves once the
 * brand's Authentication+ email is pending, after one 2FA re-send (201), with the brand's SID.
 */
export async function standardBrandByHand(sb: Sandbox): Promise<string> {
  const post = async (path: string, form: Record<string, string>): Promise<string> => {
    const r = await raw(sb, 'POST', path, new URLSearchParams(form));
    assert.ok(r.status >= 200 && r.status < 300, `${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return String(r.body?.['sid']);
  };
  const endUser = (type: string, attributes: Record<string, string>) => post('/trusthub/v1/EndUsers', { FriendlyName: `contract ${type}`, Type: type, Attributes: JSON.stringify(attributes) });

  const cp = await post('/trusthub/v1/CustomerProfiles', { FriendlyName: 'contract standard', Email: 'ops@standard.example.com', PolicySid: POLICY_SECONDARY_BUSINESS });
  const info = await endUser('customer_profile_business_information', {
    business_name: 'Contract Standard Inc',
    business_identity: 'direct_customer',
    business_type: 'Corporation',
    business_industry: 'TECHNOLOGY',
    business_registration_identifier: 'EIN',
    business_registration_number: '12-3456780',
    business_regions_of_operation: 'USA_AND_CANADA',
    website_url: 'https://standard.example.com',
    social_media_profile_urls: '',
  });
  const rep = await endUser('authorized_representative_1', { first_name: 'Ada', last_name: 'Ng', email: 'ada@standard.example.com', phone_number: '+14155550188', business_title: 'CEO', job_position: 'CEO' });
  const address = await post(`/api/2010-04-01/Accounts/${sb.options.accountSid}/Addresses.json`, { CustomerName: 'Contract Standard Inc', Street: '1 Main St', City: 'Austin', Region: 'TX', PostalCode: '78701', IsoCountry: 'US' });
  const doc = await post('/trusthub/v1/SupportingDocuments', { FriendlyName: 'contract standard address', Type: 'customer_profile_address', Attributes: JSON.stringify({ address_sids: address }) });
  for (const sid of [info, rep, doc, sb.isvPrimaryProfileSid]) await post(`/trusthub/v1/CustomerProfiles/${cp}/EntityAssignments`, { ObjectSid: sid });
  await post(`/trusthub/v1/CustomerProfiles/${cp}`, { Status: 'pending-review' });

  const tp = await post('/trusthub/v1/TrustProducts', { FriendlyName: 'contract a2p', Email: 'ops@standard.example.com', PolicySid: POLICY_A2P_MESSAGING });
  const a2p = await endUser('us_a2p_messaging_profile_information', { company_type: 'public', stock_exchange: 'NYSE', stock_ticker: 'CSTD', brand_contact_email: 'noconfirm.legal@standard.example.com' });
  for (const sid of [a2p, cp]) await post(`/trusthub/v1/TrustProducts/${tp}/EntityAssignments`, { ObjectSid: sid });
  await post(`/trusthub/v1/TrustProducts/${tp}`, { Status: 'pending-review' });

  const brand = await post('/messaging/v1/a2p/BrandRegistrations', { CustomerProfileBundleSid: cp, A2PProfileBundleSid: tp, BrandType: 'STANDARD' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await raw(sb, 'GET', `/messaging/v1/a2p/BrandRegistrations/${brand}/Vettings`);
    const vettings = (v.body?.['data'] ?? []) as Array<{ vetting_class: string }>;
    if (vettings.some((x) => x.vetting_class === 'AUTHPLUS')) break;
    if (Date.now() > deadline) assert.fail(`brand ${brand} got no Authentication+ email: ${JSON.stringify(vettings)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await post(`/messaging/v1/a2p/BrandRegistrations/${brand}/2fa`, {});
  return brand;
}
