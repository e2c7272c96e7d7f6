/**
 * 50 concurrent callers on one client, GET only: the figure `leanredis bench --callers 50
 * --mix get` is checked against (docs/CLI.md, "Method check"). Each caller sends `GET k<i>`
 * (a 100-byte value) and waits for the reply before the next. redis-benchmark on the same
 * server gives two references: 50 connections with one GET in flight each (-c 50 -P 1), and
 * one connection with 50 in flight (-c 1 -P 50), which is what an auto-pipelining client
 * sends over its one socket.
 */
import { execFileSync } from 'node:child_process';
import { runLoad, VALUE_100 } from '../lib/measure.mjs';

function redisBenchmark(server, args) {
  const out = execFileSync('redis-benchmark', ['-h', server.host, '-p', String(server.port), '-d', '100', '-t', 'get', '--csv', ...args], { encoding: 'utf8' });
  const m = /^"GET","([\d.]+)"/m.exec(out);
  if (m === null) throw new Error(`unexpected redis-benchmark output: ${out.slice(0, 200)}`);
  return { opsPerSec: Number(m[1]) };
}

export default {
  id: 'get50',
  title: '50 concurrent callers on one client, GET only',
  method:
    'One client, 50 callers; each sends `GET k<i>` (100-byte values written before) and waits for the reply, through the same `.then` loop as the other scenarios. Warm-up of 20,000 GETs, then a bounded window (4 s, 1.5 s in --quick, at most 5M GETs); ops/s = GETs completed ÷ wall time. redis-benchmark `-t get -d 100` with `-c 50 -P 1` (50 connections) and `-c 1 -P 50` (one connection, 50 pipelined).',
  params: ({ quick }) => ({ callers: 50, durationMs: quick ? 1500 : 4000, warmupOps: 20_000, maxOps: 5_000_000, benchmarkRequests: quick ? 100_000 : 400_000 }),
  async run({ client, server, params }) {
    const mod = await client.load();
    const c = await client.open(mod, server);
    const keys = Array.from({ length: params.callers }, (_, i) => `bench:get50:${i}`);
    await Promise.all(keys.map((k) => c.set(k, VALUE_100)));
    const op = (id) => c.get(keys[id]);
    await runLoad({ callers: params.callers, durationMs: 3000, maxOps: params.warmupOps, op });
    const r = await runLoad({ callers: params.callers, durationMs: params.durationMs, maxOps: params.maxOps, op });
    await c.close();
    return { opsPerSec: r.opsPerSec, ops: r.ops, errors: r.errors, firstError: r.firstError };
  },
  extras: [
    { id: 'redis-benchmark', label: 'redis-benchmark -c 50 -P 1', measure: ({ server, params }) => redisBenchmark(server, ['-c', '50', '-P', '1', '-n', String(params.benchmarkRequests)]) },
    { id: 'redis-benchmark-p50', label: 'redis-benchmark -c 1 -P 50', measure: ({ server, params }) => redisBenchmark(server, ['-c', '1', '-P', '50', '-n', String(params.benchmarkRequests)]) },
  ],
  metrics: [{ key: 'opsPerSec', label: 'GET', unit: 'ops/s', better: 'higher' }],
};
