/**
 * Issue 9, in flight: a MULTI/EXEC transaction is written as a whole or not at all. The
 * in-flight caps hold the rest of a connection's queue back; a hold that fell between MULTI
 * and EXEC used to leave the connection inside MULTI when the held rest expired (the next
 * caller's command answered QUEUED, never ran), or write the rest of the transaction outside
 * it on the next socket. Each case here puts the hold exactly inside a transaction: a cap of
 * two commands, one GET in flight ahead of it, a server that does not answer meanwhile.
 * And a hold whose commands all expired must not outlive them (it held the connection's every
 * later command until its deadline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTimeoutError, createClient } from '../../src/index.ts';
import { forEachProtocol, useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { pauseServer } from '../helpers/server-pause.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { startHostileServer, scripts } from '../helpers/hostile-server.ts';
import { nextTurn, waitFor, waitForInFlight } from '../helpers/wait.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('a connection whose held commands all expired writes again once the late replies arrive', async () => {
    await using client = redis.client({ protocol, maxInFlightCommands: 1, commandTimeoutMs: 300, socketTimeoutMs: 60_000 });
    const k = uniqueKey();
    await client.connect();
    const { resumed } = await pauseServer(redis, 1500);
    const written = client.get(k);
    const held = client.get(k);
    await assert.rejects(written, { code: 'ERR_COMMAND_TIMEOUT', wasWritten: true });
    await assert.rejects(held, { code: 'ERR_COMMAND_TIMEOUT', wasWritten: false });
    await resumed;
    assert.equal(await client.with({ timeoutMs: 10_000 }).set(k, 'v'), 'OK');
  });

  test('a transaction held behind the in-flight cap expires whole: MULTI is not written without its EXEC, and the connection is not left inside MULTI', async () => {
    // socketTimeoutMs long: the connection outlives the overdue replies, as a healthy one would.
    await using client = redis.client({ protocol, maxInFlightCommands: 2, commandTimeoutMs: 300, socketTimeoutMs: 60_000 });
    await using reader = redis.client({ protocol });
    const [k0, a, b, c] = [uniqueKey(), uniqueKey(), uniqueKey(), uniqueKey()];
    await client.connect();
    await reader.ping(); // connected before the pause (its handshake would wait too)
    const { resumed } = await pauseServer(redis, 1500);
    const ahead = client.get(k0);
    const tx = client.multi().set(a, '1').incr(b).exec();
    await assert.rejects(ahead, { code: 'ERR_COMMAND_TIMEOUT', wasWritten: true });
    await assert.rejects(tx, (err: unknown) => {
      assert.ok(err instanceof CommandTimeoutError, String(err));
      assert.equal(err.wasWritten, false, 'nothing of the transaction reached the socket');
      return true;
    });
    await resumed;
    // The same shared connection: this SET runs, it is not queued into a transaction left open.
    assert.equal(await client.with({ timeoutMs: 10_000 }).set(c, 'after'), 'OK');
    assert.equal(await reader.get(c), 'after');
    assert.equal(await reader.exists([a, b]), 0, 'no command of the expired transaction ran');
    assert.deepEqual([client.stats().created, client.stats().reconnects], [1, 0], 'the same connection throughout');
  });

  test('a transaction held behind the in-flight cap when the socket is lost is written whole on the next one, inside its MULTI', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    await using client = createClient({ url: proxy.url, protocol, maxInFlightCommands: 2, commandTimeoutMs: 10_000 });
    await using reader = redis.client({ protocol });
    const [k0, a, b] = [uniqueKey(), uniqueKey(), uniqueKey()];
    await client.connect();
    proxy.pause('both');
    const ahead = client.get(k0);
    const tx = client.multi().set(a, '1').incr(b).exec();
    await waitForInFlight(client, 1);
    await nextTurn(); // the end-of-tick flush has written all it would
    proxy.resetAll();
    proxy.resume('both');
    // GET is read-only: sent again on the new socket, ahead of the transaction.
    assert.equal(await ahead, null);
    assert.deepEqual(await tx, ['OK', 1]);
    assert.equal(await reader.get(a), '1');
    assert.equal(await reader.get(b), '1');
  });

  test('a read-only command inside a transaction whose socket was lost is not sent again on its own', async () => {
    await using proxy = await startTcpProxy({ targetPort: redis.port });
    await using client = createClient({ url: proxy.url, protocol, commandTimeoutMs: 10_000 });
    await using reader = redis.client({ protocol });
    const k = uniqueKey();
    await client.connect();
    await reader.call('CONFIG', 'RESETSTAT');
    proxy.pause('both');
    const tx = client.multi().get(k).exec();
    await waitForInFlight(client, 3);
    proxy.resetAll();
    proxy.resume('both');
    await assert.rejects(tx, { code: 'ERR_CONNECTION_LOST_AFTER_WRITE' });
    // A command after it on the same client: anything re-sent would have gone first.
    assert.equal(await client.ping(), 'PONG');
    const stats = String(await reader.call('INFO', 'commandstats'));
    assert.doesNotMatch(stats, /cmdstat_get:/, 'GET alone would run outside the transaction');
  });
});

test('a command queued inside MULTI and answered LOADING is not sent again outside the transaction', async () => {
  const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';
  await using server = await startHostileServer((command, conn) => {
    if (command.name === 'MULTI') conn.write('+OK\r\n');
    else if (command.name === 'SET') conn.write(LOADING);
    else if (command.name === 'EXEC') conn.write('-EXECABORT Transaction discarded because of previous errors.\r\n');
    else scripts.answer()(command, conn);
  });
  await using client = createClient({ url: server.url, commandTimeoutMs: 3000 });
  await assert.rejects(client.multi().set('a', '1').exec(), { code: 'EXECABORT' });
  assert.equal(await client.ping(), 'PONG');
  const names = server.commandNames().filter((n) => n !== 'HELLO');
  assert.deepEqual(names, ['MULTI', 'SET', 'EXEC', 'PING']);
});

test('a transaction larger than the in-flight cap is written whole once nothing is in flight', async () => {
  await using client = redis.client({ maxInFlightCommands: 2 });
  const k = uniqueKey();
  const ahead = client.incr(k);
  const tx = client.multi().incr(k).incr(k).incr(k).incr(k).exec();
  const after = client.incr(k);
  assert.deepEqual(await Promise.all([ahead, tx, after]), [1, [2, 3, 4, 5], 6]);
  await waitFor(() => client.stats().inFlight === 0);
});
