/** String and counter commands. */
import type { Arg } from '../resp/encoder.js';
import { define, toNumber, type Key, type Value } from './define.js';

/** Expiry for SET and GETEX; give at most one. */
export interface ExpiryOptions {
  /** Expire after this many seconds (EX). */
  expireSeconds?: number;
  /** Expire after this many milliseconds (PX). */
  expireMs?: number;
  /** Expire at this Unix time in seconds (EXAT). */
  expireAtSeconds?: number;
  /** Expire at this Unix time in milliseconds (PXAT). */
  expireAtMs?: number;
}

export interface SetOptions extends ExpiryOptions {
  /** Keep the key's existing TTL (KEEPTTL). */
  keepTtl?: boolean;
  /** Only set if the key does not exist (NX) or only if it exists (XX). */
  condition?: 'NX' | 'XX';
}

export interface GetExOptions extends ExpiryOptions {
  /** Remove the TTL (PERSIST). */
  persist?: boolean;
}

function pushExpiry(out: Arg[], o: ExpiryOptions): void {
  if (o.expireSeconds !== undefined) out.push('EX', o.expireSeconds);
  else if (o.expireMs !== undefined) out.push('PX', o.expireMs);
  else if (o.expireAtSeconds !== undefined) out.push('EXAT', o.expireAtSeconds);
  else if (o.expireAtMs !== undefined) out.push('PXAT', o.expireAtMs);
}

function setArgs(key: Key, value: Value, options?: SetOptions): Arg[] {
  const out: Arg[] = [key, value];
  if (options === undefined) return out;
  pushExpiry(out, options);
  if (options.keepTtl) out.push('KEEPTTL');
  if (options.condition !== undefined) out.push(options.condition);
  return out;
}

const okOrNull = (r: unknown): 'OK' | null => (r === null ? null : 'OK');

/** The family's definitions, built on first use (see commands/index.ts). */
export const stringCommands = () => ({
  /** GET key: the value, or null when the key does not exist. */
  get: define<[key: Key], string | null>('GET', { readOnly: true }),
  /** SET key value [expiry] [KEEPTTL] [NX|XX]: "OK", or null when NX/XX prevented the write. */
  set: define('SET', { build: setArgs, transform: okOrNull }),
  /** SET ... GET: sets and returns the previous value (null if none). */
  setGet: define('SET', {
    build: (key: Key, value: Value, options?: SetOptions) => [...setArgs(key, value, options), 'GET'],
    transform: (r): string | null => r as string | null,
  }),
  /** SETNX key value: true when the key was set. */
  setNX: define('SETNX', { build: (key: Key, value: Value) => [key, value], transform: (r) => r === 1 }),
  /** SETEX key seconds value. */
  setEx: define('SETEX', { build: (key: Key, seconds: number, value: Value) => [key, seconds, value], transform: okOrNull }),
  /** PSETEX key milliseconds value. */
  pSetEx: define('PSETEX', { build: (key: Key, ms: number, value: Value) => [key, ms, value], transform: okOrNull }),
  /** GETDEL key: the value, deleting the key. */
  getDel: define<[key: Key], string | null>('GETDEL'),
  /** GETEX key [expiry|PERSIST]: the value, changing its TTL. */
  getEx: define('GETEX', {
    build: (key: Key, options?: GetExOptions) => {
      const out: Arg[] = [key];
      if (options !== undefined) {
        pushExpiry(out, options);
        if (options.persist) out.push('PERSIST');
      }
      return out;
    },
    transform: (r): string | null => r as string | null,
  }),
  /** GETRANGE key start end (inclusive, negative from the end). */
  getRange: define<[key: Key, start: number, end: number], string>('GETRANGE', { readOnly: true }),
  /** SETRANGE key offset value: the new length. */
  setRange: define<[key: Key, offset: number, value: Value], number>('SETRANGE'),
  /** MGET key [key ...]: values in key order, null for missing keys. */
  mGet: define('MGET', { build: (keys: Key[]) => keys, readOnly: true, transform: (r): (string | null)[] => r as (string | null)[] }),
  /** MSET key value [key value ...] from a record or a list of pairs. */
  mSet: define('MSET', { build: (entries: Record<string, Value> | [Key, Value][]) => flattenEntries(entries), transform: (): 'OK' => 'OK' }),
  /** MSETNX: true when every key was set (none existed). */
  mSetNX: define('MSETNX', { build: (entries: Record<string, Value> | [Key, Value][]) => flattenEntries(entries), transform: (r) => r === 1 }),
  /** APPEND key value: the new length. */
  append: define<[key: Key, value: Value], number>('APPEND'),
  /** STRLEN key. */
  strLen: define<[key: Key], number>('STRLEN', { readOnly: true }),
  /** INCR key: the new value. */
  incr: define<[key: Key], number>('INCR'),
  /** INCRBY key increment. */
  incrBy: define<[key: Key, increment: number], number>('INCRBY'),
  /** INCRBYFLOAT key increment: the new value as a number. */
  incrByFloat: define('INCRBYFLOAT', { build: (key: Key, increment: number) => [key, increment], transform: toNumber }),
  /** DECR key. */
  decr: define<[key: Key], number>('DECR'),
  /** DECRBY key decrement. */
  decrBy: define<[key: Key, decrement: number], number>('DECRBY'),
  /** LCS key1 key2: the longest common subsequence. */
  lcs: define<[key1: Key, key2: Key], string>('LCS', { readOnly: true }),
});

/** Flattens a record or a list of pairs into [k1, v1, k2, v2, ...]. */
export function flattenEntries(entries: Record<string, Value> | [Key, Value][]): Arg[] {
  const out: Arg[] = [];
  if (Array.isArray(entries)) for (const [k, v] of entries) out.push(k, v);
  else for (const k of Object.keys(entries)) out.push(k, entries[k]);
  return out;
}
