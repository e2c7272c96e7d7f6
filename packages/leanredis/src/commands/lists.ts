// @layer L2 commands
/**
 * List commands, non-blocking and blocking. Blocking commands (blPop, blMove, blmPop...) carry
 * a block spec, so executors keep them off the shared connection; their timeouts are in
 * seconds (fractions allowed, 0 waits forever), as the server takes them.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, integer, optionsSpec } from './check-options.js';
import { checkTimeoutSeconds, checkWord, countedKeys, keyList, valueList } from './arguments.js';
import { define, COUNTED_KEYS, KEYS_THEN_ONE, TWO_KEYS, type BlockSpec, type Key, type Keys, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';

/** An end of a list: LEFT is the head (index 0), RIGHT the tail. */
export type ListSide = 'LEFT' | 'RIGHT';

/** An element popped by blPop/brPop, with the key it came from. */
export interface KeyElement {
  key: string;
  element: string;
}

/** Elements popped by lmPop/blmPop, with the key they came from. */
export interface KeyElements {
  key: string;
  elements: string[];
}

export interface LPosOptions {
  /** Which match to return: 2 skips the first match; negative counts from the tail (RANK); not 0. @default 1 */
  rank?: number;
  /** Compare at most this many elements (MAXLEN). @default 0 (the whole list) */
  maxLen?: number;
}

export interface LmPopOptions {
  /** Pop up to this many elements (COUNT). @default 1 */
  count?: number;
}

const SIDES: readonly ListSide[] = ['LEFT', 'RIGHT'];
const LPOS_OPTIONS = optionsSpec({ rank: (v) => (Number.isSafeInteger(v) && v !== 0 ? undefined : 'a non-zero integer'), maxLen: integer(0) });
const LMPOP_OPTIONS = optionsSpec({ count: integer(1) });

function lPosArgs(method: string, key: Key, element: Value, options: LPosOptions | undefined): Arg[] {
  checkOptions(method, options, LPOS_OPTIONS);
  const out: Arg[] = [key, element];
  if (options?.rank !== undefined) out.push('RANK', options.rank);
  if (options?.maxLen !== undefined) out.push('MAXLEN', options.maxLen);
  return out;
}

function lmPopArgs(method: string, keys: Keys, side: ListSide, options: LmPopOptions | undefined): Arg[] {
  checkOptions(method, options, LMPOP_OPTIONS);
  const out = countedKeys(method, keys);
  out.push(checkWord(method, 'side', side, SIDES));
  if (options?.count !== undefined) out.push('COUNT', options.count);
  return out;
}

/** [key, [element, ...]] or null, alike in RESP2 and RESP3. */
function toKeyElements(r: unknown): KeyElements | null {
  if (r === null) return null;
  const [key, elements] = r as [string, string[]];
  return { key, elements };
}

/** [key, element] or null (timeout), alike in RESP2 and RESP3. */
function toKeyElement(r: unknown): KeyElement | null {
  if (r === null) return null;
  const [key, element] = r as [string, string];
  return { key, element };
}

const push = (method: string) => (key: Key, elements: Value | readonly Value[]) => [key, ...valueList(method, 'element', elements)];
const move = (method: string) => (source: Key, destination: Key, from: ListSide, to: ListSide) => [
  source,
  destination,
  checkWord(method, 'the source side', from, SIDES),
  checkWord(method, 'the destination side', to, SIDES),
];
const popBlocking = (method: string) => (keys: Keys, timeoutSeconds: number) => [...keyList(method, keys), checkTimeoutSeconds(method, timeoutSeconds)];
const BLOCK_LAST_SECONDS: BlockSpec = { at: -1, unit: 's' };

/** List commands. */
export interface ListCommands<K extends Kind> {
  /** LPUSH key element [element ...]: prepends (the last one given ends up first); the new length. */
  lPush(key: Key, elements: Value | readonly Value[]): Out<K, number>;
  /** RPUSH key element [element ...]: appends; the new length. */
  rPush(key: Key, elements: Value | readonly Value[]): Out<K, number>;
  /** LPUSHX key element [element ...]: prepends only if the list exists; the new length, 0 when it does not. */
  lPushX(key: Key, elements: Value | readonly Value[]): Out<K, number>;
  /** RPUSHX key element [element ...]: appends only if the list exists; the new length, 0 when it does not. */
  rPushX(key: Key, elements: Value | readonly Value[]): Out<K, number>;
  /** LPOP key: removes and returns the first element, or null when the key does not exist. */
  lPop(key: Key): Out<K, string | null>;
  /** LPOP key count: removes and returns up to count elements from the head; null when the key does not exist. */
  lPopCount(key: Key, count: number): Out<K, string[] | null>;
  /** RPOP key: removes and returns the last element, or null when the key does not exist. */
  rPop(key: Key): Out<K, string | null>;
  /** RPOP key count: removes and returns up to count elements from the tail (last first); null when the key does not exist. */
  rPopCount(key: Key, count: number): Out<K, string[] | null>;
  /** LRANGE key start stop: elements from start to stop, both inclusive; negative indexes count from the tail. */
  lRange(key: Key, start: number, stop: number): Out<K, string[]>;
  /** LLEN key: the length; 0 when the key does not exist. */
  lLen(key: Key): Out<K, number>;
  /** LINDEX key index: the element at index (negative from the tail), or null when out of range. */
  lIndex(key: Key, index: number): Out<K, string | null>;
  /** LSET key index element: "OK"; rejects with ERR when the index is out of range or the key is missing. */
  lSet(key: Key, index: number, element: Value): Out<K, 'OK'>;
  /** LREM key count element: removes count occurrences (from the tail if negative, all if 0); how many were removed. */
  lRem(key: Key, count: number, element: Value): Out<K, number>;
  /** LTRIM key start stop: keeps only elements start..stop (inclusive); "OK". */
  lTrim(key: Key, start: number, stop: number): Out<K, 'OK'>;
  /** LINSERT key BEFORE|AFTER pivot element: the new length; -1 when pivot is absent, 0 when the key does not exist. */
  lInsert(key: Key, position: 'BEFORE' | 'AFTER', pivot: Value, element: Value): Out<K, number>;
  /** LPOS key element [RANK] [MAXLEN]: the index of the matching element, or null when none matches. */
  lPos(key: Key, element: Value, options?: LPosOptions): Out<K, number | null>;
  /** LPOS key element COUNT count [RANK] [MAXLEN]: indexes of up to count matches (0 = all); empty when none. */
  lPosCount(key: Key, element: Value, count: number, options?: LPosOptions): Out<K, number[]>;
  /** LMOVE source destination LEFT|RIGHT LEFT|RIGHT: the element moved, or null when source does not exist. */
  lMove(source: Key, destination: Key, from: ListSide, to: ListSide): Out<K, string | null>;
  /** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT]: elements popped from the first non-empty list, or null when all are empty. */
  lmPop(keys: Keys, side: ListSide, options?: LmPopOptions): Out<K, KeyElements | null>;
  /** RPOPLPUSH source destination: the element moved, or null when source does not exist. Prefer lMove. */
  rPopLPush(source: Key, destination: Key): Out<K, string | null>;
  /** BLPOP key [key ...] timeout: the first element of the first non-empty list, waiting up to timeoutSeconds (0: forever); null on timeout. If it times out on the client (a server slower than the short grace past timeoutSeconds), an element it popped is lost: see commandTimeoutMs. */
  blPop(keys: Keys, timeoutSeconds: number): Out<K, KeyElement | null>;
  /** BRPOP key [key ...] timeout: like blPop (a client-side timeout included), from the tail. */
  brPop(keys: Keys, timeoutSeconds: number): Out<K, KeyElement | null>;
  /** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: the element moved, or null on timeout. */
  blMove(source: Key, destination: Key, from: ListSide, to: ListSide, timeoutSeconds: number): Out<K, string | null>;
  /** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT]: like lmPop, waiting up to timeout seconds (0: forever); null on timeout. If it times out on the client (a server slower than the short grace past timeoutSeconds), an element it popped is lost: see commandTimeoutMs. */
  blmPop(timeoutSeconds: number, keys: Keys, side: ListSide, options?: LmPopOptions): Out<K, KeyElements | null>;
  /** BRPOPLPUSH source destination timeout: the element moved, or null on timeout. Prefer blMove. */
  brPopLPush(source: Key, destination: Key, timeoutSeconds: number): Out<K, string | null>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const listCommands = (): Definitions<ListCommands<DefinitionKind>> => ({
  lPush: define('LPUSH', { build: push('lPush') }),
  rPush: define('RPUSH', { build: push('rPush') }),
  lPushX: define('LPUSHX', { build: push('lPushX') }),
  rPushX: define('RPUSHX', { build: push('rPushX') }),
  lPop: define('LPOP'),
  lPopCount: define('LPOP', { arity: 2 }),
  rPop: define('RPOP'),
  rPopCount: define('RPOP', { arity: 2 }),
  lRange: define('LRANGE', { arity: 3, readOnly: true }),
  lLen: define('LLEN', { readOnly: true }),
  lIndex: define('LINDEX', { arity: 2, readOnly: true }),
  lSet: define('LSET', { arity: 3 }),
  lRem: define('LREM', { arity: 3 }),
  lTrim: define('LTRIM', { arity: 3 }),
  lInsert: define('LINSERT', {
    build: (key: Key, position: 'BEFORE' | 'AFTER', pivot: Value, element: Value) => [key, checkWord('lInsert', 'position', position, ['BEFORE', 'AFTER']), pivot, element],
  }),
  lPos: define('LPOS', { build: (key: Key, element: Value, options?: LPosOptions) => lPosArgs('lPos', key, element, options), readOnly: true }),
  lPosCount: define('LPOS', {
    build: (key: Key, element: Value, count: number, options?: LPosOptions) => [...lPosArgs('lPosCount', key, element, options), 'COUNT', count],
    readOnly: true,
  }),
  lMove: define('LMOVE', { build: move('lMove'), keys: TWO_KEYS }),
  lmPop: define('LMPOP', {
    build: (keys: Keys, side: ListSide, options?: LmPopOptions) => lmPopArgs('lmPop', keys, side, options),
    transform: toKeyElements,
    keys: COUNTED_KEYS,
  }),
  rPopLPush: define('RPOPLPUSH', { arity: 2, keys: TWO_KEYS }),
  blPop: define('BLPOP', { build: popBlocking('blPop'), transform: toKeyElement, block: BLOCK_LAST_SECONDS, keys: KEYS_THEN_ONE }),
  brPop: define('BRPOP', { build: popBlocking('brPop'), transform: toKeyElement, block: BLOCK_LAST_SECONDS, keys: KEYS_THEN_ONE }),
  blMove: define('BLMOVE', {
    build: (source: Key, destination: Key, from: ListSide, to: ListSide, timeoutSeconds: number) => [
      ...move('blMove')(source, destination, from, to),
      checkTimeoutSeconds('blMove', timeoutSeconds),
    ],
    block: BLOCK_LAST_SECONDS,
    keys: TWO_KEYS,
  }),
  blmPop: define('BLMPOP', {
    build: (timeoutSeconds: number, keys: Keys, side: ListSide, options?: LmPopOptions) => [
      checkTimeoutSeconds('blmPop', timeoutSeconds),
      ...lmPopArgs('blmPop', keys, side, options),
    ],
    transform: toKeyElements,
    block: { at: 0, unit: 's' },
    keys: { index: 1, keyNumIndex: 0, firstKey: 1 },
  }),
  brPopLPush: define('BRPOPLPUSH', {
    build: (source: Key, destination: Key, timeoutSeconds: number) => [source, destination, checkTimeoutSeconds('brPopLPush', timeoutSeconds)],
    block: BLOCK_LAST_SECONDS,
    keys: TWO_KEYS,
  }),
});
