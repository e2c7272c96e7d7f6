// @layer L2 commands
/**
 * Sorted set commands: members, scores, ranks, counts, removal by range and popping. Ranges
 * (ZRANGE and friends) and the multi-key algebra (ZUNION, ZINTER, ZDIFF, ZMPOP) are in
 * sorted-sets-range.ts.
 *
 * Scores arrive as bulk strings in RESP2 and as doubles in RESP3; every transform here goes
 * through toNumber, and scored replies through toScoredMembers, so results are identical.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, oneOf, optionsSpec, describe } from './check-options.js';
import { checkTimeoutSeconds, invalid, keyList, keyScanArgs, score, valueList, type KeyScanOptions } from './arguments.js';
import { define, KEYS_THEN_ONE, type Key, type Keys, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toNumber, toNumberOrNull, toNumbersOrNull, toScoredMembers, type ScoredMember } from './replies.js';

export type { ScoredMember };

/** A member to add with its score: like ScoredMember, but the member may also be a Buffer or a number. */
export interface ZAddMember {
  member: Value;
  /** ±Infinity is allowed (sent as +inf / -inf). */
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

/** ZADD ... INCR options: as ZAddOptions, without `changed`. */
export type ZAddIncrOptions = Omit<ZAddOptions, 'changed'>;

const ZADD_OPTIONS = optionsSpec({ condition: oneOf('NX', 'XX'), comparison: oneOf('GT', 'LT'), changed: boolean });
const ZADD_INCR_OPTIONS = optionsSpec({ condition: oneOf('NX', 'XX'), comparison: oneOf('GT', 'LT') });

function zAddFlags(method: string, options: ZAddOptions | undefined, spec = ZADD_OPTIONS): Arg[] {
  const out: Arg[] = [];
  if (options === undefined) return out;
  checkOptions(method, options, spec);
  // The server answers NX with GT/LT with a bare "syntax error".
  if (options.condition === 'NX' && options.comparison !== undefined) {
    invalid(method, `options "condition: 'NX'" and "comparison" cannot be combined`);
  }
  if (options.condition !== undefined) out.push(options.condition);
  if (options.comparison !== undefined) out.push(options.comparison);
  if (options.changed) out.push('CH');
  return out;
}

/** A ZAddMember's score and member, in ZADD's order. */
function pushScored(method: string, out: Arg[], item: ZAddMember): void {
  if (typeof item !== 'object' || item === null || typeof item.score !== 'number' || Number.isNaN(item.score)) {
    invalid(method, `expected { member, score } with a numeric score, got ${describe(item)}`);
  }
  for (const key of Object.keys(item)) if (key !== 'member' && key !== 'score') invalid(method, `unknown key "${key}" in a member; accepted: member, score`);
  out.push(score(item.score), item.member);
}

/** The single member of a ZPOPMIN/ZPOPMAX reply without count: [m, s], or [] when empty. */
function toFirstScoredMember(reply: unknown): ScoredMember | null {
  return toScoredMembers(reply)[0] ?? null;
}

/** [key, member, score] or null (timeout); the score is text in RESP2, a double in RESP3. */
function toKeyScoredMember(reply: unknown): KeyScoredMember | null {
  if (reply === null) return null;
  const [key, member, s] = reply as [string, string, unknown];
  return { key, member, score: toNumber(s) };
}

const members = (method: string) => (key: Key, items: Value | readonly Value[]) => [key, ...valueList(method, 'member', items)];
const bounds = (key: Key, min: RangeBound, max: RangeBound) => [key, score(min), score(max)];
const bzPop = (method: string) => (keys: Keys, timeoutSeconds: number) => [...keyList(method, keys), checkTimeoutSeconds(method, timeoutSeconds)];

/** Sorted set commands (ranges and multi-key commands: SortedSetRangeCommands). */
export interface SortedSetCommands<K extends Kind> {
  /**
   * ZADD key [NX|XX] [GT|LT] [CH] score member [score member ...]: how many members were
   * added (with `changed`, added or updated).
   */
  zAdd(key: Key, items: ZAddMember | readonly ZAddMember[], options?: ZAddOptions): Out<K, number>;
  /**
   * ZADD key [NX|XX] [GT|LT] INCR increment member: adds the increment to the member's score;
   * the new score, or null when NX/XX/GT/LT prevented the update.
   */
  zAddIncr(key: Key, item: ZAddMember, options?: ZAddIncrOptions): Out<K, number | null>;
  /** ZINCRBY key increment member: the member's new score (a missing member starts at 0). */
  zIncrBy(key: Key, increment: number, member: Value): Out<K, number>;
  /** ZREM key member [member ...]: how many members were removed. */
  zRem(key: Key, members: Value | readonly Value[]): Out<K, number>;
  /** ZSCORE key member: the score, or null when the member or the key does not exist. */
  zScore(key: Key, member: Value): Out<K, number | null>;
  /** ZMSCORE key member [member ...]: scores in member order, null for missing members. */
  zmScore(key: Key, members: Value | readonly Value[]): Out<K, (number | null)[]>;
  /** ZRANK key member: the 0-based rank by ascending score, or null when the member does not exist. */
  zRank(key: Key, member: Value): Out<K, number | null>;
  /** ZREVRANK key member: the 0-based rank by descending score, or null when the member does not exist. */
  zRevRank(key: Key, member: Value): Out<K, number | null>;
  /** ZCARD key: the number of members; 0 when the key does not exist. */
  zCard(key: Key): Out<K, number>;
  /** ZCOUNT key min max: how many members have a score within the bounds (inclusive unless "(" is used). */
  zCount(key: Key, min: RangeBound, max: RangeBound): Out<K, number>;
  /** ZLEXCOUNT key min max: how many members are within the lex bounds ("[a", "(a", "-", "+"); all scores must be equal. */
  zLexCount(key: Key, min: string, max: string): Out<K, number>;
  /** ZREMRANGEBYRANK key start stop: removes members ranked start..stop (inclusive, negative from the top); how many. */
  zRemRangeByRank(key: Key, start: number, stop: number): Out<K, number>;
  /** ZREMRANGEBYSCORE key min max: removes members with a score within the bounds; how many. */
  zRemRangeByScore(key: Key, min: RangeBound, max: RangeBound): Out<K, number>;
  /** ZREMRANGEBYLEX key min max: removes members within the lex bounds; how many. */
  zRemRangeByLex(key: Key, min: string, max: string): Out<K, number>;
  /** ZPOPMIN key: removes and returns the member with the lowest score, or null when the key does not exist. */
  zPopMin(key: Key): Out<K, ScoredMember | null>;
  /** ZPOPMIN key count: removes and returns up to count members, lowest score first; empty when the key does not exist. */
  zPopMinCount(key: Key, count: number): Out<K, ScoredMember[]>;
  /** ZPOPMAX key: removes and returns the member with the highest score, or null when the key does not exist. */
  zPopMax(key: Key): Out<K, ScoredMember | null>;
  /** ZPOPMAX key count: removes and returns up to count members, highest score first; empty when the key does not exist. */
  zPopMaxCount(key: Key, count: number): Out<K, ScoredMember[]>;
  /** BZPOPMIN key [key ...] timeout: like zPopMin on the first non-empty set, waiting up to timeout seconds (0: forever); null on timeout. If it times out on the client (a server slower than the short grace past timeoutSeconds), an element it popped is lost: see commandTimeoutMs. */
  bzPopMin(keys: Keys, timeoutSeconds: number): Out<K, KeyScoredMember | null>;
  /** BZPOPMAX key [key ...] timeout: like zPopMax on the first non-empty set, waiting up to timeout seconds (0: forever); null on timeout. If it times out on the client (a server slower than the short grace past timeoutSeconds), an element it popped is lost: see commandTimeoutMs. */
  bzPopMax(keys: Keys, timeoutSeconds: number): Out<K, KeyScoredMember | null>;
  /** ZRANDMEMBER key: a random member (not removed), or null when the key does not exist. */
  zRandMember(key: Key): Out<K, string | null>;
  /**
   * ZRANDMEMBER key count: up to count distinct random members; a negative count allows
   * repeats and always returns |count| members. Empty when the key does not exist.
   */
  zRandMemberCount(key: Key, count: number): Out<K, string[]>;
  /** ZRANDMEMBER key count WITHSCORES: random members with their scores, counted as in zRandMemberCount. */
  zRandMemberWithScores(key: Key, count: number): Out<K, ScoredMember[]>;
  /** ZSCAN key cursor [MATCH pattern] [COUNT n]: one step; see zScanIterator for the loop. */
  zScan(key: Key, cursor: string | number, options?: KeyScanOptions): Out<K, ZScanReply>;
}

const BLOCK_LAST_SECONDS = { at: -1, unit: 's' } as const;

/** The family's definitions, built on first use (see commands/table.ts). */
export const sortedSetCommands = (): Definitions<SortedSetCommands<DefinitionKind>> => ({
  zAdd: define('ZADD', {
    build: (key: Key, items: ZAddMember | readonly ZAddMember[], options?: ZAddOptions) => {
      const out: Arg[] = [key, ...zAddFlags('zAdd', options)];
      if (!Array.isArray(items)) pushScored('zAdd', out, items as ZAddMember);
      else if (items.length === 0) invalid('zAdd', 'expected at least one member, got an empty array');
      else for (const item of items) pushScored('zAdd', out, item);
      return out;
    },
  }),
  zAddIncr: define('ZADD', {
    build: (key: Key, item: ZAddMember, options?: ZAddIncrOptions) => {
      const out: Arg[] = [key, ...zAddFlags('zAddIncr', options, ZADD_INCR_OPTIONS), 'INCR'];
      pushScored('zAddIncr', out, item);
      return out;
    },
    transform: toNumberOrNull,
  }),
  zIncrBy: define('ZINCRBY', { arity: 3, transform: toNumber }),
  zRem: define('ZREM', { build: members('zRem') }),
  zScore: define('ZSCORE', { arity: 2, transform: toNumberOrNull, readOnly: true }),
  zmScore: define('ZMSCORE', { build: members('zmScore'), transform: toNumbersOrNull, readOnly: true }),
  zRank: define('ZRANK', { arity: 2, readOnly: true }),
  zRevRank: define('ZREVRANK', { arity: 2, readOnly: true }),
  zCard: define('ZCARD', { readOnly: true }),
  zCount: define('ZCOUNT', { build: bounds, readOnly: true }),
  zLexCount: define('ZLEXCOUNT', { arity: 3, readOnly: true }),
  zRemRangeByRank: define('ZREMRANGEBYRANK', { arity: 3 }),
  zRemRangeByScore: define('ZREMRANGEBYSCORE', { build: bounds }),
  zRemRangeByLex: define('ZREMRANGEBYLEX', { arity: 3 }),
  zPopMin: define('ZPOPMIN', { transform: toFirstScoredMember }),
  zPopMinCount: define('ZPOPMIN', { arity: 2, transform: toScoredMembers }),
  zPopMax: define('ZPOPMAX', { transform: toFirstScoredMember }),
  zPopMaxCount: define('ZPOPMAX', { arity: 2, transform: toScoredMembers }),
  bzPopMin: define('BZPOPMIN', { build: bzPop('bzPopMin'), transform: toKeyScoredMember, block: BLOCK_LAST_SECONDS, keys: KEYS_THEN_ONE }),
  bzPopMax: define('BZPOPMAX', { build: bzPop('bzPopMax'), transform: toKeyScoredMember, block: BLOCK_LAST_SECONDS, keys: KEYS_THEN_ONE }),
  zRandMember: define('ZRANDMEMBER', { readOnly: true }),
  zRandMemberCount: define('ZRANDMEMBER', { arity: 2, readOnly: true }),
  zRandMemberWithScores: define('ZRANDMEMBER', { build: (key: Key, count: number) => [key, count, 'WITHSCORES'], transform: toScoredMembers, readOnly: true }),
  zScan: define('ZSCAN', {
    build: (key: Key, cursor: string | number, options?: KeyScanOptions) => keyScanArgs('zScan', key, cursor, options),
    transform: (r): ZScanReply => {
      const [cursor, flat] = r as [unknown, unknown[]];
      const out: ScoredMember[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i] as string, score: toNumber(flat[i + 1]) });
      return { cursor: asString(cursor), members: out };
    },
    readOnly: true,
  }),
});
