// @layer L3 connection
/*
 * The cold half of a Connection: how it gets a socket, what losing one means, and its end.
 *
 *   dial   locate (a topology may pick the server) -> open TCP, TLS or Unix under
 *          connectTimeoutMs -> handshake (HELLO/AUTH/SELECT, then `verify`) -> ready
 *   loss   each command in flight is re-queued or failed by why the socket went, then the
 *          connection redials with backoff while it has work, rests idle, or finishes
 *   close  once drained (the connection says when), or at once (destroy)
 *   expiry commands past their deadline fail; a server silent past socketTimeoutMs loses its socket
 *
 * All of it runs per dial, per loss, per close or per deadline, never per command. The
 * per-command path (accept, write, read a reply) stays in connection.ts as one class whose code
 * V8 optimizes as it is; this file reaches the connection's private state only through the
 * ConnectionHooks the class makes in its static block (a #field is visible only inside it).
 * One SocketLifecycle per connection holds the state that only these steps read.
 */
import type * as net from 'node:net';
import { ClientClosedError, ConnectionError, ConnectTimeoutError, ProtocolError, ReplyError } from '../errors.js';
import { backoffDelay } from '../internal/backoff.js';
import { nowMs } from '../internal/clock.js';
import { deferred, type Deferred } from '../internal/deferred.js';
import type { CommandQueue } from './command-queue.js';
import type { Connection, ConnectionState } from './connection.js';
import { dialStarted, settleDial, traceDial } from './dial-trace.js';
import { handshake, type SendInternal } from './handshake.js';
import { NO_DEADLINE, type PendingCommand } from './pending-command.js';
import type { ConnectionOwner, ConnectionSettings } from './settings.js';
import { expireCommands, isPermanentDialError, lostAfterWrite, where } from './socket.js';

/**
 * What this file may read and do of a connection's private state. Made once, inside the
 * Connection class, and shared by every connection (functions taking the connection, not
 * closures per connection).
 */
export interface ConnectionHooks {
  lifecycle(conn: Connection): SocketLifecycle;
  settings(conn: Connection): ConnectionSettings;
  owner(conn: Connection): ConnectionOwner;
  setState(conn: Connection, state: ConnectionState): void;
  socket(conn: Connection): net.Socket | undefined;
  /** The connection a socket event is for, or undefined when that socket was replaced. */
  ownerOf(socket: net.Socket): Connection | undefined;
  /** Opens a socket and makes it the connection's: state 'connecting', no write hold, its data and drain listeners on. */
  openSocket(conn: Connection): net.Socket;
  /** Destroys the socket, if any, and resets what read from it (decoder, write hold). */
  dropSocket(conn: Connection): void;
  socketError(conn: Connection): Error | undefined;
  setSocketError(conn: Connection, error: Error | undefined): void;
  setFinalError(conn: Connection, error: Error | undefined): void;
  queue(conn: Connection): CommandQueue;
  inFlight(conn: Connection): CommandQueue;
  /** Commands answered LOADING, waiting out the pause (undefined when none). */
  loading(conn: Connection): readonly PendingCommand[] | undefined;
  /** Ends a LOADING pause now, if one runs: its commands go back to the head of the queue. */
  endLoadingPause(conn: Connection): void;
  /** Empties the in-flight FIFO (socket.ts settleInFlight), giving its room back to the client-wide budget. */
  settleInFlight(conn: Connection, decide: (cmd: PendingCommand) => Error | undefined): PendingCommand[];
  sendInternal: (conn: Connection, ...call: Parameters<SendInternal>) => Promise<unknown>;
  flush(conn: Connection): void;
  endIfDrained(conn: Connection): void;
  armTimer(conn: Connection, at: number): void;
  clearTimer(conn: Connection): void;
}

// Set once, when connection.ts's class is defined (before any connection exists).
let H: ConnectionHooks;

/** Called once by the Connection class (its static block). */
export function setConnectionHooks(hooks: ConnectionHooks): void {
  H = hooks;
}

/** Dials, redials, loses and closes one connection's sockets. */
export class SocketLifecycle {
  readonly #conn: Connection;
  /** Reconnect even with nothing queued (subscriber connections). */
  #keepConnected = false;
  /** Dial a new socket after a loss; false closes the connection instead. */
  #reconnect: boolean;
  #attempt = 0;
  #connectTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #locating: Promise<void> | undefined; // a topology is finding the server to dial
  /** Why the last socket was lost or the last dial failed; cleared when a handshake succeeds. */
  #unreachable: Error | undefined;
  #ready: Deferred | undefined; // what connect() callers wait on; dropped once settled
  #closed: Deferred | undefined; // close() was called: settled once closed

  constructor(conn: Connection, reconnect: boolean) {
    this.#conn = conn;
    this.#reconnect = reconnect;
  }

  /** See Connection.setSubscriber. */
  setSubscriber(isSubscriber: boolean): void {
    this.#keepConnected = isSubscriber;
    if (isSubscriber) this.#reconnect = true;
  }

  /** See Connection.connect: dials if needed; resolves when ready, rejects with the first failed attempt's error. */
  connect(): Promise<void> {
    const state = this.#conn.state;
    if (state === 'ready') return Promise.resolve();
    if (state === 'closed' || state === 'closing') return Promise.reject(new ClientClosedError('the connection is closed'));
    const ready = (this.#ready ??= deferred());
    if (state === 'idle' || state === 'reconnecting') this.dial();
    return ready.promise;
  }

  /** See Connection.close: closes once what is queued and in flight has finished. */
  close(): Promise<void> {
    const conn = this.#conn;
    const state = conn.state;
    if (state === 'closed') return Promise.resolve();
    const closed = (this.#closed ??= deferred());
    if (state === 'idle' || state === 'reconnecting') this.finish(undefined, new ClientClosedError());
    else if (state === 'ready') {
      H.setState(conn, 'closing');
      H.endIfDrained(conn);
    } // 'connecting': becomes 'closing' once ready (see #onHandshakeDone)
    return closed.promise;
  }

  /** See Connection.drop: loses the socket as if the network had. */
  drop(error: Error): void {
    const state = this.#conn.state;
    // Waiting out a backoff for the old server: dial the new one now.
    if (state === 'reconnecting') {
      this.dial();
      return;
    }
    // Still locating (the drop may come from that very discovery): it dials where it is told.
    if (state === 'connecting' && this.#locating !== undefined) return;
    if (state !== 'connecting' && state !== 'ready' && state !== 'closing') return;
    H.setSocketError(this.#conn, error);
    this.socketGone(error);
  }

  /** See Connection.destroy: closes at once. */
  destroy(error: Error | ((cmd: PendingCommand, wasWritten: boolean) => Error)): void {
    const conn = this.#conn;
    if (conn.state === 'closed') return;
    if (typeof error === 'function') {
      H.settleInFlight(conn, (cmd) => error(cmd, true));
      this.#failQueue((cmd) => error(cmd, false));
      const closed = new ClientClosedError();
      this.finish(closed, closed);
      return;
    }
    H.settleInFlight(conn, () => error);
    this.finish(error, error);
  }

  /** See Connection.failQueued: rejects what is not written yet, LOADING-held commands included. */
  failQueued(error: Error): void {
    this.#failQueue(() => error);
    for (const cmd of H.loading(this.#conn) ?? []) if (!cmd.isSettled) cmd.fail(error);
  }

  // ---- dialling and handshake -------------------------------------------------------------

  /** Dials now (after locating the server, when a topology does): the connection is 'connecting'. */
  dial(): void {
    const conn = this.#conn;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const located = H.settings(conn).locate?.(conn.losses > 0);
    if (located !== undefined) {
      // A topology is finding the server (leanredis/sentinel): dial once it knows, or fail this
      // attempt like a refused dial (backoff, then locate again).
      H.setState(conn, 'connecting');
      this.#locating = located;
      located.then(
        () => {
          if (this.#locating !== located) return; // dropped, closed or destroyed meanwhile
          this.#locating = undefined;
          if (this.#closed !== undefined) this.finish(undefined, new ClientClosedError()); // close() while locating
          else this.#openSocket();
        },
        (err: Error) => {
          if (this.#locating !== located) return;
          this.#locating = undefined;
          this.socketGone(err);
        },
      );
      return;
    }
    this.#openSocket();
  }

  #openSocket(): void {
    const conn = this.#conn;
    const s = H.settings(conn);
    const dial = traceDial(conn, s, conn.id, this.#attempt);
    const socket = H.openSocket(conn);
    this.#connectTimer = setTimeout(() => {
      H.setSocketError(conn, new ConnectTimeoutError(`connecting to ${where(s)} took longer than connectTimeoutMs (${s.connectTimeoutMs} ms)`));
      socket.destroy();
    }, s.connectTimeoutMs);
    socket.setNoDelay(true);
    if (s.keepAliveMs > 0) socket.setKeepAlive(true, s.keepAliveMs);
    // Shared functions (called with the socket as `this`) rather than closures per socket, like
    // the data and drain listeners the connection put on.
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.once(s.tls !== undefined ? 'secureConnect' : 'connect', onSocketConnect);
    dialStarted(dial);
  }

  #settleReady(error: Error | undefined): void {
    const ready = this.#ready;
    this.#ready = undefined;
    if (error === undefined) ready?.resolve();
    else ready?.reject(error);
  }

  /** The socket is connected (TLS: verified): greet the server, alone, before any command. */
  onConnected(socket: net.Socket): void {
    const conn = this.#conn;
    this.#runHandshake().then(
      () => this.#onHandshakeDone(socket),
      (err: Error) => {
        if (socket !== H.socket(conn)) return;
        H.setSocketError(conn, err);
        socket.destroy();
      },
    );
  }

  async #runHandshake(): Promise<void> {
    const conn = this.#conn;
    const s = H.settings(conn);
    const send: SendInternal = (name, args) => H.sendInternal(conn, name, args);
    const credentials = s.credentials === undefined ? undefined : await s.credentials();
    conn.serverInfo = await handshake(send, {
      protocol: s.protocol,
      database: s.database,
      clientName: s.clientName,
      credentials,
      readOnly: s.readOnly,
    });
    if (s.verify !== undefined) await s.verify(conn.serverInfo, send);
  }

  #onHandshakeDone(socket: net.Socket): void {
    const conn = this.#conn;
    if (socket !== H.socket(conn) || conn.state !== 'connecting') return;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    H.setState(conn, 'ready');
    settleDial(conn, undefined);
    this.#attempt = 0;
    this.#unreachable = undefined;
    conn.lastActiveAt = nowMs();
    this.#settleReady(undefined);
    H.owner(conn).onReady(conn);
    H.flush(conn);
    // Read again: the owner's onReady and the flush run code that may have moved it on.
    if (this.#closed !== undefined && (conn.state as ConnectionState) === 'ready') {
      H.setState(conn, 'closing');
      H.endIfDrained(conn);
    }
  }

  // ---- losing the socket, and the end --------------------------------------------------------

  /** The socket closed or failed (dial error, handshake error, protocol error, timeout, peer). */
  socketGone(error: Error): void {
    const conn = this.#conn;
    const owner = H.owner(conn);
    this.#locating = undefined;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    H.dropSocket(conn);
    settleDial(conn, error);
    conn.losses++;
    this.#unreachable = error;
    if (conn.state === 'connecting') owner.onDialFailed(conn, error);
    const wasClosing = conn.state === 'closing' || this.#closed !== undefined;
    const canRetry = this.#reconnect && !wasClosing;
    // The decoder failed: what was in flight rejects with that ProtocolError itself, and nothing
    // is re-sent (the same server may answer the same way). A socket timeout is its own answer
    // too. Any other loss: ERR_CONNECTION_LOST_AFTER_WRITE, read-only commands re-sent.
    const isOwnAnswer = error instanceof ProtocolError || (error instanceof ConnectionError && error.code === 'ERR_SOCKET_TIMEOUT');
    const requeue = H.settleInFlight(conn, (cmd) =>
      error instanceof ProtocolError ? error : canRetry && cmd.isRetryable ? undefined : isOwnAnswer ? error : lostAfterWrite(cmd, error),
    );
    const queue = H.queue(conn);
    for (let i = requeue.length - 1; i >= 0; i--) queue.unshift(requeue[i]);
    H.endLoadingPause(conn);
    this.#settleReady(error);
    if (!canRetry) {
      this.finish(error, error);
      return;
    }
    owner.onLost(conn, error);
    // A rejected handshake (WRONGPASS, NOAUTH...) or a certificate that fails verification will
    // not fix itself by waiting: fail the queue now rather than at each command's deadline.
    // LOADING is the exception: the server is reading its dataset and will answer soon.
    const s = H.settings(conn);
    const isPermanent = (error instanceof ReplyError && error.code !== 'LOADING') || isPermanentDialError(error);
    if (isPermanent || !s.offlineQueue) this.#failQueue(error);
    if (conn.state === 'closed') return;
    if (queue.length > 0 || this.#keepConnected) {
      H.setState(conn, 'reconnecting');
      const delay = backoffDelay(this.#attempt++, s.reconnectBaseDelayMs, s.reconnectMaxDelayMs);
      this.#reconnectTimer = setTimeout(() => this.dial(), delay);
    } else {
      H.setState(conn, 'idle');
    }
  }

  #failQueue(error: Error | ((cmd: PendingCommand) => Error)): void {
    for (const cmd of H.queue(this.#conn).drain()) if (!cmd.isSettled) cmd.fail(typeof error === 'function' ? error(cmd) : error);
  }

  /** Final state: timers cleared, socket gone, unsent commands handed to the owner. */
  finish(error: Error | undefined, pendingError: Error): void {
    const conn = this.#conn;
    H.setState(conn, 'closed');
    H.setFinalError(conn, error);
    // First: its commands go back to the queue (and so to `unsent`), re-arming the deadline
    // timer for them, which is cleared next rather than left to fire once after the end.
    H.endLoadingPause(conn);
    H.clearTimer(conn);
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#reconnectTimer);
    this.#connectTimer = this.#reconnectTimer = undefined;
    this.#locating = undefined;
    H.dropSocket(conn);
    settleDial(conn, pendingError);
    this.#settleReady(pendingError);
    const unsent: PendingCommand[] = [];
    for (const cmd of H.queue(conn).drain()) if (!cmd.isSettled) unsent.push(cmd);
    this.#closed?.resolve();
    H.owner(conn).onClosed(conn, error, unsent);
  }

  // ---- deadlines -----------------------------------------------------------------------

  /** Expires overdue commands, drops the socket if the server stopped answering, re-arms. */
  expireOverdue(): void {
    const conn = this.#conn;
    H.clearTimer(conn); // one armed meanwhile (between the timer and this check) is redone below
    if (conn.state === 'closed') return;
    const s = H.settings(conn);
    const queue = H.queue(conn);
    const inFlight = H.inFlight(conn);
    const now = nowMs();
    // Queued commands that expire while no socket is up say why: the last connection error.
    const unreachable = conn.state === 'ready' || conn.state === 'closing' ? undefined : this.#unreachable;
    const scan = expireCommands(queue, inFlight, now, H.loading(conn), unreachable);
    let next = scan.next;
    const oldestOverdue = scan.oldestOverdue;
    if (oldestOverdue !== NO_DEADLINE) {
      const socketDeadline = oldestOverdue + s.socketTimeoutMs;
      if (socketDeadline <= now) {
        const error = new ConnectionError('ERR_SOCKET_TIMEOUT', `a reply from ${where(s)} is overdue by more than socketTimeoutMs (${s.socketTimeoutMs} ms)`);
        H.setSocketError(conn, error);
        this.socketGone(error);
        if ((conn.state as ConnectionState) === 'closed') return;
        // Retryable commands went back to the queue: their deadlines still count.
        next = expireCommands(queue, inFlight, now, H.loading(conn), this.#unreachable).next;
      } else if (socketDeadline < next) next = socketDeadline;
    }
    // A scan costs O(queued + in flight). With a long queue whose deadlines fall a millisecond
    // apart, the timer would fire every millisecond and scan it all: quadratic, it starved the
    // event loop at 50,000 queued commands. Scans are spaced by 1 µs per command instead (a few
    // per cent of a core at most); a deadline fires at most that late (3 ms at 3,000 queued).
    const spacing = (queue.length + inFlight.length) / 1000;
    if (spacing >= 1 && next !== NO_DEADLINE) next = Math.max(next, Math.ceil(now + spacing));
    H.armTimer(conn, next);
  }
}

// The socket's cold events. Listeners shared by every socket, called with it as `this`.

function onSocketError(this: net.Socket, err: NodeJS.ErrnoException): void {
  const conn = H.ownerOf(this); // a replaced socket's errors are not ours any more
  if (conn === undefined || H.socketError(conn) !== undefined) return;
  const code = conn.state === 'connecting' ? 'ERR_CONNECTION_FAILED' : 'ERR_CONNECTION_LOST';
  H.setSocketError(conn, new ConnectionError(code, `connection to ${where(H.settings(conn))} failed: ${err.code ?? err.message}`, { cause: err }));
}

function onSocketClose(this: net.Socket): void {
  const conn = H.ownerOf(this);
  if (conn === undefined) return;
  H.lifecycle(conn).socketGone(H.socketError(conn) ?? new ConnectionError('ERR_CONNECTION_LOST', `connection to ${where(H.settings(conn))} closed by the server`));
}

function onSocketConnect(this: net.Socket): void {
  const conn = H.ownerOf(this);
  if (conn !== undefined) H.lifecycle(conn).onConnected(this);
}
