/**
 * Sequential GET and SET, one at a time: a single caller alternates SET k v (100 bytes) and
 * GET k, awaiting each reply before the next command. The round-trip floor is the server and
 * the loopback; redis-benchmark -c 1 -P 1 (C, no event loop) shows that floor, and a bare Node
 * socket with pre-encoded commands shows the floor of any Node client.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runLoad, VALUE_100 } from '../lib/measure.mjs';

const K = 'bench:seq';

export default {
  id: 'seq',
  title: 'Sequential GET and SET, one at a time',
  method:
    'One caller alternates `SET k v` (100-byte value) and `GET k`, awaiting each reply, after 3,000 warm-up commands; ops/s = commands completed ÷ wall time over a bounded window (4 s, 1.5 s in --quick, at most 1M commands). redis-benchmark runs `-c 1 -P 1 -d 100 -t set,get`; its figure is the harmonic mean of its SET and GET rates (what alternating them gives).',
  params: ({ quick }) => ({ durationMs: quick ? 1500 : 4000, warmupOps: 3000, maxOps: 1_000_000, benchmarkRequests: quick ? 20_000 : 60_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    const op = (_, i) => (i & 1 ? c.get(K) : c.set(K, VALUE_100));
    await c.set(K, VALUE_100);
    if ((await c.get(K)) !== VALUE_100) throw new Error('GET did not return the value SET');
    await runLoad({ callers: 1, durationMs: 2000, maxOps: params.warmupOps, op });
    const r = await runLoad({ callers: 1, durationMs: params.durationMs, maxOps: params.maxOps, op });
    await c.close();
    return { opsPerSec: r.opsPerSec, ops: r.ops, errors: r.errors, firstError: r.firstError };
  },
  extras: [
    {
      id: 'raw-node-socket',
      label: 'bare Node socket (no client)',
      async measure({ server, params }) {
        // The floor for any Node client: pre-encoded commands on a bare net.Socket, replies
        // counted by their known length (bench/lib/probes/raw-seq.mjs), in a fresh process.
        const probe = fileURLToPath(new URL('../lib/probes/raw-seq.mjs', import.meta.url));
        const out = execFileSync(process.execPath, [probe, server.host, String(server.port), String(params.durationMs), String(params.warmupOps)], { encoding: 'utf8' });
        return JSON.parse(out.trim().split('\n').pop() ?? '');
      },
    },
    {
      id: 'redis-benchmark',
      label: 'redis-benchmark -c 1 -P 1',
      async measure({ server, params }) {
        const out = execFileSync(
          'redis-benchmark',
          ['-h', server.host, '-p', String(server.port), '-c', '1', '-P', '1', '-d', '100', '-t', 'set,get', '-n', String(params.benchmarkRequests), '--csv'],
          { encoding: 'utf8' },
        );
        const rps = {};
        for (const line of out.split('\n')) {
          const m = /^"(SET|GET)","([\d.]+)"/.exec(line);
          if (m) rps[m[1]] = Number(m[2]);
        }
        if (!rps.SET || !rps.GET) throw new Error(`unexpected redis-benchmark output: ${out.slice(0, 200)}`);
        return { opsPerSec: 2 / (1 / rps.SET + 1 / rps.GET), setPerSec: rps.SET, getPerSec: rps.GET };
      },
    },
  ],
  metrics: [{ key: 'opsPerSec', label: 'GET+SET', unit: 'ops/s', better: 'higher' }],
  goals: [
    (doc) => {
      const lean = doc.medians.leanredis?.opsPerSec;
      const rb = doc.medians['redis-benchmark']?.opsPerSec;
      const r = lean / rb;
      const raw = doc.medians['raw-node-socket']?.opsPerSec;
      const floor = raw === undefined ? '' : `; a bare Node socket: ${((raw / rb) * 100).toFixed(0)}%, leanredis ${((lean / raw) * 100).toFixed(0)}% of it`;
      return { text: 'leanredis ≥ 0.95× redis-benchmark -c 1 -P 1', met: r >= 0.95, detail: `${(r * 100).toFixed(0)}% of redis-benchmark${floor}` };
    },
  ],
};
