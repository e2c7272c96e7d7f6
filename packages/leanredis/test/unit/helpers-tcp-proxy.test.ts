import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { freePort, rawCommand, startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { assertLoopback, startTcpProxy } from '../helpers/tcp-proxy.ts';
import { RespFrameScanner, splitFrames } from '../helpers/resp-frame-scanner.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { staysTrue, waitFor } from '../helpers/wait.ts';

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  await redis.stop();
});

/** A RESP command as bytes. */
function cmd(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** How a connection to `port` ends: the error code, or 'clean'. An RST may beat the connect callback. */
async function closeCode(port: number): Promise<string> {
  return RawClient.connect(port).then(
    async (client) => (await client.waitForClose()).error?.code ?? 'clean',
    (err: NodeJS.ErrnoException) => err.code ?? 'unknown',
  );
}

let keyCounter = 0;
const key = (): string => `proxy-test:${process.pid}:${++keyCounter}`;

describe('startTcpProxy', () => {
  test('refuses targets outside 127.0.0.0/8', async () => {
    for (const host of ['10.0.0.1', '128.0.0.1', '::1', 'localhost', '0.0.0.0', '127.0.0.1.example']) {
      await assert.rejects(startTcpProxy({ targetPort: 6379, targetHost: host }), /non-loopback/, host);
    }
    assert.doesNotThrow(() => assertLoopback('127.3.2.1'));
  });

  test('forwards PING to a real redis-server and counts bytes and connections', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    assert.equal(proxy.url, `redis://127.0.0.1:${proxy.port}`);
    assert.equal(await rawCommand(proxy.port, 'PING\r\n'), '+PONG');
    assert.equal(await rawCommand(proxy.port, cmd('PING')), '+PONG');
    await proxy.waitForConnections(0);
    assert.equal(proxy.totalConnections, 2);
    const { up, down } = proxy.stats;
    assert.equal(up.received, 6 + 14);
    assert.equal(up.forwarded, 6 + 14);
    assert.equal(down.forwarded, 14);
    assert.equal(down.dropped + up.dropped, 0);
  });

  test('connections counts live client connections', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using a = await RawClient.connect(proxy.port);
    using b = await RawClient.connect(proxy.port);
    await proxy.waitForConnections(2);
    assert.equal(proxy.connections, 2);
    a.close();
    await proxy.waitForConnections(1);
    b.write(cmd('PING'));
    assert.equal((await b.waitForReplies(1))[0]!.toString(), '+PONG\r\n');
    assert.equal(proxy.totalConnections, 2);
  });

  test('passes a server-side close on to the client as FIN after the last reply', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    client.write(cmd('QUIT'));
    const closed = await client.waitForClose();
    assert.equal(closed.error, undefined);
    assert.equal(closed.hadEnd, true);
    assert.equal(client.received.toString(), '+OK\r\n');
  });

  test('resets the client when the target refuses the connection', async () => {
    await using proxy = await startTcpProxy({ targetPort: await freePort() });
    assert.equal(await closeCode(proxy.port), 'ECONNRESET');
  });

  test('delay holds replies for at least the delay, per direction', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    for (const direction of ['down', 'up', 'both'] as const) {
      proxy.delay(200, direction);
      const started = performance.now();
      client.write(cmd('ECHO', direction));
      await client.waitFor((r) => r.toString().endsWith(`${direction}\r\n`), 3000);
      const elapsed = performance.now() - started;
      const expected = direction === 'both' ? 400 : 200;
      assert.ok(elapsed >= expected - 1, `${direction}: ${elapsed} ms < ${expected} ms`);
      proxy.delay(0);
    }
    proxy.delay(10_000);
    proxy.delay(0);
    const started = performance.now();
    client.write(cmd('PING'));
    await client.waitFor((r) => r.toString().endsWith('+PONG\r\n'));
    assert.ok(performance.now() - started < 5000, 'delay(0) removes a 10 s delay');
  });

  test('delay keeps order when the delay shrinks', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.delay(150, 'down');
    client.write(cmd('ECHO', 'first'));
    await waitFor(() => proxy.stats.down.queued > 0, { message: 'the first reply held by the proxy' });
    proxy.delay(0, 'down');
    client.write(cmd('ECHO', 'second'));
    const replies = await client.waitForReplies(2);
    assert.deepEqual(replies.map(String), ['$5\r\nfirst\r\n', '$6\r\nsecond\r\n']);
  });

  test('blackhole down swallows replies: nothing arrives, the bytes are counted as dropped', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.blackhole('down');
    client.write(cmd('PING'));
    assert.equal((await client.receivedWithin(200)).length, 0);
    assert.equal(proxy.stats.down.dropped, 7);
    assert.equal(client.closed, undefined);
  });

  test('blackhole up swallows commands: the server never sees them', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    const k = key();
    proxy.blackhole('up');
    client.write(cmd('SET', k, 'v'));
    assert.equal((await client.receivedWithin(150)).length, 0);
    assert.equal(await rawCommand(redis.port, cmd('EXISTS', k)), ':0');
    proxy.heal();
    client.write(cmd('PING'));
    assert.equal((await client.waitForReplies(1))[0]!.toString(), '+PONG\r\n');
    assert.equal(await rawCommand(redis.port, cmd('EXISTS', k)), ':0');
  });

  test('dropNextReplies(1) makes exactly the reply to the next command disappear', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    client.write(cmd('ECHO', 'a'));
    await client.waitForReplies(1);
    proxy.dropNextReplies(1);
    client.write(cmd('ECHO', 'b') + cmd('ECHO', 'c'));
    client.write(cmd('ECHO', 'd'));
    await client.waitFor((r) => r.toString().endsWith('$1\r\nd\r\n'));
    assert.equal(client.received.toString(), '$1\r\na\r\n$1\r\nc\r\n$1\r\nd\r\n');
    assert.equal(proxy.stats.droppedReplies, 1);
    assert.equal(proxy.stats.down.dropped, 7);
  });

  test('dropNextReplies drops a large reply split over many chunks, and nothing else', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    const k = key();
    const value = 'x'.repeat(300_000);
    using client = await RawClient.connect(proxy.port);
    client.write(cmd('SET', k, value));
    await client.waitForReplies(1);
    proxy.dropNextReplies(2);
    client.write(cmd('GET', k) + cmd('LRANGE', k + ':none', '0', '-1') + cmd('ECHO', 'kept'));
    await client.waitFor((r) => r.toString().endsWith('kept\r\n'));
    assert.equal(client.received.toString(), '+OK\r\n$4\r\nkept\r\n');
    assert.equal(proxy.stats.droppedReplies, 2);
    assert.equal(proxy.stats.down.dropped, `$300000\r\n${value}\r\n*0\r\n`.length);
    await rawCommand(redis.port, cmd('DEL', k));
  });

  test('dropNextReplies forwards RESP3 pushes and does not count them', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using subscriber = await RawClient.connect(proxy.port);
    subscriber.write(cmd('HELLO', '3'));
    await subscriber.waitForReplies(1);
    const channel = key();
    subscriber.write(cmd('SUBSCRIBE', channel));
    await subscriber.waitForReplies(2);
    const start = subscriber.received.length;
    proxy.dropNextReplies(1);
    assert.equal(await rawCommand(redis.port, cmd('PUBLISH', channel, 'hi')), ':1');
    await subscriber.waitFor((r) => r.length > start);
    subscriber.write(cmd('PING'));
    subscriber.write(cmd('PING', 'after'));
    await subscriber.waitFor((r) => r.toString().endsWith('after\r\n'));
    const tail = subscriber.received.subarray(start).toString();
    assert.equal(tail, `>3\r\n$7\r\nmessage\r\n$${channel.length}\r\n${channel}\r\n$2\r\nhi\r\n$5\r\nafter\r\n`);
  });

  test('dropNextBytes(n) swallows exactly n bytes in a direction', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.dropNextBytes(3, 'down');
    client.write(cmd('PING'));
    client.write(cmd('ECHO', 'z'));
    await client.waitFor((r) => r.toString().endsWith('z\r\n'));
    assert.equal(client.received.toString(), 'NG\r\n$1\r\nz\r\n');
    // Up: drop the leading "*" so the server reads the rest as an inline command.
    proxy.dropNextBytes(1, 'up');
    client.write('*1\r\n$4\r\nPING\r\n');
    await client.waitFor((r) => r.toString().includes('-ERR'));
    assert.equal(proxy.stats.up.dropped, 1);
  });

  test('corrupt transforms bytes in the chosen direction', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.corrupt((chunk) => Buffer.from(chunk.toString('latin1').replace('PONG', 'PANG'), 'latin1'), 'down');
    client.write(cmd('PING'));
    assert.equal((await client.waitForReplies(1))[0]!.toString(), '+PANG\r\n');
    proxy.corrupt(null, 'down');
    proxy.corrupt((chunk) => Buffer.from(chunk.toString('latin1').replace('ECHO', 'ECHX'), 'latin1'), 'up');
    client.write(cmd('ECHO', 'q'));
    const [, reply] = await client.waitForReplies(2);
    assert.match(reply!.toString(), /^-ERR unknown command 'ECHX'/);
  });

  test('resetAll destroys every connection with ECONNRESET', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using a = await RawClient.connect(proxy.port);
    using b = await RawClient.connect(proxy.port);
    a.write(cmd('PING'));
    await a.waitForReplies(1);
    await proxy.waitForConnections(2);
    proxy.resetAll();
    assert.equal((await a.waitForClose()).error?.code, 'ECONNRESET');
    assert.equal((await b.waitForClose()).error?.code, 'ECONNRESET');
    await proxy.waitForConnections(0);
    assert.equal(await rawCommand(proxy.port, cmd('PING')), '+PONG', 'new connections still work');
  });

  test('refuse closes new connections at once (FIN or RST) and refuse(false) lifts it', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    proxy.refuse(true);
    using closedOne = await RawClient.connect(proxy.port);
    const closed = await closedOne.waitForClose();
    assert.equal(closed.error, undefined);
    assert.equal(closed.hadEnd, true);
    assert.equal(closedOne.received.length, 0);
    proxy.refuse(true, 'reset');
    assert.equal(await closeCode(proxy.port), 'ECONNRESET');
    assert.equal(proxy.stats.refusedConnections, 2);
    assert.equal(proxy.totalConnections, 0);
    proxy.refuse(false);
    assert.equal(await rawCommand(proxy.port, cmd('PING')), '+PONG');
  });

  test('refuse leaves open connections alone', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    await proxy.waitForConnections(1);
    proxy.refuse(true);
    client.write(cmd('PING'));
    assert.equal((await client.waitForReplies(1))[0]!.toString(), '+PONG\r\n');
  });

  test('pause holds bytes without dropping; resume delivers them in order', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.pause('down');
    for (let i = 1; i <= 5; i++) {
      client.write(cmd('ECHO', String(i)));
      await waitFor(() => proxy.stats.down.queued === i * 7, { message: `reply ${i} held by the proxy` });
    }
    assert.equal((await client.receivedWithin(150)).length, 0);
    assert.equal(proxy.stats.down.queued, 5 * 7);
    proxy.resume('down');
    const replies = await client.waitForReplies(5);
    assert.deepEqual(replies.map(String), ['1', '2', '3', '4', '5'].map((n) => `$1\r\n${n}\r\n`));
    assert.equal(proxy.stats.down.queued, 0);
    assert.equal(proxy.stats.down.dropped, 0);
  });

  test('pause up keeps commands from the server until resume', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    const k = key();
    proxy.pause('up');
    client.write(cmd('SET', k, '1'));
    await waitFor(() => proxy.stats.up.queued > 0, { message: 'the SET held by the proxy' });
    assert.equal(await rawCommand(redis.port, cmd('EXISTS', k)), ':0');
    proxy.resume();
    await client.waitForReplies(1);
    assert.equal(await rawCommand(redis.port, cmd('EXISTS', k)), ':1');
  });

  test('pause is bounded: the proxy stops reading at maxBufferedBytes and loses nothing', async () => {
    const limit = 16 * 1024;
    await using proxy = await startTcpProxy({ targetPort: redis.port, maxBufferedBytes: limit });
    using client = await RawClient.connect(proxy.port);
    const k = key();
    const value = 'v'.repeat(2 * 1024 * 1024);
    proxy.pause('up');
    client.write(cmd('SET', k, value));
    await waitFor(() => proxy.stats.up.queued >= limit, { message: () => `maxBufferedBytes queued (${proxy.stats.up.queued})` });
    // Reading stopped: the queue stays within the bound while the client still has bytes to send.
    await staysTrue(() => proxy.stats.up.queued <= limit + 128 * 1024, { forMs: 100, message: () => `queued ${proxy.stats.up.queued} is past the bound` });
    const { received } = proxy.stats.up;
    assert.ok(received < value.length, 'the rest stays in the kernel and the client buffer');
    proxy.resume();
    assert.equal((await client.waitForReplies(1, 5000))[0]!.toString(), '+OK\r\n');
    assert.equal(await rawCommand(redis.port, cmd('STRLEN', k)), `:${value.length}`);
    await rawCommand(redis.port, cmd('DEL', k));
  });

  test('heal clears every fault and sends delayed bytes at once', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.delay(10_000, 'down');
    client.write(cmd('PING'));
    await waitFor(() => proxy.stats.down.queued > 0, { message: 'the PONG held by the delay' });
    const started = performance.now();
    proxy.heal();
    await client.waitForReplies(1);
    assert.ok(performance.now() - started < 5000, 'the 10 s delay was cut short');
    proxy.blackhole();
    proxy.corrupt(() => Buffer.from('junk'));
    proxy.dropNextReplies(3);
    proxy.pause();
    proxy.refuse(true);
    proxy.heal();
    client.write(cmd('ECHO', 'ok'));
    assert.equal((await client.waitForReplies(2))[1]!.toString(), '$2\r\nok\r\n');
    assert.equal(await rawCommand(proxy.port, cmd('PING')), '+PONG');
  });

  test('close destroys live connections and stops listening', async () => {
    const proxy = await startTcpProxy({ targetPort: redis.port });
    using client = await RawClient.connect(proxy.port);
    proxy.delay(10_000);
    client.write(cmd('PING'));
    await proxy.close();
    await client.waitForClose();
    await assert.rejects(RawClient.connect(proxy.port), { code: 'ECONNREFUSED' });
    assert.equal(proxy.stats.down.queued + proxy.stats.up.queued, 0);
  });
});

describe('RespFrameScanner', () => {
  const fixtures: string[] = [
    '+OK\r\n',
    '-ERR bad\r\n',
    ':-42\r\n',
    '$5\r\nhe\r\no\r\n',
    '$0\r\n\r\n',
    '$-1\r\n',
    '*-1\r\n',
    '*0\r\n',
    '*2\r\n$1\r\na\r\n*2\r\n:1\r\n+x\r\n',
    '_\r\n',
    ',3.14\r\n',
    '#t\r\n',
    '(12345678901234567890\r\n',
    '!5\r\nERR x\r\n',
    '=8\r\ntxt:abcd\r\n',
    '%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n_\r\n',
    '~2\r\n:1\r\n:2\r\n',
    '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n',
    '|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n',
    '*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n',
    `${'*1\r\n'.repeat(500)}:1\r\n`,
  ];
  const stream = Buffer.from(fixtures.join(''));

  test('finds every frame boundary with the stream split at every offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const scanner = new RespFrameScanner();
      const frames: string[] = [];
      let current = '';
      for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) {
        let offset = 0;
        while (offset < part.length) {
          const end = scanner.scan(part, offset);
          const stop = end === -1 ? part.length : end;
          current += part.subarray(offset, stop).toString('latin1');
          if (end !== -1) {
            frames.push(current);
            current = '';
          }
          offset = stop;
        }
      }
      assert.deepEqual(frames, fixtures, `cut at ${cut}`);
      assert.equal(scanner.isInFrame, false);
    }
  });

  test('fed one byte at a time, ends each frame on its last byte', () => {
    const scanner = new RespFrameScanner();
    const ends: number[] = [];
    for (let i = 0; i < stream.length; i++) if (scanner.scan(stream.subarray(i, i + 1)) === 1) ends.push(i + 1);
    let total = 0;
    assert.deepEqual(ends, fixtures.map((f) => (total += f.length)));
  });

  test('an unknown type byte or a bad length breaks it for good', () => {
    for (const bad of ['@oops\r\n', '$x\r\n', '*-2\r\n', `$${'9'.repeat(30)}\r\n`, '?\r\n']) {
      const scanner = new RespFrameScanner();
      assert.equal(scanner.scan(Buffer.from(bad)), -1, bad);
      assert.equal(scanner.isBroken, true, bad);
      assert.equal(scanner.scan(Buffer.from('+OK\r\n')), -1);
    }
  });

  test('splitFrames returns complete frames only', () => {
    assert.deepEqual(splitFrames(Buffer.from('+a\r\n:1\r\n$3\r\nab')).map(String), ['+a\r\n', ':1\r\n']);
    assert.deepEqual(splitFrames(Buffer.from('+a\r\n:1\r\n'), 1).map(String), ['+a\r\n']);
  });
});
