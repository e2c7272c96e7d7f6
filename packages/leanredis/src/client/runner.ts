/**
 * The command surface shared by the client, its per-call views (`client.with()`) and leased
 * connections: every typed command, `call()`, the SCAN iterators and Lua scripting. Each
 * subclass supplies one method, [RUN], that sends a definition with its wire arguments.
 */
import { ReplyError } from '../errors.js';
import { lazyCrypto } from '../internal/builtins.js';
import type { Arg } from '../resp/encoder.js';
import { encodeName } from '../resp/encoder.js';
import { define, type CommandDefinition, type Key, type Value } from '../commands/define.js';
import { SEND, ensureCommands, installCommands, type Commands } from '../commands/index.js';
import type { ScanOptions } from '../commands/keys.js';

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

/** Keys and arguments of a Lua script call. */
export interface ScriptCall {
  keys?: Key[];
  arguments?: Value[];
}

export const RUN: unique symbol = Symbol('leanredis.run');

const callDefinitions = new Map<string, CommandDefinition>();

/** A definition for an arbitrary command name, cached (bounded) so `call()` encodes names once. */
export function definitionFor(name: string): CommandDefinition {
  let d = callDefinitions.get(name);
  if (d === undefined) {
    const upper = name.toUpperCase();
    // Whether it blocks depends on its arguments (XREAD BLOCK); the executor asks blockingTimeoutMs.
    d = { ...define(upper, { blocking: true }), tokens: 1, prefix: encodeName([name]) };
    if (callDefinitions.size >= 512) callDefinitions.clear();
    callDefinitions.set(name, d);
  }
  return d;
}

const EVALSHA = define('EVALSHA');
const EVAL = define('EVAL');
const EVALSHA_RO = define('EVALSHA_RO', { readOnly: true });
const EVAL_RO = define('EVAL_RO', { readOnly: true });
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

function scriptArgs(first: string, call: ScriptCall | undefined): Arg[] {
  const keys = call?.keys ?? [];
  return [first, keys.length, ...keys, ...(call?.arguments ?? [])];
}

export interface Runner<S = string> extends Commands<S> {}

export abstract class Runner<S = string> {
  constructor() {
    ensureCommands();
  }

  /** Sends one command definition with its encoded-ready arguments. */
  abstract [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown>;

  [SEND](definition: CommandDefinition, args: unknown[]): Promise<unknown> {
    return this[RUN](definition, definition.build === undefined ? (args as Arg[]) : definition.build(...args));
  }

  /** Sends any command: `call('OBJECT', 'ENCODING', 'k')`. Resolves with the raw reply. */
  call(command: string, ...args: Arg[]): Promise<unknown> {
    return this[RUN](definitionFor(command), args);
  }

  /**
   * Runs a Lua script. Sends EVALSHA first and falls back to EVAL when the server does not
   * know the script (NOSCRIPT), which also loads it for next time.
   */
  async eval(script: string, call?: ScriptCall): Promise<unknown> {
    return this.#evalCached(EVALSHA, EVAL, script, call);
  }

  /** Like eval with EVAL_RO / EVALSHA_RO: read-only scripts, allowed on replicas. */
  async evalRo(script: string, call?: ScriptCall): Promise<unknown> {
    return this.#evalCached(EVALSHA_RO, EVAL_RO, script, call);
  }

  /** EVALSHA sha: runs a script already loaded (SCRIPT LOAD). */
  evalSha(sha: string, call?: ScriptCall): Promise<unknown> {
    return this[RUN](EVALSHA, scriptArgs(sha, call));
  }

  async #evalCached(bySha: CommandDefinition, byText: CommandDefinition, script: string, call: ScriptCall | undefined): Promise<unknown> {
    try {
      return await this[RUN](bySha, scriptArgs(scriptSha(script), call));
    } catch (err) {
      if (!(err instanceof ReplyError) || err.code !== 'NOSCRIPT') throw err;
      return this[RUN](byText, scriptArgs(script, call));
    }
  }

  /** Every key matching the options, one SCAN step at a time (never blocks the server like KEYS). */
  async *scanIterator(options?: ScanOptions): AsyncGenerator<S> {
    let cursor = '0';
    do {
      const step = (await this.scan(cursor, options)) as unknown as { cursor: string; keys: S[] };
      cursor = step.cursor;
      yield* step.keys;
    } while (cursor !== '0');
  }

  /** Every [field, value] of a hash, with HSCAN. */
  async *hScanIterator(key: Key, options?: Omit<ScanOptions, 'type'>): AsyncGenerator<[field: S, value: S]> {
    let cursor = '0';
    do {
      const step = (await this.hScan(key, cursor, options)) as unknown as { cursor: string; entries: [S, S][] };
      cursor = step.cursor;
      yield* step.entries;
    } while (cursor !== '0');
  }

  /** Every member of a set, with SSCAN. */
  async *sScanIterator(key: Key, options?: Omit<ScanOptions, 'type'>): AsyncGenerator<S> {
    let cursor = '0';
    do {
      const step = (await this.sScan(key, cursor, options)) as unknown as { cursor: string; members: S[] };
      cursor = step.cursor;
      yield* step.members;
    } while (cursor !== '0');
  }

  /** Every member and score of a sorted set, with ZSCAN. */
  async *zScanIterator(key: Key, options?: Omit<ScanOptions, 'type'>): AsyncGenerator<{ member: S; score: number }> {
    let cursor = '0';
    do {
      const step = (await this.zScan(key, cursor, options)) as unknown as { cursor: string; members: { member: S; score: number }[] };
      cursor = step.cursor;
      yield* step.members;
    } while (cursor !== '0');
  }
}

installCommands(Runner);
