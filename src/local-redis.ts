import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { InputError } from './errors.js';

/** A private, throw-away redis-server (demo and tests): loopback, a free port, nothing kept on disk. */

export interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class RedisNotFoundError extends InputError {
  override name = 'RedisNotFoundError';
  constructor() {
    super(
      'No Redis to use: REDIS_URL is not set and redis-server is not on PATH.\n' +
        '  Install Redis 6.2+ (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),\n' +
        '  or point REDIS_URL at one (for example: docker run -p 6379:6379 redis:7, then REDIS_URL=redis://127.0.0.1:6379).',
    );
  }
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startLocalRedis(opts: { port?: number; appendonly?: boolean; disableConfig?: boolean } = {}): Promise<LocalRedis> {
  if (!hasRedisServer()) throw new RedisNotFoundError();
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'a2p-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction'];
  args.push('--appendonly', opts.appendonly ? 'yes' : 'no');
  // As managed Redis services do: CONFIG is not available (tests of what `doctor` says then).
  if (opts.disableConfig) args.push('--rename-command', 'CONFIG', '');
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) {
    // A fresh client per try, never reconnecting on its own, errors swallowed: it only asks "up yet?".
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      ok = (await probe.ping()) === 'PONG';
    } catch {
      await sleep(50);
    } finally {
      probe.disconnect(false);
    }
  }
  if (!ok) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}`);
  }
  return {
    url,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(3000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
