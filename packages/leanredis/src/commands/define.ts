// @layer L2 commands
/**
 * Commands are data: a name, how to build the wire arguments from the method's arguments, how
 * to read the reply, and what the command does to keys and connections: where its keys are
 * (cluster routing), how long it may block (it then runs on a leased connection) and whether
 * it leaves state on its connection (it then runs only on a lease). Every executor (client,
 * lease, pipeline, transaction) installs the same table and sends through one funnel
 * (`wireArgs`), so a command is defined exactly once.
 *
 * Transforms are written against the reply's shape, not the protocol: they accept the RESP2
 * form (flat arrays, bulk-string numbers) and the RESP3 form (maps, doubles) alike, so typed
 * results are identical under both protocols.
 *
 * Each family file declares an interface of typed methods with their documentation (what the
 * editor shows) and the definitions below it, which the compiler checks against that interface
 * through `Definitions<...>` (same parameters, same reply type, no method missing or extra).
 */
import { ArgumentError, LeanRedisError } from '../errors.js';
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
/** A value: strings and Buffers are sent as is, finite numbers as their decimal text. */
export type Value = string | Buffer | number;
/**
 * One key or a list of them. One rule for every command: a string (or a Buffer) is one key,
 * never split into characters; an array is the list, and an empty array is refused.
 */
export type Keys = Key | readonly Key[];

/**
 * Where a command's keys are in its wire arguments (the arguments after the name tokens, so
 * index 0 is the first argument of `GET key` and of `OBJECT ENCODING key`). The same model as
 * the server's key specs (COMMAND INFO), and checked against `COMMAND GETKEYS` by the tests.
 *
 * The search begins at `index`, or just after the first `keyword` found from `startFrom`
 * (negative: searching backwards from that many arguments before the end). From there, either
 * a range (`lastKey` relative to the beginning: 0 is one key, -1 runs to the last argument, -2
 * to the one before; every `keyStep`-th argument; with `limit` n, only the first 1/n of the
 * arguments left, as in XREAD's `STREAMS k1 k2 id1 id2`) or a count (`keyNumIndex`: the number
 * of keys is at the beginning plus this; the keys start at the beginning plus `firstKey`).
 */
export interface KeySpec {
  /**
   * Not a key, but hashed like one for cluster routing: a shard channel (SPUBLISH, SSUBSCRIBE),
   * flagged "not_key" by the server, which leaves it out of COMMAND GETKEYS.
   */
  readonly notKey?: boolean;
  readonly index?: number;
  readonly keyword?: string;
  readonly startFrom?: number;
  readonly lastKey?: number;
  readonly keyStep?: number;
  readonly limit?: number;
  readonly keyNumIndex?: number;
  readonly firstKey?: number;
}

/**
 * How long a command may block on the server, read from its wire arguments: the argument at
 * `at` (negative from the end) in `unit`, or the one after the `keyword` (XREAD's BLOCK,
 * searched before STREAMS). A command with a block spec runs on a leased connection, with a
 * deadline of the block time plus `commandTimeoutMs`.
 */
export type BlockSpec = { readonly at: number; readonly unit: 's' | 'ms' } | { readonly keyword: string; readonly before: string; readonly unit: 'ms' };

/**
 * What a command does to the connection that runs it: `leaves` state behind (SELECT, CLIENT
 * TRACKING, SUBSCRIBE...: allowed on a lease only, which is then closed rather than reused),
 * `watch`es keys (WATCH) or ends watching (`unwatch`: UNWATCH, EXEC, DISCARD).
 */
export type ConnectionState = 'leaves' | 'watch' | 'unwatch';

export interface CommandDefinition<A extends unknown[] = unknown[], R = unknown> {
  /** Display name, upper case, e.g. "GET" or "CLIENT ID". Errors name this, never the arguments. */
  readonly name: string;
  /** The method that sends it ("get", "clientId"); set when the table is built. */
  method: string;
  /** Builds wire arguments (after the name tokens). Absent: the method's arguments are sent as given. */
  readonly build: ((...args: A) => Arg[]) | undefined;
  /** Reads the reply; absent: the raw reply is returned. */
  readonly transform: ((reply: unknown) => R) | undefined;
  /** The most arguments the method takes; more are refused (ERR_INVALID_ARGUMENT). */
  readonly arity: number;
  /** Never modifies data, so it may be re-sent after a lost connection. */
  readonly isReadOnly: boolean;
  /** Where the keys are; empty when the command takes none, undefined when unknown (`call()` of a command not in the table). */
  readonly keys: readonly KeySpec[] | undefined;
  /** How long it may block on the server; undefined when it never blocks. */
  readonly block: BlockSpec | undefined;
  /** What it does to its connection; undefined for ordinary commands. */
  readonly state: ConnectionState | undefined;
  /** The reply is binary (DUMP): read bulk strings as Buffers whatever the client's setting. */
  readonly returnBuffers: true | undefined;
  /**
   * An error reply (by code) that the sender answers with another command rather than fail:
   * 'NOSCRIPT' on the EVALSHA of `eval()`, which then sends EVAL. Observers are told it as a
   * fallback (`CommandContext.fallback`), not as a failure. Absent on table commands.
   */
  readonly fallbackOn?: string;
  /** Name tokens encoded as RESP bulk strings, built on first use. */
  prefix: Buffer | undefined;
  readonly tokens: number;
}

export interface DefineOptions<A extends unknown[], R> {
  build?: (...args: A) => Arg[];
  transform?: (reply: unknown) => R;
  /** Arguments of a method without `build` (sent as given). @default 1 */
  arity?: number;
  readOnly?: boolean;
  /** A key position, a spec, a list of specs, or [] when the command takes no key. @default one key, the first argument */
  keys?: number | KeySpec | readonly KeySpec[];
  block?: BlockSpec;
  state?: ConnectionState;
  returnBuffers?: true;
}

const specs = (...list: KeySpec[]): readonly KeySpec[] => Object.freeze(list.map((s) => Object.freeze(s)));
const NO_KEYS = specs();
// Shared by most definitions: one key, the first argument.
const FIRST_KEY = specs({ index: 0 });
/** Every argument is a key (DEL, MGET, SINTER, SINTERSTORE). */
export const EVERY_KEY = specs({ index: 0, lastKey: -1 });
/** The first two arguments are keys (RENAME, LMOVE, COPY, SMOVE). */
export const TWO_KEYS = specs({ index: 0, lastKey: 1 });
/** numkeys, then that many keys (ZUNION, SINTERCARD, LMPOP). */
export const COUNTED_KEYS = specs({ index: 0, keyNumIndex: 0, firstKey: 1 });
/** A destination, then numkeys and the keys (ZUNIONSTORE, ZDIFFSTORE). */
export const STORE_COUNTED_KEYS = specs({ index: 0 }, { index: 1, keyNumIndex: 0, firstKey: 1 });
/** Every argument but the last is a key (BLPOP key [key ...] timeout). */
export const KEYS_THEN_ONE = specs({ index: 0, lastKey: -2 });

function keySpecs(keys: number | KeySpec | readonly KeySpec[] | undefined): readonly KeySpec[] {
  if (keys === undefined || keys === 0) return FIRST_KEY;
  if (typeof keys === 'number') return [{ index: keys }];
  if (Array.isArray(keys)) return keys.length === 0 ? NO_KEYS : keys;
  return [keys as KeySpec];
}

/** Defines a command. `A` is the method's parameter list, `R` its resolved value. */
export function define<A extends unknown[], R>(name: string, options: DefineOptions<A, R> = {}): CommandDefinition<A, R> {
  return {
    name,
    method: '',
    build: options.build,
    transform: options.transform,
    arity: options.build?.length ?? options.arity ?? 1,
    isReadOnly: options.readOnly ?? false,
    keys: keySpecs(options.keys),
    block: options.block,
    state: options.state,
    returnBuffers: options.returnBuffers,
    prefix: undefined,
    tokens: name.split(' ').length,
  };
}

/** The encoded name tokens of a command, cached on the definition. */
export function prefixOf(def: CommandDefinition): Buffer {
  return (def.prefix ??= encodeName(def.name.split(' ')));
}

/**
 * The funnel of every typed method: checks the argument count and builds the wire arguments.
 * Throws ArgumentError (synchronously, with `command` set) on a bad argument.
 */
export function wireArgs(definition: CommandDefinition, args: unknown[]): readonly Arg[] {
  if (args.length > definition.arity) throw tooManyArguments(definition, args.length);
  if (definition.build === undefined) return args as Arg[];
  try {
    return definition.build(...args);
  } catch (err) {
    if (err instanceof LeanRedisError && err.command === undefined) err.command = definition.name;
    throw err;
  }
}

function tooManyArguments(definition: CommandDefinition, count: number): ArgumentError {
  const most = definition.arity;
  const error = new ArgumentError(
    `${definition.method}: expected at most ${most} argument${most === 1 ? '' : 's'}, got ${count}` +
      ' (options go in one object, and several keys or values in one array)',
    'ERR_INVALID_ARGUMENT',
  );
  error.command = definition.name;
  return error;
}
