/**
 * The memory watch's alarm rules on synthetic histories: a garbage-collected sawtooth is not
 * growth but a rising floor is; doubling is measured against the lowest value since warm-up
 * with a floor; each rule raises once per episode and clears with hysteresis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmEvaluator, floorSlope, resolveAlarms } from '../../src/diagnostics/memory-alarms.ts';
import type { ClientSample, MemorySample } from '../../src/diagnostics/memory-sample.ts';

const MB = 1024 * 1024;

function sample(at: number, over: Partial<MemorySample> = {}): MemorySample {
  return { at, heapUsed: 50 * MB, heapTotal: 80 * MB, external: 2 * MB, arrayBuffers: MB, rss: 120 * MB, gap: 38 * MB, resources: {}, eventLoopDelay: { meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 }, cpuPercent: 1, clients: [], ...over };
}

test('floorSlope: a sawtooth over a flat floor is ~0; a rising floor gives its slope', () => {
  const saw = Array.from({ length: 120 }, (_, i) => sample(i * 500, { heapUsed: 50 * MB + (i % 10) * 4 * MB }));
  assert.ok(Math.abs(floorSlope(saw, 'heapUsed')) < 0.05 * MB, `sawtooth slope ${floorSlope(saw, 'heapUsed')}`);
  const leak = Array.from({ length: 120 }, (_, i) => sample(i * 500, { heapUsed: 50 * MB + (i % 10) * 4 * MB + i * 0.25 * MB }));
  const slope = floorSlope(leak, 'heapUsed');
  assert.ok(slope > 0.4 * MB && slope < 0.6 * MB, `0.5 MB/s leak measured as ${slope / MB} MB/s`);
});

test('growth raises once per episode, after warm-up, and clears below half the slope', () => {
  const settings = resolveAlarms('t', { growth: { windowMs: 10_000, minBytesPerSecond: 100_000, series: ['heapUsed'] }, doubling: false, saturation: false, leaseLeak: false });
  const ev = new AlarmEvaluator(settings, 0, 5000);
  const history: MemorySample[] = [];
  const raised: string[] = [];
  let heap = 50 * MB;
  for (let t = 0; t <= 60_000; t += 500) {
    // Grows 200 KB/s for 30 s, then stays flat.
    if (t < 30_000) heap += 100_000;
    history.push(sample(t, { heapUsed: heap }));
    for (const f of ev.evaluate(history)) raised.push(`${t}:${f.kind}:${f.series}`);
  }
  assert.equal(raised.length, 1, raised.join(' '));
  assert.match(raised[0], /^(9000|9500|10000):growth:heapUsed$/, 'raised once the window is covered');
  // A second episode after it cleared.
  for (let t = 60_500; t <= 90_000; t += 500) {
    heap += 100_000;
    history.push(sample(t, { heapUsed: heap }));
    for (const f of ev.evaluate(history)) raised.push(`${t}:${f.kind}`);
  }
  assert.equal(raised.length, 2, raised.join(' '));
});

test('doubling: against the lowest count since warm-up, never below minCount; once per episode', () => {
  const settings = resolveAlarms('t', { growth: false, doubling: { minCount: 10, minRssBytes: 100 * MB }, saturation: false, leaseLeak: false });
  const ev = new AlarmEvaluator(settings, 0, 0);
  const history: MemorySample[] = [];
  const found: string[] = [];
  const counts = [4, 6, 12, 19, 20, 25, 40, 14, 12, 30, 35];
  counts.forEach((n, i) => {
    history.push(sample(i * 1000, { resources: { Timeout: n, TCPSocketWrap: 3 } }));
    for (const f of ev.evaluate(history)) found.push(`${n}:${f.series}:${f.baseline}`);
  });
  // Baseline 4 -> reference max(4, 10) = 10: raised at 20; open until below 15 (14), raised again at 30.
  assert.deepEqual(found, ['20:resources.Timeout:4', '30:resources.Timeout:4']);
  // A type first seen after the first sample was absent until then: its baseline is 0.
  history.push(sample(11_000, { resources: { Timeout: 35, TCPSocketWrap: 3, FSReqCallback: 25 } }));
  assert.deepEqual(ev.evaluate(history).map((f) => `${f.series}:${f.baseline}`), ['resources.FSReqCallback:0']);
  const rss = new AlarmEvaluator(settings, 0, 0);
  const h2 = [sample(0, { rss: 150 * MB }), sample(1000, { rss: 250 * MB }), sample(2000, { rss: 310 * MB })];
  const rssFound = h2.flatMap((_, i) => rss.evaluate(h2.slice(0, i + 1)).map((f) => f.message));
  assert.deepEqual(rssFound, ['rss doubled: 310.0 MB (baseline 150.0 MB)']);
});

test('pool saturation needs the whole window at or above the ratio; acquire waits count within the window', () => {
  const settings = resolveAlarms('t', { growth: false, doubling: false, saturation: { ratio: 0.8, windowMs: 2000, minWaits: 2 }, leaseLeak: false });
  const ev = new AlarmEvaluator(settings, 0, 0);
  const client = (inUse: number, waitCount: number): ClientSample => ({
    id: 1,
    address: '127.0.0.1:6379',
    createdAt: null,
    stats: { totalConns: inUse, idleConns: 0, leased: inUse - 1, maxConnections: 10, waitCount, waitDurationMs: waitCount * 40, timeouts: 0, pendingRequests: 0 } as ClientSample['stats'],
  });
  const history: MemorySample[] = [];
  const found: string[] = [];
  const steps: [number, number][] = [[9, 0], [9, 0], [7, 0], [8, 0], [8, 1], [9, 1], [10, 1], [10, 3], [10, 3], [10, 3], [10, 3], [10, 3], [4, 3]];
  steps.forEach(([inUse, waits], i) => {
    history.push(sample(i * 500, { clients: [client(inUse, waits)] }));
    for (const f of ev.evaluate(history)) found.push(`${i}:${f.kind}`);
  });
  assert.deepEqual(found, ['7:pool-saturation', '7:acquire-wait']);
});

test('resolveAlarms: every rule on by default with documented defaults; false turns one off', () => {
  const s = resolveAlarms('t', undefined);
  assert.deepEqual(s.growth, { windowMs: 60_000, minBytesPerSecond: 65_536, series: ['heapUsed', 'rss', 'external'], attributionMs: 3000 });
  assert.deepEqual(s.doubling, { minCount: 16, minRssBytes: 64 * MB, attributionMs: 2000 });
  assert.deepEqual(s.saturation, { ratio: 0.8, windowMs: 10_000, minWaits: 1 });
  assert.deepEqual(s.leaseLeak, { quietMs: 60_000 });
  assert.equal(resolveAlarms('t', { growth: false }).growth, undefined);
});
