/** Tracks every timer the sandbox starts so close() can clear them all and the process can exit. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private readonly detached = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;

  /**
   * Runs fn after ms (unless the sandbox is closed first). Errors thrown by fn are swallowed. Returns a cancel
   * function: a clock that no longer matters (an Authentication+ expiry once confirmed) must not hold idle().
   */
  after(ms: number, fn: () => void, opts: { holdsIdle?: boolean } = {}): () => void {
    if (this.closed) return () => undefined;
    if (opts.holdsIdle === false) return this.background(ms, fn);
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (this.closed) return;
      try {
        fn();
      } catch {
        // a background transition must never crash the server
      } finally {
        // fn may have scheduled the next transition: idle only when nothing is left.
        if (this.pending.size === 0) this.wakeIdle();
      }
    }, Math.max(0, ms));
    this.pending.add(t);
    return () => {
      if (!this.pending.delete(t)) return;
      clearTimeout(t);
      if (this.pending.size === 0) this.wakeIdle();
    };
  }

  /**
   * A timer idle() does not wait for (a retry of a delivery to an endpoint that may stay down for hours); close()
   * still clears it.
   */
  private background(ms: number, fn: () => void): () => void {
    const t = setTimeout(() => {
      this.detached.delete(t);
      if (this.closed) return;
      try {
        fn();
      } catch {
        // as above
      }
    }, Math.max(0, ms));
    this.detached.add(t);
    return () => {
      if (this.detached.delete(t)) clearTimeout(t);
    };
  }

  /** Resolves after ms; never resolves if the sandbox closes first (the caller's socket is destroyed by then). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.after(ms, resolve));
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Resolves once no timer is pending: every transition already scheduled (reviews, brand and campaign
   * outcomes, OTP replies) has run, and none of them scheduled another. Tests wait on this instead of sleeping.
   */
  idle(): Promise<void> {
    if (this.pending.size === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  clearAll(): void {
    this.closed = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
    for (const t of this.detached) clearTimeout(t);
    this.detached.clear();
    this.wakeIdle();
  }
}

/** `2019-07-30T22:29:24Z` (Twilio v1 APIs). */
export function iso8601(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `Tue, 18 Aug 2015 17:07:30 +0000` (Twilio API 2010). */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}
