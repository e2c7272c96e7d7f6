/**
 * The bench's log-bucketed histogram: every value within 1/128 of its bucket, exact min, max
 * and mean, percentiles that never under-report, and a JSON form that merges back exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, bucketHigh, bucketLow, bucketOf, summarizeLatency } from '../../src/bench/histogram.ts';

test('every value lands in a bucket whose bounds hold it, within 1/128 of its width', () => {
  const values = [0, 1, 255, 256, 257, 511, 512, 1000, 4095, 4096, 123_456, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 1e12, 2 ** 40 - 1];
  for (let v = 0; v < 5000; v += 7) values.push(v);
  for (let e = 8; e < 40; e++) values.push(2 ** e - 1, 2 ** e, 2 ** e + 1, Math.floor(2 ** e * 1.37));
  for (const v of values) {
    const i = bucketOf(v);
    assert.ok(bucketLow(i) <= v && v <= bucketHigh(i), `${v} in [${bucketLow(i)}, ${bucketHigh(i)}] (bucket ${i})`);
    assert.ok((bucketHigh(i) - bucketLow(i) + 1) / Math.max(1, bucketLow(i)) <= 1 / 128 + 1e-12 || v < 256, `bucket of ${v} is narrow`);
  }
  // Buckets are ordered: a bigger value never lands in an earlier bucket.
  let last = -1;
  for (let v = 0; v < 200_000; v += 13) {
    const i = bucketOf(v);
    assert.ok(i >= last);
    last = i;
  }
});

test('percentiles of a uniform 1..100,000 stay within 1% and never under-report', () => {
  const h = new Histogram();
  for (let v = 1; v <= 100_000; v++) h.record(v);
  assert.equal(h.count, 100_000);
  assert.equal(h.min, 1);
  assert.equal(h.max, 100_000);
  assert.equal(h.mean, 50_000.5);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = q * 100_000;
    const got = h.quantile(q);
    assert.ok(got >= exact && got <= exact * 1.01, `p${q * 100}: ${got} for ${exact}`);
  }
  assert.equal(h.quantile(1), 100_000);
});

test('a single outlier shows in the max and p99.9 of a small set, not in p50', () => {
  const h = new Histogram();
  for (let i = 0; i < 999; i++) h.record(100_000); // 0.1 ms in ns
  h.record(50_000_000); // 50 ms
  const s = summarizeLatency(h);
  assert.equal(s.count, 1000);
  assert.ok(Math.abs(s.p50Ms - 0.1) < 0.001, String(s.p50Ms));
  assert.ok(Math.abs(s.p999Ms - 0.1) < 0.001, String(s.p999Ms));
  assert.equal(s.maxMs, 50);
});

test('toJSON and fromJSON round-trip; add merges two histograms as one', () => {
  const a = new Histogram();
  const b = new Histogram();
  const both = new Histogram();
  for (let i = 0; i < 10_000; i++) {
    const v = Math.floor(Math.random() * 5e6);
    (i % 3 === 0 ? a : b).record(v);
    both.record(v);
  }
  const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
  merged.add(b);
  assert.deepEqual(merged.toJSON(), both.toJSON());
  const direct = new Histogram();
  direct.add(a);
  direct.add(b.toJSON());
  assert.deepEqual(direct.toJSON(), both.toJSON());
  direct.reset();
  assert.equal(direct.count, 0);
  assert.equal(direct.quantile(0.5), 0);
});

test("record's integer fast path files each value in the bucket bucketOf names", () => {
  const values = [0, 0.4, 1, 255, 255.9, 256, 257, 1000.7, 65_535, 65_536, 123_456_789, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 7];
  for (let v = 1; v < 2 ** 33; v = Math.ceil(v * 1.37)) values.push(v);
  for (const v of values) {
    const h = new Histogram();
    h.record(v);
    assert.equal(h.toJSON().buckets[0][0], bucketOf(Math.floor(v)), String(v));
  }
});
