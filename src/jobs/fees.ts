import { DEFAULT_FEES, type FeeKind } from '../ledger/fees.js';
import type { StageContext } from './outcome.js';

/**
 * Record the fee of one real submission to Twilio, with the amount from the settings. `key` names
 * the submission (SID and what made it: created, a generation, Twilio's timestamp), so a retried
 * job or a lost answer found again never counts it twice. A mock brand's submissions cost 0.
 */
export async function recordFee(ctx: StageContext, kind: FeeKind, key: string, p: { sid: string; what: string; mock: boolean }): Promise<void> {
  const cents = (ctx.settings.fees ?? DEFAULT_FEES)[kind];
  const recorded = await ctx.ledger.recordFee(ctx.customerId, key, { kind, cents, mock: p.mock, sid: p.sid, what: p.what });
  if (recorded) ctx.log.info({ customerId: ctx.customerId, fee: kind, cents: p.mock ? 0 : cents, mock: p.mock, sid: p.sid }, 'fee recorded');
}

/** A mock brand (TWILIO_MOCK_BRANDS, or Twilio said so) and everything submitted for it cost nothing. */
export function brandIsMock(ctx: StageContext, brandMock: boolean | undefined): boolean {
  return brandMock === true || (ctx.settings.mockBrands ?? false);
}
