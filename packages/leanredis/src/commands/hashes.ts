/** Hash commands. */
import { ArgumentError } from '../errors.js';
import { define, asString, toBoolean, toNumber, toPairs, toRecord, listOf, type Key, type Value, type ServerText } from './define.js';
import { keyScanArgs } from './keys.js';
import { flattenEntries } from './strings.js';

/** One HSCAN step. */
export interface HScanReply {
  cursor: ServerText;
  entries: [field: string, value: string][];
}

const asIs = (v: unknown): string => v as string;

/** The family's definitions, built on first use (see commands/index.ts). */
export const hashCommands = () => ({
  /** HSET key field value [field value ...] from a record or a list of pairs: how many fields were added (not updated). */
  hSet: define('HSET', {
    build: (key: Key, entries: Record<string, Value> | [field: Key, value: Value][]) => {
      const flat = flattenEntries(entries);
      if (flat.length === 0) throw new ArgumentError('hSet: expected at least one field and value', 'ERR_INVALID_ARGUMENT');
      return [key, ...flat];
    },
    transform: (r) => r as number,
  }),
  /** HSETNX key field value: true when the field was set (it did not exist). */
  hSetNX: define('HSETNX', { build: (key: Key, field: Key, value: Value) => [key, field, value], transform: toBoolean }),
  /** HGET key field: the value, or null when the field or the key does not exist. */
  hGet: define<[key: Key, field: Key], string | null>('HGET', { readOnly: true }),
  /** HMGET key field [field ...]: values in field order, null for missing fields. */
  hMGet: define('HMGET', {
    build: (key: Key, fields: Key | Key[]) => [key, ...listOf('hMGet', 'field', fields)],
    transform: (r) => r as (string | null)[],
    readOnly: true,
  }),
  /** HGETALL key: every field and value as a prototype-free record; empty when the key does not exist. */
  hGetAll: define('HGETALL', {
    build: (key: Key) => [key],
    // RESP2 sends a flat [field, value, ...] array, RESP3 a map: toRecord reads both.
    transform: (r): Record<string, string> => toRecord(r, asIs),
    readOnly: true,
  }),
  /** HDEL key field [field ...]: how many fields were removed. */
  hDel: define('HDEL', { build: (key: Key, fields: Key | Key[]) => [key, ...listOf('hDel', 'field', fields)], transform: (r) => r as number }),
  /** HEXISTS key field: true when the field exists. */
  hExists: define('HEXISTS', { build: (key: Key, field: Key) => [key, field], transform: toBoolean, readOnly: true }),
  /** HLEN key: the number of fields; 0 when the key does not exist. */
  hLen: define<[key: Key], number>('HLEN', { readOnly: true }),
  /** HKEYS key: every field name. */
  hKeys: define<[key: Key], string[]>('HKEYS', { readOnly: true }),
  /** HVALS key: every value. */
  hVals: define<[key: Key], string[]>('HVALS', { readOnly: true }),
  /** HINCRBY key field increment: the new integer value. */
  hIncrBy: define<[key: Key, field: Key, increment: number], number>('HINCRBY'),
  /** HINCRBYFLOAT key field increment: the new value as a number (the server replies with text). */
  hIncrByFloat: define('HINCRBYFLOAT', { build: (key: Key, field: Key, increment: number) => [key, field, increment], transform: toNumber }),
  /** HSTRLEN key field: the length of the value in bytes; 0 when missing. */
  hStrLen: define<[key: Key, field: Key], number>('HSTRLEN', { readOnly: true }),
  /** HRANDFIELD key: one random field, or null when the key does not exist. */
  hRandField: define<[key: Key], string | null>('HRANDFIELD', { readOnly: true }),
  /**
   * HRANDFIELD key count: distinct random fields (at most the hash's size); a negative count
   * allows repeats and always returns |count| fields. Empty when the key does not exist.
   */
  hRandFieldCount: define('HRANDFIELD', { build: (key: Key, count: number) => [key, count], transform: (r) => r as string[], readOnly: true }),
  /**
   * HRANDFIELD key count WITHVALUES: random [field, value] pairs, counted as in hRandFieldCount.
   * Pairs rather than a record because a negative count may repeat a field.
   */
  hRandFieldWithValues: define('HRANDFIELD', {
    build: (key: Key, count: number) => [key, count, 'WITHVALUES'],
    // RESP2: flat [f, v, f, v]; RESP3: [[f, v], ...].
    transform: (r): [field: string, value: string][] => toPairs(r, asIs, asIs),
    readOnly: true,
  }),
  /** HSCAN key cursor [MATCH] [COUNT]: one step; see hScanIterator for the loop. */
  hScan: define('HSCAN', {
    build: keyScanArgs,
    transform: (r): HScanReply => {
      const [cursor, flat] = r as [unknown, string[]];
      const entries: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
      return { cursor: asString(cursor), entries };
    },
    readOnly: true,
  }),
});
