import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';

/**
 * API keys for /api/v1. A key is `a2p_<id>_<secret>`, shown once when created; Redis keeps only its
 * SHA-256 with the id, name and dates (under the queue prefix). The id in the key finds the record,
 * and the hashes are compared in constant time, so neither a lookup nor a compare leaks the secret.
 */

export interface ApiKeyRecord {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

const recordSchema = z.object({
  id: z.string(),
  name: z.string(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

const KEY_PATTERN = /^a2p_(k[0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const KEY_ID_PATTERN = /^k[0-9a-f]{16}$/;
const NAME = z.string().trim().min(1, 'the name is empty').max(100, 'the name is longer than 100 characters');

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export class ApiKeys {
  private readonly key: string;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix: string,
  ) {
    this.key = `${prefix}:api:keys`;
  }

  /** A new key: the secret is in the answer only. */
  async create(name: string): Promise<ApiKeyRecord & { key: string }> {
    const parsedName = NAME.safeParse(name);
    if (!parsedName.success) throw new Error(`api key name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
    const id = `k${randomBytes(8).toString('hex')}`;
    const key = `a2p_${id}_${randomBytes(32).toString('base64url')}`;
    const rec = { id, name: parsedName.data, hash: sha256(key), createdAt: new Date().toISOString(), revokedAt: null };
    await this.redis.hset(this.key, id, JSON.stringify(rec));
    return { id, name: rec.name, createdAt: rec.createdAt, revokedAt: null, key };
  }

  /** Revoked at once for every process (each request reads the record). False when there is no such key. */
  async revoke(id: string): Promise<ApiKeyRecord | null> {
    const rec = await this.read(id);
    if (!rec) return null;
    if (!rec.revokedAt) {
      rec.revokedAt = new Date().toISOString();
      await this.redis.hset(this.key, id, JSON.stringify(rec));
    }
    return publicPart(rec);
  }

  async list(): Promise<ApiKeyRecord[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all)
      .map((raw) => recordSchema.safeParse(JSON.parse(raw)))
      .flatMap((r) => (r.success ? [publicPart(r.data)] : []))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The active key a presented secret belongs to, or null (unknown, malformed or revoked). */
  async verify(presented: string): Promise<ApiKeyRecord | null> {
    const m = KEY_PATTERN.exec(presented);
    if (!m) return null;
    const rec = await this.read(m[1]!);
    if (!rec || rec.revokedAt) return null;
    const ok = timingSafeEqual(Buffer.from(sha256(presented), 'hex'), Buffer.from(rec.hash, 'hex'));
    return ok ? publicPart(rec) : null;
  }

  private async read(id: string): Promise<z.infer<typeof recordSchema> | null> {
    if (!KEY_ID_PATTERN.test(id)) return null;
    const raw = await this.redis.hget(this.key, id);
    if (!raw) return null;
    const r = recordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  }
}

function publicPart(r: z.infer<typeof recordSchema>): ApiKeyRecord {
  return { id: r.id, name: r.name, createdAt: r.createdAt, revokedAt: r.revokedAt };
}
