/**
 * Issue 9, in flight: a server that is alive but does not answer (DEBUG SLEEP, a proxy that
 * stops forwarding) must not grow the client. What is written and unanswered stays under
 * maxInFlightCommands / maxInFlightBytes per connection and their client-wide versions; the
 * rest waits in the bounded queue, or rejects at once with ERR_QUEUE_FULL naming the cap; the
 * socket's own buffer is not a hiding place; every command settles once the server is back;
 * stats and diagnostics channels say what happened. `npm run bench -- --scenarios=frozen-sleep`
 * measures the same at 20,000 GETs/s with default options beside ioredis and node-redis.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import { QueueFullError, createClient, type Client } from '../../src/index.ts';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { freePort } from '../helpers/redis-server.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { SecretWatch } from '../soak/soak-kit.ts';
import { nextTurn, waitFor } from '../helpers/wait.ts';

const redis = useRedisServer({ enableDebug: true });
// Per-command channels are left out: rendering every event of thousands of commands per second
// made this load test CPU-bound (a 3,000-command pipeline took 7.6 s instead of 0.5 s);
// password-never-leaks.test.ts watches those channels.
const watch = new SecretWatch({ withCommandChannel: false });
after(() => watch.close());

/**
 * Freezes the server's event loop for `ms` (the kernel keeps accepting bytes meanwhile), sent
 * on the client's own shared connection so that every command it writes afterwards is behind
 * the sleep. It takes one in-flight slot.
 */
function freeze(client: Client, ms: number): Promise<unknown> {
  return client.call('DEBUG', 'SLEEP', String(ms / 1000));
}

/** Median time from the call to the rejection of `n` lone commands, each in a tick of its own. */
async function loneRejectionMs(send: () => Promise<unknown>, n = 20): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await send().then(
      () => assert.fail('a lone command over the cap was accepted'),
      (err: unknown) => {
        ms.push(performance.now() - t0);
        assert.ok(err instanceof QueueFullError, String(err));
      },
    );
  }
  return ms.sort((a, b) => a - b)[n >> 1];
}

/** Collects what is published on a diagnostics channel until the returned stop() is called. */
function record(name: string): { messages: Record<string, unknown>[]; stop: () => void } {
  const messages: Record<string, unknown>[] = [];
  const listener = (m: unknown): void => {
    messages.push(m as Record<string, unknown>);
  };
  dc.subscribe(name, listener);
  return { messages, stop: () => dc.unsubscribe(name, listener) };
}

interface Issued {
  ok: number;
  rejected: QueueFullError[];
  rejectMs: number[];
  other: unknown[];
  all: Promise<unknown>[];
}

/** Issues `perTick` commands per event-loop turn until `until()` holds (at most `maxTicks` turns). */
async function issueUntil(send: (i: number) => Promise<unknown>, perTick: number, until: () => boolean, maxTicks = 2000): Promise<Issued> {
  const out: Issued = { ok: 0, rejected: [], rejectMs: [], other: [], all: [] };
  let i = 0;
  for (let tick = 0; tick < maxTicks && !until(); tick++) {
    for (let j = 0; j < perTick; j++) {
      const t0 = performance.now();
      out.all.push(
        send(i++).then(
          () => out.ok++,
          (err: unknown) => {
            if (err instanceof QueueFullError) {
              out.rejected.push(err);
              out.rejectMs.push(performance.now() - t0);
            } else out.other.push(err);
          },
        ),
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

async function warm(client: Client): Promise<void> {
  watch.watchClient(client);
  assert.equal(await client.ping(), 'PONG');
}

test('frozen server: at most maxInFlightCommands are written, the rest wait in the bounded queue or reject at once, and all settle', async () => {
  await using client = redis.client({ maxInFlightCommands: 100, maxQueuedCommands: 300 });
  await warm(client);
  const holds = record('leanredis:pool:backpressure');
  const rejections = record('leanredis:command:rejected');
  const frozen = freeze(client, 1500);
  const k = uniqueKey();
  const issued = await issueUntil((i) => client.get(`${k}:${i % 10}`), 50, () => client.stats().rejected.queuedCommands >= 50);
  // "At once": the median lone rejection is well under a millisecond on an idle machine; the
  // bound is wide for a busy one.
  const rejectMs = await loneRejectionMs(() => client.get(k));
  const during = client.stats();
  assert.ok(during.inFlight <= 100, `inFlight ${during.inFlight}`);
  assert.ok(during.queuedCommands <= 300 + 50, `queued ${during.queuedCommands}`);
  assert.ok(issued.rejected.length >= 50, 'the queue overflowed');
  for (const err of issued.rejected) {
    assert.equal(err.code, 'ERR_QUEUE_FULL');
    assert.equal(err.reason, 'queuedCommands');
    assert.equal(err.command, 'GET');
  }
  assert.ok(rejectMs < 5, `median lone rejection took ${rejectMs} ms`);
  await frozen;
  await Promise.all(issued.all);
  assert.deepEqual(issued.other, [], 'only ERR_QUEUE_FULL, never a timeout or anything else');
  assert.equal(issued.ok + issued.rejected.length, issued.all.length, 'every command settled');
  const after = client.stats();
  assert.equal(after.inFlight, 0);
  assert.equal(after.queuedCommands, 0);
  assert.equal(after.inFlightPeak, 100, 'the cap was reached, never passed (DEBUG SLEEP holds one slot)');
  assert.equal(after.rejected.queuedCommands, issued.rejected.length + 20);
  assert.ok(after.writeHolds.inFlightCommands >= 1);
  await waitFor(() => holds.messages.some((m) => m.hold === 'none'), { message: 'the resume event' });
  holds.stop();
  rejections.stop();
  const hold = holds.messages.find((m) => m.hold === 'inFlightCommands');
  assert.ok(hold !== undefined, 'a hold was published');
  assert.equal(hold.inFlight, 100);
  assert.equal(typeof hold.connectionId, 'number');
  const resumed = holds.messages.find((m) => m.hold === 'none');
  assert.ok((resumed!.heldMs as number) > 100, `held ${String(resumed!.heldMs)} ms while the server slept`);
  assert.equal(rejections.messages.length, issued.rejected.length + 20);
  assert.deepEqual(rejections.messages[0], { address: `127.0.0.1:${redis.port}`, connectionId: hold.connectionId, command: 'GET', reason: 'queuedCommands' });
  for (const m of [...holds.messages, ...rejections.messages]) watch.check('channel message', m, 'channel');
});

test("inFlightOverflow 'reject': over the in-flight cap a command fails at once and is never written", async () => {
  await using client = redis.client({ maxInFlightCommands: 40, inFlightOverflow: 'reject' });
  await warm(client);
  const k = uniqueKey('counter');
  const frozen = freeze(client, 1000);
  const issued = await issueUntil(() => client.incr(k), 10, () => client.stats().rejected.inFlightCommands >= 20);
  assert.ok((await loneRejectionMs(() => client.incr(k))) < 5);
  assert.ok(client.stats().inFlight <= 40);
  assert.equal(client.stats().queuedCommands, 0, 'nothing waits: over the cap it fails');
  for (const err of issued.rejected) {
    assert.equal(err.reason, 'inFlightCommands');
    assert.match(err.message, /maxInFlightCommands 40/);
  }
  await frozen;
  await Promise.all(issued.all);
  assert.deepEqual(issued.other, []);
  // The server ran exactly the acknowledged INCRs: the rejected ones were never written.
  assert.equal(Number(await client.get(k)), issued.ok);
  assert.equal(issued.ok, 39, 'the cap (40) less the slot DEBUG SLEEP holds');
});

test('maxInFlightBytes bounds the bytes written and unanswered; a command larger than the cap still goes, alone', async () => {
  await using client = redis.client({ maxInFlightBytes: 20_000, maxQueuedBytes: 1_000_000 });
  await warm(client);
  const k = uniqueKey();
  const value = 'v'.repeat(1000);
  const frozen = freeze(client, 1000);
  const issued = await issueUntil((i) => client.set(`${k}:${i}`, value), 20, () => client.stats().queuedCommands >= 60);
  const during = client.stats();
  assert.ok(during.inFlightBytes <= 20_000, `inFlightBytes ${during.inFlightBytes}`);
  assert.ok(during.inFlight < 25, `${during.inFlight} SETs of ~1 KB in flight under a 20 KB cap`);
  assert.ok(during.writeHolds.inFlightBytes >= 1);
  await frozen;
  await Promise.all(issued.all);
  assert.equal(issued.ok, issued.all.length);
  assert.ok(client.stats().inFlightBytesPeak <= 20_000);
  // 100 KB in one command: above the cap, written once nothing else is in flight.
  assert.equal(await client.set(`${k}:big`, 'b'.repeat(100_000)), 'OK');
  assert.equal((await client.get(`${k}:big`))?.length, 100_000);
});

test('the client-wide cap spans connections: two leases share maxClientInFlightCommands, and replies on one let the other write', async () => {
  await using client = redis.client({ maxClientInFlightCommands: 60, maxInFlightCommands: 1000 });
  await warm(client);
  await using a = await client.acquire();
  await using b = await client.acquire();
  assert.notEqual(a.connectionId, b.connectionId);
  const k = uniqueKey();
  // Write commands from every connection wait from the moment the server answers OK.
  await using admin = redis.client();
  assert.equal(await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE'), 'OK');
  const fromA = Array.from({ length: 50 }, (_, i) => a.set(`${k}:a${i}`, 'x'));
  await waitFor(() => client.stats().inFlight >= 50, { message: 'A to write its 50' });
  const fromB = Array.from({ length: 50 }, (_, i) => b.set(`${k}:b${i}`, 'y'));
  await waitFor(() => client.stats().inFlight >= 60, { message: 'B to fill the client-wide cap' });
  await new Promise((resolve) => setImmediate(resolve));
  const during = client.stats();
  assert.equal(during.inFlight, 60);
  assert.equal(during.queuedCommands, 40, "B's other 40 wait in its queue");
  assert.deepEqual(new Set(await Promise.all([...fromA, ...fromB])), new Set(['OK']));
  assert.equal(client.stats().inFlightPeak, 60);
});

test('a burst issued in one synchronous run is never cut by the caps on a healthy server; the in-flight cap still holds', async () => {
  await using client = redis.client({ maxInFlightCommands: 50, maxQueuedCommands: 100, maxQueuedBytes: 10_000 });
  await warm(client);
  const k = uniqueKey();
  await client.set(k, 'v');
  const all = Array.from({ length: 5000 }, () => client.get(k));
  assert.deepEqual(new Set(await Promise.all(all)), new Set(['v']));
  const stats = client.stats();
  assert.ok(stats.inFlightPeak <= 50, `inFlightPeak ${stats.inFlightPeak}`);
  assert.equal(stats.rejected.queuedCommands, 0);
  // A pipeline larger than every cap goes too.
  const pipeline = client.pipeline<number[]>();
  for (let i = 0; i < 3000; i++) pipeline.incr(`${k}:n`);
  const results = await pipeline.exec();
  assert.equal(results[2999], 3000);
});

test("socket backpressure: a peer that stops reading fills the kernel's buffers, then writing stops and the queue, not Node's buffer, takes the rest", async () => {
  await using proxy = await startTcpProxy({ targetPort: redis.port, maxBufferedBytes: 64 * 1024 });
  await using client = createClient({ url: proxy.url, maxInFlightCommands: 100_000, maxInFlightBytes: 1 << 30, maxQueuedCommands: 200, maxQueuedBytes: 1 << 30 });
  await warm(client);
  const k = uniqueKey();
  const value = Buffer.alloc(32 * 1024, 'z');
  proxy.pause('up');
  const issued = await issueUntil((i) => client.set(`${k}:${i % 50}`, value), 10, () => client.stats().rejected.queuedCommands > 0, 5000);
  const during = client.stats();
  assert.ok(during.writeHolds.socket >= 1, 'writing stopped at the socket');
  // What Node buffers is at most one flush past the high-water mark, never the whole backlog.
  assert.ok(during.writeBufferedBytes <= 16 * 1024 + 11 * value.length, `Node buffers ${during.writeBufferedBytes} bytes`);
  assert.ok(during.queuedCommands >= 150, `queued ${during.queuedCommands}`);
  proxy.resume('up');
  await Promise.all(issued.all);
  assert.deepEqual(issued.other, []);
  assert.ok(issued.ok > 0 && issued.rejected.length > 0);
  assert.equal(client.stats().writeBufferedBytes, 0);
});

test('a single command larger than maxQueuedBytes waits alone while the server is unreachable, and a second one is refused', async () => {
  await using client = createClient({ port: await freePort(), maxQueuedBytes: 1024, commandTimeoutMs: 300 });
  client.on('error', () => {});
  const first = client.set('k', 'x'.repeat(5000)).catch((e: unknown) => e);
  const second = await client.set('k2', 'y'.repeat(10)).catch((e: unknown) => e);
  assert.ok(second instanceof QueueFullError);
  assert.equal(second.reason, 'queuedBytes');
  const err = (await first) as Error & { code?: string };
  assert.equal(err.code, 'ERR_COMMAND_TIMEOUT', 'the big one was queued (then expired), not refused');
  await nextTurn();
});
