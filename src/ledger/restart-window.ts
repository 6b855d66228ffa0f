import type { LedgerKeys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';

/**
 * Redis restarts: writes of its last second may be lost. With `appendfsync everysec` (or a replica
 * promoted) up to about a second of writes may be gone after a restart or failover: an intent and
 * the SID recorded right after a create can vanish together. For a while after one is noticed,
 * every create looks for an existing resource first (see ensure()).
 */
export class RestartWindow {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: LedgerKeys,
  ) {}

  /**
   * Note which Redis server process holds the ledger (its run_id). When it changed since the last
   * look, open the window for `windowMs`. Returns true when a restart was noticed.
   */
  async noteRedisRun(windowMs: number, now = Date.now()): Promise<boolean> {
    return (await this.redis.a2pNoteRedisRun(this.keys.redisRunId(), this.keys.lookupFirstUntil(), String(now + windowMs))) === 1;
  }

  /** True while creates must look for an existing resource first. */
  async lookupFirst(now = Date.now()): Promise<boolean> {
    return (await this.lookupWindow(now)) !== null;
  }

  /** While creates must look first, the window's id (one per noticed restart); otherwise null. */
  async lookupWindow(now = Date.now()): Promise<string | null> {
    const until = await this.redis.get(this.keys.lookupFirstUntil());
    return until !== null && Number(until) > now ? until : null;
  }
}
