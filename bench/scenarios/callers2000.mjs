/**
 * 2,000 concurrent callers on one client for a bounded time: how far does the heap grow?
 * Duration: 20 s (3 s in --quick), or BENCH_2000_SECONDS / --duration-2000=S.
 */
import { fullGc, heapUsed, peakSampler, runLoad, VALUE_100 } from '../lib/measure.mjs';

export default {
  id: 'callers2000',
  title: '2,000 concurrent callers: peak heap growth',
  method:
    'One client, 2,000 async callers each alternating `SET k<i> v` (100 bytes) and `GET k<i>` for a bounded time (20 s; 3 s in --quick; `--duration-2000=S` overrides). After 10,000 warm-up commands and a full GC, heapUsed and RSS are sampled every 25 ms; figure = peak − value after that GC (young-generation garbage included, as in issue 5). Live heap growth: a full gc() at 1/4, 1/2 and 3/4 of the run, max of heapUsed − baseline (what 2,000 callers in flight really hold). Throughput and errors in the JSON. glide runs with inflightRequestsLimit raised to 10,000 (its default 1,000 would reject half the callers).',
  params: ({ quick }) => ({ callers: 2000, durationMs: Number(process.env.BENCH_2000_SECONDS ?? (quick ? 3 : 20)) * 1000, warmupOps: 10_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    const keys = Array.from({ length: params.callers }, (_, i) => `bench:c2k:${i}`);
    const op = (id, i) => (i & 1 ? c.get(keys[id]) : c.set(keys[id], VALUE_100));
    await runLoad({ callers: params.callers, durationMs: 10_000, maxOps: params.warmupOps, op });
    await fullGc();
    const base = process.memoryUsage();
    const sampler = peakSampler(25);
    // Peak heapUsed counts garbage still in the young generation; a full GC at 1/4, 1/2 and
    // 3/4 of the run shows what is really alive with 2,000 callers in flight.
    let live = 0;
    const probes = [0.25, 0.5, 0.75].map((f) =>
      setTimeout(() => {
        /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
        live = Math.max(live, heapUsed() - base.heapUsed);
      }, params.durationMs * f),
    );
    const r = await runLoad({ callers: params.callers, durationMs: params.durationMs, maxOps: Number.MAX_SAFE_INTEGER, op });
    probes.forEach(clearTimeout);
    const peak = sampler.stop();
    await c.close();
    return { heapGrowth: peak.heap - base.heapUsed, liveGrowth: live, rssGrowth: peak.rss - base.rss, opsPerSec: r.opsPerSec, errors: r.errors, firstError: r.firstError };
  },
  // The same 2,000 callers against a fake client answering with resolved promises: what the
  // callers' own loop puts in the young generation, with no client at all.
  extras: [{ id: 'floor', label: 'loop floor (no client)', child: true, noRatio: true }],
  metrics: [
    { key: 'heapGrowth', label: 'peak heap growth', unit: 'B', better: 'lower' },
    { key: 'liveGrowth', label: 'live heap growth (after GC, mid-run)', unit: 'B', better: 'lower' },
    { key: 'rssGrowth', label: 'peak RSS growth', unit: 'B', better: 'lower' },
    { key: 'opsPerSec', label: 'throughput', unit: 'ops/s', better: 'higher' },
  ],
  goals: [
    (doc) => {
      const v = doc.medians.leanredis.heapGrowth;
      return { text: 'peak heap growth ≤ 8 MB', met: v <= 8 * 2 ** 20, detail: `${(v / 2 ** 20).toFixed(1)} MB` };
    },
  ],
};
