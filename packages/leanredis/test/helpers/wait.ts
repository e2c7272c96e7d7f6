/**
 * Waiting in tests: poll for the condition a test needs, never sleep a fixed time and hope.
 *
 *   await waitFor(() => got.length === 2, { message: 'two messages' });
 *   const err = await waitFor(() => events.find((e) => e.code === 'ERR_X'));   // the value found
 *   await waitForInFlight(client, 3);                // three commands written, awaiting replies
 *   await staysTrue(() => client.stats().totalConns === 0, { forMs: 50 }); // proves an absence
 *
 * A fixed sleep is right only where real time must pass for its own sake: to prove something
 * did NOT happen within a window (prefer `staysTrue`, which also fails early), or to let a
 * server-side clock move (an idle time, a TTL). That is `letRealTimePass(ms, why)`, named so a
 * reader (and grep) sees it is not a synchronisation point.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Longest wait before failing. @default 5000 (ms) */
  timeoutMs?: number;
  /** Pause between two checks; 0 checks again on the next turn of the event loop (setImmediate). @default 5 (ms) */
  intervalMs?: number;
  /** What was awaited, for the failure message (a function is called only on failure). */
  message?: string | (() => string);
}

type Falsy = false | 0 | '' | null | undefined;

function describe(message: WaitForOptions['message'], fallback: string): string {
  if (message === undefined) return fallback;
  return typeof message === 'function' ? message() : message;
}

function pause(intervalMs: number): Promise<void> {
  return intervalMs <= 0 ? new Promise((resolve) => setImmediate(resolve)) : delay(intervalMs);
}

/**
 * Checks `condition` until it returns a truthy value (or a promise of one) and resolves with
 * that value; rejects with an Error naming `message` after `timeoutMs`. The condition is checked
 * once more at the deadline, so a slow machine fails only when the condition really never held.
 * An exception thrown by the condition fails the wait at once.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions = {}): Promise<Exclude<T, Falsy>> {
  const { timeoutMs = 5000, intervalMs = 5 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Exclude<T, Falsy>;
    if (performance.now() >= deadline) {
      throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${describe(options.message, condition.toString())}`);
    }
    await pause(Math.min(intervalMs, Math.max(0, deadline - performance.now())));
  }
}

/** Options of {@link staysTrue}. */
export interface StaysTrueOptions {
  /** How long the condition must keep holding. (ms) */
  forMs: number;
  /** Pause between two checks. @default 5 (ms) */
  intervalMs?: number;
  /** What must keep holding, for the failure message. */
  message?: string | (() => string);
}

/**
 * Proves an absence: checks `condition` for `forMs` of real time and fails at the first check
 * where it no longer holds (e.g. "no socket was dialled", "the listener was not called").
 */
export async function staysTrue(condition: () => boolean | Promise<boolean>, options: StaysTrueOptions): Promise<void> {
  const { forMs, intervalMs = 5 } = options;
  const end = performance.now() + forMs;
  for (;;) {
    if (!(await condition())) {
      throw new Error(`staysTrue: stopped holding before ${forMs} ms: ${describe(options.message, condition.toString())}`);
    }
    if (performance.now() >= end) return;
    await pause(Math.min(intervalMs, Math.max(0, end - performance.now())));
  }
}

/**
 * Lets `ms` of real time pass, for its own sake: a server-side clock must move (OBJECT
 * IDLETIME, a TTL), or a window must elapse in which something must NOT happen. `why` says
 * which; it is not used at run time, it is there for the reader. Never use it to wait for
 * something to happen: that is {@link waitFor}.
 */
export function letRealTimePass(ms: number, why: string): Promise<void> {
  void why;
  return delay(ms);
}

/** Anything with a `stats()` that reports commands written and awaiting replies. */
export interface HasInFlight {
  stats(): { inFlight: number };
}

/** Waits until `client` has at least `count` commands written to a socket and awaiting replies. */
export function waitForInFlight(client: HasInFlight, count = 1, options: Omit<WaitForOptions, 'message'> = {}): Promise<true> {
  return waitFor(() => client.stats().inFlight >= count, {
    intervalMs: 0,
    ...options,
    message: () => `${count} command(s) in flight (only ${client.stats().inFlight})`,
  });
}

/** Resolves after the current microtasks and one turn of the event loop (I/O callbacks included). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
