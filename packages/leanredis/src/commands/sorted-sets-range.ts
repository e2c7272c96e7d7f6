/**
 * Sorted set ranges (ZRANGE by rank, score or lex, and ZRANGESTORE) and the multi-key
 * commands: ZUNION, ZINTER, ZDIFF with their STORE forms, ZINTERCARD, ZMPOP and BZMPOP.
 * Members and scores are read by toScoredMembers, so RESP2 and RESP3 give identical results.
 */
import { ArgumentError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { define, countedKeys, type Key } from './define.js';
import { checkTimeoutSeconds } from './lists.js';
import { type SInterCardOptions } from './sets.js';
import { toScoredMembers, type RangeBound, type ScoredMember } from './sorted-sets.js';

export interface ZRangeOptions {
  /**
   * Read start and stop as scores (BYSCORE) or lex bounds (BYLEX) instead of 0-based ranks.
   * @default ranks
   */
  by?: 'SCORE' | 'LEX';
  /** Highest first (REV); with `by`, start is then the higher bound, as the server expects. @default false */
  reverse?: boolean;
  /** Skip `offset` matches and return at most `count` (LIMIT; count < 0 means all). Needs `by`. @default every match */
  limit?: { offset: number; count: number };
}

/** ZRANGE options that allow WITHSCORES: the server rejects scores with a lex range. */
export type ZRangeWithScoresOptions = Omit<ZRangeOptions, 'by'> & { by?: 'SCORE' };

export interface ZAggregateOptions {
  /** A multiplier per key, in key order (WEIGHTS). @default 1 for every key */
  weights?: number[];
  /** How the scores of a member found in several sets combine (AGGREGATE). @default 'SUM' */
  aggregate?: 'SUM' | 'MIN' | 'MAX';
}

export interface ZmPopOptions {
  /** Pop up to this many members (COUNT). @default 1 */
  count?: number;
}

/** Members popped by zmPop/bzmPop, with the key they came from. */
export interface KeyScoredMembers {
  key: string;
  members: ScoredMember[];
}

function rangeArgs(method: string, start: RangeBound, stop: RangeBound, options: ZRangeOptions | undefined): Arg[] {
  const out: Arg[] = [start, stop];
  if (options === undefined) return out;
  if (options.by === 'SCORE') out.push('BYSCORE');
  else if (options.by === 'LEX') out.push('BYLEX');
  if (options.reverse) out.push('REV');
  if (options.limit !== undefined) {
    // Without BYSCORE/BYLEX the server rejects LIMIT with a bare "syntax error".
    if (options.by === undefined) throw new ArgumentError(`${method}: limit needs by 'SCORE' or 'LEX'`, 'ERR_INVALID_ARGUMENT');
    out.push('LIMIT', options.limit.offset, options.limit.count);
  }
  return out;
}

function aggregateArgs(method: string, keys: Key | Key[], options: ZAggregateOptions | undefined): Arg[] {
  const out = countedKeys(method, keys);
  if (options === undefined) return out;
  if (options.weights !== undefined) {
    // A weight count other than the key count is a bare "syntax error" from the server.
    if (options.weights.length !== out[0]) {
      throw new ArgumentError(`${method}: expected ${String(out[0])} weights (one per key), got ${options.weights.length}`, 'ERR_INVALID_ARGUMENT');
    }
    out.push('WEIGHTS', ...options.weights);
  }
  if (options.aggregate !== undefined) out.push('AGGREGATE', options.aggregate);
  return out;
}

function zmPopArgs(method: string, keys: Key | Key[], which: 'MIN' | 'MAX', options: ZmPopOptions | undefined): Arg[] {
  const out = countedKeys(method, keys);
  out.push(which);
  if (options?.count !== undefined) out.push('COUNT', options.count);
  return out;
}

/** [key, [[member, score], ...]] (scores as text in RESP2, doubles in RESP3), or null. */
function toKeyScoredMembers(reply: unknown): KeyScoredMembers | null {
  if (reply === null) return null;
  const [key, members] = reply as [string, unknown];
  return { key, members: toScoredMembers(members) };
}

const asStrings = (r: unknown): string[] => r as string[];
const asNumber = (r: unknown): number => r as number;

/** The family's definitions, built on first use (see commands/index.ts). */
export const sortedSetRangeCommands = () => ({
  /**
   * ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]: members in order. start and
   * stop are ranks (inclusive, negative from the top) unless `by` reads them as scores or lex bounds.
   */
  zRange: define('ZRANGE', {
    build: (key: Key, start: RangeBound, stop: RangeBound, options?: ZRangeOptions) => [key, ...rangeArgs('zRange', start, stop, options)],
    transform: asStrings,
    readOnly: true,
  }),
  /** ZRANGE ... WITHSCORES: like zRange, with scores (not for lex ranges). */
  zRangeWithScores: define('ZRANGE', {
    build: (key: Key, start: RangeBound, stop: RangeBound, options?: ZRangeWithScoresOptions) => {
      // JavaScript callers can still pass by: 'LEX'; the server would answer "syntax error".
      if ((options?.by as string | undefined) === 'LEX') throw new ArgumentError("zRangeWithScores: scores cannot be read with by 'LEX'", 'ERR_INVALID_ARGUMENT');
      return [key, ...rangeArgs('zRangeWithScores', start, stop, options), 'WITHSCORES'];
    },
    transform: toScoredMembers,
    readOnly: true,
  }),
  /** ZRANGESTORE destination source start stop [BYSCORE|BYLEX] [REV] [LIMIT]: stores the range; its size. */
  zRangeStore: define('ZRANGESTORE', {
    build: (destination: Key, source: Key, start: RangeBound, stop: RangeBound, options?: ZRangeOptions) => [
      destination,
      source,
      ...rangeArgs('zRangeStore', start, stop, options),
    ],
    transform: asNumber,
  }),
  /** ZUNION numkeys key [key ...] [WEIGHTS] [AGGREGATE]: members of any of the sets, by combined score. */
  zUnion: define('ZUNION', {
    build: (keys: Key | Key[], options?: ZAggregateOptions) => aggregateArgs('zUnion', keys, options),
    transform: asStrings,
    readOnly: true,
    firstKey: 1,
  }),
  /** ZUNION ... WITHSCORES: like zUnion, with the combined scores. */
  zUnionWithScores: define('ZUNION', {
    build: (keys: Key | Key[], options?: ZAggregateOptions) => [...aggregateArgs('zUnionWithScores', keys, options), 'WITHSCORES'],
    transform: toScoredMembers,
    readOnly: true,
    firstKey: 1,
  }),
  /** ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS] [AGGREGATE]: stores the union; its size. */
  zUnionStore: define('ZUNIONSTORE', {
    build: (destination: Key, keys: Key | Key[], options?: ZAggregateOptions) => [destination, ...aggregateArgs('zUnionStore', keys, options)],
    transform: asNumber,
  }),
  /** ZINTER numkeys key [key ...] [WEIGHTS] [AGGREGATE]: members present in every set, by combined score. */
  zInter: define('ZINTER', {
    build: (keys: Key | Key[], options?: ZAggregateOptions) => aggregateArgs('zInter', keys, options),
    transform: asStrings,
    readOnly: true,
    firstKey: 1,
  }),
  /** ZINTER ... WITHSCORES: like zInter, with the combined scores. */
  zInterWithScores: define('ZINTER', {
    build: (keys: Key | Key[], options?: ZAggregateOptions) => [...aggregateArgs('zInterWithScores', keys, options), 'WITHSCORES'],
    transform: toScoredMembers,
    readOnly: true,
    firstKey: 1,
  }),
  /** ZINTERSTORE destination numkeys key [key ...] [WEIGHTS] [AGGREGATE]: stores the intersection; its size. */
  zInterStore: define('ZINTERSTORE', {
    build: (destination: Key, keys: Key | Key[], options?: ZAggregateOptions) => [destination, ...aggregateArgs('zInterStore', keys, options)],
    transform: asNumber,
  }),
  /** ZINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the intersection. */
  zInterCard: define('ZINTERCARD', {
    build: (keys: Key | Key[], options?: SInterCardOptions) => {
      const out = countedKeys('zInterCard', keys);
      if (options?.limit !== undefined) out.push('LIMIT', options.limit);
      return out;
    },
    transform: asNumber,
    readOnly: true,
    firstKey: 1,
  }),
  /** ZDIFF numkeys key [key ...]: members of the first set that are in none of the others, by score. */
  zDiff: define('ZDIFF', { build: (keys: Key | Key[]) => countedKeys('zDiff', keys), transform: asStrings, readOnly: true, firstKey: 1 }),
  /** ZDIFF ... WITHSCORES: like zDiff, with the scores from the first set. */
  zDiffWithScores: define('ZDIFF', {
    build: (keys: Key | Key[]) => [...countedKeys('zDiffWithScores', keys), 'WITHSCORES'],
    transform: toScoredMembers,
    readOnly: true,
    firstKey: 1,
  }),
  /** ZDIFFSTORE destination numkeys key [key ...]: stores the difference; its size. */
  zDiffStore: define('ZDIFFSTORE', { build: (destination: Key, keys: Key | Key[]) => [destination, ...countedKeys('zDiffStore', keys)], transform: asNumber }),
  /** ZMPOP numkeys key [key ...] MIN|MAX [COUNT]: members popped from the first non-empty set, or null when all are empty. */
  zmPop: define('ZMPOP', {
    build: (keys: Key | Key[], which: 'MIN' | 'MAX', options?: ZmPopOptions) => zmPopArgs('zmPop', keys, which, options),
    transform: toKeyScoredMembers,
    firstKey: 1,
  }),
  /** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT]: like zmPop, waiting up to timeout seconds; null on timeout. */
  bzmPop: define('BZMPOP', {
    build: (timeoutSeconds: number, keys: Key | Key[], which: 'MIN' | 'MAX', options?: ZmPopOptions) => [
      checkTimeoutSeconds('bzmPop', timeoutSeconds),
      ...zmPopArgs('bzmPop', keys, which, options),
    ],
    transform: toKeyScoredMembers,
    blocking: true,
    firstKey: 2,
  }),
});
