// @layer L2 commands
/** Hash commands. */
import { keyScanArgs, listOf, flattenEntries, type KeyScanOptions } from './arguments.js';
import { define, type Key, type Keys, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toBoolean, toNumber, toPairs, toRecord } from './replies.js';
import type { Entries } from './strings.js';

/** One HSCAN step. */
export interface HScanReply {
  cursor: ServerText;
  entries: [field: string, value: string][];
}

const fields = (method: string) => (key: Key, names: Keys) => [key, ...listOf(method, 'field', names)];
const asText = (v: unknown): string => v as string;

/** Hash commands. */
export interface HashCommands<K extends Kind> {
  /** HSET key field value [field value ...] from a record or a list of pairs: how many fields were added (not updated). */
  hSet(key: Key, entries: Entries): Out<K, number>;
  /** HMSET key field value [...]: like hSet, replying "OK" (deprecated by the server: prefer hSet). */
  hMSet(key: Key, entries: Entries): Out<K, 'OK'>;
  /** HSETNX key field value: true when the field was set (it did not exist). */
  hSetNX(key: Key, field: Key, value: Value): Out<K, boolean>;
  /** HGET key field: the value, or null when the field or the key does not exist. */
  hGet(key: Key, field: Key): Out<K, string | null>;
  /** HMGET key field [field ...]: values in field order, null for missing fields. */
  hMGet(key: Key, fields: Keys): Out<K, (string | null)[]>;
  /** HGETALL key: every field and value as a prototype-free record; empty when the key does not exist. */
  hGetAll(key: Key): Out<K, Record<string, string>>;
  /** HDEL key field [field ...]: how many fields were removed. */
  hDel(key: Key, fields: Keys): Out<K, number>;
  /** HEXISTS key field: true when the field exists. */
  hExists(key: Key, field: Key): Out<K, boolean>;
  /** HLEN key: the number of fields; 0 when the key does not exist. */
  hLen(key: Key): Out<K, number>;
  /** HKEYS key: every field name. */
  hKeys(key: Key): Out<K, string[]>;
  /** HVALS key: every value. */
  hVals(key: Key): Out<K, string[]>;
  /** HINCRBY key field increment: the new integer value. */
  hIncrBy(key: Key, field: Key, increment: number): Out<K, number>;
  /** HINCRBYFLOAT key field increment: the new value as a number (the server replies with text). */
  hIncrByFloat(key: Key, field: Key, increment: number): Out<K, number>;
  /** HSTRLEN key field: the length of the value in bytes; 0 when missing. */
  hStrLen(key: Key, field: Key): Out<K, number>;
  /** HRANDFIELD key: one random field, or null when the key does not exist. */
  hRandField(key: Key): Out<K, string | null>;
  /**
   * HRANDFIELD key count: distinct random fields (at most the hash's size); a negative count
   * allows repeats and always returns |count| fields. Empty when the key does not exist.
   */
  hRandFieldCount(key: Key, count: number): Out<K, string[]>;
  /**
   * HRANDFIELD key count WITHVALUES: random [field, value] pairs, counted as in hRandFieldCount.
   * Pairs rather than a record because a negative count may repeat a field.
   */
  hRandFieldWithValues(key: Key, count: number): Out<K, [field: string, value: string][]>;
  /** HSCAN key cursor [MATCH pattern] [COUNT n]: one step; see hScanIterator for the loop. */
  hScan(key: Key, cursor: string | number, options?: KeyScanOptions): Out<K, HScanReply>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const hashCommands = (): Definitions<HashCommands<DefinitionKind>> => ({
  hSet: define('HSET', { build: (key: Key, entries: Entries) => [key, ...flattenEntries('hSet', entries)] }),
  hMSet: define('HMSET', { build: (key: Key, entries: Entries) => [key, ...flattenEntries('hMSet', entries)] }),
  hSetNX: define('HSETNX', { arity: 3, transform: toBoolean }),
  hGet: define('HGET', { arity: 2, readOnly: true }),
  hMGet: define('HMGET', { build: fields('hMGet'), readOnly: true }),
  // RESP2 sends a flat [field, value, ...] array, RESP3 a map: toRecord reads both.
  hGetAll: define('HGETALL', { transform: (r) => toRecord(r, asText), readOnly: true }),
  hDel: define('HDEL', { build: fields('hDel') }),
  hExists: define('HEXISTS', { arity: 2, transform: toBoolean, readOnly: true }),
  hLen: define('HLEN', { readOnly: true }),
  hKeys: define('HKEYS', { readOnly: true }),
  hVals: define('HVALS', { readOnly: true }),
  hIncrBy: define('HINCRBY', { arity: 3 }),
  hIncrByFloat: define('HINCRBYFLOAT', { arity: 3, transform: toNumber }),
  hStrLen: define('HSTRLEN', { arity: 2, readOnly: true }),
  hRandField: define('HRANDFIELD', { readOnly: true }),
  hRandFieldCount: define('HRANDFIELD', { arity: 2, readOnly: true }),
  // RESP2: flat [f, v, f, v]; RESP3: [[f, v], ...].
  hRandFieldWithValues: define('HRANDFIELD', {
    build: (key: Key, count: number) => [key, count, 'WITHVALUES'],
    transform: (r) => toPairs(r, asText, asText),
    readOnly: true,
  }),
  hScan: define('HSCAN', {
    build: (key: Key, cursor: string | number, options?: KeyScanOptions) => keyScanArgs('hScan', key, cursor, options),
    transform: (r): HScanReply => {
      const [cursor, flat] = r as [unknown, string[]];
      const entries: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
      return { cursor: asString(cursor), entries };
    },
    readOnly: true,
  }),
});
