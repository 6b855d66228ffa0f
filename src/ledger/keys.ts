/**
 * Every Redis key of the ledger, in one place. All live under the queue prefix (a `{hash-tag}`
 * by default), so the ledger and the queues of a flow share one Redis Cluster slot and a Lua
 * script may touch any of them together.
 */
export class LedgerKeys {
  constructor(readonly prefix: string) {}

  private k(...parts: string[]): string {
    return [this.prefix, 'ledger', ...parts].join(':');
  }

  // ---- customers ----
  customer(id: string): string {
    return this.k('customer', id);
  }
  history(id: string): string {
    return this.k('customer', id, 'history');
  }
  /** A create's lease (leases.ts): one per customer and resource. */
  creating(id: string, name: string): string {
    return this.k('customer', id, 'creating', name);
  }
  customerFees(id: string): string {
    return this.k('customer', id, 'fees');
  }
  /** Which customer owns a Twilio SID (status callbacks name only the bundle). */
  sidOwner(): string {
    return this.k('sid-owner');
  }
  /** An Event Streams event already acted on (by its CloudEvents id), kept while Twilio may deliver it again. */
  eventSeen(eventId: string): string {
    return this.k('event', eventId);
  }
  /** Every customer subaccount SID (ACCOUNT_MODE=subaccount). */
  subaccounts(): string {
    return this.k('subaccounts');
  }
  reuse(kind: 'mobile' | 'email'): string {
    return this.k('reuse', kind);
  }
  /** Customers in a watched state, scored by when they are next due for a re-check. */
  watch(): string {
    return this.k('watch');
  }

  /**
   * Notifications owed to the ISV (a stream): the transition scripts add a state change here atomically
   * with it; the relay (src/notify/relay.ts) moves each to the `notify` queue.
   */
  outbox(): string {
    return this.k('outbox');
  }

  // ---- batches ----
  batches(): string {
    return this.k('batches');
  }
  batch(batchId: string): string {
    return this.k('batch', batchId);
  }
  batchCustomers(batchId: string): string {
    return this.k('batch', batchId, 'customers');
  }
  batchInvalid(batchId: string): string {
    return this.k('batch', batchId, 'invalid');
  }
  batchWhere(batchId: string): string {
    return this.k('batch', batchId, 'where');
  }
  batchCounts(batchId: string): string {
    return this.k('batch', batchId, 'counts');
  }
  batchState(batchId: string, state: string): string {
    return this.k('batch', batchId, 'state', state);
  }
  batchFees(batchId: string): string {
    return this.k('batch', batchId, 'fees');
  }

  // ---- the whole ledger ----
  counts(): string {
    return this.k('counts');
  }
  fees(): string {
    return this.k('fees');
  }
  redisRunId(): string {
    return this.k('redis-run-id');
  }
  lookupFirstUntil(): string {
    return this.k('lookup-first-until');
  }
  ingestRunRows(runId: string): string {
    return this.k('ingest-run', runId, 'rows');
  }
}
