/**
 * The pool against a real server: blocking commands on leases, the hard cap seen from the
 * server's CLIENT LIST, lease lifecycles, leak detection and maintenance with short settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { letRealTimePass, staysTrue, waitFor } from '../helpers/wait.ts';
import type { Client, LeakReport } from '../../src/index.ts';

const redis = useRedisServer();

/** Connections the server sees with this client name (from an independent observer client). */
async function connectionsNamed(observer: Client, name: string): Promise<number> {
  const list = String(await observer.call('CLIENT', 'LIST'));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

test('a BLPOP runs on a lease while 10,000 GETs on the same client complete without waiting for it', async () => {
  await using client = redis.client();
  await using pusher = redis.client();
  const k = uniqueKey();
  const list = uniqueKey('list');
  await client.set(k, 'v');
  // Blocks until the LPUSH below (30 s at most): no timing in this test, only the order.
  let isBlpopDone = false;
  const blpop = client.blPop(list, 30).then((r) => {
    isBlpopDone = true;
    return r;
  });
  await waitFor(() => client.stats().leased === 1, { message: 'the BLPOP on its lease' });
  const values = await Promise.all(Array.from({ length: 10_000 }, () => client.get(k)));
  assert.ok(values.every((v) => v === 'v'));
  assert.equal(isBlpopDone, false, 'every GET finished while the BLPOP was still blocking');
  assert.equal(await pusher.lPush(list, 'x'), 1);
  assert.deepEqual(await blpop, { key: list, element: 'x' });
  await waitFor(() => client.stats().leased === 0, { message: 'the lease back after the BLPOP' });
});

test('with maxConnections 4, 200 concurrent lease requests plus ordinary traffic never show more than 4 connections in CLIENT LIST', async () => {
  const name = `cap-${process.pid}`;
  await using client = redis.client({ maxConnections: 4, clientName: name, acquireTimeoutMs: 10_000 });
  await using observer = redis.client();
  const k = uniqueKey();
  let peak = 0;
  let stop = false;
  const watching = (async () => {
    while (!stop) {
      peak = Math.max(peak, await connectionsNamed(observer, name));
    }
  })();
  const traffic = Promise.all(Array.from({ length: 2000 }, (_, i) => client.incr(`${k}:${i % 10}`)));
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      await using lease = await client.acquire();
      await lease.incr(k);
      if (i % 10 === 0) await letRealTimePass(5, 'every tenth lease is held a while, so lease requests queue');
    }),
  );
  await traffic;
  stop = true;
  await watching;
  assert.ok(peak >= 2, `observed ${peak}`);
  assert.ok(peak <= 4, `CLIENT LIST showed ${peak} connections`);
  assert.equal(await client.get(k), '200');
  assert.ok(client.stats().totalConns <= 4);
});

test('lease requests past acquireTimeoutMs reject with ERR_POOL_TIMEOUT saying which server, how many wait and how long leases are held', async () => {
  await using client = redis.client({ maxConnections: 3, acquireTimeoutMs: 100 });
  const held = [await client.acquire(), await client.acquire()];
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.acquire()));
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    const err = (r as PromiseRejectedResult).reason;
    assert.equal(err.code, 'ERR_POOL_TIMEOUT');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${redis.port}`));
    assert.match(err.message, /\d+ waiting/);
    assert.match(err.message, /2 of 2 leases held \(longest for \d+\.\d s\)/);
  }
  assert.equal(client.stats().timeouts, 5);
  for (const l of held) l.release();
  await using again = await client.acquire();
  assert.equal(await again.ping(), 'PONG');
});

test('await using releases a lease on normal exit and on throw; releasing twice is harmless; a released lease rejects with ERR_LEASE_RELEASED', async () => {
  await using client = redis.client();
  {
    await using lease = await client.acquire();
    assert.equal(await lease.ping(), 'PONG');
    assert.equal(client.stats().leased, 1);
  }
  assert.equal(client.stats().leased, 0);
  await assert.rejects(async () => {
    await using lease = await client.acquire();
    await lease.ping();
    throw new Error('boom');
  }, /boom/);
  assert.equal(client.stats().leased, 0);
  const lease = await client.acquire();
  lease.release();
  lease.release();
  assert.equal(lease.isReleased, true);
  await assert.rejects(lease.get('k'), { code: 'ERR_LEASE_RELEASED', command: 'GET' });
  assert.equal(client.stats().leased, 0);
});

test('a forgotten lease is reported once by leak detection, with the stack of the code that acquired it', async () => {
  await using client = redis.client({ leakDetectionThresholdMs: 150 });
  const reports: LeakReport[] = [];
  client.on('leak', (r) => reports.push(r));
  const forgotten = await client.acquire();
  await waitFor(() => reports.length > 0, { message: 'a leak report' });
  // Once: another threshold's worth of time brings no second report.
  await staysTrue(() => reports.length === 1, { forMs: 300, message: () => `${reports.length} leak reports` });
  assert.equal(reports[0].connectionId, forgotten.connectionId);
  assert.ok(reports[0].heldMs >= 150);
  assert.match(reports[0].stack, /pool\.test\.ts/);
  assert.equal(client.stats().leaks, 1);
  forgotten.release();
});

test('a lease whose connection state changed (SELECT) is closed on release instead of being reused', async () => {
  await using client = redis.client();
  const lease = await client.acquire();
  const id = await lease.clientId();
  await lease.call('SELECT', 1);
  lease.release();
  await using next = await client.acquire();
  assert.notEqual(await next.clientId(), id);
  assert.equal(await next.call('CLIENT', 'INFO').then((s) => /db=0/.test(String(s))), true);
});

test('idle connections, shared ones included, are closed after idleTimeoutMs and the next command re-dials', async () => {
  const name = `idle-${process.pid}`;
  await using client = redis.client({ idleTimeoutMs: 100, clientName: name });
  await using observer = redis.client();
  await client.ping();
  const leases = [await client.acquire(), await client.acquire()];
  for (const l of leases) l.release();
  assert.equal(await connectionsNamed(observer, name), 3);
  await waitFor(async () => (await connectionsNamed(observer, name)) === 0, { message: 'the idle connections to be closed' });
  assert.equal(client.stats().totalConns, 0);
  assert.equal(await client.ping(), 'PONG');
  assert.equal(await connectionsNamed(observer, name), 1);
});

test('a shared connection past maxLifetimeMs is replaced without failing a command', async () => {
  await using client = redis.client({ maxLifetimeMs: 150, maxLifetimeJitterMs: 0 });
  const first = await client.clientId();
  const errors: unknown[] = [];
  // Steady traffic until the pool has retired the first connection.
  await waitFor(
    async () => {
      await Promise.all(Array.from({ length: 20 }, () => client.ping().catch((e: unknown) => errors.push(e))));
      return client.stats().staleConns >= 1;
    },
    { message: 'a connection past maxLifetimeMs to be retired' },
  );
  assert.deepEqual(errors, []);
  assert.notEqual(await client.clientId(), first);
  assert.ok(client.stats().staleConns >= 1);
});

test('minIdle connections are dialled after first use, never at construction', async () => {
  const name = `minidle-${process.pid}`;
  await using client = redis.client({ minIdle: 2, clientName: name });
  await using observer = redis.client();
  await staysTrue(async () => (await connectionsNamed(observer, name)) === 0, { forMs: 100, message: 'no connection before first use' });
  await client.ping();
  await waitFor(async () => (await connectionsNamed(observer, name)) === 3, { message: 'the shared connection and 2 minIdle connections' });
  assert.equal(client.stats().idleConns, 2);
});

test('a client that used leases, blocking commands and subscriptions leaves nothing behind after close: its process exits by itself', () => {
  const script = `
    import { createClient } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).pathname)};
    const client = createClient({ url: ${JSON.stringify(redis.url)}, minIdle: 1, leakDetectionThresholdMs: 5000, idleTimeoutMs: 60000 });
    await client.set('exit-k', 'v');
    const lease = await client.acquire();
    try { await lease.get('exit-k'); } finally { lease.release(); }
    await client.blPop('exit-empty', 0.05);
    const sub = await client.subscribe('exit-ch', () => {});
    await client.call('PUBLISH', 'exit-ch', 'x');
    await sub.unsubscribe();
    await client.close();
    console.log('closed');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
  assert.equal(r.error, undefined, 'the child exited by itself (no timeout kill)');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /closed/);
});

test('a lease whose connection is killed is not re-dialled: its next command rejects with ERR_CONNECTION_LOST and the slot is freed', async () => {
  await using client = redis.client({ maxConnections: 2 });
  await using admin = redis.client();
  const lease = await client.acquire();
  const id = await lease.clientId();
  assert.equal(await admin.clientKill({ id }), 1);
  await waitFor(() => client.stats().leased === 0, { message: 'the dead lease to give its slot back' });
  await assert.rejects(lease.ping(), { code: 'ERR_CONNECTION_LOST', command: 'PING' });
  lease.release();
  await using next = await client.acquire();
  assert.notEqual(await next.clientId(), id);
});
