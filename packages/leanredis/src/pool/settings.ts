// @layer L4 pool
/** Pool configuration, and what the pool reports upward. */
import type { ConnectionOwner, ConnectionSettings } from '../connection/connection.js';
import type { ServerInfo } from '../connection/handshake.js';
import type { PendingCommand } from '../connection/pending-command.js';
import type { PushMessage } from '../resp/types.js';
import type { QueueFullReason } from '../errors.js';
import type { WriteHold } from '../connection/in-flight-budget.js';

export interface PoolSettings {
  /** host:port or socket path, for messages. */
  address: string;
  /** Settings of every connection. Exclusive ones are made with `reconnect` false (a lost lease is not re-dialled). */
  connection: ConnectionSettings;
  maxConnections: number;
  sharedConnections: number;
  minIdle: number;
  maxIdle: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxLifetimeJitterMs: number;
  acquireTimeoutMs: number;
  /** Most acquire() calls waiting for a lease; more reject at once with ERR_QUEUE_FULL. */
  maxPendingAcquires: number;
  leakDetectionThresholdMs: number;
  idleOrder: 'lifo' | 'fifo';
  maxQueuedCommands: number;
  maxQueuedBytes: number;
  /** Client-wide caps on what is in flight, over every connection. */
  maxClientInFlightCommands: number;
  maxClientInFlightBytes: number;
  /** At an in-flight cap: wait in the queue ('queue') or reject at once with ERR_QUEUE_FULL ('reject'). */
  inFlightOverflow: 'queue' | 'reject';
  /** close()'s deadline; past it every connection is destroyed (0: no deadline). */
  closeTimeoutMs: number;
  /** Failed connects in a row that open the circuit (0: no circuit breaker). */
  circuitBreakerThreshold: number;
  /** While the circuit is open, one probe dial this often. */
  circuitBreakerProbeIntervalMs: number;
}

/** A lease held longer than leakDetectionThresholdMs. */
export interface LeakReport {
  connectionId: number;
  heldMs: number;
  /** Stack captured when the lease was acquired. */
  stack: string;
}

/**
 * What the pool needs of a connection, and all it reads: `Connection` implements it, and the
 * pool's unit tests implement it with fakes (no socket). The pool never writes a connection's
 * fields; it only calls these methods.
 */
export interface PooledConnection {
  /** Process-unique number, for stats and diagnostics. */
  readonly id: number;
  /** The handshake is done and the socket is usable. */
  readonly isReady: boolean;
  /** Commands queued or in flight (the least-loaded shared connection is picked). */
  readonly load: number;
  /** performance.now() of the last reply, for idle timeouts. */
  readonly lastActiveAt: number;
  /** What the handshake learned about the server. */
  readonly serverInfo: ServerInfo | undefined;
  readonly queuedCount: number;
  readonly queuedBytes: number;
  /** Queued commands left over from earlier ticks (what the queue caps bound). */
  readonly backlogCount: number;
  readonly backlogBytes: number;
  readonly inFlightCount: number;
  readonly inFlightBytes: number;
  readonly writeBufferedBytes: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Dials if needed; resolves once ready. */
  connect(): Promise<void>;
  send(cmd: PendingCommand): void;
  /** Accepts commands that stay together and in order (a pipeline, a transaction), as send() would one by one. */
  sendBatch(cmds: readonly PendingCommand[]): void;
  /** Rejects every command not yet written (the circuit opened). */
  failQueued(error: Error): void;
  /** Lets queued and in-flight commands finish, then closes. */
  close(): Promise<void>;
  /** Closes at once; everything pending rejects with `error` (or the error made for it). */
  destroy(error?: Error | ((cmd: PendingCommand, wasWritten: boolean) => Error)): void;
  /** Drops the socket as if lost (the server moved); optional: only topologies call it, and fakes may leave it out. */
  drop?(error: Error): void;
}

/** What the pool reports upward (the client turns these into events). */
export interface PoolObserver<C extends PooledConnection> {
  ready?(conn: C): void;
  lost?(conn: C, error: Error): void;
  leak?(report: LeakReport): void;
  push?(conn: C, message: PushMessage): void;
  closed?(conn: C, error: Error | undefined): void;
  /** A command was rejected at once by a cap (ERR_QUEUE_FULL). */
  rejected?(command: string | undefined, reason: QueueFullReason, conn: C | undefined): void;
  /** The circuit breaker opened (`error` is what commands now fail with) or closed again. */
  circuit?(state: 'open' | 'closed', error: Error | undefined): void;
  /** A connection stopped writing (`hold` says why) or resumed (`hold` 'none', after `heldMs`). */
  writeHold?(conn: C, hold: WriteHold, heldMs: number): void;
}

/**
 * Makes a connection for the pool: `reconnect` false for exclusive ones (a lost lease is not
 * re-dialled). The client passes one that makes `Connection`s; tests pass fakes.
 */
export type ConnectionFactory<C extends PooledConnection> = (settings: ConnectionSettings, owner: ConnectionOwner<C>, reconnect: boolean) => C;
