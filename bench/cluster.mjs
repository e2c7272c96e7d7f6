#!/usr/bin/env node
/**
 * Cluster scenario: leanredis/cluster beside ioredis Cluster and node-redis createCluster, in one
 * run, against one 3-master cluster of redis-server processes this script starts on free
 * loopback ports (cluster-enabled, no replicas: the figures are about the client). Each client
 * runs in a child process of its own (node --expose-gc), and reports:
 *   - ops/s of concurrent GETs over keys spread across every slot (closed loop, `--concurrency`)
 *   - heap after GC of an idle client connected to every master (minus the process's own baseline)
 *   - sockets open (TCPSocketWrap handles) when idle and after the load
 *
 *   node bench/cluster.mjs [--seconds 5] [--concurrency 200] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = opt('seconds', 5);
const CONCURRENCY = opt('concurrency', 200);
const KEYS = 10_000;

/** The child: one client, measured. */
async function child(name, ports) {
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const heap = () => {
    for (let i = 0; i < 4; i++) globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  };
  const base = heap();
  let client;
  let get;
  let close;
  if (name === 'leanredis') {
    const { createCluster } = await import('leanredis/cluster');
    client = createCluster({ rootNodes: nodes.map((n) => `${n.host}:${n.port}`) });
    await client.connect();
    get = (k) => client.get(k);
    close = () => client.close();
  } else if (name === 'ioredis') {
    const { Cluster } = await import('ioredis');
    client = new Cluster(nodes);
    await new Promise((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
    });
    get = (k) => client.get(k);
    close = () => client.quit();
  } else {
    const { createCluster } = await import('redis');
    client = createCluster({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
    await client.connect();
    get = (k) => client.get(k);
    close = () => client.quit();
  }
  // Touch every master once (a key per slot range), then measure the idle client.
  for (let i = 0; i < 64; i++) await get(`k:${i}`);
  const idleHeap = heap() - base;
  const idleSockets = sockets();
  let ops = 0;
  const end = performance.now() + SECONDS * 1000;
  const loop = async (w) => {
    let i = w;
    while (performance.now() < end) {
      await get(`k:${i % KEYS}`);
      i += CONCURRENCY;
      ops++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => loop(w)));
  const elapsed = (performance.now() - t0) / 1000;
  const loadSockets = sockets();
  await close();
  process.stdout.write(`${JSON.stringify({ name, opsPerSec: Math.round(ops / elapsed), idleHeapKB: Math.round(idleHeap / 1024), idleSockets, loadSockets })}\n`);
  process.exit(0);
}

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

async function startCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-cluster-'));
  const procs = [];
  const ports = [];
  const buses = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const bus = await freePort();
    ports.push(port);
    buses.push(bus);
    procs.push(
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `n${i}.conf`), '--cluster-port', String(bus)], { stdio: 'ignore' }),
    );
  }
  const { createClient } = await import('leanredis');
  const admins = ports.map((port) => createClient({ port }));
  for (const a of admins) {
    for (;;) {
      try {
        await a.ping();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
  const ranges = [[0, 5460], [5461, 10922], [10923, 16383]];
  await Promise.all(admins.map((a, i) => a.call('CLUSTER', 'ADDSLOTSRANGE', ranges[i][0], ranges[i][1])));
  for (let i = 1; i < 3; i++) await admins[0].call('CLUSTER', 'MEET', '127.0.0.1', ports[i], buses[i]);
  for (;;) {
    const infos = await Promise.all(admins.map((a) => a.call('CLUSTER', 'INFO')));
    if (infos.every((t) => String(t).includes('cluster_state:ok'))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // Keys for the GETs.
  const { createCluster } = await import('leanredis/cluster');
  const loader = createCluster({ rootNodes: [`127.0.0.1:${ports[0]}`] });
  for (let i = 0; i < KEYS; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => loader.set(`k:${i + j}`, 'x'.repeat(32))));
  await loader.close();
  for (const a of admins) a.destroy();
  return {
    ports,
    stop() {
      for (const p of procs) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.env.LEANREDIS_CLUSTER_BENCH_CHILD) {
  await child(process.env.LEANREDIS_CLUSTER_BENCH_CHILD, JSON.parse(process.env.LEANREDIS_CLUSTER_BENCH_PORTS ?? '[]'));
} else {
  const cluster = await startCluster();
  const results = [];
  try {
    for (const name of ['leanredis', 'ioredis', 'node-redis']) {
      const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], {
        env: { ...process.env, LEANREDIS_CLUSTER_BENCH_CHILD: name, LEANREDIS_CLUSTER_BENCH_PORTS: JSON.stringify(cluster.ports) },
        encoding: 'utf8',
        timeout: (SECONDS + 60) * 1000,
      });
      const line = r.stdout.trim().split('\n').pop();
      results.push(r.status === 0 && line ? JSON.parse(line) : { name, error: (r.stderr || 'no output').slice(0, 300) });
    }
  } finally {
    cluster.stop();
  }
  if (args.includes('--json')) console.log(JSON.stringify({ seconds: SECONDS, concurrency: CONCURRENCY, node: process.version, results }, null, 2));
  else {
    console.log(`cluster: 3 masters on loopback, ${CONCURRENCY} concurrent GETs for ${SECONDS} s per client (${process.version})`);
    console.log(`${'client'.padEnd(12)}${'GET/s'.padStart(10)}${'idle heap'.padStart(12)}${'sockets idle'.padStart(14)}${'under load'.padStart(12)}`);
    for (const r of results) {
      if (r.error) console.log(`${r.name.padEnd(12)} failed: ${r.error}`);
      else console.log(`${r.name.padEnd(12)}${String(r.opsPerSec).padStart(10)}${`${r.idleHeapKB} KB`.padStart(12)}${String(r.idleSockets).padStart(14)}${String(r.loadSockets).padStart(12)}`);
    }
  }
}
