/** HyperLogLog commands: approximate distinct counts in at most 12 KiB per key. */
import { ArgumentError } from '../errors.js';
import { define, toBoolean, toOk, type Key, type Value } from './define.js';

/** Keys for a command that needs at least one, checked before anything is sent. */
function someKeys(method: string, keys: Key[]): Key[] {
  if (keys.length === 0) throw new ArgumentError(`${method}: expected at least one key`, 'ERR_INVALID_ARGUMENT');
  return keys;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const hyperLogLogCommands = () => ({
  /**
   * PFADD key [element ...]: true when the estimate changed (or the key was created).
   * An empty list only creates the key.
   */
  pfAdd: define('PFADD', {
    build: (key: Key, elements: Value[]) => [key, ...elements],
    transform: toBoolean,
  }),
  /**
   * PFCOUNT key [key ...]: the estimated number of distinct elements (of the union, for several
   * keys); 0 for a missing key. Standard error 0.81%. Read-only: the server only refreshes its
   * cached estimate.
   */
  pfCount: define('PFCOUNT', {
    build: (...keys: Key[]) => someKeys('pfCount', keys),
    transform: (r) => r as number,
    readOnly: true,
  }),
  /** PFMERGE destination [source ...]: merges the sources into destination (kept in the union). */
  pfMerge: define('PFMERGE', {
    build: (destination: Key, ...sources: Key[]) => [destination, ...sources],
    transform: toOk,
  }),
});
