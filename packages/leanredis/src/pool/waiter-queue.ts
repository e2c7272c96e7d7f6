// @layer L4 pool
/*
 * The pool's waiting acquire() calls, FIFO on a ring, each with its own timeout.
 *
 * A waiter is settled exactly once (`isDone`): by a connection handed to it, by its dial
 * failing, by its timeout, or by the pool closing or its circuit opening. A timed-out waiter is
 * not searched for and removed (O(n) per timeout): it stays in the ring, counted in `#dead`,
 * and is skipped when shifted, until the dead are half the ring and one compaction drops them.
 */
import { RingQueue } from '../internal/ring-queue.js';
import type { PoolCounters } from './stats.js';

/** One acquire() call waiting for a connection. */
export interface Waiter<C> {
  resolve: (conn: C) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  since: number;
  isDone: boolean;
  /** Waited in the queue (counted in waitCount / waitDurationMs), rather than for its own dial. */
  hasQueued: boolean;
  /** Where the lease was requested, when leak detection is on (long-lived leases are exempt). */
  stack: string | undefined;
}

/**
 * The error for a waiter that waited `timeoutMs` in vain, while `waiting` waiters (itself
 * included) were queued. The pool writes it: it knows who holds the leases.
 */
export type TimeoutError = (timeoutMs: number, waiting: number) => Error;

/** The FIFO of acquire() calls waiting for an exclusive connection, and their timeouts. */
export class WaiterQueue<C> {
  readonly #waiters = new RingQueue<Waiter<C>>();
  /** Waiters in #waiters that timed out (they leave it by compaction or when next shifted). */
  #dead = 0;
  readonly #counters: PoolCounters;
  readonly #timeoutError: TimeoutError;

  constructor(counters: PoolCounters, timeoutError: TimeoutError) {
    this.#counters = counters;
    this.#timeoutError = timeoutError;
  }

  /** Waiters still waiting (the timed-out ones not yet dropped are not counted). */
  get length(): number {
    return this.#waiters.length - this.#dead;
  }

  /** Queues `waiter` behind the others; it times out after `timeoutMs` (0: never). */
  push(waiter: Waiter<C>, timeoutMs: number): void {
    this.#counters.waitCount++;
    waiter.hasQueued = true;
    if (timeoutMs > 0) {
      waiter.timer = setTimeout(() => this.#timeOut(waiter, timeoutMs), timeoutMs);
    }
    this.#waiters.push(waiter);
  }

  /** Takes the first waiter still waiting off the queue, or undefined if none is. */
  shift(): Waiter<C> | undefined {
    let w: Waiter<C> | undefined;
    while ((w = this.#waiters.shift()) !== undefined) {
      if (!w.isDone) return w;
      this.#dead--;
    }
    return undefined;
  }

  /** Ends `waiter`'s wait: with `conn` if given, else rejecting with `error`. */
  settle(waiter: Waiter<C>, conn: C | undefined, error: Error | undefined): void {
    waiter.isDone = true;
    clearTimeout(waiter.timer);
    if (waiter.hasQueued) this.#counters.waitDurationMs += performance.now() - waiter.since;
    if (conn !== undefined) waiter.resolve(conn);
    else waiter.reject(error!);
  }

  /** Rejects every waiter with `error` (the pool closing, the circuit opening). */
  failAll(error: Error): void {
    let w: Waiter<C> | undefined;
    while ((w = this.shift()) !== undefined) this.settle(w, undefined, error);
  }

  #timeOut(waiter: Waiter<C>, timeoutMs: number): void {
    if (waiter.isDone) return;
    this.#counters.timeouts++;
    const error = this.#timeoutError(timeoutMs, this.length);
    // A timed-out waiter used to stay queued until a lease came back: with every lease held for
    // long (consumers blocked with timeout 0), each acquire that timed out stayed, a leak at the
    // rate of acquires. Compacted once the dead are half the queue: amortized O(1) per timeout.
    if (++this.#dead * 2 > this.#waiters.length) {
      this.#waiters.retain((w) => w !== waiter && !w.isDone);
      this.#dead = 0;
    }
    this.settle(waiter, undefined, error);
  }
}
