/**
 * The client's life: lazy construction (no socket, no timer until used), warm-up with
 * connect(), graceful close(), destroy(), `await using`, and a closed client that leaves no
 * handle keeping the process alive (checked in a child process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { freePort } from '../helpers/redis-server.ts';
import { pauseServer } from '../helpers/server-pause.ts';
import { staysTrue, waitFor, waitForInFlight } from '../helpers/wait.ts';
import { createClient, ClientClosedError, ConnectionError, ConnectTimeoutError, hasCode, type Client } from '../../src/index.ts';

const redis = useRedisServer();

const FIXTURE = fileURLToPath(new URL('../fixtures/use-and-close.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Active handles and requests by kind, sorted, so two snapshots compare exactly. */
function resources(): string[] {
  return process.getActiveResourcesInfo().slice().sort();
}

/** Lets pending callbacks (socket closes, nextTicks, immediates) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/** Whether every resource in `now` also appears in `before`, as often (a multiset subset). */
function isWithin(now: string[], before: string[]): boolean {
  const left = [...before];
  for (const r of now) {
    const i = left.indexOf(r);
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/**
 * Polls until nothing is held beyond `expected` (a closing socket needs a moment to go away).
 * Fewer is fine: a previous test's socket that was still closing in `expected` may be gone.
 */
async function resourcesReturnTo(expected: string[], withinMs = 3000): Promise<void> {
  await waitFor(
    async () => {
      await settle();
      return isWithin(resources(), expected);
    },
    {
      timeoutMs: withinMs,
      intervalMs: 20,
      message: () => `resources to return to what they were before the client: before ${expected.join(', ')}; now ${resources().join(', ')}`,
    },
  );
}

/** Rejection code of a promise, or 'resolved'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (err: { code?: string }) => err.code ?? String(err),
  );
}

// Runs first, before any other test of this file has opened or closed a socket.
test('a created-but-unused client opens no socket and starts no timer', async () => {
  await settle();
  const before = resources();
  const clients = [
    createClient(redis.url),
    createClient({ url: redis.url, protocol: 2, returnBuffers: true }),
    createClient({ url: redis.url, maxConnections: 6, sharedConnections: 2, minIdle: 2, leakDetectionThresholdMs: 60_000, idleTimeoutMs: 1000 }),
    createClient({ port: redis.port, password: 'unused', clientName: 'lazy', database: 3, connectTimeoutMs: 100 }),
  ];
  for (const client of clients) {
    // Things a program does at start-up, none of which may dial.
    client.on('error', () => {});
    client.with({ timeoutMs: 100 });
    client.pipeline().get('k').incr('n');
    client.multi().set('k', 'v');
    assert.equal(client.isOpen, true);
    assert.equal(client.serverInfo, undefined);
    assert.match(inspect(client), /^Client \{/);
    assert.equal(client.stats().totalConns, 0);
  }
  await settle();
  await staysTrue(() => isWithin(resources(), before), { forMs: 50, message: () => `nothing added: before ${before.join(', ')}; now ${resources().join(', ')}` });
  for (const client of clients) assert.equal(client.stats().created, 0);

  // Closing a never-used client dials nothing either.
  await Promise.all(clients.map((c) => c.close()));
  await settle();
  assert.ok(isWithin(resources(), before), `nothing added: before ${before.join(', ')}; now ${resources().join(', ')}`);
  for (const client of clients) assert.equal(client.isOpen, false);
});

forEachProtocol((protocol) => {
  test('the first command dials one connection; close() gives the handles back', async () => {
    await settle();
    const before = resources();
    const client = redis.client({ protocol });
    assert.equal(client.stats().totalConns, 0);
    assert.equal(await client.ping(), 'PONG');
    const stats = client.stats();
    assert.equal(stats.totalConns, 1);
    assert.equal(stats.created, 1);
    assert.equal(stats.sharedConns, 1);
    // Counting handles against `before` is racy (a previous test's socket may still be closing);
    // the pool's own count above is exact, and a TCP handle must be among the live ones.
    const during = resources();
    assert.ok(during.includes('TCPSocketWrap'), `a socket is open while in use: ${during.join(', ')}`);
    await client.close();
    assert.equal(client.stats().totalConns, 0);
    await resourcesReturnTo(before);
  });

  test('connect() warms up, resolves the client, and fills serverInfo', async () => {
    await using client = redis.client({ protocol });
    const unknown = client.serverInfo;
    assert.equal(unknown, undefined, 'nothing is known before the first connection');
    assert.equal(await client.connect(), client);
    assert.equal(client.stats().totalConns, 1);
    const info = client.serverInfo;
    assert.ok(info !== undefined);
    assert.equal(info.protocol, protocol);
    assert.equal(info.mode, 'standalone');
    assert.equal(info.role, 'master');
    const serverInfo = String(await client.call('INFO', 'server'));
    assert.equal(info.version, /redis_version:(\S+)/.exec(serverInfo)?.[1]);
    assert.equal(info.id, await client.call('CLIENT', 'ID'), 'serverInfo.id is the server id of the shared connection');
    // A second connect() on a ready client reuses the connection.
    await client.connect();
    assert.equal(client.stats().created, 1);
  });

  test('close() lets 1000 commands in flight get their replies, then new commands reject with ERR_CLIENT_CLOSED', async () => {
    const key = uniqueKey();
    {
      await using setup = redis.client({ protocol });
      await setup.set(key, 'value');
    }
    // Fresh client: the GETs are queued while it dials; warmed client: they are being written.
    for (const warm of [false, true]) {
      const client = redis.client({ protocol });
      if (warm) await client.connect();
      const replies = Array.from({ length: 1000 }, () => client.get(key));
      const closed = client.close();
      assert.equal(client.isOpen, false, 'closing starts at once');
      const late = client.get(key).then(
        () => assert.fail('a command after close() resolved'),
        (err: unknown) => err,
      );
      const results = await Promise.all(replies);
      assert.equal(results.length, 1000);
      assert.ok(
        results.every((r) => r === 'value'),
        `every reply arrived (warm: ${warm})`,
      );
      await closed;
      const lateError = await late;
      assert.ok(lateError instanceof ClientClosedError && hasCode(lateError, 'ERR_CLIENT_CLOSED'), String(lateError));
      await assert.rejects(client.get(key), { code: 'ERR_CLIENT_CLOSED', name: 'ClientClosedError' });
      await assert.rejects(client.pipeline().get(key).exec(), { code: 'ERR_CLIENT_CLOSED' });
      await assert.rejects(client.multi().get(key).exec(), { code: 'ERR_CLIENT_CLOSED' });
      await assert.rejects(client.acquire(), { code: 'ERR_CLIENT_CLOSED' });
      await assert.rejects(client.connect(), { code: 'ERR_CLIENT_CLOSED' });
      // close() is idempotent.
      await client.close();
      assert.equal(client.stats().totalConns, 0);
    }
  });

  test('destroy() rejects written, queued and waiting work with ERR_CLIENT_CLOSED at once', async () => {
    const client = redis.client({ protocol, maxConnections: 2 });
    await client.connect();
    const held = await client.acquire(); // the only lease slot
    const waiting = outcome(client.acquire());
    const { resumed } = await pauseServer(redis, 500);
    const written = Array.from({ length: 100 }, (_, i) => outcome(client.get(`${uniqueKey()}:${i}`)));
    await waitForInFlight(client, 100);
    const queued = Array.from({ length: 50 }, (_, i) => outcome(client.get(`${uniqueKey()}:${i}`)));
    const onLease = outcome(held.ping());
    client.destroy();
    assert.equal(client.isOpen, false);
    const outcomes = await Promise.all([...written, ...queued, waiting, onLease]);
    assert.deepEqual(new Set(outcomes), new Set(['ERR_CLIENT_CLOSED']), `outcomes: ${[...new Set(outcomes)].join(', ')}`);
    await assert.rejects(client.get('k'), { code: 'ERR_CLIENT_CLOSED' });
    assert.equal(client.stats().totalConns, 0);
    client.destroy(); // harmless twice
    await client.close(); // and close() after destroy() resolves
    await resumed;
  });

  test('`await using` closes the client at the end of the scope', async () => {
    let kept: Client | undefined;
    {
      await using client = redis.client({ protocol });
      kept = client;
      assert.equal(await client.ping(), 'PONG');
      assert.equal(client.isOpen, true);
    }
    assert.equal(kept.isOpen, false);
    assert.equal(kept.stats().totalConns, 0);
    await assert.rejects(kept.ping(), { code: 'ERR_CLIENT_CLOSED' });
  });
});

test('connect() rejects with ERR_CONNECTION_FAILED when nothing listens, and leaves no timer behind', async () => {
  await settle();
  const before = resources();
  const port = await freePort();
  const client = createClient({ port, connectTimeoutMs: 500 });
  const started = Date.now();
  await assert.rejects(client.connect(), (err: unknown) => {
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.code, 'ERR_CONNECTION_FAILED');
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    return true;
  });
  assert.ok(Date.now() - started < 3000, 'a refused dial fails fast, without waiting for connectTimeoutMs');
  // Nothing is queued, so no reconnect is scheduled: the failed client is back to holding nothing.
  await resourcesReturnTo(before);
  assert.equal(client.isOpen, true);
  await client.close();
});

test('connect() rejects with ERR_CONNECT_TIMEOUT when the server accepts but never answers', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const { port } = silent.address() as net.AddressInfo;
    const client = createClient({ port, connectTimeoutMs: 150 });
    const started = Date.now();
    await assert.rejects(client.connect(), (err: unknown) => {
      assert.ok(err instanceof ConnectTimeoutError, String(err));
      assert.equal(err.code, 'ERR_CONNECT_TIMEOUT');
      assert.match(err.message, /connectTimeoutMs \(150 ms\)/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 3000, `rejected after ${elapsed} ms`);
    await client.close();
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

/** Runs the fixture in a child process. Resolves how it ended, or 'running' if it is still alive `aliveMs` after its report. */
function runFixture(mode: string, aliveMs: number): Promise<{ status: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, redis.url, mode], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = (): void => {
      child.kill('SIGKILL');
      resolve({ status: 'running', stdout, stderr });
    };
    // Startup through tsx may take seconds on a busy machine: the clock starts at the report.
    const startup = setTimeout(giveUp, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (timer === undefined && stdout.includes('\n')) {
        clearTimeout(startup);
        timer = setTimeout(giveUp, aliveMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(startup);
      clearTimeout(timer);
      if (signal !== 'SIGKILL') resolve({ status: code ?? String(signal), stdout, stderr });
    });
  });
}

for (const [mode, expected] of [
  ['close', 'closed'],
  ['destroy', 'destroyed, pending rejected with ERR_CLIENT_CLOSED'],
  ['dispose', 'disposed'],
  ['close-pending', 'closed with 200 replies'],
] as const) {
  test(`a client ended by ${mode} leaves no handle: the process exits by itself`, async () => {
    // Generous bound after the fixture's last line; a leaked handle means it never exits.
    const result = await runFixture(mode, 5000);
    assert.equal(result.status, 0, `the child did not exit by itself (${result.status}):\n${result.stderr}`);
    assert.deepEqual(JSON.parse(result.stdout.trim()), { mode, what: expected });
  });
}

test('control: an open, connected client keeps the process alive', async () => {
  // Proves the exit tests above can fail: with the client left open the child must not exit.
  const result = await runFixture('open', 1500);
  assert.equal(result.status, 'running', `the child exited (${result.status}):\n${result.stderr}`);
  assert.deepEqual(JSON.parse(result.stdout.trim()), { mode: 'open', what: 'left open' });
});
