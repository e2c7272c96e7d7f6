import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createClient } from '../../src/index.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { waitFor } from '../helpers/wait.ts';
import { CommandParser, DEFAULT_PUSH, helloReply, scripts, startHostileServer, type HostileHandler } from '../helpers/hostile-server.ts';

/** A RESP command as bytes. */
function cmd(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Counts the 'data' events a raw client sees. */
function countChunks(client: RawClient): () => number {
  let chunks = 0;
  client.socket.on('data', () => chunks++);
  return () => chunks;
}

/** Starts a server running `script` for non-handshake commands and connects a raw client. */
async function setup(script: HostileHandler, options?: Parameters<typeof startHostileServer>[1]) {
  const server = await startHostileServer(script, options);
  const client = await RawClient.connect(server.port);
  return {
    server,
    client,
    async [Symbol.asyncDispose]() {
      client.close();
      await server.close();
    },
  };
}

describe('hostile server handshake', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
  });

  test('answers HELLO byte for byte like redis-server 7.0 (RESP3, RESP2, bare, errors)', async () => {
    const sequence = [
      cmd('HELLO', '3'),
      cmd('HELLO'),
      cmd('HELLO', '2'),
      cmd('HELLO'),
      cmd('HELLO', '4'),
      cmd('HELLO', 'x'),
      cmd('HELLO', '3', 'SETNAME'),
      cmd('HELLO', '3', 'AUTH', 'default', 'pw', 'SETNAME', 'n'),
      cmd('CLIENT', 'SETINFO', 'lib-name', 'x'),
      cmd('CLIENT', 'SETNAME', 'name'),
      cmd('SELECT', '0'),
    ];
    const replies = async (port: number): Promise<string[]> => {
      using client = await RawClient.connect(port);
      client.write(sequence.join(''));
      const frames = await client.waitForReplies(sequence.length);
      return frames.map((frame) => frame.toString().replace(/\$2\r\nid\r\n:\d+\r\n/, '$2\r\nid\r\n:ID\r\n'));
    };
    await using hostile = await startHostileServer(scripts.answer());
    const expected = await replies(redis.port);
    assert.deepEqual(await replies(hostile.port), expected);
    assert.equal(expected[0], helloReply(3, 0).toString().replace(':0\r\n$4', ':ID\r\n$4'));
    assert.deepEqual(hostile.commandNames(), ['HELLO', 'HELLO', 'HELLO', 'HELLO', 'HELLO', 'HELLO', 'HELLO', 'HELLO', 'CLIENT', 'CLIENT', 'SELECT']);
  });

  test('with a password, wrong credentials get WRONGPASS', async () => {
    await using s = await setup(scripts.answer(), { password: 'secret' });
    s.client.write(cmd('HELLO', '3', 'AUTH', 'default', 'nope') + cmd('AUTH', 'nope') + cmd('AUTH', 'default', 'secret') + cmd('HELLO', '2', 'AUTH', 'u', 'secret'));
    const replies = await s.client.waitForReplies(4);
    const wrongpass = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
    assert.deepEqual(replies.slice(0, 3).map(String), [wrongpass, wrongpass, '+OK\r\n']);
    assert.equal(replies[3]!.toString(), helloReply(2, 1).toString());
  });

  test("handshake 'redis5' rejects HELLO like Redis 5 and accepts AUTH and CLIENT SETNAME", async () => {
    await using s = await setup(scripts.answer(), { handshake: 'redis5' });
    s.client.write(cmd('HELLO', '3', 'AUTH', 'default', 'pw') + cmd('AUTH', 'pw') + cmd('CLIENT', 'SETNAME', 'n') + cmd('PING'));
    const replies = await s.client.waitForReplies(4);
    assert.deepEqual(replies.map(String), [
      '-ERR unknown command `HELLO`, with args beginning with: `3`, `AUTH`, `default`, `pw`, \r\n',
      '+OK\r\n',
      '+OK\r\n',
      '+PONG\r\n',
    ]);
  });

  test("handshake 'none' hands HELLO to the handler", async () => {
    await using s = await setup(scripts.neverAnswer(), { handshake: 'none' });
    s.client.write(cmd('HELLO', '3'));
    await s.server.waitForCommand('hello');
    assert.equal((await s.client.receivedWithin(100)).length, 0);
  });

  for (const protocol of [2, 3] as const) {
    test(`a leanredis client completes its handshake under RESP${protocol}`, async () => {
      await using server = await startHostileServer(scripts.answer());
      await using client = createClient({ url: server.url, protocol });
      assert.equal(await client.ping(), 'PONG');
      assert.equal(await client.get('k'), null);
      const hello = server.received('HELLO');
      assert.equal(hello.length, 1);
      assert.equal(hello[0]!.args[0], String(protocol));
    });
  }

  test('a leanredis client falls back to RESP2 against a Redis 5 handshake', async () => {
    await using server = await startHostileServer(scripts.answer(), { handshake: 'redis5' });
    await using client = createClient({ url: server.url, protocol: 3 });
    assert.equal(await client.get('k'), null);
    assert.equal(server.commandNames()[0], 'HELLO');
    assert.equal(server.received('GET').length, 1);
  });
});

describe('hostile server command parsing', () => {
  test('parses commands split at every byte, binary-safe, and inline commands', async () => {
    await using s = await setup(scripts.answer());
    const payload = cmd('SET', 'k\r\n', 'v\u0000x') + 'PING  hello\r\n' + cmd('GET', 'k\r\n');
    for (const byte of Buffer.from(payload)) {
      s.client.write(Buffer.of(byte));
      await new Promise((r) => setImmediate(r));
    }
    await s.client.waitForReplies(3);
    assert.deepEqual(
      s.server.commands.map((c) => [c.name, ...c.args]),
      [
        ['SET', 'k\r\n', 'v\u0000x'],
        ['PING', 'hello'],
        ['GET', 'k\r\n'],
      ],
    );
    assert.equal(s.client.received.toString(), '+OK\r\n$5\r\nhello\r\n$-1\r\n');
  });

  test('CommandParser yields the same commands with the input split at every offset', () => {
    const input = Buffer.from(cmd('A', 'bc', '') + '*0\r\n' + 'INLINE x\r\n' + cmd('LAST'));
    for (let cut = 0; cut <= input.length; cut++) {
      const parser = new CommandParser();
      const commands = [...parser.feed(input.subarray(0, cut)), ...parser.feed(input.subarray(cut))];
      assert.deepEqual(
        commands.map((argv) => argv.map(String)),
        [['A', 'bc', ''], ['INLINE', 'x'], ['LAST']],
        `cut at ${cut}`,
      );
    }
  });

  test('a malformed request gets a Redis-style protocol error and the connection closes', async () => {
    await using s = await setup(scripts.answer());
    s.client.write('*1\r\n:1\r\n');
    const closed = await s.client.waitForClose();
    assert.equal(closed.error, undefined);
    assert.equal(s.client.received.toString(), "-ERR Protocol error: expected '$', got ':'\r\n");
    assert.equal(s.server.errors.length, 1);
  });

  test('oversized bulk and multibulk lengths are refused without buffering', () => {
    assert.throws(() => new CommandParser(1024).feed(Buffer.from('*1\r\n$1025\r\n')), /invalid bulk length/);
    assert.throws(() => new CommandParser().feed(Buffer.from('*99999999\r\n')), /invalid multibulk length/);
    assert.throws(() => new CommandParser().feed(Buffer.alloc(70 * 1024, 'a')), /too big inline request/);
  });

  test('records at most maxRecordedCommands and counts the rest', async () => {
    await using s = await setup(scripts.answer(), { maxRecordedCommands: 3 });
    s.client.write(cmd('PING').repeat(5));
    await s.client.waitForReplies(5);
    assert.equal(s.server.commands.length, 3);
    assert.equal(s.server.unrecordedCommands, 2);
  });

  test('a handler that throws is recorded and its connection reset', async () => {
    await using s = await setup(() => {
      throw new Error('script bug');
    });
    s.client.write(cmd('PING'));
    assert.equal((await s.client.waitForClose()).error?.code, 'ECONNRESET');
    assert.match(s.server.errors[0]!.message, /script bug/);
  });

  test('waitForCommand resolves for commands already received and rejects on timeout', async () => {
    await using s = await setup(scripts.neverAnswer());
    s.client.write(cmd('GET', 'a'));
    assert.deepEqual((await s.server.waitForCommand('get')).args, ['a']);
    await assert.rejects(s.server.waitForCommand('SET', 50), /no SET within 50 ms/);
    assert.equal(s.server.received('SET').length, 0);
    assert.equal(s.server.connections, 1);
    assert.equal(s.server.totalConnections, 1);
  });
});

describe('hostile server scripts send exactly the promised bytes', () => {
  test('invalidTypeByte', async () => {
    await using s = await setup(scripts.invalidTypeByte());
    s.client.write(cmd('PING'));
    assert.equal((await s.client.waitForBytes(7)).toString(), '@oops\r\n');
  });

  test('hugeArrayHeader, then silence on an open connection', async () => {
    await using s = await setup(scripts.hugeArrayHeader());
    s.client.write(cmd('GET', 'k'));
    await s.client.waitForBytes(13);
    await s.client.receivedWithin(100);
    assert.equal(s.client.received.toString(), '*4294967296\r\n');
    assert.equal(s.client.closed, undefined);
  });

  test('deepNesting sends depth 100000 in many writes', async () => {
    await using s = await setup(scripts.deepNesting());
    const chunks = countChunks(s.client);
    s.client.write(cmd('GET', 'k'));
    const expected = '*1\r\n'.repeat(100_000) + ':1\r\n';
    const received = await s.client.waitForBytes(expected.length, 10_000);
    assert.equal(received.toString(), expected);
    assert.ok(chunks() >= 10, `arrived in ${chunks()} chunks`);
  });

  test('deepNesting stops when the client goes away', async () => {
    await using server = await startHostileServer(scripts.deepNesting({ depth: 1_000_000, levelsPerWrite: 100 }));
    const client = await RawClient.connect(server.port);
    client.write(cmd('GET', 'k'));
    await client.waitForBytes(400);
    client.close();
    await waitFor(() => server.connections === 0, { message: 'the server to see the client go' });
    assert.equal(server.errors.length, 0);
  });

  test('hugeBulkThenSilence', async () => {
    await using s = await setup(scripts.hugeBulkThenSilence());
    s.client.write(cmd('GET', 'k'));
    await s.client.waitForBytes(12);
    await s.client.receivedWithin(100);
    assert.equal(s.client.received.toString(), '$536870912\r\n');
  });

  test('slowDrip sends one byte per write, delayMs apart', async () => {
    await using s = await setup(scripts.slowDrip({ delayMs: 10 }));
    const chunks = countChunks(s.client);
    const started = performance.now();
    s.client.write(cmd('PING'));
    await s.client.waitForBytes(7);
    assert.equal(s.client.received.toString(), '+PONG\r\n');
    assert.equal(chunks(), 7);
    assert.ok(performance.now() - started >= 60 - 1);
  });

  test('slowDrip holds the next reply back until it has finished', async () => {
    await using s = await setup(scripts.when('PING', scripts.slowDrip({ delayMs: 1 })));
    s.client.write(cmd('PING') + cmd('ECHO', 'next'));
    const replies = await s.client.waitForReplies(2);
    assert.deepEqual(replies.map(String), ['+PONG\r\n', '$4\r\nnext\r\n']);
  });

  test('extraReply after and before the real reply', async () => {
    await using after = await setup(scripts.extraReply());
    after.client.write(cmd('PING'));
    assert.equal((await after.client.waitForBytes(12)).toString(), '+PONG\r\n:42\r\n');
    await using before = await setup(scripts.extraReply({ position: 'before', extra: '+EXTRA\r\n' }));
    before.client.write(cmd('ECHO', 'x'));
    assert.equal((await before.client.waitForBytes(15)).toString(), '+EXTRA\r\n$1\r\nx\r\n');
  });

  test('garbageAfterReply', async () => {
    await using s = await setup(scripts.garbageAfterReply());
    s.client.write(cmd('GET', 'k'));
    assert.equal((await s.client.waitForBytes(15)).toString(), '$-1\r\n\u0000garbage\r\n');
  });

  test('neverAnswer records the command and sends nothing', async () => {
    await using s = await setup(scripts.neverAnswer());
    s.client.write(cmd('GET', 'k'));
    assert.equal((await s.client.receivedWithin(150)).length, 0);
    assert.equal(s.server.received('GET').length, 1);
    assert.equal(s.client.closed, undefined);
  });

  test('closeMidReply with FIN and with RST', async () => {
    await using fin = await setup(scripts.closeMidReply());
    fin.client.write(cmd('GET', 'k'));
    const closed = await fin.client.waitForClose();
    assert.equal(fin.client.received.toString(), '$11\r\nhello');
    assert.equal(closed.error, undefined);
    assert.equal(closed.hadEnd, true);
    await using rst = await setup(scripts.closeMidReply({ mode: 'reset' }));
    rst.client.write(cmd('GET', 'k'));
    assert.equal((await rst.client.waitForClose()).error?.code, 'ECONNRESET');
    assert.equal(rst.client.received.toString(), '$11\r\nhello');
  });

  test('interleavedPushes on RESP3, and only the reply on RESP2', async () => {
    await using s = await setup(scripts.interleavedPushes({ before: 2 }));
    s.client.write(cmd('PING'));
    await s.client.waitForReplies(1);
    assert.equal(s.client.received.toString(), '+PONG\r\n');
    s.client.write(cmd('HELLO', '3'));
    const hello = (await s.client.waitForReplies(2))[1]!;
    const start = 7 + hello.length;
    s.client.write(cmd('PING'));
    const expected = DEFAULT_PUSH + DEFAULT_PUSH + '+PONG\r\n' + DEFAULT_PUSH;
    await s.client.waitForBytes(start + expected.length);
    assert.equal(s.client.received.subarray(start).toString(), expected);
  });

  test('when(..., { times }) applies a script to the first matches only', async () => {
    await using s = await setup(scripts.when(['get'], scripts.garbageAfterReply(), scripts.answer(), { times: 1 }));
    s.client.write(cmd('GET', 'a') + cmd('PING') + cmd('GET', 'b'));
    await s.client.waitForBytes(15 + 7 + 5);
    assert.equal(s.client.received.toString(), '$-1\r\n\u0000garbage\r\n+PONG\r\n$-1\r\n');
  });

  test('close() ends a script sleeping between writes, leaving no timer behind', async () => {
    const server = await startHostileServer(scripts.slowDrip({ delayMs: 60_000 }));
    const client = await RawClient.connect(server.port);
    client.write(cmd('PING'));
    await client.waitForBytes(1);
    await server.close();
    await client.waitForClose();
    assert.equal(client.received.toString(), '+');
  });
});
