import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { benchCsv, benchTemplateFile } from './lib/customers.js';
import { deletePrefix, redisCpuMs } from './lib/pipeline.js';

/**
 * (d) Ingest: a generated CSV of `rows` customers validated, registered in the ledger and
 * enqueued by the real command (`node bin/a2p-onboard.js ingest`, built first), next to
 * csv-parse alone reading the same file. Each runs in its own child process with a preload
 * that reports the child's peak RSS (getrusage maxrss) when it exits.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PRELOAD = fileURLToPath(new URL('lib/rss-report.mjs', import.meta.url));
const rssLine = z.object({ maxRssMb: z.number(), ms: z.number() });
const ingestJson = z.object({ batch: z.string(), accepted: z.number(), rejected: z.array(z.unknown()) });

export interface IngestResult {
  rows: number;
  fileMb: number;
  ingest: { rowsPerS: number; seconds: number; peakRssMb: number; accepted: number; rejected: number; redisCpuS: number };
  parseOnly: { rowsPerS: number; seconds: number; peakRssMb: number };
  /** ingest rows/s ÷ csv-parse rows/s */
  ratio: number;
}

function measured(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; maxRssMb: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', PRELOAD, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      const line = /A2P_BENCH_RSS (\{.*\})/.exec(stderr)?.[1];
      if (code !== 0 || !line) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ stdout, ...rssLine.parse(JSON.parse(line)) });
    });
  });
}

export async function runIngest(redisUrl: string, rows: number, progress: (msg: string) => void): Promise<IngestResult> {
  progress('ingest: building (npm run build) so the real command is measured');
  const build = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  // The build's second step: the ledger's Lua scripts next to the compiled code.
  const assets = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/copy-assets.mjs', import.meta.url))], { cwd: ROOT, encoding: 'utf8' });
  if (assets.status !== 0) throw new Error(`build failed copying assets: ${assets.stdout}${assets.stderr}`);
  progress(`ingest: generating a ${rows}-row CSV in the temp dir`);
  const file = await benchCsv(rows, 'i');
  progress('ingest: csv-parse alone');
  const parsed = await measured([fileURLToPath(new URL('lib/parse-only.mjs', import.meta.url)), file]);
  const parsedRows = z.object({ rows: z.number() }).parse(JSON.parse(parsed.stdout)).rows;
  const prefix = `{bench-ingest-${randomUUID().slice(0, 8)}}`;
  progress('ingest: a2p-onboard ingest (validate, register, enqueue)');
  const redis0 = await redisCpuMs(redisUrl);
  try {
    const ing = await measured(['bin/a2p-onboard.js', 'ingest', file, '--template', benchTemplateFile(), '--batch', 'ingest-bench', '--json'], {
      ...process.env,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    });
    const redisCpuS = ((await redisCpuMs(redisUrl)) - redis0) / 1000;
    const report = ingestJson.parse(JSON.parse(ing.stdout));
    if (report.accepted !== rows) throw new Error(`ingest accepted ${report.accepted} of ${rows} rows (${report.rejected.length} rejected)`);
    const ingestRate = rows / (ing.ms / 1000);
    const parseRate = parsedRows / (parsed.ms / 1000);
    return {
      rows,
      fileMb: statSync(file).size / 1024 / 1024,
      ingest: { rowsPerS: ingestRate, seconds: ing.ms / 1000, peakRssMb: ing.maxRssMb, accepted: report.accepted, rejected: report.rejected.length, redisCpuS },
      parseOnly: { rowsPerS: parseRate, seconds: parsed.ms / 1000, peakRssMb: parsed.maxRssMb },
      ratio: ingestRate / parseRate,
    };
  } finally {
    progress('ingest: removing the batch from Redis');
    await deletePrefix(redisUrl, prefix);
  }
}
