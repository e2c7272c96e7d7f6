// One client's memory story, measured in a fresh process (node --expose-gc demo-probe.mjs <client> <url>):
// heap and RSS before import, after import, after creating a client, after the first command
// and after a small workload, with the sockets and timers open at each stage. Prints JSON.
const [client, url] = process.argv.slice(2);

function measure(stage) {
  /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
  /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
  const m = process.memoryUsage();
  const resources = process.getActiveResourcesInfo();
  return {
    stage,
    heapKB: Math.round(m.heapUsed / 1024),
    rssKB: Math.round(m.rss / 1024),
    sockets: resources.filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP' || r === 'PipeWrap').length,
    timers: resources.filter((r) => r === 'Timeout').length,
  };
}

const adapters = {
  async leanredis() {
    const { createClient } = await import('leanredis');
    return {
      create: () => createClient(url),
      first: (c) => c.set('demo:k', 'v'),
      work: (c) => Promise.all(Array.from({ length: 1000 }, (_, i) => c.get(`demo:${i % 10}`))),
      close: (c) => c.close(),
    };
  },
  async ioredis() {
    const { Redis } = await import('ioredis');
    return {
      create: () => new Redis(url),
      first: (c) => c.set('demo:k', 'v'),
      work: (c) => Promise.all(Array.from({ length: 1000 }, (_, i) => c.get(`demo:${i % 10}`))),
      close: (c) => c.quit(),
    };
  },
  async 'node-redis'() {
    const { createClient } = await import('redis');
    return {
      create: () => createClient({ url }),
      first: async (c) => {
        await c.connect();
        await c.set('demo:k', 'v');
      },
      work: (c) => Promise.all(Array.from({ length: 1000 }, (_, i) => c.get(`demo:${i % 10}`))),
      close: (c) => c.quit(),
    };
  },
};

const stages = [measure('before import')];
const t0 = performance.now();
const adapter = await adapters[client]();
const importMs = performance.now() - t0;
stages.push(measure('after import'));
const c = adapter.create();
// Let anything a constructor schedules (a dial, a timer) happen before looking.
await new Promise((r) => setTimeout(r, 50));
stages.push(measure('after createClient'));
await adapter.first(c);
stages.push(measure('after first command'));
await adapter.work(c);
stages.push(measure('after 1,000 GETs'));
await adapter.close(c);
process.stdout.write(JSON.stringify({ client, importMs: Math.round(importMs), stages }));
