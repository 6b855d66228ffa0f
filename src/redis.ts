import { Redis, type RedisOptions } from 'ioredis';

/**
 * One way to open Redis. BullMQ workers need `maxRetriesPerRequest: null` (their blocking
 * commands must wait through a reconnect instead of failing), and a restarted Redis must be
 * reconnected to without anyone's help, so retries back off but never stop.
 */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * times, 5_000),
    ...opts,
  });
}

/** Redis 6.2+ is required (BullMQ's scripts); say so before anything else fails obscurely. */
export async function checkRedisVersion(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 2)) throw new Error(`Redis ${version} is too old: a2p-onboard needs Redis 6.2 or newer`);
  const policy = (await redis.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
  if (policy[1] && policy[1] !== 'noeviction') {
    process.emitWarning(`Redis maxmemory-policy is ${policy[1]}: set it to noeviction, or Redis may drop queued jobs and ledger records under memory pressure`);
  }
  return version;
}
