import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A single Redis or a Redis Cluster: BullMQ, the ledger and the budgets take either. */
export type RedisClient = Redis | Cluster;

/** `redis+cluster://` or `rediss+cluster://`: a Redis Cluster, given by one or more seed nodes. */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/i;

function isClusterUrl(url: string): boolean {
  return CLUSTER_URL.test(url);
}

/**
 * Seed nodes and credentials of a cluster URL: `redis+cluster://[user:pass@]host:port[,host:port...]`.
 * Throws an Error that names the problem when the URL is malformed.
 */
function parseClusterUrl(url: string): { nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean } {
  const m = CLUSTER_URL.exec(url);
  if (!m) throw new Error('a cluster URL looks like redis+cluster://[user:password@]host:port[,host:port...]');
  const nodes = m[3]!.split(',').map((hp) => {
    const i = hp.lastIndexOf(':');
    const host = (i < 0 ? hp : hp.slice(0, i)).replace(/^\[|\]$/g, '');
    const port = i < 0 ? 6379 : Number(hp.slice(i + 1));
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad cluster node "${hp}" (expected host:port)`);
    return { host, port };
  });
  const out: { nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean } = { nodes, tls: m[1]!.toLowerCase() === 'rediss' };
  if (m[2]) {
    const j = m[2].indexOf(':');
    const user = decodeURIComponent(j < 0 ? '' : m[2].slice(0, j));
    const pass = decodeURIComponent(j < 0 ? m[2] : m[2].slice(j + 1));
    if (user) out.username = user;
    if (pass) out.password = pass;
  }
  return out;
}

/**
 * One way to open Redis. BullMQ workers need `maxRetriesPerRequest: null` (their blocking
 * commands must wait through a reconnect instead of failing), and a restarted Redis must be
 * reconnected to without anyone's help, so retries back off but never stop.
 */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  if (isClusterUrl(url)) throw new Error('createRedis opens a single Redis; use connectRedis for a redis+cluster:// URL');
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * times, 5_000),
    ...opts,
  });
}

/**
 * REDIS_URL as the commands open it: a single Redis (`redis://`, `rediss://`), or an ioredis
 * Cluster for `redis+cluster://host:port[,host:port...]`. Every key a2p-onboard writes is under
 * QUEUE_PREFIX, a `{hash tag}`, so all of them live in one slot: MULTI, pipelines and the Lua
 * scripts work unchanged, and BullMQ requires exactly that.
 */
export function connectRedis(url: string, opts: RedisOptions = {}): RedisClient {
  if (!isClusterUrl(url)) return createRedis(url, opts);
  const { retryStrategy, ...rest } = opts;
  const retry = retryStrategy ?? ((times: number) => Math.min(200 * times, 5_000));
  const c = parseClusterUrl(url);
  return new Cluster(c.nodes, {
    clusterRetryStrategy: (times) => retry(times) ?? null,
    enableReadyCheck: true,
    redisOptions: {
      maxRetriesPerRequest: null,
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      ...(c.tls ? { tls: {} } : {}),
      ...rest,
    },
  });
}

/** Redis 6.2+ is required (BullMQ's scripts); say so before anything else fails obscurely. */
export async function checkRedisVersion(redis: RedisClient): Promise<string> {
  // On a cluster, ask one node: every node runs the same version in a healthy cluster.
  const node: Redis = redis instanceof Cluster ? (redis.nodes('master')[0] ?? (await firstNode(redis))) : redis;
  const info = await node.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 2)) throw new Error(`Redis ${version} is too old: a2p-onboard needs Redis 6.2 or newer`);
  const policy = (await node.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
  if (policy[1] && policy[1] !== 'noeviction') {
    process.emitWarning(`Redis maxmemory-policy is ${policy[1]}: set it to noeviction, or Redis may drop queued jobs and ledger records under memory pressure`);
  }
  return version;
}

async function firstNode(cluster: Cluster): Promise<Redis> {
  await cluster.ping();
  const node = cluster.nodes('master')[0];
  if (!node) throw new Error('the Redis Cluster has no reachable master node');
  return node;
}
