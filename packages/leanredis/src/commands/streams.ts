// @layer L2 commands
/**
 * Stream commands: adding, reading, trimming and deleting entries. Consumer groups (XREADGROUP,
 * XACK, XCLAIM, XPENDING, XINFO, XGROUP) are in stream-groups.ts; `client.streamConsumer()`
 * drives a group as an async iterator.
 *
 * An entry is read as `{ id, fields }`, its fields a prototype-free record (a field name given
 * twice in one XADD keeps its last value). XREAD answers with a RESP3 map or a RESP2 list of
 * [stream, entries] pairs; both read as `{ key, entries }[]` in the order the streams were given.
 * XREAD and XREADGROUP with `blockMs` block: on the client they run on a leased connection,
 * like BLPOP.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, bytes, integer, optionsSpec, type OptionCheck } from './check-options.js';
import { flattenEntries, invalid, listOf } from './arguments.js';
import { define, type BlockSpec, type Key, type KeySpec, type ServerText } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import type { Entries } from './strings.js';
import { asString, toRecord } from './replies.js';

/** A stream entry id, "<ms>-<seq>" ("1700000000000-0"); "*" asks the server for one, "-" / "+" are the ends of a range. */
export type StreamId = string;

/** One stream entry. */
export interface StreamEntry {
  id: ServerText;
  /** Field → value (a field given twice in one entry keeps its last value). */
  fields: Record<string, string>;
}

/** Entries read from one stream (XREAD). */
export interface StreamEntries {
  key: string;
  entries: StreamEntry[];
}

/** How to trim a stream: by length (MAXLEN) or by lowest id (MINID); give one. */
export interface StreamTrim {
  /** Keep at most this many entries (MAXLEN). */
  maxLen?: number;
  /** Drop entries with an id lower than this (MINID). */
  minId?: StreamId;
  /** Trim only whole macro nodes ("~"): much cheaper, may keep a few more. @default false (exact, "=") */
  approximate?: boolean;
  /** With `approximate`: evict at most this many entries per call (LIMIT). @default the server's (100 × node size) */
  limit?: number;
}

export interface XAddOptions {
  /** The new entry's id. @default "*" (the server makes one from its clock) */
  id?: StreamId;
  /** Do not create the stream when it does not exist (NOMKSTREAM); the reply is then null. @default false */
  noMkStream?: boolean;
  /** Trim the stream while adding. @default no trimming */
  trim?: StreamTrim;
}

export interface XRangeOptions {
  /** Return at most this many entries (COUNT). @default all */
  count?: number;
}

export interface XReadOptions {
  /** At most this many entries per stream (COUNT). @default all */
  count?: number;
  /**
   * Wait up to this long for an entry when none is there (BLOCK); 0 waits forever. The call runs
   * on a connection of its own meanwhile. (ms) @default no wait
   */
  blockMs?: number;
}

export interface XSetIdOptions {
  /** The number of entries ever added (ENTRIESADDED). */
  entriesAdded?: number;
  /** The highest id ever deleted (MAXDELETEDID). */
  maxDeletedId?: StreamId;
}

/** Streams to read and the id to read after, for each: a record, or [key, id] pairs (for Buffer keys or a fixed order). */
export type StreamOffsets = Record<string, StreamId> | readonly (readonly [Key, StreamId])[];

const id: OptionCheck = bytes;
const TRIM = optionsSpec({ maxLen: integer(0), minId: id, approximate: boolean, limit: integer(0) }, [['maxLen', 'minId']]);
const XADD_OPTIONS = optionsSpec({ id, noMkStream: boolean, trim: (v, method, name) => (checkTrim(method ?? '', v, `${name}.`), undefined) });
const XRANGE_OPTIONS = optionsSpec({ count: integer(0) });
const XREAD_OPTIONS = optionsSpec({ count: integer(1), blockMs: integer(0) });
const XSETID_OPTIONS = optionsSpec({ entriesAdded: integer(0), maxDeletedId: id });

/** XREAD / XREADGROUP: keys after STREAMS, the first half of what follows. */
export const STREAMS_KEYS: readonly KeySpec[] = [{ keyword: 'STREAMS', startFrom: 0, lastKey: -1, limit: 2 }];
/** XREAD / XREADGROUP block only with BLOCK before STREAMS. */
export const BLOCK_OPTION: BlockSpec = { keyword: 'BLOCK', before: 'STREAMS', unit: 'ms' };

/** Checks a trim spec (also as an XADD option) and returns MAXLEN|MINID [=|~] threshold [LIMIT n]. */
export function checkTrim(method: string, trim: unknown, path = ''): Arg[] {
  if (typeof trim !== 'object' || trim === null) invalid(method, 'expected a trim as { maxLen } or { minId }');
  checkOptions(method, trim, TRIM, path);
  const t = trim as StreamTrim;
  if (t.maxLen === undefined && t.minId === undefined) invalid(method, `${path}maxLen or ${path}minId is required`);
  if (t.limit !== undefined && !t.approximate) invalid(method, `${path}limit needs ${path}approximate: true (the server refuses LIMIT with exact trimming)`);
  const out: Arg[] = t.maxLen !== undefined ? ['MAXLEN', t.approximate ? '~' : '=', t.maxLen] : ['MINID', t.approximate ? '~' : '=', t.minId as string];
  if (t.limit !== undefined) out.push('LIMIT', t.limit);
  return out;
}

/** The keys and ids after STREAMS: k1 k2 ... id1 id2 ... */
export function streamOffsets(method: string, streams: StreamOffsets): Arg[] {
  const pairs: [Key, StreamId][] = [];
  if (Array.isArray(streams)) {
    for (const pair of streams) {
      if (!Array.isArray(pair) || pair.length !== 2) invalid(method, 'expected [key, id] pairs');
      pairs.push([pair[0] as Key, pair[1] as StreamId]);
    }
  } else if (typeof streams === 'object' && streams !== null && !Buffer.isBuffer(streams)) {
    const record = streams as Record<string, StreamId>;
    for (const k of Object.keys(record)) pairs.push([k, record[k]]);
  } else {
    invalid(method, 'expected streams as { key: id } or [key, id] pairs');
  }
  if (pairs.length === 0) invalid(method, 'expected at least one stream');
  return ['STREAMS', ...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
}

/** [id, [f, v, ...]] as an entry; null fields (a deleted entry still pending) stay null. */
export function toEntryOrDeleted(reply: unknown): { id: ServerText; fields: Record<string, string> | null } {
  const [entryId, flat] = reply as [unknown, unknown];
  return { id: asString(entryId), fields: flat === null ? null : toRecord(flat, asText) };
}

export function toEntry(reply: unknown): StreamEntry {
  return toEntryOrDeleted(reply) as StreamEntry;
}

export function toEntries(reply: unknown): StreamEntry[] {
  return reply === null ? [] : (reply as unknown[]).map(toEntry);
}

/** XREAD's reply (RESP3 map or RESP2 [[key, entries], ...]) as { key, entries } in order; null when nothing arrived. */
export function toStreams<E>(reply: unknown, entry: (e: unknown) => E): { key: string; entries: E[] }[] | null {
  if (reply === null) return null;
  const out: { key: string; entries: E[] }[] = [];
  const push = (key: unknown, entries: unknown): void => {
    out.push({ key: key as string, entries: entries === null ? [] : (entries as unknown[]).map(entry) });
  };
  if (reply instanceof Map) for (const [key, entries] of reply) push(key, entries);
  else for (const pair of reply as unknown[][]) push(pair[0], pair[1]);
  return out;
}

const asText = (v: unknown): string => v as string;

function xAddArgs(key: Key, fields: Entries, options: XAddOptions | undefined): Arg[] {
  checkOptions('xAdd', options, XADD_OPTIONS);
  const out: Arg[] = [key];
  if (options?.noMkStream) out.push('NOMKSTREAM');
  if (options?.trim !== undefined) out.push(...checkTrim('xAdd', options.trim, 'trim.'));
  out.push(options?.id ?? '*', ...flattenEntries('xAdd', fields));
  return out;
}

function rangeArgs(method: string, key: Key, first: StreamId, last: StreamId, options: XRangeOptions | undefined): Arg[] {
  checkOptions(method, options, XRANGE_OPTIONS);
  return options?.count === undefined ? [key, first, last] : [key, first, last, 'COUNT', options.count];
}

/** Stream commands (consumer groups: StreamGroupCommands). */
export interface StreamCommands<K extends Kind> {
  /**
   * XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] n [LIMIT n]] id|* field value [...]: adds an
   * entry (fields as a record or [field, value] pairs); its id, or null when `noMkStream`
   * found no stream.
   */
  xAdd(key: Key, fields: Entries, options?: XAddOptions): Out<K, ServerText | null>;
  /** XLEN key: the number of entries; 0 when the key does not exist. */
  xLen(key: Key): Out<K, number>;
  /** XRANGE key start end [COUNT n]: entries from start to end ("-" and "+" for the ends; "(" before an id excludes it). */
  xRange(key: Key, start: StreamId, end: StreamId, options?: XRangeOptions): Out<K, StreamEntry[]>;
  /** XREVRANGE key end start [COUNT n]: entries from end down to start, newest first. */
  xRevRange(key: Key, end: StreamId, start: StreamId, options?: XRangeOptions): Out<K, StreamEntry[]>;
  /**
   * XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]: entries after each id ("$":
   * only new ones, with `blockMs`), per stream; null when none arrived (after `blockMs`).
   */
  xRead(streams: StreamOffsets, options?: XReadOptions): Out<K, StreamEntries[] | null>;
  /** XDEL key id [id ...]: how many entries were deleted. One id or an array. */
  xDel(key: Key, ids: StreamId | readonly StreamId[]): Out<K, number>;
  /** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT n]: trims the stream; how many entries were removed. */
  xTrim(key: Key, trim: StreamTrim): Out<K, number>;
  /** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]: sets the stream's last id (and counters, for replication tools). */
  xSetId(key: Key, lastId: StreamId, options?: XSetIdOptions): Out<K, 'OK'>;
}

/** The family's definitions, built on first use (see commands/table.ts). */
export const streamCommands = (): Definitions<StreamCommands<DefinitionKind>> => ({
  xAdd: define('XADD', {
    build: (key: Key, fields: Entries, options?: XAddOptions) => xAddArgs(key, fields, options),
    transform: (r) => (r === null ? null : asString(r)),
  }),
  xLen: define('XLEN', { readOnly: true }),
  xRange: define('XRANGE', {
    build: (key: Key, start: StreamId, end: StreamId, options?: XRangeOptions) => rangeArgs('xRange', key, start, end, options),
    transform: toEntries,
    readOnly: true,
  }),
  xRevRange: define('XREVRANGE', {
    build: (key: Key, end: StreamId, start: StreamId, options?: XRangeOptions) => rangeArgs('xRevRange', key, end, start, options),
    transform: toEntries,
    readOnly: true,
  }),
  xRead: define('XREAD', {
    build: (streams: StreamOffsets, options?: XReadOptions) => {
      checkOptions('xRead', options, XREAD_OPTIONS);
      const out: Arg[] = [];
      if (options?.count !== undefined) out.push('COUNT', options.count);
      if (options?.blockMs !== undefined) out.push('BLOCK', options.blockMs);
      out.push(...streamOffsets('xRead', streams));
      return out;
    },
    transform: (r) => toStreams(r, toEntry),
    readOnly: true,
    keys: STREAMS_KEYS,
    block: BLOCK_OPTION,
  }),
  xDel: define('XDEL', { build: (key: Key, ids: StreamId | readonly StreamId[]) => [key, ...listOf('xDel', 'id', ids)] }),
  xTrim: define('XTRIM', { build: (key: Key, trim: StreamTrim) => [key, ...checkTrim('xTrim', trim)] }),
  xSetId: define('XSETID', {
    build: (key: Key, lastId: StreamId, options?: XSetIdOptions) => {
      checkOptions('xSetId', options, XSETID_OPTIONS);
      const out: Arg[] = [key, lastId];
      if (options?.entriesAdded !== undefined) out.push('ENTRIESADDED', options.entriesAdded);
      if (options?.maxDeletedId !== undefined) out.push('MAXDELETEDID', options.maxDeletedId);
      return out;
    },
  }),
});
