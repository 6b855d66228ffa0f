import { readdirSync, readFileSync } from 'node:fs';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/**
 * The ledger's Lua scripts: one file each in ./lua, named `<name>-<number of keys>.lua` as BullMQ
 * names its commands, with their KEYS and ARGV in a header comment. The files are read once per
 * process; defineCommand registers each on a connection, and ioredis then sends EVALSHA (falling
 * back to EVAL once when a server does not know the script yet: after a restart, on a new Cluster
 * node). `npm run build` copies ./lua next to the compiled module (scripts/copy-assets.mjs).
 */

type RedisLike = Redis | Cluster;

/** Each script by name, with what it returns (see its file for KEYS and ARGV). */
export interface ScriptResults {
  register: string[];
  transition: number;
  claimDue: string[];
  claimOtp: number;
  otpSent: number;
  newGeneration: string[];
  firstRows: number[];
  releaseLease: number;
  /** [1 when Redis restarted since the last look, else 0; the open window's end (its id) or null]. */
  noteRedisRun: [number, string | null];
  indexMove: number;
  recordFee: number;
}
export type ScriptName = keyof ScriptResults;

type CommandName<N extends string> = `a2p${Capitalize<N>}`;

/** A connection with the scripts as commands (keys first, then arguments). */
export type ScriptedRedis = RedisLike & { [N in ScriptName as CommandName<N>]: (...keysThenArgs: string[]) => Promise<ScriptResults[N]> };
/** The same commands queued in a MULTI or pipeline (their results come back from exec()). */
export type ScriptedMulti = ChainableCommander & { [N in ScriptName as CommandName<N>]: (...keysThenArgs: string[]) => ChainableCommander };

/** Every script (the type makes this list complete); each must have its file in ./lua. */
const NAMES = Object.keys({
  register: true, transition: true, claimDue: true, claimOtp: true, otpSent: true, newGeneration: true,
  firstRows: true, releaseLease: true, noteRedisRun: true, indexMove: true, recordFee: true,
} satisfies Record<ScriptName, true>) as ScriptName[];

interface Script {
  command: string;
  numberOfKeys: number;
  lua: string;
}

let loaded: Map<ScriptName, Script> | null = null;

/** Read ./lua once; a missing or unnamed file is a broken build, so it throws at the first connection. */
function load(): Map<ScriptName, Script> {
  if (loaded) return loaded;
  const dir = new URL('./lua/', import.meta.url);
  const files = new Map<string, { file: string; numberOfKeys: number }>();
  for (const file of readdirSync(dir)) {
    const m = /^(\w+)-(\d+)\.lua$/.exec(file);
    if (m) files.set(m[1]!, { file, numberOfKeys: Number(m[2]) });
  }
  const out = new Map<ScriptName, Script>();
  for (const name of NAMES) {
    const f = files.get(name);
    if (!f) throw new Error(`the ledger's Lua script ${name}-<keys>.lua is missing from ${dir.pathname} (is the build's copy step skipped?)`);
    out.set(name, { command: commandName(name), numberOfKeys: f.numberOfKeys, lua: readFileSync(new URL(f.file, dir), 'utf8') });
  }
  loaded = out;
  return out;
}

function commandName<N extends ScriptName>(name: N): CommandName<N> {
  return `a2p${name.charAt(0).toUpperCase()}${name.slice(1)}` as CommandName<N>;
}

/** How many keys a script takes (its file name says): callers that build KEYS from a list check it. */
export function numberOfKeys(name: ScriptName): number {
  return load().get(name)!.numberOfKeys;
}

/** Register the ledger's scripts on a connection (once per connection; later calls are no-ops). */
export function withLedgerScripts(redis: RedisLike): ScriptedRedis {
  const r = redis as RedisLike & Record<string, unknown>;
  for (const s of load().values()) {
    if (typeof r[s.command] !== 'function') redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  return redis as ScriptedRedis;
}

/** A MULTI on a connection that has the scripts. */
export function scriptedMulti(redis: ScriptedRedis): ScriptedMulti {
  return redis.multi() as ScriptedMulti;
}
