/**
 * R4 (issue 4), short runs: the server goes away under steady load (SIGKILL + restart, the
 * proxy refusing connections, the proxy swallowing every byte). Memory stays bounded by the
 * queue caps, overflow rejects at once with ERR_QUEUE_FULL, no command that expired in the
 * queue is ever written (each batch of INCRs has its own key: the server's count of it must lie
 * between acknowledged and acknowledged + ambiguous), the first command succeeds soon after the
 * server is back, and nothing stays pending. The workload lives in test/soak/outage.ts;
 * `npm run test:soak` runs the issue's 10 s outage at 5,000 commands/s with default options.
 * Timing bounds here are wide, for a busy machine.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, QueueFullError, createClient } from '../../src/index.ts';
import { scripts, startHostileServer } from '../helpers/hostile-server.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { freePort } from '../helpers/redis-server.ts';
import { nextTurn, staysTrue, waitFor } from '../helpers/wait.ts';
import { runR4, r4Bounds, type R4Result } from '../soak/outage.ts';
import { CANARY, MB, SecretWatch, assertBounds, retainedHeap } from '../soak/soak-kit.ts';

// Per-command channels are left out: rendering every event of thousands of commands per second
// made this load test CPU-bound (a 3,000-command pipeline took 7.6 s instead of 0.5 s);
// password-never-leaks.test.ts watches those channels.
const watch = new SecretWatch({ withCommandChannel: false });
after(() => watch.close());

/** The server's count must prove the outage did what the test is about. */
function assertOutageBit(r: R4Result, expect: { expired: boolean; overflow: boolean }): void {
  if (expect.expired) assert.ok(r.expiredInQueue > 0 && r.batches.allExpired > 0, `no command expired in the queue: ${JSON.stringify(r.outcomes)}`);
  if (expect.overflow) {
    assert.ok(r.queueFullProbe.count > 0 && r.queueFull.count > 0, `the queue never overflowed: ${JSON.stringify(r.outcomes)}`);
    // "At once": no wait for a deadline or a reconnect. The median lone rejection is well under
    // a millisecond on an idle machine (the soak checks that); 2.2 ms was measured at load 15.
    assert.ok(r.queueFullProbe.p50Ms < 50, `median ERR_QUEUE_FULL ${r.queueFullProbe.p50Ms} ms`);
  }
  assert.ok((r.outcomes.ok ?? 0) > 0);
}

/**
 * Bounds for a shared, busy machine. These runs prove what happens (the queue overflows at
 * once, nothing expired runs, the client recovers); how fast is the soak's and the bench's job.
 * Measured at load 18 on 2 cores: 281 of 5,000 INCR/s issued, first success 4.7 s after the
 * server came back. The overflow test's cap (100 in 1.5 s) fills even at such a rate.
 */
const BUSY_MACHINE = { queueFullP99Ms: 1000, firstSuccessMs: 15_000 };

test('SIGKILL + restart for 2.5 s at 5,000 INCR/s (queue cap 2,000, 1 s deadlines): bounded heap, no expired INCR runs', async (t) => {
  const r = await runR4({
    mode: 'sigkill',
    protocol: 3,
    rate: 5000,
    outageMs: 2500,
    preMs: 1000,
    postMs: 1500,
    clientOptions: { maxQueuedCommands: 2000, commandTimeoutMs: 1000 },
  });
  t.diagnostic(JSON.stringify(r));
  // 2,000 queued INCRs hold about 2 MB (see RELIABILITY.md); the wide bound leaves room for a
  // busy machine. What matters here is that the heap stops growing once the queue is full.
  assertBounds(r4Bounds(r, { heapGrowthMB: 12, ...BUSY_MACHINE }), r);
  // Whether 2,000 fill up depends on the rate this machine reaches: the overflow is proven below.
  assertOutageBit(r, { expired: true, overflow: false });
});

// The outage outlasts the deadline by 1.5 s so that queued commands expire inside it whatever
// the machine's speed (with a 1.5 s outage and 1.5 s deadlines a clean-clone run once saw every
// queued command reach the reconnect just before its deadline: no expiry to prove).
test('proxy refusing connections for 2.5 s at 2,000 INCR/s under RESP2 (queue cap 100, 1 s deadlines): instant overflow, the heap stops growing once full', async (t) => {
  const r = await runR4({
    mode: 'refuse',
    protocol: 2,
    rate: 2000,
    outageMs: 2500,
    preMs: 800,
    postMs: 1500,
    clientOptions: { maxQueuedCommands: 100, commandTimeoutMs: 1000 },
  });
  t.diagnostic(JSON.stringify(r));
  assertBounds(r4Bounds(r, { heapGrowthMB: 6, ...BUSY_MACHINE }), r);
  assertOutageBit(r, { expired: true, overflow: true });
  assert.ok(r.heap.driftWhileFullMB !== null && r.heap.driftWhileFullMB < 2, `the heap kept growing while the queue was full: ${r.heap.driftWhileFullMB} MB`);
});

test('proxy blackhole for 1.5 s at 1,000 INCR/s: written commands time out, the silent socket is dropped, the client recovers', async (t) => {
  const r = await runR4({
    mode: 'blackhole',
    protocol: 3,
    rate: 1000,
    outageMs: 1500,
    preMs: 800,
    postMs: 2500,
    clientOptions: { commandTimeoutMs: 500, socketTimeoutMs: 300, connectTimeoutMs: 500, reconnectMaxDelayMs: 500 },
  });
  t.diagnostic(JSON.stringify(r));
  // A dial stuck in the blackhole waits out connectTimeoutMs before the next one.
  assertBounds(r4Bounds(r, { heapGrowthMB: 6, ...BUSY_MACHINE }), r);
  assert.ok((r.outcomes['ERR_COMMAND_TIMEOUT(written)'] ?? 0) > 0, `written commands timed out: ${JSON.stringify(r.outcomes)}`);
  assert.ok(r.reconnects > 0);
});

test('a command that expired in the offline queue is never written: the server never receives it', async () => {
  await using server = await startHostileServer(scripts.answer(), { password: CANARY });
  await using proxy = await startTcpProxy({ targetPort: server.port });
  await using client = watch.watchClient(createClient({ url: proxy.url, password: CANARY, reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 50 }));
  assert.equal(await client.call('BEFORE'), 'OK');
  const lost = new Promise((resolve) => client.once('reconnecting', resolve));
  proxy.refuse(true);
  proxy.resetAll();
  await lost; // the command must wait in the queue, not be written to the dying socket
  const expired = await client
    .with({ timeoutMs: 100 })
    .call('EXPIRED')
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  watch.check('expired', expired, 'error');
  assert.ok(expired instanceof Error && (expired as { code?: string }).code === 'ERR_COMMAND_TIMEOUT', String(expired));
  assert.equal((expired as { wasWritten?: boolean }).wasWritten, false);
  proxy.refuse(false);
  assert.equal(await client.call('AFTER'), 'OK');
  const written = () => server.commandNames().filter((name) => name !== 'HELLO');
  // The expired command is never written, not even later.
  await staysTrue(() => written().join() === 'BEFORE,AFTER', { forMs: 50, message: () => `written: ${written().join(', ')}` });
});

test('offlineQueue: false rejects at once while the connection is down, and works again after', async () => {
  const redis = await startHostileServer(scripts.answer(), { password: CANARY });
  await using proxy = await startTcpProxy({ targetPort: redis.port });
  await using client = watch.watchClient(createClient({ url: proxy.url, password: CANARY, offlineQueue: false, reconnectBaseDelayMs: 200, reconnectMaxDelayMs: 200 }));
  assert.equal(await client.ping(), 'PONG');
  const lost = new Promise((resolve) => client.once('reconnecting', resolve));
  proxy.refuse(true);
  proxy.resetAll();
  await lost;
  const t0 = performance.now();
  const err = await client.incr('n').then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = performance.now() - t0;
  watch.check('offline', err, 'error');
  // ERR_CONNECTION_LOST, not ERR_COMMAND_TIMEOUT: it never waited in a queue. (The idle
  // connection dials first, so "at once" is when that dial is refused: a bound, not a timing.)
  assert.ok(err instanceof ConnectionError && err.code === 'ERR_CONNECTION_LOST', String(err));
  assert.ok(ms < 2500, `took ${ms} ms, as if it had waited for the 5 s deadline`);
  proxy.refuse(false);
  await waitFor(async () => (await client.ping().catch(() => undefined)) === 'PONG', { timeoutMs: 10_000, intervalMs: 20, message: 'PONG once the server is reachable' });
  await redis.close();
});

test('the queue caps reject at once with ERR_QUEUE_FULL, by count and by bytes', async () => {
  await using client = watch.watchClient(createClient({ port: await freePort(), maxQueuedCommands: 100, maxQueuedBytes: 4096, commandTimeoutMs: 2000 }));
  const queued = Array.from({ length: 100 }, (_, i) => client.incr(`k${i}`).catch(() => undefined));
  // "At once": rejected before the event loop turns (no I/O, no timer), whatever the machine's speed.
  const byCount = await Promise.race([
    client.incr('one-more').then(
      () => 'resolved',
      (e: unknown) => e,
    ),
    nextTurn().then(() => 'not rejected within the same turn of the event loop'),
  ]);
  assert.ok(byCount instanceof QueueFullError && byCount.code === 'ERR_QUEUE_FULL', String(byCount));
  watch.check('queue full', byCount, 'error');
  client.destroy();
  await Promise.all(queued);

  await using small = watch.watchClient(createClient({ port: await freePort(), maxQueuedBytes: 4096, commandTimeoutMs: 2000 }));
  const first = small.set('k', 'x'.repeat(3000)).catch(() => undefined);
  const byBytes = await small.set('k2', 'y'.repeat(3000)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(byBytes instanceof QueueFullError, String(byBytes));
  assert.match(byBytes.message, /maxQueuedBytes 4096/);
  assert.ok(!byBytes.message.includes('yyy'), 'the value is not in the message');
  small.destroy();
  await first;
});

// Found by this suite (expired commands held their slot, args and error until the next flush);
// fixed in d228544.
test(
  'a queued command that expired gives back its queue slot and its memory before the reconnect',
  async () => {
    await using client = watch.watchClient(createClient({ port: await freePort(), commandTimeoutMs: 300, maxQueuedCommands: 5000 }));
    client.on('error', () => {});
    let settled = 0;
    const issue = (n: number): void => {
      settled = 0;
      for (let i = 0; i < n; i++) {
        client.incr(`key:${i}`).then(
          () => settled++,
          () => settled++,
        );
      }
    };
    // A first round out of the measurement: lazy modules, the first dial, code the expiry path
    // and this file's channel watcher compile.
    issue(500);
    await waitFor(() => settled === 500, { message: 'the warm-up commands to expire', timeoutMs: 30_000 });
    const before = retainedHeap();
    issue(5000);
    const whileQueued = retainedHeap() - before;
    assert.equal(client.stats().queuedCommands, 5000);
    await waitFor(() => settled === 5000, { message: 'every command to expire', timeoutMs: 30_000 });
    const afterExpiry = retainedHeap() - before;
    assert.equal(client.stats().queuedCommands, 0, 'expired commands are no longer counted as queued');
    assert.equal(client.stats().queuedBytes, 0);
    const next = await client.incr('after-expiry').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(!(next instanceof QueueFullError), 'a new command is queued, not rejected as if the queue were full');
    // Queued, 5,000 INCRs hold about 3 MB; expired, they must hold next to nothing (before the
    // fix they held more than while queued: their promises kept the CommandTimeoutError too).
    assert.ok(afterExpiry < whileQueued * 0.4, `5,000 expired commands still hold ${(afterExpiry / MB).toFixed(1)} MB (${(whileQueued / MB).toFixed(1)} MB while queued)`);
  },
);
