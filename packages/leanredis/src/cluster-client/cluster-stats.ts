// @layer L7 cluster-client
/** `cluster.stats()`: every node client's figures, their sum, and the cluster client's own counters. */
import type { Client, ClientStats } from '../index.js';
import type { SlotMap } from '../cluster/slot-map.js';

/** Per-node figures in `cluster.stats()`. */
export interface ClusterNodeStats extends ClientStats {
  /** The node's role in the current slot map ('unknown': a root node or a MOVED target not yet in it). */
  role: 'master' | 'replica' | 'unknown';
}

/** `cluster.stats()`: every node's pool, their sum, and the cluster's own counters. */
export interface ClusterStats {
  /** Pools by node address (`host:port`). */
  nodes: Record<string, ClusterNodeStats>;
  /** The numeric pool figures summed over every node (subscriptions included). */
  total: Omit<ClientStats, 'rejected' | 'writeHolds'>;
  /** Slot-map refreshes started (single-flight and rate-limited). */
  refreshes: number;
  /** MOVED and ASK answers followed. */
  moved: number;
  asked: number;
  /** Commands sent again after TRYAGAIN, CLUSTERDOWN, READONLY or an unreachable node. */
  retries: number;
  /** Slots with a known node in the current map (16,384 when the whole cluster is served). */
  slotsServed: number;
  /** Masters in the current map. */
  masters: number;
}

/** The cluster client's own counters, as `stats()` reports them. */
export type ClusterCounters = Pick<ClusterStats, 'refreshes' | 'moved' | 'asked' | 'retries'>;

/** A plain snapshot of the node clients `nodes` (by address) under the slot map `map`. */
export function clusterStats<S>(nodes: ReadonlyMap<string, Client<S>>, map: SlotMap | undefined, counters: ClusterCounters): ClusterStats {
  const byNode: Record<string, ClusterNodeStats> = {};
  const total: Record<string, number> = {};
  const roleOf = (address: string): ClusterNodeStats['role'] => {
    if (map === undefined) return 'unknown';
    for (const s of map.shards) {
      if (s.master.address === address) return 'master';
      if (s.replicas.some((r) => r.address === address)) return 'replica';
    }
    return 'unknown';
  };
  for (const [address, client] of nodes) {
    const stats = client.stats();
    byNode[address] = { ...stats, role: roleOf(address) };
    for (const [key, value] of Object.entries(stats)) if (typeof value === 'number') total[key] = (total[key] ?? 0) + value;
  }
  return {
    nodes: byNode,
    total: total as unknown as ClusterStats['total'],
    refreshes: counters.refreshes,
    moved: counters.moved,
    asked: counters.asked,
    retries: counters.retries,
    slotsServed: map?.servedCount ?? 0,
    masters: map?.shards.length ?? 0,
  };
}
