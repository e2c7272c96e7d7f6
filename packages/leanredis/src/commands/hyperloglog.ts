// @layer L2 commands
/** HyperLogLog commands: approximate distinct counts in at most 12 KiB per key. */
import { invalid, keyList } from './arguments.js';
import { describe } from './check-options.js';
import { define, EVERY_KEY, type Key, type Keys, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { toBoolean } from './replies.js';

/** HyperLogLog commands. */
export interface HyperLogLogCommands<K extends Kind> {
  /**
   * PFADD key [element ...]: true when the estimate changed (or the key was created). An empty
   * array (or no elements) only creates the key.
   */
  pfAdd(key: Key, elements?: Value | readonly Value[]): Out<K, boolean>;
  /**
   * PFCOUNT key [key ...]: the estimated number of distinct elements (of the union, for several
   * keys); 0 for a missing key. Standard error 0.81%. Read-only: the server only refreshes its
   * cached estimate.
   */
  pfCount(keys: Keys): Out<K, number>;
  /** PFMERGE destination [source ...]: merges the sources into destination (kept in the union). */
  pfMerge(destination: Key, sources?: Keys): Out<K, 'OK'>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const hyperLogLogCommands = (): Definitions<HyperLogLogCommands<DefinitionKind>> => ({
  pfAdd: define('PFADD', {
    // Unlike other lists, an empty one is meaningful here (it creates the key).
    build: (key: Key, elements?: Value | readonly Value[]) => {
      if (elements === undefined) return [key];
      if (Array.isArray(elements)) return [key, ...(elements as Value[])];
      if (typeof elements === 'string' || typeof elements === 'number' || Buffer.isBuffer(elements)) return [key, elements as Value];
      return invalid('pfAdd', `expected an element or an array of them, got ${describe(elements)}`);
    },
    transform: toBoolean,
  }),
  pfCount: define('PFCOUNT', { build: (keys: Keys) => keyList('pfCount', keys), readOnly: true, keys: EVERY_KEY }),
  pfMerge: define('PFMERGE', {
    build: (destination: Key, sources?: Keys) => (sources === undefined ? [destination] : [destination, ...keyList('pfMerge', sources)]),
    keys: EVERY_KEY,
  }),
});
