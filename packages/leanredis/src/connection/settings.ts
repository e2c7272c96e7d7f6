// @layer L3 connection
/** What a connection is configured with, and what it reports to its owner. */
import type * as tls from 'node:tls';
import type { DecoderLimits } from '../resp/types.js';
import type { PushMessage } from '../resp/types.js';
import type { Credentials, SendInternal, ServerInfo } from './handshake.js';
import type { Connection } from './connection.js';
import type { PendingCommand } from './pending-command.js';
import type { InFlightBudget, WriteHold } from './in-flight-budget.js';
import type { Destination } from '../internal/channels.js';

/** Settings of one connection, already validated by the client. */
export interface ConnectionSettings {
  host: string;
  port: number;
  /** Unix socket path; when set, host and port are ignored. */
  path: string | undefined;
  /** TLS options; undefined for plain TCP. */
  tls: tls.ConnectionOptions | undefined;
  connectTimeoutMs: number;
  socketTimeoutMs: number;
  keepAliveMs: number;
  protocol: 2 | 3;
  database: number;
  clientName: string | undefined;
  credentials: (() => Credentials | undefined | Promise<Credentials | undefined>) | undefined;
  returnBuffers: boolean;
  limits: Readonly<DecoderLimits>;
  /** Dial a new socket after a loss (shared connections); false closes the connection (leases). */
  reconnect: boolean;
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
  /** Queue commands while reconnecting; false rejects them at once. */
  offlineQueue: boolean;
  /** Most commands written and unanswered on this connection; more wait in its queue. */
  maxInFlightCommands: number;
  /** Most estimated bytes of commands written and unanswered on this connection. */
  maxInFlightBytes: number;
  /** Where the connection goes and whose it is, as `leanredis:connect` contexts tell it. */
  destination: Destination;
  /**
   * A topology (leanredis/sentinel) that decides where to dial: called before each dial with
   * whether this connection lost a socket before; undefined dials host:port now, a promise
   * dials once it resolves (it may change host and port meanwhile) or fails the dial.
   */
  locate?: (isRedial: boolean) => Promise<void> | undefined;
  /** Checks the server after the handshake (a rejection refuses it: the dial fails with that error). */
  verify?: (info: ServerInfo, send: SendInternal) => Promise<void> | undefined;
  /** Send READONLY after the handshake: a cluster replica then serves reads of its master's slots. @default false */
  readOnly?: boolean;
}

/**
 * What a connection tells its owner (the pool). Plain callbacks: no EventEmitter per socket.
 * `C` is the connection type the owner deals in (the pool's tests use fakes).
 */
export interface ConnectionOwner<C = Connection> {
  /** The client-wide in-flight tally and caps, shared by every connection of the owner. */
  readonly inFlightBudget: InFlightBudget;
  /** The handshake finished; queued commands are flushed right after this returns. */
  onReady(conn: C): void;
  /**
   * A dial failed (TCP, TLS or the handshake): called before onLost or onClosed, so the owner
   * can count failed connects in a row (the circuit breaker).
   */
  onDialFailed(conn: C, error: Error): void;
  /** The socket was lost; the connection will reconnect if it has work (or keepConnected). */
  onLost(conn: C, error: Error): void;
  /** The connection is closed for good; `unsent` were never written and may go elsewhere. */
  onClosed(conn: C, error: Error | undefined, unsent: PendingCommand[]): void;
  onPush(conn: C, message: PushMessage): void;
  /**
   * Writing stopped (`hold` says why) or resumed (`hold` is 'none'; `heldMs` is how long it
   * was held). Called on changes only, never per command.
   */
  onWriteHold(conn: C, hold: WriteHold, heldMs: number): void;
}
