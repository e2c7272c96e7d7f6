/** The small data structures under everything: the ring FIFO, exact-size append, deferreds and reconnect backoff. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingQueue } from '../../src/internal/ring-queue.ts';
import { backoffDelay } from '../../src/internal/backoff.ts';
import { appended } from '../../src/internal/arrays.ts';
import { deferred } from '../../src/internal/deferred.ts';

test('RingQueue is FIFO across growth, wrap-around, unshift and drain', () => {
  const q = new RingQueue<number>();
  const model: number[] = [];
  let next = 0;
  // A deterministic mix of operations that wraps the ring many times and grows it.
  for (let step = 0; step < 20_000; step++) {
    const r = (step * 2654435761) % 100;
    if (r < 55) {
      q.push(next);
      model.push(next++);
    } else if (r < 90) {
      assert.equal(q.shift(), model.shift());
    } else if (r < 95) {
      q.unshift(-step);
      model.unshift(-step);
    } else {
      assert.equal(q.peek(), model[0]);
      assert.equal(q.at(model.length - 1), model[model.length - 1]);
    }
    assert.equal(q.length, model.length);
  }
  assert.deepEqual([...q], model);
  assert.deepEqual(q.drain(), model);
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
  assert.equal(q.peek(), undefined);
  assert.equal(q.at(0), undefined);
});

test('RingQueue keeps working after a burst empties it (the ring is reset to its minimum)', () => {
  const q = new RingQueue<number>();
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 5000; i++) assert.equal(q.shift(), i);
  assert.equal(q.length, 0);
  for (let i = 0; i < 10; i++) q.push(i);
  assert.deepEqual(q.drain(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('a fresh or drained RingQueue holds no ring, and unshift, retain and at work from empty', () => {
  const q = new RingQueue<number>();
  q.unshift(1);
  q.unshift(0);
  q.push(2);
  assert.deepEqual([...q], [0, 1, 2]);
  q.retain(() => false);
  assert.equal(q.length, 0);
  assert.equal(q.at(0), undefined);
  q.push(7);
  assert.deepEqual(q.drain(), [7]);
  q.retain(() => true);
  assert.deepEqual(q.drain(), []);
  q.push(8);
  assert.equal(q.shift(), 8);
});

test('appended copies the list with the item at the end and leaves the input alone', () => {
  const empty: number[] = [];
  const one = appended(empty, 1);
  const two = appended(one, 2);
  assert.deepEqual(empty, []);
  assert.deepEqual(one, [1]);
  assert.deepEqual(two, [1, 2]);
  assert.notEqual(two, one);
});

test('deferred settles its promise from outside', async () => {
  const ok = deferred<number>();
  ok.resolve(3);
  assert.equal(await ok.promise, 3);
  const bad = deferred();
  bad.reject(new Error('no'));
  await assert.rejects(bad.promise, /no/);
});

test('backoffDelay is full jitter: between 0 and min(max, base * 2^attempt)', () => {
  assert.equal(backoffDelay(0, 100, 1000, () => 0.999), 99);
  assert.equal(backoffDelay(3, 100, 1000, () => 0.999), 799);
  assert.equal(backoffDelay(4, 100, 1000, () => 0.999), 999, 'capped at max');
  assert.equal(backoffDelay(50, 100, 1000, () => 0.5), 500, 'huge attempts do not overflow');
  assert.equal(backoffDelay(2, 100, 1000, () => 0), 0);
  for (let attempt = 0; attempt < 12; attempt++) {
    const d = backoffDelay(attempt, 50, 2000);
    assert.ok(d >= 0 && d < Math.min(2000, 50 * 2 ** attempt), `attempt ${attempt}: ${d}`);
  }
});
