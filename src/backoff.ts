/**
 * Exponential backoff with "equal jitter", capped: half of each delay fixed, half random, which
 * spreads the retries of many jobs (or calls) after one Twilio hiccup. `attemptsMade` counts from 1.
 */
export function cappedJitterBackoff(baseMs: number, maxMs: number) {
  return (attemptsMade: number): number => {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
    return Math.round(exp / 2 + Math.random() * (exp / 2));
  };
}
