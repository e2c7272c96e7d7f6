// @layer L0 internal
/**
 * Reconnect delays: exponential backoff with full jitter (a random delay between 0 and
 * min(max, base * 2^attempt)), so many clients that lost the same server do not return in
 * lock-step ("Exponential Backoff And Jitter", AWS Architecture Blog).
 */

/** Delay before reconnect attempt number `attempt` (0 = first retry). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
