/**
 * Server and connection commands: health checks, INFO, CONFIG, CLIENT, SLOWLOG, flushing.
 *
 * Left out on purpose, because they change the state of one connection of a pool that the
 * client owns: SELECT (use the `database` option), HELLO, AUTH, CLIENT SETNAME (the
 * `clientName` option), QUIT, RESET, MONITOR, the SUBSCRIBE family and WATCH/MULTI/EXEC.
 *
 * Text replies (INFO, CLIENT INFO, CLIENT LIST) are RESP2 bulk strings and RESP3 verbatim
 * strings; the decoder strips the verbatim format, so both parse the same. They are server
 * text, so they are read as strings even when the client returns Buffers.
 */
import type { Arg } from '../resp/encoder.js';
import { define, asString, toNumber, toOk, toRecord, invalid, type Key, type Value, type ServerText } from './define.js';

/** INFO parsed: section name (lower case, e.g. "server", "commandstats") → field → value as sent. */
export type InfoReply = Record<string, Record<string, ServerText>>;

/** One client as CLIENT INFO / CLIENT LIST describe it: field → value as sent (e.g. id, addr, name, db, cmd). */
export type ClientRecord = Record<string, ServerText>;

/** Client kinds for CLIENT LIST TYPE and CLIENT KILL TYPE. */
export type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

/** ASYNC frees memory in a background thread; SYNC before replying. @default the server's lazyfree-lazy-user-flush */
export type FlushMode = 'ASYNC' | 'SYNC';

/** The server clock (TIME). */
export interface ServerTime {
  /** Unix time (seconds). */
  seconds: number;
  /** Microseconds elapsed in the current second (0 to 999999). */
  microseconds: number;
}

export interface ClientListOptions {
  /** Only clients of this kind (TYPE). Exclusive with `ids`. @default all */
  type?: ClientType;
  /** Only the clients with these ids (ID). Exclusive with `type`. @default all */
  ids?: number[];
}

/** Which clients CLIENT KILL closes: those matching every filter given; at least one is required. */
export interface ClientKillFilters {
  /** The client with this id (ID), as clientId() or clientList() report it. */
  id?: number;
  /** Clients of this kind (TYPE). */
  type?: ClientType;
  /** The client connected from this "ip:port" (ADDR). */
  addr?: string;
  /** Clients connected to this local "ip:port" of the server (LADDR). */
  laddr?: string;
  /** Clients authenticated as this ACL user (USER). */
  user?: string;
  /** Spare the connection sending the command (SKIPME). @default true */
  skipMe?: boolean;
}

export interface MemoryUsageOptions {
  /** Nested values sampled to estimate an aggregate's size; 0 samples them all (SAMPLES). @default 5 */
  samples?: number;
}

/** One slow log entry. */
export interface SlowLogEntry {
  /** Unique, increasing id of the entry. */
  id: number;
  /** When the command ran (Unix seconds). */
  timestampSeconds: number;
  /** How long it ran (microseconds). */
  durationMicroseconds: number;
  /** The command and its arguments, as logged by the server (it truncates long ones). */
  arguments: ServerText[];
  /** "ip:port" of the client. */
  clientAddress: ServerText;
  /** Its name (CLIENT SETNAME), or "". */
  clientName: ServerText;
}

const FLUSH_MODES: ReadonlySet<string> = new Set(['ASYNC', 'SYNC']);
const CLIENT_TYPES: ReadonlySet<string> = new Set(['normal', 'master', 'replica', 'pubsub']);


/** ASYNC or SYNC for the FLUSH commands (FLUSHDB, FLUSHALL, SCRIPT FLUSH, FUNCTION FLUSH). */
export function flushArgs(method: string, mode: FlushMode | undefined): Arg[] {
  if (mode === undefined) return [];
  if (!FLUSH_MODES.has(mode)) invalid(method, 'mode must be "ASYNC" or "SYNC"');
  return [mode];
}

function checkClientType(method: string, type: unknown): ClientType {
  if (!CLIENT_TYPES.has(type as string)) invalid(method, 'type must be "normal", "master", "replica" or "pubsub"');
  return type as ClientType;
}

function checkInteger(method: string, name: string, value: unknown, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) invalid(method, `${name} must be an integer >= ${min}, got ${typeof value === 'number' ? value : typeof value}`);
  return value as number;
}

/** Parses INFO text: "# Section" headers, then "field:value" lines. */
export function parseInfo(reply: unknown): InfoReply {
  const out: InfoReply = Object.create(null);
  let section: Record<string, ServerText> | undefined;
  for (const raw of asString(reply).split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    if (line.startsWith('#')) {
      section = out[line.slice(1).trim().toLowerCase()] ??= Object.create(null);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    // Fields before any header (none today) are kept under "" rather than dropped.
    section ??= out[''] ??= Object.create(null) as Record<string, ServerText>;
    section[line.slice(0, colon)] = line.slice(colon + 1) as ServerText;
  }
  return out;
}

/** Parses one CLIENT INFO / CLIENT LIST line: "id=3 addr=127.0.0.1:5000 name= ...". */
function parseClientLine(line: string): ClientRecord {
  const out: ClientRecord = Object.create(null);
  // The server rejects spaces in names, so a space always separates two fields.
  for (const field of line.split(' ')) {
    const eq = field.indexOf('=');
    if (eq > 0) out[field.slice(0, eq)] = field.slice(eq + 1) as ServerText;
  }
  return out;
}

function parseClientList(reply: unknown): ClientRecord[] {
  const out: ClientRecord[] = [];
  for (const line of asString(reply).split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '') out.push(parseClientLine(trimmed));
  }
  return out;
}

function toSlowLogEntry(reply: unknown): SlowLogEntry {
  const e = reply as unknown[];
  return {
    id: toNumber(e[0]),
    timestampSeconds: toNumber(e[1]),
    durationMicroseconds: toNumber(e[2]),
    arguments: (e[3] as unknown[]).map(asString),
    clientAddress: asString(e[4] ?? ''),
    clientName: asString(e[5] ?? ''),
  };
}

const asStringOrNull = (r: unknown): ServerText | null => (r === null ? null : asString(r));

/** The family's definitions, built on first use (see commands/index.ts). */
export const serverCommands = () => ({
  /** PING [message]: "PONG", or the message. */
  ping: define('PING', {
    build: (message?: Value) => (message === undefined ? [] : [message]),
    transform: asString,
    readOnly: true,
    firstKey: -1,
  }),
  /** ECHO message: the message (a Buffer when the client returns Buffers). */
  echo: define<[message: Value], string>('ECHO', { readOnly: true, firstKey: -1 }),
  /**
   * INFO [section ...]: the server's report, by section ("server", "clients", "memory",
   * "commandstats"...; "all" or "everything" for more than the default). Values stay strings
   * as sent; commandstats values are "calls=N,usec=N,...".
   */
  info: define('INFO', {
    build: (...sections: string[]) => sections,
    transform: parseInfo,
    readOnly: true,
    firstKey: -1,
  }),
  /** DBSIZE: the number of keys in the client's database. */
  dbSize: define<[], number>('DBSIZE', { readOnly: true, firstKey: -1 }),
  /** FLUSHDB [ASYNC|SYNC]: deletes every key of the client's database. */
  flushDb: define('FLUSHDB', { build: (mode?: FlushMode) => flushArgs('flushDb', mode), transform: toOk, firstKey: -1 }),
  /** FLUSHALL [ASYNC|SYNC]: deletes every key of every database. */
  flushAll: define('FLUSHALL', { build: (mode?: FlushMode) => flushArgs('flushAll', mode), transform: toOk, firstKey: -1 }),
  /** TIME: the server clock. */
  time: define<[], ServerTime>('TIME', {
    transform: (r) => ({ seconds: toNumber((r as unknown[])[0]), microseconds: toNumber((r as unknown[])[1]) }),
    readOnly: true,
    firstKey: -1,
  }),
  /** LASTSAVE: when the last successful save to disk happened (Unix seconds). */
  lastSave: define<[], number>('LASTSAVE', { readOnly: true, firstKey: -1 }),
  /** SWAPDB index1 index2: exchanges the contents of two databases for every client. */
  swapDb: define('SWAPDB', {
    build: (index1: number, index2: number) => [checkInteger('swapDb', 'index1', index1, 0), checkInteger('swapDb', 'index2', index2, 0)],
    transform: toOk,
    firstKey: -1,
  }),
  /** COMMAND COUNT: how many commands the server has. */
  commandCount: define<[], number>('COMMAND COUNT', { readOnly: true, firstKey: -1 }),
  /** MEMORY USAGE key [SAMPLES n]: bytes the key and its value take, or null when the key does not exist. */
  memoryUsage: define('MEMORY USAGE', {
    build: (key: Key, options?: MemoryUsageOptions) =>
      options?.samples === undefined ? [key] : [key, 'SAMPLES', checkInteger('memoryUsage', 'samples', options.samples, 0)],
    transform: (r) => r as number | null,
    readOnly: true,
  }),

  // ---- CLIENT: these act on the connection that runs them, one of the pool's ----

  /** CLIENT ID: the id of the connection that ran the command. */
  clientId: define<[], number>('CLIENT ID', { readOnly: true, firstKey: -1 }),
  /** CLIENT GETNAME: the connection's name (the `clientName` option), or null. */
  clientGetName: define<[], ServerText | null>('CLIENT GETNAME', { transform: asStringOrNull, readOnly: true, firstKey: -1 }),
  /** CLIENT INFO: fields of the connection that ran the command (id, addr, name, db, resp...). */
  clientInfo: define<[], ClientRecord>('CLIENT INFO', { transform: (r) => parseClientLine(asString(r).trim()), readOnly: true, firstKey: -1 }),
  /** CLIENT LIST [TYPE type | ID id ...]: one record per connected client. */
  clientList: define('CLIENT LIST', {
    build: (options?: ClientListOptions) => {
      if (options?.type !== undefined && options.ids !== undefined) invalid('clientList', 'give type or ids, not both');
      if (options?.type !== undefined) return ['TYPE', checkClientType('clientList', options.type)];
      if (options?.ids !== undefined) {
        if (!Array.isArray(options.ids) || options.ids.length === 0) invalid('clientList', 'ids must be a non-empty array');
        return ['ID', ...options.ids.map((id) => checkInteger('clientList', 'id', id, 1))];
      }
      return [];
    },
    transform: parseClientList,
    readOnly: true,
    firstKey: -1,
  }),
  /** CLIENT KILL filter [filter ...]: how many clients were closed. */
  clientKill: define('CLIENT KILL', {
    build: (filters: ClientKillFilters) => {
      const out: Arg[] = [];
      if (filters?.id !== undefined) out.push('ID', checkInteger('clientKill', 'id', filters.id, 1));
      if (filters?.type !== undefined) out.push('TYPE', checkClientType('clientKill', filters.type));
      if (filters?.addr !== undefined) out.push('ADDR', filters.addr);
      if (filters?.laddr !== undefined) out.push('LADDR', filters.laddr);
      if (filters?.user !== undefined) out.push('USER', filters.user);
      // SKIPME alone would close every other client: require a real filter.
      if (out.length === 0) invalid('clientKill', 'give at least one of id, type, addr, laddr and user');
      if (filters.skipMe !== undefined) out.push('SKIPME', filters.skipMe ? 'yes' : 'no');
      return out;
    },
    transform: (r) => r as number,
    firstKey: -1,
  }),
  /**
   * CLIENT PAUSE timeoutMs [WRITE|ALL]: holds clients' commands (only writes with WRITE) for
   * `timeoutMs` milliseconds; replicas are not paused. Under ALL, CLIENT UNPAUSE waits too.
   */
  clientPause: define('CLIENT PAUSE', {
    build: (timeoutMs: number, mode?: 'WRITE' | 'ALL') => {
      const out: Arg[] = [checkInteger('clientPause', 'timeoutMs', timeoutMs, 0)];
      if (mode !== undefined) {
        if (mode !== 'WRITE' && mode !== 'ALL') invalid('clientPause', 'mode must be "WRITE" or "ALL"');
        out.push(mode);
      }
      return out;
    },
    transform: toOk,
    firstKey: -1,
  }),
  /** CLIENT UNPAUSE: ends a CLIENT PAUSE early. */
  clientUnpause: define<[], 'OK'>('CLIENT UNPAUSE', { transform: toOk, firstKey: -1 }),
  /**
   * CLIENT NO-EVICT ON|OFF: exempts the connection that runs it from client eviction
   * (maxmemory-clients). It is per connection and lost on reconnect: run it on a leased one.
   */
  clientNoEvict: define('CLIENT NO-EVICT', { build: (enabled: boolean) => [enabled ? 'ON' : 'OFF'], transform: toOk, firstKey: -1 }),

  // ---- CONFIG and SLOWLOG ----

  /** CONFIG GET parameter [parameter ...]: matching parameters (glob patterns allowed) and their values. */
  configGet: define('CONFIG GET', {
    build: (...parameters: string[]) => {
      if (parameters.length === 0) invalid('configGet', 'expected at least one parameter');
      return parameters;
    },
    transform: (r) => toRecord(r, asString),
    readOnly: true,
    firstKey: -1,
  }),
  /** CONFIG SET parameter value [parameter value ...]: sets every parameter, or none on error. */
  configSet: define('CONFIG SET', {
    build: (parameters: Record<string, Value>) => {
      const out: Arg[] = [];
      if (typeof parameters === 'object' && parameters !== null) for (const name of Object.keys(parameters)) out.push(name, parameters[name]);
      if (out.length === 0) invalid('configSet', 'expected a record of at least one parameter');
      return out;
    },
    transform: toOk,
    firstKey: -1,
  }),
  /** CONFIG RESETSTAT: zeroes INFO statistics (commandstats, errorstats, keyspace hits...). */
  configResetStat: define<[], 'OK'>('CONFIG RESETSTAT', { transform: toOk, firstKey: -1 }),
  /** SLOWLOG GET [count]: the latest slow log entries, newest first (server default 10; -1 for all). */
  slowLogGet: define('SLOWLOG GET', {
    build: (count?: number) => (count === undefined ? [] : [checkInteger('slowLogGet', 'count', count, -1)]),
    transform: (r) => (r as unknown[]).map(toSlowLogEntry),
    readOnly: true,
    firstKey: -1,
  }),
  /** SLOWLOG LEN: how many entries the slow log holds. */
  slowLogLen: define<[], number>('SLOWLOG LEN', { readOnly: true, firstKey: -1 }),
  /** SLOWLOG RESET: empties the slow log. */
  slowLogReset: define<[], 'OK'>('SLOWLOG RESET', { transform: toOk, firstKey: -1 }),
});
