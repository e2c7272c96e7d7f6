/**
 * RSS and heap around the first N connects of a fresh process, in plain node (no tsx, whose own
 * parser would already have started V8's optimizing compiler): shows where the first-100 RSS of
 * the idle100 scenario goes. Run with --trace-opt to see the first TurboFan job among the steps:
 *   node --expose-gc --trace-opt bench/lib/probes/first-connects.mjs [N]
 */
import { createClient } from 'leanredis'; // the built package (bench depends on it)
import { startServer } from '../server.mjs';

const n = Number(process.argv[2] ?? 100);
const server = await startServer();
const warm = createClient({ host: server.host, port: server.port });
await warm.get('bench:first-connects');
globalThis.gc?.();
const rss0 = process.memoryUsage().rss;
const heap0 = process.memoryUsage().heapUsed;
const keep = [];
for (let i = 0; i < n; i++) {
  const c = createClient({ host: server.host, port: server.port });
  await c.connect();
  keep.push(c);
  if ((i + 1) % 10 === 0) console.log(`after ${i + 1} connects: RSS +${((process.memoryUsage().rss - rss0) / 1024).toFixed(0)} KB`);
}
globalThis.gc?.();
const m = process.memoryUsage();
console.log(`per connection: RSS ${((m.rss - rss0) / n / 1024).toFixed(1)} KB, heap ${((m.heapUsed - heap0) / n / 1024).toFixed(2)} KB (${process.execArgv.join(' ') || 'no flags'})`);
for (const c of [...keep, warm]) c.destroy();
await server.stop();
