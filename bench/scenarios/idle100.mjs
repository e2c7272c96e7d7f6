/**
 * 100 idle connections: what each connected, unused connection costs in heap and RSS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fullGc, heapUsed } from '../lib/measure.mjs';

/** One client whose pool dials `n` idle connections (minIdle) besides its shared one. */
async function openPooled(mod, server, n) {
  const c = mod.createClient({ url: server.url, maxConnections: n + 1, minIdle: n });
  await c.connect();
  const deadline = Date.now() + 20_000;
  while (c.stats().idle < n) {
    if (Date.now() > deadline) throw new Error(`only ${c.stats().idle} of ${n} idle connections after 20 s`);
    await sleep(20);
  }
  return c;
}

/** Heap and RSS after GC. */
async function snapshot() {
  await fullGc();
  return { heap: heapUsed(), rss: process.memoryUsage.rss() };
}

export default {
  id: 'idle100',
  title: '100 idle connections: heap and RSS per connection',
  method:
    'Fresh process per client: import, open one warm-up client and run one GET (so one-time costs such as command tables are paid), full GC, record V8 used heap and RSS; then open 100 more clients one after another, each connected (leanredis `createClient()` + `await connect()`, ioredis/iovalkey `new Redis()` until ready, node-redis `createClient().connect()`, glide `GlideClient.createClient()`), idle 500 ms, full GC, record again; figure = (after − before) ÷ 100 (issue 5\'s figure, goals checked on it). Then 100 more on top, measured the same way: the marginal cost once one-time costs (JIT-compiling the connect path, first-use tables) are paid. The leanredis row is 100 clients (one connection each), like the rivals; the "one client, minIdle 100" row is one leanredis client with `maxConnections: 101, minIdle: 100`, waiting until `stats().idle` is 100, divided by its 101 connections.',
  params: ({ quick }) => ({ connections: 100, idleMs: quick ? 300 : 500 }),
  // Since the pool landed, one leanredis client can hold the connections itself.
  extras: [{ id: 'leanredis-pool', label: 'leanredis, one client, minIdle 100', child: true }],
  async run({ client, server, params }) {
    const mod = await client.load();
    const warm = await client.open(mod, server);
    await warm.get('bench:idle');
    const n = params.connections;
    const isPooled = client.id === 'leanredis-pool';
    // Batch 1 is issue 5's figure (one-time costs such as JIT-compiling the connect path
    // included); batch 2, opened on top, is the marginal cost of 100 more connections.
    const held = [];
    const openBatch = async () => {
      if (isPooled) held.push(await openPooled(mod, server, n));
      else for (let i = 0; i < n; i++) held.push(await client.open(mod, server));
    };
    const conns = isPooled ? n + 1 : n; // a pooled client also dials its shared connection
    const s0 = await snapshot();
    await openBatch();
    await sleep(params.idleMs);
    const s1 = await snapshot();
    await openBatch();
    await sleep(params.idleMs);
    const s2 = await snapshot();
    // `profile.mjs --retained` keeps them open so the profile at exit shows what they hold.
    if (process.env.BENCH_ALLOC_RETAINED !== '1') {
      for (const c of held) await c.close();
      await warm.close();
    }
    return {
      heapPerConn: (s1.heap - s0.heap) / conns,
      rssPerConn: (s1.rss - s0.rss) / conns,
      heapPerConnMarginal: (s2.heap - s1.heap) / conns,
      rssPerConnMarginal: (s2.rss - s1.rss) / conns,
    };
  },
  metrics: [
    { key: 'heapPerConn', label: 'heap per connection', unit: 'B', better: 'lower' },
    { key: 'rssPerConn', label: 'RSS per connection', unit: 'B', better: 'lower' },
    { key: 'heapPerConnMarginal', label: 'heap per connection, next 100', unit: 'B', better: 'lower' },
    { key: 'rssPerConnMarginal', label: 'RSS per connection, next 100', unit: 'B', better: 'lower' },
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
    // Issue 3's view: what one more idle connection of a pool costs once the process is warm.
    (doc) => {
      const m = doc.medians['leanredis-pool'];
      if (!m) return { text: 'pooled idle connection ≤ 4 KB heap and ≤ 25 KB RSS (next 100)', met: false, detail: 'not measured' };
      const ok = m.heapPerConnMarginal <= 4096 && m.rssPerConnMarginal <= 25 * 1024;
      return { text: 'pooled idle connection ≤ 4 KB heap and ≤ 25 KB RSS (one client, minIdle 100, next 100)', met: ok, detail: `${(m.heapPerConnMarginal / 1024).toFixed(1)} KB heap, ${(m.rssPerConnMarginal / 1024).toFixed(1)} KB RSS` };
    },
  ],
};
