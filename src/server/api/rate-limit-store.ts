import type { Cluster, Redis } from 'ioredis';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';

/**
 * express-rate-limit's counters in Redis (under the queue prefix), so every dashboard process
 * counts a key's requests together: a fixed window per key, counted and expired in one script.
 */
const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

export class RedisRateLimitStore implements Store {
  windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly redis: Redis | Cluster,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private key(k: string): string {
    return `${this.prefix}${k}`;
  }

  async get(k: string): Promise<ClientRateLimitInfo | undefined> {
    const [n, ttl] = await Promise.all([this.redis.get(this.key(k)), this.redis.pttl(this.key(k))]);
    if (n === null) return undefined;
    return { totalHits: Number(n), resetTime: new Date(Date.now() + Math.max(0, ttl)) };
  }

  async increment(k: string): Promise<ClientRateLimitInfo> {
    const [n, ttl] = (await this.redis.eval(INCREMENT, 1, this.key(k), String(this.windowMs))) as [number, number];
    return { totalHits: n, resetTime: new Date(Date.now() + ttl) };
  }

  async decrement(k: string): Promise<void> {
    await this.redis.decr(this.key(k));
  }

  async resetKey(k: string): Promise<void> {
    await this.redis.del(this.key(k));
  }
}
