// @layer L2 commands
/**
 * Server commands: health checks, INFO, CONFIG, CLIENT (of any connection), SLOWLOG, flushing.
 * Commands that change the state of the connection running them (SELECT, CLIENT SETNAME...)
 * are in connection.ts: they exist on leases only.
 *
 * Text replies (INFO, CLIENT INFO, CLIENT LIST) are RESP2 bulk strings and RESP3 verbatim
 * strings; the decoder strips the verbatim format, so both parse the same. They are server
 * text, so they are read as strings even when the client returns Buffers.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, arrayOf, boolean, bytes, integer, oneOf, optionsSpec, text } from './check-options.js';
import { checkInteger, flushArgs, invalid, listOf, type FlushMode } from './arguments.js';
import { define, type Key, type Value, type ServerText } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, asStringOrNull, toNumber, toRecord } from './replies.js';

export type { FlushMode };

/** INFO parsed: section name (lower case, e.g. "server", "commandstats") → field → value as sent. */
export type InfoReply = Record<string, Record<string, ServerText>>;

/** One client as CLIENT INFO / CLIENT LIST describe it: field → value as sent (e.g. id, addr, name, db, cmd). */
export type ClientRecord = Record<string, ServerText>;

/** Client kinds for CLIENT LIST TYPE and CLIENT KILL TYPE. */
export type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';


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

const CLIENT_TYPE = oneOf('normal', 'master', 'replica', 'pubsub');
const CLIENT_LIST_OPTIONS = optionsSpec({ type: CLIENT_TYPE, ids: arrayOf(integer(1), 'client ids', true) }, [['type', 'ids']]);
const CLIENT_KILL_FILTERS = optionsSpec({ id: integer(1), type: CLIENT_TYPE, addr: text, laddr: text, user: bytes, skipMe: boolean });
const MEMORY_USAGE_OPTIONS = optionsSpec({ samples: integer(0) });




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


/** Server commands: health, INFO, CONFIG, CLIENT (of any connection), SLOWLOG, flushing. */
export interface ServerCommands<K extends Kind> {
  /** PING [message]: "PONG", or the message. */
  ping(message?: Value): Out<K, ServerText>;
  /** ECHO message: the message (a Buffer when the client returns Buffers). */
  echo(message: Value): Out<K, string>;
  /**
   * INFO [section ...]: the server's report, by section ("server", "clients", "memory",
   * "commandstats"...; "all" or "everything" for more than the default). Values stay strings
   * as sent; commandstats values are "calls=N,usec=N,...". One section or an array of them.
   */
  info(sections?: string | readonly string[]): Out<K, InfoReply>;
  /** DBSIZE: the number of keys in the client's database. */
  dbSize(): Out<K, number>;
  /** FLUSHDB [ASYNC|SYNC]: deletes every key of the client's database. */
  flushDb(mode?: FlushMode): Out<K, 'OK'>;
  /** FLUSHALL [ASYNC|SYNC]: deletes every key of every database. */
  flushAll(mode?: FlushMode): Out<K, 'OK'>;
  /** TIME: the server clock. */
  time(): Out<K, ServerTime>;
  /** LASTSAVE: when the last successful save to disk happened (Unix seconds). */
  lastSave(): Out<K, number>;
  /** SWAPDB index1 index2: exchanges the contents of two databases for every client. */
  swapDb(index1: number, index2: number): Out<K, 'OK'>;
  /** COMMAND COUNT: how many commands the server has. */
  commandCount(): Out<K, number>;
  /** MEMORY USAGE key [SAMPLES n]: bytes the key and its value take, or null when the key does not exist. */
  memoryUsage(key: Key, options?: MemoryUsageOptions): Out<K, number | null>;
  /** CLIENT ID: the id of the connection that ran the command (one of the pool's). */
  clientId(): Out<K, number>;
  /** CLIENT GETNAME: the connection's name (the `clientName` option), or null. */
  clientGetName(): Out<K, ServerText | null>;
  /** CLIENT INFO: fields of the connection that ran the command (id, addr, name, db, resp...). */
  clientInfo(): Out<K, ClientRecord>;
  /** CLIENT LIST [TYPE type | ID id ...]: one record per connected client. */
  clientList(options?: ClientListOptions): Out<K, ClientRecord[]>;
  /** CLIENT KILL filter [filter ...]: how many clients were closed. At least one filter besides skipMe is required. */
  clientKill(filters: ClientKillFilters): Out<K, number>;
  /**
   * CLIENT PAUSE timeoutMs [WRITE|ALL]: holds clients' commands (only writes with WRITE) for
   * `timeoutMs` milliseconds; replicas are not paused. Under ALL, CLIENT UNPAUSE waits too.
   */
  clientPause(timeoutMs: number, mode?: 'WRITE' | 'ALL'): Out<K, 'OK'>;
  /** CLIENT UNPAUSE: ends a CLIENT PAUSE early. */
  clientUnpause(): Out<K, 'OK'>;
  /** CONFIG GET parameter [parameter ...]: matching parameters (glob patterns allowed) and their values. One name or an array. */
  configGet(parameters: string | readonly string[]): Out<K, Record<string, ServerText>>;
  /** CONFIG SET parameter value [parameter value ...]: sets every parameter, or none on error. */
  configSet(parameters: Record<string, Value>): Out<K, 'OK'>;
  /** CONFIG RESETSTAT: zeroes INFO statistics (commandstats, errorstats, keyspace hits...). */
  configResetStat(): Out<K, 'OK'>;
  /** SLOWLOG GET [count]: the latest slow log entries, newest first (server default 10; -1 for all). */
  slowLogGet(count?: number): Out<K, SlowLogEntry[]>;
  /** SLOWLOG LEN: how many entries the slow log holds. */
  slowLogLen(): Out<K, number>;
  /** SLOWLOG RESET: empties the slow log. */
  slowLogReset(): Out<K, 'OK'>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const serverCommands = (): Definitions<ServerCommands<DefinitionKind>> => ({
  ping: define('PING', { build: (message?: Value) => (message === undefined ? [] : [message]), transform: asString, readOnly: true, keys: [] }),
  echo: define('ECHO', { readOnly: true, keys: [] }),
  info: define('INFO', {
    build: (sections?: string | readonly string[]) => (sections === undefined ? [] : listOf('info', 'section', sections)),
    transform: parseInfo,
    readOnly: true,
    keys: [],
  }),
  dbSize: define('DBSIZE', { arity: 0, readOnly: true, keys: [] }),
  flushDb: define('FLUSHDB', { build: (mode?: FlushMode) => flushArgs('flushDb', mode), keys: [] }),
  flushAll: define('FLUSHALL', { build: (mode?: FlushMode) => flushArgs('flushAll', mode), keys: [] }),
  time: define('TIME', {
    arity: 0,
    transform: (r) => ({ seconds: toNumber((r as unknown[])[0]), microseconds: toNumber((r as unknown[])[1]) }),
    readOnly: true,
    keys: [],
  }),
  lastSave: define('LASTSAVE', { arity: 0, readOnly: true, keys: [] }),
  swapDb: define('SWAPDB', {
    build: (index1: number, index2: number) => [checkInteger('swapDb', 'index1', index1, 0), checkInteger('swapDb', 'index2', index2, 0)],
    keys: [],
  }),
  commandCount: define('COMMAND COUNT', { arity: 0, readOnly: true, keys: [] }),
  memoryUsage: define('MEMORY USAGE', {
    build: (key: Key, options?: MemoryUsageOptions) => {
      checkOptions('memoryUsage', options, MEMORY_USAGE_OPTIONS);
      return options?.samples === undefined ? [key] : [key, 'SAMPLES', options.samples];
    },
    readOnly: true,
  }),
  clientId: define('CLIENT ID', { arity: 0, readOnly: true, keys: [] }),
  clientGetName: define('CLIENT GETNAME', { arity: 0, transform: asStringOrNull, readOnly: true, keys: [] }),
  clientInfo: define('CLIENT INFO', { arity: 0, transform: (r) => parseClientLine(asString(r).trim()), readOnly: true, keys: [] }),
  clientList: define('CLIENT LIST', {
    build: (options?: ClientListOptions) => {
      checkOptions('clientList', options, CLIENT_LIST_OPTIONS);
      if (options?.type !== undefined) return ['TYPE', options.type];
      if (options?.ids !== undefined) return ['ID', ...options.ids];
      return [];
    },
    transform: parseClientList,
    readOnly: true,
    keys: [],
  }),
  clientKill: define('CLIENT KILL', {
    build: (filters: ClientKillFilters) => {
      if (typeof filters !== 'object' || filters === null) invalid('clientKill', 'expected an object of filters');
      checkOptions('clientKill', filters, CLIENT_KILL_FILTERS);
      const out: Arg[] = [];
      if (filters.id !== undefined) out.push('ID', filters.id);
      if (filters.type !== undefined) out.push('TYPE', filters.type);
      if (filters.addr !== undefined) out.push('ADDR', filters.addr);
      if (filters.laddr !== undefined) out.push('LADDR', filters.laddr);
      if (filters.user !== undefined) out.push('USER', filters.user);
      // SKIPME alone would close every other client: require a real filter.
      if (out.length === 0) invalid('clientKill', 'give at least one of id, type, addr, laddr and user');
      if (filters.skipMe !== undefined) out.push('SKIPME', filters.skipMe ? 'yes' : 'no');
      return out;
    },
    keys: [],
  }),
  clientPause: define('CLIENT PAUSE', {
    build: (timeoutMs: number, mode?: 'WRITE' | 'ALL') => {
      const out: Arg[] = [checkInteger('clientPause', 'timeoutMs', timeoutMs, 0)];
      if (mode !== undefined) {
        if (mode !== 'WRITE' && mode !== 'ALL') invalid('clientPause', 'mode must be "WRITE" or "ALL"');
        out.push(mode);
      }
      return out;
    },
    keys: [],
  }),
  clientUnpause: define('CLIENT UNPAUSE', { arity: 0, keys: [] }),
  configGet: define('CONFIG GET', {
    build: (parameters: string | readonly string[]) => listOf('configGet', 'parameter', parameters),
    transform: (r) => toRecord(r, asString),
    readOnly: true,
    keys: [],
  }),
  configSet: define('CONFIG SET', {
    build: (parameters: Record<string, Value>) => {
      const out: Arg[] = [];
      if (typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters)) for (const name of Object.keys(parameters)) out.push(name, parameters[name]);
      if (out.length === 0) invalid('configSet', 'expected a record of at least one parameter');
      return out;
    },
    keys: [],
  }),
  configResetStat: define('CONFIG RESETSTAT', { arity: 0, keys: [] }),
  slowLogGet: define('SLOWLOG GET', {
    build: (count?: number) => (count === undefined ? [] : [checkInteger('slowLogGet', 'count', count, -1)]),
    transform: (r) => (r as unknown[]).map(toSlowLogEntry),
    readOnly: true,
    keys: [],
  }),
  slowLogLen: define('SLOWLOG LEN', { arity: 0, readOnly: true, keys: [] }),
  slowLogReset: define('SLOWLOG RESET', { arity: 0, keys: [] }),
});
