/**
 * healthCheck against real servers: ok when PING answers, degraded when the pool is saturated
 * (lease requests waiting, every slot in use), down when the server is gone or the client is
 * closed, within the deadline; bad options throw synchronously.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, ArgumentError } from '../../src/index.ts';
import { healthCheck } from '../../src/diagnostics/index.ts';
import { freePort } from '../helpers/redis-server.ts';
import { useRedisServer } from '../helpers/setup.ts';

const redis = useRedisServer();

test('a connected client is ok: PING round trip and the pool figures from stats()', async () => {
  await using client = redis.client();
  const h = await healthCheck(client, { timeoutMs: 2000 });
  assert.equal(h.status, 'ok');
  assert.equal(h.isReady, true);
  assert.equal(h.error, null);
  assert.deepEqual(h.reasons, []);
  assert.ok(typeof h.pingMs === 'number' && h.pingMs >= 0 && h.pingMs < 2000, `pingMs ${h.pingMs}`);
  const s = client.stats();
  assert.equal(h.pool.maxConnections, s.maxConnections);
  assert.equal(h.pool.totalConns, s.totalConns);
  assert.equal(h.pool.leased, 0);
  assert.ok(Math.abs(h.checkedAt - Date.now()) < 60_000);
  assert.deepEqual(JSON.parse(JSON.stringify(h)), h, 'plain data');
});

test('a saturated pool is degraded: waiting lease requests and every slot in use are named', async () => {
  await using client = redis.client({ maxConnections: 2, acquireTimeoutMs: 10_000 });
  const lease = await client.acquire();
  const waiting = client.acquire();
  const h = await healthCheck(client);
  assert.equal(h.status, 'degraded');
  assert.equal(h.isReady, true, 'PING still answers: ready, with reasons');
  assert.equal(h.pool.pendingRequests, 1);
  assert.equal(h.pool.leased, 1);
  assert.equal(h.reasons.length, 2, h.reasons.join('; '));
  assert.match(h.reasons[0], /1 lease request\(s\) waiting/);
  assert.match(h.reasons[1], /every connection slot is in use \(2 of maxConnections 2\)/);
  lease.release();
  (await waiting).release();
  assert.equal((await healthCheck(client)).status, 'ok');
});

test('a server nobody answers for is down within the deadline, with the error code', async () => {
  const port = await freePort();
  await using client = createClient({ port, connectTimeoutMs: 100, reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 50 });
  const started = performance.now();
  const h = await healthCheck(client, { timeoutMs: 300 });
  const tookMs = performance.now() - started;
  assert.equal(h.status, 'down');
  assert.equal(h.isReady, false);
  assert.equal(h.pingMs, null);
  assert.ok(h.error !== null && ['ERR_COMMAND_TIMEOUT', 'ERR_CONNECTION_FAILED'].includes(h.error.code), JSON.stringify(h.error));
  assert.match(h.reasons[0], /^PING failed: ERR_/);
  assert.ok(tookMs < 5000, `resolved after ${Math.round(tookMs)} ms`);
});

test('a closed client is down with ERR_CLIENT_CLOSED', async () => {
  const client = redis.client();
  await client.ping();
  await client.close();
  const h = await healthCheck(client);
  assert.equal(h.status, 'down');
  assert.deepEqual(h.error, { code: 'ERR_CLIENT_CLOSED', message: 'the client is closed' });
});

test('bad options throw ArgumentError synchronously, naming the option', () => {
  const client = redis.client();
  const invalid = (message: RegExp) => (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && message.test(err.message);
  assert.throws(() => healthCheck(client, { timeoutMs: 1000, retries: 2 } as never), invalid(/healthCheck: unknown option "retries"/));
  assert.throws(() => healthCheck(client, { timeoutMs: 0 }), invalid(/"timeoutMs" must be an integer from 1 to 600000 \(ms\)/));
  assert.throws(() => healthCheck(client, { timeoutMs: 1.5 }), invalid(/timeoutMs/));
  assert.throws(() => healthCheck(client, 'fast' as never), invalid(/options must be an object/));
  client.destroy();
});
