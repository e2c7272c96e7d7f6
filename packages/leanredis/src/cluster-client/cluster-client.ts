// @layer L7 cluster-client
/**
 * The cluster client: the client's command surface over one client (one pool) per node, routed
 * by slot. Nothing is dialled until the first command, which reads the slot map (CLUSTER SHARDS,
 * or CLUSTER SLOTS before Redis 7) from a root node; node clients are made on first use.
 *
 * A command's life: its keys give its slot (cluster/routing.ts; keys of different slots are
 * refused before sending), the slot map gives the node (the master, or a replica for a read with
 * readFrom), and the node's client sends it exactly as a standalone client would. An answer that
 * says the command did not run (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, READONLY) or a connection that
 * never took it (refused, lost before writing, node closed) sends it again, within the command's
 * deadline and `maxRedirections`. A command that may have run (ERR_CONNECTION_LOST_AFTER_WRITE,
 * a timeout) is never sent again, unless it is read-only: the node client already settles that.
 *
 * The slot map is refreshed (topology-refresher.ts: single-flight, at most one start per
 * minRefreshIntervalMs) on MOVED, on an unreachable node, on a slot without a node, and every
 * slotRefreshIntervalMs once in use. Node clients that left the map are closed.
 */
import type { Arg, CallOptions, Client, ClientOptions, CommandDefinition, Key, Keys, Lease, LeaseMulti, MessageListener, Multi as MultiType, Pipeline as PipelineType, Runner as RunnerType, ScanOptions, SubscribeOptions, Subscription, SubscriptionKind, WatchOptions } from '../index.js';
import type { NodeAddress, Shard, SlotMap } from '../cluster/slot-map.js';
import { CROSS_SLOT, commandSlot, parseRedirect, sharedSlot } from '../cluster/routing.js';
import { keySlot } from '../internal/crc16.js';
import * as core from '../index.js';
import { resolveCluster, type BufferClusterOptions, type ClusterOptions, type ResolvedCluster } from './cluster-options.js';
import { ClusterMulti, ClusterPipeline, MAP, RECOVER, TARGET, WirePipeline, crossSlot, isUnsent } from './cluster-batches.js';
import { ClusterSubscription } from './cluster-subscription.js';
import { TopologyRefresher } from './topology-refresher.js';
import { clusterStats, type ClusterStats } from './cluster-stats.js';

// The core: an import of `leanredis`' own entry (the subpath's bundle holds no copy of it).
const { ArgumentError, ClientClosedError, ClusterError, LeanRedisError } = core;
const { Runner, define, measureArgs, backoffDelay, checkCallOptions, needsLease, checkArguments } = core.__internals;
// Declared with their unique-symbol types, so they key methods and properties as in the core.
const RUN: typeof core.__internals.RUN = core.__internals.RUN;
const DISPATCHER: typeof core.__internals.DISPATCHER = core.__internals.DISPATCHER;
type LeanRedisError = InstanceType<typeof LeanRedisError>;

export type { ClusterOptions, BufferClusterOptions, ReadFrom } from './cluster-options.js';
export type { ClusterNodeStats, ClusterStats } from './cluster-stats.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const ASKING = define('ASKING', { arity: 0, keys: [] });

/** What one command carries between its attempts. */
interface Attempt {
  deadline: number; // performance.now() value; Infinity without a deadline
  redirections: number;
  retries: number;
  ask: NodeAddress | undefined;
  /** Send to the master even for a read (preferReplica after a replica failed). */
  toMaster: boolean;
}

/** The cluster's command surface with per-call options applied (`cluster.with()`). */
class ScopedClusterRunner<S> extends Runner<S> {
  readonly #cluster: ClusterClient<S>;
  readonly #call: CallOptions;
  constructor(cluster: ClusterClient<S>, call: CallOptions) {
    super();
    this.#cluster = cluster;
    this.#call = call;
  }
  [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown> {
    return this.#cluster.route(definition, args, this.#call);
  }
}

export class ClusterClient<S = string> extends Runner<S> {
  readonly #settings: ResolvedCluster;
  readonly #nodes = new Map<string, Client<S>>();
  readonly #topology: TopologyRefresher<S>;
  #map: SlotMap | undefined;
  #isClosed = false;
  #closing: Promise<void> | undefined;
  #rr = 0;
  #moved = 0;
  #asked = 0;
  #retries = 0;
  readonly #subscriptions = new Set<ClusterSubscription<S>>();

  constructor(options: ClusterOptions | BufferClusterOptions) {
    super();
    this.#settings = resolveCluster(options);
    this.#topology = new TopologyRefresher<S>(this.#settings, {
      existing: (address) => this.#nodes.get(address),
      client: (node) => this.#client(node),
      apply: (map) => this.#apply(map),
    });
  }

  /** False once close() or destroy() was called. */
  get isOpen(): boolean {
    return !this.#isClosed;
  }

  [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown> {
    return this.route(definition, args, undefined);
  }

  /**
   * The same commands with per-call options: `cluster.with({ timeoutMs: 100 }).get('k')`.
   * `returnBuffers: true` reads bulk strings as Buffers, typed so: `get()` resolves `Buffer | null`.
   */
  with(options: CallOptions & { returnBuffers: true }): RunnerType<Buffer>;
  /** The same commands with per-call options; `returnBuffers: false` reads bulk strings as strings, typed so. */
  with(options: CallOptions & { returnBuffers: false }): RunnerType<string>;
  /** The same commands with per-call options: `cluster.with({ timeoutMs: 100 }).get('k')`. */
  with(options: CallOptions & { returnBuffers?: undefined }): RunnerType<S>;
  /** The same commands with per-call options; `returnBuffers` not known until run time: either kind of reply. */
  with(options: CallOptions): RunnerType<S | Buffer | string>;
  with(options: CallOptions): RunnerType<S | Buffer | string> {
    return new ScopedClusterRunner<S | Buffer | string>(this as unknown as ClusterClient<S | Buffer | string>, checkCallOptions(options));
  }

  /** Sends one command to the node serving its slot (internal: the funnel of every command). */
  route(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined): Promise<unknown> {
    // Refusals are thrown synchronously, before anything is sent (docs/errors.md).
    if (definition.state !== undefined) throw needsLease(definition);
    const slot = commandSlot(definition, args);
    if (slot === CROSS_SLOT) throw crossSlot(definition.name, 'its keys');
    if (this.#isClosed) return Promise.reject(new ClientClosedError(undefined, definition.name));
    if (this.#map === undefined) {
      measureArgs(definition.name, args); // argument errors are thrown now, not after the slot map arrives
      return this.#retry(definition, args, call, slot, this.#newAttempt(call), undefined);
    }
    return this.#send(definition, args, call, slot, undefined);
  }

  #newAttempt(call: CallOptions | undefined): Attempt {
    const timeoutMs = call?.timeoutMs ?? this.#settings.commandTimeoutMs;
    return { deadline: timeoutMs === 0 ? Infinity : performance.now() + timeoutMs, redirections: 0, retries: 0, ask: undefined, toMaster: false };
  }

  /** One attempt. `attempt` is undefined for the first (the common case allocates nothing more). */
  #send(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined, slot: number, attempt: Attempt | undefined): Promise<unknown> {
    const map = this.#map!;
    let target: NodeAddress | undefined;
    if (attempt?.ask !== undefined) target = attempt.ask;
    else {
      const shard = slot < 0 ? this.#anyShard(map) : map.shardOf(slot);
      if (shard === undefined) {
        // Nobody serves the slot in this map: refresh and try again within the deadline.
        const error = new ClusterError('ERR_CLUSTER_TOPOLOGY', `no node serves slot ${slot} in the slot map`, { command: definition.name });
        return this.#recover(error, definition, args, call, slot, attempt, undefined);
      }
      target = this.#nodeFor(shard, definition.isReadOnly && attempt?.toMaster !== true);
    }
    const node = this.#client(target);
    let sent: Promise<unknown>;
    if (attempt === undefined) sent = node[DISPATCHER].run(definition, args, call);
    else {
      const remaining = attempt.deadline - performance.now();
      const scoped: CallOptions | undefined = attempt.deadline === Infinity ? call : { ...call, timeoutMs: Math.max(1, Math.ceil(remaining)) };
      sent = attempt.ask !== undefined ? this.#sendAsking(node, definition, args) : node[DISPATCHER].run(definition, args, scoped);
    }
    return sent.then(undefined, (err: unknown) => this.#recover(err, definition, args, call, slot, attempt, target));
  }

  /** ASK: ASKING and the command together, in order, on one connection of the target node. */
  async #sendAsking(node: Client<S>, definition: CommandDefinition, args: readonly Arg[]): Promise<unknown> {
    const dispatcher = node[DISPATCHER];
    const pipeline = new WirePipeline(dispatcher, (cmds) => dispatcher.pool.dispatchBatch(cmds)?.id, false);
    pipeline.add(ASKING, []).add(definition, args);
    const [asking, result] = await pipeline.execSettled();
    if (asking instanceof Error) throw asking;
    if (result instanceof Error) throw result;
    return result;
  }

  /** After a failed attempt: follow a redirection or retry what never ran; anything else is the caller's. */
  async #recover(err: unknown, definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined, slot: number, attempt: Attempt | undefined, from: NodeAddress | undefined): Promise<unknown> {
    if (!(err instanceof LeanRedisError) || this.#isClosed) throw err;
    attempt ??= this.#newAttempt(call);
    const code = err.code;
    if (code === 'MOVED' || code === 'ASK') {
      const redirect = parseRedirect(code, err.message, from?.host ?? '127.0.0.1');
      if (redirect === undefined) throw err;
      this.#countRedirection(attempt, err, definition);
      if (code === 'MOVED') {
        this.#moved++;
        this.#map?.move(redirect.slot, redirect.target);
        attempt.ask = undefined;
        void this.#topology.request(); // the map changed: learn the rest of it, without waiting
      } else {
        this.#asked++;
        attempt.ask = redirect.target;
      }
      return this.#send(definition, args, call, slot, attempt);
    }
    attempt.ask = undefined;
    const isRetryable =
      code === 'TRYAGAIN' || code === 'CLUSTERDOWN' || code === 'READONLY' || code === 'MASTERDOWN' || code === 'ERR_CLUSTER_TOPOLOGY' || isUnsent(err);
    if (!isRetryable) throw err;
    if (code === 'TRYAGAIN' || code === 'CLUSTERDOWN' || code === 'MASTERDOWN') this.#countRedirection(attempt, err, definition);
    if (isUnsent(err) && from !== undefined) {
      this.#topology.markFailed(from.address);
      if (this.#settings.readFrom === 'preferReplica') attempt.toMaster = true;
    }
    // Without a deadline the retries of an unreachable node are bounded like redirections.
    if (attempt.deadline === Infinity && ++attempt.retries > Math.max(this.#settings.maxRedirections, 1)) throw err;
    return this.#retry(definition, args, call, slot, attempt, err);
  }

  #countRedirection(attempt: Attempt, err: LeanRedisError, definition: CommandDefinition): void {
    if (++attempt.redirections > this.#settings.maxRedirections) {
      throw new ClusterError('ERR_CLUSTER_REDIRECTIONS', `${definition.name}: more than ${this.#settings.maxRedirections} redirections (MOVED/ASK/TRYAGAIN/CLUSTERDOWN); the last was ${err.code}`, { cause: err, command: definition.name });
    }
  }

  /** Waits for a refresh (shared with every other failing command) and a jittered backoff, then sends again. */
  async #retry(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined, slot: number, attempt: Attempt, err: LeanRedisError | undefined): Promise<unknown> {
    if (err !== undefined) {
      const topologyChanged = err.code !== 'TRYAGAIN';
      if (topologyChanged) await this.#topology.request();
      const delay = backoffDelay(attempt.redirections + attempt.retries, this.#settings.retryBaseDelayMs, this.#settings.retryMaxDelayMs);
      if (performance.now() + delay >= attempt.deadline) throw err;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      this.#retries++;
    } else {
      await this.#topology.request();
    }
    if (this.#isClosed) throw new ClientClosedError(undefined, definition.name);
    if (this.#map === undefined) {
      throw new ClusterError('ERR_CLUSTER_TOPOLOGY', `could not read the slot map from any node (${this.#settings.roots.map((r) => r.address).join(', ')})`, { cause: this.#topology.mapError, command: definition.name });
    }
    if (performance.now() >= attempt.deadline && err !== undefined) throw err;
    return this.#send(definition, args, call, slot, attempt);
  }

  /** A shard for a command without keys: round robin over the masters. */
  #anyShard(map: SlotMap): Shard | undefined {
    const shards = map.shards;
    if (shards.length === 0) return undefined;
    return shards[this.#rr++ % shards.length];
  }

  /** The node for a command of `shard`: its master, or a replica for a read under readFrom. */
  #nodeFor(shard: Shard, isRead: boolean): NodeAddress {
    if (!isRead || this.#settings.readFrom === 'master' || shard.replicas.length === 0) return shard.master;
    return shard.replicas[this.#rr++ % shard.replicas.length];
  }

  /** The client of a node, made on first use (lazily dialled like any client). */
  #client(node: NodeAddress): Client<S> {
    let client = this.#nodes.get(node.address);
    if (client === undefined) {
      const s = this.#settings;
      let maxConnections: number | undefined;
      if (s.maxConnectionsTotal !== undefined) {
        // The nodes that get pools: the masters, and the replicas when reads may go there.
        const map = this.#map;
        const count = Math.max(1, map === undefined ? s.roots.length : s.readFrom === 'master' ? map.shards.length : map.addresses().length);
        maxConnections = Math.max(s.sharedConnections, Math.min(s.maxConnections, Math.floor(s.maxConnectionsTotal / count)));
      }
      const options = { ...s.node, host: node.host, port: node.port, offlineQueue: false, ...(maxConnections === undefined ? {} : { maxConnections, maxIdle: undefined, minIdle: undefined }) };
      for (const key of Object.keys(options) as (keyof typeof options)[]) if (options[key] === undefined) delete options[key];
      client = new core.Client(options as ClientOptions) as unknown as Client<S>;
      // READONLY on every connection when reads may go to replicas (harmless on a master).
      if (s.readFrom !== 'master') client[DISPATCHER].options.connection.readOnly = true;
      this.#nodes.set(node.address, client);
    }
    return client;
  }

  // ---- batches, leases, pub/sub ---------------------------------------------------------------

  [RECOVER](err: unknown, definition: CommandDefinition, args: readonly Arg[], slot: number, from: NodeAddress | undefined): Promise<unknown> {
    return this.#recover(err, definition, args, undefined, slot, undefined, from);
  }

  async [TARGET](slot: number, isRead: boolean): Promise<{ address: NodeAddress; client: Client<S> }> {
    if (this.#isClosed) throw new ClientClosedError();
    if (this.#map === undefined) await this.connect();
    const map = this.#map!;
    let shard = slot < 0 ? this.#anyShard(map) : map.shardOf(slot);
    if (shard === undefined) {
      await this.#topology.request();
      shard = slot < 0 ? this.#anyShard(this.#map!) : this.#map!.shardOf(slot);
      if (shard === undefined) throw new ClusterError('ERR_CLUSTER_TOPOLOGY', `no node serves slot ${slot} in the slot map`);
    }
    const address = this.#nodeFor(shard, isRead);
    return { address, client: this.#client(address) };
  }

  [MAP](): SlotMap | undefined {
    return this.#map;
  }

  /**
   * A pipeline: commands grouped by node, one write per node, results in the order queued
   * (`cluster.pipeline().get('a').get('b').exec()`). Each command's keys must share a slot;
   * different commands may go to different nodes.
   */
  pipeline<T extends unknown[] = []>(): PipelineType<T, S> {
    return new ClusterPipeline<S>(this) as unknown as PipelineType<T, S>;
  }

  /** A MULTI/EXEC transaction on the master of its keys' slot: every key of every command in one slot (ERR_CROSS_SLOT otherwise). */
  multi<T extends unknown[] = []>(): MultiType<T, S> {
    return new ClusterMulti<S>(this) as unknown as MultiType<T, S>;
  }

  /**
   * A connection of your own on the master serving `key`'s slot:
   * `await using conn = await cluster.acquire({ key: 'user:1' })`. Its commands go to that node
   * only (a key of another slot gets MOVED from the server).
   */
  acquire(options: { key: Key; timeoutMs?: number }): Promise<Lease<S>> {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ArgumentError('acquire: a cluster lease belongs to one node: give { key } (the lease is on the master of its slot)', 'ERR_INVALID_OPTION');
    for (const k of Object.keys(options)) if (k !== 'key' && k !== 'timeoutMs') throw new ArgumentError(`acquire: unknown option "${k}"; accepted: key, timeoutMs`, 'ERR_INVALID_OPTION');
    if (typeof options.key !== 'string' && !Buffer.isBuffer(options.key)) throw new ArgumentError('acquire: option "key" must be a string or a Buffer (the lease is on the master of its slot)', 'ERR_INVALID_OPTION');
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0)) throw new ArgumentError('acquire: option "timeoutMs" must be a non-negative integer (ms)', 'ERR_INVALID_OPTION');
    // Checked above, synchronously (docs/errors.md); what follows is asynchronous.
    return this[TARGET](keySlot(options.key), false).then(({ client }) => client.acquire(timeoutMs === undefined ? undefined : { timeoutMs }));
  }

  /**
   * Optimistic transaction on the master of the keys' slot (every key in one slot): WATCH, the
   * body, EXEC, as `client.watch` does. Rejects with WatchConflictError (`ERR_WATCH_CONFLICT`)
   * when a watched key changed on every attempt.
   */
  watch<T extends unknown[]>(keys: Keys, body: (tx: Lease<S>) => Promise<LeaseMulti<T, S>> | LeaseMulti<T, S>, options?: WatchOptions): Promise<T>;
  /**
   * Optimistic transaction (see the first signature); this body may give up by returning
   * undefined, and watch() then resolves null.
   */
  watch<T extends unknown[]>(keys: Keys, body: (tx: Lease<S>) => Promise<LeaseMulti<T, S> | undefined> | LeaseMulti<T, S> | undefined, options?: WatchOptions): Promise<T | null>;
  watch<T extends unknown[]>(keys: Keys, body: (tx: Lease<S>) => Promise<LeaseMulti<T, S> | undefined> | LeaseMulti<T, S> | undefined, options?: WatchOptions): Promise<T | null> {
    const slot = slotOfKeys(keys, 'WATCH'); // thrown synchronously, before anything is sent
    if (typeof body !== 'function') throw new ArgumentError('watch: the body must be a function', 'ERR_INVALID_ARGUMENT');
    return this[TARGET](slot, false).then(({ client }) => client.watch(keys, body, options));
  }

  /** Subscribes to channels (SUBSCRIBE) on one master (messages reach every node); it moves when that master leaves. A listener is required. */
  subscribe(channels: string | readonly string[], listener: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#subscribe('channel', 'subscribe', channels, listener, options);
  }

  /** Subscribes to glob patterns (PSUBSCRIBE) on one master, like subscribe. */
  pSubscribe(patterns: string | readonly string[], listener: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#subscribe('pattern', 'pSubscribe', patterns, listener, options);
  }

  /** Subscribes to shard channels (SSUBSCRIBE) on the master of their slot (all in one slot); it follows the slot when it moves. */
  sSubscribe(channels: string | readonly string[], listener: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#subscribe('shard', 'sSubscribe', channels, listener, options);
  }

  #subscribe(kind: SubscriptionKind, method: string, names: string | readonly string[], listener: MessageListener<S>, options: SubscribeOptions | undefined): Promise<Subscription<S>> {
    const list = (Array.isArray(names) ? names : [names]) as unknown[];
    if (list.length === 0 || list.some((n) => typeof n !== 'string')) throw new ArgumentError(`${method}: expected a name or a non-empty array of names (strings)`, 'ERR_INVALID_ARGUMENT');
    if (typeof listener !== 'function') throw new ArgumentError(`${method}: a cluster subscription needs a listener (it moves between nodes with its slot)`, 'ERR_INVALID_ARGUMENT');
    const slots = (list as string[]).map((n) => keySlot(n));
    const slot = kind === 'shard' ? sharedSlot(slots) : slots[0];
    if (slot === CROSS_SLOT) throw crossSlot(method === 'sSubscribe' ? 'SSUBSCRIBE' : method, 'the shard channels');
    return this.#openSubscription(kind, list as string[], slot, listener, options);
  }

  async #openSubscription(kind: SubscriptionKind, names: string[], slot: number, listener: MessageListener<S>, options: SubscribeOptions | undefined): Promise<Subscription<S>> {
    const { address, client } = await this[TARGET](slot, false);
    const current = await this.#nodeSubscribe(client, kind, names, listener, options);
    const sub = new ClusterSubscription<S>(kind, names, slot, listener, options, address.address, current, (s) => this.#subscriptions.delete(s));
    this.#subscriptions.add(sub);
    return sub as unknown as Subscription<S>;
  }

  #nodeSubscribe(client: Client<S>, kind: SubscriptionKind, names: string[], listener: MessageListener<S>, options: SubscribeOptions | undefined): Promise<Subscription<S>> {
    if (kind === 'channel') return client.subscribe(names, listener, options);
    if (kind === 'pattern') return client.pSubscribe(names, listener, options);
    return client.sSubscribe(names, listener, options);
  }

  /** After the map changed: subscriptions whose node no longer serves their slot move to the one that does. */
  #rehome(): void {
    const map = this.#map;
    if (map === undefined) return;
    for (const sub of this.#subscriptions) {
      const shard = map.shardOf(sub.slot);
      if (shard === undefined || shard.master.address === sub.node) continue;
      const old = sub.current;
      sub.node = shard.master.address;
      this.#nodeSubscribe(this.#client(shard.master), sub.kind, [...sub.names], sub.listener, sub.options).then(
        (fresh) => {
          if (sub.isClosed) void fresh.unsubscribe();
          else sub.current = fresh;
          void old.unsubscribe().catch(() => {});
        },
        () => {
          // The new owner did not take it yet: try again at the next refresh.
          sub.node = '';
          void this.#topology.request();
        },
      );
    }
  }

  // ---- the slot map --------------------------------------------------------------------------

  /** A new slot map from the refresher: route by it, move subscriptions, close the clients of nodes that left. */
  #apply(map: SlotMap): void {
    this.#map = map;
    this.#rehome();
    const live = new Set(map.addresses());
    for (const [address, client] of this.#nodes) {
      if (live.has(address)) continue;
      // Left the cluster (or a root known by another name): its accepted commands finish, then it closes.
      this.#nodes.delete(address);
      void client.close();
    }
  }

  /** Reads the slot map now (warm-up at start-up); rejects with ERR_CLUSTER_TOPOLOGY if no node answers. */
  async connect(): Promise<this> {
    await this.#topology.request();
    if (this.#map === undefined) throw new ClusterError('ERR_CLUSTER_TOPOLOGY', 'could not read the slot map from any node', { cause: this.#topology.mapError });
    return this;
  }

  /** Re-reads the slot map now (single-flight with every other refresh). */
  refresh(): Promise<void> {
    return this.#topology.request();
  }

  /** The slot of a key (CRC16 with hash tags), as the cluster computes it. */
  static keySlot(key: Key): number {
    return keySlot(key);
  }

  /** A node's client by the address the slot map gives it, e.g. for INFO or per-node admin; made on first use. */
  nodeClient(address: string): Client<S> | undefined {
    const map = this.#map;
    if (map === undefined) return undefined;
    for (const s of map.shards) {
      if (s.master.address === address) return this.#client(s.master);
      for (const r of s.replicas) if (r.address === address) return this.#client(r);
    }
    return undefined;
  }

  /** The current masters' addresses (after the first command or connect()). */
  masters(): string[] {
    return this.#map?.shards.map((s) => s.master.address) ?? [];
  }

  // ---- SCAN, stats, lifecycle -----------------------------------------------------------------

  /**
   * Every key matching the options over every master, one SCAN step at a time, master after
   * master (the masters of the slot map when the iteration starts). Bad options throw here.
   */
  override scanIterator(options?: ScanOptions): AsyncGenerator<S> {
    checkArguments('SCAN', ['0', options]);
    return this.#scanAll(options);
  }

  async *#scanAll(options: ScanOptions | undefined): AsyncGenerator<S> {
    if (this.#map === undefined) await this.connect();
    for (const shard of [...this.#map!.shards]) {
      yield* this.#client(shard.master).scanIterator(options);
    }
  }

  /** Per-node pools, their sum and the cluster's counters. Plain data: safe to log. */
  stats(): ClusterStats {
    return clusterStats(this.#nodes, this.#map, { refreshes: this.#topology.count, moved: this.#moved, asked: this.#asked, retries: this.#retries });
  }

  /** Lets every accepted command finish, then closes every node's connections. */
  close(): Promise<void> {
    this.#subscriptions.clear();
    this.#isClosed = true;
    this.#topology.stop();
    this.#closing ??= Promise.all([...this.#nodes.values(), ...this.#topology.seeds()].map((c) => c.close())).then(() => {});
    return this.#closing;
  }

  /** Closes every connection at once; pending commands reject with ClientClosedError. */
  destroy(): void {
    this.#isClosed = true;
    this.#topology.stop();
    for (const c of this.#nodes.values()) c.destroy();
    for (const c of this.#topology.seeds()) c.destroy();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [INSPECT](): string {
    return `ClusterClient { roots: [${this.#settings.roots.map((r) => `'${r.address}'`).join(', ')}], masters: ${this.#map?.shards.length ?? 'unknown'}, open: ${this.isOpen} }`;
  }

  toJSON(): object {
    return { roots: this.#settings.roots.map((r) => r.address), masters: this.masters(), open: this.isOpen };
  }
}

/** The slot shared by a list of keys; throws ERR_CROSS_SLOT when they differ (used by watch and acquire). */
export function slotOfKeys(keys: Keys, command: string): number {
  const list = Array.isArray(keys) ? keys : [keys as Key];
  if (list.length === 0) throw new ArgumentError(`${command}: expected at least one key`, 'ERR_INVALID_ARGUMENT');
  const slot = sharedSlot(list.map((k: Key) => keySlot(k)));
  if (slot === CROSS_SLOT) throw crossSlot(command, 'the keys');
  return slot;
}

/**
 * Creates a Redis Cluster client. Nothing is dialled and no timer starts until the first
 * command or `connect()`. Throws ArgumentError naming the option when an option is invalid.
 */
export function createCluster(options: BufferClusterOptions): ClusterClient<Buffer>;
export function createCluster(options: ClusterOptions): ClusterClient<string>;
export function createCluster(options: ClusterOptions | BufferClusterOptions): ClusterClient<string> | ClusterClient<Buffer> {
  return new ClusterClient<string>(options);
}
