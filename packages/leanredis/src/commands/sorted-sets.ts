/** Sorted set commands. */
import type { Arg } from '../resp/encoder.js';
import { define, asString, toNumber, type Key } from './define.js';
import type { ScanOptions } from './keys.js';

/** A sorted set member with its score. */
export interface ScoredMember {
  member: string;
  score: number;
}

/** One ZSCAN step. */
export interface ZScanReply {
  cursor: string;
  members: ScoredMember[];
}

export const sortedSetCommands = {
  /** ZSCAN key cursor [MATCH] [COUNT]: one step; see zScanIterator for the loop. */
  zScan: define('ZSCAN', {
    build: (key: Key, cursor: string | number, options?: Omit<ScanOptions, 'type'>) => {
      const out: Arg[] = [key, cursor];
      if (options?.match !== undefined) out.push('MATCH', options.match);
      if (options?.count !== undefined) out.push('COUNT', options.count);
      return out;
    },
    transform: (r): ZScanReply => {
      const [cursor, flat] = r as [unknown, unknown[]];
      const members: ScoredMember[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i] as string, score: toNumber(flat[i + 1]) });
      return { cursor: asString(cursor), members };
    },
    readOnly: true,
  }),
};
