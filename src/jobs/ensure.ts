import { createHash } from 'node:crypto';
import type { SidName } from '../ledger/ledger.js';
import { REDIS_RESTARTED } from '../ledger/restart-window.js';
import { TransientError } from '../twilio/errors.js';
import type { StageContext } from './outcome.js';

/** Why ensure() looks a resource up. */
export interface Lookup {
  /** Set when the only reason is a Redis restart: the restart window's id (RestartWindow.lookupWindow). */
  afterRestart?: string;
}

/**
 * The idempotency guard around every create.
 * 1. The ledger has the SID: reuse it.
 * 2. An intent is recorded but no SID: an earlier try may have created it and died
 *    before writing it down, so look it up in Twilio first. The same for every create
 *    for a while after Redis restarted (RestartWindow.noteRedisRun): its last writes may be lost.
 *    Such a look gets the window's id (`Lookup.afterRestart`): what it looks for was created
 *    before the restart, so one listing of the account per window serves every look.
 * 3. Otherwise record the intent, create, record the SID.
 */
export async function ensure(
  ctx: StageContext,
  /** The stage recording the SID, in its history entry. */
  stage: string,
  name: SidName,
  create: () => Promise<string>,
  find: (lookup: Lookup) => Promise<string | null>,
  /**
   * For resources whose data can be corrected in place (end users, addresses, campaigns):
   * the fingerprint of the data we want, and how to update an existing resource to it.
   * An existing resource whose recorded fingerprint differs is updated, never recreated.
   */
  sync?: { data: unknown; update: (sid: string) => Promise<void> },
): Promise<string> {
  const fp = sync ? fingerprint(sync.data) : null;
  const known = await ctx.ledger.sid(ctx.customerId, name);
  if (known) {
    if (sync && fp) {
      const recorded = await ctx.ledger.fingerprint(ctx.customerId, name);
      if (recorded !== null && recorded !== fp) {
        await sync.update(known);
        await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
        ctx.log.info({ sidName: name, sid: known }, 'updated with corrected data');
      } else if (recorded === null) {
        await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
      }
    }
    return known;
  }
  // One try at a time from here: two tries of the same job running at once would both create.
  const lease = await ctx.ledger.leases.claim(ctx.customerId, name);
  if ('busyForMs' in lease) throw new CreateInProgressError(name, ctx.customerId, Math.min(lease.busyForMs, 5_000));
  try {
    return await ensureLocked(ctx, stage, name, create, find, sync, fp);
  } finally {
    await ctx.ledger.leases.release(ctx.customerId, name, lease.token);
  }
}

/**
 * Another try holds the create's lease (it runs right now, or died and its lease has not run out):
 * come back later. Not a failure: the worker delays the job without spending an attempt.
 */
export class CreateInProgressError extends Error {
  override name = 'CreateInProgressError';
  constructor(
    readonly sidName: SidName,
    readonly customerId: string,
    readonly retryInMs: number,
  ) {
    super(`another try is creating the ${sidName} of customer ${customerId} right now; looking again in ${retryInMs} ms`);
  }
}

async function ensureLocked(
  ctx: StageContext,
  stage: string,
  name: SidName,
  create: () => Promise<string>,
  find: (lookup: Lookup) => Promise<string | null>,
  sync: { data: unknown; update: (sid: string) => Promise<void> } | undefined,
  fp: string | null,
): Promise<string> {
  // The try that held the lease before may have just recorded it.
  const recorded = await ctx.ledger.sid(ctx.customerId, name);
  if (recorded) return recorded;
  // After a Redis restart the intent itself may be among the lost writes: look first for a while.
  const intent = await ctx.ledger.hasIntent(ctx.customerId, name);
  const look = intent ? null : await ctx.ledger.restartWindow.lookupWindow();
  if (look?.restarted) ctx.log.warn({ sidName: name }, REDIS_RESTARTED);
  const window = look?.window ?? null;
  if (intent || window) {
    const found = await find(window ? { afterRestart: window } : {});
    if (found) {
      ctx.log.info({ sidName: name, sid: found }, 'found a resource an earlier try created but did not record');
      // Data may have changed since that try: make the found resource match. The '?' marks
      // "not known to match" so a crash before the update finishes still updates next time.
      if (fp) await ctx.ledger.setFingerprint(ctx.customerId, name, '?');
      await ctx.ledger.setSid(ctx.customerId, name, found, stage);
      if (sync && fp) {
        await sync.update(found);
        await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
      }
      return found;
    }
  }
  await ctx.ledger.setIntent(ctx.customerId, name);
  const sid = await create();
  await ctx.ledger.setSid(ctx.customerId, name, sid, stage);
  if (fp) await ctx.ledger.setFingerprint(ctx.customerId, name, fp);
  ctx.log.info({ sidName: name, sid }, 'created');
  return sid;
}

/** A stable digest of the data a resource holds (keys sorted), to notice corrections. */
export function fingerprint(data: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canon(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canon(data))).digest('hex').slice(0, 24);
}


/** A SID an earlier stage must have recorded; its absence is our bug or a manual edit, not the customer's. */
export async function requireSid(ctx: StageContext, name: SidName): Promise<string> {
  const sid = await ctx.ledger.sid(ctx.customerId, name);
  if (!sid) throw new TransientError(`ledger has no ${name} SID for customer ${ctx.customerId}; an earlier stage did not finish`);
  return sid;
}
