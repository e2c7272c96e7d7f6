/**
 * Pub/sub against a real server under RESP2 and RESP3: listeners, iterators, patterns and
 * shard channels, shared subscriptions, resubscribe after a killed connection, backpressure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import type { PubSubMessage } from '../../src/index.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('subscribe delivers messages to the listener; ordinary commands keep working on the shared connection', async () => {
    await using client = redis.client({ protocol });
    const ch = uniqueKey('ch');
    const got: [string, string][] = [];
    await using sub = await client.subscribe(ch, (message, channel) => {
      got.push([channel, message]);
    });
    assert.equal(await client.call('PUBLISH', ch, 'one'), 1);
    assert.equal(await client.call('PUBLISH', ch, 'two'), 1);
    await waitFor(() => got.length === 2);
    assert.deepEqual(got, [
      [ch, 'one'],
      [ch, 'two'],
    ]);
    assert.equal(await client.ping(), 'PONG');
    assert.deepEqual(sub.names, [ch]);
    assert.equal(client.stats().subscriptions, 1);
  });

  test('pSubscribe carries the pattern; sSubscribe receives shard-channel messages', async () => {
    await using client = redis.client({ protocol });
    const prefix = uniqueKey('p');
    const got: PubSubMessage[] = [];
    await using _p = await client.pSubscribe(`${prefix}:*`, (message, channel, pattern) => {
      got.push({ message, channel, pattern });
    });
    await client.call('PUBLISH', `${prefix}:a`, 'x');
    await waitFor(() => got.length === 1);
    assert.deepEqual(got[0], { message: 'x', channel: `${prefix}:a`, pattern: `${prefix}:*` });
    const shard = uniqueKey('s');
    const shardGot: string[] = [];
    await using _s = await client.sSubscribe(shard, (m) => {
      shardGot.push(m);
    });
    assert.equal(await client.call('SPUBLISH', shard, 'sm'), 1);
    await waitFor(() => shardGot.length === 1);
    assert.deepEqual(shardGot, ['sm']);
  });

  test('a subscription without a listener is an async iterator; leaving the loop unsubscribes', async () => {
    await using client = redis.client({ protocol });
    const ch = uniqueKey('it');
    const sub = await client.subscribe(ch);
    for (let i = 0; i < 3; i++) await client.call('PUBLISH', ch, `m${i}`);
    const seen: string[] = [];
    for await (const m of sub) {
      seen.push(m.message);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['m0', 'm1', 'm2']);
    assert.equal(sub.isClosed, true);
    const numsub = (await client.call('PUBSUB', 'NUMSUB', ch)) as unknown[];
    assert.equal(Number(numsub[1]), 0);
    assert.equal(client.stats().leased, 0, 'the subscriber connection went back when the last subscription ended');
  });

  test('two subscriptions to one channel share the server subscription; ending one keeps the other', async () => {
    await using client = redis.client({ protocol });
    const ch = uniqueKey('shared');
    const a: string[] = [];
    const b: string[] = [];
    const subA = await client.subscribe(ch, (m) => {
      a.push(m);
    });
    await using _subB = await client.subscribe(ch, (m) => {
      b.push(m);
    });
    await client.call('PUBLISH', ch, '1');
    await waitFor(() => a.length === 1 && b.length === 1);
    await subA.unsubscribe();
    await client.call('PUBLISH', ch, '2');
    await waitFor(() => b.length === 2);
    assert.deepEqual(a, ['1']);
    assert.deepEqual(b, ['1', '2']);
    assert.equal(client.stats().totalConns, 2, 'one shared and one subscriber connection');
  });

  test('after CLIENT KILL of the subscriber connection, it reconnects and resubscribes to channels and patterns', async () => {
    await using client = redis.client({ protocol });
    await using admin = redis.client({ protocol });
    const ch = uniqueKey('re');
    const got: string[] = [];
    await using _sub = await client.subscribe(ch, (m) => {
      got.push(m);
    });
    await using _psub = await client.pSubscribe(`${ch}:*`, (m) => {
      got.push(`p:${m}`);
    });
    assert.equal(await admin.clientKill({ type: 'pubsub' }), 1);
    await waitFor(() => client.stats().reconnects >= 1);
    // Once both subscriptions are back on the server, publishing reaches them again.
    await waitFor(async () => Number(await admin.call('PUBLISH', ch, 'again')) === 1, { intervalMs: 20, message: 'the channel resubscribed' });
    await admin.call('PUBLISH', `${ch}:x`, 'pat');
    await waitFor(() => got.includes('again') && got.includes('p:pat'));
  });

  test("overflow 'drop' keeps at most bufferSize messages waiting and counts the rest in stats", async () => {
    await using client = redis.client({ protocol });
    const ch = uniqueKey('drop');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: string[] = [];
    await using sub = await client.subscribe(
      ch,
      async (m) => {
        got.push(m);
        await gate;
      },
      { bufferSize: 10, overflow: 'drop' },
    );
    await client.pipeline().call('PUBLISH', ch, 'first').exec();
    for (let i = 0; i < 100; i++) void client.call('PUBLISH', ch, `m${i}`);
    await waitFor(() => sub.dropped + sub.buffered === 100);
    assert.equal(sub.buffered, 10);
    assert.equal(sub.dropped, 90);
    assert.equal(client.stats().messagesDropped, 90);
    release();
    await waitFor(() => got.length === 11);
    assert.deepEqual(got.slice(1), Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  test("overflow 'pause' stops reading the socket instead of growing the buffer, then delivers every message in order", async () => {
    await using client = redis.client({ protocol });
    await using publisher = redis.client({ protocol });
    const ch = uniqueKey('pause');
    const payload = 'x'.repeat(500);
    const total = 2000;
    let count = 0;
    let inOrder = true;
    let maxBuffered = 0;
    const sub = await client.subscribe(
      ch,
      async (m) => {
        if (m !== `${count}:${payload}`) inOrder = false;
        count++;
        maxBuffered = Math.max(maxBuffered, sub.buffered);
        await new Promise((r) => setImmediate(r));
      },
      { bufferSize: 20, overflow: 'pause' },
    );
    // About 1 MB of messages, far more than one socket read: reading must pause and resume.
    await Promise.all(Array.from({ length: total }, (_, i) => publisher.call('PUBLISH', ch, `${i}:${payload}`)));
    await waitFor(() => count === total, { timeoutMs: 20_000 });
    assert.equal(inOrder, true);
    assert.equal(sub.dropped, 0);
    // Reading stops once the buffer holds bufferSize: what the last socket read still held waits on the connection, not in the buffer.
    assert.ok(maxBuffered <= 20 && sub.peakBuffered <= 20, `buffer peaked at ${sub.peakBuffered}`);
    await sub.unsubscribe();
  });

  test('subscribe rejects bad arguments (ERR_INVALID_ARGUMENT) and options (ERR_INVALID_OPTION), naming the command', async () => {
    await using client = redis.client({ protocol });
    // Argument errors are thrown synchronously, as by every method (docs/errors.md).
    assert.throws(() => client.subscribe([]), { code: 'ERR_INVALID_ARGUMENT', command: 'SUBSCRIBE' });
    assert.throws(() => client.subscribe('x', undefined, { bufferSize: 0 }), { code: 'ERR_INVALID_OPTION', command: 'SUBSCRIBE' });
    assert.throws(() => client.subscribe('x', undefined, { overflow: 'grow' as 'drop' }), { code: 'ERR_INVALID_OPTION' });
    assert.equal(client.stats().subscriptions, 0);
  });

  test('a returnBuffers client gets its messages as Buffers, bytes intact (they came as text after the handshake)', async () => {
    await using client = redis.client({ protocol });
    await using buffers = client.duplicate({ returnBuffers: true });
    assert.equal(buffers.returnsBuffers, true);
    assert.equal(client.returnsBuffers, false);
    assert.equal(buffers.protocol, protocol);
    const ch = uniqueKey('bin');
    const got: unknown[] = [];
    await using _channel = await buffers.subscribe(ch, (message) => void got.push(message));
    await using _pattern = await buffers.pSubscribe(`${ch}*`, (message) => void got.push(message));
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41]); // not valid UTF-8
    assert.equal(await client.publish(ch, bytes), 2);
    await waitFor(() => got.length === 2);
    for (const m of got) assert.ok(Buffer.isBuffer(m) && m.equals(bytes), `a Buffer with the bytes sent, got ${String(m)}`);
  });
});
