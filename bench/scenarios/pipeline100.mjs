/**
 * Pipelines of 100: one caller sends 50 SET + 50 GET (alternating) as the client's own
 * non-transactional pipeline and awaits the replies, then the next pipeline.
 */
import { runLoad, VALUE_100 } from '../lib/measure.mjs';

const K = 'bench:pipe';

export default {
  id: 'pipeline100',
  title: 'Pipelines of 100 GET and SET',
  method:
    'One caller builds a pipeline of 100 commands (SET k v and GET k alternating, 100-byte value) with the client\'s own API (leanredis `pipeline().exec()`, ioredis/iovalkey `pipeline().exec()`, node-redis `multi().execAsPipeline()`, glide `exec(new Batch(false))`), awaits it, repeats. Warm-up of 200 pipelines, then a bounded window (4 s, 1.5 s in --quick); ops/s counts commands.',
  params: ({ quick }) => ({ size: 100, durationMs: quick ? 1500 : 4000, warmupOps: 20_000, maxOps: 20_000_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    const op = () => c.pipeline(params.size, K, VALUE_100);
    // Every client must really answer: 100 replies, SETs 'OK', GETs the value (ioredis and
    // iovalkey give [error, result] pairs).
    const replies = await op();
    const value = (r) => String(Array.isArray(r) ? r[1] : r);
    const ok = Array.isArray(replies) && replies.length === params.size && replies.every((r, i) => value(r) === (i & 1 ? VALUE_100 : 'OK'));
    if (!ok) throw new Error(`unexpected pipeline replies: ${JSON.stringify(replies).slice(0, 120)}`);
    await runLoad({ callers: 1, durationMs: 3000, maxOps: params.warmupOps, op, opsPerCall: params.size });
    const r = await runLoad({ callers: 1, durationMs: params.durationMs, maxOps: params.maxOps, op, opsPerCall: params.size });
    await c.close();
    return { opsPerSec: r.opsPerSec, ops: r.ops, errors: r.errors, firstError: r.firstError };
  },
  metrics: [{ key: 'opsPerSec', label: 'commands', unit: 'ops/s', better: 'higher' }],
  goals: [
    (doc) => {
      const rivals = Object.keys(doc.medians).filter((id) => id !== 'leanredis');
      const best = rivals.reduce((b, id) => ((doc.medians[id]?.opsPerSec ?? 0) > (doc.medians[b]?.opsPerSec ?? 0) ? id : b), rivals[0]);
      const r = doc.medians.leanredis?.opsPerSec / doc.medians[best]?.opsPerSec;
      return { text: 'leanredis ≥ 1.2× the best rival', met: r >= 1.2, detail: `${r.toFixed(2)}× ${best}` };
    },
  ],
};
