/*
 * The connection pool: owns every socket a client opens to one server.
 *
 * Ordinary commands are multiplexed over up to `sharedConnections` connections, least-loaded
 * first; a new shared connection is only dialled when every existing one is busy. Connections
 * are created on first use, never at construction.
 *
 * When a connection dies, its never-written commands are sent again on another connection;
 * written but unanswered commands may have executed, so they are rejected with
 * ERR_CONNECTION_LOST_AFTER_WRITE unless they are retryable (read-only, or the caller opted in).
 */
import { ClientClosedError, ConnectionError } from '../errors.js';
import { Connection, type ConnectionOwner, type ConnectionSettings } from '../connection/connection.js';
import type { PendingCommand } from '../connection/pending-command.js';
import type { PushMessage } from '../resp/types.js';
import type { ServerInfo } from '../connection/handshake.js';

export interface PoolSettings {
  connection: ConnectionSettings;
  /** Connections that carry multiplexed traffic. */
  sharedConnections: number;
}

/** Creates connections; tests inject fakes. */
export type ConnectionFactory = (settings: ConnectionSettings, owner: ConnectionOwner) => Connection;

type PoolState = 'open' | 'closing' | 'closed';

export class Pool implements ConnectionOwner {
  readonly #settings: PoolSettings;
  readonly #factory: ConnectionFactory;
  readonly #shared: Connection[] = [];
  #state: PoolState = 'open';
  #closeError: Error | undefined;
  #serverInfo: ServerInfo | undefined;

  constructor(settings: PoolSettings, factory: ConnectionFactory = (s, o) => new Connection(s, o)) {
    this.#settings = settings;
    this.#factory = factory;
  }

  /** What the last handshake learned about the server. */
  get serverInfo(): ServerInfo | undefined {
    return this.#serverInfo;
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Sends a command on the least-loaded shared connection, dialling one if needed. */
  dispatch(cmd: PendingCommand): void {
    if (this.#state !== 'open') {
      cmd.fail(this.#closeError ?? new ClientClosedError(undefined, cmd.name));
      return;
    }
    this.#pickShared().send(cmd);
  }

  /** Sends commands that must stay together and in order (pipeline, MULTI/EXEC) on one connection. */
  dispatchBatch(cmds: PendingCommand[]): void {
    if (this.#state !== 'open') {
      for (const cmd of cmds) cmd.fail(this.#closeError ?? new ClientClosedError(undefined, cmd.name));
      return;
    }
    const conn = this.#pickShared();
    for (const cmd of cmds) conn.send(cmd);
  }

  /** Dials the shared connections now (warm-up) and resolves when one is ready. */
  async connect(): Promise<void> {
    if (this.#state !== 'open') throw new ClientClosedError();
    await this.#pickShared().connect();
  }

  #pickShared(): Connection {
    let best: Connection | undefined;
    for (const conn of this.#shared) {
      if (best === undefined || conn.load < best.load) best = conn;
    }
    if (best === undefined || (best.load > 0 && this.#shared.length < this.#settings.sharedConnections)) {
      best = this.#factory(this.#settings.connection, this);
      this.#shared.push(best);
    }
    return best;
  }

  /** Lets every accepted command finish, then closes every connection. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    await Promise.all(this.#shared.map((c) => c.close()));
    this.#state = 'closed';
  }

  /** Closes every connection at once, rejecting everything pending with `error`. */
  destroy(error: Error = new ClientClosedError('the client was destroyed')): void {
    this.#state = 'closed';
    this.#closeError = error;
    for (const conn of [...this.#shared]) conn.destroy(error);
  }

  // ---- ConnectionOwner -----------------------------------------------------------------

  onReady(conn: Connection): void {
    this.#serverInfo = conn.serverInfo;
  }

  onPush(_conn: Connection, _message: PushMessage): void {}

  onClosed(conn: Connection, error: Error | undefined, unsent: PendingCommand[], unanswered: PendingCommand[]): void {
    const i = this.#shared.indexOf(conn);
    if (i >= 0) this.#shared.splice(i, 1);
    const wasReady = conn.readyAt > 0;
    for (const cmd of unanswered) {
      if (cmd.isRetryable && this.#state === 'open') this.dispatch(cmd);
      else cmd.fail(lostAfterWrite(cmd, error, this.#closeError));
    }
    for (const cmd of unsent) {
      // A connection that never became ready failed to dial: its queue shares that failure.
      if (this.#state === 'open' && wasReady) this.dispatch(cmd);
      else cmd.fail(this.#closeError ?? error ?? new ClientClosedError(undefined, cmd.name));
    }
  }
}

function lostAfterWrite(cmd: PendingCommand, cause: Error | undefined, closeError: Error | undefined): Error {
  if (closeError !== undefined) return closeError;
  return new ConnectionError('ERR_CONNECTION_LOST_AFTER_WRITE', `connection lost after ${cmd.name} was written; it may have executed`, {
    cause,
    command: cmd.name,
  });
}
