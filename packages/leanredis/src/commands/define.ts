/**
 * Commands are data: a name, how to build the wire arguments from the method's arguments, how
 * to read the reply, and flags. Every executor (client, lease, pipeline, transaction) installs
 * the same table and sends through one funnel, so a command is defined exactly once.
 *
 * Transforms are written against the reply's shape, not the protocol: they accept the RESP2
 * form (flat arrays, bulk-string numbers) and the RESP3 form (maps, doubles) alike, so typed
 * results are identical under both protocols.
 */
import { ArgumentError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { encodeName } from '../resp/encoder.js';

declare const SERVER_TEXT: unique symbol;

/**
 * Text the server produces about itself (status words, types, cursors, SHA digests, INFO
 * fields): always a string, even on a `returnBuffers` client, whose other string replies are
 * Buffers. Use it as a string; the brand only steers the reply types.
 */
export type ServerText = string & { readonly [SERVER_TEXT]: true };

/** A key: a string or raw bytes. */
export type Key = string | Buffer;
/** A value: strings and Buffers are sent as is, numbers as their decimal text. */
export type Value = string | Buffer | number;

export interface CommandDefinition<A extends unknown[] = unknown[], R = unknown> {
  /** Display name, upper case, e.g. "GET" or "CLIENT ID". Errors name this, never the arguments. */
  readonly name: string;
  /** Builds wire arguments (after the name tokens). Absent: the method's arguments are sent as given. */
  readonly build: ((...args: A) => Arg[]) | undefined;
  /** Reads the reply; absent: the raw reply is returned. */
  readonly transform: ((reply: unknown) => R) | undefined;
  /** Never modifies data, so it may be re-sent after a lost connection. */
  readonly isReadOnly: boolean;
  /** May block on the server (BLPOP, XREAD BLOCK, WAIT; see blockingTimeoutMs): then it runs on a leased connection. */
  readonly isBlocking: boolean;
  /** Position of the first key in the wire arguments (0-based), or -1 when the command takes no key. */
  readonly firstKey: number;
  /** The reply is binary (DUMP): read bulk strings as Buffers whatever the client's setting. */
  readonly returnBuffers: true | undefined;
  /** Name tokens encoded as RESP bulk strings, built on first use. */
  prefix: Buffer | undefined;
  readonly tokens: number;
}

export interface DefineOptions<A extends unknown[], R> {
  build?: (...args: A) => Arg[];
  transform?: (reply: unknown) => R;
  readOnly?: boolean;
  blocking?: boolean;
  /** @default 0 when the command has arguments */
  firstKey?: number;
  returnBuffers?: true;
}

/** Defines a command. `A` is the method's parameter list, `R` its resolved value. */
export function define<A extends unknown[], R>(name: string, options: DefineOptions<A, R> = {}): CommandDefinition<A, R> {
  return {
    name,
    build: options.build,
    transform: options.transform,
    isReadOnly: options.readOnly ?? false,
    isBlocking: options.blocking ?? false,
    firstKey: options.firstKey ?? 0,
    returnBuffers: options.returnBuffers,
    prefix: undefined,
    tokens: name.split(' ').length,
  };
}

/** The encoded name tokens of a command, cached on the definition. */
export function prefixOf(def: CommandDefinition): Buffer {
  return (def.prefix ??= encodeName(def.name.split(' ')));
}

// ---- argument helpers shared by the families ------------------------------------------------

/** Throws the ArgumentError a method raises for a bad argument (synchronously, from `build`). */
export function invalid(method: string, message: string): never {
  throw new ArgumentError(`${method}: ${message}`, 'ERR_INVALID_ARGUMENT');
}

/**
 * One item or a list of them as a non-empty list. Redis answers an empty list with "wrong
 * number of arguments", which names neither the method nor the argument: fail here instead.
 * Buffers are single items (Array.isArray is false for them).
 */
export function listOf<T extends Arg>(method: string, what: string, items: T | readonly T[]): T[] {
  const list = (Array.isArray(items) ? items : [items]) as T[];
  if (list.length === 0) invalid(method, `expected at least one ${what}`);
  return list;
}

/** numkeys followed by the keys, for SINTERCARD, ZUNION, LMPOP and the like. */
export function countedKeys(method: string, keys: Key | readonly Key[]): Arg[] {
  const list = listOf(method, 'key', keys);
  return [list.length, ...list];
}

// ---- reply readers shared by the families --------------------------------------------------

/** A reply as text (ServerText): bulk strings may be Buffers under returnBuffers. */
export function asString(reply: unknown): ServerText {
  return (typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString() : String(reply)) as ServerText;
}

/** A number from an integer, a RESP3 double or a RESP2 bulk string ("inf" included). */
export function toNumber(reply: unknown): number {
  if (typeof reply === 'number') return reply;
  const s = asString(reply);
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

export function toNumberOrNull(reply: unknown): number | null {
  return reply === null ? null : toNumber(reply);
}

export function toBoolean(reply: unknown): boolean {
  return reply === 1 || reply === true;
}

export function toBooleans(reply: unknown): boolean[] {
  return (reply as unknown[]).map(toBoolean);
}

export function toNumbers(reply: unknown): number[] {
  return (reply as unknown[]).map(toNumber);
}

export function toNumbersOrNull(reply: unknown): (number | null)[] {
  return (reply as unknown[]).map(toNumberOrNull);
}

/** "OK" status replies. */
export function toOk(reply: unknown): 'OK' {
  return asString(reply) as 'OK';
}

/**
 * A map reply (RESP3 Map, or RESP2 flat [k, v, k, v] array) as a prototype-free record, so a
 * hostile key like "__proto__" is just a key.
 */
export function toRecord<V = unknown>(reply: unknown, value: (v: unknown) => V = identity as (v: unknown) => V): Record<string, V> {
  const out: Record<string, V> = Object.create(null);
  if (reply instanceof Map) for (const [k, v] of reply) out[asString(k)] = value(v);
  else if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out[asString(reply[i])] = value(reply[i + 1]);
  return out;
}

/** Pairs from a RESP3 array of [member, score] pairs or a RESP2 flat [member, score, ...] list. */
export function toPairs<A, B>(reply: unknown, first: (v: unknown) => A, second: (v: unknown) => B): [A, B][] {
  const list = reply as unknown[];
  if (list.length === 0) return [];
  if (Array.isArray(list[0])) return list.map((p) => [first((p as unknown[])[0]), second((p as unknown[])[1])]);
  const out: [A, B][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push([first(list[i]), second(list[i + 1])]);
  return out;
}

function identity<T>(v: T): T {
  return v;
}
