/**
 * A blocking command's short grace past its block time (issue 9 item 4) counts from when it is
 * written to the socket, not from the call: getting the lease may take longer than the grace
 * (every lease connection busy, a dial and handshake on a loaded machine or a far server), and a
 * server answering LOADING gets it again after a pause. Counted from the call (or from its first
 * send), such a BLPOP timed out as "written; it may have executed", and a popped element would
 * have been lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '../../src/index.ts';
import { startHostileServer, bulk, scripts } from '../helpers/hostile-server.ts';
import { forEachProtocol, useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { letRealTimePass, waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('a blocking pop that waited longer than its grace for a lease still gets its whole block time and its reply', async () => {
    // One lease connection in all: the blocking pop waits for it while the test holds it.
    await using client = createClient({ port: redis.port, protocol, maxConnections: 2, sharedConnections: 1 });
    const key = uniqueKey('grace');
    const held = await client.acquire();
    const popped = client.blPop(key, 0.2);
    await waitFor(() => client.stats().pendingRequests >= 1, { message: 'the blocking pop waits for the lease' });
    // Longer than block time + grace (200 + 150 ms) counted from the call.
    await letRealTimePass(600, 'the pop waits for the lease longer than its grace');
    held.release();
    assert.equal(await popped, null, 'no element: the server answers nil after 0.2 s, and that reply is delivered');
    // And an element pushed while it blocks is delivered, not lost to a timeout.
    const held2 = await client.acquire();
    const popped2 = client.blPop(key, 5);
    await waitFor(() => client.stats().pendingRequests >= 1, { message: 'the second pop waits for the lease' });
    await letRealTimePass(600, 'longer than the grace counted from the call');
    held2.release();
    await client.rPush(key, 'job-1');
    assert.deepEqual(await popped2, { key, element: 'job-1' });
  });
});

test('a blocking pop answered LOADING and sent again gets its grace from the last write: the element the server popped is delivered', async () => {
  const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';
  let loadingAnswers = 4; // each LOADING answer sends it again 100 ms later: ~400 ms in all
  await using server = await startHostileServer(async (command, conn) => {
    if (command.name !== 'BLPOP') return scripts.answer()(command, conn);
    if (loadingAnswers-- > 0) return void conn.write(LOADING);
    // Healthy: an element pushed near the end of the 1 s block, answered within the 150 ms grace
    // of this (last) write, but ~500 ms past block time + grace counted from the first send.
    await conn.sleep(1060);
    conn.write(Buffer.concat([Buffer.from('*2\r\n'), bulk(command.args[0]!), bulk('job-1')]));
  });
  await using client = createClient({ url: server.url, commandTimeoutMs: 5000 });
  await client.connect();
  assert.deepEqual(await client.blPop('queue', 1), { key: 'queue', element: 'job-1' });
  assert.equal(server.commandNames().filter((n) => n === 'BLPOP').length, 5, 'answered LOADING four times, then the element');
});

test('a blocking command waits for its lease no longer than its own timeout (per call, else commandTimeoutMs), not acquireTimeoutMs', async () => {
  // One lease connection in all, held by the test: the pops can only wait for it.
  await using client = createClient({ port: redis.port, maxConnections: 2, sharedConnections: 1, acquireTimeoutMs: 20_000, commandTimeoutMs: 400 });
  const held = await client.acquire();
  // The bounds only catch the old wait (acquireTimeoutMs, 20 s); a loaded machine may be late.
  let t0 = performance.now();
  await assert.rejects(client.blPop(uniqueKey('wait'), 0.05), { code: 'ERR_POOL_TIMEOUT' });
  assert.ok(performance.now() - t0 < 10_000, `waited ${performance.now() - t0} ms for the lease, commandTimeoutMs is 400`);
  t0 = performance.now();
  await assert.rejects(client.with({ timeoutMs: 100 }).blPop(uniqueKey('wait'), 0.05), { code: 'ERR_POOL_TIMEOUT' });
  assert.ok(performance.now() - t0 < 10_000, `waited ${performance.now() - t0} ms for the lease, its timeoutMs is 100`);
  held.release();
  assert.equal(await client.blPop(uniqueKey('wait'), 0.05), null, 'the lease, back, serves the next one');
});
