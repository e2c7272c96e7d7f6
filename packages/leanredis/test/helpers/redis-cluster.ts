/**
 * Starts a real Redis Cluster for a test file: `masters` masters with `replicasPerMaster`
 * replicas each (3 + 3 by default), every node a redis-server process from PATH (REDIS_SERVER
 * overrides) on free loopback ports, its cluster bus on a free port of its own (cluster-port),
 * its nodes.conf in a temp dir. Slots are split evenly with CLUSTER ADDSLOTSRANGE, the nodes are
 * joined with CLUSTER MEET and the replicas attached with CLUSTER REPLICATE; then it polls until
 * every node reports cluster_state:ok, knows every other node and agrees on the slot owners.
 * stop() kills every process it started.
 *
 *   const cluster = await startRedisCluster();
 *   const client = createCluster({ rootNodes: [cluster.nodes[0].address] });
 *   ...
 *   await cluster.stop();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '../../src/index.ts';
import { freePort, startRedisServer, type RedisServer } from './redis-server.ts';
import { waitFor } from './wait.ts';

export interface ClusterNode {
  readonly port: number;
  /** 127.0.0.1:port */
  readonly address: string;
  readonly server: RedisServer;
  /** The node's id (CLUSTER MYID). */
  readonly id: string;
}

export interface StartClusterOptions {
  /** @default 3 */
  masters?: number;
  /** @default 1 */
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a node must be unreachable before it is failed over. @default 1000 (ms) */
  nodeTimeoutMs?: number;
  /** Extra redis-server arguments for every node. */
  args?: string[];
}

export interface RedisCluster {
  /** Masters first (in slot order), then replicas (replica i follows master i % masters). */
  readonly nodes: ClusterNode[];
  readonly nodeTimeoutMs: number;
  /** Runs one command on a node, through a plain (non-cluster) client kept per node. */
  admin(node: ClusterNode, command: string, ...args: (string | number)[]): Promise<unknown>;
  /** The node that currently serves `slot` as master, by asking `from` (default: the first live node). */
  masterOf(slot: number): Promise<ClusterNode>;
  /** Masters right now, by CLUSTER NODES of a live node. */
  liveMasters(): Promise<ClusterNode[]>;
  /** Polls until every live node reports cluster_state:ok and agrees on slot owners. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Moves `slot` from its master to `to` the way redis-cli --cluster reshard does: SETSLOT
   * IMPORTING/MIGRATING, MIGRATE of its keys in batches, then SETSLOT NODE on both and the others.
   * `beforeFinish` runs while the slot is half-moved (keys split between the nodes: ASK territory).
   */
  moveSlot(slot: number, to: ClusterNode, options?: { batch?: number; beforeFinish?: () => Promise<void> }): Promise<void>;
  /** SIGKILLs a node (its admin client is dropped). */
  kill(node: ClusterNode): Promise<void>;
  /** Kills every node and removes the temp dir. */
  stop(): Promise<void>;
}

function splitSlots(masters: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < masters; i++) out.push([Math.floor((i * 16384) / masters), Math.floor(((i + 1) * 16384) / masters) - 1]);
  return out;
}

/** CLUSTER NODES as records: id, address, flags, master id, slot ranges. */
export interface NodeLine {
  id: string;
  address: string;
  flags: string[];
  masterId: string;
  slots: [number, number][];
}

export function parseClusterNodes(text: string): NodeLine[] {
  const out: NodeLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.trim().split(' ');
    const slots: [number, number][] = [];
    for (const range of parts.slice(8)) {
      if (range.startsWith('[')) continue; // migrating/importing markers
      const [a, b] = range.split('-').map(Number);
      slots.push([a, b ?? a]);
    }
    out.push({ id: parts[0], address: parts[1].split('@')[0], flags: parts[2].split(','), masterId: parts[3], slots });
  }
  return out;
}

export async function startRedisCluster(options: StartClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const count = masters * (1 + replicasPerMaster);
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-cluster-'));
  const admins = new Map<number, Client>();
  const dead = new Set<number>();
  const started: RedisServer[] = [];

  const adminClient = (port: number): Client => {
    let client = admins.get(port);
    if (client === undefined) {
      client = createClient({ port, commandTimeoutMs: 10_000, maxConnections: 2 });
      admins.set(port, client);
    }
    return client;
  };
  const admin = (node: ClusterNode, command: string, ...args: (string | number)[]): Promise<unknown> => adminClient(node.port).call(command, ...args);

  try {
    // Ports are reserved one node at a time: a bus port must not be a node's port.
    const nodes: ClusterNode[] = [];
    const busPorts = new Map<RedisServer, number>();
    const servers = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const busPort = await freePort();
        const server = await startRedisServer({
          args: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', join(dir, `nodes-${i}-${busPort}.conf`),
            '--cluster-node-timeout', String(nodeTimeoutMs),
            '--cluster-port', String(busPort),
            '--cluster-allow-replica-migration', 'no',
            ...(options.args ?? []),
          ],
        });
        busPorts.set(server, busPort);
        return server;
      }),
    );
    started.push(...servers);
    for (const server of servers) {
      const id = String(await adminClient(server.port).call('CLUSTER', 'MYID'));
      nodes.push({ port: server.port, address: `127.0.0.1:${server.port}`, server, id });
    }
    const ranges = splitSlots(masters);
    await Promise.all(ranges.map(([a, b], i) => admin(nodes[i], 'CLUSTER', 'ADDSLOTSRANGE', a, b)));
    // MEET names the bus port (cluster-port), which is not port + 10000 here.
    for (const node of nodes.slice(1)) await admin(nodes[0], 'CLUSTER', 'MEET', '127.0.0.1', node.port, busPorts.get(node.server)!);
    await waitFor(
      async () => {
        for (const node of nodes) {
          const lines = parseClusterNodes(String(await admin(node, 'CLUSTER', 'NODES')));
          if (lines.length !== count || lines.some((l) => l.flags.includes('handshake') || l.flags.includes('noaddr'))) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 50, message: 'every node to know every other node' },
    );
    for (let r = masters; r < count; r++) await admin(nodes[r], 'CLUSTER', 'REPLICATE', nodes[(r - masters) % masters].id);

    const cluster: RedisCluster = {
      nodes,
      nodeTimeoutMs,
      admin,
      async liveMasters() {
        const live = nodes.find((n) => !dead.has(n.port))!;
        const lines = parseClusterNodes(String(await admin(live, 'CLUSTER', 'NODES')));
        const ids = new Set(lines.filter((l) => l.flags.includes('master') && !l.flags.includes('fail') && l.slots.length > 0).map((l) => l.id));
        return nodes.filter((n) => ids.has(n.id));
      },
      async masterOf(slot: number) {
        // Asked of the masters themselves: a master knows the slots it serves, while another
        // node's view of a slot that just moved may lag (gossip). A stale answer here made
        // moveSlot MIGRATE from a node that no longer had the slot (MOVED, once, at load 4).
        for (const node of nodes) {
          if (dead.has(node.port)) continue;
          const self = parseClusterNodes(String(await admin(node, 'CLUSTER', 'NODES'))).find((l) => l.flags.includes('myself'));
          if (self !== undefined && self.flags.includes('master') && self.slots.some(([a, b]) => slot >= a && slot <= b)) return node;
        }
        throw new Error(`no master serves slot ${slot}`);
      },
      async waitHealthy(timeoutMs = 30_000) {
        await waitFor(
          async () => {
            let owners: string | undefined;
            for (const node of nodes) {
              if (dead.has(node.port)) continue;
              const info = String(await admin(node, 'CLUSTER', 'INFO'));
              if (!info.includes('cluster_state:ok')) return false;
              const lines = parseClusterNodes(String(await admin(node, 'CLUSTER', 'NODES')));
              // Agreement: the same masters own the same ranges on every node, replicas are attached.
              const view = lines
                .filter((l) => l.flags.includes('master') && !l.flags.includes('fail') && l.slots.length > 0)
                .map((l) => `${l.id}:${JSON.stringify(l.slots)}`)
                .sort()
                .join('|');
              if (owners !== undefined && owners !== view) return false;
              owners = view;
              const replicas = lines.filter((l) => l.flags.includes('slave') && !l.flags.includes('fail'));
              if (replicas.length !== nodes.filter((n) => !dead.has(n.port)).length - lines.filter((l) => l.flags.includes('master') && !l.flags.includes('fail') && l.slots.length > 0).length) return false;
            }
            // Replicas have their initial sync done (ROLE says connected).
            for (const node of nodes) {
              if (dead.has(node.port)) continue;
              const role = (await admin(node, 'ROLE')) as unknown[];
              if (String(role[0]) === 'slave' && String(role[3]) !== 'connected') return false;
            }
            return true;
          },
          { timeoutMs, intervalMs: 50, message: 'cluster_state:ok on every node, one view of the slots, replicas synced' },
        );
      },
      async moveSlot(slot, to, moveOptions = {}) {
        const from = await cluster.masterOf(slot);
        if (from.id === to.id) return;
        await admin(to, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id);
        await admin(from, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', to.id);
        const batch = moveOptions.batch ?? 100;
        let first = true;
        for (;;) {
          const keys = (await admin(from, 'CLUSTER', 'GETKEYSINSLOT', slot, batch)) as string[];
          if (keys.length === 0) break;
          await admin(from, 'MIGRATE', '127.0.0.1', to.port, '', 0, 10_000, 'KEYS', ...keys);
          if (first && moveOptions.beforeFinish !== undefined) await moveOptions.beforeFinish();
          first = false;
        }
        if (first && moveOptions.beforeFinish !== undefined) await moveOptions.beforeFinish();
        // The new owner first, then the old one, then everyone else (as redis-cli does).
        await admin(to, 'CLUSTER', 'SETSLOT', slot, 'NODE', to.id);
        await admin(from, 'CLUSTER', 'SETSLOT', slot, 'NODE', to.id);
        for (const node of nodes) {
          if (node === to || node === from || dead.has(node.port)) continue;
          const role = (await admin(node, 'ROLE')) as unknown[];
          if (String(role[0]) === 'master') await admin(node, 'CLUSTER', 'SETSLOT', slot, 'NODE', to.id).catch(() => {});
        }
      },
      async kill(node) {
        dead.add(node.port);
        admins.get(node.port)?.destroy();
        admins.delete(node.port);
        await node.server.kill();
      },
      async stop() {
        for (const client of admins.values()) client.destroy();
        admins.clear();
        await Promise.all(started.map((s) => s.kill()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (err) {
    for (const client of admins.values()) client.destroy();
    await Promise.all(started.map((s) => s.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
