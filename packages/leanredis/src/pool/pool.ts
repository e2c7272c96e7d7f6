// @layer L4 pool
/*
 * The connection pool: owns every socket a client opens to one server, under one hard cap.
 *
 *   shared     up to `sharedConnections`, multiplexed, least-loaded first; they reconnect on
 *              their own and are dialled on first use, never at construction.
 *   exclusive  idle + leased + dialling, at most `maxConnections - sharedConnections`: leases
 *              (blocking commands, WATCH, pub/sub, `acquire()`) never starve ordinary traffic.
 *
 * This file is the shared side (every ordinary command passes through dispatch()), the record
 * of every connection, maintenance, closing and stats; the exclusive side, leases and their
 * waiters (FIFO, each with its own timeout; a released connection goes straight to the
 * first), is leases.ts.
 * One maintenance timer, armed at the next expiry, so an unused pool has none. See
 * docs/ARCHITECTURE.md, "The pool".
 * Failed connects feed the circuit breaker (circuit-breaker.ts): while it is open, commands and
 * lease requests fail at once, and opening it fails what waits.
 */
import { CircuitBreaker, type CircuitOwner, type CircuitState } from './circuit-breaker.js';
import { type CircuitOpenError, ClientClosedError, QueueFullError, type QueueFullReason } from '../errors.js';
import type { ConnectionOwner } from '../connection/connection.js';
import { InFlightBudget, type WriteHold } from '../connection/in-flight-budget.js';
import type { PendingCommand } from '../connection/pending-command.js';
import type { ServerInfo } from '../connection/handshake.js';
import type { PushMessage } from '../resp/types.js';
import { appended } from '../internal/arrays.js';
import { PoolCounters, type PoolStats } from './stats.js';
import type { ConnectionFactory, PooledConnection, PoolObserver, PoolSettings } from './settings.js';
import type { Meta } from './entries.js';
import { Leases, setPoolHooks } from './leases.js';
import { overCap, pendingAcquiresMessage, queueFullMessage } from './caps.js';

export type { ConnectionFactory, LeakReport, PooledConnection, PoolObserver, PoolSettings } from './settings.js';

type PoolState = 'open' | 'closing' | 'closed';
export type { CircuitState } from './circuit-breaker.js';

/** The error for a command cancelled by close()'s deadline. */
function cancelledByClose(cmd: PendingCommand, wasWritten: boolean, timeoutMs: number): ClientClosedError {
  const what = wasWritten ? 'written; it may have executed' : 'never written';
  return new ClientClosedError(`close() did not finish within ${timeoutMs} ms: ${cmd.name} was cancelled (${what})`, cmd.name);
}

export class Pool<C extends PooledConnection> implements ConnectionOwner<C>, CircuitOwner {
  readonly settings: PoolSettings;
  /** What every connection has in flight, under the client-wide caps. */
  readonly inFlightBudget: InFlightBudget;
  observer: PoolObserver<C> = {};
  readonly #factory: ConnectionFactory<C>;
  readonly #meta = new Map<C, Meta>();
  #shared: C[] = []; // replaced, not pushed to: a push() reserves 17 slots for 1 or 2
  readonly #counters = new PoolCounters();
  #leases: Leases<C> | undefined; // made by the first acquire() (or minIdle): most clients never lease
  #state: PoolState = 'open';
  #closeError: Error | undefined;
  #serverInfo: ServerInfo | undefined;
  #reaper: NodeJS.Timeout | undefined;
  #reaperAt = Infinity;
  #isUsed = false;
  readonly #breaker: CircuitBreaker;

  constructor(settings: PoolSettings, factory: ConnectionFactory<C>) {
    this.#breaker = new CircuitBreaker(settings.circuitBreakerThreshold, settings.circuitBreakerProbeIntervalMs, settings.address, this);
    this.settings = settings;
    this.#factory = factory;
    this.inFlightBudget = new InFlightBudget(settings.maxClientInFlightCommands, settings.maxClientInFlightBytes);
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** What the last handshake learned about the server. */
  get serverInfo(): ServerInfo | undefined {
    return this.#serverInfo;
  }

  /** Open sockets (or sockets being dialled) right now, whatever their use. */
  get connectionCount(): number {
    return this.#meta.size;
  }

  // ---- shared traffic -------------------------------------------------------------------

  /**
   * Sends a command on the least-loaded shared connection, dialling one if needed. Returns
   * that connection, or undefined when the command was refused at once.
   */
  dispatch(cmd: PendingCommand): C | undefined {
    if (this.#state !== 'open') {
      cmd.fail(this.#closeError ?? new ClientClosedError(undefined, cmd.name));
      return undefined;
    }
    if (this.#breaker.state !== 'closed') {
      cmd.fail(this.#breaker.error(cmd.name));
      return undefined;
    }
    return this.sendTo(this.#pickShared(), cmd);
  }

  /**
   * Sends a command on a given connection (a lease's) under the same caps as shared traffic:
   * over one, it rejects at once with ERR_QUEUE_FULL. Returns the connection, or undefined
   * when the command was refused.
   */
  sendTo(conn: C, cmd: PendingCommand): C | undefined {
    const reason = overCap(conn, 1, cmd.bytes, this.settings, this.inFlightBudget);
    if (reason !== undefined) {
      cmd.fail(this.#queueFull(conn, cmd.name, reason));
      return undefined;
    }
    conn.send(cmd);
    return conn;
  }

  /** Sends commands that must stay together and in order (pipeline, MULTI/EXEC) on one connection; returns it, or undefined when refused. */
  dispatchBatch(cmds: PendingCommand[]): C | undefined {
    if (this.#state !== 'open') {
      for (const cmd of cmds) cmd.fail(this.#closeError ?? new ClientClosedError(undefined, cmd.name));
      return undefined;
    }
    if (this.#breaker.state !== 'closed') {
      const error = this.#breaker.error(cmds[0]?.name);
      for (const cmd of cmds) cmd.fail(error);
      return undefined;
    }
    return this.sendBatchTo(this.#pickShared(), cmds);
  }

  /** Sends a batch on a given connection, all or nothing (a transaction must not be cut); returns it, or undefined when refused. */
  sendBatchTo(conn: C, cmds: PendingCommand[]): C | undefined {
    let bytes = 0;
    for (const cmd of cmds) bytes += cmd.bytes;
    const reason = overCap(conn, cmds.length, bytes, this.settings, this.inFlightBudget);
    if (reason !== undefined) {
      const error = this.#queueFull(conn, cmds[0]?.name, reason);
      for (const cmd of cmds) cmd.fail(error);
      return undefined;
    }
    conn.sendBatch(cmds);
    return conn;
  }

  /** Counts, publishes and makes the rejection of a cap; `conn` is undefined for pendingAcquires (no connection involved). */
  #queueFull(conn: C | undefined, command: string | undefined, reason: QueueFullReason): QueueFullError {
    this.#counters.rejected[reason]++;
    this.observer.rejected?.(command, reason, conn);
    const message =
      conn === undefined ? pendingAcquiresMessage(this.#leases?.waiting ?? 0, this.#leases?.exclusive ?? 0, this.settings) : queueFullMessage(conn, reason, this.settings, this.inFlightBudget);
    return new QueueFullError(message, command, reason);
  }

  /** Dials a shared connection now (warm-up) and resolves when it is ready. */
  async connect(): Promise<void> {
    if (this.#state !== 'open') throw this.#closeError ?? new ClientClosedError();
    await this.#pickShared().connect();
  }

  #pickShared(): C {
    this.#markUsed();
    let best: C | undefined;
    for (const conn of this.#shared) {
      if (best === undefined || conn.load < best.load) best = conn;
    }
    if (best === undefined || (best.load > 0 && this.#shared.length < this.settings.sharedConnections && this.#meta.size < this.settings.maxConnections)) {
      best = this.#create('shared');
      this.#shared = appended(this.#shared, best);
    }
    return best;
  }

  #create(role: 'shared' | 'dialling'): C {
    // A lost exclusive connection is closed, not re-dialled: its lease (or idle slot) ends with it.
    const conn = this.#factory(this.settings.connection, this, role === 'shared');
    const { maxLifetimeMs, maxLifetimeJitterMs } = this.settings;
    const now = performance.now();
    this.#meta.set(conn, {
      role,
      isShared: role === 'shared',
      expiresAt: maxLifetimeMs > 0 ? now + maxLifetimeMs - Math.random() * maxLifetimeJitterMs : Infinity,
      idleSince: now,
      leasedAt: 0,
      leakTimer: undefined,
      stack: undefined,
    });
    this.#counters.created++;
    this.#armReaper();
    return conn;
  }

  // ---- leases ---------------------------------------------------------------------------

  /** The most exclusive connections (idle + leased + dialling) allowed. */
  get leaseCapacity(): number {
    return this.settings.maxConnections - this.settings.sharedConnections;
  }

  /**
   * An exclusive connection, ready, that nobody else uses until `release()`. Waits up to
   * `timeoutMs` (default acquireTimeoutMs) for one to free up; then rejects with ERR_POOL_TIMEOUT.
   * With maxPendingAcquires calls already waiting, rejects at once with ERR_QUEUE_FULL
   * (`command`, when a command asked for the lease, is named in that error).
   */
  acquire(timeoutMs = this.settings.acquireTimeoutMs, isLongLived = false, command?: string): Promise<C> {
    if (this.#state !== 'open') return Promise.reject(this.#closeError ?? new ClientClosedError());
    if (this.#breaker.state !== 'closed') return Promise.reject(this.#breaker.error(undefined));
    this.#markUsed();
    // Captured here, synchronously: once the lease is granted after a dial or a wait, the
    // caller's frames are no longer on the stack.
    const stack = this.settings.leakDetectionThresholdMs > 0 && !isLongLived ? (new Error('lease acquired here').stack ?? '') : undefined;
    return (this.#leases ??= new Leases<C>(this)).acquire(timeoutMs, stack, command);
  }

  /**
   * Returns a leased connection. `isReusable: false` (state changed: WATCH left open, a
   * subscription, a reply still due) closes it instead of putting it back.
   */
  release(conn: C, isReusable = true): void {
    this.#leases?.release(conn, isReusable); // without leases, nothing is leased
  }

  // ---- maintenance ----------------------------------------------------------------------

  #markUsed(): void {
    if (this.#isUsed) return;
    this.#isUsed = true;
    this.#fillMinIdle();
  }

  /** Dials idle connections in the background until minIdle (within the lease capacity). */
  #fillMinIdle(): void {
    if (this.#state !== 'open' || !this.#isUsed || this.settings.minIdle === 0) return;
    (this.#leases ??= new Leases<C>(this)).fillMinIdle();
  }

  #armReaper(): void {
    const s = this.settings;
    let next = Infinity;
    for (const [conn, meta] of this.#meta) {
      if (meta.expiresAt < next) next = meta.expiresAt;
      if (meta.role === 'idle') next = Math.min(next, meta.idleSince + s.idleTimeoutMs);
      else if (meta.role === 'shared') next = Math.min(next, conn.lastActiveAt + s.idleTimeoutMs);
    }
    if (s.minIdle > 0 && this.#isUsed && (this.#leases?.idleCount ?? 0) < s.minIdle) next = Math.min(next, performance.now() + s.connection.reconnectMaxDelayMs);
    if (next === Infinity || next >= this.#reaperAt) return;
    clearTimeout(this.#reaper);
    this.#reaperAt = next;
    this.#reaper = setTimeout(Pool.#onReaper, Math.max(1, Math.ceil(next - performance.now())), this);
    this.#reaper.unref();
  }

  static #onReaper<T extends PooledConnection>(pool: Pool<T>): void {
    pool.#reap();
  }

  #reap(): void {
    this.#reaper = undefined;
    this.#reaperAt = Infinity;
    if (this.#state !== 'open') return;
    const s = this.settings;
    const now = performance.now();
    this.#leases?.reapIdle(now);
    for (const conn of [...this.#shared]) {
      const meta = this.#meta.get(conn)!;
      const isIdle = conn.load === 0 && now - conn.lastActiveAt >= s.idleTimeoutMs;
      const expired = meta.expiresAt <= now;
      // A shared connection past its lifetime is swapped while a slot is free, else when idle.
      if (isIdle || (expired && (conn.load === 0 || this.#meta.size < s.maxConnections))) {
        this.#shared.splice(this.#shared.indexOf(conn), 1);
        meta.role = 'closing';
        this.#counters.stale++;
        conn.close();
      }
    }
    this.#fillMinIdle();
    this.#armReaper();
  }

  // ---- closing --------------------------------------------------------------------------

  /**
   * Drops every socket (the server moved: leanredis/sentinel). Shared and subscriber
   * connections dial again where their settings now point; leased and idle ones close.
   */
  dropConnections(error: Error): void {
    for (const conn of [...this.#meta.keys()]) conn.drop?.(error);
  }

  /**
   * Lets every accepted command finish, then closes every connection. Waiters reject. After
   * `timeoutMs` (0: no deadline) what is still open is destroyed: each command still pending
   * (a `blPop(key, 0)`, a reply that never comes) rejects with ERR_CLIENT_CLOSED naming it.
   */
  async close(timeoutMs = this.settings.closeTimeoutMs): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    this.#closeError = new ClientClosedError();
    this.#stopTimersAndWaiters(this.#closeError);
    const closing = Promise.all([...this.#meta.keys()].map((c) => c.close()));
    if (timeoutMs > 0 && this.#meta.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref(); // the sockets keep the process alive while there is work; the timer never should
      });
      await Promise.race([closing, deadline]);
      clearTimeout(timer);
      // Leases released meanwhile may have made connections of their own to close: all go.
      for (const conn of [...this.#meta.keys()]) conn.destroy((cmd, wasWritten) => cancelledByClose(cmd, wasWritten, timeoutMs));
    }
    await closing;
    this.#state = 'closed';
  }

  /** Closes every connection at once, rejecting everything pending with `error`. */
  destroy(error: Error = new ClientClosedError('the client was destroyed')): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeError = error;
    this.#stopTimersAndWaiters(error);
    for (const conn of [...this.#meta.keys()]) conn.destroy(error);
  }

  #stopTimersAndWaiters(error: Error): void {
    clearTimeout(this.#reaper);
    this.#reaper = undefined;
    this.#breaker.stop();
    this.#leases?.failWaiters(error);
  }

  // ---- ConnectionOwner ------------------------------------------------------------------

  onReady(conn: C): void {
    this.#serverInfo = conn.serverInfo;
    this.#breaker.connected();
    this.observer.ready?.(conn);
  }

  onDialFailed(_conn: C, error: Error): void {
    this.#breaker.connectFailed(error, this.#state === 'open');
  }

  // ---- CircuitOwner ----------------------------------------------------------------------

  /** The circuit breaker's state: 'closed' unless connects keep failing. */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  onCircuitOpen(error: CircuitOpenError): void {
    this.observer.circuit?.('open', error);
    // Nothing waits once the circuit is open: lease requests and queued commands fail now.
    this.#leases?.failWaiters(error);
    for (const conn of this.#shared) conn.failQueued(error);
  }

  onCircuitClosed(): void {
    this.observer.circuit?.('closed', undefined);
  }

  probe(): void {
    if (this.#state !== 'open') return;
    // One dial of a shared connection: its handshake succeeding (onReady) closes the circuit,
    // its failure (onDialFailed) opens it again for another interval.
    this.#pickShared()
      .connect()
      .catch(() => {});
  }

  onLost(conn: C, error: Error): void {
    this.#counters.reconnects++;
    this.observer.lost?.(conn, error);
  }

  onPush(conn: C, message: PushMessage): void {
    this.observer.push?.(conn, message);
  }

  onWriteHold(conn: C, hold: WriteHold, heldMs: number): void {
    if (hold !== 'none') this.#counters.writeHolds[hold]++;
    this.observer.writeHold?.(conn, hold, heldMs);
  }

  onClosed(conn: C, error: Error | undefined, unsent: PendingCommand[]): void {
    const meta = this.#meta.get(conn);
    if (meta === undefined) return;
    this.#meta.delete(conn);
    clearTimeout(meta.leakTimer);
    this.#counters.absorb(conn);
    if (!meta.isShared) this.#leases?.onClosed(conn, meta);
    // A closing connection already left these lists.
    if (meta.role === 'shared') this.#shared.splice(this.#shared.indexOf(conn), 1);
    this.observer.closed?.(conn, error);
    // Never written, so safe to send elsewhere: a retired or failed shared connection's queue
    // (a lease's commands were meant for that connection only). A transaction's commands go on
    // together, to one connection: one by one, each would go to the least busy connection.
    for (let i = 0; i < unsent.length; i++) {
      const cmd = unsent[i];
      if (this.#state !== 'open' || !meta.isShared) cmd.fail(this.#closeError ?? error ?? new ClientClosedError(undefined, cmd.name));
      else if (!cmd.continuesTransaction) this.dispatch(cmd);
      else {
        let end = i + 1;
        while (end < unsent.length - 1 && unsent[end].continuesTransaction) end++;
        this.dispatchBatch(unsent.slice(i, end + 1));
        i = end;
      }
    }
    // A freed exclusive slot can serve a waiter.
    const leases = this.#leases;
    if (this.#state === 'open' && (leases?.exclusive ?? 0) < this.leaseCapacity && leases?.serveWaiter() !== true) this.#fillMinIdle();
  }

  // ---- stats ----------------------------------------------------------------------------

  /** A plain snapshot of the pool's counters and gauges. */
  stats(): PoolStats {
    let leased = 0;
    let dialling = 0;
    let closing = 0;
    for (const meta of this.#meta.values()) {
      if (meta.role === 'leased') leased++;
      else if (meta.role === 'dialling') dialling++;
      else if (meta.role === 'closing') closing++;
    }
    const conns = [...this.#meta.keys()];
    return this.#counters.snapshot(conns, {
      idle: this.#leases?.idleCount ?? 0,
      shared: this.#shared.length,
      leased,
      dialling,
      closing,
      pendingRequests: this.#leases?.waiting ?? 0,
      maxConnections: this.settings.maxConnections,
      circuit: this.#breaker.state,
      circuitOpens: this.#breaker.opens,
      failedConnects: this.#breaker.failedConnects,
      inFlightPeak: this.inFlightBudget.peakCommands,
      inFlightBytesPeak: this.inFlightBudget.peakBytes,
    });
  }

  // leases.ts works on this state through these (see PoolHooks): made here, the one place its
  // #fields are visible, once for every pool.
  static {
    setPoolHooks({
      counters: <C extends PooledConnection>(pool: Pool<C>) => pool.#counters,
      meta: <C extends PooledConnection>(pool: Pool<C>) => pool.#meta,
      dial: <C extends PooledConnection>(pool: Pool<C>) => pool.#create('dialling'),
      armReaper: <C extends PooledConnection>(pool: Pool<C>) => pool.#armReaper(),
      pendingAcquiresFull: <C extends PooledConnection>(pool: Pool<C>, command: string | undefined) => pool.#queueFull(undefined, command, 'pendingAcquires'),
    });
  }
}
