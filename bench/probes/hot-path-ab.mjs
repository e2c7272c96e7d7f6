#!/usr/bin/env node
/**
 * A/B of two leanredis builds on the client's hot path, for a change that should cost nothing
 * measurable (argument and options checks). Both builds are loaded in one process and driven
 * alternately in short windows against one redis-server, so machine load drifts alike for both;
 * besides ops/s it reports the client process's own CPU time per command (process.cpuUsage),
 * which a loaded machine disturbs far less than wall-clock throughput.
 *
 *   node bench/probes/hot-path-ab.mjs <base dist dir> <new dist dir> [--rounds=15] [--window-ms=1000] [--url=redis://...]
 *
 * Without --url it starts its own redis-server on a free port. Prints a Markdown table (medians
 * of the rounds, new ÷ base) and the load average before and after.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startServer } from '../lib/server.mjs';

const [baseDir, newDir, ...rest] = process.argv.slice(2);
if (!baseDir || !newDir) {
  console.error('usage: node bench/probes/hot-path-ab.mjs <base dist dir> <new dist dir> [--rounds=N] [--window-ms=MS] [--url=URL]');
  process.exit(2);
}
const opt = (name, fallback) => {
  const a = rest.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? fallback : a.slice(name.length + 3);
};
const rounds = Number(opt('rounds', 15));
const windowMs = Number(opt('window-ms', 1000));
const external = opt('url', undefined);
const server = external ? { url: external, stop: async () => {} } : await startServer();
const VALUE = 'v'.repeat(100);

const builds = [
  { name: 'base', mod: await import(pathToFileURL(join(baseDir, 'index.js')).href) },
  { name: 'new', mod: await import(pathToFileURL(join(newDir, 'index.js')).href) },
];

const scenarios = {
  /** 100 async callers alternating SET and GET on their own keys. */
  async concurrent100(client, until) {
    let ops = 0;
    const caller = async (i) => {
      const k = `ab:c:${i}`;
      while (performance.now() < until) {
        await (ops & 1 ? client.get(k) : client.set(k, VALUE));
        ops++;
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, i) => caller(i)));
    return ops;
  },
  /** One caller sending pipelines of 100 (SET and GET alternating). */
  async pipeline100(client, until) {
    let ops = 0;
    while (performance.now() < until) {
      const p = client.pipeline();
      for (let i = 0; i < 50; i++) p.set('ab:p', VALUE).get('ab:p');
      await p.exec();
      ops += 100;
    }
    return ops;
  },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const loadBefore = loadavg()[0];
const rows = [];
for (const [id, run] of Object.entries(scenarios)) {
  const clients = builds.map((b) => b.mod.createClient({ url: server.url }));
  for (const c of clients) await c.connect();
  // Warm both up (JIT) before measuring.
  for (const c of clients) await run(c, performance.now() + windowMs);
  const results = builds.map(() => ({ opsPerSec: /** @type {number[]} */ ([]), cpuUsPerOp: /** @type {number[]} */ ([]) }));
  for (let r = 0; r < rounds; r++) {
    // Alternate which build goes first, so neither always follows the other.
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const ops = await run(clients[i], t0 + windowMs);
      const wall = performance.now() - t0;
      const used = process.cpuUsage(cpu);
      results[i].opsPerSec.push((ops / wall) * 1000);
      results[i].cpuUsPerOp.push((used.user + used.system) / ops);
    }
  }
  for (const c of clients) await c.close();
  const m = results.map((x) => ({ opsPerSec: median(x.opsPerSec), cpuUsPerOp: median(x.cpuUsPerOp) }));
  rows.push({ id, base: m[0], next: m[1] });
}
await server.stop?.();

console.log(`| scenario | base ops/s | new ops/s | new ÷ base | base CPU µs/command | new CPU µs/command | new ÷ base |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|`);
for (const r of rows) {
  console.log(
    `| ${r.id} | ${(r.base.opsPerSec / 1000).toFixed(1)}k | ${(r.next.opsPerSec / 1000).toFixed(1)}k | ${(r.next.opsPerSec / r.base.opsPerSec).toFixed(3)} | ${r.base.cpuUsPerOp.toFixed(3)} | ${r.next.cpuUsPerOp.toFixed(3)} | ${(r.next.cpuUsPerOp / r.base.cpuUsPerOp).toFixed(3)} |`,
  );
}
console.log(`\nMedians of ${rounds} alternating ${windowMs} ms windows per build, one process, Node ${process.version}; load average ${loadBefore.toFixed(2)} → ${loadavg()[0].toFixed(2)}.`);
process.exit(0);
