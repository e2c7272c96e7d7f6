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
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openClusterClient, startCluster } from './lib/cluster.mjs';

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
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const heap = () => {
    for (let i = 0; i < 4; i++) globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  };
  const base = heap();
  const client = await openClusterClient(name, ports);
  const get = client.get;
  const close = client.close;
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

async function startLoadedCluster() {
  const cluster = await startCluster({ masters: 3, name: 'cluster' });
  const { ports } = cluster;
  // Keys for the GETs.
  const { createCluster } = await import('leanredis/cluster');
  const loader = createCluster({ rootNodes: [`127.0.0.1:${ports[0]}`] });
  for (let i = 0; i < KEYS; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => loader.set(`k:${i + j}`, 'x'.repeat(32))));
  await loader.close();
  return cluster;
}

if (process.env.LEANREDIS_CLUSTER_BENCH_CHILD) {
  await child(process.env.LEANREDIS_CLUSTER_BENCH_CHILD, JSON.parse(process.env.LEANREDIS_CLUSTER_BENCH_PORTS ?? '[]'));
} else {
  const cluster = await startLoadedCluster();
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
