import { existsSync } from 'node:fs';

/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH when set, Debian's chromium when installed,
 * else the build shipped inside the @sparticuz/chromium npm package (unpacked on first use), so
 * `npm ci && npm test` needs nothing beyond Node and Redis.
 */
export async function chromiumPath(): Promise<{ path: string; source: string }> {
  const set = process.env['CHROMIUM_PATH'];
  if (set) {
    if (!existsSync(set)) throw new Error(`CHROMIUM_PATH=${set} does not exist: unset it to use the packaged Chromium`);
    return { path: set, source: 'CHROMIUM_PATH' };
  }
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium', source: "Debian's chromium" };
  const packaged = (await import('@sparticuz/chromium')).default;
  return { path: await packaged.executablePath(), source: '@sparticuz/chromium' };
}
