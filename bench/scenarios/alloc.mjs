/**
 * Bytes allocated per GET with 100 in flight. V8 has no allocation counter, so the child runs
 * with a 64 MB young generation (--min/max-semi-space-size=64) and measures windows in which
 * no GC ran: within such a window, growth of used heap = bytes allocated.
 */
import { fullGc, gcObserver, heapUsed, median, runLoad, VALUE_100 } from '../lib/measure.mjs';

const K = 'bench:alloc';

export default {
  id: 'alloc',
  title: 'Bytes allocated per GET, 100 in flight',
  method:
    'Child runs `node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64` so a window of 2,000 GETs fits in the young generation without a scavenge. 100 callers loop on `GET k` (100-byte value) after 10,000 warm-up GETs. For each window: full GC, read V8 used heap and `process.memoryUsage().arrayBuffers`, run 2,000 GETs, read again; a perf_hooks `gc` observer rejects any window in which a GC ran. Heap B/GET = used-heap growth ÷ GETs; external B/GET = arrayBuffers growth ÷ GETs (socket read buffers and Buffers, same for all clients). Median over 9 clean windows (5 in --quick). The "loop floor" row runs the same loop against a fake client that answers with already-resolved promises: the caller\'s own `await` machinery, included in every client\'s figure.',
  nodeFlags: ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
  params: ({ quick }) => ({ callers: 100, windowOps: 2000, windows: quick ? 5 : 9, warmupOps: 10_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    await c.set(K, VALUE_100);
    const op = () => c.get(K);
    await runLoad({ callers: params.callers, durationMs: 5000, maxOps: params.warmupOps, op });
    const heap = [];
    const ext = [];
    let rejected = 0;
    for (let tries = 0; heap.length < params.windows && tries < params.windows * 4; tries++) {
      await fullGc();
      const obs = gcObserver();
      const h0 = heapUsed();
      const a0 = process.memoryUsage().arrayBuffers;
      const r = await runLoad({ callers: params.callers, durationMs: 10_000, maxOps: params.windowOps, op });
      const h1 = heapUsed();
      const a1 = process.memoryUsage().arrayBuffers;
      const gcs = await obs.stop();
      if (gcs.count > 0 || r.errors > 0) {
        rejected++;
        continue;
      }
      heap.push((h1 - h0) / r.ops);
      ext.push((a1 - a0) / r.ops);
    }
    await c.close();
    if (heap.length === 0) throw new Error('every window saw a GC');
    return { heapPerOp: median(heap), externalPerOp: median(ext), windows: heap.length, rejected };
  },
  // The same loop against a fake client answering with resolved promises: what the caller's
  // own awaits cost, included in every client's figure.
  extras: [{ id: 'floor', label: 'loop floor (no client)', child: true, noRatio: true }],
  metrics: [
    { key: 'heapPerOp', label: 'heap allocated per GET', unit: 'B', better: 'lower' },
    { key: 'externalPerOp', label: 'external (ArrayBuffer) per GET', unit: 'B', better: 'lower' },
  ],
  goals: [
    (doc) => {
      const v = doc.medians.leanredis.heapPerOp;
      return { text: '≤ 600 B allocated per GET', met: v <= 600, detail: `${v.toFixed(0)} B heap` };
    },
  ],
};
