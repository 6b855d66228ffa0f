import { FAULT_KINDS, type FaultKind, type SandboxOptions } from './options.js';
import type { RequestLogEntry } from './store.js';

/** With probability faultRate, one of faultKinds (uniformly); otherwise null. */
export function pickFault(opts: Pick<SandboxOptions, 'faultRate' | 'faultKinds'>, rng: () => number = Math.random): FaultKind | null {
  if (opts.faultRate <= 0 || opts.faultKinds.length === 0) return null;
  if (rng() >= opts.faultRate) return null;
  return opts.faultKinds[Math.floor(rng() * opts.faultKinds.length)] ?? null;
}

/** A `timeout` fault leaves the request unanswered; the socket is destroyed after this long (or at close()). */
export const TIMEOUT_FAULT_HOLD_MS = 60_000;

/** Faults injected so far, by kind, from the request log (a reset is logged only when the create happened). */
export function countFaults(log: readonly RequestLogEntry[]): Record<FaultKind, number> & { total: number } {
  const out = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let total = 0;
  for (const e of log) {
    if (e.fault && e.fault in out) {
      out[e.fault as FaultKind] += 1;
      total += 1;
    }
  }
  return { ...out, total };
}
