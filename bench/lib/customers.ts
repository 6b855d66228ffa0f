import { once } from 'node:events';
import { createWriteStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER as BENCH_HEADER, TEMPLATE as BENCH_TEMPLATE } from '../../fixtures/customers.js';

/** Generated customers for the benchmarks: valid rows the sandbox accepts, each with its own mobile and email. */

/** The same header and campaign template as the tests. */
export { BENCH_HEADER, BENCH_TEMPLATE };

const FIRST = ['Dana', 'Alex', 'Sam', 'Jordan', 'Riley', 'Casey', 'Morgan', 'Avery'];
const LAST = ['Lopez', 'Nguyen', 'Smith', 'Okafor', 'Kim', 'Rossi', 'Novak', 'Haddad'];

/** Row i (0-based): a unique customer id, mobile (+1 415 NXX XXXX) and email. */
export function benchRow(i: number, prefix = 'c'): string {
  const id = `${prefix}${String(i).padStart(7, '0')}`;
  const exchange = 200 + Math.floor(i / 10_000); // 2xx..9xx: up to 8,000,000 distinct numbers
  const line = String(i % 10_000).padStart(4, '0');
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  return `${id},${first},${last},${id}@example.com,(415) 555-0100,+1 415 ${exchange} ${line},${first} ${last} Studio ${id},RETAIL,123 Market St,San Francisco,CA,94105,US`;
}

/** Write an n-row CSV (streamed; never the whole file in memory). */
export async function writeBenchCsv(file: string, n: number, prefix = 'c'): Promise<void> {
  const out = createWriteStream(file);
  let buf = `${BENCH_HEADER}\n`;
  for (let i = 0; i < n; i++) {
    buf += `${benchRow(i, prefix)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/** A generated CSV in the OS temp dir, reused across runs when it is already there: big files stay out of the repository. */
export async function benchCsv(n: number, prefix = 'c'): Promise<string> {
  const file = join(tmpdir(), `a2p-bench-${prefix}-${n}.csv`);
  if (!existsSync(file) || statSync(file).size === 0) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeBenchCsv(tmp, n, prefix);
    const { renameSync } = await import('node:fs');
    renameSync(tmp, file);
  }
  return file;
}

export function benchTemplateFile(): string {
  const file = join(tmpdir(), 'a2p-bench-template.json');
  writeFileSync(file, JSON.stringify(BENCH_TEMPLATE));
  return file;
}
