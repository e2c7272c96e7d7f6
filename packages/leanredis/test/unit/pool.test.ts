/**
 * The pool's selection, waiting and maintenance logic, with fake connections from an injected
 * factory (no sockets): the hard cap, FIFO waiters, timeouts, idle order, reaping, lifetime,
 * minIdle and leak detection.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, type PoolSettings, type LeakReport, type PooledConnection } from '../../src/pool/pool.ts';
import type { ConnectionOwner, ConnectionSettings } from '../../src/connection/connection.ts';
import { PendingCommand, PromisedCommand } from '../../src/connection/pending-command.ts';
import { ClientClosedError, PoolTimeoutError, QueueFullError } from '../../src/errors.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { letRealTimePass, nextTurn, staysTrue, waitFor } from '../helpers/wait.ts';

/** global.gc without --expose-gc: the flag can be set at run time for new contexts. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** A connection without a socket: it "dials" in dialMs, and answers only when told to. */
class FakeConnection implements PooledConnection {
  static lastId = 0;
  readonly id = ++FakeConnection.lastId;
  state: 'idle' | 'connecting' | 'ready' | 'closing' | 'closed' = 'idle';
  sent: PendingCommand[] = [];
  inFlightCount = 0;
  inFlightBytes = 0;
  writeBufferedBytes = 0;
  queuedCount = 0;
  queuedBytes = 0;
  bytesIn = 0;
  bytesOut = 0;
  lastActiveAt = performance.now();
  serverInfo = undefined;
  readonly reconnect: boolean;
  readonly #owner: ConnectionOwner<FakeConnection>;
  readonly #fake: Fakes;
  constructor(owner: ConnectionOwner<FakeConnection>, fake: Fakes, reconnect: boolean) {
    this.#owner = owner;
    this.#fake = fake;
    this.reconnect = reconnect;
  }
  get isReady(): boolean {
    return this.state === 'ready';
  }
  get load(): number {
    return this.sent.length;
  }
  get backlogCount(): number {
    return this.queuedCount;
  }
  get backlogBytes(): number {
    return this.queuedBytes;
  }
  connect(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    this.state = 'connecting';
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        if (this.state === 'closed') return reject(new ClientClosedError());
        if (this.#fake.failDial) {
          const err = new Error('dial failed');
          this.#owner.onDialFailed(this, err);
          // A shared connection stays, to dial again; an exclusive one is gone.
          if (this.reconnect) {
            this.state = 'idle';
            this.#owner.onLost(this, err);
            return reject(err);
          }
          this.state = 'closed';
          this.#owner.onClosed(this, err, []);
          return reject(err);
        }
        this.state = 'ready';
        this.#owner.onReady(this);
        resolve();
      }, this.#fake.dialMs);
    });
  }
  send(cmd: PendingCommand): void {
    this.sent.push(cmd);
    if (this.state === 'idle') this.connect().catch(() => {});
  }
  sendBatch(cmds: readonly PendingCommand[]): void {
    for (const cmd of cmds) this.send(cmd);
  }
  failQueued(error: Error): void {
    for (const c of this.sent.splice(0)) c.fail(error);
  }
  /** Pretend every sent command was answered. */
  answerAll(): void {
    for (const c of this.sent.splice(0)) c.succeed('OK');
    this.lastActiveAt = performance.now();
  }
  close(): Promise<void> {
    if (this.#fake.closeMs === 0 || this.state === 'closed') {
      this.destroy();
      return Promise.resolve();
    }
    // A socket that takes a while to go: still open, still counted by the pool.
    this.state = 'closing';
    return new Promise((resolve) => setTimeout(() => resolve(this.destroy()), this.#fake.closeMs));
  }
  /** Closes as a shared connection that gave up would: its unsent commands go back to the pool. */
  closeWithUnsent(): void {
    this.state = 'closed';
    this.#owner.onClosed(this, undefined, this.sent.splice(0));
  }
  destroy(error?: Error | ((cmd: PendingCommand, wasWritten: boolean) => Error)): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const c of this.sent.splice(0)) c.fail(typeof error === 'function' ? error(c, true) : (error ?? new ClientClosedError()));
    this.#owner.onClosed(this, undefined, []);
  }
}

interface Fakes {
  dialMs: number;
  /** How long close() takes (0: at once). */
  closeMs: number;
  failDial: boolean;
  made: FakeConnection[];
}

function makePool(overrides: Partial<PoolSettings> = {}, fake: Partial<Fakes> = {}): { pool: Pool<FakeConnection>; fakes: Fakes; live: () => number } {
  const fakes: Fakes = { dialMs: 1, closeMs: 0, failDial: false, made: [], ...fake };
  const settings: PoolSettings = {
    address: 'fake:6379',
    connection: {} as ConnectionSettings,
    maxConnections: 4,
    sharedConnections: 1,
    minIdle: 0,
    maxIdle: 3,
    idleTimeoutMs: 60_000,
    maxLifetimeMs: 0,
    maxLifetimeJitterMs: 0,
    acquireTimeoutMs: 1000,
    maxPendingAcquires: 3000,
    leakDetectionThresholdMs: 0,
    idleOrder: 'lifo',
    maxQueuedCommands: 100,
    maxQueuedBytes: 1 << 20,
    maxClientInFlightCommands: 1000,
    maxClientInFlightBytes: 1 << 20,
    inFlightOverflow: 'queue',
    closeTimeoutMs: 0,
    circuitBreakerThreshold: 0,
    circuitBreakerProbeIntervalMs: 1000,
    ...overrides,
  };
  const pool = new Pool<FakeConnection>(settings, (_s, owner, reconnect) => {
    const c = new FakeConnection(owner, fakes, reconnect);
    fakes.made.push(c);
    return c;
  });
  return { pool, fakes, live: () => fakes.made.filter((c) => c.state !== 'closed').length };
}

function command(name = 'GET'): PromisedCommand {
  const cmd = new PromisedCommand({ name, prefix: Buffer.from(''), tokens: 1, transform: undefined }, ['k'], 0, 10, 0, undefined);
  cmd.promise.catch(() => {});
  return cmd;
}


describe('pool: shared connections', () => {
  test('creating a pool creates no connection; the first dispatch creates exactly one', () => {
    const { pool, fakes } = makePool();
    assert.equal(fakes.made.length, 0);
    pool.dispatch(command());
    pool.dispatch(command());
    assert.equal(fakes.made.length, 1);
    pool.destroy();
  });

  test('a second shared connection is dialled only when every existing one is busy, then the least loaded is used', () => {
    const { pool, fakes } = makePool({ sharedConnections: 2, maxConnections: 4 });
    pool.dispatch(command()); // conn 1 (load 1)
    pool.dispatch(command()); // conn 1 busy -> conn 2
    assert.equal(fakes.made.length, 2);
    pool.dispatch(command()); // both load 1 -> first least loaded
    pool.dispatch(command());
    assert.equal(fakes.made.length, 2, 'never more than sharedConnections shared connections');
    assert.deepEqual(fakes.made.map((c) => c.load), [2, 2]);
    fakes.made[1].answerAll();
    pool.dispatch(command());
    assert.deepEqual(fakes.made.map((c) => c.load), [2, 1]);
    pool.destroy();
  });

  test('a full queue rejects at once with ERR_QUEUE_FULL naming the limits', async () => {
    const { pool, fakes } = makePool({ maxQueuedCommands: 100, maxQueuedBytes: 1000 });
    pool.dispatch(command());
    fakes.made[0].queuedCount = 100; // a backlog, e.g. while reconnecting
    const byCount = command();
    pool.dispatch(byCount);
    const err = await byCount.promise.catch((e: unknown) => e);
    assert.ok(err instanceof QueueFullError);
    assert.equal(err.code, 'ERR_QUEUE_FULL');
    assert.match(err.message, /maxQueuedCommands 100/);
    fakes.made[0].queuedCount = 1;
    fakes.made[0].queuedBytes = 995;
    const byBytes = command();
    pool.dispatch(byBytes);
    await assert.rejects(byBytes.promise, { code: 'ERR_QUEUE_FULL' });
    pool.destroy();
  });

  test("a closed shared connection's unsent transaction goes on whole to one connection, its single commands each to the least busy", () => {
    const { pool, fakes } = makePool({ sharedConnections: 2, maxConnections: 4 });
    pool.dispatch(command()); // conn 1
    pool.dispatch(command()); // conn 2
    for (const c of fakes.made) c.answerAll();
    const tx = [command('MULTI'), command('SET'), command('EXEC')];
    PendingCommand.bindTransaction(tx);
    const single = command();
    fakes.made[0].sent.push(...tx, single);
    fakes.made[0].closeWithUnsent();
    // One by one, MULTI went to conn 2 and SET to a new conn 3 (conn 2 was busy by then).
    assert.deepEqual(fakes.made[1].sent.slice(0, 3), tx, 'the transaction, whole and in order');
    assert.ok(fakes.made.some((c) => c.sent.includes(single)));
    assert.ok(fakes.made.every((c) => c === fakes.made[1] || !tx.some((t) => c.sent.includes(t))));
    pool.destroy();
  });
});

describe('pool: leases', () => {
  test('leases are dialled up to maxConnections - sharedConnections, then requests wait and time out with an informative ERR_POOL_TIMEOUT', async () => {
    const { pool, live } = makePool({ maxConnections: 3, sharedConnections: 1, acquireTimeoutMs: 50 });
    pool.dispatch(command()); // the shared connection
    const a = await pool.acquire();
    const b = await pool.acquire();
    assert.notEqual(a, b);
    assert.equal(live(), 3);
    const err = await pool.acquire().then(
      () => assert.fail('should time out'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PoolTimeoutError);
    assert.equal(err.code, 'ERR_POOL_TIMEOUT');
    assert.match(err.message, /fake:6379/);
    assert.match(err.message, /within 50 ms/);
    assert.match(err.message, /2 of 2 leases held/);
    assert.match(err.message, /maxConnections 3/);
    const s = pool.stats();
    assert.equal(s.timeouts, 1);
    assert.equal(s.waitCount, 1);
    assert.equal(s.misses, 2);
    assert.equal(s.leased, 2);
    assert.equal(live(), 3, 'the waiter never opened a connection past the cap');
    pool.destroy();
  });

  test('a released connection goes to the first waiter (FIFO) without a new dial', async () => {
    const { pool, fakes } = makePool({ maxConnections: 2, sharedConnections: 1 });
    const first = await pool.acquire();
    const order: number[] = [];
    const w1 = pool.acquire().then((c) => (order.push(1), c));
    const w2 = pool.acquire().then((c) => (order.push(2), c));
    await waitFor(() => pool.stats().pendingRequests === 2, { message: 'two waiters' });
    pool.release(first);
    const got1 = await w1;
    assert.equal(got1, first);
    pool.release(got1);
    const got2 = await w2;
    assert.equal(got2, first);
    assert.deepEqual(order, [1, 2]);
    assert.equal(fakes.made.length, 1);
    assert.equal(pool.stats().hits, 0);
    pool.destroy();
  });

  test('releasing an unusable connection closes it and the freed slot serves the next waiter with a fresh dial', async () => {
    const { pool, fakes } = makePool({ maxConnections: 2, sharedConnections: 1 });
    const first = await pool.acquire();
    const waiting = pool.acquire();
    pool.release(first, false);
    const second = await waiting;
    assert.notEqual(second, first);
    assert.equal(first.state, 'closed');
    assert.equal(fakes.made.length, 2);
    pool.destroy();
  });

  test('acquires that timed out leave the wait queue: with every lease held for long they are not retained', async () => {
    const gc = exposeGc();
    const { pool } = makePool({ maxConnections: 2, sharedConnections: 1 });
    const held = await pool.acquire(); // the only lease, held as a consumer blocked forever would
    let timedOut = 0;
    // In a function of its own: a suspended async function keeps its registers, the last
    // promise among them.
    const refs = ((): WeakRef<Promise<unknown>>[] =>
      Array.from({ length: 200 }, () => {
        const p = pool.acquire(1);
        p.catch(() => void timedOut++);
        return new WeakRef(p);
      }))();
    await waitFor(() => timedOut === 200, { message: 'every acquire timed out' });
    assert.equal(pool.stats().pendingRequests, 0);
    await nextTurn();
    gc();
    const kept = refs.filter((r) => r.deref() !== undefined).length;
    assert.equal(kept, 0, `${kept} of 200 timed-out acquires still held by the wait queue`);
    pool.release(held);
    pool.destroy();
  });

  test('maxPendingAcquires: one acquire() more than the cap waiting rejects at once with ERR_QUEUE_FULL; the waiters are served in order; the count frees up', async () => {
    const { pool } = makePool({ maxConnections: 2, sharedConnections: 1, maxPendingAcquires: 3, acquireTimeoutMs: 0 });
    const held = await pool.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => pool.acquire().then((c) => (order.push(n), c)));
    // Rejected before the event loop turns: no timer, no dial.
    const over = await Promise.race([
      pool.acquire(undefined, false, 'BLPOP').then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      nextTurn().then(() => 'not rejected within the same turn'),
    ]);
    assert.ok(over instanceof QueueFullError, String(over));
    assert.equal(over.code, 'ERR_QUEUE_FULL');
    assert.equal(over.reason, 'pendingAcquires');
    assert.equal(over.command, 'BLPOP');
    assert.match(over.message, /3 acquire\(\) calls already wait for a connection to fake:6379 \(maxPendingAcquires 3; 1 of 1 lease connections in use/);
    assert.equal(pool.stats().rejected.pendingAcquires, 1);
    assert.equal(pool.stats().pendingRequests, 3);
    // Serve the first waiter: one slot frees, a new acquire() queues again.
    pool.release(held);
    const first = await waiting[0];
    const fourth = pool.acquire().then((c) => (order.push(4), c));
    assert.equal(pool.stats().pendingRequests, 3);
    let c = first;
    for (const next of [waiting[1], waiting[2], fourth]) {
      pool.release(c);
      c = await next;
    }
    assert.deepEqual(order, [1, 2, 3, 4]);
    assert.equal(pool.stats().rejected.pendingAcquires, 1, 'nothing else was rejected');
    pool.release(c);
    pool.destroy();
  });

  test('releasing twice is harmless', async () => {
    const { pool } = makePool();
    const c = await pool.acquire();
    pool.release(c);
    pool.release(c);
    assert.equal(pool.stats().idleConns, 1);
    pool.destroy();
  });

  test('200 concurrent lease requests with random holds never exceed maxConnections sockets', async () => {
    const { pool, live } = makePool({ maxConnections: 4, sharedConnections: 1, acquireTimeoutMs: 5000 });
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, live())), 1);
    pool.dispatch(command());
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const c = await pool.acquire();
        peak = Math.max(peak, live());
        for (let turn = 0; turn < i % 3; turn++) await nextTurn(); // holds of 0, 1 or 2 turns
        pool.release(c, i % 7 !== 0);
      }),
    );
    clearInterval(watch);
    assert.ok(peak <= 4, `peak ${peak}`);
    assert.equal(pool.stats().leased, 0);
    assert.ok(pool.stats().totalConns <= 4);
    pool.destroy();
  });

  test('idle connections beyond maxIdle are closed on release', async () => {
    const { pool, live } = makePool({ maxConnections: 5, sharedConnections: 1, maxIdle: 1 });
    const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    for (const c of leases) pool.release(c);
    assert.equal(pool.stats().idleConns, 1);
    assert.equal(live(), 1);
    pool.destroy();
  });

  test('lifo hands out the most recently released idle connection, fifo the least', async () => {
    for (const idleOrder of ['lifo', 'fifo'] as const) {
      const { pool } = makePool({ maxConnections: 4, sharedConnections: 1, idleOrder });
      const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
      pool.release(a);
      pool.release(b);
      const next = await pool.acquire();
      assert.equal(next, idleOrder === 'lifo' ? b : a, idleOrder);
      pool.destroy();
    }
  });

  test('a failed dial rejects the lease request with the dial error and frees the slot', async () => {
    const { pool, fakes } = makePool({}, { failDial: true });
    await assert.rejects(pool.acquire(), /dial failed/);
    fakes.failDial = false;
    const c = await pool.acquire();
    assert.ok(c);
    pool.destroy();
  });

  test('destroy rejects every waiter with ERR_CLIENT_CLOSED and later requests too', async () => {
    const { pool } = makePool({ maxConnections: 2, sharedConnections: 1 });
    await pool.acquire();
    const waiting = pool.acquire();
    pool.destroy();
    await assert.rejects(waiting, { code: 'ERR_CLIENT_CLOSED' });
    await assert.rejects(pool.acquire(), { code: 'ERR_CLIENT_CLOSED' });
    const cmd = command();
    pool.dispatch(cmd);
    await assert.rejects(cmd.promise, { code: 'ERR_CLIENT_CLOSED' });
  });
});

describe('pool: maintenance', () => {
  test('minIdle is dialled in the background after first use, never at construction', async () => {
    const { pool, fakes } = makePool({ maxConnections: 5, sharedConnections: 1, minIdle: 2 });
    await staysTrue(() => fakes.made.length === 0, { forMs: 10, message: 'nothing dialled before first use' });
    pool.dispatch(command());
    await waitFor(() => pool.stats().idleConns === 2, { message: 'two minIdle connections' });
    assert.equal(fakes.made.length, 3);
    pool.destroy();
  });

  test('idle connections unused for idleTimeoutMs are reaped down to minIdle', async () => {
    const { pool } = makePool({ maxConnections: 5, sharedConnections: 1, idleTimeoutMs: 30, minIdle: 1, maxIdle: 4 });
    const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    // minIdle's background dial (first use) lands as a fourth, idle connection.
    await waitFor(() => pool.stats().idleConns === 1, { message: "minIdle's background dial" });
    for (const c of leases) pool.release(c);
    assert.equal(pool.stats().idleConns, 4);
    await waitFor(() => pool.stats().idleConns === 1, { message: 'idle connections reaped down to minIdle' });
    assert.ok(pool.stats().staleConns >= 2);
    pool.destroy();
  });

  test('an idle connection past maxLifetimeMs is not handed out again', async () => {
    const { pool } = makePool({ maxLifetimeMs: 20, maxLifetimeJitterMs: 0, idleTimeoutMs: 60_000 });
    const a = await pool.acquire();
    pool.release(a);
    await waitFor(() => a.state === 'closed', { message: 'the aged connection retired' });
    const b = await pool.acquire();
    assert.notEqual(b, a);
    assert.equal(a.state, 'closed');
    pool.destroy();
  });

  test('a lease held past leakDetectionThresholdMs is reported once with the acquiring stack; long-lived leases are exempt', async () => {
    const { pool } = makePool({ leakDetectionThresholdMs: 20 });
    const reports: LeakReport[] = [];
    pool.observer = { leak: (r) => reports.push(r) };
    const held = await pool.acquire();
    await pool.acquire(undefined, true);
    await waitFor(() => reports.length > 0, { message: 'a leak report' });
    await staysTrue(() => reports.length === 1, { forMs: 40, message: () => `${reports.length} leak reports` });
    assert.equal(reports[0].connectionId, held.id);
    assert.ok(reports[0].heldMs >= 20);
    assert.match(reports[0].stack, /lease acquired here/);
    assert.match(reports[0].stack, /pool\.test\.ts/, reports[0].stack);
    assert.equal(pool.stats().leaks, 1);
    pool.destroy();
  });

  test('a released lease is not reported as a leak', async () => {
    const { pool } = makePool({ leakDetectionThresholdMs: 20 });
    const reports: LeakReport[] = [];
    pool.observer = { leak: (r) => reports.push(r) };
    pool.release(await pool.acquire());
    await staysTrue(() => reports.length === 0, { forMs: 40, message: 'no leak report' });
    pool.destroy();
  });
});

describe('pool: connection roles', () => {
  test('shared connections are made to reconnect, exclusive ones not (a lost lease is not re-dialled)', async () => {
    const { pool, fakes } = makePool({ maxConnections: 3, sharedConnections: 1 });
    pool.dispatch(command());
    pool.release(await pool.acquire());
    assert.deepEqual(
      fakes.made.map((c) => c.reconnect),
      [true, false],
    );
    pool.destroy();
  });

  test("a closing connection is reported as closing, not dialling, and counts against the cap until its socket is gone", async () => {
    const { pool, fakes } = makePool({ maxConnections: 3, sharedConnections: 1, maxIdle: 0 }, { closeMs: 50 });
    const lease = await pool.acquire();
    pool.release(lease); // no room among the idle ones (maxIdle 0): closed gracefully
    const s = pool.stats();
    assert.equal(lease.state, 'closing');
    assert.equal(s.closing, 1);
    assert.equal(s.dialling, 0);
    assert.equal(s.totalConns, 1);
    await waitFor(() => pool.stats().closing === 0, { message: 'the socket to go' });
    assert.equal(pool.stats().totalConns, 0);
    assert.equal(fakes.made.length, 1);
    pool.destroy();
  });

  test('minIdle replaces an expired idle connection at once, without waiting for it to finish closing', async () => {
    const { pool, fakes } = makePool({ maxConnections: 3, sharedConnections: 1, minIdle: 1, maxLifetimeMs: 30, maxLifetimeJitterMs: 0 }, { closeMs: 300 });
    const exclusive = (): FakeConnection[] => fakes.made.filter((c) => !c.reconnect);
    pool.dispatch(command()); // first use: minIdle is dialled
    await waitFor(() => pool.stats().idleConns === 1, { message: 'the minIdle connection' });
    // Past maxLifetimeMs the reaper closes it; while it is still closing a replacement is dialled
    // (a closing socket used to count as one being dialled, so minIdle waited for it to go).
    await waitFor(() => exclusive().length === 2 && exclusive()[0].state === 'closing', {
      message: () => `a replacement while the expired one closes (states: ${exclusive().map((c) => c.state).join(', ')})`,
    });
    assert.ok(pool.stats().closing >= 1);
    pool.destroy();
  });

  test('leaseDurationMs adds up how long released leases were held', async () => {
    const { pool } = makePool();
    const started = performance.now();
    const lease = await pool.acquire();
    await letRealTimePass(20, 'the lease is held 20 ms');
    pool.release(lease);
    const held = performance.now() - started;
    const { leaseDurationMs, leases } = pool.stats();
    assert.equal(leases, 1);
    assert.ok(leaseDurationMs >= 19 && leaseDurationMs <= Math.ceil(held), `leaseDurationMs ${leaseDurationMs}, held ${held}`);
    pool.destroy();
  });
});

describe('pool: close deadline', () => {
  test('close(timeoutMs) destroys what is still pending at the deadline; each command rejects with ERR_CLIENT_CLOSED naming it', async () => {
    // A fake whose graceful close takes 300 ms stands for a reply that does not come.
    const { pool } = makePool({}, { closeMs: 300 });
    const cmd = command('BLPOP');
    pool.dispatch(cmd);
    await waitFor(() => pool.stats().sharedConns === 1 && cmd.isSettled === false);
    const closed = pool.close(30);
    await closed;
    await assert.rejects(cmd.promise, (err: Error & { code?: string; command?: string }) => {
      assert.equal(err.code, 'ERR_CLIENT_CLOSED');
      assert.equal(err.command, 'BLPOP');
      assert.match(err.message, /close\(\) did not finish within 30 ms: BLPOP was cancelled/);
      return true;
    });
    assert.equal(pool.stats().totalConns, 0);
  });
});

describe('pool: circuit breaker', () => {
  test('is off by default: failed connects are counted, commands are never refused for them', async () => {
    const { pool } = makePool({}, { failDial: true });
    for (let i = 0; i < 5; i++) await assert.rejects(pool.acquire(), /dial failed/);
    assert.equal(pool.stats().failedConnects, 5);
    assert.equal(pool.stats().circuit, 'closed');
    const cmd = command();
    assert.ok(pool.dispatch(cmd) !== undefined, 'dispatched, not refused');
    pool.destroy();
  });

  test('opens after circuitBreakerThreshold failed connects in a row: commands, batches and leases fail at once with ERR_CIRCUIT_OPEN; queued ones fail too', async () => {
    const { pool } = makePool({ circuitBreakerThreshold: 3, circuitBreakerProbeIntervalMs: 60_000 }, { failDial: true });
    const queued = command();
    pool.dispatch(queued); // the shared connection dials (and fails): 1
    await waitFor(() => pool.stats().failedConnects === 1);
    await assert.rejects(pool.acquire(), /dial failed/); // 2
    await assert.rejects(pool.acquire(), /dial failed/); // 3: open
    assert.equal(pool.stats().circuit, 'open');
    assert.equal(pool.stats().circuitOpens, 1);
    await assert.rejects(queued.promise, { code: 'ERR_CIRCUIT_OPEN', name: 'CircuitOpenError' });
    const cmd = command('SET');
    assert.equal(pool.dispatch(cmd), undefined);
    await assert.rejects(cmd.promise, (err: Error & { code?: string; command?: string; cause?: unknown }) => {
      assert.equal(err.code, 'ERR_CIRCUIT_OPEN');
      assert.equal(err.command, 'SET');
      assert.match((err.cause as Error).message, /dial failed/);
      assert.match(err.message, /could not be reached: 3 connects failed in a row/);
      return true;
    });
    const batch = [command('MULTI'), command('EXEC')];
    assert.equal(pool.dispatchBatch(batch), undefined);
    for (const c of batch) await assert.rejects(c.promise, { code: 'ERR_CIRCUIT_OPEN' });
    await assert.rejects(pool.acquire(), { code: 'ERR_CIRCUIT_OPEN' });
    pool.destroy();
  });

  test('probes every circuitBreakerProbeIntervalMs (half-open); a failed probe re-opens, the first connect that succeeds closes it', async () => {
    const { pool, fakes } = makePool({ circuitBreakerThreshold: 1, circuitBreakerProbeIntervalMs: 20 }, { failDial: true });
    await assert.rejects(pool.acquire(), /dial failed/);
    assert.equal(pool.stats().circuit, 'open');
    // Failed probes keep it open: each adds a failed connect.
    await waitFor(() => pool.stats().failedConnects >= 3, { message: 'probes' });
    assert.notEqual(pool.stats().circuit, 'closed');
    fakes.failDial = false;
    await waitFor(() => pool.stats().circuit === 'closed', { message: 'a probe that connects closes the circuit' });
    assert.equal(pool.stats().failedConnects, 0);
    const cmd = command();
    assert.ok(pool.dispatch(cmd) !== undefined);
    assert.equal(pool.stats().circuitOpens, 1);
    pool.destroy();
  });
});
