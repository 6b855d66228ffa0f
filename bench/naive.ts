import { setTimeout as sleep } from 'node:timers/promises';
import { PRIMARY_PROFILE_POLICY_SID, SOLE_PROPRIETOR_POLICY_SID, STARTER_PROFILE_POLICY_SID } from '../src/config.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { BENCH_TEMPLATE } from './lib/customers.js';
import { startSandboxProcess } from './lib/sandbox-process.js';
import type { EfficiencySettings } from './efficiency.js';

/**
 * (b) The naive baseline: the Sole Proprietor guide's steps run as written, one customer
 * after another, sleeping through each validation wait and between brand status checks.
 * Same sandbox settings as (a); the time per customer is extrapolated to (a)'s N.
 * It makes fewer calls than the pipeline (no look-before-create checks) and never breaks a
 * budget, because it is never fast enough to reach one.
 */

export interface NaiveResult {
  n: number;
  perCustomerS: number;
  callsPerCustomer: number;
  /** perCustomerS × the efficiency run's N. */
  extrapolatedS: number;
  extrapolatedTo: number;
}

export async function runNaive(s: EfficiencySettings, n: number, extrapolateTo: number, progress: (msg: string) => void): Promise<NaiveResult> {
  const sandbox = await startSandboxProcess({
    maxRps: s.accountRps,
    otpRps: s.otpRps,
    reviewDelayMs: s.reviewDelayMs,
    brandDelayMs: s.brandDelayMs,
    otpReplyDelayMs: s.otpReplyDelayMs,
    campaignDelayMs: s.campaignDelayMs,
  });
  try {
    const client = createTwilioClient({ accountSid: sandbox.accountSid, authToken: sandbox.authToken, apiBase: sandbox.url });
    const th = client.trusthub.v1;
    const [primary] = await th.customerProfiles.list({ status: 'twilio-approved', policySid: PRIMARY_PROFILE_POLICY_SID, limit: 1 });
    if (!primary) throw new Error('the sandbox has no approved primary profile');
    const t0 = Date.now();
    let calls = 0;
    const call = async <T>(p: Promise<T>): Promise<T> => {
      calls += 1;
      return p;
    };
    for (let i = 0; i < n; i++) {
      progress(`naive: customer ${i + 1}/${n}`);
      const id = `naive${i}`;
      const email = `${id}@example.com`;
      // 1. Starter customer profile
      const profile = await call(th.customerProfiles.create({ friendlyName: `${id} Starter Customer Profile`, email, policySid: STARTER_PROFILE_POLICY_SID }));
      const endUser = await call(th.endUsers.create({ friendlyName: `${id} End User`, type: 'starter_customer_profile_information', attributes: { first_name: 'Dana', last_name: 'Lopez', email, phone_number: '+14155550100' } }));
      const address = await call(client.api.v2010.accounts(sandbox.accountSid).addresses.create({ friendlyName: `${id} Address`, customerName: 'Dana Lopez', street: '123 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', isoCountry: 'US' }));
      const doc = await call(th.supportingDocuments.create({ friendlyName: `${id} Address Document`, type: 'customer_profile_address', attributes: { address_sids: address.sid } }));
      for (const objectSid of [endUser.sid, doc.sid, primary.sid]) await call(th.customerProfiles(profile.sid).customerProfilesEntityAssignments.create({ objectSid }));
      await call(th.customerProfiles(profile.sid).customerProfilesEvaluations.create({ policySid: STARTER_PROFILE_POLICY_SID }));
      await call(th.customerProfiles(profile.sid).update({ status: 'pending-review' }));
      await sleep(s.waitMs);
      // 2. Sole Proprietor trust bundle
      const bundle = await call(th.trustProducts.create({ friendlyName: `${id} Trust Bundle`, email, policySid: SOLE_PROPRIETOR_POLICY_SID }));
      const sp = await call(th.endUsers.create({ friendlyName: `${id} SP End User`, type: 'sole_proprietor_information', attributes: { brand_name: `Dana Lopez Studio ${id}`, mobile_phone_number: `+1415${String(7000000 + i)}`, vertical: 'RETAIL' } }));
      for (const objectSid of [sp.sid, profile.sid]) await call(th.trustProducts(bundle.sid).trustProductsEntityAssignments.create({ objectSid }));
      await call(th.trustProducts(bundle.sid).trustProductsEvaluations.create({ policySid: SOLE_PROPRIETOR_POLICY_SID }));
      await call(th.trustProducts(bundle.sid).update({ status: 'pending-review' }));
      await sleep(s.waitMs);
      // 3. Brand, then status checks until approved and the OTP is answered
      const brand = await call(client.messaging.v1.brandRegistrations.create({ customerProfileBundleSid: profile.sid, a2PProfileBundleSid: bundle.sid, brandType: 'SOLE_PROPRIETOR' }));
      for (;;) {
        await sleep(s.waitMs);
        const b = await call(client.messaging.v1.brandRegistrations(brand.sid).fetch());
        if (b.status === 'FAILED') throw new Error(`naive: brand failed: ${b.failureReason}`);
        if (b.status === 'APPROVED' && b.identityStatus === 'VERIFIED') break;
      }
      // 4. Messaging service and campaign
      const service = await call(client.messaging.v1.services.create({ friendlyName: `${id} Messaging Service` }));
      await call(
        client.messaging.v1.services(service.sid).usAppToPerson.create({
          brandRegistrationSid: brand.sid,
          description: BENCH_TEMPLATE.campaign_description.replace('{{brand_name}}', id),
          messageFlow: BENCH_TEMPLATE.message_flow.replace('{{brand_name}}', id),
          messageSamples: [BENCH_TEMPLATE.message_sample_1.replace('{{brand_name}}', id), BENCH_TEMPLATE.message_sample_2.replace('{{brand_name}}', id)],
          hasEmbeddedLinks: false,
          hasEmbeddedPhone: false,
          usAppToPersonUsecase: 'SOLE_PROPRIETOR',
          privacyPolicyUrl: BENCH_TEMPLATE.privacy_policy_url.replace('{{customer_id}}', id),
          termsAndConditionsUrl: BENCH_TEMPLATE.terms_and_conditions_url.replace('{{customer_id}}', id),
        }),
      );
    }
    const perCustomerS = (Date.now() - t0) / 1000 / n;
    return { n, perCustomerS, callsPerCustomer: calls / n, extrapolatedS: perCustomerS * extrapolateTo, extrapolatedTo: extrapolateTo };
  } finally {
    await sandbox.stop();
  }
}
