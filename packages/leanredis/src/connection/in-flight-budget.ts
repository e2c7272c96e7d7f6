// @layer L3 connection
/**
 * What every connection of one client has in flight (written, reply not read yet), under one
 * cap by count and one by bytes, with the highest figures seen. Each connection also has caps
 * of its own; a connection that reaches this client-wide cap holds its queue back and is woken
 * (once per tick, however many replies arrived) when another connection's replies make room.
 */

/** Why a connection stopped writing its queue. */
export type WriteHold =
  | 'none'
  | 'socket' // Node's socket buffer is past its high-water mark: wait for 'drain'
  | 'inFlightCommands' // the connection's or the client's maxInFlightCommands is reached
  | 'inFlightBytes'; // the connection's or the client's maxInFlightBytes is reached

export class InFlightBudget {
  /** The client-wide caps. */
  readonly maxCommands: number;
  readonly maxBytes: number;
  /** Written and unanswered now, on every connection (timed-out commands whose reply is due included). */
  commands = 0;
  bytes = 0;
  /** The highest `commands` and `bytes` seen since the client was created. */
  peakCommands = 0;
  peakBytes = 0;
  #waiting: Set<() => void> | undefined;
  #isWakeScheduled = false;

  constructor(maxCommands: number, maxBytes: number) {
    this.maxCommands = maxCommands;
    this.maxBytes = maxBytes;
  }

  /** Counts `count` more commands of `bytes` in all as in flight. */
  add(count: number, bytes: number): void {
    if ((this.commands += count) > this.peakCommands) this.peakCommands = this.commands;
    if ((this.bytes += bytes) > this.peakBytes) this.peakBytes = this.bytes;
  }

  /** Gives back the room of `count` commands of `bytes` in all (answered, or their socket is gone). */
  remove(count: number, bytes: number): void {
    this.commands -= count;
    this.bytes -= bytes;
    if (this.#waiting !== undefined && !this.#isWakeScheduled) {
      this.#isWakeScheduled = true;
      process.nextTick(InFlightBudget.#wake, this);
    }
  }

  /** Calls `wake` once room may have been made (after the tick in which replies freed some). */
  waitForRoom(wake: () => void): void {
    (this.#waiting ??= new Set()).add(wake);
  }

  /** Stops waiting (the connection closed or no longer needs room). */
  stopWaiting(wake: () => void): void {
    if (this.#waiting?.delete(wake) === true && this.#waiting.size === 0) this.#waiting = undefined;
  }

  static #wake(budget: InFlightBudget): void {
    budget.#isWakeScheduled = false;
    const waiting = budget.#waiting;
    budget.#waiting = undefined;
    // Each woken connection writes what now fits and waits again if it is still held.
    if (waiting !== undefined) for (const wake of waiting) wake();
  }
}
