// @layer L2 commands
/**
 * XINFO STREAM key FULL, read into typed records: the stream's counters, its entries, and every
 * group with its pending entries and consumers. RESP3 sends maps where RESP2 sends flat
 * [name, value, ...] lists, at every level; both read into the same objects.
 */
import type { ServerText } from './define.js';
import { asString, toNumber, toNumberOrNull, toRecord } from './replies.js';
import { toEntries, type StreamEntry } from './streams.js';

/** A pending entry of a group (XINFO STREAM FULL). */
export interface StreamPendingFull {
  id: ServerText;
  /** The consumer it was delivered to. */
  consumer: string;
  /** When it was last delivered (Unix ms). */
  deliveredAtMs: number;
  deliveryCount: number;
}

/** A consumer of a group (XINFO STREAM FULL). */
export interface StreamConsumerFull {
  name: string;
  /** Its last attempted interaction (Unix ms). */
  seenTimeMs: number;
  /** Its last successful interaction (Unix ms; Redis 7.2), null on older servers. */
  activeTimeMs: number | null;
  pelCount: number;
  /** Its pending entries: id, last delivery (Unix ms), delivery count. */
  pending: { id: ServerText; deliveredAtMs: number; deliveryCount: number }[];
}

/** A consumer group (XINFO STREAM FULL). */
export interface StreamGroupFull {
  name: string;
  lastDeliveredId: ServerText;
  /** Entries read by the group; null when the server cannot tell. */
  entriesRead: number | null;
  /** Entries not delivered to it yet; null when the server cannot tell. */
  lag: number | null;
  pelCount: number;
  pending: StreamPendingFull[];
  consumers: StreamConsumerFull[];
}

/** XINFO STREAM key FULL. */
export interface StreamInfoFull {
  length: number;
  radixTreeKeys: number;
  radixTreeNodes: number;
  lastGeneratedId: ServerText;
  maxDeletedEntryId: ServerText;
  entriesAdded: number;
  recordedFirstEntryId: ServerText;
  /** Entries from the first, up to the COUNT asked for. */
  entries: StreamEntry[];
  groups: StreamGroupFull[];
}

const list = (r: unknown): unknown[][] => (r ?? []) as unknown[][];

function toConsumer(reply: unknown): StreamConsumerFull {
  const c = toRecord(reply);
  return {
    name: c.name as string,
    seenTimeMs: toNumber(c['seen-time']),
    activeTimeMs: c['active-time'] === undefined ? null : toNumber(c['active-time']),
    pelCount: toNumber(c['pel-count']),
    pending: list(c.pending).map((p) => ({ id: asString(p[0]), deliveredAtMs: toNumber(p[1]), deliveryCount: toNumber(p[2]) })),
  };
}

function toGroup(reply: unknown): StreamGroupFull {
  const g = toRecord(reply);
  return {
    name: g.name as string,
    lastDeliveredId: asString(g['last-delivered-id']),
    entriesRead: toNumberOrNull(g['entries-read'] ?? null),
    lag: toNumberOrNull(g.lag ?? null),
    pelCount: toNumber(g['pel-count']),
    pending: list(g.pending).map((p) => ({ id: asString(p[0]), consumer: p[1] as string, deliveredAtMs: toNumber(p[2]), deliveryCount: toNumber(p[3]) })),
    consumers: list(g.consumers).map(toConsumer),
  };
}

/** Reads XINFO STREAM FULL's reply. */
export function toStreamInfoFull(reply: unknown): StreamInfoFull {
  const r = toRecord(reply);
  return {
    length: toNumber(r.length),
    radixTreeKeys: toNumber(r['radix-tree-keys']),
    radixTreeNodes: toNumber(r['radix-tree-nodes']),
    lastGeneratedId: asString(r['last-generated-id']),
    maxDeletedEntryId: asString(r['max-deleted-entry-id']),
    entriesAdded: toNumber(r['entries-added']),
    recordedFirstEntryId: asString(r['recorded-first-entry-id']),
    entries: toEntries(r.entries ?? null),
    groups: list(r.groups).map(toGroup),
  };
}
