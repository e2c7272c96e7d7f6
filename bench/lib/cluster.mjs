/**
 * The Redis Cluster the cluster scenarios talk to, and the three cluster clients under test.
 *
 * startCluster() starts `masters` redis-server processes (and `replicasPerMaster` replicas of
 * each) from PATH on free loopback ports, cluster-enabled, no persistence, the slots split evenly
 * over the masters, and resolves once every node says cluster_state:ok (and every replica is
 * synced). It keeps one leanredis admin client per node, for the scenario's own checks (which
 * nodes are masters now) and for kill(). stop() SIGKILLs every node and removes their files.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Retries `check` every 50 ms (a throw counts as not yet) until it returns true, or throws after `timeoutMs`. */
export async function until(check, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * @param {{ masters?: number, replicasPerMaster?: number, nodeTimeoutMs?: number, name?: string }} [options]
 *   nodeTimeoutMs: cluster-node-timeout (the server's default when omitted); name: of the temporary directory
 * @returns {Promise<{ ports: number[], kill: (port: number) => void, masters: () => Promise<number[]>, stop: () => void }>}
 *   ports: the masters first, then the replicas (the i-th replica set replicates master i % masters)
 */
export async function startCluster({ masters = 3, replicasPerMaster = 0, nodeTimeoutMs, name = 'cluster' } = {}) {
  const { createClient } = await import('leanredis');
  const count = masters * (1 + replicasPerMaster);
  const dir = mkdtempSync(join(tmpdir(), `leanredis-bench-${name}-`));
  /** @type {import('node:child_process').ChildProcess[]} */
  const procs = [];
  const ports = [];
  const buses = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const bus = await freePort();
    ports.push(port);
    buses.push(bus);
    const timeout = nodeTimeoutMs === undefined ? [] : ['--cluster-node-timeout', String(nodeTimeoutMs)];
    procs.push(
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `n${i}.conf`), '--cluster-port', String(bus), ...timeout], { stdio: 'ignore' }),
    );
  }
  const admins = new Map(ports.map((port) => [port, createClient({ port, commandTimeoutMs: 10_000 })]));
  const admin = (port) => /** @type {import('leanredis').Client} */ (admins.get(port));
  const stop = () => {
    for (const a of admins.values()) a.destroy();
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await until(() => admin(port).ping(), 10_000, 'PING');
    // Even shares, rounded: three masters get 0-5460, 5461-10922, 10923-16383.
    const first = (i) => Math.round((i * 16384) / masters);
    const ranges = Array.from({ length: masters }, (_, i) => [first(i), first(i + 1) - 1]);
    await Promise.all(ranges.map((r, i) => admin(ports[i]).call('CLUSTER', 'ADDSLOTSRANGE', r[0], r[1])));
    for (let i = 1; i < count; i++) await admin(ports[0]).call('CLUSTER', 'MEET', '127.0.0.1', ports[i], buses[i]);
    await until(async () => {
      for (const p of ports) {
        const nodes = String(await admin(p).call('CLUSTER', 'NODES'));
        if (nodes.trim().split('\n').length !== count || nodes.includes('handshake')) return false;
      }
      return true;
    }, 30_000, 'MEET');
    for (let i = masters; i < count; i++) await admin(ports[i]).call('CLUSTER', 'REPLICATE', String(await admin(ports[i % masters]).call('CLUSTER', 'MYID')));
    await until(async () => {
      for (const p of ports) if (!String(await admin(p).call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      for (let i = masters; i < count; i++) {
        const role = /** @type {unknown[]} */ (await admin(ports[i]).call('ROLE'));
        if (String(role[3]) !== 'connected') return false;
      }
      return true;
    }, 30_000, 'cluster_state:ok and replicas synced');
  } catch (err) {
    stop();
    throw err;
  }
  return {
    ports,
    kill(port) {
      admins.get(port)?.destroy();
      admins.delete(port);
      procs[ports.indexOf(port)].kill('SIGKILL');
    },
    async masters() {
      const alive = [...admins.keys()][0];
      const lines = String(await admin(alive).call('CLUSTER', 'NODES')).trim().split('\n');
      return lines.filter((l) => l.includes('master') && !l.includes('fail') && l.split(' ').length > 8).map((l) => Number(l.split(' ')[1].split(':')[1].split('@')[0]));
    },
    stop,
  };
}

/**
 * A cluster client under test, connected: leanredis/cluster, ioredis Cluster or node-redis
 * createCluster (`name` 'node-redis'), over the same calls.
 *
 * @param {string} name
 * @param {number[]} ports root nodes on 127.0.0.1
 * @param {{ ignoreErrors?: boolean }} [options] ignoreErrors: listen to the rivals' 'error' events and
 *   drop them (a failover makes many), and let ioredis wait for 'ready' whatever happens first;
 *   without it an ioredis 'error' before 'ready' rejects
 * @returns {Promise<{ get: (k: string) => Promise<unknown>, incr: (k: string) => Promise<unknown>, close: () => Promise<unknown>, destroy: () => unknown }>}
 *   close: graceful (close / quit); destroy: at once
 */
export async function openClusterClient(name, ports, { ignoreErrors = false } = {}) {
  if (name === 'leanredis') {
    const { createCluster } = await import('leanredis/cluster');
    const c = createCluster({ rootNodes: ports.map((p) => `127.0.0.1:${p}`) });
    await c.connect();
    return { get: (k) => c.get(k), incr: (k) => c.incr(k), close: () => c.close(), destroy: () => c.destroy() };
  }
  if (name === 'ioredis') {
    const { Cluster } = await import('ioredis');
    const c = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
    if (ignoreErrors) {
      c.on('error', () => {});
      await new Promise((resolve) => c.once('ready', resolve));
    } else {
      await new Promise((resolve, reject) => {
        c.once('ready', resolve);
        c.once('error', reject);
      });
    }
    return { get: (k) => c.get(k), incr: (k) => c.incr(k), close: () => c.quit(), destroy: () => c.disconnect() };
  }
  const { createCluster } = await import('redis');
  const c = createCluster({ rootNodes: ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })) });
  if (ignoreErrors) c.on('error', () => {});
  await c.connect();
  return { get: (k) => c.get(k), incr: (k) => c.incr(k), close: () => c.quit(), destroy: () => c.destroy?.() ?? c.disconnect() };
}
