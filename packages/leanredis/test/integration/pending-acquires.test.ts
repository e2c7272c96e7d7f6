/**
 * Issue 9, bounded everything: the acquire() calls waiting for a lease are capped
 * (`maxPendingAcquires`). Before the cap, blocking commands issued while every lease was busy
 * (a slow consumer, a frozen server) queued without bound: only rate x acquireTimeoutMs. Over the
 * cap a command fails at once with ERR_QUEUE_FULL (reason 'pendingAcquires'), counted in stats()
 * and published on leanredis:command:rejected; the waiters under it are served in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import { QueueFullError } from '../../src/index.ts';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { nextTurn, waitFor } from '../helpers/wait.ts';
import { retainedHeap } from '../soak/soak-kit.ts';

const redis = useRedisServer();

test('blocking commands over maxPendingAcquires reject at once with ERR_QUEUE_FULL; the ones under it are served in order once a lease frees up', async () => {
  // One lease connection, held by a BLPOP that waits for an element.
  await using client = redis.client({ maxConnections: 2, maxPendingAcquires: 5, acquireTimeoutMs: 0 });
  const key = uniqueKey('acq');
  const rejected: { address: unknown; connectionId: unknown; command: unknown; reason: unknown }[] = [];
  const onRejected = (m: unknown): void => void rejected.push(m as (typeof rejected)[number]);
  dc.subscribe('leanredis:command:rejected', onRejected);
  try {
    const holder = client.blPop(key, 0);
    await waitFor(() => client.stats().leased === 1, { message: 'the first BLPOP to hold the only lease' });
    const waiting = Array.from({ length: 5 }, () => client.blPop(key, 0));
    await waitFor(() => client.stats().pendingRequests === 5, { message: 'five BLPOPs waiting for the lease' });
    const over = await Promise.race([
      client.blPop(key, 0).then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      nextTurn().then(() => 'not rejected within the same turn'),
    ]);
    assert.ok(over instanceof QueueFullError, String(over));
    assert.equal(over.reason, 'pendingAcquires');
    assert.equal(over.command, 'BLPOP');
    assert.match(over.message, /5 acquire\(\) calls already wait for a connection to 127\.0\.0\.1:\d+ \(maxPendingAcquires 5; 1 of 1 lease connections in use, maxConnections 2\)/);
    assert.equal(client.stats().rejected.pendingAcquires, 1);
    assert.deepEqual(rejected, [{ address: `127.0.0.1:${redis.port}`, connectionId: undefined, command: 'BLPOP', reason: 'pendingAcquires' }]);
    // Six elements: the holder, then the five waiters one after the other, in order.
    await client.rPush(key, ['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    assert.deepEqual(await holder, { key, element: 'e0' });
    assert.deepEqual(
      (await Promise.all(waiting)).map((r) => r?.element),
      ['e1', 'e2', 'e3', 'e4', 'e5'],
    );
    assert.equal(client.stats().pendingRequests, 0);
  } finally {
    dc.unsubscribe('leanredis:command:rejected', onRejected);
  }
});

test('what a waiting acquire() holds, and the default cap keeps that bounded: 1,000 waiters, the 1,001st rejected', async (t) => {
  await using client = redis.client({ maxConnections: 2, acquireTimeoutMs: 0 });
  const held = await client.acquire();
  // A first round out of the measurement (code and lazy modules of the waiting path).
  const warm = Array.from({ length: 100 }, () => client.acquire().catch((e: unknown) => e));
  await waitFor(() => client.stats().pendingRequests === 100, { message: 'the warm-up waiters to queue' });
  held.release();
  for (const w of warm) ((await w) as { release?: () => void }).release?.();
  const lease = await client.acquire();
  const before = retainedHeap();
  // The promises alone, no handler yet: what the pool keeps per waiter (and the caller's promise).
  const waiting = Array.from({ length: 1000 }, () => client.acquire());
  assert.equal(client.stats().pendingRequests, 1000);
  const perWaiter = (retainedHeap() - before) / 1000;
  t.diagnostic(`a waiting acquire() holds ${perWaiter.toFixed(0)} bytes`);
  const over = await client.acquire().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(over instanceof QueueFullError && over.reason === 'pendingAcquires', String(over));
  // 0.8-1 KB each (the figure the option's documentation gives): the default 1,000 keep under
  // 1 MB, not an unbounded queue. The bound is wide for other engines' object layouts.
  assert.ok(perWaiter > 100 && perWaiter < 1500, `a waiting acquire() holds ${perWaiter.toFixed(0)} bytes`);
  const settled: unknown[] = [];
  for (const w of waiting) w.then((l) => (l.release(), settled.push('ok')), (e: unknown) => settled.push(e));
  lease.release();
  await waitFor(() => settled.length === 1000, { message: 'every waiter to get the lease in turn' });
  assert.equal(settled.filter((s) => s === 'ok').length, 1000);
});
