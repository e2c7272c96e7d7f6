#!/usr/bin/env node
/**
 * Issue 12's R5 beside the rivals: for each client (leanredis/cluster, ioredis Cluster,
 * node-redis createCluster) a fresh 3-master / 3-replica cluster of redis-server processes on
 * free loopback ports (cluster-node-timeout 2 s), 2,000 commands/s open loop (half GET, half
 * INCR, keys over every slot), one master SIGKILLed. Reported per client: commands ok and failed
 * (a command unanswered after 5 s counts as failed: some clients have no deadline of their
 * own), the error window (first to last failure), when the replica was promoted, and the last
 * failure after the promotion.
 *
 *   node bench/cluster-failover.mjs [--json]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';

const NODE_TIMEOUT_MS = 2000;
const RATE = 2000;
const DEADLINE_MS = 5000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

async function until(check, timeoutMs, what) {
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

/** @returns {Promise<{ ports: number[], kill: (port: number) => void, masters: () => Promise<number[]>, stop: () => void }>} */
async function startCluster() {
  const { createClient } = await import('leanredis');
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-failover-'));
  /** @type {import('node:child_process').ChildProcess[]} */
  const procs = [];
  const ports = [];
  const buses = [];
  for (let i = 0; i < 6; i++) {
    const port = await freePort();
    const bus = await freePort();
    ports.push(port);
    buses.push(bus);
    procs.push(
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `n${i}.conf`), '--cluster-port', String(bus), '--cluster-node-timeout', String(NODE_TIMEOUT_MS)], { stdio: 'ignore' }),
    );
  }
  const admins = new Map(ports.map((port) => [port, createClient({ port, commandTimeoutMs: 10_000 })]));
  const admin = (port) => /** @type {import('leanredis').Client} */ (admins.get(port));
  for (const port of ports) await until(() => admin(port).ping(), 10_000, 'PING');
  const ranges = [[0, 5460], [5461, 10922], [10923, 16383]];
  await Promise.all(ranges.map((r, i) => admin(ports[i]).call('CLUSTER', 'ADDSLOTSRANGE', r[0], r[1])));
  for (let i = 1; i < 6; i++) await admin(ports[0]).call('CLUSTER', 'MEET', '127.0.0.1', ports[i], buses[i]);
  await until(async () => {
    for (const p of ports) if (String(await admin(p).call('CLUSTER', 'NODES')).trim().split('\n').length !== 6 || String(await admin(p).call('CLUSTER', 'NODES')).includes('handshake')) return false;
    return true;
  }, 30_000, 'MEET');
  for (let i = 3; i < 6; i++) await admin(ports[i]).call('CLUSTER', 'REPLICATE', String(await admin(ports[i - 3]).call('CLUSTER', 'MYID')));
  await until(async () => {
    for (const p of ports) if (!String(await admin(p).call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
    for (let i = 3; i < 6; i++) {
      const role = /** @type {unknown[]} */ (await admin(ports[i]).call('ROLE'));
      if (String(role[3]) !== 'connected') return false;
    }
    return true;
  }, 30_000, 'cluster_state:ok and replicas synced');
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
    stop() {
      for (const a of admins.values()) a.destroy();
      for (const p of procs) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client under test: incr/get/close. */
async function makeClient(name, ports) {
  if (name === 'leanredis') {
    const { createCluster } = await import('leanredis/cluster');
    const c = createCluster({ rootNodes: ports.map((p) => `127.0.0.1:${p}`) });
    await c.connect();
    return { incr: (k) => c.incr(k), get: (k) => c.get(k), close: () => c.destroy() };
  }
  if (name === 'ioredis') {
    const { Cluster } = await import('ioredis');
    const c = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
    c.on('error', () => {});
    await new Promise((resolve) => c.once('ready', resolve));
    return { incr: (k) => c.incr(k), get: (k) => c.get(k), close: () => c.disconnect() };
  }
  const { createCluster } = await import('redis');
  const c = createCluster({ rootNodes: ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })) });
  c.on('error', () => {});
  await c.connect();
  return { incr: (k) => c.incr(k), get: (k) => c.get(k), close: () => c.destroy?.() ?? c.disconnect() };
}

async function measure(name) {
  const cluster = await startCluster();
  try {
    const client = await makeClient(name, cluster.ports);
    const keys = Array.from({ length: 1000 }, (_, i) => `r5:${i}`);
    const failures = [];
    let ok = 0;
    let n = 0;
    /** @type {Set<Promise<void>>} */
    const pending = new Set();
    const fire = () => {
      const key = keys[n % keys.length];
      const op = n++ % 2 === 0 ? client.incr(key) : client.get(key);
      let timer;
      const p = Promise.race([op, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in 5 s')), DEADLINE_MS)))]).then(
        () => {
          clearTimeout(timer);
          ok++;
        },
        () => {
          clearTimeout(timer);
          failures.push(performance.now());
        },
      );
      pending.add(p);
      void p.then(() => pending.delete(p));
    };
    const timer = setInterval(() => {
      for (let i = 0; i < RATE / 100; i++) fire();
    }, 10);
    await sleep(2000);
    const [victim] = await cluster.masters();
    const killedAt = performance.now();
    cluster.kill(victim);
    await until(async () => !(await cluster.masters()).includes(victim) && (await cluster.masters()).length === 3, 60_000, 'promotion');
    const promotedAt = performance.now();
    // Until 3 s pass without a failure, or 20 s after the promotion.
    await until(async () => performance.now() - Math.max(promotedAt, failures.at(-1) ?? 0) > 3000 || performance.now() - promotedAt > 20_000, 40_000, 'quiet');
    clearInterval(timer);
    await Promise.all(pending);
    await client.close();
    const first = failures[0];
    const last = failures.at(-1);
    return {
      name,
      ok,
      failed: failures.length,
      promotionS: +((promotedAt - killedAt) / 1000).toFixed(2),
      errorWindowS: last === undefined ? 0 : +((last - first) / 1000).toFixed(2),
      lastFailureAfterPromotionS: last === undefined ? 0 : +((last - promotedAt) / 1000).toFixed(2),
    };
  } finally {
    cluster.stop();
  }
}

const results = [];
for (const name of ['leanredis', 'ioredis', 'node-redis']) {
  try {
    results.push(await measure(name));
  } catch (err) {
    results.push({ name, error: String(err).slice(0, 200) });
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify({ nodeTimeoutMs: NODE_TIMEOUT_MS, rate: RATE, node: process.version, results }, null, 2));
else {
  console.log(`R5: SIGKILL of a master under ${RATE} commands/s, cluster-node-timeout ${NODE_TIMEOUT_MS} ms, 3+3 nodes (${process.version})`);
  console.log(`${'client'.padEnd(12)}${'ok'.padStart(8)}${'failed'.padStart(8)}${'promotion'.padStart(11)}${'error window'.padStart(14)}${'last failure after promotion'.padStart(30)}`);
  for (const r of results) {
    if ('error' in r) console.log(`${r.name.padEnd(12)} failed: ${r.error}`);
    else console.log(`${r.name.padEnd(12)}${String(r.ok).padStart(8)}${String(r.failed).padStart(8)}${`${r.promotionS} s`.padStart(11)}${`${r.errorWindowS} s`.padStart(14)}${`${r.lastFailureAfterPromotionS} s`.padStart(30)}`);
  }
}
process.exit(0);
