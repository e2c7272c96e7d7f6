/** Set commands. */
import type { Arg } from '../resp/encoder.js';
import { define, asString, type Key } from './define.js';
import type { ScanOptions } from './keys.js';

/** One SSCAN step. */
export interface SScanReply {
  cursor: string;
  members: string[];
}

export const setCommands = {
  /** SSCAN key cursor [MATCH] [COUNT]: one step; see sScanIterator for the loop. */
  sScan: define('SSCAN', {
    build: (key: Key, cursor: string | number, options?: Omit<ScanOptions, 'type'>) => {
      const out: Arg[] = [key, cursor];
      if (options?.match !== undefined) out.push('MATCH', options.match);
      if (options?.count !== undefined) out.push('COUNT', options.count);
      return out;
    },
    transform: (r): SScanReply => ({ cursor: asString((r as unknown[])[0]), members: (r as unknown[])[1] as string[] }),
    readOnly: true,
  }),
};
