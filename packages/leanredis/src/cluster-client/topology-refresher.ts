// @layer L7 cluster-client
/**
 * Reading the slot map: which node to ask, CLUSTER SHARDS (CLUSTER SLOTS before Redis 7), the
 * seed clients that ask a root before the map is known, and the periodic refresh. Every refresh
 * goes through one RefreshGate (single-flight, at most one start per minRefreshIntervalMs), so a
 * storm of failing commands shares one. A map read is handed to the cluster client (`apply`),
 * which routes by it, moves subscriptions and closes the clients of nodes that left.
 */
import type { Client, ClientOptions } from '../index.js';
import { parseShards, parseSlots, type NodeAddress, type SlotMap } from '../cluster/slot-map.js';
import { RefreshGate } from '../cluster/refresh-gate.js';
import * as core from '../index.js';
import type { ResolvedCluster } from './cluster-options.js';
import { isUnsent } from './cluster-batches.js';

const { ClusterError, LeanRedisError, ReplyError } = core;

/** What the refresher needs of the cluster client's node clients. */
export interface TopologyOwner<S> {
  /** The node's client if the cluster client has made one. */
  existing(address: string): Client<S> | undefined;
  /** The node's client, made on first use. */
  client(node: NodeAddress): Client<S>;
  /** Takes a freshly read slot map: route by it from now on. */
  apply(map: SlotMap): void;
}

/** Reads and re-reads the cluster's slot map for one cluster client. */
export class TopologyRefresher<S> {
  readonly #settings: ResolvedCluster;
  readonly #owner: TopologyOwner<S>;
  readonly #gate: RefreshGate;
  /** The last map read (the cluster client holds the same object for routing). */
  #map: SlotMap | undefined;
  #mapError: unknown;
  #timer: ReturnType<typeof setInterval> | undefined;
  #isStopped = false;
  #rr = 0;
  #useSlots = false;
  /** When a node was last found unreachable (performance.now()): it is asked last for 5 s. */
  readonly #failedAt = new Map<string, number>();
  readonly #seeds = new Map<string, Client<S>>();

  constructor(settings: ResolvedCluster, owner: TopologyOwner<S>) {
    this.#settings = settings;
    this.#owner = owner;
    this.#gate = new RefreshGate(() => this.#refreshNow(), settings.minRefreshIntervalMs);
  }

  /** Why the last refresh found no map (undefined once one was read). */
  get mapError(): unknown {
    return this.#mapError;
  }

  /** Refreshes started (single-flight and rate-limited). */
  get count(): number {
    return this.#gate.count;
  }

  /** Asks for a refresh, shared with every other request; resolves when it is done (never rejects). */
  request(): Promise<void> {
    return this.#gate.request();
  }

  /** A node did not take a command: ask the others first for the next few seconds. */
  markFailed(address: string): void {
    this.#failedAt.set(address, performance.now());
  }

  /** No more refreshes (the cluster client is closing): the timer stops, a refresh under way drops its result. */
  stop(): void {
    this.#isStopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The seed clients still open (only before the first map), to close or destroy with the cluster. */
  seeds(): IterableIterator<Client<S>> {
    return this.#seeds.values();
  }

  /** Nodes to ask for the slot map: the map's masters, then replicas, then the roots; recently unreachable ones last. */
  #candidates(): NodeAddress[] {
    const seen = new Map<string, NodeAddress>();
    const map = this.#map;
    if (map !== undefined) {
      const start = this.#rr++;
      const masters = map.shards.map((s) => s.master);
      for (let i = 0; i < masters.length; i++) seen.set(masters[(start + i) % masters.length].address, masters[(start + i) % masters.length]);
      for (const s of map.shards) for (const r of s.replicas) if (!seen.has(r.address)) seen.set(r.address, r);
    }
    for (const r of this.#settings.roots) if (!seen.has(r.address)) seen.set(r.address, r);
    const now = performance.now();
    const recent = (n: NodeAddress): boolean => now - (this.#failedAt.get(n.address) ?? -Infinity) < 5000;
    const all = [...seen.values()];
    return [...all.filter((n) => !recent(n)), ...all.filter(recent)];
  }

  async #refreshNow(): Promise<void> {
    let lastError: unknown;
    for (const node of this.#candidates()) {
      if (this.#isStopped) return;
      try {
        const map = await this.#readMap(node);
        if (map.servedCount === 0) {
          lastError = new ClusterError('ERR_CLUSTER_TOPOLOGY', `${node.address} serves no slot`);
          continue;
        }
        this.#apply(map);
        return;
      } catch (err) {
        lastError = err;
        if (err instanceof LeanRedisError && isUnsent(err)) this.markFailed(node.address);
      }
    }
    this.#mapError = lastError;
  }

  async #readMap(node: NodeAddress): Promise<SlotMap> {
    // Before the first map the share of maxConnectionsTotal is unknown: a root is asked through a
    // one-socket seed client, closed once the map arrives, rather than a pool sized for it alone.
    const client = this.#owner.existing(node.address) ?? (this.#map === undefined && this.#settings.maxConnectionsTotal !== undefined ? this.#seed(node) : this.#owner.client(node));
    const runner = client.with({ timeoutMs: this.#settings.slotRefreshTimeoutMs, returnBuffers: false });
    if (!this.#useSlots) {
      try {
        return parseShards(await runner.call('CLUSTER', 'SHARDS'), node.host);
      } catch (err) {
        // Redis < 7 has no CLUSTER SHARDS.
        if (!(err instanceof ReplyError) || !/unknown subcommand|unknown command/i.test(err.message)) throw err;
        this.#useSlots = true;
      }
    }
    return parseSlots(await runner.call('CLUSTER', 'SLOTS'), node.host);
  }

  #seed(node: NodeAddress): Client<S> {
    let seed = this.#seeds.get(node.address);
    if (seed === undefined) {
      seed = new core.Client({ ...this.#settings.node, host: node.host, port: node.port, maxConnections: 1, sharedConnections: 1, minIdle: 0, maxIdle: 0 } as ClientOptions) as unknown as Client<S>;
      this.#seeds.set(node.address, seed);
    }
    return seed;
  }

  #apply(map: SlotMap): void {
    for (const seed of this.#seeds.values()) void seed.close();
    this.#seeds.clear();
    this.#map = map;
    this.#mapError = undefined;
    this.#owner.apply(map);
    if (this.#timer === undefined && this.#settings.slotRefreshIntervalMs > 0 && !this.#isStopped) {
      this.#timer = setInterval(() => void this.#gate.request(), this.#settings.slotRefreshIntervalMs);
      this.#timer.unref();
    }
  }
}
