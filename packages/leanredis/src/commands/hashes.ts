/** Hash commands. */
import type { Arg } from '../resp/encoder.js';
import { define, asString, type Key } from './define.js';
import type { ScanOptions } from './keys.js';

/** One HSCAN step. */
export interface HScanReply {
  cursor: string;
  entries: [field: string, value: string][];
}

export const hashCommands = {
  /** HSCAN key cursor [MATCH] [COUNT]: one step; see hScanIterator for the loop. */
  hScan: define('HSCAN', {
    build: (key: Key, cursor: string | number, options?: Omit<ScanOptions, 'type'>) => {
      const out: Arg[] = [key, cursor];
      if (options?.match !== undefined) out.push('MATCH', options.match);
      if (options?.count !== undefined) out.push('COUNT', options.count);
      return out;
    },
    transform: (r): HScanReply => {
      const [cursor, flat] = r as [unknown, string[]];
      const entries: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
      return { cursor: asString(cursor), entries };
    },
    readOnly: true,
  }),
};
