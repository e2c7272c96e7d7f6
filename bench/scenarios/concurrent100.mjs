/**
 * 100 concurrent callers on one client: 100 async loops, each alternating SET and GET on its
 * own key and awaiting each reply. Auto-pipelining (or its absence) decides this one.
 */
import { runLoad, VALUE_100 } from '../lib/measure.mjs';

export default {
  id: 'concurrent100',
  title: '100 concurrent callers on one client, GET and SET',
  method:
    'One client, 100 async callers; each alternates `SET k<i> v` (100 bytes) and `GET k<i>`, awaiting each reply. Warm-up of 20,000 commands, then a bounded window (4 s, 1.5 s in --quick, at most 5M commands); ops/s = commands completed ÷ wall time.',
  params: ({ quick }) => ({ callers: 100, durationMs: quick ? 1500 : 4000, warmupOps: 20_000, maxOps: 5_000_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    const keys = Array.from({ length: params.callers }, (_, i) => `bench:c100:${i}`);
    const op = (id, i) => (i & 1 ? c.get(keys[id]) : c.set(keys[id], VALUE_100));
    await runLoad({ callers: params.callers, durationMs: 3000, maxOps: params.warmupOps, op });
    const r = await runLoad({ callers: params.callers, durationMs: params.durationMs, maxOps: params.maxOps, op });
    await c.close();
    return { opsPerSec: r.opsPerSec, ops: r.ops, errors: r.errors, firstError: r.firstError };
  },
  metrics: [{ key: 'opsPerSec', label: 'GET+SET', unit: 'ops/s', better: 'higher' }],
  goals: [
    (doc) => {
      const r = doc.medians.leanredis?.opsPerSec / doc.medians.ioredis?.opsPerSec;
      return { text: 'leanredis ≥ 2× ioredis', met: r >= 2, detail: `${r.toFixed(2)}× ioredis` };
    },
  ],
};
