/**
 * Sorted set commands: members, scores, ranks, counts, removal by range and popping. Ranges
 * (ZRANGE and friends) and the multi-key algebra (ZUNION, ZINTER, ZDIFF, ZMPOP) are in
 * sorted-sets-range.ts.
 *
 * Scores arrive as bulk strings in RESP2 and as doubles in RESP3; every transform here goes
 * through toNumber, and scored replies through toScoredMembers, so results are identical.
 */
import { ArgumentError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { define, asString, toNumber, toNumberOrNull, toNumbersOrNull, listOf, type Key, type Value, type ServerText } from './define.js';
import { keyScanArgs } from './keys.js';
import { checkTimeoutSeconds } from './lists.js';

/** A sorted set member with its score. */
export interface ScoredMember {
  member: string;
  score: number;
}

/** A member to add with its score: like ScoredMember, but the member may also be a Buffer or a number. */
export interface ZAddMember {
  member: Value;
  score: number;
}

/** A member popped by bzPopMin/bzPopMax, with the key it came from. */
export interface KeyScoredMember extends ScoredMember {
  key: string;
}

/** One ZSCAN step. */
export interface ZScanReply {
  cursor: ServerText;
  members: ScoredMember[];
}

/**
 * A score or lex bound: a number (±Infinity is sent as ±inf), or the server's text form:
 * "(1" (exclusive), "-inf", "+inf", and for lex ranges "[a", "(a", "-", "+".
 */
export type RangeBound = number | string;

export interface ZAddOptions {
  /** Only add new members (NX) or only update existing ones (XX). @default neither: add and update */
  condition?: 'NX' | 'XX';
  /**
   * Only update when the new score is greater (GT) or less (LT) than the current one; new
   * members are still added. Not with NX. @default neither: always update
   */
  comparison?: 'GT' | 'LT';
  /** Count changed members (added or score updated) instead of only added ones (CH). @default false */
  changed?: boolean;
}

/**
 * Members and scores from a WITHSCORES-style reply: RESP2 sends a flat [m, s, m, s] list with
 * scores as text, RESP3 a list of [m, s] pairs with doubles. Members are kept as they came
 * (strings, or Buffers under returnBuffers).
 */
export function toScoredMembers(reply: unknown): ScoredMember[] {
  const list = reply as unknown[];
  const out: ScoredMember[] = [];
  // Members are bulk strings, never arrays, so the first element tells the two shapes apart.
  if (list.length > 0 && Array.isArray(list[0])) {
    for (const pair of list as unknown[][]) out.push({ member: pair[0] as string, score: toNumber(pair[1]) });
  } else {
    for (let i = 0; i + 1 < list.length; i += 2) out.push({ member: list[i] as string, score: toNumber(list[i + 1]) });
  }
  return out;
}

function zAddFlags(method: string, options: ZAddOptions | undefined): Arg[] {
  const out: Arg[] = [];
  if (options === undefined) return out;
  if (options.condition === 'NX' && options.comparison !== undefined) {
    throw new ArgumentError(`${method}: condition NX cannot be combined with comparison ${options.comparison}`, 'ERR_INVALID_ARGUMENT');
  }
  if (options.condition !== undefined) out.push(options.condition);
  if (options.comparison !== undefined) out.push(options.comparison);
  if (options.changed) out.push('CH');
  return out;
}

/** The single member of a ZPOPMIN/ZPOPMAX reply without count: [m, s], or [] when empty. */
function toFirstScoredMember(reply: unknown): ScoredMember | null {
  return toScoredMembers(reply)[0] ?? null;
}

/** [key, member, score] or null (timeout); the score is text in RESP2, a double in RESP3. */
function toKeyScoredMember(reply: unknown): KeyScoredMember | null {
  if (reply === null) return null;
  const [key, member, score] = reply as [string, string, unknown];
  return { key, member, score: toNumber(score) };
}

const asNumber = (r: unknown): number => r as number;
const members = (method: string) => (key: Key, items: Value | Value[]) => [key, ...listOf(method, 'member', items)];
const bzPop = (method: string) => (keys: Key | Key[], timeoutSeconds: number) => [...listOf(method, 'key', keys), checkTimeoutSeconds(method, timeoutSeconds)];

/** The family's definitions, built on first use (see commands/index.ts). */
export const sortedSetCommands = () => ({
  /**
   * ZADD key [NX|XX] [GT|LT] [CH] score member [score member ...]: how many members were
   * added (with `changed`, added or updated).
   */
  zAdd: define('ZADD', {
    build: (key: Key, items: ZAddMember | ZAddMember[], options?: ZAddOptions) => {
      const list = Array.isArray(items) ? items : [items];
      if (list.length === 0) throw new ArgumentError('zAdd: expected at least one member', 'ERR_INVALID_ARGUMENT');
      const out: Arg[] = [key, ...zAddFlags('zAdd', options)];
      for (const { member, score } of list) out.push(score, member);
      return out;
    },
    transform: asNumber,
  }),
  /**
   * ZADD key [NX|XX] [GT|LT] INCR increment member: adds the increment to the member's score;
   * the new score, or null when NX/XX/GT/LT prevented the update.
   */
  zAddIncr: define('ZADD', {
    build: (key: Key, item: ZAddMember, options?: Omit<ZAddOptions, 'changed'>) => [key, ...zAddFlags('zAddIncr', options), 'INCR', item.score, item.member],
    transform: toNumberOrNull,
  }),
  /** ZINCRBY key increment member: the member's new score (a missing member starts at 0). */
  zIncrBy: define('ZINCRBY', { build: (key: Key, increment: number, member: Value) => [key, increment, member], transform: toNumber }),
  /** ZREM key member [member ...]: how many members were removed. */
  zRem: define('ZREM', { build: members('zRem'), transform: asNumber }),
  /** ZSCORE key member: the score, or null when the member or the key does not exist. */
  zScore: define('ZSCORE', { build: (key: Key, member: Value) => [key, member], transform: toNumberOrNull, readOnly: true }),
  /** ZMSCORE key member [member ...]: scores in member order, null for missing members. */
  zmScore: define('ZMSCORE', { build: members('zmScore'), transform: toNumbersOrNull, readOnly: true }),
  /** ZRANK key member: the 0-based rank by ascending score, or null when the member does not exist. */
  zRank: define('ZRANK', { build: (key: Key, member: Value) => [key, member], transform: (r) => r as number | null, readOnly: true }),
  /** ZREVRANK key member: the 0-based rank by descending score, or null when the member does not exist. */
  zRevRank: define('ZREVRANK', { build: (key: Key, member: Value) => [key, member], transform: (r) => r as number | null, readOnly: true }),
  /** ZCARD key: the number of members; 0 when the key does not exist. */
  zCard: define<[key: Key], number>('ZCARD', { readOnly: true }),
  /** ZCOUNT key min max: how many members have a score within the bounds (inclusive unless "(" is used). */
  zCount: define<[key: Key, min: RangeBound, max: RangeBound], number>('ZCOUNT', { readOnly: true }),
  /** ZLEXCOUNT key min max: how many members are within the lex bounds ("[a", "(a", "-", "+"); all scores must be equal. */
  zLexCount: define<[key: Key, min: string, max: string], number>('ZLEXCOUNT', { readOnly: true }),
  /** ZREMRANGEBYRANK key start stop: removes members ranked start..stop (inclusive, negative from the top); how many. */
  zRemRangeByRank: define<[key: Key, start: number, stop: number], number>('ZREMRANGEBYRANK'),
  /** ZREMRANGEBYSCORE key min max: removes members with a score within the bounds; how many. */
  zRemRangeByScore: define<[key: Key, min: RangeBound, max: RangeBound], number>('ZREMRANGEBYSCORE'),
  /** ZREMRANGEBYLEX key min max: removes members within the lex bounds; how many. */
  zRemRangeByLex: define<[key: Key, min: string, max: string], number>('ZREMRANGEBYLEX'),
  /** ZPOPMIN key: removes and returns the member with the lowest score, or null when the key does not exist. */
  zPopMin: define('ZPOPMIN', { build: (key: Key) => [key], transform: toFirstScoredMember }),
  /** ZPOPMIN key count: removes and returns up to count members, lowest score first; empty when the key does not exist. */
  zPopMinCount: define('ZPOPMIN', { build: (key: Key, count: number) => [key, count], transform: toScoredMembers }),
  /** ZPOPMAX key: removes and returns the member with the highest score, or null when the key does not exist. */
  zPopMax: define('ZPOPMAX', { build: (key: Key) => [key], transform: toFirstScoredMember }),
  /** ZPOPMAX key count: removes and returns up to count members, highest score first; empty when the key does not exist. */
  zPopMaxCount: define('ZPOPMAX', { build: (key: Key, count: number) => [key, count], transform: toScoredMembers }),
  /** BZPOPMIN key [key ...] timeout: like zPopMin on the first non-empty set, waiting up to timeout seconds; null on timeout. */
  bzPopMin: define('BZPOPMIN', { build: bzPop('bzPopMin'), transform: toKeyScoredMember, blocking: true }),
  /** BZPOPMAX key [key ...] timeout: like zPopMax on the first non-empty set, waiting up to timeout seconds; null on timeout. */
  bzPopMax: define('BZPOPMAX', { build: bzPop('bzPopMax'), transform: toKeyScoredMember, blocking: true }),
  /** ZRANDMEMBER key: a random member (not removed), or null when the key does not exist. */
  zRandMember: define<[key: Key], string | null>('ZRANDMEMBER', { readOnly: true }),
  /**
   * ZRANDMEMBER key count: up to count distinct random members; a negative count allows
   * repeats and always returns |count| members. Empty when the key does not exist.
   */
  zRandMemberCount: define('ZRANDMEMBER', { build: (key: Key, count: number) => [key, count], transform: (r) => r as string[], readOnly: true }),
  /** ZRANDMEMBER key count WITHSCORES: random members with their scores, counted as in zRandMemberCount. */
  zRandMemberWithScores: define('ZRANDMEMBER', { build: (key: Key, count: number) => [key, count, 'WITHSCORES'], transform: toScoredMembers, readOnly: true }),
  /** ZSCAN key cursor [MATCH] [COUNT]: one step; see zScanIterator for the loop. */
  zScan: define('ZSCAN', {
    build: keyScanArgs,
    transform: (r): ZScanReply => {
      const [cursor, flat] = r as [unknown, unknown[]];
      const members: ScoredMember[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i] as string, score: toNumber(flat[i + 1]) });
      return { cursor: asString(cursor), members };
    },
    readOnly: true,
  }),
});
