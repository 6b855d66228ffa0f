import type { FaultKind, SandboxOptions } from './options.js';

/** With probability faultRate, one of faultKinds (uniformly); otherwise null. */
export function pickFault(opts: Pick<SandboxOptions, 'faultRate' | 'faultKinds'>, rng: () => number = Math.random): FaultKind | null {
  if (opts.faultRate <= 0 || opts.faultKinds.length === 0) return null;
  if (rng() >= opts.faultRate) return null;
  return opts.faultKinds[Math.floor(rng() * opts.faultKinds.length)] ?? null;
}

/** A `timeout` fault leaves the request unanswered; the socket is destroyed after this long (or at close()). */
export const TIMEOUT_FAULT_HOLD_MS = 60_000;
