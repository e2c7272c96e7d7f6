/**
 * Issue 9, item 5: a subscription's buffer is a real bound (bufferSize messages, bufferBytes
 * bytes), and a slow subscription never stalls a fast one on the same client. Subscriptions
 * with overflow 'drop' (the default) share one subscriber connection that never stops reading;
 * a subscription with overflow 'pause' gets a connection of its own, so pausing it stops only
 * that socket. While paused, the server buffers for that connection up to
 * client-output-buffer-limit pubsub and then closes it: the client reconnects, re-subscribes and
 * counts the reconnect window; what was published meanwhile is lost to that subscription only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/index.ts';
import { forEachProtocol, useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();

/** A listener that takes `first` message(s) and then waits for `open()`. */
function gated(): { listener: (m: string) => Promise<void>; got: string[]; open: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const got: string[] = [];
  return {
    got,
    open,
    listener: async (m) => {
      got.push(m);
      await gate;
    },
  };
}

forEachProtocol((protocol) => {
  test("bufferSize 10 with a slow listener (default overflow 'drop'): never more than 10 buffered, the rest dropped and counted", async () => {
    await using client = redis.client({ protocol });
    await using publisher = redis.client({ protocol });
    const ch = uniqueKey('burst');
    const slow = gated();
    const sub = await client.subscribe(ch, slow.listener, { bufferSize: 10 });
    assert.equal(sub.overflow, 'drop');
    await publisher.publish(ch, 'first');
    await waitFor(() => slow.got.length === 1);
    const pipe = publisher.pipeline<number[]>();
    for (let i = 0; i < 1000; i++) pipe.publish(ch, `m${i}`);
    await pipe.exec();
    await waitFor(() => sub.buffered + sub.dropped === 1000, { message: () => `${sub.buffered} buffered + ${sub.dropped} dropped` });
    assert.equal(sub.peakBuffered, 10);
    assert.equal(sub.dropped, 990);
    slow.open();
    await waitFor(() => slow.got.length === 11);
    assert.deepEqual(slow.got.slice(1), Array.from({ length: 10 }, (_, i) => `m${i}`));
    await sub.unsubscribe();
  });

  test("bufferSize 10 with overflow 'pause': never more than 10 buffered, every message delivered in order", async () => {
    await using client = redis.client({ protocol });
    await using publisher = redis.client({ protocol });
    const ch = uniqueKey('paused');
    const payload = 'x'.repeat(200);
    const total = 3000; // ~600 KB: many socket reads, so reading must stop and start again
    let count = 0;
    let inOrder = true;
    const sub = await client.subscribe(
      ch,
      async (m) => {
        if (m !== `${count}:${payload}`) inOrder = false;
        count++;
        await new Promise((r) => setImmediate(r));
      },
      { bufferSize: 10, overflow: 'pause' },
    );
    const pipe = publisher.pipeline<number[]>();
    for (let i = 0; i < total; i++) pipe.publish(ch, `${i}:${payload}`);
    await pipe.exec();
    await waitFor(() => count === total, { timeoutMs: 30_000, message: () => `${count} of ${total}` });
    assert.equal(inOrder, true);
    assert.equal(sub.dropped, 0);
    assert.ok(sub.peakBuffered <= 10, `buffer peaked at ${sub.peakBuffered}`);
    await sub.unsubscribe();
  });

  test('bufferBytes bounds the bytes buffered: 1,000-byte messages with bufferBytes 5,000 hold at most 5', async () => {
    await using client = redis.client({ protocol });
    await using publisher = redis.client({ protocol });
    const ch = uniqueKey('bytes');
    const slow = gated();
    let peakBytes = 0;
    const sub = await client.subscribe(ch, slow.listener, { bufferSize: 1000, bufferBytes: 5000 });
    await publisher.publish(ch, 'first');
    await waitFor(() => slow.got.length === 1);
    const pipe = publisher.pipeline<number[]>();
    for (let i = 0; i < 100; i++) pipe.publish(ch, 'y'.repeat(1000));
    await pipe.exec();
    await waitFor(() => {
      peakBytes = Math.max(peakBytes, sub.bufferedBytes);
      return sub.buffered + sub.dropped === 100;
    });
    assert.equal(sub.peakBuffered, 5);
    assert.ok(peakBytes <= 5000, `${peakBytes} bytes buffered`);
    assert.equal(sub.dropped, 95);
    slow.open();
    await sub.unsubscribe();
  });

  for (const overflow of ['drop', 'pause'] as const) {
    test(`a slow subscription (overflow '${overflow}') does not delay a fast one on the same client`, async () => {
      await using client = redis.client({ protocol });
      await using publisher = redis.client({ protocol });
      const ch = uniqueKey('both');
      const slow = gated();
      const fast: string[] = [];
      const slowSub = await client.subscribe(ch, slow.listener, { bufferSize: 10, overflow });
      const fastSub = await client.subscribe(ch, (m) => {
        fast.push(m);
      });
      const pipe = publisher.pipeline<number[]>();
      for (let i = 0; i < 200; i++) pipe.publish(ch, `m${i}`);
      await pipe.exec();
      // The slow listener is stuck on its first message; the fast one gets all 200 meanwhile.
      await waitFor(() => fast.length === 200, { message: () => `the fast subscription got ${fast.length} of 200` });
      assert.deepEqual(fast, Array.from({ length: 200 }, (_, i) => `m${i}`));
      // A 'pause' subscription reads on a connection of its own, which a loaded machine may not
      // have read yet when the fast one has all 200: wait for its first message, then it stays stuck.
      await waitFor(() => slow.got.length >= 1, { message: 'the slow subscription got its first message' });
      assert.equal(slow.got.length, 1);
      assert.ok(slowSub.peakBuffered <= 10, `slow buffer peaked at ${slowSub.peakBuffered}`);
      // 'pause' subscriptions have a subscriber connection of their own.
      assert.equal(client.stats().leased, overflow === 'pause' ? 2 : 1);
      slow.open();
      if (overflow === 'pause') {
        await waitFor(() => slow.got.length === 200, { message: () => `the slow subscription got ${slow.got.length} of 200` });
        assert.deepEqual(slow.got, fast);
      } else {
        await waitFor(() => slow.got.length === 11);
        assert.equal(slowSub.dropped, 189);
      }
      await slowSub.unsubscribe();
      await fastSub.unsubscribe();
      await waitFor(() => client.stats().leased === 0, { message: 'every subscriber connection given back' });
    });
  }
});

test("a paused subscription's connection is closed by the server past client-output-buffer-limit pubsub; it reconnects, re-subscribes and counts the window; a fast one on the same client loses nothing", async () => {
  await using admin = redis.client();
  const before = (await admin.configGet('client-output-buffer-limit'))['client-output-buffer-limit'];
  // 256 KiB at once: the kernel's socket buffers (a few hundred KiB on loopback) fill first.
  await admin.configSet({ 'client-output-buffer-limit': 'pubsub 256kb 128kb 1' });
  try {
    await using client = redis.client({ reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 50 });
    await using publisher = redis.client();
    const ch = uniqueKey('obl');
    const slow = gated();
    const fast: string[] = [];
    const slowSub = await client.subscribe(ch, slow.listener, { bufferSize: 10, overflow: 'pause' });
    const fastSub = await client.subscribe(ch, (m) => {
      fast.push(m);
    });
    const payload = 'z'.repeat(10_000);
    const total = 1000; // 10 MB, far past the kernel buffers and the limit
    // 100 KB at a time, each time waiting for the fast subscription to have read it: the fast
    // connection never lags by more than the soft limit (128 KB), however slowly a loaded machine
    // reads it (published 1 MB at a time, a double run at load 9 saw the server drop it too),
    // while the paused one, read by nobody, goes past the limit.
    for (let i = 0; i < total; i += 10) {
      const pipe = publisher.pipeline<number[]>();
      for (let j = i; j < i + 10; j++) pipe.publish(ch, `${j}:${payload}`);
      await pipe.exec();
      await waitFor(() => fast.length >= i + 10, { timeoutMs: 10_000, message: () => `the fast subscription got ${fast.length} of ${i + 10}` });
    }
    await waitFor(() => fast.length === total, { timeoutMs: 30_000, message: () => `the fast subscription got ${fast.length} of ${total}` });
    // The server dropped the paused connection: only the fast one is still subscribed.
    await waitFor(async () => Number(((await admin.call('PUBSUB', 'NUMSUB', ch)) as unknown[])[1]) === 1, { message: 'the server closed the paused connection' });
    assert.equal(client.stats().pubsubReconnects, 0, 'a paused socket is not read, so the loss is not seen yet');
    slow.open();
    // Reading again, the client drains what it had, sees the close, reconnects and re-subscribes.
    await waitFor(() => client.stats().pubsubReconnects === 1, { timeoutMs: 20_000, message: 'the reconnect window is counted' });
    await waitFor(async () => (await publisher.publish(ch, 'after')) === 2, { message: 'both subscriptions are back' });
    await waitFor(() => slow.got.includes('after'));
    assert.ok(slow.got.length < total, `the slow subscription lost what the server dropped (${slow.got.length} of ${total})`);
    assert.ok(slowSub.peakBuffered <= 10);
    assert.equal(fast.filter((m) => m !== 'after').length, total);
    await slowSub.unsubscribe();
    await fastSub.unsubscribe();
  } finally {
    await admin.configSet({ 'client-output-buffer-limit': before });
  }
});

test('an unsubscribe cut off by a lost connection resolves once the subscriber connection is back, not at its deadline; nothing stays waiting', async () => {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  // A deadline far beyond the hang bound: resolving by it would fail the test.
  const client = createClient({ url: proxy.url, commandTimeoutMs: 120_000, reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 50 });
  try {
    const ch = uniqueKey('cut');
    const kept: string[] = [];
    const gone = await client.subscribe(`${ch}:gone`, () => {});
    const stays = await client.subscribe(`${ch}:stays`, (m) => {
      kept.push(m);
    });
    proxy.pause('down'); // the server's confirmation will not reach the client
    const sentBefore = proxy.stats.up.received;
    const unsubscribed = gone.unsubscribe();
    await waitFor(() => proxy.stats.up.received > sentBefore, { message: 'the UNSUBSCRIBE went out' });
    proxy.resetAll();
    proxy.resume('down');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([unsubscribed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('unsubscribe() still pending after 20 s')), 20_000)))]);
    clearTimeout(timer);
    const publisher = redis.client();
    await waitFor(async () => (await publisher.publish(`${ch}:stays`, 'back')) === 1, { message: 'the other subscription is back' });
    assert.equal(await publisher.publish(`${ch}:gone`, 'x'), 0);
    await waitFor(() => kept.includes('back'));
    await publisher.close();
    await stays.unsubscribe();
  } finally {
    client.destroy();
    await proxy.close();
  }
});
