// @layer L2 commands
/** String and counter commands. */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, integer, oneOf, boolean, optionsSpec } from './check-options.js';
import { flattenEntries, keyList } from './arguments.js';
import { define, EVERY_KEY, TWO_KEYS, type Key, type Keys, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { toNumber, toOkOrNull, toBoolean } from './replies.js';

/** Expiry for SET and GETEX; give at most one. */
export interface ExpiryOptions {
  /** Expire after this many seconds (EX); an integer >= 1. */
  expireSeconds?: number;
  /** Expire after this many milliseconds (PX); an integer >= 1. */
  expireMs?: number;
  /** Expire at this Unix time in seconds (EXAT). */
  expireAtSeconds?: number;
  /** Expire at this Unix time in milliseconds (PXAT). */
  expireAtMs?: number;
}

export interface SetOptions extends ExpiryOptions {
  /** Keep the key's existing TTL (KEEPTTL); not with an expiry. @default false */
  keepTtl?: boolean;
  /** Only set if the key does not exist (NX) or only if it exists (XX). @default always set */
  condition?: 'NX' | 'XX';
}

export interface GetExOptions extends ExpiryOptions {
  /** Remove the TTL (PERSIST); not with an expiry. @default false */
  persist?: boolean;
}

/** Key-value entries for MSET and HSET: a record, or a list of [key, value] pairs (keys may be Buffers). */
export type Entries = Record<string, Value> | readonly (readonly [Key, Value])[];

const EXPIRY = ['expireSeconds', 'expireMs', 'expireAtSeconds', 'expireAtMs'] as const;
const expiryChecks = { expireSeconds: integer(1), expireMs: integer(1), expireAtSeconds: integer(1), expireAtMs: integer(1) };
const SET_OPTIONS = optionsSpec({ ...expiryChecks, keepTtl: boolean, condition: oneOf('NX', 'XX') }, [[...EXPIRY, 'keepTtl']]);
const GETEX_OPTIONS = optionsSpec({ ...expiryChecks, persist: boolean }, [[...EXPIRY, 'persist']]);

function pushExpiry(out: Arg[], o: ExpiryOptions): void {
  if (o.expireSeconds !== undefined) out.push('EX', o.expireSeconds);
  else if (o.expireMs !== undefined) out.push('PX', o.expireMs);
  else if (o.expireAtSeconds !== undefined) out.push('EXAT', o.expireAtSeconds);
  else if (o.expireAtMs !== undefined) out.push('PXAT', o.expireAtMs);
}

function setArgs(method: string, key: Key, value: Value, options: SetOptions | undefined): Arg[] {
  if (options === undefined) return [key, value];
  checkOptions(method, options, SET_OPTIONS);
  const out: Arg[] = [key, value];
  pushExpiry(out, options);
  if (options.keepTtl) out.push('KEEPTTL');
  if (options.condition !== undefined) out.push(options.condition);
  return out;
}

/** String and counter commands. */
export interface StringCommands<K extends Kind> {
  /** GET key: the value, or null when the key does not exist. */
  get(key: Key): Out<K, string | null>;
  /**
   * SET key value [EX|PX|EXAT|PXAT n | KEEPTTL] [NX|XX]: "OK", or null when the condition
   * prevented the write. Unknown options and two expiries at once are refused
   * (ERR_INVALID_OPTION): `{ EX: 10 }` is `{ expireSeconds: 10 }` here.
   */
  set(key: Key, value: Value, options?: SetOptions): Out<K, 'OK' | null>;
  /** SET ... GET: sets and returns the previous value (null if none). */
  setGet(key: Key, value: Value, options?: SetOptions): Out<K, string | null>;
  /** SETNX key value: true when the key was set. Prefer set() with `condition: 'NX'`. */
  setNX(key: Key, value: Value): Out<K, boolean>;
  /** SETEX key seconds value: sets with a TTL. Prefer set() with `expireSeconds`. */
  setEx(key: Key, seconds: number, value: Value): Out<K, 'OK'>;
  /** PSETEX key milliseconds value: sets with a TTL in ms. Prefer set() with `expireMs`. */
  pSetEx(key: Key, ms: number, value: Value): Out<K, 'OK'>;
  /** GETDEL key: the value, deleting the key; null when it did not exist. */
  getDel(key: Key): Out<K, string | null>;
  /** GETEX key [EX|PX|EXAT|PXAT n | PERSIST]: the value, changing its TTL; null when the key does not exist. */
  getEx(key: Key, options?: GetExOptions): Out<K, string | null>;
  /** GETSET key value: sets and returns the previous value. Deprecated by the server: prefer setGet(). */
  getSet(key: Key, value: Value): Out<K, string | null>;
  /** GETRANGE key start end: the substring (inclusive, negative from the end). */
  getRange(key: Key, start: number, end: number): Out<K, string>;
  /** SUBSTR key start end: the older name of GETRANGE. */
  substr(key: Key, start: number, end: number): Out<K, string>;
  /** SETRANGE key offset value: overwrites from offset (zero-padding as needed); the new length. */
  setRange(key: Key, offset: number, value: Value): Out<K, number>;
  /** MGET key [key ...]: values in key order, null for missing keys. */
  mGet(keys: Keys): Out<K, (string | null)[]>;
  /** MSET key value [key value ...] from a record or a list of pairs. */
  mSet(entries: Entries): Out<K, 'OK'>;
  /** MSETNX key value [key value ...]: true when every key was set (none existed), false when none was. */
  mSetNX(entries: Entries): Out<K, boolean>;
  /** APPEND key value: the new length. */
  append(key: Key, value: Value): Out<K, number>;
  /** STRLEN key: the length of the value in bytes; 0 when the key does not exist. */
  strLen(key: Key): Out<K, number>;
  /** INCR key: the new value. */
  incr(key: Key): Out<K, number>;
  /** INCRBY key increment: the new value. */
  incrBy(key: Key, increment: number): Out<K, number>;
  /** INCRBYFLOAT key increment: the new value as a number. */
  incrByFloat(key: Key, increment: number): Out<K, number>;
  /** DECR key: the new value. */
  decr(key: Key): Out<K, number>;
  /** DECRBY key decrement: the new value. */
  decrBy(key: Key, decrement: number): Out<K, number>;
  /** LCS key1 key2: the longest common subsequence of two strings. */
  lcs(key1: Key, key2: Key): Out<K, string>;
  /** LCS key1 key2 LEN: the length of the longest common subsequence. */
  lcsLen(key1: Key, key2: Key): Out<K, number>;
}


/** The family's definitions, built on first use (see commands/table.ts). */
export const stringCommands = (): Definitions<StringCommands<DefinitionKind>> => ({
  get: define('GET', { readOnly: true }),
  set: define('SET', { build: (key: Key, value: Value, options?: SetOptions) => setArgs('set', key, value, options), transform: toOkOrNull }),
  setGet: define('SET', { build: (key: Key, value: Value, options?: SetOptions) => [...setArgs('setGet', key, value, options), 'GET'] }),
  setNX: define('SETNX', { arity: 2, transform: toBoolean }),
  setEx: define('SETEX', { arity: 3 }),
  pSetEx: define('PSETEX', { arity: 3 }),
  getDel: define('GETDEL'),
  getEx: define('GETEX', {
    build: (key: Key, options?: GetExOptions) => {
      if (options === undefined) return [key];
      checkOptions('getEx', options, GETEX_OPTIONS);
      const out: Arg[] = [key];
      pushExpiry(out, options);
      if (options.persist) out.push('PERSIST');
      return out;
    },
  }),
  getSet: define('GETSET', { arity: 2 }),
  getRange: define('GETRANGE', { arity: 3, readOnly: true }),
  substr: define('SUBSTR', { arity: 3, readOnly: true }),
  setRange: define('SETRANGE', { arity: 3 }),
  mGet: define('MGET', { build: (keys: Keys) => keyList('mGet', keys), readOnly: true, keys: EVERY_KEY }),
  mSet: define('MSET', { build: (entries: Entries) => flattenEntries('mSet', entries), keys: { index: 0, lastKey: -1, keyStep: 2 } }),
  mSetNX: define('MSETNX', { build: (entries: Entries) => flattenEntries('mSetNX', entries), transform: toBoolean, keys: { index: 0, lastKey: -1, keyStep: 2 } }),
  append: define('APPEND', { arity: 2 }),
  strLen: define('STRLEN', { readOnly: true }),
  incr: define('INCR'),
  incrBy: define('INCRBY', { arity: 2 }),
  incrByFloat: define('INCRBYFLOAT', { arity: 2, transform: toNumber }),
  decr: define('DECR'),
  decrBy: define('DECRBY', { arity: 2 }),
  lcs: define('LCS', { arity: 2, readOnly: true, keys: TWO_KEYS }),
  lcsLen: define('LCS', { build: (key1: Key, key2: Key) => [key1, key2, 'LEN'], readOnly: true, keys: TWO_KEYS }),
});
