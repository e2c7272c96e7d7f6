/**
 * 100 idle connections: what each connected, unused connection costs in heap and RSS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fullGc, heapUsed } from '../lib/measure.mjs';

/** One client whose pool dials 100 idle connections (minIdle) besides its shared one. */
async function pooled(mod, server, params, warm) {
  const n = params.connections;
  await fullGc();
  const h0 = heapUsed();
  const r0 = process.memoryUsage.rss();
  const c = mod.createClient({ url: server.url, maxConnections: n + 1, minIdle: n });
  await c.connect();
  const deadline = Date.now() + 20_000;
  while (c.stats().idle < n) {
    if (Date.now() > deadline) throw new Error(`only ${c.stats().idle} of ${n} idle connections after 20 s`);
    await sleep(20);
  }
  await sleep(params.idleMs);
  await fullGc();
  const h1 = heapUsed();
  const r1 = process.memoryUsage.rss();
  if (process.env.BENCH_ALLOC_RETAINED !== '1') {
    await c.close();
    await warm.close();
  }
  // n idle connections plus the shared one the client dialled on connect().
  return { heapPerConn: (h1 - h0) / (n + 1), rssPerConn: (r1 - r0) / (n + 1) };
}

export default {
  id: 'idle100',
  title: '100 idle connections: heap and RSS per connection',
  method:
    'Fresh process per client: import, open one warm-up client and run one GET (so one-time costs such as command tables are paid), full GC, record V8 used heap and RSS; then open 100 more clients one after another, each connected (leanredis `createClient()` + `await connect()`, ioredis/iovalkey `new Redis()` until ready, node-redis `createClient().connect()`, glide `GlideClient.createClient()`), idle 500 ms, full GC, record again; figure = (after − before) ÷ 100. The leanredis row is 100 clients (one connection each), like the rivals; the "one client, minIdle 100" row is one leanredis client with `maxConnections: 101, minIdle: 100`, waiting until `stats().idle` is 100, divided by its 101 connections.',
  params: ({ quick }) => ({ connections: 100, idleMs: quick ? 300 : 500 }),
  // Since the pool landed, one leanredis client can hold the connections itself.
  extras: [{ id: 'leanredis-pool', label: 'leanredis, one client, minIdle 100', child: true }],
  async run({ client, server, params }) {
    const mod = await client.load();
    const warm = await client.open(mod, server);
    await warm.get('bench:idle');
    if (client.id === 'leanredis-pool') return pooled(mod, server, params, warm);
    await fullGc();
    const h0 = heapUsed();
    const r0 = process.memoryUsage.rss();
    const clients = [];
    for (let i = 0; i < params.connections; i++) clients.push(await client.open(mod, server));
    await sleep(params.idleMs);
    await fullGc();
    const h1 = heapUsed();
    const r1 = process.memoryUsage.rss();
    const n = params.connections;
    // `profile.mjs --retained` keeps them open so the profile at exit shows what they hold.
    if (process.env.BENCH_ALLOC_RETAINED !== '1') {
      for (const c of clients) await c.close();
      await warm.close();
    }
    return { heapPerConn: (h1 - h0) / n, rssPerConn: (r1 - r0) / n };
  },
  metrics: [
    { key: 'heapPerConn', label: 'heap per connection', unit: 'B', better: 'lower' },
    { key: 'rssPerConn', label: 'RSS per connection', unit: 'B', better: 'lower' },
  ],
  goals: [
    (doc) => {
      const v = doc.medians.leanredis.heapPerConn;
      return { text: 'heap ≤ 4 KB per connection', met: v <= 4096, detail: `${(v / 1024).toFixed(1)} KB` };
    },
    (doc) => {
      const v = doc.medians.leanredis.rssPerConn;
      return { text: 'RSS ≤ 25 KB per connection', met: v <= 25 * 1024, detail: `${(v / 1024).toFixed(1)} KB` };
    },
  ],
};
