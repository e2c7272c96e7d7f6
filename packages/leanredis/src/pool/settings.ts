// @layer L4 pool
/** Pool configuration, and what the pool reports upward. */
import type { Connection, ConnectionOwner, ConnectionSettings } from '../connection/connection.js';
import type { PushMessage } from '../resp/types.js';
import type { QueueFullReason } from '../errors.js';
import type { WriteHold } from '../connection/in-flight-budget.js';

export interface PoolSettings {
  /** host:port or socket path, for messages. */
  address: string;
  /** Settings of every connection. Exclusive ones get `reconnect = false` (a lost lease is not re-dialled). */
  connection: ConnectionSettings;
  maxConnections: number;
  sharedConnections: number;
  minIdle: number;
  maxIdle: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  maxLifetimeJitterMs: number;
  acquireTimeoutMs: number;
  leakDetectionThresholdMs: number;
  idleOrder: 'lifo' | 'fifo';
  maxQueuedCommands: number;
  maxQueuedBytes: number;
  /** Client-wide caps on what is in flight, over every connection. */
  maxClientInFlightCommands: number;
  maxClientInFlightBytes: number;
  /** At an in-flight cap: wait in the queue ('queue') or reject at once with ERR_QUEUE_FULL ('reject'). */
  inFlightOverflow: 'queue' | 'reject';
}

/** A lease held longer than leakDetectionThresholdMs. */
export interface LeakReport {
  connectionId: number;
  heldMs: number;
  /** Stack captured when the lease was acquired. */
  stack: string;
}

/** What the pool reports upward (the client turns these into events). */
export interface PoolObserver {
  ready?(conn: Connection): void;
  lost?(conn: Connection, error: Error): void;
  leak?(report: LeakReport): void;
  push?(conn: Connection, message: PushMessage): void;
  closed?(conn: Connection, error: Error | undefined): void;
  /** A command was rejected at once by a cap (ERR_QUEUE_FULL). */
  rejected?(command: string | undefined, reason: QueueFullReason, conn: Connection): void;
  /** A connection stopped writing (`hold` says why) or resumed (`hold` 'none', after `heldMs`). */
  writeHold?(conn: Connection, hold: WriteHold, heldMs: number): void;
}

/** Creates connections; tests inject fakes. */
export type ConnectionFactory = (settings: ConnectionSettings, owner: ConnectionOwner) => Connection;
