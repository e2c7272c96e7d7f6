// @layer L4 pool
/** What the pool keeps per connection, and the leak watch. (Waiting acquire() calls: waiter-queue.ts.) */

/**
 * What a connection is doing for the pool right now: serving shared traffic, idle, leased,
 * being dialled (for a waiter or minIdle), or closing (its socket still open, so still counted
 * against maxConnections until `onClosed`).
 */
export type Role = 'shared' | 'idle' | 'leased' | 'dialling' | 'closing';

/** The pool's record of one connection. Times are performance.now() milliseconds. */
export interface Meta {
  role: Role;
  /** A shared (multiplexed) connection, closing ones included; the others count as exclusive. */
  readonly isShared: boolean;
  expiresAt: number;
  idleSince: number;
  leasedAt: number;
  leakTimer: NodeJS.Timeout | undefined;
  stack: string | undefined;
}

/**
 * Calls `report` once the lease described by `meta` has been held `thresholdMs`, unless the
 * timer is cleared first (release). Timers count from the event loop's cached clock, so one may
 * fire a little early: it re-arms for the rest, and only a lease really held that long is reported.
 */
export function watchForLeak(meta: Meta, thresholdMs: number, report: (heldMs: number) => void, delayMs = thresholdMs): void {
  meta.leakTimer = setTimeout(() => {
    meta.leakTimer = undefined;
    const heldMs = performance.now() - meta.leasedAt;
    if (heldMs < thresholdMs) watchForLeak(meta, thresholdMs, report, Math.ceil(thresholdMs - heldMs));
    else report(Math.floor(heldMs));
  }, delayMs);
  meta.leakTimer.unref();
}
