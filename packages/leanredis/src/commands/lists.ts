/**
 * List commands, non-blocking and blocking. Blocking commands (blPop, blMove, blmPop...) are
 * flagged so executors can keep them off the shared connection; their timeouts are in seconds
 * (fractions allowed, 0 waits forever), as the server takes them.
 */
import { ArgumentError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { define, toOk, countedKeys, listOf, type Key, type Value } from './define.js';

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
  /** Which match to return: 2 skips the first match; negative counts from the tail (RANK). @default 1 */
  rank?: number;
  /** Compare at most this many elements (MAXLEN). @default 0 (the whole list) */
  maxLen?: number;
}

export interface LmPopOptions {
  /** Pop up to this many elements (COUNT). @default 1 */
  count?: number;
}

/** A blocking timeout as the server takes it: seconds, fractions allowed, 0 = wait forever. */
export function checkTimeoutSeconds(method: string, seconds: number): number {
  // "+inf" or a negative number would come back as "timeout is not a float or out of range".
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new ArgumentError(`${method}: timeout must be a finite number of seconds >= 0, got ${String(seconds)}`, 'ERR_INVALID_ARGUMENT');
  }
  return seconds;
}

function lPosArgs(key: Key, element: Value, options: LPosOptions | undefined): Arg[] {
  const out: Arg[] = [key, element];
  if (options?.rank !== undefined) out.push('RANK', options.rank);
  if (options?.maxLen !== undefined) out.push('MAXLEN', options.maxLen);
  return out;
}

function lmPopArgs(method: string, keys: Key | Key[], side: ListSide, options: LmPopOptions | undefined): Arg[] {
  const out = countedKeys(method, keys);
  out.push(side);
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

const push = (method: string) => (key: Key, elements: Value | Value[]) => [key, ...listOf(method, 'element', elements)];
const asNumber = (r: unknown): number => r as number;

/** The family's definitions, built on first use (see commands/index.ts). */
export const listCommands = () => ({
  /** LPUSH key element [element ...]: prepends (the last one given ends up first); the new length. */
  lPush: define('LPUSH', { build: push('lPush'), transform: asNumber }),
  /** RPUSH key element [element ...]: appends; the new length. */
  rPush: define('RPUSH', { build: push('rPush'), transform: asNumber }),
  /** LPUSHX key element [element ...]: prepends only if the list exists; the new length, 0 when it does not. */
  lPushX: define('LPUSHX', { build: push('lPushX'), transform: asNumber }),
  /** RPUSHX key element [element ...]: appends only if the list exists; the new length, 0 when it does not. */
  rPushX: define('RPUSHX', { build: push('rPushX'), transform: asNumber }),
  /** LPOP key: removes and returns the first element, or null when the key does not exist. */
  lPop: define<[key: Key], string | null>('LPOP'),
  /** LPOP key count: removes and returns up to count elements from the head; null when the key does not exist. */
  lPopCount: define('LPOP', { build: (key: Key, count: number) => [key, count], transform: (r) => r as string[] | null }),
  /** RPOP key: removes and returns the last element, or null when the key does not exist. */
  rPop: define<[key: Key], string | null>('RPOP'),
  /** RPOP key count: removes and returns up to count elements from the tail (last first); null when the key does not exist. */
  rPopCount: define('RPOP', { build: (key: Key, count: number) => [key, count], transform: (r) => r as string[] | null }),
  /** LRANGE key start stop: elements from start to stop, both inclusive; negative indexes count from the tail. */
  lRange: define<[key: Key, start: number, stop: number], string[]>('LRANGE', { readOnly: true }),
  /** LLEN key: the length; 0 when the key does not exist. */
  lLen: define<[key: Key], number>('LLEN', { readOnly: true }),
  /** LINDEX key index: the element at index (negative from the tail), or null when out of range. */
  lIndex: define<[key: Key, index: number], string | null>('LINDEX', { readOnly: true }),
  /** LSET key index element: "OK"; rejects with ERR when the index is out of range or the key is missing. */
  lSet: define('LSET', { build: (key: Key, index: number, element: Value) => [key, index, element], transform: toOk }),
  /** LREM key count element: removes count occurrences (from the tail if negative, all if 0); how many were removed. */
  lRem: define('LREM', { build: (key: Key, count: number, element: Value) => [key, count, element], transform: asNumber }),
  /** LTRIM key start stop: keeps only elements start..stop (inclusive); "OK". */
  lTrim: define('LTRIM', { build: (key: Key, start: number, stop: number) => [key, start, stop], transform: toOk }),
  /** LINSERT key BEFORE|AFTER pivot element: the new length; -1 when pivot is absent, 0 when the key does not exist. */
  lInsert: define('LINSERT', {
    build: (key: Key, position: 'BEFORE' | 'AFTER', pivot: Value, element: Value) => [key, position, pivot, element],
    transform: asNumber,
  }),
  /** LPOS key element [RANK] [MAXLEN]: the index of the matching element, or null when none matches. */
  lPos: define('LPOS', {
    build: (key: Key, element: Value, options?: LPosOptions) => lPosArgs(key, element, options),
    transform: (r) => r as number | null,
    readOnly: true,
  }),
  /** LPOS key element COUNT count [RANK] [MAXLEN]: indexes of up to count matches (0 = all); empty when none. */
  lPosCount: define('LPOS', {
    build: (key: Key, element: Value, count: number, options?: LPosOptions) => [...lPosArgs(key, element, options), 'COUNT', count],
    transform: (r) => r as number[],
    readOnly: true,
  }),
  /** LMOVE source destination LEFT|RIGHT LEFT|RIGHT: the element moved, or null when source does not exist. */
  lMove: define('LMOVE', {
    build: (source: Key, destination: Key, from: ListSide, to: ListSide) => [source, destination, from, to],
    transform: (r) => r as string | null,
  }),
  /** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT]: elements popped from the first non-empty list, or null when all are empty. */
  lmPop: define('LMPOP', {
    build: (keys: Key | Key[], side: ListSide, options?: LmPopOptions) => lmPopArgs('lmPop', keys, side, options),
    transform: toKeyElements,
    firstKey: 1,
  }),
  /** RPOPLPUSH source destination: the element moved, or null when source does not exist. Prefer lMove. */
  rPopLPush: define('RPOPLPUSH', { build: (source: Key, destination: Key) => [source, destination], transform: (r) => r as string | null }),
  /** BLPOP key [key ...] timeout: the first element of the first non-empty list, waiting up to timeoutSeconds; null on timeout. */
  blPop: define('BLPOP', {
    build: (keys: Key | Key[], timeoutSeconds: number) => [...listOf('blPop', 'key', keys), checkTimeoutSeconds('blPop', timeoutSeconds)],
    transform: toKeyElement,
    blocking: true,
  }),
  /** BRPOP key [key ...] timeout: like blPop, from the tail. */
  brPop: define('BRPOP', {
    build: (keys: Key | Key[], timeoutSeconds: number) => [...listOf('brPop', 'key', keys), checkTimeoutSeconds('brPop', timeoutSeconds)],
    transform: toKeyElement,
    blocking: true,
  }),
  /** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: the element moved, or null on timeout. */
  blMove: define('BLMOVE', {
    build: (source: Key, destination: Key, from: ListSide, to: ListSide, timeoutSeconds: number) => [
      source,
      destination,
      from,
      to,
      checkTimeoutSeconds('blMove', timeoutSeconds),
    ],
    transform: (r) => r as string | null,
    blocking: true,
  }),
  /** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT]: like lmPop, waiting up to timeout seconds; null on timeout. */
  blmPop: define('BLMPOP', {
    build: (timeoutSeconds: number, keys: Key | Key[], side: ListSide, options?: LmPopOptions) => [
      checkTimeoutSeconds('blmPop', timeoutSeconds),
      ...lmPopArgs('blmPop', keys, side, options),
    ],
    transform: toKeyElements,
    blocking: true,
    firstKey: 2,
  }),
  /** BRPOPLPUSH source destination timeout: the element moved, or null on timeout. Prefer blMove. */
  brPopLPush: define('BRPOPLPUSH', {
    build: (source: Key, destination: Key, timeoutSeconds: number) => [source, destination, checkTimeoutSeconds('brPopLPush', timeoutSeconds)],
    transform: (r) => r as string | null,
    blocking: true,
  }),
});
