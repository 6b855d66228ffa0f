import type { LedgerKeys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';

/**
 * Redis restarts: writes of its last second may be lost. With `appendfsync everysec` (or a replica
 * promoted) up to about a second of writes may be gone after a restart or failover: an intent and
 * the SID recorded right after a create can vanish together. For a while after one is noticed,
 * every create looks for an existing resource first (see ensure()).
 */
/** What a worker logs when it notices a restart, by its reconnect handler or by a create that got there first. */
export const REDIS_RESTARTED =
  'Redis restarted since the last look (its run id changed): its last writes may be lost, so every create first looks for an existing resource for a while';

export class RestartWindow {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: LedgerKeys,
    /** How long creates look first after a restart is noticed (LOOKUP_AFTER_RESTART_MS). */
    private readonly windowMs: number,
  ) {}

  /**
   * Note which Redis server process holds the ledger (its run_id). When it changed since the last
   * look, open the window for `windowMs`. Returns true when a restart was noticed.
   */
  async noteRedisRun(windowMs = this.windowMs, now = Date.now()): Promise<boolean> {
    const [changed] = await this.look(windowMs, now);
    return changed;
  }

  /** True while creates must look for an existing resource first. */
  async lookupFirst(now = Date.now()): Promise<boolean> {
    return (await this.lookupWindow(now)).window !== null;
  }

  /**
   * While creates must look first, the window's id (one per noticed restart); otherwise null. It
   * notes the run id in the same script: a create that runs right after a restart, before the
   * runtime's reconnect handler noted it (ioredis sends the commands queued while offline first),
   * still opens the window and looks first instead of creating a second resource. `restarted`: this
   * look is the one that noticed the restart (so the caller logs it; the reconnect handler will not).
   */
  async lookupWindow(now = Date.now()): Promise<{ window: string | null; restarted: boolean }> {
    const [restarted, window] = await this.look(this.windowMs, now);
    return { window, restarted };
  }

  private async look(windowMs: number, now: number): Promise<[boolean, string | null]> {
    const [changed, window] = await this.redis.a2pNoteRedisRun(this.keys.redisRunId(), this.keys.lookupFirstUntil(), String(now + windowMs), String(now));
    return [changed === 1, window ?? null];
  }
}
