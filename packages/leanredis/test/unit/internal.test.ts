/** The small data structures under everything: the ring FIFO, exact-size append, deferreds, reconnect backoff and the duration sink's slot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingQueue } from '../../src/internal/ring-queue.ts';
import { backoffDelay } from '../../src/internal/backoff.ts';
import { appended } from '../../src/internal/arrays.ts';
import { deferred } from '../../src/internal/deferred.ts';
import { DurationTables, durationSlot, type DurationSink, type DurationTable } from '../../src/internal/duration-sink.ts';
import { DurationSinks } from '../../src/internal/duration-sinks.ts';
import type { Destination } from '../../src/internal/channels.ts';

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

test('the duration-sink slot: nothing, the one recorder itself, or a fan-out to each; the same recorder is installed once', () => {
  /** A recorder whose tables log what they get, one table per client. */
  const recorder = (name: string, log: string[]): DurationSink => {
    const tables = new Map<object, DurationTable>();
    return {
      tableFor: (d) => {
        let t = tables.get(d.client);
        if (t === undefined) {
          t = { record: (op, ms, error) => void log.push(`${name} ${op} ${ms} ${error === undefined ? 'ok' : 'failed'}`), recordBatch: (mode, names) => void log.push(`${name} ${mode} ${names.join(' ')}`) };
          tables.set(d.client, t);
        }
        return t;
      },
    };
  };
  const d: Destination = { address: 'h:1', serverAddress: 'h', serverPort: 1, database: 0, client: {} };
  const client = new DurationTables(d);
  const log: string[] = [];
  const a = recorder('a', log);
  const b = recorder('b', log);
  assert.equal(durationSlot.sink, undefined);
  assert.equal(client.current(), undefined, 'none installed');
  assert.equal(DurationSinks.install(a), true);
  assert.equal(DurationSinks.install(a), false, 'installed twice it would count twice');
  assert.equal(durationSlot.sink, a, 'one recorder: the slot holds it');
  const onlyA = client.current()!;
  assert.equal(onlyA, a.tableFor(d), "the client's table is the recorder's own");
  onlyA.record('GET', 1, undefined);
  assert.equal(DurationSinks.install(b), true);
  assert.deepEqual(durationSlot.sinks, [a, b]);
  const both = client.current()!;
  assert.notEqual(both, onlyA, 'the client asks again once the slot changed');
  assert.equal(client.current(), both, 'and keeps its table while it does not');
  both.record('SET', 2, new Error('x'));
  both.recordBatch('PIPELINE', ['GET', 'GET'], 3, [undefined, undefined], undefined);
  DurationSinks.uninstall(a);
  DurationSinks.uninstall(a);
  assert.equal(durationSlot.sink, b);
  client.current()!.record('DEL', 4, undefined);
  DurationSinks.uninstall(b);
  assert.equal(durationSlot.sink, undefined, 'the slot is free');
  assert.deepEqual(durationSlot.sinks, []);
  assert.equal(client.current(), undefined);
  assert.deepEqual(log, ['a GET 1 ok', 'a SET 2 failed', 'b SET 2 failed', 'a PIPELINE GET GET', 'b PIPELINE GET GET', 'b DEL 4 ok']);
});
