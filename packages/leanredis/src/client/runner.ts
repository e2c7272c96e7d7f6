// @layer L6 client
/**
 * The command surface shared by the client, its per-call views (`client.with()`) and leased
 * connections: every typed command, `call()`, the SCAN iterators and Lua scripting. Each
 * subclass supplies one method, [RUN], that sends a definition with its wire arguments.
 */
import { ArgumentError, ReplyError } from '../errors.js';
import { lazyCrypto } from '../internal/builtins.js';
import { measureArgs, type Arg } from '../resp/encoder.js';
import { define, wireArgs, type CommandDefinition, type Key } from '../commands/define.js';
import { SEND, definitionFor, ensureCommands, installCommands, tableDefinition, type CommandMethods } from '../commands/index.js';
import type { PromiseKind } from '../commands/kinds.js';
import type { KeyScanOptions, ScanOptions } from '../commands/arguments.js';
import type { FunctionCall } from '../commands/scripting.js';

/** Options for one call, through `client.with(options)`. */
export interface CallOptions {
  /** Deadline for this call instead of `commandTimeoutMs`; 0 disables. (ms) */
  timeoutMs?: number;
  /** Abort the call: it rejects with AbortError; if already written, its late reply is discarded. */
  signal?: AbortSignal;
  /** Read bulk replies as Buffers for this call. */
  returnBuffers?: boolean;
  /** Allow re-sending after a lost connection even though the command may have run. @default false, except for read-only commands */
  retryable?: boolean;
}

/** Keys and arguments of a Lua script call (as for FCALL). */
export type ScriptCall = FunctionCall;

export const RUN: unique symbol = Symbol('leanredis.run');

/**
 * Validates a command's method arguments as the method itself would (throws ArgumentError),
 * without sending it: the build and the argument types (an undefined key is refused here, not
 * at the iterator's first step).
 */
export function checkArguments(name: string, args: unknown[]): void {
  const definition = tableDefinition(name);
  if (definition !== undefined) measureArgs(definition.name, wireArgs(definition, args));
}

// EVAL and EVALSHA: the key count after the script (or its SHA), then the keys.
const SCRIPT_KEYS = [{ index: 1, keyNumIndex: 0, firstKey: 1 }];
const EVALSHA = define('EVALSHA', { arity: Infinity, keys: SCRIPT_KEYS });
const EVAL = define('EVAL', { arity: Infinity, keys: SCRIPT_KEYS });
const EVALSHA_RO = define('EVALSHA_RO', { arity: Infinity, readOnly: true, keys: SCRIPT_KEYS });
const EVAL_RO = define('EVAL_RO', { arity: Infinity, readOnly: true, keys: SCRIPT_KEYS });
// eval()'s first try: NOSCRIPT is a cache miss it answers with EVAL, not a failure to report
// (evalSha() called by the user keeps the plain definitions: there NOSCRIPT is the outcome).
const EVALSHA_CACHED: CommandDefinition = { ...EVALSHA, fallbackOn: 'NOSCRIPT' };
const EVALSHA_RO_CACHED: CommandDefinition = { ...EVALSHA_RO, fallbackOn: 'NOSCRIPT' };
const shaCache = new Map<string, string>();

/** SHA-1 of a script, as Redis names it (cached for the last 256 scripts). */
export function scriptSha(script: string): string {
  let sha = shaCache.get(script);
  if (sha === undefined) {
    sha = lazyCrypto().createHash('sha1').update(script).digest('hex');
    if (shaCache.size >= 256) shaCache.clear();
    shaCache.set(script, sha);
  }
  return sha;
}

/** The one `Keys` rule for a script's keys and arguments: one item or an array (empty allowed: no keys). */
function listOf(method: string, name: string, items: unknown): Arg[] {
  if (items === undefined) return [];
  if (Array.isArray(items)) return items as Arg[];
  if (typeof items === 'string' || typeof items === 'number' || Buffer.isBuffer(items)) return [items];
  throw new ArgumentError(`${method}: option "${name}" must be one item or an array, got ${items === null ? 'null' : typeof items}`, 'ERR_INVALID_OPTION');
}

/** numkeys, keys and arguments after the script or its SHA; unknown options are refused. */
function scriptArgs(method: string, first: string, call: ScriptCall | undefined): Arg[] {
  if (call === undefined) return [first, 0];
  if (typeof call !== 'object' || call === null || Array.isArray(call)) throw new ArgumentError(`${method}: options must be an object`, 'ERR_INVALID_OPTION');
  for (const key of Object.keys(call)) {
    if (key !== 'keys' && key !== 'arguments') throw new ArgumentError(`${method}: unknown option "${key}"; accepted: keys, arguments`, 'ERR_INVALID_OPTION');
  }
  const keys = listOf(method, 'keys', call.keys);
  return [first, keys.length, ...keys, ...listOf(method, 'arguments', call.arguments)];
}

/** Runs `send` (which builds arguments), naming `command` in an ArgumentError it throws. */
function naming<T>(command: string, send: () => T): T {
  try {
    return send();
  } catch (err) {
    if (err instanceof ArgumentError && err.command === undefined) err.command = command;
    throw err;
  }
}

export interface Runner<S = string> extends CommandMethods<PromiseKind<S>> {}

export abstract class Runner<S = string> {
  constructor() {
    ensureCommands();
  }

  /** Sends one command definition with its encoded-ready arguments. */
  abstract [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown>;

  [SEND](definition: CommandDefinition, args: unknown[]): Promise<unknown> {
    return this[RUN](definition, wireArgs(definition, args));
  }

  /**
   * Sends any command: `call('OBJECT', 'ENCODING', 'k')`. Resolves with the raw reply. What the
   * table knows about the command still applies: a blocking one runs on a lease, one that
   * changes its connection's state is refused on the client (use a lease).
   */
  call(command: string, ...args: Arg[]): Promise<unknown> {
    return this[RUN](definitionFor(command, args), args);
  }

  /**
   * Runs a Lua script. Sends EVALSHA first and falls back to EVAL when the server does not
   * know the script (NOSCRIPT), which also loads it for next time. The fallback is not a
   * failure: the call resolves with the script's result, and observers see the EVALSHA with
   * `fallback: 'NOSCRIPT'` and no error, then the EVAL (docs/observability.md).
   */
  eval(script: string, call?: ScriptCall): Promise<unknown> {
    return this.#evalCached(EVALSHA_CACHED, EVAL, script, call);
  }

  /** Like eval with EVAL_RO / EVALSHA_RO: read-only scripts, allowed on replicas. */
  evalRo(script: string, call?: ScriptCall): Promise<unknown> {
    return this.#evalCached(EVALSHA_RO_CACHED, EVAL_RO, script, call);
  }

  /** EVALSHA sha: runs a script already loaded (SCRIPT LOAD). */
  evalSha(sha: string, call?: ScriptCall): Promise<unknown> {
    return this[RUN](EVALSHA, naming('EVALSHA', () => scriptArgs('evalSha', sha, call)));
  }

  /** EVALSHA_RO sha: runs a read-only script already loaded (SCRIPT LOAD); allowed on replicas. */
  evalShaRo(sha: string, call?: ScriptCall): Promise<unknown> {
    return this[RUN](EVALSHA_RO, naming('EVALSHA_RO', () => scriptArgs('evalShaRo', sha, call)));
  }

  // Not async: a bad argument is thrown here, synchronously (docs/errors.md), not rejected.
  #evalCached(bySha: CommandDefinition, byText: CommandDefinition, script: string, call: ScriptCall | undefined): Promise<unknown> {
    const method = bySha === EVALSHA_CACHED ? 'eval' : 'evalRo';
    const args = naming(bySha.name, () => {
      if (typeof script !== 'string') throw new ArgumentError(`${method}: script must be a string`, 'ERR_INVALID_ARGUMENT');
      return scriptArgs(method, scriptSha(script), call);
    });
    return this[RUN](bySha, args).catch((err: unknown) => {
      if (!(err instanceof ReplyError) || err.code !== 'NOSCRIPT') throw err;
      args[0] = script;
      return this[RUN](byText, args);
    });
  }

  /**
   * Every key matching the options, one SCAN step at a time (never blocks the server like KEYS).
   * Bad options throw here, synchronously, not at the first step.
   */
  scanIterator(options?: ScanOptions): AsyncGenerator<S> {
    checkArguments('SCAN', ['0', options]);
    return this.#scanKeys(options);
  }

  async *#scanKeys(options: ScanOptions | undefined): AsyncGenerator<S> {
    let cursor = '0';
    do {
      const step = (await this.scan(cursor, options)) as unknown as { cursor: string; keys: S[] };
      cursor = step.cursor;
      yield* step.keys;
    } while (cursor !== '0');
  }

  /** Every [field, value] of a hash, with HSCAN. Bad arguments throw here, synchronously. */
  hScanIterator(key: Key, options?: KeyScanOptions): AsyncGenerator<[field: S, value: S]> {
    checkArguments('HSCAN', [key, '0', options]);
    return this.#hScanEntries(key, options);
  }

  async *#hScanEntries(key: Key, options: KeyScanOptions | undefined): AsyncGenerator<[field: S, value: S]> {
    let cursor = '0';
    do {
      const step = (await this.hScan(key, cursor, options)) as unknown as { cursor: string; entries: [S, S][] };
      cursor = step.cursor;
      yield* step.entries;
    } while (cursor !== '0');
  }

  /** Every member of a set, with SSCAN. Bad arguments throw here, synchronously. */
  sScanIterator(key: Key, options?: KeyScanOptions): AsyncGenerator<S> {
    checkArguments('SSCAN', [key, '0', options]);
    return this.#sScanMembers(key, options);
  }

  async *#sScanMembers(key: Key, options: KeyScanOptions | undefined): AsyncGenerator<S> {
    let cursor = '0';
    do {
      const step = (await this.sScan(key, cursor, options)) as unknown as { cursor: string; members: S[] };
      cursor = step.cursor;
      yield* step.members;
    } while (cursor !== '0');
  }

  /** Every member and score of a sorted set, with ZSCAN. Bad arguments throw here, synchronously. */
  zScanIterator(key: Key, options?: KeyScanOptions): AsyncGenerator<{ member: S; score: number }> {
    checkArguments('ZSCAN', [key, '0', options]);
    return this.#zScanMembers(key, options);
  }

  async *#zScanMembers(key: Key, options: KeyScanOptions | undefined): AsyncGenerator<{ member: S; score: number }> {
    let cursor = '0';
    do {
      const step = (await this.zScan(key, cursor, options)) as unknown as { cursor: string; members: { member: S; score: number }[] };
      cursor = step.cursor;
      yield* step.members;
    } while (cursor !== '0');
  }
}

installCommands(Runner);
