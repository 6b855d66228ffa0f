import { isBusiness } from '../ledger/ledger.js';
import { checkedSubaccount } from '../twilio/accounts.js';
import { RejectedError } from '../twilio/errors.js';
import { setupEvents } from '../events/setup.js';
import { ensure } from './ensure.js';
import { friendlyName } from './friendly-name.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'subaccount';
/** Twilio's error when the parent has its maximum number of subaccounts (1000 by default). */
const SUBACCOUNT_LIMIT_CODE = 21480;

/**
 * ACCOUNT_MODE=subaccount, before anything else: the customer's own Twilio subaccount, made with the
 * parent's credentials. Created once (FriendlyName `a2p-onboard {id} Subaccount`, looked up by that
 * name after a lost answer, as every create is), or the one the row's `account_sid` names, checked with
 * the parent: a subaccount of it, active, and no other customer's. Its SID is recorded in the ledger
 * (slot `subaccount`); every later stage then works with the subaccount's credentials (src/workers/runtime.ts).
 */
export async function subaccount(ctx: StageContext): Promise<StageOutcome<'starter-profile' | 'business-profile'>> {
  const parent = ctx.parent ?? ctx.gateway;
  const { customerId } = ctx;
  const c = await ctx.ledger.getAnyCustomer(customerId);
  const next = isBusiness(c) ? 'business-profile' : 'starter-profile';
  const recorded = await ctx.ledger.sid(customerId, 'subaccount');

  if (c.accountSid) {
    if (recorded && recorded !== c.accountSid) {
      // Its profiles and bundles are in the recorded subaccount; moving them is not something to do silently.
      throw new RejectedError(
        `account_sid names ${c.accountSid}, but this customer's resources were already created in subaccount ${recorded}; a customer cannot move between subaccounts`,
        { accountSid: c.accountSid, recordedAccountSid: recorded },
        { kind: 'subaccount-invalid' },
      );
    }
    const owner = await ctx.ledger.ownerOf(c.accountSid);
    if (owner && owner !== customerId) {
      throw new RejectedError(`account_sid ${c.accountSid} is already the subaccount of customer ${owner}; one subaccount per customer`, { accountSid: c.accountSid }, { kind: 'subaccount-invalid' });
    }
    await checkedSubaccount(parent, c.accountSid);
    if (!recorded) {
      await ctx.ledger.setSid(customerId, 'subaccount', c.accountSid, STAGE);
      ctx.log.info({ sidName: 'subaccount', sid: c.accountSid }, "using the row's subaccount");
    }
    await subscribeToEvents(ctx, c.accountSid);
    return { kind: 'next', stage: next, delayMs: 0 };
  }

  const name = friendlyName(customerId, 'Subaccount');
  const sid = await ensure(
    ctx, STAGE, 'subaccount',
    () => parent.createSubaccount(name).catch((err: unknown) => {
      // Not this customer's data: the parent is full. Say so, rather than "Twilio refused a value".
      if (err instanceof RejectedError && err.details.code === SUBACCOUNT_LIMIT_CODE) {
        throw new RejectedError(`no subaccount could be created for this customer: the parent ${parent.accountSid} has as many subaccounts as Twilio allows (error ${SUBACCOUNT_LIMIT_CODE})`, err.details, { kind: 'subaccount-limit' });
      }
      throw err;
    }),
    () => parent.findSubaccountByFriendlyName(name),
  );
  // A subaccount suspended or closed since (by hand, or for billing) is a clear failure now, not 401s later.
  await checkedSubaccount(parent, sid);
  await subscribeToEvents(ctx, sid);
  return { kind: 'next', stage: next, delayMs: 0 };
}

/**
 * With Event Streams on, the subaccount gets the same sink and subscription as the parent (Twilio keeps
 * them per account; its events are signed with the subaccount's token, which the events webhook checks).
 * Idempotent, so a retried job costs three reads. A sink Twilio does not activate is not the customer's
 * fault: its decisions are then seen by the sweeps, and `events setup` / `doctor` say so.
 */
async function subscribeToEvents(ctx: StageContext, accountSid: string): Promise<void> {
  const url = ctx.settings.eventsSinkUrl;
  if (!url || !ctx.gatewayOf) return;
  const r = await setupEvents(await ctx.gatewayOf(accountSid), url);
  if (r.ok) ctx.log.info({ subaccount: accountSid, sink: r.sink?.sid, created: r.sink?.created ?? false }, 'Event Streams set up for the subaccount');
  else ctx.log.warn({ subaccount: accountSid, problems: r.problems }, 'Event Streams could not be set up for this subaccount: its decisions are seen by the sweeps only; run `a2p-onboard events setup`');
}
