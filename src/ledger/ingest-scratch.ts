import type { LedgerKeys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';

/**
 * Duplicate customer ids within one ingest run, kept in Redis so that a million-row file needs no
 * map in memory. Each run has its own scratch hash; it expires a day after its last use should
 * the run die before endRun().
 */
export class IngestScratch {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: LedgerKeys,
  ) {}

  /** For each row in order: null when its id is new in this ingest run, else the row that first had it. */
  async firstRows(runId: string, rows: { id: string; row: number }[]): Promise<(number | null)[]> {
    if (rows.length === 0) return [];
    const res = await this.redis.a2pFirstRows(this.keys.ingestRunRows(runId), ...rows.flatMap((r) => [r.id, String(r.row)]));
    return res.map((v) => (Number(v) > 0 ? Number(v) : null));
  }

  async endRun(runId: string): Promise<void> {
    await this.redis.unlink(this.keys.ingestRunRows(runId));
  }
}
