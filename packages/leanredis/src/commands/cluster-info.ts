// @layer L2 commands
/**
 * CLUSTER commands that read the cluster's state (INFO, NODES, SLOTS, SHARDS, LINKS, MYID,
 * KEYSLOT...). Those that change the topology (ADDSLOTS, MEET, FAILOVER, SETSLOT...) are an
 * operator's, left to call() (see without-method.ts). A server without cluster support answers
 * them with an error ("This instance has cluster support disabled"), except KEYSLOT.
 */
import { checkInteger, invalid } from './arguments.js';
import { define, type Key, type ServerText } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toNumber, toRecord } from './replies.js';

/** A node as CLUSTER NODES / CLUSTER REPLICAS describe it (one line each). */
export interface ClusterNode {
  /** The node id (40 hex characters). */
  id: ServerText;
  /** "ip:port@cport", with ",hostname" when one is set. */
  address: ServerText;
  /** "myself", "master", "slave", "fail?", "fail", "handshake", "noaddr", "nofailover", "noflags". */
  flags: ServerText[];
  /** The id of its master, or null for a master. */
  masterId: ServerText | null;
  /** When the last ping was sent (Unix ms), 0 when none is pending. */
  pingSentMs: number;
  /** When the last pong was received (Unix ms). */
  pongReceivedMs: number;
  configEpoch: number;
  /** "connected" or "disconnected". */
  linkState: ServerText;
  /** Slots served: "0-5460", "42", or "[slot->-node]" / "[slot-<-node]" while migrating. */
  slots: ServerText[];
}

/** A node serving a slot range (CLUSTER SLOTS). */
export interface SlotNode {
  /** The preferred endpoint: IP, hostname, or "?" when unknown. */
  host: ServerText;
  port: number;
  id: ServerText;
  /** Further networking metadata ("hostname", "ip"...), empty when there is none. */
  metadata: Record<string, ServerText>;
}

/** A slot range and its nodes (CLUSTER SLOTS). */
export interface SlotRange {
  start: number;
  end: number;
  master: SlotNode;
  replicas: SlotNode[];
}

/** A shard (CLUSTER SHARDS): its slot ranges and nodes. */
export interface ClusterShard {
  /** Inclusive [start, end] ranges. */
  slots: [start: number, end: number][];
  /** Each node's fields as sent: id, port, ip, endpoint, hostname, role, replication-offset, health... */
  nodes: Record<string, ServerText | number>[];
}

/** CLUSTER LINKS: one TCP link of the cluster bus, fields as sent (direction, node, create-time, events, send-buffer-allocated, send-buffer-used). */
export type ClusterLink = Record<string, ServerText | number>;

function parseNodeLine(line: string): ClusterNode {
  const f = line.split(' ');
  return {
    id: f[0] as ServerText,
    address: f[1] as ServerText,
    flags: f[2].split(',') as ServerText[],
    masterId: f[3] === '-' ? null : (f[3] as ServerText),
    pingSentMs: Number(f[4]),
    pongReceivedMs: Number(f[5]),
    configEpoch: Number(f[6]),
    linkState: f[7] as ServerText,
    slots: f.slice(8) as ServerText[],
  };
}

function parseNodes(reply: unknown): ClusterNode[] {
  // CLUSTER NODES: one text with a line per node; CLUSTER REPLICAS: an array of such lines.
  const lines = Array.isArray(reply) ? reply.map(asString) : asString(reply).split('\n');
  return lines.map((l) => l.trim()).filter((l) => l !== '').map(parseNodeLine);
}

function toSlotNode(reply: unknown): SlotNode {
  const n = reply as unknown[];
  return { host: asString(n[0]), port: toNumber(n[1]), id: asString(n[2] ?? ''), metadata: toRecord(n[3], asString) };
}

function toSlotRange(reply: unknown): SlotRange {
  const r = reply as unknown[];
  return { start: toNumber(r[0]), end: toNumber(r[1]), master: toSlotNode(r[2]), replicas: r.slice(3).map(toSlotNode) };
}

const field = (v: unknown): ServerText | number => (typeof v === 'number' ? v : asString(v));

function toShard(reply: unknown): ClusterShard {
  const s = toRecord(reply);
  const bounds = (s.slots as unknown[]).map(toNumber);
  const slots: [number, number][] = [];
  for (let i = 0; i + 1 < bounds.length; i += 2) slots.push([bounds[i], bounds[i + 1]]);
  return { slots, nodes: (s.nodes as unknown[]).map((n) => toRecord(n, field)) };
}

function parseInfoText(reply: unknown): Record<string, ServerText> {
  const out: Record<string, ServerText> = Object.create(null);
  for (const raw of asString(reply).split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1) as ServerText;
  }
  return out;
}

const slot = (method: string, value: number): number => checkInteger(method, 'slot', value, 0, 16383);

function nodeId(method: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') invalid(method, 'expected a node id');
  return id;
}

/** Reading the cluster's state. */
export interface ClusterInfoCommands<K extends Kind> {
  /** CLUSTER INFO: cluster_state, cluster_slots_assigned, cluster_known_nodes... as sent. */
  clusterInfo(): Out<K, Record<string, ServerText>>;
  /** CLUSTER NODES: every node the server knows, from its point of view. */
  clusterNodes(): Out<K, ClusterNode[]>;
  /** CLUSTER REPLICAS node-id: the replicas of a master. */
  clusterReplicas(nodeId: string): Out<K, ClusterNode[]>;
  /** CLUSTER SLOTS: slot ranges with their master and replicas (deprecated by the server in favour of clusterShards()). */
  clusterSlots(): Out<K, SlotRange[]>;
  /** CLUSTER SHARDS: the shards, their slot ranges and nodes. */
  clusterShards(): Out<K, ClusterShard[]>;
  /** CLUSTER LINKS: the cluster bus links of the server. */
  clusterLinks(): Out<K, ClusterLink[]>;
  /** CLUSTER MYID: the server's node id. */
  clusterMyId(): Out<K, ServerText>;
  /** CLUSTER KEYSLOT key: the hash slot of a key (hash tags honoured); works without cluster support too. */
  clusterKeySlot(key: Key): Out<K, number>;
  /** CLUSTER COUNTKEYSINSLOT slot: how many keys of this server are in the slot. */
  clusterCountKeysInSlot(slot: number): Out<K, number>;
  /** CLUSTER GETKEYSINSLOT slot count: up to `count` keys of this server in the slot. */
  clusterGetKeysInSlot(slot: number, count: number): Out<K, string[]>;
  /** CLUSTER COUNT-FAILURE-REPORTS node-id: how many nodes currently report this node as failing. */
  clusterCountFailureReports(nodeId: string): Out<K, number>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const clusterInfoCommands = (): Definitions<ClusterInfoCommands<DefinitionKind>> => ({
  clusterInfo: define('CLUSTER INFO', { arity: 0, transform: parseInfoText, readOnly: true, keys: [] }),
  clusterNodes: define('CLUSTER NODES', { arity: 0, transform: parseNodes, readOnly: true, keys: [] }),
  clusterReplicas: define('CLUSTER REPLICAS', { build: (id: string) => [nodeId('clusterReplicas', id)], transform: parseNodes, readOnly: true, keys: [] }),
  clusterSlots: define('CLUSTER SLOTS', { arity: 0, transform: (r) => (r as unknown[]).map(toSlotRange), readOnly: true, keys: [] }),
  clusterShards: define('CLUSTER SHARDS', { arity: 0, transform: (r) => (r as unknown[]).map(toShard), readOnly: true, keys: [] }),
  clusterLinks: define('CLUSTER LINKS', { arity: 0, transform: (r) => (r as unknown[]).map((l) => toRecord(l, field)), readOnly: true, keys: [] }),
  clusterMyId: define('CLUSTER MYID', { arity: 0, transform: asString, readOnly: true, keys: [] }),
  clusterKeySlot: define('CLUSTER KEYSLOT', { readOnly: true, keys: [] }),
  clusterCountKeysInSlot: define('CLUSTER COUNTKEYSINSLOT', { build: (s: number) => [slot('clusterCountKeysInSlot', s)], readOnly: true, keys: [] }),
  clusterGetKeysInSlot: define('CLUSTER GETKEYSINSLOT', {
    build: (s: number, count: number) => [slot('clusterGetKeysInSlot', s), checkInteger('clusterGetKeysInSlot', 'count', count, 0)],
    readOnly: true,
    keys: [],
  }),
  clusterCountFailureReports: define('CLUSTER COUNT-FAILURE-REPORTS', {
    build: (id: string) => [nodeId('clusterCountFailureReports', id)],
    readOnly: true,
    keys: [],
  }),
});
