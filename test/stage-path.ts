import assert from 'node:assert/strict';
import type { HistoryEntry } from '../src/ledger/ledger.js';
import { isStageName, stageDef } from '../src/jobs/registry.js';

/**
 * A customer's history moved only along the registry's edges: each change of stage goes to a stage its
 * row lists as a follower. The run-time side of test/registry.test.ts, for pipeline runs that went forward
 * (a redrive or a re-check that sends a customer back is not a forward path).
 */
export function assertFollowsRegistry(customerId: string, history: readonly HistoryEntry[]): void {
  const path: string[] = [];
  for (const h of history) if (path.at(-1) !== h.stage) path.push(h.stage);
  for (const [i, s] of path.entries()) {
    assert.ok(isStageName(s), `${customerId}: history names stage ${s}, which the registry does not have`);
    const next = path[i + 1];
    if (next !== undefined && isStageName(next)) {
      assert.ok((stageDef(s).next as readonly string[]).includes(next), `${customerId}: went from ${s} to ${next}, which the registry does not list (path ${path.join(' → ')})`);
    }
  }
}
