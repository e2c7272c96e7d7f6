/**
 * A created but unused client: what does constructing one with default options open? Counts
 * process.getActiveResourcesInfo() by kind before and 200 ms after construction, and the heap
 * the client holds after GC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { activeResources, fullGc, heapUsed } from '../lib/measure.mjs';

export default {
  id: 'unused',
  title: 'Created but unused client: sockets, timers, heap',
  method:
    'Fresh process: import the client, full GC, snapshot `process.getActiveResourcesInfo()`, construct a client with default options and no command (glide: `await GlideClient.createClient()`, the only way to get one), wait 200 ms, snapshot again after GC. Sockets = TCP/Pipe/TLS wraps, timers = Timeout/Immediate; heap = V8 used heap after GC, with the client referenced.',
  params: () => ({ waitMs: 200 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    await fullGc();
    const before = activeResources();
    const h0 = heapUsed();
    const raw = await client.construct(mod, server);
    await sleep(params.waitMs);
    await fullGc();
    const h1 = heapUsed();
    const after = activeResources();
    const added = [...after.list];
    for (const r of before.list) {
      const i = added.indexOf(r);
      if (i >= 0) added.splice(i, 1);
    }
    globalThis.keep = raw;
    try {
      client.dispose(raw);
    } catch {
      /* best effort */
    }
    return { sockets: after.sockets - before.sockets, timers: after.timers - before.timers, heapBytes: h1 - h0, notes: { added } };
  },
  metrics: [
    { key: 'sockets', label: 'sockets', unit: '', better: 'lower' },
    { key: 'timers', label: 'timers', unit: '', better: 'lower' },
    { key: 'heapBytes', label: 'heap held', unit: 'B', better: 'lower' },
  ],
  goals: [
    (doc) => {
      const m = doc.medians.leanredis;
      return { text: '0 sockets, 0 timers', met: m.sockets === 0 && m.timers === 0, detail: `${m.sockets} socket(s), ${m.timers} timer(s)` };
    },
  ],
};
