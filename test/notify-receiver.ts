import assert from 'node:assert/strict';
import type { CustomerState } from '../src/ledger/states.js';
import { startNotifyReceiver, type ReceivedNotification, type Receiver } from '../src/notify/receiver.js';

/** What the notification tests share: a recording receiver, and the check that a customer's notifications miss nothing. */

export const SECRET = 'whsec-test-0123456789abcdef';

/** A receiver that records what it acts on; `refuse` makes it answer 500 (the handler throws), `hold` keeps a request open. */
export async function recorder(opts: { refuse?: (r: ReceivedNotification) => boolean; hold?: (r: ReceivedNotification) => Promise<void> } = {}) {
  const got: ReceivedNotification[] = [];
  let refused = 0;
  const receiver: Receiver = await startNotifyReceiver({
    secret: SECRET,
    async onNotification(r) {
      if (opts.hold) await opts.hold(r);
      if (opts.refuse?.(r)) {
        refused += 1;
        throw new Error('receiver is down');
      }
      got.push(r);
    },
  });
  /** Each event once (the ISV dedupes on id), per customer in the order they happened. */
  const byCustomer = () => {
    const out = new Map<string, ReceivedNotification[]>();
    for (const r of got) {
      if (r.duplicate) continue;
      const list = out.get(r.notification.customer.customerId) ?? [];
      list.push(r);
      out.set(r.notification.customer.customerId, list);
    }
    for (const list of out.values()) list.sort((a, b) => a.notification.createdAt.localeCompare(b.notification.createdAt));
    return out;
  };
  return { receiver, got, byCustomer, refusedCount: () => refused };
}

/**
 * Nothing missing for a customer: its notifications, in order, start at in_progress, each names the state
 * the one before it moved to (the previous state is read in the same Lua script that writes the change),
 * and the last is the ledger's state now.
 */
export function assertChain(list: ReceivedNotification[] | undefined, finalState: CustomerState, who: string): CustomerState[] {
  assert.ok(list && list.length > 0, `${who}: notifications received`);
  const states = list.map((r) => r.notification.customer.state);
  assert.equal(states[0], 'in_progress', `${who}: the first is in_progress (${states.join(' > ')})`);
  assert.equal(list[0]!.notification.customer.previousState, null);
  for (let i = 1; i < list.length; i++) assert.equal(list[i]!.notification.customer.previousState, states[i - 1], `${who}: no change missing before ${states[i]} (${states.join(' > ')})`);
  assert.equal(states.at(-1), finalState, `${who}: the last is the state now (${states.join(' > ')})`);
  return states;
}

/** Every customer's chain is complete (what assertChain then checks), whatever order the retries arrived in. */
export async function chainsComplete(r: { byCustomer(): Map<string, ReceivedNotification[]> }, ids: string[], final: Map<string, CustomerState>): Promise<boolean> {
  const by = r.byCustomer();
  return ids.every((id) => {
    const list = by.get(id) ?? [];
    if (list[0]?.notification.customer.state !== 'in_progress' || list.at(-1)?.notification.customer.state !== final.get(id)) return false;
    return list.every((n, i) => i === 0 || n.notification.customer.previousState === list[i - 1]!.notification.customer.state);
  });
}

