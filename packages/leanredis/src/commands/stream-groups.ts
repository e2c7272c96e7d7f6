// @layer L2 commands
/**
 * Stream consumer groups: reading as a group member (XREADGROUP), acknowledging (XACK),
 * inspecting and claiming pending entries (XPENDING, XCLAIM, XAUTOCLAIM), managing groups
 * (XGROUP) and describing streams, groups and consumers (XINFO). Replies are maps in RESP3 and
 * flat [name, value, ...] lists in RESP2; both read as the same typed objects.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, bytes, integer, optionsSpec } from './check-options.js';
import { invalid, listOf } from './arguments.js';
import { define, type Key, type ServerText } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, asStringOrNull, toBoolean, toNumber, toNumberOrNull, toRecord } from './replies.js';
import { toStreamInfoFull, type StreamInfoFull } from './stream-info-full.js';
import { BLOCK_OPTION, STREAMS_KEYS, streamOffsets, toEntries, toEntry, toEntryOrDeleted, toStreams, type StreamEntry, type StreamId, type StreamOffsets } from './streams.js';

/** An entry read by a group member; `fields` is null for an entry deleted while still pending (reading history). */
export interface StreamGroupEntry {
  id: ServerText;
  fields: Record<string, string> | null;
}

/** Entries read from one stream by a group member (XREADGROUP). */
export interface StreamGroupEntries {
  key: string;
  entries: StreamGroupEntry[];
}

export interface XReadGroupOptions {
  /** At most this many entries per stream (COUNT). @default all */
  count?: number;
  /** Wait up to this long for a new entry (BLOCK); 0 waits forever; the call runs on a connection of its own meanwhile. (ms) @default no wait */
  blockMs?: number;
  /** Do not add the entries to the pending list: acknowledged as read (NOACK). @default false */
  noAck?: boolean;
}

/** The pending list of a group, summed up (XPENDING key group). */
export interface PendingSummary {
  /** Entries delivered and not yet acknowledged. */
  count: number;
  /** The lowest and highest pending ids; null when nothing is pending. */
  minId: ServerText | null;
  maxId: ServerText | null;
  /** Pending entries per consumer (consumers with none are not listed). */
  consumers: { name: string; count: number }[];
}

/** One pending entry (XPENDING key group start end count). */
export interface PendingEntry {
  id: ServerText;
  /** The consumer it was last delivered to. */
  consumer: string;
  /** Time since it was last delivered. (ms) */
  idleMs: number;
  /** How many times it was delivered. */
  deliveries: number;
}

export interface XPendingRangeOptions {
  /** Only entries idle at least this long (IDLE). (ms) @default any */
  minIdleMs?: number;
  /** Only this consumer's entries. @default every consumer */
  consumer?: string;
}

export interface XClaimOptions {
  /** Set the entries' idle time to this (IDLE). (ms) @default 0 (just claimed) */
  idleMs?: number;
  /** Set the entries' last delivery to this Unix time (TIME). (ms) */
  unixTimeMs?: number;
  /** Set the delivery count (RETRYCOUNT). @default incremented by one */
  retryCount?: number;
  /** Create pending entries for ids not pending yet, if they exist in the stream (FORCE). @default false */
  force?: boolean;
  /** Update the group's last delivered id (LASTID). */
  lastId?: StreamId;
}

export interface XAutoClaimOptions {
  /** Claim at most this many entries (COUNT). @default 100 */
  count?: number;
}

/** XAUTOCLAIM's reply: the entries claimed, where to continue, and pending ids whose entries were deleted (now dropped from the pending list). */
export interface AutoClaimed {
  /** The start for the next call; "0-0" when the scan is complete. */
  nextId: ServerText;
  entries: StreamEntry[];
  deletedIds: ServerText[];
}

/** XAUTOCLAIM ... JUSTID: like AutoClaimed, with ids only. */
export interface AutoClaimedIds {
  nextId: ServerText;
  ids: ServerText[];
  deletedIds: ServerText[];
}

/** XINFO STREAM key. */
export interface StreamInfo {
  length: number;
  radixTreeKeys: number;
  radixTreeNodes: number;
  lastGeneratedId: ServerText;
  maxDeletedEntryId: ServerText;
  entriesAdded: number;
  recordedFirstEntryId: ServerText;
  /** The number of consumer groups. */
  groups: number;
  firstEntry: StreamEntry | null;
  lastEntry: StreamEntry | null;
}

/** XINFO GROUPS key: one group. */
export interface StreamGroupInfo {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: ServerText;
  /** Entries read by the group so far; null when the server cannot tell. */
  entriesRead: number | null;
  /** Entries not delivered to the group yet; null when the server cannot tell. */
  lag: number | null;
}

/** XINFO CONSUMERS key group: one consumer. */
export interface StreamConsumerInfo {
  name: string;
  pending: number;
  /** Since its last attempted interaction (a read, a claim). (ms) */
  idleMs: number;
  /** Since its last successful interaction; -1 when it never had one (Redis 7.2); null on older servers. (ms) */
  inactiveMs: number | null;
}

export interface XGroupCreateOptions {
  /** Create the stream (empty) when it does not exist (MKSTREAM). @default false: the server refuses */
  mkStream?: boolean;
  /** The group's entries-read counter, for lag tracking (ENTRIESREAD). */
  entriesRead?: number;
}

const XREADGROUP_OPTIONS = optionsSpec({ count: integer(1), blockMs: integer(0), noAck: boolean });
const PENDING_OPTIONS = optionsSpec({ minIdleMs: integer(0), consumer: bytes });
const XCLAIM_OPTIONS = optionsSpec({ idleMs: integer(0), unixTimeMs: integer(0), retryCount: integer(0), force: boolean, lastId: bytes }, [['idleMs', 'unixTimeMs']]);
const XAUTOCLAIM_OPTIONS = optionsSpec({ count: integer(1) });
const GROUP_CREATE_OPTIONS = optionsSpec({ mkStream: boolean, entriesRead: integer(0) });
const GROUP_SETID_OPTIONS = optionsSpec({ entriesRead: integer(0) });

function xClaimArgs(method: string, key: Key, group: string, consumer: string, minIdleMs: number, ids: StreamId | readonly StreamId[], options: XClaimOptions | undefined): Arg[] {
  checkOptions(method, options, XCLAIM_OPTIONS);
  if (!Number.isSafeInteger(minIdleMs) || minIdleMs < 0) invalid(method, 'minIdleMs must be an integer >= 0 (ms)');
  const out: Arg[] = [key, group, consumer, minIdleMs, ...listOf(method, 'id', ids)];
  if (options === undefined) return out;
  if (options.idleMs !== undefined) out.push('IDLE', options.idleMs);
  if (options.unixTimeMs !== undefined) out.push('TIME', options.unixTimeMs);
  if (options.retryCount !== undefined) out.push('RETRYCOUNT', options.retryCount);
  if (options.force) out.push('FORCE');
  if (options.lastId !== undefined) out.push('LASTID', options.lastId);
  return out;
}

function xAutoClaimArgs(method: string, key: Key, group: string, consumer: string, minIdleMs: number, start: StreamId, options: XAutoClaimOptions | undefined): Arg[] {
  checkOptions(method, options, XAUTOCLAIM_OPTIONS);
  if (!Number.isSafeInteger(minIdleMs) || minIdleMs < 0) invalid(method, 'minIdleMs must be an integer >= 0 (ms)');
  const out: Arg[] = [key, group, consumer, minIdleMs, start];
  if (options?.count !== undefined) out.push('COUNT', options.count);
  return out;
}

const texts = (r: unknown): ServerText[] => (r === null ? [] : (r as unknown[]).map(asString));
const entryOrNull = (r: unknown): StreamEntry | null => (r === null ? null : toEntry(r));

function toPendingSummary(reply: unknown): PendingSummary {
  const [count, minId, maxId, consumers] = reply as [unknown, unknown, unknown, unknown];
  return {
    count: toNumber(count),
    minId: asStringOrNull(minId),
    maxId: asStringOrNull(maxId),
    consumers: consumers === null ? [] : (consumers as unknown[][]).map(([name, n]) => ({ name: name as string, count: toNumber(n) })),
  };
}

function toStreamInfo(reply: unknown): StreamInfo {
  const r = toRecord(reply);
  return {
    length: toNumber(r.length),
    radixTreeKeys: toNumber(r['radix-tree-keys']),
    radixTreeNodes: toNumber(r['radix-tree-nodes']),
    lastGeneratedId: asString(r['last-generated-id']),
    maxDeletedEntryId: asString(r['max-deleted-entry-id']),
    entriesAdded: toNumber(r['entries-added']),
    recordedFirstEntryId: asString(r['recorded-first-entry-id']),
    groups: toNumber(r.groups),
    firstEntry: entryOrNull(r['first-entry'] ?? null),
    lastEntry: entryOrNull(r['last-entry'] ?? null),
  };
}

function toGroupInfo(reply: unknown): StreamGroupInfo {
  const r = toRecord(reply);
  return {
    name: r.name as string,
    consumers: toNumber(r.consumers),
    pending: toNumber(r.pending),
    lastDeliveredId: asString(r['last-delivered-id']),
    entriesRead: toNumberOrNull(r['entries-read'] ?? null),
    lag: toNumberOrNull(r.lag ?? null),
  };
}

function toConsumerInfo(reply: unknown): StreamConsumerInfo {
  const r = toRecord(reply);
  return { name: r.name as string, pending: toNumber(r.pending), idleMs: toNumber(r.idle), inactiveMs: toNumberOrNull(r.inactive ?? null) };
}

/** Consumer group commands. */
export interface StreamGroupCommands<K extends Kind> {
  /**
   * XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...]:
   * entries for this consumer; id ">" for new ones, another id to re-read its own pending ones.
   * Null when none arrived (after `blockMs`). For a loop with acknowledgement and claiming, see
   * `client.streamConsumer()`.
   */
  xReadGroup(group: string, consumer: string, streams: StreamOffsets, options?: XReadGroupOptions): Out<K, StreamGroupEntries[] | null>;
  /** XACK key group id [id ...]: acknowledges entries (drops them from the pending list); how many were pending. */
  xAck(key: Key, group: string, ids: StreamId | readonly StreamId[]): Out<K, number>;
  /** XPENDING key group: the group's pending list summed up. */
  xPending(key: Key, group: string): Out<K, PendingSummary>;
  /** XPENDING key group [IDLE ms] start end count [consumer]: pending entries in an id range, oldest first. */
  xPendingRange(key: Key, group: string, start: StreamId, end: StreamId, count: number, options?: XPendingRangeOptions): Out<K, PendingEntry[]>;
  /**
   * XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
   * [LASTID id]: takes over entries pending for at least minIdleMs; the entries claimed.
   */
  xClaim(key: Key, group: string, consumer: string, minIdleMs: number, ids: StreamId | readonly StreamId[], options?: XClaimOptions): Out<K, StreamEntry[]>;
  /** XCLAIM ... JUSTID: like xClaim, replying with the ids only (the delivery count is not incremented). */
  xClaimJustId(key: Key, group: string, consumer: string, minIdleMs: number, ids: StreamId | readonly StreamId[], options?: XClaimOptions): Out<K, ServerText[]>;
  /** XAUTOCLAIM key group consumer min-idle-time start [COUNT n]: claims entries pending at least minIdleMs, scanning from start. */
  xAutoClaim(key: Key, group: string, consumer: string, minIdleMs: number, start: StreamId, options?: XAutoClaimOptions): Out<K, AutoClaimed>;
  /** XAUTOCLAIM ... JUSTID: like xAutoClaim, with ids only. */
  xAutoClaimJustId(key: Key, group: string, consumer: string, minIdleMs: number, start: StreamId, options?: XAutoClaimOptions): Out<K, AutoClaimedIds>;
  /** XINFO STREAM key: the stream's length, ids, counters and first and last entries. */
  xInfoStream(key: Key): Out<K, StreamInfo>;
  /**
   * XINFO STREAM key FULL [COUNT n]: everything about the stream: its counters, its entries (up
   * to count, 10 by default, 0 for all), its groups with their pending entries and consumers.
   */
  xInfoStreamFull(key: Key, options?: { count?: number }): Out<K, StreamInfoFull>;
  /** XINFO GROUPS key: the stream's consumer groups. */
  xInfoGroups(key: Key): Out<K, StreamGroupInfo[]>;
  /** XINFO CONSUMERS key group: the group's consumers. */
  xInfoConsumers(key: Key, group: string): Out<K, StreamConsumerInfo[]>;
  /**
   * XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]: creates a group that will deliver
   * entries after `id` ("$": only new ones, "0": all). Rejects with BUSYGROUP when it exists.
   */
  xGroupCreate(key: Key, group: string, id: StreamId, options?: XGroupCreateOptions): Out<K, 'OK'>;
  /** XGROUP CREATECONSUMER key group consumer: true when the consumer was created (false: it existed). */
  xGroupCreateConsumer(key: Key, group: string, consumer: string): Out<K, boolean>;
  /** XGROUP DELCONSUMER key group consumer: removes a consumer; how many entries it had pending (now dropped). */
  xGroupDelConsumer(key: Key, group: string, consumer: string): Out<K, number>;
  /** XGROUP DESTROY key group: true when the group existed and was removed. */
  xGroupDestroy(key: Key, group: string): Out<K, boolean>;
  /** XGROUP SETID key group id|$ [ENTRIESREAD n]: moves the group's last delivered id. */
  xGroupSetId(key: Key, group: string, id: StreamId, options?: { entriesRead?: number }): Out<K, 'OK'>;
}

const XINFO_FULL_OPTIONS = optionsSpec({ count: integer(0) });
const GROUP_KEY = [{ index: 0 }];

/** The family's definitions, built on first use (see commands/table.ts). */
export const streamGroupCommands = (): Definitions<StreamGroupCommands<DefinitionKind>> => ({
  xReadGroup: define('XREADGROUP', {
    build: (group: string, consumer: string, streams: StreamOffsets, options?: XReadGroupOptions) => {
      checkOptions('xReadGroup', options, XREADGROUP_OPTIONS);
      const out: Arg[] = ['GROUP', group, consumer];
      if (options?.count !== undefined) out.push('COUNT', options.count);
      if (options?.blockMs !== undefined) out.push('BLOCK', options.blockMs);
      if (options?.noAck) out.push('NOACK');
      out.push(...streamOffsets('xReadGroup', streams));
      return out;
    },
    transform: (r) => toStreams(r, toEntryOrDeleted),
    keys: STREAMS_KEYS,
    block: BLOCK_OPTION,
  }),
  xAck: define('XACK', { build: (key: Key, group: string, ids: StreamId | readonly StreamId[]) => [key, group, ...listOf('xAck', 'id', ids)] }),
  xPending: define('XPENDING', { arity: 2, transform: toPendingSummary, readOnly: true }),
  xPendingRange: define('XPENDING', {
    build: (key: Key, group: string, start: StreamId, end: StreamId, count: number, options?: XPendingRangeOptions) => {
      checkOptions('xPendingRange', options, PENDING_OPTIONS);
      const out: Arg[] = [key, group];
      if (options?.minIdleMs !== undefined) out.push('IDLE', options.minIdleMs);
      out.push(start, end, count);
      if (options?.consumer !== undefined) out.push(options.consumer);
      return out;
    },
    transform: (r) => (r as unknown[][]).map(([entryId, consumer, idle, deliveries]) => ({ id: asString(entryId), consumer: consumer as string, idleMs: toNumber(idle), deliveries: toNumber(deliveries) })),
    readOnly: true,
  }),
  xClaim: define('XCLAIM', {
    build: (key: Key, group: string, consumer: string, minIdleMs: number, ids: StreamId | readonly StreamId[], options?: XClaimOptions) =>
      xClaimArgs('xClaim', key, group, consumer, minIdleMs, ids, options),
    // Deleted entries come back as null from older servers: skip them (they cannot be processed).
    transform: (r) => (r as unknown[]).filter((e) => e !== null).map(toEntry),
  }),
  xClaimJustId: define('XCLAIM', {
    build: (key: Key, group: string, consumer: string, minIdleMs: number, ids: StreamId | readonly StreamId[], options?: XClaimOptions) => [
      ...xClaimArgs('xClaimJustId', key, group, consumer, minIdleMs, ids, options),
      'JUSTID',
    ],
    transform: texts,
  }),
  xAutoClaim: define('XAUTOCLAIM', {
    build: (key: Key, group: string, consumer: string, minIdleMs: number, start: StreamId, options?: XAutoClaimOptions) =>
      xAutoClaimArgs('xAutoClaim', key, group, consumer, minIdleMs, start, options),
    transform: (r) => {
      const [next, entries, deleted] = r as [unknown, unknown[], unknown];
      return { nextId: asString(next), entries: toEntries(entries.filter((e) => e !== null)), deletedIds: texts(deleted ?? null) };
    },
  }),
  xAutoClaimJustId: define('XAUTOCLAIM', {
    build: (key: Key, group: string, consumer: string, minIdleMs: number, start: StreamId, options?: XAutoClaimOptions) => [
      ...xAutoClaimArgs('xAutoClaimJustId', key, group, consumer, minIdleMs, start, options),
      'JUSTID',
    ],
    transform: (r) => {
      const [next, ids, deleted] = r as [unknown, unknown, unknown];
      return { nextId: asString(next), ids: texts(ids), deletedIds: texts(deleted ?? null) };
    },
  }),
  xInfoStream: define('XINFO STREAM', { transform: toStreamInfo, readOnly: true }),
  xInfoStreamFull: define('XINFO STREAM', {
    build: (key: Key, options?: { count?: number }) => {
      checkOptions('xInfoStreamFull', options, XINFO_FULL_OPTIONS);
      return options?.count === undefined ? [key, 'FULL'] : [key, 'FULL', 'COUNT', options.count];
    },
    transform: toStreamInfoFull,
    readOnly: true,
  }),
  xInfoGroups: define('XINFO GROUPS', { transform: (r) => (r as unknown[]).map(toGroupInfo), readOnly: true }),
  xInfoConsumers: define('XINFO CONSUMERS', { arity: 2, transform: (r) => (r as unknown[]).map(toConsumerInfo), readOnly: true }),
  xGroupCreate: define('XGROUP CREATE', {
    build: (key: Key, group: string, id: StreamId, options?: XGroupCreateOptions) => {
      checkOptions('xGroupCreate', options, GROUP_CREATE_OPTIONS);
      const out: Arg[] = [key, group, id];
      if (options?.mkStream) out.push('MKSTREAM');
      if (options?.entriesRead !== undefined) out.push('ENTRIESREAD', options.entriesRead);
      return out;
    },
    keys: GROUP_KEY,
  }),
  xGroupCreateConsumer: define('XGROUP CREATECONSUMER', { arity: 3, transform: toBoolean }),
  xGroupDelConsumer: define('XGROUP DELCONSUMER', { arity: 3 }),
  xGroupDestroy: define('XGROUP DESTROY', { arity: 2, transform: toBoolean }),
  xGroupSetId: define('XGROUP SETID', {
    build: (key: Key, group: string, id: StreamId, options?: { entriesRead?: number }) => {
      checkOptions('xGroupSetId', options, GROUP_SETID_OPTIONS);
      return options?.entriesRead === undefined ? [key, group, id] : [key, group, id, 'ENTRIESREAD', options.entriesRead];
    },
  }),
});
