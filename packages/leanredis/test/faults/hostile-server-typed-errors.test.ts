/**
 * R3 (issue 4): a broken or hostile server. Each rival failure of the list is a
 * regression test here, under RESP2 and RESP3, against the hostile server helper: what it sends
 * to the first command, while two more commands are in flight behind it (INCR, not retryable;
 * GET, read-only and so retryable):
 *   - a violation of the protocol or of a decoder limit ('*4294967296', 100,000 nested arrays,
 *     an invalid type byte, a bulk over maxBulkBytes, garbage after a reply) drops the
 *     connection at once: every command in flight on it (the read-only GET too: the same server
 *     may answer the same way) rejects with that ProtocolError (ERR_PROTOCOL), 'error' carries
 *     it, and the next command works on a new connection;
 *   - a huge bulk header followed by silence settles by the deadline, allocates nothing for
 *     the declared size, and the socket is dropped socketTimeoutMs later;
 *   - an unsolicited extra reply drops the connection as soon as it has no command to go to.
 * Then random, mutated and randomly chunked inputs through real clients (test/soak/hostile-
 * input.ts; the decoder-level 10^5-input loop is test/unit/resp-decoder-fuzz.test.ts, and
 * `npm run test:soak` runs 10^6 plus 50,000 through clients). Timing bounds here are wide, for a
 * busy machine (the soak run checks the 100 ms); no outcome waits for a deadline.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, CommandTimeoutError, ProtocolError, createClient, type BufferClientOptions, type Client, type ClientOptions } from '../../src/index.ts';
import { forEachProtocol } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { scripts, startHostileServer, type HostileHandler } from '../helpers/hostile-server.ts';
import { CANARY, MB, SecretWatch, assertBounds, retainedHeap } from '../soak/soak-kit.ts';
import { runR3Client, r3ClientBounds } from '../soak/hostile-input.ts';

const uncaught: unknown[] = [];
const onUncaught = (err: unknown): void => {
  uncaught.push(err);
};
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);
const watch = new SecretWatch();
/** Scenes not closed yet (a failed assertion skips close()): closed after the file so it can exit. */
const openScenes = new Set<Scene>();
after(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  watch.close();
  for (const s of openScenes) await s.close();
});

/** Wide bound for "settled promptly" on a busy machine: far below any deadline used here (5 s). */
const PROMPT_MS = 1000;
// The random-input runs take 10 s to 2 minutes on a starved machine (measured at load 15): their
// clients get a deadline that only a hang reaches, and "settled" is bounded for hangs only; the
// soak (`npm run test:soak`) checks the 100 ms settle bound on an idle machine.
const BUSY_DEADLINE_MS = 30_000;
const BUSY_SETTLE_MS = 10_000;

interface Settled {
  ok: boolean;
  value?: unknown;
  error?: unknown;
  ms: number;
}

function timed(promise: Promise<unknown>, since: number): Promise<Settled> {
  return promise.then(
    (value) => ({ ok: true, value, ms: performance.now() - since }),
    (error: unknown) => {
      watch.check('rejection', error, 'error');
      return { ok: false, error, ms: performance.now() - since };
    },
  );
}

interface Scene {
  client: Client;
  events: Error[];
  /** FUZZ (gets the hostile bytes), INCR and GET in flight behind it, in one write. */
  results: [fuzz: Settled, incr: Settled, get: Settled];
  close(): Promise<void>;
}

/** A hostile server that sends `bad` for the first FUZZ and behaves otherwise; three commands in flight. */
async function scene(bad: HostileHandler, protocol: 2 | 3, options: ClientOptions | Omit<BufferClientOptions, 'url'> = {}): Promise<Scene> {
  const server = await startHostileServer(scripts.when('FUZZ', bad, scripts.answer(), { times: 1 }), { password: CANARY });
  // A Buffer client has the same methods; only its bulk replies differ.
  const client = watch.watchClient(createClient({ url: server.url, password: CANARY, protocol, ...options } as ClientOptions));
  const events: Error[] = [];
  client.on('error', (err) => events.push(err));
  await client.connect();
  const t0 = performance.now();
  const results = (await Promise.all([timed(client.call('FUZZ'), t0), timed(client.incr('n'), t0), timed(client.get('k'), t0)])) as Scene['results'];
  const s: Scene = {
    client,
    events,
    results,
    async close() {
      openScenes.delete(s);
      watch.checkClient(client);
      client.destroy();
      await server.close();
    },
  };
  openScenes.add(s);
  return s;
}

function assertLostToProtocolError(s: Settled, what: string): void {
  assert.equal(s.ok, false, `${what} resolved with ${JSON.stringify(s.value)}`);
  const err = s.error;
  assert.ok(err instanceof ProtocolError && err.code === 'ERR_PROTOCOL', `${what}: ${String(err)}`);
  assert.ok(!err.message.startsWith('decoder failed'), `${what}: an internal exception, not a protocol check: ${err.message}`);
  assert.ok(s.ms < PROMPT_MS, `${what} took ${s.ms} ms`);
}

/** The common outcome of a protocol violation; then the client must work again. */
async function assertDroppedAndRecovered(s: Scene): Promise<void> {
  const [fuzz, incr, get] = s.results;
  assertLostToProtocolError(fuzz, 'the command that got the bad bytes');
  assertLostToProtocolError(incr, 'the INCR in flight behind it');
  assertLostToProtocolError(get, 'the read-only GET in flight behind it (not re-sent after a protocol error)');
  assert.equal(fuzz.error, incr.error, 'every command in flight rejects with the same ProtocolError');
  assert.ok(s.events.some((e) => e instanceof ProtocolError), `'error' carries the ProtocolError: ${s.events.map(String).join(', ')}`);
  assert.equal(await s.client.call('FUZZ'), 'OK', 'the next command works');
  await s.close();
}

forEachProtocol((protocol) => {
  test("'*4294967296' (an aggregate of 2^32 elements) drops the connection at once; nothing is preallocated", async () => {
    const before = retainedHeap();
    await assertDroppedAndRecovered(await scene(scripts.hugeArrayHeader(), protocol));
    assert.ok(retainedHeap() - before < 32 * MB);
  });

  test("RESP3 map and push headers of 2^32 pairs are rejected the same way", async () => {
    await assertDroppedAndRecovered(await scene(scripts.hugeArrayHeader({ header: '%4294967296\r\n' }), protocol));
    await assertDroppedAndRecovered(await scene(scripts.hugeArrayHeader({ header: '~4294967296\r\n' }), protocol));
  });

  test('100,000 nested arrays: rejected past maxDepth (64), no stack overflow, no uncaught exception', async () => {
    await assertDroppedAndRecovered(await scene(scripts.deepNesting({ depth: 100_000 }), protocol));
  });

  test('nesting just inside maxDepth is accepted', async () => {
    const s = await scene(scripts.deepNesting({ depth: 63 }), protocol);
    let value = s.results[0].value;
    for (let depth = 0; depth < 63; depth++) {
      assert.ok(Array.isArray(value) && value.length === 1, `level ${depth}`);
      value = value[0];
    }
    assert.equal(value, 1);
    assert.equal(s.results[1].value, 1);
    await s.close();
  });

  test('an invalid type byte drops the connection at once', async () => {
    await assertDroppedAndRecovered(await scene(scripts.invalidTypeByte(), protocol));
    await assertDroppedAndRecovered(await scene(scripts.invalidTypeByte({ byte: '\u0000' }), protocol));
  });

  test('a bulk header over maxBulkBytes drops the connection at once', async () => {
    await assertDroppedAndRecovered(await scene(scripts.hugeBulkThenSilence({ length: 1025 }), protocol, { maxBulkBytes: 1024 }));
    // The default limit is 512 MiB; one byte more.
    await assertDroppedAndRecovered(await scene(scripts.hugeBulkThenSilence({ length: 512 * 1024 * 1024 + 1 }), protocol, { returnBuffers: true }));
  });

  test('garbage after a reply: the reply is delivered, then the connection is dropped', async () => {
    const s = await scene(scripts.garbageAfterReply(), protocol);
    const [fuzz, incr, get] = s.results;
    assert.equal(fuzz.value, 'OK');
    assertLostToProtocolError(incr, 'the INCR in flight behind it');
    assertLostToProtocolError(get, 'the GET in flight behind it');
    assert.ok(s.events.some((e) => e instanceof ProtocolError));
    assert.equal(await s.client.call('FUZZ'), 'OK');
    await s.close();
  });

  for (const [what, length, options] of [
    ['a string-sized bulk header (536,870,000 bytes) on a string client', 536_870_000, {}],
    ['a 512 MiB bulk header (the default limit) on a Buffer client', 512 * 1024 * 1024, { returnBuffers: true }],
  ] as const) {
    test(`${what}, then silence: settles by the deadline, allocates nothing for it, then the socket is dropped`, async () => {
      const before = retainedHeap();
      const rssBefore = process.memoryUsage().rss;
      const s = await scene(scripts.hugeBulkThenSilence({ length }), protocol, { ...options, commandTimeoutMs: 300, socketTimeoutMs: 200 });
      for (const [i, r] of s.results.entries()) {
        assert.ok(r.error instanceof CommandTimeoutError && r.error.wasWritten, `command ${i}: ${String(r.error)}`);
        assert.ok(r.ms >= 290 && r.ms < 300 + PROMPT_MS, `command ${i} settled after ${r.ms} ms`);
      }
      assert.ok(retainedHeap() - before < 32 * MB, 'the declared length was not allocated');
      assert.ok(process.memoryUsage().rss - rssBefore < 256 * MB, 'no 512 MiB buffer');
      // Overdue by socketTimeoutMs: the connection is declared dead and dropped.
      await waitFor(() => s.events.some((e) => e instanceof ConnectionError && e.code === 'ERR_SOCKET_TIMEOUT'), {
        timeoutMs: 300 + PROMPT_MS,
        message: () => `ERR_SOCKET_TIMEOUT among ${s.events.map(String).join(', ')}`,
      });
      assert.equal(await s.client.call('FUZZ'), 'OK');
      await s.close();
    });
  }

  test('an unsolicited extra reply with no command waiting drops the connection (no crash)', async () => {
    await using server = await startHostileServer(scripts.when('FUZZ', scripts.extraReply(), scripts.answer(), { times: 1 }), { password: CANARY });
    await using client = watch.watchClient(createClient({ url: server.url, password: CANARY, protocol }));
    const events: Error[] = [];
    client.on('error', (err) => events.push(err));
    assert.equal(await client.call('FUZZ'), 'OK', 'the real reply reaches its caller');
    const dropped = await waitFor(() => events.find((e) => e instanceof ProtocolError), { timeoutMs: PROMPT_MS, message: 'a ProtocolError event' });
    assert.match(String(dropped), /no command waiting/);
    assert.equal(await client.call('FUZZ'), 'OK', 'a new connection works');
    assert.equal(server.totalConnections, 2);
  });

  test('a reply cut off by the server (FIN or RST): in-flight writes reject as possibly executed, reads are sent again', async () => {
    for (const mode of ['end', 'reset'] as const) {
      const s = await scene(scripts.closeMidReply({ mode }), protocol);
      const [fuzz, incr, get] = s.results;
      for (const [what, r] of [['FUZZ', fuzz], ['INCR', incr]] as const) {
        assert.ok(r.error instanceof ConnectionError && r.error.code === 'ERR_CONNECTION_LOST_AFTER_WRITE', `${mode} ${what}: ${String(r.error)}`);
        assert.ok(r.ms < PROMPT_MS);
      }
      assert.equal(get.ok, true, `${mode}: ${String(get.error)}`);
      await s.close();
    }
  });

  test('a reply dripped one byte at a time, and RESP3 pushes around replies, change nothing', async () => {
    const drip = await scene(scripts.slowDrip({ reply: '$11\r\nhello world\r\n', delayMs: 1 }), protocol);
    assert.deepEqual(drip.results.map((r) => r.value), ['hello world', 1, null]);
    await drip.close();
    const pushes = await scene(scripts.interleavedPushes({ before: 2, after: 2 }), protocol);
    assert.deepEqual(pushes.results.map((r) => r.value), ['OK', 1, null]);
    assert.deepEqual(pushes.events, []);
    await pushes.close();
  });

  test('1,000 random, mutated, randomly cut hostile inputs through real clients: only typed errors, every command settles promptly', async (t) => {
    const r = await runR3Client({ inputs: 1000, protocol, seed: protocol, commandTimeoutMs: BUSY_DEADLINE_MS });
    t.diagnostic(JSON.stringify(r));
    assertBounds(r3ClientBounds(r, { settleMs: BUSY_SETTLE_MS, heapMB: 16 }), r);
    // The inputs must bite: protocol errors, cut-off replies and clean values all occurred.
    assert.ok((r.outcomes.ERR_PROTOCOL ?? 0) > 30, JSON.stringify(r.outcomes));
    assert.ok((r.outcomes['ERR_CONNECTION_LOST_AFTER_WRITE (cause ERR_CONNECTION_LOST)'] ?? 0) > 30, JSON.stringify(r.outcomes));
    assert.ok((r.outcomes.value ?? 0) > 100, JSON.stringify(r.outcomes));
  });

  test('a null reply to ZRANGE WITHSCORES or SCAN (a reply of the wrong shape) rejects that command with a typed ProtocolError', async () => {
    await using server = await startHostileServer(scripts.when(['ZRANGE', 'SCAN'], (_c, conn) => void conn.write('*-1\r\n')), { password: CANARY });
    await using client = watch.watchClient(createClient({ url: server.url, password: CANARY, protocol }));
    for (const [name, call] of [['ZRANGE', () => client.zRangeWithScores('z', 0, -1)], ['SCAN', () => client.scan('0')]] as const) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      watch.check('wrong shape', err, 'error');
      assert.ok(err instanceof ProtocolError && err.code === 'ERR_PROTOCOL' && err.command === name, `${name}: ${String(err)}`);
    }
    // Only that command failed: the stream itself was valid, so the connection stays.
    assert.equal(await client.call('PING'), 'PONG');
    assert.equal(server.totalConnections, 1);
  });
});

// Found by this suite (a transform's TypeError reached the caller as it was); fixed in d228544.
test('typed commands (whose reply transforms see the hostile value) also reject only with typed errors (500 inputs, RESP3)', async (t) => {
  const r = await runR3Client({ inputs: 500, protocol: 3, seed: 13, withTypedCommands: true, commandTimeoutMs: BUSY_DEADLINE_MS });
  t.diagnostic(JSON.stringify(r));
  assertBounds(r3ClientBounds(r, { settleMs: BUSY_SETTLE_MS, heapMB: 16 }), r);
  assert.ok((r.outcomes.ERR_PROTOCOL ?? 0) > 0, `no reply of the wrong shape was met: ${JSON.stringify(r.outcomes)}`);
});

test('no uncaught exception or unhandled rejection in this file, and no canary in anything it produced', () => {
  assert.deepEqual(uncaught.map(String), []);
  assert.deepEqual(watch.leaks, []);
  assert.ok(watch.total > 1000, `scanned ${watch.total} values`);
});
