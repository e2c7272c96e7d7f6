// @layer L5 cluster
/**
 * The cluster's slot map: which shard serves each of the 16,384 slots, as one Uint16Array of
 * shard indexes (32 KiB, no object per slot), and the shards themselves (a master address and
 * its replicas' addresses). Built from CLUSTER SHARDS (Redis >= 7) or CLUSTER SLOTS (older),
 * under RESP2 (flat key/value arrays) and RESP3 (maps) alike. A MOVED answer patches one slot.
 */
import { SLOT_COUNT } from '../internal/crc16.js';

/** No shard serves the slot (never assigned, or its master failed without a replica). */
export const UNSERVED = 0xffff;

/** One node, as the cluster announces it. */
export interface NodeAddress {
  host: string;
  port: number;
  /** `host:port`: the key of its pool. */
  address: string;
}

/** A master and its replicas. */
export interface Shard {
  master: NodeAddress;
  replicas: NodeAddress[];
}

export function nodeAddress(host: string, port: number): NodeAddress {
  return { host, port, address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}` };
}

/** Parses `host:port` (a MOVED/ASK target; IPv6 hosts may be bare or bracketed; an empty host is `fallbackHost`). */
export function parseAddress(text: string, fallbackHost: string): NodeAddress | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  if (colon === 0) text = `${fallbackHost}${text}`;
  return parseHostPort(text, colon === 0 ? fallbackHost.length : colon);
}

function parseHostPort(text: string, colon: number): NodeAddress | undefined {
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return nodeAddress(host, port);
}

export class SlotMap {
  readonly slots = new Uint16Array(SLOT_COUNT).fill(UNSERVED);
  readonly shards: Shard[] = [];

  /** The shard serving `slot`, or undefined. */
  shardOf(slot: number): Shard | undefined {
    const index = this.slots[slot];
    return index === UNSERVED ? undefined : this.shards[index];
  }

  /** Adds a shard (or finds the one with the same master) and returns its index. */
  addShard(shard: Shard): number {
    const found = this.shards.findIndex((s) => s.master.address === shard.master.address);
    if (found >= 0) return found;
    this.shards.push(shard);
    return this.shards.length - 1;
  }

  assign(from: number, to: number, shard: number): void {
    this.slots.fill(shard, from, to + 1);
  }

  /** MOVED: `slot` is now served by the master at `target` (a shard of its own if unknown). */
  move(slot: number, target: NodeAddress): void {
    this.slots[slot] = this.addShard({ master: target, replicas: [] });
  }

  /** Every node address in the map, masters first. */
  addresses(): string[] {
    const out = new Set<string>();
    for (const s of this.shards) out.add(s.master.address);
    for (const s of this.shards) for (const r of s.replicas) out.add(r.address);
    return [...out];
  }

  /** Number of slots served. */
  get servedCount(): number {
    let n = 0;
    for (let i = 0; i < SLOT_COUNT; i++) if (this.slots[i] !== UNSERVED) n++;
    return n;
  }
}

/** A RESP3 map or a RESP2 flat [k, v, k, v] array, as a plain lookup. */
function fields(value: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value instanceof Map) {
    for (const [k, v] of value) out.set(String(k), v);
  } else if (Array.isArray(value)) {
    for (let i = 0; i + 1 < value.length; i += 2) out.set(String(value[i]), value[i + 1]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.set(k, v);
  }
  return out;
}

/**
 * A node's host: its announced ip/endpoint, or, when it announces none ('' or '?': it does not
 * know its own address, a node of a one-node cluster), the host the reply came from.
 */
function hostOf(announced: unknown, fallbackHost: string): string {
  const host = announced === undefined || announced === null ? '' : String(announced);
  return host === '' || host === '?' ? fallbackHost : host;
}

/** CLUSTER SHARDS (Redis >= 7). `fallbackHost`: the host of the node that answered. Throws on a malformed reply. */
export function parseShards(reply: unknown, fallbackHost: string): SlotMap {
  if (!Array.isArray(reply)) throw new TypeError('CLUSTER SHARDS: expected an array');
  const map = new SlotMap();
  for (const entry of reply) {
    const f = fields(entry);
    const ranges = f.get('slots');
    const nodes = f.get('nodes');
    if (!Array.isArray(ranges) || !Array.isArray(nodes)) throw new TypeError('CLUSTER SHARDS: a shard without slots or nodes');
    if (ranges.length === 0) continue; // a shard with no slots (a master being added, or emptied)
    let master: NodeAddress | undefined;
    const replicas: NodeAddress[] = [];
    for (const n of nodes) {
      const nf = fields(n);
      const port = Number(nf.get('port') ?? nf.get('tls-port'));
      if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
      const node = nodeAddress(hostOf(nf.get('endpoint') ?? nf.get('ip'), fallbackHost), port);
      const health = String(nf.get('health') ?? 'online');
      if (String(nf.get('role')) === 'master') {
        // A failed master keeps its slots until a replica takes over: commands go there and fail fast.
        master = node;
      } else if (health === 'online') {
        replicas.push(node);
      }
    }
    if (master === undefined) continue;
    const index = map.addShard({ master, replicas });
    for (let i = 0; i + 1 < ranges.length; i += 2) {
      const from = Number(ranges[i]);
      const to = Number(ranges[i + 1]);
      if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to >= SLOT_COUNT || from > to) throw new TypeError('CLUSTER SHARDS: a bad slot range');
      map.assign(from, to, index);
    }
  }
  return map;
}

/** CLUSTER SLOTS (Redis 3 to 7): [[from, to, [ip, port, id], [replica ip, port, id]...]...]. */
export function parseSlots(reply: unknown, fallbackHost: string): SlotMap {
  if (!Array.isArray(reply)) throw new TypeError('CLUSTER SLOTS: expected an array');
  const map = new SlotMap();
  for (const entry of reply) {
    if (!Array.isArray(entry) || entry.length < 3) throw new TypeError('CLUSTER SLOTS: a bad range');
    const from = Number(entry[0]);
    const to = Number(entry[1]);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to >= SLOT_COUNT || from > to) throw new TypeError('CLUSTER SLOTS: a bad slot range');
    const nodes: NodeAddress[] = [];
    for (let i = 2; i < entry.length; i++) {
      const n = entry[i];
      if (!Array.isArray(n) || n.length < 2) continue;
      const port = Number(n[1]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) continue;
      nodes.push(nodeAddress(hostOf(n[0], fallbackHost), port));
    }
    if (nodes.length === 0) continue;
    const index = map.addShard({ master: nodes[0], replicas: nodes.slice(1) });
    map.assign(from, to, index);
  }
  return map;
}
