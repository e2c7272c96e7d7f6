/** Pool configuration, and what the pool reports upward. */
import type { Connection, ConnectionOwner, ConnectionSettings } from '../connection/connection.js';
import type { PushMessage } from '../resp/types.js';

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
}

/** Creates connections; tests inject fakes. */
export type ConnectionFactory = (settings: ConnectionSettings, owner: ConnectionOwner) => Connection;
