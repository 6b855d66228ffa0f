import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobsOptions, Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { fieldsToObject, outboxEntrySchema, toNotification } from '../notify/event.js';
import type { RedisClient } from '../redis.js';

/**
 * Moves state changes from the ledger's outbox stream to the `notify` queue. Every worker process runs
 * one, all in one consumer group: each entry is read by one of them, added as a job whose id is the
 * event's id (so adding it again after a crash is a no-op), then acknowledged and deleted. Entries read
 * by a process that died before acknowledging them stay pending in the group; XAUTOCLAIM hands them to
 * a live one after `claimIdleMs`.
 */

export const RELAY_GROUP = 'relay';

export interface OutboxRelayOptions {
  redis: RedisClient;
  /** The outbox stream (Ledger.outboxKey()). */
  key: string;
  queue: Queue;
  log: Logger;
  claimIdleMs: number;
  /** Attempts and backoff of each notification job (notifyJobOptions). */
  jobOptions: JobsOptions;
  /** How long one blocking read waits; shorter makes stop() quicker in tests. */
  blockMs?: number;
}

export interface OutboxRelay {
  stop(): Promise<void>;
}

const entriesSchema = z.array(z.tuple([z.string(), z.array(z.string()).nullable()])).nullable();
const readSchema = z.array(z.tuple([z.string(), entriesSchema])).nullable();
const claimSchema = z.tuple([z.string(), entriesSchema]).rest(z.unknown());

export function startOutboxRelay(o: OutboxRelayOptions): OutboxRelay {
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // Blocking reads get their own connection, so the worker's commands never wait behind them.
  const conn: RedisClient = o.redis instanceof Cluster ? o.redis.duplicate() : o.redis.duplicate();
  conn.on('error', () => undefined);
  let stopped = false;
  let nextClaim = 0;
  const blockMs = o.blockMs ?? 2_000;

  const ensureGroup = async () => {
    try {
      // From the stream's start: entries written before any relay ran are owed too.
      await o.redis.xgroup('CREATE', o.key, RELAY_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
  };

  const relay = async (entries: z.infer<typeof entriesSchema>) => {
    if (!entries?.length) return;
    const ids: string[] = [];
    const jobs = [];
    for (const [streamId, fields] of entries) {
      ids.push(streamId);
      if (!fields) continue; // deleted meanwhile: already relayed
      const parsed = outboxEntrySchema.safeParse(fieldsToObject(fields));
      if (!parsed.success) {
        o.log.error({ streamId, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'notification outbox entry unreadable: dropped (a bug, or an entry written by another version)');
        continue;
      }
      const n = toNotification(parsed.data);
      jobs.push({ name: n.type, data: n, opts: { ...o.jobOptions, jobId: n.id } });
    }
    // Queued before acknowledged: a crash in between re-relays, and the job id makes that a no-op.
    if (jobs.length) await o.queue.addBulk(jobs);
    await o.redis.multi().xack(o.key, RELAY_GROUP, ...ids).xdel(o.key, ...ids).exec();
    o.log.debug({ count: jobs.length }, 'notifications queued');
  };

  const claimStale = async () => {
    let cursor = '0-0';
    do {
      const res = claimSchema.parse(await o.redis.xautoclaim(o.key, RELAY_GROUP, consumer, o.claimIdleMs, cursor, 'COUNT', 100));
      cursor = res[0];
      if (res[1]?.length) o.log.info({ count: res[1].length }, 'taking over notifications a stopped worker had read but not queued');
      await relay(res[1]);
    } while (cursor !== '0-0' && !stopped);
  };

  // Each worker process joins as a new consumer: forget the ones long gone that hold nothing.
  const forgetIdleConsumers = async () => {
    const raw = await o.redis.xinfo('CONSUMERS', o.key, RELAY_GROUP);
    for (const c of z.array(z.array(z.union([z.string(), z.number()]))).parse(raw)) {
      const f: Record<string, string | number> = {};
      for (let i = 0; i + 1 < c.length; i += 2) f[String(c[i])] = c[i + 1]!;
      if (f['name'] !== consumer && Number(f['pending']) === 0 && Number(f['idle']) > Math.max(3_600_000, o.claimIdleMs * 10)) {
        await o.redis.xgroup('DELCONSUMER', o.key, RELAY_GROUP, String(f['name']));
      }
    }
  };

  const loop = async () => {
    await ensureGroup();
    while (!stopped) {
      try {
        if (Date.now() >= nextClaim) {
          nextClaim = Date.now() + Math.max(100, Math.floor(o.claimIdleMs / 2));
          await claimStale();
          await forgetIdleConsumers();
        }
        const read = readSchema.parse(await conn.xreadgroup('GROUP', RELAY_GROUP, consumer, 'COUNT', 100, 'BLOCK', blockMs, 'STREAMS', o.key, '>'));
        for (const [, entries] of read ?? []) await relay(entries);
      } catch (err) {
        if (stopped) break;
        const msg = err instanceof Error ? err.message : String(err);
        // The group is gone with the stream (a Redis restored without it): create it again.
        if (msg.includes('NOGROUP')) await ensureGroup().catch(() => undefined);
        else o.log.warn({ err: msg }, 'notification relay: could not read the outbox; trying again');
        await sleep(1_000);
      }
    }
  };
  const done = loop().catch((err: unknown) => o.log.error({ err: String(err) }, 'notification relay stopped'));

  return {
    async stop() {
      stopped = true;
      conn.disconnect();
      await done;
    },
  };
}
