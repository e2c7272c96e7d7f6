/**
 * Scripting: the script cache (SCRIPT ...) and Redis 7 functions (FCALL, FUNCTION ...).
 *
 * Running a Lua script is not here: `client.eval()` (client/runner.ts) sends EVALSHA and falls
 * back to EVAL on NOSCRIPT, which needs two round trips and so cannot be a single definition.
 */
import type { Arg } from '../resp/encoder.js';
import { define, asString, toBooleans, toOk, toRecord, invalid, type Key, type Value, type ServerText } from './define.js';
import { flushArgs, type FlushMode } from './server.js';

/** Keys and arguments of a function call (FCALL). */
export interface FunctionCall {
  /** Keys the function touches (KEYS in Lua); declared so the server and a cluster can route them. @default [] */
  keys?: Key[];
  /** Other arguments (ARGV in Lua). @default [] */
  arguments?: Value[];
}

export interface FunctionLoadOptions {
  /** Replace a library of the same name instead of failing (REPLACE). @default false */
  replace?: boolean;
}

export interface FunctionListOptions {
  /** Only libraries whose name matches this glob-style pattern (LIBRARYNAME). @default all */
  libraryName?: string;
  /** Include each library's source code (WITHCODE). @default false */
  withCode?: boolean;
}

/** A function of a library, as FUNCTION LIST describes it. */
export interface FunctionDescription {
  name: ServerText;
  /** The description given at registration, or null. */
  description: ServerText | null;
  /** Flags given at registration, e.g. "no-writes", "allow-oom". */
  flags: ServerText[];
}

/** A library, as FUNCTION LIST describes it. */
export interface FunctionLibrary {
  libraryName: ServerText;
  /** The engine, e.g. "LUA". */
  engine: ServerText;
  functions: FunctionDescription[];
  /** Source code, present with `withCode`. */
  code?: ServerText;
}


function fCallArgs(method: string, name: string, call: FunctionCall | undefined): Arg[] {
  if (typeof name !== 'string' || name === '') invalid(method, 'expected a function name');
  const keys = call?.keys ?? [];
  const args = call?.arguments ?? [];
  if (!Array.isArray(keys) || !Array.isArray(args)) invalid(method, 'keys and arguments must be arrays');
  return [name, keys.length, ...keys, ...args];
}

function toLibrary(reply: unknown): FunctionLibrary {
  // RESP3 sends maps (and a set for flags, decoded as an array); RESP2 flat [name, value] arrays.
  const lib = toRecord(reply);
  const out: FunctionLibrary = {
    libraryName: asString(lib.library_name),
    engine: asString(lib.engine),
    functions: ((lib.functions ?? []) as unknown[]).map((f) => {
      const fn = toRecord(f);
      return {
        name: asString(fn.name),
        description: fn.description == null ? null : asString(fn.description),
        flags: ((fn.flags ?? []) as unknown[]).map(asString),
      };
    }),
  };
  if (lib.library_code !== undefined) out.code = asString(lib.library_code);
  return out;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const scriptingCommands = () => ({
  /** SCRIPT LOAD script: caches a Lua script without running it; replies with its SHA-1 (hex). */
  scriptLoad: define('SCRIPT LOAD', { build: (script: string) => [script], transform: asString, firstKey: -1 }),
  /** SCRIPT EXISTS sha [sha ...]: whether each script is in the cache, in order. */
  scriptExists: define('SCRIPT EXISTS', {
    build: (...shas: string[]) => {
      if (shas.length === 0) invalid('scriptExists', 'expected at least one SHA-1');
      return shas;
    },
    transform: toBooleans,
    readOnly: true,
    firstKey: -1,
  }),
  /** SCRIPT FLUSH [ASYNC|SYNC]: empties the script cache (`eval()` reloads scripts as needed). */
  scriptFlush: define('SCRIPT FLUSH', { build: (mode?: FlushMode) => flushArgs('scriptFlush', mode), transform: toOk, firstKey: -1 }),
  /** SCRIPT KILL: stops the running script if it has not written; rejects with NOTBUSY when none runs. */
  scriptKill: define<[], 'OK'>('SCRIPT KILL', { transform: toOk, firstKey: -1 }),

  /** FCALL function numkeys [key ...] [arg ...]: runs a function; resolves with its raw reply. */
  fCall: define('FCALL', {
    build: (name: string, call?: FunctionCall) => fCallArgs('fCall', name, call),
    firstKey: 2,
  }),
  /** FCALL_RO: runs a function registered with the "no-writes" flag; allowed on replicas. */
  fCallRo: define('FCALL_RO', {
    build: (name: string, call?: FunctionCall) => fCallArgs('fCallRo', name, call),
    readOnly: true,
    firstKey: 2,
  }),
  /** FUNCTION LOAD [REPLACE] code: loads a library ("#!lua name=..." first line); replies with its name. */
  functionLoad: define('FUNCTION LOAD', {
    build: (code: string, options?: FunctionLoadOptions) => (options?.replace ? ['REPLACE', code] : [code]),
    transform: asString,
    firstKey: -1,
  }),
  /** FUNCTION DELETE library: removes a library and its functions. */
  functionDelete: define('FUNCTION DELETE', { build: (libraryName: string) => [libraryName], transform: toOk, firstKey: -1 }),
  /** FUNCTION FLUSH [ASYNC|SYNC]: removes every library. */
  functionFlush: define('FUNCTION FLUSH', { build: (mode?: FlushMode) => flushArgs('functionFlush', mode), transform: toOk, firstKey: -1 }),
  /** FUNCTION KILL: stops the running function if it has not written; rejects with NOTBUSY when none runs. */
  functionKill: define<[], 'OK'>('FUNCTION KILL', { transform: toOk, firstKey: -1 }),
  /** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: the libraries and their functions. */
  functionList: define('FUNCTION LIST', {
    build: (options?: FunctionListOptions) => {
      const out: Arg[] = [];
      if (options?.libraryName !== undefined) out.push('LIBRARYNAME', options.libraryName);
      if (options?.withCode) out.push('WITHCODE');
      return out;
    },
    transform: (r) => (r as unknown[]).map(toLibrary),
    readOnly: true,
    firstKey: -1,
  }),
});
