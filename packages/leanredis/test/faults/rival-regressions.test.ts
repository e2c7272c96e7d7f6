/**
 * Regressions of the failures issue 4 measured in the rival clients (and of the reliability
 * reports in RIVALS.md), each reproduced here against leanredis:
 *   - ioredis ran an INCR twice when its reply was lost before a reconnect (it re-sends
 *     unanswered commands): ours rejects it with ERR_CONNECTION_LOST_AFTER_WRITE and never
 *     re-sends it, unless the call opted in; a lost GET is re-sent (read-only);
 *   - node-redis's per-command timeout never fired once a command was written: ours fires, and
 *     a socket whose replies stopped is dropped after socketTimeoutMs;
 *   - ioredis printed the password in util.inspect(err) after WRONGPASS (HELLO and AUTH paths);
 *   - a failed AUTH pipelined behind other commands loses its error reply (redis/redis#15640):
 *     ours writes the handshake first and alone, on every (re)connect;
 *   - lost database / name / subscriptions after reconnects (ioredis #85: after more than one
 *     failed reconnect); reconnect storms (backoff with full jitter, capped);
 *   - reply mis-delivered after a timeout while the server holds replies (CLIENT PAUSE ALL).
 * The hostile-input failures (ioredis crashing on '*4294967296' and deep nesting, node-redis
 * hanging on an invalid type byte, a huge header or deep nesting) are in hostile-server-typed-errors.test.ts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { CommandTimeoutError, ConnectionError, ReplyError, createClient, type Client } from '../../src/index.ts';
import { forEachProtocol, uniqueKey, useRedisServer } from '../helpers/setup.ts';
import { helloReply, plausibleReply, startHostileServer } from '../helpers/hostile-server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { pauseServer } from '../helpers/server-pause.ts';
import { staysTrue, waitFor } from '../helpers/wait.ts';
import { CANARY, REQUIRE_CANARY, SecretWatch, canary } from '../soak/soak-kit.ts';

const redis = useRedisServer({ args: REQUIRE_CANARY });
const watch = new SecretWatch();
after(() => watch.close());

/** A proxy in front of the test server, and a client through it; both closed by the caller. */
async function throughProxy(protocol: 2 | 3, options: Parameters<typeof createClient>[0] & object = {}): Promise<{ proxy: TcpProxy; client: Client; events: Error[] }> {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  const client = watch.watchClient(createClient({ url: proxy.url, password: CANARY, protocol, ...options }));
  const events: Error[] = [];
  client.on('error', (err) => events.push(err));
  await client.connect();
  return { proxy, client, events };
}

function admin(): Client {
  return watch.watchClient(redis.client({ password: CANARY }), 'admin');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (err: unknown) => {
      watch.check('rejection', err, 'error');
      return err;
    },
  );
}

forEachProtocol((protocol) => {
  test('an INCR whose reply is lost before a reconnect is never sent again (ioredis ran it twice)', async () => {
    const { proxy, client } = await throughProxy(protocol);
    await using _proxy = proxy;
    await using _client = client;
    await using direct = admin();
    const key = uniqueKey('incr-once');
    proxy.dropNextReplies(1);
    const pending = client.incr(key);
    await waitFor(() => proxy.stats.droppedReplies === 1, { message: 'the INCR to run and its reply to vanish', timeoutMs: 2000, intervalMs: 5 });
    assert.equal(await direct.get(key), '1');
    proxy.resetAll();
    const err = await rejection(pending);
    assert.ok(err instanceof ConnectionError && err.code === 'ERR_CONNECTION_LOST_AFTER_WRITE', String(err));
    assert.match(err.message, /INCR .*may have executed/);
    assert.equal(await client.get(key), '1', 'the next command reconnects; the INCR was not replayed');
    await staysTrue(async () => (await direct.get(key)) === '1', { forMs: 50, message: 'the INCR never replayed' });
  });

  test('with({ retryable: true }) opts a write into being sent again after a lost reply', async () => {
    const { proxy, client } = await throughProxy(protocol);
    await using _proxy = proxy;
    await using _client = client;
    await using direct = admin();
    const key = uniqueKey('incr-retry');
    proxy.dropNextReplies(1);
    const pending = client.with({ retryable: true }).incr(key);
    await waitFor(() => proxy.stats.droppedReplies === 1, { message: 'the INCR to run and its reply to vanish', timeoutMs: 2000, intervalMs: 5 });
    proxy.resetAll();
    assert.equal(await pending, 2, 'sent again: the caller asked for it');
    assert.equal(await direct.get(key), '2');
  });

  test('a GET whose reply is lost is sent again and gets its own value', async () => {
    const { proxy, client } = await throughProxy(protocol);
    await using _proxy = proxy;
    await using _client = client;
    const key = uniqueKey('get-again');
    await client.set(key, 'own-value');
    proxy.dropNextReplies(1);
    const pending = client.get(key);
    await waitFor(() => proxy.stats.droppedReplies === 1, { message: 'the GET reply to vanish', timeoutMs: 2000, intervalMs: 5 });
    proxy.resetAll();
    assert.equal(await pending, 'own-value');
  });

  test('a command written into a blackhole still times out (node-redis never did), and the silent socket is dropped', async () => {
    const { proxy, client, events } = await throughProxy(protocol, { socketTimeoutMs: 300 });
    await using _proxy = proxy;
    await using _client = client;
    const key = uniqueKey('blackhole');
    await client.set(key, 'v');
    proxy.blackhole();
    const t0 = performance.now();
    const err = await rejection(client.with({ timeoutMs: 200 }).get(key));
    const ms = performance.now() - t0;
    assert.ok(err instanceof CommandTimeoutError && err.wasWritten, String(err));
    assert.ok(ms >= 195 && ms < 5000, `rejected after ${ms} ms (its deadline was 200 ms)`);
    await waitFor(() => events.some((e) => e instanceof ConnectionError && e.code === 'ERR_SOCKET_TIMEOUT'), { message: 'ERR_SOCKET_TIMEOUT', timeoutMs: 2000, intervalMs: 10 });
    proxy.heal();
    assert.equal(await client.get(key), 'v');
  });

  test('util.inspect(err) after WRONGPASS never shows the password (ioredis printed it)', async () => {
    const wrong = canary('wrongpass');
    for (const options of [{ password: wrong }, { username: 'default', password: wrong }, { url: `redis://default:${encodeURIComponent(wrong)}@127.0.0.1:${redis.port}` }]) {
      await using client = watch.watchClient(createClient({ url: redis.url, protocol, ...options }));
      const events: Error[] = [];
      client.on('error', (e) => events.push(e));
      const err = await rejection(client.get('k'));
      assert.ok(err instanceof ReplyError && err.code === 'WRONGPASS', String(err));
      for (const e of [err, ...events]) {
        for (const text of [inspect(e, { depth: Infinity, showHidden: true }), JSON.stringify(e), String(e.stack), e.message]) {
          assert.ok(!text.includes(wrong), `the password leaked: ${text}`);
        }
      }
      assert.ok(!inspect(client, { depth: Infinity, showHidden: true }).includes(wrong));
    }
  });
});

test('servers without HELLO (Redis 5): AUTH follows the failed HELLO before any command, and its WRONGPASS never shows the password', async () => {
  const right = canary('auth-right');
  const wrong = canary('auth-wrong');
  await using server = await startHostileServer((command, connection) => void connection.write(plausibleReply(command, connection.protocol)), { handshake: 'redis5', password: right });
  await using good = watch.watchClient(createClient({ url: server.url, password: right }));
  assert.equal(await good.ping(), 'PONG');
  await using bad = watch.watchClient(createClient({ url: server.url, password: wrong }));
  const err = await rejection(bad.ping());
  assert.ok(err instanceof ReplyError && err.code === 'WRONGPASS', String(err));
  assert.ok(!inspect(err, { depth: Infinity, showHidden: true }).includes(wrong));
  // HELLO failed, then AUTH, then the command.
  const names = server.commands.filter((c) => c.connectionId === 1).map((c) => c.name);
  assert.deepEqual(names, ['HELLO', 'AUTH', 'PING']);
});

test('the handshake (HELLO, then SELECT) is written first and alone, on the first connect and after a reconnect (redis/redis#15640)', async () => {
  const seenBeforeAnswer: string[][] = [];
  await using server = await startHostileServer(
    async (command, connection) => {
      if (command.name === 'HELLO' || command.name === 'SELECT') {
        // Give anything pipelined behind it time to arrive, then look at what arrived.
        await connection.sleep(40);
        seenBeforeAnswer.push(server.commands.filter((c) => c.connectionId === connection.id).map((c) => c.name));
        if (command.name === 'HELLO') {
          connection.protocol = 3;
          connection.write(helloReply(3, connection.id));
        } else connection.write('+OK\r\n');
      } else if (command.name === 'KILLME') connection.reset();
      else connection.write(plausibleReply(command, connection.protocol));
    },
    { handshake: 'none' },
  );
  await using client = watch.watchClient(createClient({ url: server.url, database: 2, reconnectBaseDelayMs: 10 }));
  client.on('error', () => {});
  // Queued before the first dial: they must wait for the whole handshake.
  const first = await Promise.all([client.ping(), client.incr('a'), client.get('b')]);
  assert.deepEqual(first, ['PONG', 1, null]);
  // The server resets the connection on KILLME; the PING written behind it is read-only, so it
  // waits in the queue for the new connection's handshake.
  const [killed, ping] = await Promise.all([client.call('KILLME').catch((e: unknown) => e), client.ping()]);
  assert.ok(killed instanceof ConnectionError && killed.code === 'ERR_CONNECTION_LOST_AFTER_WRITE', String(killed));
  assert.equal(ping, 'PONG');
  assert.equal(await client.incr('a'), 1);
  assert.deepEqual(seenBeforeAnswer, [['HELLO'], ['HELLO', 'SELECT'], ['HELLO'], ['HELLO', 'SELECT']]);
});

forEachProtocol((protocol) => {
  test('database and client name are restored after CLIENT KILL', async () => {
    await using client = watch.watchClient(redis.client({ password: CANARY, protocol, database: 3, clientName: `faults-${protocol}` }));
    await using direct = admin();
    const key = uniqueKey('db3');
    await client.set(key, 'in-3');
    const lost = new Promise((resolve) => client.once('reconnecting', resolve));
    await direct.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await lost;
    assert.equal(await client.get(key), 'in-3');
    assert.equal(await client.call('CLIENT', 'GETNAME'), `faults-${protocol}`);
    assert.equal(await direct.get(key), null, 'the key is in database 3, not 0');
  });

  test('deadlines while the server holds every reply (CLIENT PAUSE ALL): the timed-out reply is thrown away, the next caller gets its own (10 rounds)', async () => {
    await using client = watch.watchClient(redis.client({ password: CANARY, protocol }));
    const a = uniqueKey('a');
    const b = uniqueKey('b');
    await client.set(a, 'value-a');
    await client.set(b, 'value-b');
    for (let round = 0; round < 10; round++) {
      const { resumed } = await pauseServer(redis, 400, { password: CANARY });
      // 100 ms within a 400 ms pause, not 10 within 100: a command past its deadline is never
      // written, and on a loaded machine the flush came more than 10 ms after the call.
      const err = await rejection(client.with({ timeoutMs: 100 }).get(a));
      assert.ok(err instanceof CommandTimeoutError && err.wasWritten, String(err));
      assert.equal(await client.get(b), 'value-b', `round ${round}`);
      await resumed;
    }
  });
});

test('reconnects back off with full jitter while the server refuses: no tight loop, and the delays vary', async () => {
  const { proxy, client } = await throughProxy(3);
  await using _proxy = proxy;
  await using _client = client;
  const attempts: number[] = [];
  client.on('reconnecting', () => attempts.push(performance.now()));
  proxy.refuse(true);
  proxy.resetAll();
  // The command's own deadline is the 2.5 s window in which the dials are counted.
  const outcome = await client.with({ timeoutMs: 2500 }).get('k').catch((e: unknown) => e);
  const refused = proxy.stats.refusedConnections;
  // Delays are random in [0, min(1000, 100 * 2^n)] ms: a handful of dials in 2.5 s, never hundreds.
  assert.ok(refused >= 2 && refused <= 40, `${refused} dials in 2.5 s`);
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
  assert.ok(gaps.every((g) => g <= 1000 + 500), `a delay above reconnectMaxDelayMs: ${gaps.map(Math.round).join(', ')}`);
  if (gaps.length >= 4) assert.ok(new Set(gaps.map((g) => Math.round(g / 10))).size > 1, `jitter: ${gaps.map(Math.round).join(', ')}`);
  assert.ok(outcome instanceof CommandTimeoutError, String(outcome));
  proxy.refuse(false);
  await waitFor(async () => (await client.ping().catch(() => '')) === 'PONG', { message: 'the client to reconnect', timeoutMs: 3000, intervalMs: 50 });
});

test('subscriptions come back after the server was down through several failed reconnects (ioredis #85)', async () => {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  await using _proxy = proxy;
  await using client = watch.watchClient(createClient({ url: proxy.url, password: CANARY }));
  await using publisher = admin();
  const channel = uniqueKey('chan');
  const got: string[] = [];
  await using _sub = await client.subscribe(channel, (message) => void got.push(message));
  await publisher.call('PUBLISH', channel, 'before');
  await waitFor(() => got.includes('before'), { message: 'the first message', timeoutMs: 2000 });
  proxy.refuse(true);
  proxy.resetAll();
  await waitFor(() => proxy.stats.refusedConnections >= 3, { message: 'several failed reconnects' });
  proxy.refuse(false);
  await waitFor(async () => {
      await publisher.call('PUBLISH', channel, 'after');
      return got.includes('after');
    }, { message: 'a message after the outage', timeoutMs: 5000, intervalMs: 100 });
});

test('no canary in any error, event or stats snapshot of this file', () => {
  assert.deepEqual(watch.leaks, []);
  assert.ok(watch.total > 50, `scanned ${watch.total}`);
});
