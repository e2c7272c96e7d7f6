// @layer L4 pool
/*
 * The pool's exclusive connections: the ones a lease holds alone (acquire() and release()),
 * the idle ones kept for the next lease, the acquire() calls waiting for one (waiter-queue.ts)
 * and the leak watch.
 *
 *   acquire: idle (a hit) -> leased;  else dial one if a slot is free -> leased;  else wait
 *   release: reusable -> first waiter, or idle (up to maxIdle);  state changed -> closed
 *
 * At most `leaseCapacity` (maxConnections - sharedConnections) of them count at once, idle +
 * leased + dialling + closing, so leases never take a shared connection's slot. None of this
 * runs for ordinary commands, which the pool sends on its shared connections (pool.ts); the
 * pool keeps the one record per connection (Meta) that both read, and makes its Leases at the
 * first acquire() (or for minIdle): a client that never leases has none.
 */
import { PoolTimeoutError } from '../errors.js';
import { watchForLeak, type Meta } from './entries.js';
import type { Pool } from './pool.js';
import type { PooledConnection } from './settings.js';
import type { PoolCounters } from './stats.js';
import { type Waiter, WaiterQueue } from './waiter-queue.js';

/**
 * What the leases may read and do of their pool's private state. Made once, inside the Pool
 * class (its #fields are visible only there), and shared by every pool: no closure per pool.
 */
export interface PoolHooks {
  counters<C extends PooledConnection>(pool: Pool<C>): PoolCounters;
  meta<C extends PooledConnection>(pool: Pool<C>): Map<C, Meta>;
  /** A new connection, recorded as dialling (the maintenance timer re-armed for it). */
  dial<C extends PooledConnection>(pool: Pool<C>): C;
  armReaper<C extends PooledConnection>(pool: Pool<C>): void;
  /** Counts and makes the ERR_QUEUE_FULL of a lease request past maxPendingAcquires. */
  pendingAcquiresFull<C extends PooledConnection>(pool: Pool<C>, command: string | undefined): Error;
}

// Set once, when pool.ts's class is defined (before any pool exists).
let H: PoolHooks;

/** Called once by the Pool class (its static block). */
export function setPoolHooks(hooks: PoolHooks): void {
  H = hooks;
}

/** A pool's exclusive connections, idle and leased, and the calls waiting for one. */
export class Leases<C extends PooledConnection> {
  readonly #pool: Pool<C>;
  readonly #idle: C[] = [];
  readonly #waiters: WaiterQueue<C>;
  #exclusive = 0; // idle + leased + dialling + closing

  constructor(pool: Pool<C>) {
    this.#pool = pool;
    this.#waiters = new WaiterQueue<C>(H.counters(pool), (timeoutMs, waiting) => this.#timeoutError(timeoutMs, waiting));
  }

  /** Exclusive connections counted against the capacity now, closing ones included. */
  get exclusive(): number {
    return this.#exclusive;
  }

  get idleCount(): number {
    return this.#idle.length;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * See Pool.acquire (which checked the pool is open and its circuit closed). `stack` is where
   * the lease was requested (leak detection), captured by the pool while the caller's frames
   * were still on the stack.
   */
  acquire(timeoutMs: number, stack: string | undefined, command: string | undefined): Promise<C> {
    const idle = this.#takeIdle();
    if (idle !== undefined) {
      H.counters(this.#pool).hits++;
      this.#lease(idle, stack);
      return Promise.resolve(idle);
    }
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = { resolve, reject, timer: undefined, since: performance.now(), isDone: false, hasQueued: false, stack };
      if (this.#exclusive < this.#pool.leaseCapacity) {
        H.counters(this.#pool).misses++;
        this.#dialFor(waiter);
        return;
      }
      if (this.#waiters.length >= this.#pool.settings.maxPendingAcquires) {
        reject(H.pendingAcquiresFull(this.#pool, command));
        return;
      }
      this.#waiters.push(waiter, timeoutMs);
    });
  }

  /** See Pool.release. */
  release(conn: C, isReusable: boolean): void {
    const pool = this.#pool;
    const meta = H.meta(pool).get(conn);
    if (meta === undefined || meta.role !== 'leased') return;
    clearTimeout(meta.leakTimer);
    meta.leakTimer = undefined;
    meta.stack = undefined;
    H.counters(pool).leaseDurationMs += performance.now() - meta.leasedAt;
    const now = performance.now();
    if (!isReusable || !pool.isOpen || !conn.isReady || conn.load > 0 || meta.expiresAt <= now) {
      if (meta.expiresAt <= now) H.counters(pool).stale++;
      meta.role = 'closing'; // still counted until onClosed frees the slot
      // A reply still due (a timed-out blocking command) would keep a graceful close waiting.
      if (conn.load > 0 || !isReusable) conn.destroy();
      else conn.close();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#handTo(waiter, conn);
      return;
    }
    if (this.#idle.length >= pool.settings.maxIdle) {
      meta.role = 'closing';
      conn.close();
      return;
    }
    meta.role = 'idle';
    meta.idleSince = now;
    this.#idle.push(conn);
    H.armReaper(pool);
  }

  #takeIdle(): C | undefined {
    const pool = this.#pool;
    const settings = pool.settings;
    const metas = H.meta(pool);
    const counters = H.counters(pool);
    const now = performance.now();
    for (;;) {
      const conn = settings.idleOrder === 'lifo' ? this.#idle.pop() : this.#idle.shift();
      if (conn === undefined) return undefined;
      const meta = metas.get(conn)!;
      if (conn.isReady && meta.expiresAt > now && now - meta.idleSince < settings.idleTimeoutMs) return conn;
      // Stale: past its lifetime or idle timeout, or its socket died while idle.
      counters.stale++;
      meta.role = 'closing';
      conn.close();
    }
  }

  #dialFor(waiter: Waiter<C>): void {
    const conn = H.dial(this.#pool);
    this.#exclusive++;
    conn.connect().then(
      () => {
        if (!this.#pool.isOpen) {
          conn.close();
          return;
        }
        // The waiter may have timed out meanwhile: then the fresh connection serves the next one.
        this.#handTo(waiter.isDone ? this.#waiters.shift() : waiter, conn);
      },
      (err: Error) => {
        if (!waiter.isDone) this.#waiters.settle(waiter, undefined, err);
      },
    );
  }

  /** Gives `conn` to `waiter`, or parks it idle if there is no waiter. */
  #handTo(waiter: Waiter<C> | undefined, conn: C): void {
    if (waiter === undefined) {
      const meta = H.meta(this.#pool).get(conn)!;
      meta.role = 'idle';
      meta.idleSince = performance.now();
      this.#idle.push(conn);
      H.armReaper(this.#pool);
      return;
    }
    this.#lease(conn, waiter.stack);
    this.#waiters.settle(waiter, conn, undefined);
  }

  #lease(conn: C, stack: string | undefined): void {
    const pool = this.#pool;
    const meta = H.meta(pool).get(conn)!;
    meta.role = 'leased';
    meta.leasedAt = performance.now();
    H.counters(pool).leases++;
    const threshold = pool.settings.leakDetectionThresholdMs;
    if (stack !== undefined) {
      meta.stack = stack;
      watchForLeak(meta, threshold, (heldMs) => {
        H.counters(pool).leaks++;
        pool.observer.leak?.({ connectionId: conn.id, heldMs, stack: meta.stack ?? '' });
      });
    }
  }

  /** ERR_POOL_TIMEOUT for a waiter: which server, how many wait, how many leases are held and for how long. */
  #timeoutError(timeoutMs: number, waiting: number): PoolTimeoutError {
    const s = this.#pool.settings;
    const now = performance.now();
    let held = 0;
    let longest = 0;
    for (const meta of H.meta(this.#pool).values()) {
      if (meta.role !== 'leased') continue;
      held++;
      longest = Math.max(longest, now - meta.leasedAt);
    }
    return new PoolTimeoutError(
      `no connection to ${s.address} became free within ${timeoutMs} ms: ${waiting} waiting, ` +
        `${held} of ${this.#pool.leaseCapacity} leases held (longest for ${(longest / 1000).toFixed(1)} s), ` +
        `maxConnections ${s.maxConnections}`,
    );
  }

  // ---- idle connections -------------------------------------------------------------------

  /** Dials idle connections in the background until minIdle (within the lease capacity). */
  fillMinIdle(): void {
    const pool = this.#pool;
    let dialling = 0;
    for (const meta of H.meta(pool).values()) if (meta.role === 'dialling') dialling++;
    while (this.#idle.length + dialling < pool.settings.minIdle && this.#exclusive < this.#pool.leaseCapacity) {
      dialling++;
      const conn = H.dial(pool);
      this.#exclusive++;
      conn.connect().then(
        () => (pool.isOpen ? this.#handTo(this.#waiters.shift(), conn) : conn.close()),
        () => {}, // onClosed frees the slot; the reaper tries again later
      );
    }
  }

  /** The reaper's pass over idle connections: keeps minIdle of them, closes the rest once idle too long or expired. */
  reapIdle(now: number): void {
    const pool = this.#pool;
    const s = pool.settings;
    const metas = H.meta(pool);
    const counters = H.counters(pool);
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const conn = this.#idle[i];
      const meta = metas.get(conn)!;
      const expired = meta.expiresAt <= now;
      if (expired || (now - meta.idleSince >= s.idleTimeoutMs && this.#idle.length > s.minIdle)) {
        this.#idle.splice(i, 1);
        counters.stale++;
        meta.role = 'closing';
        conn.close();
      }
    }
  }

  /** Rejects every waiting acquire() (the pool closes, or its circuit opened). */
  failWaiters(error: Error): void {
    this.#waiters.failAll(error);
  }

  /** An exclusive connection closed for good (the pool dropped its record): its slot is free. */
  onClosed(conn: C, meta: Meta): void {
    this.#exclusive--;
    if (meta.role === 'idle') this.#idle.splice(this.#idle.indexOf(conn), 1);
  }

  /** Dials for the first waiter, if one waits (a slot was freed); false when none does. */
  serveWaiter(): boolean {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return false;
    this.#dialFor(waiter);
    return true;
  }
}

