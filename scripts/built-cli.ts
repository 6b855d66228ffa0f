/**
 * The CLI as an operator runs it: `bin/a2p-onboard.js` over the compiled `dist/`. Tests and
 * reliability runs spawn this instead of `node --import tsx src/cli.ts`, so a child process
 * starts in a fraction of the time (no recompiling of `src/` per process) and runs what ships.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const CLI_BIN = join(ROOT, 'bin', 'a2p-onboard.js');
/** What `npm run build` writes, the sandbox package's first: the CLI loads that package's built output too. */
const BUILT = [join(ROOT, 'packages', 'twilio-sandbox', 'dist', 'index.js'), join(ROOT, 'dist', 'cli.js')];
const SOURCES = [join(ROOT, 'src'), join(ROOT, 'packages', 'twilio-sandbox', 'src')];

function newestUnder(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/** When the oldest of the built outputs was written; 0 when one is missing. */
function builtAt(): number {
  try {
    return Math.min(...BUILT.map((f) => statSync(f).mtimeMs));
  } catch {
    return 0;
  }
}

let checked = false;

/** Builds (`npm run build`) when `dist/` or the sandbox package's is missing or older than a file of their sources; once per process. */
export function ensureBuilt(): void {
  if (checked) return;
  if (builtAt() < Math.max(...SOURCES.map(newestUnder))) {
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal ?? 'unknown'}): the CLI cannot be spawned from dist/`);
  }
  checked = true;
}

/** `node` arguments that run the built CLI with `args`: spawn(process.execPath, cliArgs('worker'), ...). */
export function cliArgs(...args: string[]): string[] {
  ensureBuilt();
  return [CLI_BIN, ...args];
}

/** Run the built CLI to its exit (stdin not a terminal), without blocking this process: the sandbox may answer from here. */
export async function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, cliArgs(...args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stdout, stderr };
}
