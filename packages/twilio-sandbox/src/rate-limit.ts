/** Sliding one-second (by default) window limiter keyed by account. Rejected attempts are not counted. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
  ) {}

  /** true if the call fits in the budget (and records it); always true when limit is 0 (unlimited). */
  tryAcquire(key: string, now = Date.now()): boolean {
    if (this.limit <= 0) return true;
    const from = now - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > from);
    if (list.length >= this.limit) {
      this.hits.set(key, list);
      return false;
    }
    list.push(now);
    this.hits.set(key, list);
    return true;
  }
}
