/**
 * GET of 1 MiB values, replies as Buffers: throughput and peak RSS.
 */
import { randomBytes } from 'node:crypto';
import { fullGc, peakSampler, runLoad } from '../lib/measure.mjs';

const K = 'bench:1mib';
const SIZE = 1024 * 1024;

export default {
  id: 'get1mib',
  title: 'GET of 1 MiB values (Buffer replies)',
  method:
    'A 1 MiB random value is SET once; one caller then GETs it one at a time with Buffer replies (leanredis `returnBuffers`, ioredis/iovalkey `getBuffer`, node-redis BLOB_STRING→Buffer type mapping, glide `Decoder.Bytes`), after 20 warm-up GETs and a full GC, for a bounded window (4 s, 1.5 s in --quick). MB/s = GETs × 1 MiB ÷ wall time (MiB/s); RSS sampled every 25 ms, peak − value after the GC, and absolute peak. Minor page faults per GET from `process.resourceUsage()` (a 1 MiB reply written into fresh memory costs 256 faults). Each reply length is checked.',
  params: ({ quick }) => ({ durationMs: quick ? 1500 : 4000, warmupOps: 20, maxOps: 100_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server, { buffers: true });
    await c.set(K, randomBytes(SIZE));
    const op = async () => {
      const v = await c.get(K);
      if (v.length !== SIZE) throw new Error(`reply of ${v.length} bytes, expected ${SIZE}`);
    };
    await runLoad({ callers: 1, durationMs: 10_000, maxOps: params.warmupOps, op });
    await fullGc();
    const base = process.memoryUsage();
    const faults0 = process.resourceUsage().minorPageFault;
    const sampler = peakSampler(25);
    const r = await runLoad({ callers: 1, durationMs: params.durationMs, maxOps: params.maxOps, op });
    const peak = sampler.stop();
    const faults = process.resourceUsage().minorPageFault - faults0;
    await c.close();
    if (r.errors > 0) throw new Error(`${r.errors} errors: ${r.firstError}`);
    return { mbPerSec: (r.ops * SIZE) / 2 ** 20 / (r.ms / 1000), peakRss: peak.rss, rssGrowth: peak.rss - base.rss, faultsPerGet: faults / r.ops, getsPerSec: r.opsPerSec };
  },
  metrics: [
    { key: 'mbPerSec', label: 'throughput', unit: 'MB/s', better: 'higher' },
    { key: 'rssGrowth', label: 'peak RSS growth', unit: 'B', better: 'lower' },
    { key: 'peakRss', label: 'peak RSS', unit: 'B', better: 'lower' },
    { key: 'faultsPerGet', label: 'minor page faults per GET', unit: '', better: 'lower', digits: 0 },
  ],
  goals: [
    (doc) => {
      const rivals = Object.keys(doc.medians).filter((id) => id !== 'leanredis');
      const best = Math.max(...rivals.map((id) => doc.medians[id]?.mbPerSec ?? 0));
      const bestId = rivals.find((id) => doc.medians[id]?.mbPerSec === best);
      const v = doc.medians.leanredis.mbPerSec;
      return { text: 'MB/s ≥ best rival', met: v >= best, detail: `${(v / best).toFixed(2)}× ${bestId}` };
    },
  ],
};
