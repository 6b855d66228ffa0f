import type { CustomerRecord } from '../ledger/ledger.js';
import { bundleField } from '../ledger/status-fields.js';
import { BUNDLE_ROLES, rejectIfRejected } from './bundle.js';
import { isStageName, type AnyStageOutcome } from './registry.js';
import { nextCheck } from './settings.js';
import type { StageContext } from './outcome.js';

/**
 * What a sweep (or a status callback) does for a watched business customer: its bundles are what
 * it waits on. A rejection dead-letters it with Twilio's reason; once every submitted bundle is
 * twilio-approved the customer is `live` (the profile, and the SHAKEN/STIR Trust Product when asked for).
 */
export async function businessRecheck(ctx: StageContext, rec: CustomerRecord): Promise<AnyStageOutcome> {
  const { gateway, customerId, settings } = ctx;
  const roles = { customerProfile: BUNDLE_ROLES.businessProfile, trustProduct: BUNDLE_ROLES.shakenStir } as const;
  const statuses: string[] = [];
  for (const kind of ['customerProfile', 'trustProduct'] as const) {
    const sid = rec.sids[kind];
    if (!sid) continue;
    // While our own job runs, only a rejection reported by a callback is worth a look now.
    if (rec.state === 'in_progress' && rec.status[kind] !== 'twilio-rejected') continue;
    const bundle = await gateway.fetchBundle(kind, sid);
    await ctx.ledger.setStatus(customerId, { [kind]: bundle.status });
    if (bundle.status === 'twilio-rejected' && bundle.errors.length === 0 && rec.status[bundleField(kind, 'FailureReason')]) {
      bundle.errors = [{ failure_reason: rec.status[bundleField(kind, 'FailureReason')] }];
    }
    rejectIfRejected(kind, bundle, roles[kind]);
    statuses.push(bundle.status);
  }
  if (rec.state === 'in_progress') return isStageName(rec.stage) ? { kind: 'rerun', stage: rec.stage } : { kind: 'done' };
  if (rec.state !== 'completed') return { kind: 'done' };
  if (statuses.length > 0 && statuses.every((s) => s === 'twilio-approved')) {
    const what = [rec.sids.customerProfile && `Secondary Business Profile ${rec.sids.customerProfile}`, rec.sids.trustProduct && `SHAKEN/STIR Trust Product ${rec.sids.trustProduct}`].filter(Boolean).join(' and ');
    await ctx.ledger.transition(customerId, rec.stage, 'live', `${what} twilio-approved`);
    return { kind: 'done' };
  }
  const checks = rec.status.bundleChecks ?? 0;
  await ctx.ledger.setStatus(customerId, { bundleChecks: checks + 1 });
  return { kind: 'watch', at: nextCheck(settings, ctx.now(), checks + 1) };
}
