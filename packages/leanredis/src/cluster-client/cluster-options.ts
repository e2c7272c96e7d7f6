// @layer L7 cluster-client
/**
 * Options of `createCluster`: the cluster's own (root nodes, replica reads, redirections,
 * refresh pacing, a socket cap over every node) and every client option except those naming one
 * server, applied to each node's pool. Validated at construction, naming the option.
 */
import type { BufferClientOptions, ClientOptions } from '../index.js';
import { nodeAddress, type NodeAddress } from '../cluster/slot-map.js';
import * as core from '../index.js';

const { ArgumentError } = core;
const { resolveOptions } = core.__internals;

/** Which node serves read-only commands (GET, MGET, ZRANGE...); writes always go to masters. */
export type ReadFrom = 'master' | 'replica' | 'preferReplica';

/** The client options that make sense per node: everything but the address and the database. */
type NodeOptions = Omit<ClientOptions, 'url' | 'host' | 'port' | 'path' | 'database' | 'offlineQueue'>;

/** Options of `createCluster`. Every time is in milliseconds. The pool options apply to each node's pool. */
export interface ClusterOptions extends NodeOptions {
  /** Nodes to learn the slot map from: `'host:port'`, `'redis://host:port'` or `{ host, port }`. At least one. */
  rootNodes: readonly (string | { host: string; port: number })[];
  /**
   * Where read-only commands go: `'master'`; `'replica'` (a replica of the slot's shard, round
   * robin, the master when the shard has none); `'preferReplica'` (like replica, but a read that
   * failed to reach a replica is retried on the master). @default "master"
   */
  readFrom?: ReadFrom;
  /** Most MOVED/ASK/TRYAGAIN/CLUSTERDOWN answers one command follows before failing with ERR_CLUSTER_REDIRECTIONS. @default 16 */
  maxRedirections?: number;
  /** Re-read the slot map this often once the cluster is in use; 0 disables (MOVED and lost nodes still trigger it). @default 5000 (ms) */
  slotRefreshIntervalMs?: number;
  /** Least time between the starts of two slot-map refreshes, however many commands ask for one. @default 500 (ms) */
  minRefreshIntervalMs?: number;
  /** Deadline of the CLUSTER SHARDS (or SLOTS) call to one node during a refresh. @default 1000 (ms) */
  slotRefreshTimeoutMs?: number;
  /** First delay before retrying after TRYAGAIN, CLUSTERDOWN or an unreachable node; doubles per retry, full jitter. @default 50 (ms) */
  retryBaseDelayMs?: number;
  /** Largest such delay. @default 500 (ms) */
  retryMaxDelayMs?: number;
  /**
   * Hard cap on sockets over every node: each node's pool gets at most
   * `min(maxConnections, floor(maxConnectionsTotal / nodes))` (nodes: the masters, and the replicas too when readFrom is not master), at least
   * `sharedConnections`. @default unlimited (each pool has its maxConnections)
   */
  maxConnectionsTotal?: number;
}

/** A cluster whose bulk replies are Buffers. */
export interface BufferClusterOptions extends Omit<ClusterOptions, 'returnBuffers'> {
  returnBuffers: true;
}

export interface ResolvedCluster {
  roots: NodeAddress[];
  readFrom: ReadFrom;
  maxRedirections: number;
  slotRefreshIntervalMs: number;
  minRefreshIntervalMs: number;
  slotRefreshTimeoutMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxConnectionsTotal: number | undefined;
  /** What every node's client is made with (host and port added per node). */
  node: ClientOptions | BufferClientOptions;
  commandTimeoutMs: number;
  maxConnections: number;
  sharedConnections: number;
}

const OWN = new Set([
  'rootNodes', 'readFrom', 'maxRedirections', 'slotRefreshIntervalMs', 'minRefreshIntervalMs', 'slotRefreshTimeoutMs',
  'retryBaseDelayMs', 'retryMaxDelayMs', 'maxConnectionsTotal',
]);
const PER_SERVER = new Set(['url', 'host', 'port', 'path', 'database', 'offlineQueue']);

function fail(message: string): never {
  throw new ArgumentError(`createCluster: ${message}`);
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(`option "${name}" must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : typeof value}`);
  return value;
}

function rootOf(entry: unknown, i: number): NodeAddress {
  if (typeof entry === 'string') {
    const text = entry.includes('://') ? entry : `redis://${entry}`;
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      fail(`rootNodes[${i}] is not host:port or redis://host:port`);
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') fail(`rootNodes[${i}] has scheme ${u.protocol}; use redis: or rediss: (and the tls option)`);
    if (u.username || u.password) fail(`rootNodes[${i}] carries credentials; give them as the username/password options`);
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    return nodeAddress(host || '127.0.0.1', u.port ? Number(u.port) : 6379);
  }
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const { host, port } = entry as { host?: unknown; port?: unknown };
    for (const key of Object.keys(entry)) if (key !== 'host' && key !== 'port') fail(`rootNodes[${i}] has unknown key "${key}"; accepted: host, port`);
    if (typeof host !== 'string' || host === '') fail(`rootNodes[${i}].host must be a non-empty string`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) fail(`rootNodes[${i}].port must be an integer from 1 to 65535`);
    return nodeAddress(host, port);
  }
  return fail(`rootNodes[${i}] must be "host:port" or { host, port }`);
}

export function resolveCluster(input: ClusterOptions | BufferClusterOptions): ResolvedCluster {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('expected an options object with rootNodes');
  const node: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (PER_SERVER.has(key)) {
      fail(
        key === 'offlineQueue'
          ? 'option "offlineQueue" does not apply: the cluster client retries commands that were never sent, within their deadline'
          : `option "${key}" names one server; list the cluster's nodes in "rootNodes" (a cluster has database 0 only)`,
      );
    }
    if (!OWN.has(key)) node[key] = value;
  }
  const roots = input.rootNodes;
  if (!Array.isArray(roots) || roots.length === 0) fail('option "rootNodes" must be a non-empty array of "host:port" or { host, port }');
  const readFrom = input.readFrom ?? 'master';
  if (readFrom !== 'master' && readFrom !== 'replica' && readFrom !== 'preferReplica') fail('option "readFrom" must be "master", "replica" or "preferReplica"');
  // Every other option is a client option, checked by the client's own rules (and unknown ones refused there).
  let resolved;
  try {
    resolved = resolveOptions(node as ClientOptions);
  } catch (err) {
    if (err instanceof ArgumentError) throw new ArgumentError(err.message.replace(/^createClient:/, 'createCluster:'), err.code as 'ERR_INVALID_OPTION');
    throw err;
  }
  const retryBaseDelayMs = integer('retryBaseDelayMs', input.retryBaseDelayMs, 50, 1, 60_000);
  const retryMaxDelayMs = integer('retryMaxDelayMs', input.retryMaxDelayMs, 500, 1, 600_000);
  if (retryMaxDelayMs < retryBaseDelayMs) fail(`option "retryMaxDelayMs" (${retryMaxDelayMs}) must be at least "retryBaseDelayMs" (${retryBaseDelayMs})`);
  const maxConnectionsTotal = input.maxConnectionsTotal === undefined ? undefined : integer('maxConnectionsTotal', input.maxConnectionsTotal, 0, 1, 1_000_000);
  return {
    roots: (roots as unknown[]).map(rootOf),
    readFrom,
    maxRedirections: integer('maxRedirections', input.maxRedirections, 16, 0, 1000),
    slotRefreshIntervalMs: integer('slotRefreshIntervalMs', input.slotRefreshIntervalMs, 5000, 0, 2 ** 31 - 1),
    minRefreshIntervalMs: integer('minRefreshIntervalMs', input.minRefreshIntervalMs, 500, 0, 600_000),
    slotRefreshTimeoutMs: integer('slotRefreshTimeoutMs', input.slotRefreshTimeoutMs, 1000, 1, 600_000),
    retryBaseDelayMs,
    retryMaxDelayMs,
    maxConnectionsTotal,
    node: node as ClientOptions,
    commandTimeoutMs: resolved.commandTimeoutMs,
    maxConnections: resolved.pool.maxConnections,
    sharedConnections: resolved.pool.sharedConnections,
  };
}
