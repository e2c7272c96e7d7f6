// @layer L2 commands
/**
 * Argument helpers shared by the families: the one `Keys` rule, counted key lists, timeouts,
 * score bounds, SCAN and FLUSH arguments. A bad argument throws ArgumentError
 * (ERR_INVALID_ARGUMENT) from `build`, synchronously; `wireArgs` adds the command's name.
 */
import { ArgumentError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { checkOptions, describe, integer, integerText, bytes, optionsSpec, text } from './check-options.js';
import type { Key, Keys, Value } from './define.js';

/** Throws the ArgumentError a method raises for a bad argument. */
export function invalid(method: string, message: string): never {
  throw new ArgumentError(`${method}: ${message}`, 'ERR_INVALID_ARGUMENT');
}

/**
 * The `Keys` rule, for keys and for any list of names or values: one item (a string, a Buffer,
 * a number where values are allowed) or a non-empty array. A string is never split into
 * characters; an empty array is refused here, because the server answers it with "wrong number
 * of arguments", which names neither the method nor the argument. Item types are checked when
 * the command is measured (measureArgs).
 */
export function listOf<T extends Arg>(method: string, what: string, items: T | readonly T[]): T[] {
  if (Array.isArray(items)) {
    if (items.length === 0) invalid(method, `expected at least one ${what}, got an empty array`);
    return items as T[];
  }
  if (typeof items === 'string' || typeof items === 'number' || Buffer.isBuffer(items)) return [items as T];
  return invalid(method, `expected a ${what} or a non-empty array of them, got ${describe(items)}`);
}

/** Keys by the `Keys` rule. */
export function keyList(method: string, keys: Keys): Key[] {
  return listOf<Key>(method, 'key', keys);
}

/** Values by the `Keys` rule (members, elements, fields). */
export function valueList(method: string, what: string, values: Value | readonly Value[]): Value[] {
  return listOf<Value>(method, what, values);
}

/** numkeys followed by the keys, for SINTERCARD, ZUNION, LMPOP and the like. */
export function countedKeys(method: string, keys: Keys): Arg[] {
  const list = keyList(method, keys);
  return [list.length, ...list];
}

/** A blocking timeout as the server takes it: seconds, fractions allowed, 0 = wait forever. */
export function checkTimeoutSeconds(method: string, seconds: number): number {
  // "+inf" or a negative number would come back as "timeout is not a float or out of range".
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    invalid(method, `timeout must be a finite number of seconds >= 0, got ${describe(seconds)}`);
  }
  return seconds;
}

/** An integer argument within bounds. */
export function checkInteger(method: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    invalid(method, `${name} must be ${integerText(min, max)}, got ${describe(value)}`);
  }
  return value as number;
}

/**
 * A score or a score bound: ±Infinity is sent as the server's "+inf" / "-inf" (the encoder
 * refuses non-finite numbers elsewhere, where they would be stored as text); strings such as
 * "(1" pass as given.
 */
export function score(value: number | string): Arg {
  if (value === Infinity) return '+inf';
  if (value === -Infinity) return '-inf';
  return value;
}

/** A record or a list of pairs as [k1, v1, k2, v2, ...]; at least one entry. */
export function flattenEntries(method: string, entries: Record<string, Value> | readonly (readonly [Key, Value])[]): Arg[] {
  const out: Arg[] = [];
  if (Array.isArray(entries)) {
    for (const pair of entries) {
      if (!Array.isArray(pair) || pair.length !== 2) invalid(method, 'expected [key, value] pairs');
      out.push(pair[0] as Key, pair[1] as Value);
    }
  } else if (typeof entries === 'object' && entries !== null && !Buffer.isBuffer(entries)) {
    const record = entries as Record<string, Value>;
    for (const k of Object.keys(record)) out.push(k, record[k]);
  } else {
    invalid(method, `expected a record or an array of [key, value] pairs, got ${describe(entries)}`);
  }
  if (out.length === 0) invalid(method, 'expected at least one entry');
  return out;
}

/** Options of SCAN and its iterator. */
export interface ScanOptions {
  /** Only keys matching this glob-style pattern (MATCH). @default every key */
  match?: string | Buffer;
  /** Hint of how many keys per call (COUNT). @default server default (10) */
  count?: number;
  /** Only keys of this type (TYPE), e.g. "string", "hash", "stream". @default every type */
  type?: string;
}

/** Options of HSCAN, SSCAN, ZSCAN and their iterators. */
export type KeyScanOptions = Omit<ScanOptions, 'type'>;

const SCAN_OPTIONS = optionsSpec({ match: bytes, count: integer(1), type: text });
const KEY_SCAN_OPTIONS = optionsSpec({ match: bytes, count: integer(1) });

/** Checks SCAN options (also for the iterators, before their first step). */
export function checkScanOptions(method: string, options: ScanOptions | undefined, withType: boolean): void {
  checkOptions(method, options, withType ? SCAN_OPTIONS : KEY_SCAN_OPTIONS);
}

/** A SCAN cursor: the previous reply's cursor, or 0 to start. */
function checkCursor(method: string, cursor: unknown): Arg {
  if (typeof cursor === 'string' || (typeof cursor === 'number' && Number.isSafeInteger(cursor) && cursor >= 0)) return cursor;
  return invalid(method, `cursor must be a string or an integer >= 0, got ${describe(cursor)}`);
}

/** SCAN arguments: cursor [MATCH pattern] [COUNT n] [TYPE type]. */
export function scanArgs(method: string, cursor: string | number, options: ScanOptions | undefined): Arg[] {
  checkScanOptions(method, options, true);
  const out: Arg[] = [checkCursor(method, cursor)];
  if (options?.match !== undefined) out.push('MATCH', options.match);
  if (options?.count !== undefined) out.push('COUNT', options.count);
  if (options?.type !== undefined) out.push('TYPE', options.type);
  return out;
}

/** HSCAN / SSCAN / ZSCAN arguments: key, cursor, [MATCH pattern] [COUNT n]. */
export function keyScanArgs(method: string, key: Key, cursor: string | number, options: KeyScanOptions | undefined): Arg[] {
  checkScanOptions(method, options, false);
  const out: Arg[] = [key, checkCursor(method, cursor)];
  if (options?.match !== undefined) out.push('MATCH', options.match);
  if (options?.count !== undefined) out.push('COUNT', options.count);
  return out;
}

/** ASYNC frees memory in a background thread; SYNC before replying. @default the server's lazyfree-lazy-user-flush */
export type FlushMode = 'ASYNC' | 'SYNC';

/** ASYNC or SYNC for the FLUSH commands (FLUSHDB, FLUSHALL, SCRIPT FLUSH, FUNCTION FLUSH). */
export function flushArgs(method: string, mode: FlushMode | undefined): Arg[] {
  if (mode === undefined) return [];
  if (mode !== 'ASYNC' && mode !== 'SYNC') invalid(method, 'mode must be "ASYNC" or "SYNC"');
  return [mode];
}

/** A word among a few (a positional enum like LEFT|RIGHT), refused otherwise rather than sent. */
export function checkWord<T extends string>(method: string, name: string, value: unknown, words: readonly T[]): T {
  if (typeof value !== 'string' || !(words as readonly string[]).includes(value)) invalid(method, `${name} must be ${words.map((w) => `"${w}"`).join(' or ')}, got ${describe(value)}`);
  return value as T;
}
