import { maskPhone } from '../customers/phone.js';
import type { Customer } from '../customers/customer.js';
import { SENDER_ACTIONS, fillCommands } from '../reports/actions.js';
import { RejectedError, TransientError } from '../twilio/errors.js';
import { ensure } from './ensure.js';
import { phoneNumberSids } from './business-profile.js';
import type { BusinessCustomer } from '../customers/business.js';
import { isBusiness, type SidName } from '../ledger/ledger.js';
import { friendlyName } from './friendly-name.js';
import { nextCheck } from './settings.js';
import type { StageContext, StageOutcome } from './outcome.js';

const STAGE = 'sender-number';

/**
 * Step 6 of Twilio's ISV guide: without a number on the Messaging Service nothing can be sent.
 * A Sole Proprietor service holds exactly one 10DLC number (002 §4.1). The number is the row's
 * `sender_number` (the account must own it), else one bought for the customer (BUY_SENDER_NUMBERS),
 * else none: the customer waits for one, with what to do. Buying and adding go through ensure(), so a
 * lost answer is found again (the bought number by its FriendlyName, the added one on the service)
 * and nothing is bought twice. Then the customer is `completed` and the sweeps watch the campaign;
 * `live` needs the campaign VERIFIED and this number on the service (recheck).
 */
export async function senderNumber(ctx: StageContext): Promise<StageOutcome<never, 'campaign'>> {
  const { gateway, customerId } = ctx;
  const rec = await ctx.ledger.get(customerId);
  if (!rec) return { kind: 'done' };
  const serviceSid = rec.status.messagingServiceSid ?? rec.sids.messagingService;
  if (!serviceSid || !rec.sids.campaign) return { kind: 'rerun', stage: 'campaign' };
  const any = await ctx.ledger.getAnyCustomer(customerId);
  if (isBusiness(any)) return businessNumbers(ctx, any, serviceSid);
  const c = any;
  const campaignStatus = rec.status.campaign ? ` (${rec.status.campaign})` : '';
  // What the service holds now. One read: a number an earlier try added (its answer lost), or one the ISV put on a
  // service the row names, is found here rather than refused by Twilio as a second number.
  const present = (await gateway.listServicePhoneNumbers(serviceSid)).map((n) => n.sid);

  let wanted: string;
  let how: string;
  if (c.senderNumber) {
    const owned = await gateway.findIncomingPhoneNumber(c.senderNumber);
    if (!owned) {
      throw new RejectedError(`sender_number ${maskPhone(c.senderNumber)} is not a phone number of this Twilio account (IncomingPhoneNumbers has no such number)`, {}, { kind: 'sender-not-owned' });
    }
    wanted = owned;
    how = `sender_number ${maskPhone(c.senderNumber)}`;
  } else if (present.length > 0) {
    // No sender_number, but the service can already send: nothing to buy.
    wanted = present[0]!;
    how = `number ${wanted} (already on the service)`;
  } else if (ctx.settings.buySenderNumbers || (await ctx.ledger.sid(customerId, 'senderNumber'))) {
    // A number bought for the customer before stays its number even if the setting was turned off since.
    const name = friendlyName(customerId, 'Sender Number');
    wanted = await ensure(ctx, STAGE, 'senderNumber', () => buyNumber(ctx, c, name), () => gateway.findIncomingPhoneNumberByFriendlyName(name));
    how = `bought number ${wanted}`;
  } else {
    const at = nextCheck(ctx.settings, ctx.now(), 0);
    await ctx.ledger.setStatus(customerId, { senderNumber: 'missing', campaignChecks: 0 });
    await ctx.ledger.transition(customerId, STAGE, 'completed', `campaign submitted${campaignStatus}; no sender number: the customer cannot send until one is on its Messaging Service`, {
      watchAt: at,
      reason: `no sender number: the row has no sender_number and BUY_SENDER_NUMBERS is off, so Messaging Service ${serviceSid} has no number to send from`,
      action: fillCommands(SENDER_ACTIONS.missing, { customerId }),
    });
    return { kind: 'watch', at };
  }

  const recorded = await ctx.ledger.sid(customerId, 'servicePhoneNumber');
  if (present.includes(wanted)) {
    if (recorded !== wanted) await ctx.ledger.setSid(customerId, 'servicePhoneNumber', wanted, STAGE);
  } else {
    // A corrected sender_number replaces the one this stage put on the service before (one number per Sole Proprietor service).
    if (recorded) {
      if (present.includes(recorded)) {
        await gateway.removeServicePhoneNumber(serviceSid, recorded);
        ctx.log.info({ customerId, removed: recorded }, 'took the previous sender number off the Messaging Service');
      }
      await ctx.ledger.clearSid(customerId, 'servicePhoneNumber', STAGE);
    }
    await addToService(ctx, serviceSid, wanted, how);
  }
  await ctx.ledger.setStatus(customerId, { senderNumber: wanted, campaignChecks: 0 });
  const at = nextCheck(ctx.settings, ctx.now(), 0);
  await ctx.ledger.transition(customerId, STAGE, 'completed', `${how} on Messaging Service ${serviceSid}; campaign submitted${campaignStatus}; waiting for campaign vetting`, { watchAt: at });
  return { kind: 'watch', at };
}

/**
 * A Standard brand's Messaging Service may hold many numbers (the guide's step 6): every number of the
 * row's phone_numbers and its sender_number, each an IncomingPhoneNumber of the account; none given, one
 * bought (BUY_SENDER_NUMBERS) or the customer waits for one. Each is added through ensure() under its own
 * name (`serviceNumber.PN…`), and numbers an earlier generation added that the corrected row no longer
 * lists are taken off.
 */
async function businessNumbers(ctx: StageContext, c: BusinessCustomer, serviceSid: string): Promise<StageOutcome<never, 'campaign'>> {
  const { gateway, customerId } = ctx;
  const rec = await ctx.ledger.get(customerId);
  const campaignStatus = rec?.status.campaign ? ` (${rec.status.campaign})` : '';
  const wanted = [...(await phoneNumberSids(ctx, c))];
  if (c.senderNumber) {
    const owned = await gateway.findIncomingPhoneNumber(c.senderNumber);
    if (!owned) throw new RejectedError(`sender_number ${maskPhone(c.senderNumber)} is not a phone number of this Twilio account (IncomingPhoneNumbers has no such number)`, {}, { kind: 'sender-not-owned' });
    if (!wanted.includes(owned)) wanted.push(owned);
  }
  const present = (await gateway.listServicePhoneNumbers(serviceSid)).map((n) => n.sid);
  if (wanted.length === 0) {
    if (present.length > 0) wanted.push(present[0]!);
    else if (ctx.settings.buySenderNumbers || (await ctx.ledger.sid(customerId, 'senderNumber'))) {
      const name = friendlyName(customerId, 'Sender Number');
      const near = c.representatives[0]?.phoneNumber ?? '';
      wanted.push(await ensure(ctx, STAGE, 'senderNumber', () => buyNumber(ctx, { customerId, phoneNumber: near, region: c.region, isoCountry: c.isoCountry }, name), () => gateway.findIncomingPhoneNumberByFriendlyName(name)));
    } else {
      const at = nextCheck(ctx.settings, ctx.now(), 0);
      await ctx.ledger.setStatus(customerId, { senderNumber: 'missing', campaignChecks: 0 });
      await ctx.ledger.transition(customerId, STAGE, 'completed', `campaign submitted${campaignStatus}; no number: the customer cannot send until one is on its Messaging Service`, {
        watchAt: at,
        reason: `no sender number: the row has neither phone_numbers nor sender_number and BUY_SENDER_NUMBERS is off, so Messaging Service ${serviceSid} has no number to send from`,
        action: fillCommands(SENDER_ACTIONS.missing, { customerId }),
      });
      return { kind: 'watch', at };
    }
  }
  // Numbers this stage added before that the corrected row no longer lists.
  for (const [name, sid] of Object.entries((rec?.sids ?? {}) as Record<string, string | undefined>)) {
    const pn = name.startsWith('serviceNumber.') ? name.slice('serviceNumber.'.length) : null;
    if (!pn || !sid || wanted.includes(pn)) continue;
    if (present.includes(pn)) await gateway.removeServicePhoneNumber(serviceSid, pn);
    await ctx.ledger.clearSid(customerId, `serviceNumber.${pn}`, STAGE);
    ctx.log.info({ customerId, removed: pn }, 'number no longer listed: taken off the Messaging Service');
  }
  for (const pn of wanted) {
    if (present.includes(pn)) {
      if ((await ctx.ledger.sid(customerId, `serviceNumber.${pn}`)) !== pn) await ctx.ledger.setSid(customerId, `serviceNumber.${pn}`, pn, STAGE);
      continue;
    }
    await addToService(ctx, serviceSid, pn, `number ${pn}`, `serviceNumber.${pn}`);
  }
  // The first number stands for the service in the ledger's live check (any number lets the customer send).
  if (rec?.sids.servicePhoneNumber !== wanted[0]) await ctx.ledger.setSid(customerId, 'servicePhoneNumber', wanted[0]!, STAGE);
  await ctx.ledger.setStatus(customerId, { senderNumber: wanted[0]!, campaignChecks: 0 });
  const at = nextCheck(ctx.settings, ctx.now(), 0);
  const what = wanted.length === 1 ? `number ${wanted[0]}` : `${wanted.length} numbers (${wanted.join(', ')})`;
  await ctx.ledger.transition(customerId, STAGE, 'completed', `${what} on Messaging Service ${serviceSid}; campaign submitted${campaignStatus}; waiting for campaign vetting`, {
    watchAt: at,
    details: { standardBrand: true },
  });
  return { kind: 'watch', at };
}

/** Through ensure(): a lost answer is found on the service's list instead of being added twice. */
async function addToService(ctx: StageContext, serviceSid: string, wanted: string, how: string, sidName: SidName = 'servicePhoneNumber'): Promise<void> {
  const { gateway } = ctx;
  try {
    await ensure(
      ctx, STAGE, sidName,
      () => gateway.addServicePhoneNumber(serviceSid, wanted),
      async () => ((await gateway.listServicePhoneNumbers(serviceSid)).some((n) => n.sid === wanted) ? wanted : null),
    );
  } catch (err) {
    if (err instanceof RejectedError) {
      throw new RejectedError(`${how} could not be added to Messaging Service ${serviceSid}: ${err.message}`, err.details, { kind: 'sender-refused' });
    }
    throw err;
  }
}

/**
 * One local, SMS-capable number near the customer: its phone's area code, else its state or province
 * (`InRegion`), else anywhere in its country. Every worker buying at once is offered the same first
 * numbers, so each tries a few offers picked at random from the page; a refusal (sold meanwhile) moves
 * on to the next. Only when no search offers anything is the customer failed: offers that were all
 * sold under us are a race, retried later. A lost answer is left to ensure().
 */
async function buyNumber(ctx: StageContext, c: Pick<Customer, 'customerId' | 'phoneNumber' | 'region' | 'isoCountry'>, name: string): Promise<string> {
  const areaCode = /^\+1(\d{3})\d{7}$/.exec(c.phoneNumber)?.[1];
  const searches: Array<{ what: string; filter: { areaCode?: number; inRegion?: string } }> = [
    ...(areaCode ? [{ what: `area code ${areaCode}`, filter: { areaCode: Number(areaCode) } }] : []),
    { what: `region ${c.region}`, filter: { inRegion: c.region } },
    { what: c.isoCountry, filter: {} },
  ];
  const refusals: string[] = [];
  for (const s of searches) {
    const offers = await ctx.gateway.listAvailableLocalNumbers(c.isoCountry, s.filter);
    for (const offer of pickSome(offers, BUY_TRIES_PER_SEARCH)) {
      try {
        const sid = await ctx.gateway.buyPhoneNumber({ phoneNumber: offer.phoneNumber, friendlyName: name });
        ctx.log.info({ customerId: c.customerId, sid, near: s.what }, 'bought a sender number');
        return sid;
      } catch (err) {
        if (!(err instanceof RejectedError)) throw err;
        refusals.push(err.message);
      }
    }
  }
  const searched = searches.map((s) => s.what).join(', then ');
  if (refusals.length) {
    throw new TransientError(`every number offered for ${c.isoCountry} (searched ${searched}) was sold before it could be bought (${refusals.slice(-1)[0]}); trying again later`);
  }
  throw new RejectedError(`no SMS-capable local number could be bought for ${c.isoCountry} (searched ${searched})`, {}, { kind: 'sender-none-to-buy' });
}

const BUY_TRIES_PER_SEARCH = 3;

/** Up to `n` of `items` in random order, so buyers offered the same page spread over it. */
function pickSome<T>(items: readonly T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
