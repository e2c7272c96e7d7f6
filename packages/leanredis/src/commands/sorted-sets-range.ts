// @layer L2 commands
/**
 * Sorted set ranges (ZRANGE by rank, score or lex, and ZRANGESTORE) and the multi-key
 * commands: ZUNION, ZINTER, ZDIFF with their STORE forms, ZINTERCARD, ZMPOP and BZMPOP.
 * Members and scores are read by toScoredMembers, so RESP2 and RESP3 give identical results.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, arrayOf, boolean, finite, integer, nested, oneOf, optionsSpec, invalidOption } from './check-options.js';
import { checkTimeoutSeconds, checkWord, countedKeys, score } from './arguments.js';
import { define, COUNTED_KEYS, STORE_COUNTED_KEYS, TWO_KEYS, type Key, type Keys } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { toScoredMembers, type ScoredMember } from './replies.js';
import { INTERCARD_OPTIONS, type SInterCardOptions } from './sets.js';
import type { RangeBound } from './sorted-sets.js';

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

const LIMIT = optionsSpec({ offset: integer(0), count: integer(-1) });
const ZRANGE_OPTIONS = optionsSpec({ by: oneOf('SCORE', 'LEX'), reverse: boolean, limit: nested(LIMIT, ['offset', 'count']) });
const ZRANGE_SCORES_OPTIONS = optionsSpec({ by: oneOf('SCORE'), reverse: boolean, limit: nested(LIMIT, ['offset', 'count']) });
const AGGREGATE_OPTIONS = optionsSpec({ weights: arrayOf(finite, 'finite numbers', true), aggregate: oneOf('SUM', 'MIN', 'MAX') });
const ZMPOP_OPTIONS = optionsSpec({ count: integer(1) });
const MIN_MAX = ['MIN', 'MAX'] as const;

function rangeArgs(method: string, start: RangeBound, stop: RangeBound, options: ZRangeOptions | undefined, spec = ZRANGE_OPTIONS): Arg[] {
  checkOptions(method, options, spec);
  // Ranks are integers; scores may be ±Infinity (sent as ±inf); lex bounds are strings.
  const out: Arg[] = options?.by === 'SCORE' ? [score(start), score(stop)] : [start, stop];
  if (options === undefined) return out;
  if (options.by === 'SCORE') out.push('BYSCORE');
  else if (options.by === 'LEX') out.push('BYLEX');
  if (options.reverse) out.push('REV');
  if (options.limit !== undefined) {
    // Without BYSCORE/BYLEX the server rejects LIMIT with a bare "syntax error".
    if (options.by === undefined) throw invalidOption(method, 'option "limit" needs "by" (\'SCORE\' or \'LEX\')');
    out.push('LIMIT', options.limit.offset, options.limit.count);
  }
  return out;
}

function aggregateArgs(method: string, keys: Keys, options: ZAggregateOptions | undefined): Arg[] {
  checkOptions(method, options, AGGREGATE_OPTIONS);
  const out = countedKeys(method, keys);
  if (options === undefined) return out;
  if (options.weights !== undefined) {
    // A weight count other than the key count is a bare "syntax error" from the server.
    if (options.weights.length !== out[0]) throw invalidOption(method, `expected ${String(out[0])} weights (one per key), got ${options.weights.length}`);
    out.push('WEIGHTS', ...options.weights);
  }
  if (options.aggregate !== undefined) out.push('AGGREGATE', options.aggregate);
  return out;
}

function zmPopArgs(method: string, keys: Keys, which: 'MIN' | 'MAX', options: ZmPopOptions | undefined): Arg[] {
  checkOptions(method, options, ZMPOP_OPTIONS);
  const out = countedKeys(method, keys);
  out.push(checkWord(method, 'which', which, MIN_MAX));
  if (options?.count !== undefined) out.push('COUNT', options.count);
  return out;
}

/** [key, [[member, score], ...]] (scores as text in RESP2, doubles in RESP3), or null. */
function toKeyScoredMembers(reply: unknown): KeyScoredMembers | null {
  if (reply === null) return null;
  const [key, members] = reply as [string, unknown];
  return { key, members: toScoredMembers(members) };
}

/** Sorted set ranges and multi-key commands. */
export interface SortedSetRangeCommands<K extends Kind> {
  /**
   * ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]: members in order. start and
   * stop are ranks (inclusive, negative from the top) unless `by` reads them as scores or lex bounds.
   */
  zRange(key: Key, start: RangeBound, stop: RangeBound, options?: ZRangeOptions): Out<K, string[]>;
  /** ZRANGE ... WITHSCORES: like zRange, with scores (not for lex ranges). */
  zRangeWithScores(key: Key, start: RangeBound, stop: RangeBound, options?: ZRangeWithScoresOptions): Out<K, ScoredMember[]>;
  /** ZRANGESTORE destination source start stop [BYSCORE|BYLEX] [REV] [LIMIT]: stores the range; its size. */
  zRangeStore(destination: Key, source: Key, start: RangeBound, stop: RangeBound, options?: ZRangeOptions): Out<K, number>;
  /** ZUNION numkeys key [key ...] [WEIGHTS] [AGGREGATE]: members of any of the sets, by combined score. */
  zUnion(keys: Keys, options?: ZAggregateOptions): Out<K, string[]>;
  /** ZUNION ... WITHSCORES: like zUnion, with the combined scores. */
  zUnionWithScores(keys: Keys, options?: ZAggregateOptions): Out<K, ScoredMember[]>;
  /** ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS] [AGGREGATE]: stores the union; its size. */
  zUnionStore(destination: Key, keys: Keys, options?: ZAggregateOptions): Out<K, number>;
  /** ZINTER numkeys key [key ...] [WEIGHTS] [AGGREGATE]: members present in every set, by combined score. */
  zInter(keys: Keys, options?: ZAggregateOptions): Out<K, string[]>;
  /** ZINTER ... WITHSCORES: like zInter, with the combined scores. */
  zInterWithScores(keys: Keys, options?: ZAggregateOptions): Out<K, ScoredMember[]>;
  /** ZINTERSTORE destination numkeys key [key ...] [WEIGHTS] [AGGREGATE]: stores the intersection; its size. */
  zInterStore(destination: Key, keys: Keys, options?: ZAggregateOptions): Out<K, number>;
  /** ZINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the intersection. */
  zInterCard(keys: Keys, options?: SInterCardOptions): Out<K, number>;
  /** ZDIFF numkeys key [key ...]: members of the first set that are in none of the others, by score. */
  zDiff(keys: Keys): Out<K, string[]>;
  /** ZDIFF ... WITHSCORES: like zDiff, with the scores from the first set. */
  zDiffWithScores(keys: Keys): Out<K, ScoredMember[]>;
  /** ZDIFFSTORE destination numkeys key [key ...]: stores the difference; its size. */
  zDiffStore(destination: Key, keys: Keys): Out<K, number>;
  /** ZMPOP numkeys key [key ...] MIN|MAX [COUNT]: members popped from the first non-empty set, or null when all are empty. */
  zmPop(keys: Keys, which: 'MIN' | 'MAX', options?: ZmPopOptions): Out<K, KeyScoredMembers | null>;
  /** BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT]: like zmPop, waiting up to timeout seconds (0: forever); null on timeout. If it times out on the client (a server slower than the short grace past timeoutSeconds), an element it popped is lost: see commandTimeoutMs. */
  bzmPop(timeoutSeconds: number, keys: Keys, which: 'MIN' | 'MAX', options?: ZmPopOptions): Out<K, KeyScoredMembers | null>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const sortedSetRangeCommands = (): Definitions<SortedSetRangeCommands<DefinitionKind>> => ({
  zRange: define('ZRANGE', {
    build: (key: Key, start: RangeBound, stop: RangeBound, options?: ZRangeOptions) => [key, ...rangeArgs('zRange', start, stop, options)],
    readOnly: true,
  }),
  zRangeWithScores: define('ZRANGE', {
    build: (key: Key, start: RangeBound, stop: RangeBound, options?: ZRangeWithScoresOptions) => [
      key,
      ...rangeArgs('zRangeWithScores', start, stop, options, ZRANGE_SCORES_OPTIONS),
      'WITHSCORES',
    ],
    transform: toScoredMembers,
    readOnly: true,
  }),
  zRangeStore: define('ZRANGESTORE', {
    build: (destination: Key, source: Key, start: RangeBound, stop: RangeBound, options?: ZRangeOptions) => [
      destination,
      source,
      ...rangeArgs('zRangeStore', start, stop, options),
    ],
    keys: TWO_KEYS,
  }),
  zUnion: define('ZUNION', { build: (keys: Keys, options?: ZAggregateOptions) => aggregateArgs('zUnion', keys, options), readOnly: true, keys: COUNTED_KEYS }),
  zUnionWithScores: define('ZUNION', {
    build: (keys: Keys, options?: ZAggregateOptions) => [...aggregateArgs('zUnionWithScores', keys, options), 'WITHSCORES'],
    transform: toScoredMembers,
    readOnly: true,
    keys: COUNTED_KEYS,
  }),
  zUnionStore: define('ZUNIONSTORE', {
    build: (destination: Key, keys: Keys, options?: ZAggregateOptions) => [destination, ...aggregateArgs('zUnionStore', keys, options)],
    keys: STORE_COUNTED_KEYS,
  }),
  zInter: define('ZINTER', { build: (keys: Keys, options?: ZAggregateOptions) => aggregateArgs('zInter', keys, options), readOnly: true, keys: COUNTED_KEYS }),
  zInterWithScores: define('ZINTER', {
    build: (keys: Keys, options?: ZAggregateOptions) => [...aggregateArgs('zInterWithScores', keys, options), 'WITHSCORES'],
    transform: toScoredMembers,
    readOnly: true,
    keys: COUNTED_KEYS,
  }),
  zInterStore: define('ZINTERSTORE', {
    build: (destination: Key, keys: Keys, options?: ZAggregateOptions) => [destination, ...aggregateArgs('zInterStore', keys, options)],
    keys: STORE_COUNTED_KEYS,
  }),
  zInterCard: define('ZINTERCARD', {
    build: (keys: Keys, options?: SInterCardOptions) => {
      checkOptions('zInterCard', options, INTERCARD_OPTIONS);
      const out = countedKeys('zInterCard', keys);
      if (options?.limit !== undefined) out.push('LIMIT', options.limit);
      return out;
    },
    readOnly: true,
    keys: COUNTED_KEYS,
  }),
  zDiff: define('ZDIFF', { build: (keys: Keys) => countedKeys('zDiff', keys), readOnly: true, keys: COUNTED_KEYS }),
  zDiffWithScores: define('ZDIFF', {
    build: (keys: Keys) => [...countedKeys('zDiffWithScores', keys), 'WITHSCORES'],
    transform: toScoredMembers,
    readOnly: true,
    keys: COUNTED_KEYS,
  }),
  zDiffStore: define('ZDIFFSTORE', { build: (destination: Key, keys: Keys) => [destination, ...countedKeys('zDiffStore', keys)], keys: STORE_COUNTED_KEYS }),
  zmPop: define('ZMPOP', {
    build: (keys: Keys, which: 'MIN' | 'MAX', options?: ZmPopOptions) => zmPopArgs('zmPop', keys, which, options),
    transform: toKeyScoredMembers,
    keys: COUNTED_KEYS,
  }),
  bzmPop: define('BZMPOP', {
    build: (timeoutSeconds: number, keys: Keys, which: 'MIN' | 'MAX', options?: ZmPopOptions) => [
      checkTimeoutSeconds('bzmPop', timeoutSeconds),
      ...zmPopArgs('bzmPop', keys, which, options),
    ],
    transform: toKeyScoredMembers,
    block: { at: 0, unit: 's' },
    keys: { index: 1, keyNumIndex: 0, firstKey: 1 },
  }),
});
