/**
 * GC pause per 100k operations while running pipelines of 100 (SET/GET alternating).
 */
import { gcObserver, runLoad, VALUE_100 } from '../lib/measure.mjs';

const K = 'bench:gc';

export default {
  id: 'gc',
  title: 'GC pause per 100k ops, pipelines of 100',
  method:
    'One caller sends pipelines of 100 commands (SET k v / GET k alternating, 100-byte value) back to back, with default V8 heap settings. After 20,000 warm-up commands, a perf_hooks PerformanceObserver collects every `gc` entry while 500,000 commands run (200,000 in --quick); figure = sum of GC entry durations × 100,000 ÷ commands. Count and longest pause in the JSON.',
  params: ({ quick }) => ({ size: 100, ops: quick ? 200_000 : 500_000, warmupOps: 20_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    const op = () => c.pipeline(params.size, K, VALUE_100);
    await runLoad({ callers: 1, durationMs: 10_000, maxOps: params.warmupOps, op, opsPerCall: params.size });
    const obs = gcObserver();
    const r = await runLoad({ callers: 1, durationMs: 120_000, maxOps: params.ops, op, opsPerCall: params.size });
    const g = await obs.stop();
    await c.close();
    return { gcMsPer100k: (g.totalMs * 100_000) / r.ops, gcCountPer100k: (g.count * 100_000) / r.ops, maxPauseMs: g.maxMs, opsPerSec: r.opsPerSec, ops: r.ops, errors: r.errors };
  },
  metrics: [
    { key: 'gcMsPer100k', label: 'GC pause per 100k ops', unit: 'ms', better: 'lower' },
    { key: 'gcCountPer100k', label: 'GCs per 100k ops', unit: '', better: 'lower' },
    { key: 'maxPauseMs', label: 'longest pause', unit: 'ms', better: 'lower' },
  ],
  goals: [
    (doc) => {
      const v = doc.medians.leanredis.gcMsPer100k;
      return { text: 'GC pause ≤ 8 ms per 100k ops', met: v <= 8, detail: `${v.toFixed(1)} ms` };
    },
  ],
};
