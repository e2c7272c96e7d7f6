// @layer L2 commands
/**
 * Scripting: the script cache (SCRIPT ...) and Redis 7 functions (FCALL, FUNCTION ...).
 *
 * Running a Lua script is not here: `client.eval()` (client/runner.ts) sends EVALSHA and falls
 * back to EVAL on NOSCRIPT, which needs two round trips and so cannot be a single definition.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, bytes, optionsSpec, type OptionCheck } from './check-options.js';
import { checkWord, flushArgs, invalid, listOf, type FlushMode } from './arguments.js';
import { define, type Key, type Value, type ServerText } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toBooleans, toNumber, toRecord } from './replies.js';

/** Keys and arguments of a function call (FCALL). */
export interface FunctionCall {
  /** Keys the function touches (KEYS in Lua): one key or an array; declared so the server and a cluster can route them. @default none */
  keys?: Key | readonly Key[];
  /** Other arguments (ARGV in Lua): one or an array. @default none */
  arguments?: Value | readonly Value[];
}

export interface FunctionLoadOptions {
  /** Replace a library of the same name instead of failing (REPLACE). @default false */
  replace?: boolean;
}

export interface FunctionListOptions {
  /** Only libraries whose name matches this glob-style pattern (LIBRARYNAME). @default all */
  libraryName?: string | Buffer;
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


/** The function running now (FUNCTION STATS), if any. */
export interface RunningFunction {
  name: ServerText;
  /** The FCALL command line that started it. */
  command: ServerText[];
  durationMs: number;
}

/** FUNCTION STATS: what runs now and what each engine holds. */
export interface FunctionStats {
  runningScript: RunningFunction | null;
  /** Engine name ("LUA") → its library and function counts. */
  engines: Record<string, { librariesCount: number; functionsCount: number }>;
}

/** FUNCTION RESTORE policies: APPEND fails on a library name clash, REPLACE replaces, FLUSH deletes every library first. */
export type FunctionRestorePolicy = 'APPEND' | 'REPLACE' | 'FLUSH';

function toFunctionStats(reply: unknown): FunctionStats {
  const s = toRecord(reply);
  let runningScript: RunningFunction | null = null;
  if (s.running_script != null) {
    const r = toRecord(s.running_script);
    runningScript = { name: asString(r.name), command: (r.command as unknown[]).map(asString), durationMs: toNumber(r.duration_ms) };
  }
  const engines: FunctionStats['engines'] = Object.create(null);
  const all = toRecord(s.engines);
  for (const name of Object.keys(all)) {
    const e = toRecord(all[name]);
    engines[name] = { librariesCount: toNumber(e.libraries_count), functionsCount: toNumber(e.functions_count) };
  }
  return { runningScript, engines };
}

/** FCALL and EVAL: the key count after the name or script, then the keys. */
export const FUNCTION_KEYS = [{ index: 1, keyNumIndex: 0, firstKey: 1 }];
const listCheck: OptionCheck = () => undefined; // item types are checked when the command is measured
/** FCALL, EVAL and EVALSHA options: keys and arguments. */
export const CALL_OPTIONS = optionsSpec({ keys: listCheck, arguments: listCheck });
const FUNCTION_LOAD_OPTIONS = optionsSpec({ replace: boolean });
const FUNCTION_LIST_OPTIONS = optionsSpec({ libraryName: bytes, withCode: boolean });

/** Keys and arguments as `numkeys key... arg...` after `first` (a function name, a script or its SHA). */
export function callArgs(method: string, first: string, call: FunctionCall | undefined): Arg[] {
  checkOptions(method, call, CALL_OPTIONS);
  const keys = call?.keys === undefined || (Array.isArray(call.keys) && call.keys.length === 0) ? [] : listOf<Key>(method, 'key', call.keys);
  const args = call?.arguments === undefined || (Array.isArray(call.arguments) && call.arguments.length === 0) ? [] : listOf<Value>(method, 'argument', call.arguments);
  return [first, keys.length, ...keys, ...args];
}

function fCallArgs(method: string, name: string, call: FunctionCall | undefined): Arg[] {
  if (typeof name !== 'string' || name === '') invalid(method, 'expected a function name');
  return callArgs(method, name, call);
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

/** The script cache and Redis 7 functions (running scripts: `eval()` on the client). */
export interface ScriptingCommands<K extends Kind> {
  /** SCRIPT LOAD script: caches a Lua script without running it; replies with its SHA-1 (hex). */
  scriptLoad(script: string): Out<K, ServerText>;
  /** SCRIPT EXISTS sha [sha ...]: whether each script is in the cache, in order. One SHA or an array. */
  scriptExists(shas: string | readonly string[]): Out<K, boolean[]>;
  /** SCRIPT FLUSH [ASYNC|SYNC]: empties the script cache (`eval()` reloads scripts as needed). */
  scriptFlush(mode?: FlushMode): Out<K, 'OK'>;
  /** SCRIPT KILL: stops the running script if it has not written; rejects with NOTBUSY when none runs. */
  scriptKill(): Out<K, 'OK'>;
  /** FCALL function numkeys [key ...] [arg ...]: runs a function; resolves with its raw reply. */
  fCall(name: string, call?: FunctionCall): Out<K, unknown>;
  /** FCALL_RO: runs a function registered with the "no-writes" flag; allowed on replicas. */
  fCallRo(name: string, call?: FunctionCall): Out<K, unknown>;
  /** FUNCTION LOAD [REPLACE] code: loads a library ("#!lua name=..." first line); replies with its name. */
  functionLoad(code: string, options?: FunctionLoadOptions): Out<K, ServerText>;
  /** FUNCTION DELETE library: removes a library and its functions. */
  functionDelete(libraryName: string): Out<K, 'OK'>;
  /** FUNCTION FLUSH [ASYNC|SYNC]: removes every library. */
  functionFlush(mode?: FlushMode): Out<K, 'OK'>;
  /** FUNCTION KILL: stops the running function if it has not written; rejects with NOTBUSY when none runs. */
  functionKill(): Out<K, 'OK'>;
  /** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: the libraries and their functions. */
  functionList(options?: FunctionListOptions): Out<K, FunctionLibrary[]>;
  /** FUNCTION DUMP: every library, serialized (a Buffer whatever the client's setting) for functionRestore(). */
  functionDump(): Out<K, Buffer>;
  /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: loads libraries from functionDump()'s payload (server default APPEND). */
  functionRestore(payload: Buffer, policy?: FunctionRestorePolicy): Out<K, 'OK'>;
  /** FUNCTION STATS: the function running now, if any, and the libraries and functions per engine. */
  functionStats(): Out<K, FunctionStats>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const scriptingCommands = (): Definitions<ScriptingCommands<DefinitionKind>> => ({
  scriptLoad: define('SCRIPT LOAD', { transform: asString, keys: [] }),
  scriptExists: define('SCRIPT EXISTS', {
    build: (shas: string | readonly string[]) => listOf('scriptExists', 'SHA-1', shas),
    transform: toBooleans,
    readOnly: true,
    keys: [],
  }),
  scriptFlush: define('SCRIPT FLUSH', { build: (mode?: FlushMode) => flushArgs('scriptFlush', mode), keys: [] }),
  scriptKill: define('SCRIPT KILL', { arity: 0, keys: [] }),
  fCall: define('FCALL', { build: (name: string, call?: FunctionCall) => fCallArgs('fCall', name, call), keys: FUNCTION_KEYS }),
  fCallRo: define('FCALL_RO', { build: (name: string, call?: FunctionCall) => fCallArgs('fCallRo', name, call), readOnly: true, keys: FUNCTION_KEYS }),
  functionLoad: define('FUNCTION LOAD', {
    build: (code: string, options?: FunctionLoadOptions) => {
      checkOptions('functionLoad', options, FUNCTION_LOAD_OPTIONS);
      return options?.replace ? ['REPLACE', code] : [code];
    },
    transform: asString,
    keys: [],
  }),
  functionDelete: define('FUNCTION DELETE', { keys: [] }),
  functionFlush: define('FUNCTION FLUSH', { build: (mode?: FlushMode) => flushArgs('functionFlush', mode), keys: [] }),
  functionKill: define('FUNCTION KILL', { arity: 0, keys: [] }),
  functionList: define('FUNCTION LIST', {
    build: (options?: FunctionListOptions) => {
      checkOptions('functionList', options, FUNCTION_LIST_OPTIONS);
      const out: Arg[] = [];
      if (options?.libraryName !== undefined) out.push('LIBRARYNAME', options.libraryName);
      if (options?.withCode) out.push('WITHCODE');
      return out;
    },
    transform: (r) => (r as unknown[]).map(toLibrary),
    readOnly: true,
    keys: [],
  }),
  functionDump: define('FUNCTION DUMP', { arity: 0, readOnly: true, keys: [], returnBuffers: true }),
  functionRestore: define('FUNCTION RESTORE', {
    build: (payload: Buffer, policy?: FunctionRestorePolicy) => {
      if (!Buffer.isBuffer(payload)) invalid('functionRestore', 'expected the Buffer functionDump() returned');
      return policy === undefined ? [payload] : [payload, checkWord('functionRestore', 'policy', policy, ['APPEND', 'REPLACE', 'FLUSH'] as const)];
    },
    keys: [],
  }),
  functionStats: define('FUNCTION STATS', { arity: 0, transform: toFunctionStats, readOnly: true, keys: [] }),
});
