/**
 * Issue 9, item 6: shutdown and unreachable servers are bounded too. `close()` has a deadline
 * (`closeTimeoutMs`, or `close({ timeoutMs })`), past which every command still pending (a
 * `blPop(key, 0)`) rejects with ERR_CLIENT_CLOSED naming it, so `await using` cannot hang a
 * worker's shutdown. A command that times out while the server cannot be reached carries the last
 * connection error as `cause` and says so. The opt-in circuit breaker fails commands at once
 * with ERR_CIRCUIT_OPEN after N failed connects in a row, probes, and closes on the first connect
 * that succeeds. Real redis-server, the loopback proxy for outages; timing bounds only catch hangs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, CircuitOpenError, ClientClosedError, CommandTimeoutError, ConnectionError, createClient } from '../../src/index.ts';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { freePort } from '../helpers/redis-server.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { staysTrue, waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();

/** Generous: these bounds catch a hang, not a slow machine. */
const HANG_MS = 10_000;

/** Resolves with how long `promise` took; fails past `limitMs` (a hang). */
async function within<T>(promise: Promise<T>, limitMs: number, what: string): Promise<number> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still pending after ${limitMs} ms`)), limitMs)));
  try {
    await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - t0;
}

/** Waits until the server reports a client blocked (the BLPOP was written and runs). */
async function waitForBlocked(): Promise<void> {
  const admin = redis.client();
  try {
    const blocked = async (): Promise<number> => Number(Object.values(await admin.info('clients')).find((s) => 'blocked_clients' in s)?.blocked_clients ?? 0);
    await waitFor(async () => (await blocked()) > 0, { message: 'the BLPOP is blocked on the server' });
  } finally {
    await admin.close();
  }
}

test('close({ timeoutMs }) with a blPop(key, 0) in flight resolves at the deadline; the BLPOP rejects with ERR_CLIENT_CLOSED naming it', async () => {
  const client = redis.client();
  const popped = client.blPop(uniqueKey('never'), 0);
  const outcome = popped.then(
    () => assert.fail('the BLPOP resolved'),
    (err: unknown) => err,
  );
  const get = client.get(uniqueKey('answered'));
  await waitForBlocked();
  const ms = await within(client.close({ timeoutMs: 300 }), HANG_MS, 'close({ timeoutMs: 300 })');
  assert.ok(ms >= 250, `close() resolved after ${ms.toFixed(0)} ms, before its deadline`);
  const err = await outcome;
  assert.ok(err instanceof ClientClosedError, String(err));
  assert.equal(err.code, 'ERR_CLIENT_CLOSED');
  assert.equal(err.command, 'BLPOP');
  assert.match(err.message, /close\(\) did not finish within 300 ms: BLPOP was cancelled \(written; it may have executed\)/);
  // What could finish did: the GET got its reply before the deadline.
  assert.equal(await get, null);
  assert.equal(client.stats().totalConns, 0);
  await assert.rejects(client.get('k'), { code: 'ERR_CLIENT_CLOSED' });
});

test('`await using` with a blPop(key, 0) in flight does not hang: the scope ends within closeTimeoutMs', async () => {
  let popped: Promise<unknown> | undefined;
  const scope = async (): Promise<void> => {
    await using client = redis.client({ closeTimeoutMs: 200 });
    popped = client.blPop(uniqueKey('never'), 0).catch((err: unknown) => err);
    await waitForBlocked();
  };
  await within(scope(), HANG_MS, 'the `await using` scope');
  const err = await popped;
  assert.ok(err instanceof ClientClosedError && err.command === 'BLPOP', String(err));
});

test('close() with closeTimeoutMs 0 waits for the reply, however long', async () => {
  const client = redis.client({ closeTimeoutMs: 0 });
  const key = uniqueKey('late');
  const popped = client.blPop(key, 0);
  await waitForBlocked();
  let isClosed = false;
  const closing = client.close().then(() => (isClosed = true));
  const pusher = redis.client();
  await staysTrue(() => !isClosed, { forMs: 100, message: 'close() waits for the BLPOP reply' });
  await pusher.rPush(key, 'v');
  await pusher.close();
  assert.deepEqual(await popped, { key, element: 'v' });
  await within(closing, HANG_MS, 'close()');
});

test('close() options are checked synchronously; unknown keys and bad values are refused', () => {
  const client = redis.client();
  assert.throws(() => client.close({ timeout: 5 } as never), (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && /use "timeoutMs"/.test(err.message));
  assert.throws(() => client.close({ timeoutMs: -1 }), { code: 'ERR_INVALID_OPTION' });
  assert.throws(() => client.close({ timeoutMs: 1.5 }), { code: 'ERR_INVALID_OPTION' });
  assert.throws(() => client.close(5 as never), { code: 'ERR_INVALID_OPTION' });
  client.destroy();
  for (const bad of [{ closeTimeoutMs: -1 }, { closeTimeoutMs: 'soon' }, { circuitBreakerThreshold: -1 }, { circuitBreakerThreshold: 2.5 }, { circuitBreakerProbeIntervalMs: 0 }, { circuitBreaker: true }, { closeTimeout: 5 }]) {
    assert.throws(() => createClient(bad as never), { code: 'ERR_INVALID_OPTION' }, JSON.stringify(bad));
  }
});

test('a command that times out while the server is unreachable carries the connection error (ECONNREFUSED) as cause and says so', async () => {
  const client = createClient({ port: await freePort(), commandTimeoutMs: 300, reconnectMaxDelayMs: 50, reconnectBaseDelayMs: 10 });
  try {
    const err = await client.get('k').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CommandTimeoutError, String(err));
    assert.equal(err.code, 'ERR_COMMAND_TIMEOUT');
    assert.equal(err.wasWritten, false);
    assert.match(err.message, /GET timed out after 300 ms \(never written\): the server could not be reached \(connection to 127\.0\.0\.1:\d+ failed: ECONNREFUSED\)/);
    const cause = err.cause as ConnectionError;
    assert.ok(cause instanceof ConnectionError && cause.code === 'ERR_CONNECTION_FAILED', String(cause));
    assert.equal((cause.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  } finally {
    client.destroy();
  }
});

test('after the server went away, a queued command times out with the loss as its cause; once it is back, timeouts have no cause', async () => {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  const client = createClient({ url: proxy.url, commandTimeoutMs: 300, reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 50 });
  try {
    // Connected first, with room for a slow dial: only the outage's timeout is under test (the
    // 300 ms default timed this SET out at load 15).
    await client.with({ timeoutMs: 30_000 }).set(uniqueKey(), 'v');
    proxy.refuse(true, 'reset');
    proxy.resetAll();
    const err = await client.get('k').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CommandTimeoutError && err.cause instanceof ConnectionError, String(err));
    assert.match(err.message, /could not be reached/);
    proxy.refuse(false);
    await waitFor(() => client.get('k').then(() => true, () => false), { timeoutMs: 30_000, message: 'the client reconnects' });
    const timedOut = await client.with({ timeoutMs: 50 }).blPop(uniqueKey('slow'), 2).then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(timedOut instanceof CommandTimeoutError && timedOut.cause === undefined, String(timedOut));
    assert.doesNotMatch(timedOut.message, /could not be reached/);
  } finally {
    client.destroy();
    await proxy.close();
  }
});

test('circuit breaker: after circuitBreakerThreshold failed connects commands fail at once with ERR_CIRCUIT_OPEN; a probe closes it when the server is back', async () => {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  const client = createClient({
    url: proxy.url,
    commandTimeoutMs: 60_000, // without the breaker, a command would wait this long
    reconnectBaseDelayMs: 10,
    reconnectMaxDelayMs: 20,
    circuitBreakerThreshold: 3,
    circuitBreakerProbeIntervalMs: 50,
  });
  try {
    await client.set(uniqueKey(), 'v');
    assert.equal(client.stats().circuit, 'closed');
    proxy.refuse(true, 'reset');
    proxy.resetAll();
    // The command queued when the circuit opens fails then, not at its 60 s deadline.
    const queued = await within(
      client.get('k').then(
        () => assert.fail('resolved'),
        (e: unknown) => assert.ok(e instanceof CircuitOpenError && e.code === 'ERR_CIRCUIT_OPEN', String(e)),
      ),
      HANG_MS,
      'a command queued during the outage',
    );
    assert.ok(queued < 30_000, `${queued} ms`);
    assert.notEqual(client.stats().circuit, 'closed');
    assert.equal(client.stats().circuitOpens, 1);
    // While open: refused at once, with the last connection error as cause.
    const err = await client.get('k').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CircuitOpenError && err instanceof ConnectionError, String(err));
    assert.equal(err.command, 'GET');
    assert.match(err.message, /could not be reached: \d+ connects failed in a row/);
    assert.ok(err.cause instanceof ConnectionError, String(err.cause));
    await assert.rejects(client.acquire(), { code: 'ERR_CIRCUIT_OPEN' });
    await assert.rejects(client.blPop('k', 1), { code: 'ERR_CIRCUIT_OPEN' });
    await assert.rejects(client.pipeline().get('a').get('b').exec(), { code: 'ERR_CIRCUIT_OPEN' });
    // Probes keep failing while the server is away (each adds a failed connect).
    const failed = client.stats().failedConnects;
    await waitFor(() => client.stats().failedConnects >= failed + 2, { message: 'probe dials' });
    proxy.refuse(false);
    await waitFor(() => client.stats().circuit === 'closed', { message: 'a probe connects and closes the circuit' });
    assert.equal(client.stats().failedConnects, 0);
    assert.equal(await client.get('k'), null);
  } finally {
    client.destroy();
    await proxy.close();
  }
});

test('the circuit breaker is off by default: during an outage commands wait (offline queue) and succeed once the server is back', async () => {
  const proxy = await startTcpProxy({ targetPort: redis.port });
  const client = createClient({ url: proxy.url, reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 20 });
  try {
    await client.set(uniqueKey(), 'v');
    proxy.refuse(true, 'reset');
    proxy.resetAll();
    const pending = client.get('k');
    await waitFor(() => client.stats().failedConnects >= 5, { message: 'failed connects' });
    assert.equal(client.stats().circuit, 'closed');
    proxy.refuse(false);
    assert.equal(await pending, null);
    assert.equal(client.stats().circuitOpens, 0);
  } finally {
    client.destroy();
    await proxy.close();
  }
});
