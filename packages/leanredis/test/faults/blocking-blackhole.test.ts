/**
 * Issue 9, item 4: a blocking read (BLPOP, XREAD BLOCK) whose connection is silently
 * black-holed (the proxy stops forwarding both ways, no RST, no FIN) settles soon after its
 * block time with ERR_COMMAND_TIMEOUT (written: it may have executed), and its leased
 * connection is discarded, never reused: the next blocking read runs on a new connection.
 * The deadline is the block time plus a tenth of it (at least 150 ms); the figure
 * (block time + 20%, p99 over 50 trials) is measured by test/soak/blocking-blackhole.ts, not
 * here: the bound below only catches the old deadline (block time + commandTimeoutMs) or a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandTimeoutError, createClient, type Client } from '../../src/index.ts';
import { forEachProtocol, useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();

/** A client through a fresh proxy, with one idle lease connection dialled (and its handshake done). */
async function setUp(protocol: 2 | 3): Promise<{ client: Client; proxy: TcpProxy }> {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  const client = createClient({ url: proxy.url, protocol });
  // The first blocking read dials the lease connection; released, it waits idle for the next.
  assert.equal(await client.blPop(uniqueKey('warm'), 0.05), null);
  await waitFor(() => client.stats().idleConns === 1, { message: 'the lease connection is idle' });
  return { client, proxy };
}

/** Runs `read` across a black hole; returns its error and how long it took. */
async function acrossBlackHole(client: Client, proxy: TcpProxy, read: () => Promise<unknown>): Promise<{ error: unknown; ms: number; leaseConnections: number }> {
  const created = client.stats().created;
  proxy.blackhole('both');
  const t0 = performance.now();
  const error = await read().then(
    () => assert.fail('the blocking read resolved across a black hole'),
    (err: unknown) => err,
  );
  const ms = performance.now() - t0;
  // Reused, not dialled: the read went to the idle connection the black hole swallows.
  assert.equal(client.stats().created, created);
  return { error, ms, leaseConnections: client.stats().idleConns + client.stats().leased };
}

/** After healing, the next blocking read works, on a newly dialled connection. */
async function nextReadUsesNewConnection(client: Client, proxy: TcpProxy): Promise<void> {
  // Discarded: closed, not parked idle for the next lease.
  await waitFor(() => client.stats().idleConns === 0 && client.stats().leased === 0 && client.stats().closing === 0, {
    message: () => `the black-holed lease is discarded (${JSON.stringify({ idle: client.stats().idleConns, leased: client.stats().leased, closing: client.stats().closing })})`,
  });
  proxy.heal();
  const key = uniqueKey('after');
  await client.rPush(key, 'v'); // on the shared connection (dialled now)
  const created = client.stats().created;
  assert.deepEqual(await client.blPop(key, 1), { key, element: 'v' });
  assert.equal(client.stats().created, created + 1, 'a new connection was dialled for the next blocking read');
}

forEachProtocol((protocol) => {
  test('BLPOP across a black-holed connection rejects with ERR_COMMAND_TIMEOUT soon after its block time; the lease is discarded', async () => {
    const { client, proxy } = await setUp(protocol);
    try {
      const r = await acrossBlackHole(client, proxy, () => client.blPop(uniqueKey('hole'), 1));
      assert.ok(r.error instanceof CommandTimeoutError, String(r.error));
      assert.equal(r.error.code, 'ERR_COMMAND_TIMEOUT');
      assert.equal(r.error.command, 'BLPOP');
      assert.equal(r.error.wasWritten, true);
      assert.match(r.error.message, /BLPOP timed out after 1150 ms \(written; it may have executed\)/);
      // The old deadline was 1 s + commandTimeoutMs (5 s): 6 s.
      assert.ok(r.ms < 4000, `settled after ${r.ms.toFixed(0)} ms`);
      await nextReadUsesNewConnection(client, proxy);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  test('XREAD BLOCK across a black-holed connection rejects with ERR_COMMAND_TIMEOUT soon after its block time; the lease is discarded', async () => {
    const { client, proxy } = await setUp(protocol);
    try {
      const stream = uniqueKey('stream');
      const r = await acrossBlackHole(client, proxy, () => client.xRead({ [stream]: '$' }, { blockMs: 1000 }));
      assert.ok(r.error instanceof CommandTimeoutError, String(r.error));
      assert.equal(r.error.command, 'XREAD');
      assert.equal(r.error.wasWritten, true);
      assert.match(r.error.message, /XREAD timed out after 1150 ms/);
      assert.ok(r.ms < 4000, `settled after ${r.ms.toFixed(0)} ms`);
      await nextReadUsesNewConnection(client, proxy);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});

test('a blocking read on a healthy connection that times out on the server resolves null, and its connection is reused', async () => {
  const client = redis.client();
  try {
    // A wide per-call deadline: the server's nil may come late on a busy machine; what is checked is reuse.
    const patient = client.with({ timeoutMs: 10_000 });
    assert.equal(await patient.blPop(uniqueKey('empty'), 0.2), null);
    await waitFor(() => client.stats().idleConns === 1);
    const created = client.stats().created;
    assert.equal(await patient.xRead({ [uniqueKey('s')]: '$' }, { blockMs: 200 }), null);
    assert.equal(client.stats().created, created);
  } finally {
    await client.close();
  }
});
