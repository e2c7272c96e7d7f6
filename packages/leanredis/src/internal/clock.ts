// @layer L0 internal
/**
 * `performance.now()` for the per-command paths. On Node 20 the global `performance` is an
 * accessor (a lazy getter on globalThis, as `Buffer` and `process` are), and optimized code
 * runs that getter at every read of the name: ~180 instructions per read, about twice the clock
 * read itself (valgrind callgrind of bench/instructions-per-command.mjs, issue 14). The object
 * is read once, at the first call; not at import, since reading it loads perf_hooks.
 */
import type { Performance } from 'node:perf_hooks';

let perf: Performance | undefined;

/** Milliseconds on the performance.now() clock. */
export function nowMs(): number {
  return (perf ??= performance).now();
}
