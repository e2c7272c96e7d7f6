/**
 * The before/after verdicts: Welch's t-test against published values, and compareRuns on
 * synthetic per-second samples whose difference is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { studentTwoSidedP, welchTest } from '../../src/bench/welch.ts';
import { compareRuns } from '../../src/bench/compare.ts';
import { finishRun, type BenchRun } from '../../src/bench/bench-result.ts';
import type { SecondSample } from '../../src/bench/bench-protocol.ts';
import { Histogram, summarizeLatency } from '../../src/bench/histogram.ts';

test("Student's t: two-sided p of the table's critical values is 0.05", () => {
  for (const [t, df] of [[12.706, 1], [2.228, 10], [2.042, 30], [1.96, 1e6]]) assert.ok(Math.abs(studentTwoSidedP(t, df) - 0.05) < 2e-4, `t=${t} df=${df}: ${studentTwoSidedP(t, df)}`);
});

test("Welch's t-test reproduces the textbook example (t = -2.22, df = 24.5, p = 0.036)", () => {
  const a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
  const b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3];
  const w = welchTest(a, b);
  assert.ok(Math.abs(w.t + 2.2255) < 1e-3, String(w.t));
  assert.ok(Math.abs(w.df - 24.52) < 0.01, String(w.df));
  assert.ok(Math.abs(w.p - 0.0355) < 1e-3, String(w.p));
  assert.ok(Number.isNaN(welchTest([1], [1, 2]).p), 'one sample is too few');
  assert.equal(welchTest([3, 3, 3], [3, 3]).p, 1, 'identical constants');
  assert.equal(welchTest([3, 3, 3], [4, 4]).p, 0, 'different constants');
});

/** A run of `n` seconds whose throughput and heap come from the given functions. */
function syntheticRun(name: string, n: number, opsPerSec: (i: number) => number, heap: (i: number) => number, stepOf: (i: number) => number = () => 0): BenchRun {
  const seconds: SecondSample[] = [];
  const h = new Histogram();
  for (let i = 0; i < n; i++) {
    const ops = opsPerSec(i);
    for (let k = 0; k < 10; k++) h.record(100_000 + k * 1000);
    seconds.push({ tMs: (i + 1) * 1000, step: stepOf(i), intervalMs: 1000, ops, opsPerSec: ops, errors: 0, dropped: 0, inFlight: 0, p50Ms: 0.1, p99Ms: 0.2, maxMs: 0.3, heapUsed: heap(i), heapTotal: heap(i) * 2, rss: 50e6, external: 1e6, arrayBuffers: 1e5, gcCount: 1, gcPauseMs: 1, gcMaxPauseMs: 1, allocatedBytes: ops * 500 });
  }
  const ops = seconds.reduce((s, x) => s + x.ops, 0);
  return finishRun({
    name,
    client: 'leanredis',
    clientVersion: '0.0.0',
    settings: { mode: 'closed', steps: [50], stepMs: n * 1000, warmupMs: 0, mix: [{ command: 'get', weight: 1 }], valueSize: 100, keys: 10, clientOptions: {}, nodeOptions: [] },
    steps: [...new Set(seconds.map((x) => x.step))].map((index) => ({ index, load: 50 * (index + 1), durationMs: n * 1000, ops, opsPerSec: ops / n, errors: 0, errorsByCode: {}, dropped: 0, latency: summarizeLatency(h), histogram: { ...h.toJSON(), count: ops }, allocatedBytesPerOp: 0, gcPauseMs: 0 })),
    seconds,
    facts: { clientVersion: '0.0.0', heapBaseline: 1, heapReady: 2, heapAfter: 3, rssAfter: 4, overheadNsPerOp: 100, loopFloorNsPerOp: 300, overheadOpsPerSec: 1e7 },
  });
}

test('a 20% throughput gain over noisy seconds is "better"; a heap within the noise is "no significant change"', () => {
  const wobble = (i: number) => ((i * 7919) % 11) - 5; // deterministic noise in -5..5
  const before = syntheticRun('before', 20, (i) => 100_000 + wobble(i) * 1000, (i) => 10e6 + wobble(i) * 1e5);
  const after = syntheticRun('after', 20, (i) => 120_000 + wobble(i + 3) * 1000, (i) => 10e6 + wobble(i + 5) * 1e5);
  const c = compareRuns(before, after);
  const by = Object.fromEntries(c.metrics.map((m) => [m.metric, m]));
  assert.equal(by.throughput.verdict, 'better');
  assert.ok(by.throughput.p! < 0.001);
  assert.ok(Math.abs(by.throughput.change! - 0.2) < 0.01, String(by.throughput.change));
  assert.equal(by['heap used'].verdict, 'no significant change');
  const reverse = compareRuns(after, before);
  assert.equal(reverse.metrics.find((m) => m.metric === 'throughput')!.verdict, 'worse');
  const short = compareRuns(syntheticRun('a', 1, () => 1, () => 1), before);
  assert.equal(short.metrics[0].verdict, 'too few samples');
});

test('on the same ramp the steps\' levels are not noise: +5% in every step is "better"', () => {
  const wobble = (i: number) => ((i * 7919) % 11) - 5;
  const step = (i: number) => (i < 10 ? 0 : 1);
  // 10,000 ops/s at the first step, 100,000 at the second; after is 5% faster in each.
  const level = (i: number) => (step(i) === 0 ? 10_000 : 100_000);
  const before = syntheticRun('before', 20, (i) => level(i) + wobble(i) * 200, () => 1e7, step);
  const after = syntheticRun('after', 20, (i) => level(i) * 1.05 + wobble(i + 4) * 200, () => 1e7, step);
  const c = compareRuns(before, after);
  assert.equal(c.isStepAdjusted, true);
  assert.equal(c.metrics.find((m) => m.metric === 'throughput')!.verdict, 'better');
  // Without the ramp (one step each), the same seconds would be one wide cloud.
  const flat = compareRuns(syntheticRun('before', 20, (i) => level(i) + wobble(i) * 200, () => 1e7), syntheticRun('after', 20, (i) => level(i) * 1.05 + wobble(i + 4) * 200, () => 1e7));
  assert.equal(flat.isStepAdjusted, false);
  assert.equal(flat.metrics.find((m) => m.metric === 'throughput')!.verdict, 'no significant change');
});
