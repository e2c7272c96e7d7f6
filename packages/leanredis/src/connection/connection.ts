// @layer L3 connection
/*
 * One logical connection to one server; its socket may be replaced by reconnects.
 *
 *   idle --send()/connect()--> connecting --handshake ok--> ready --close()--> closing --> closed
 *     ^                           |  ^                        |
 *     |   nothing to do           v  | backoff timer          | socket lost
 *     +---------------------- reconnecting <------------------+
 *
 * #queue holds accepted, unwritten commands; a tick's worth leaves in one socket write into
 * #inFlight, a FIFO matched one-to-one with replies. A command settled after being written
 * (timeout, abort) keeps its slot, so its late reply is dropped, never handed to the next
 * caller. One deadline timer per connection, armed lazily at the earliest deadline. What
 * happens to each command when the socket is lost: docs/ARCHITECTURE.md, "Connection loss".
 *
 * Writing is held (#hold) while the socket's buffer is past its high-water mark (until
 * 'drain') or while what is in flight is at this connection's or the client's cap (until
 * replies make room): commands then wait in #queue, whose caps the pool enforces, so a server
 * that stops answering grows neither Node's stream buffer nor the in-flight FIFO.
 */
import type * as net from 'node:net';
import { ConnectionError, ConnectTimeoutError, ProtocolError, ReplyError, ClientClosedError, CommandTimeoutError } from '../errors.js';
import type { Decoder } from '../resp/decoder.js';
import { loadDecoder } from '../resp/decoder-loader.js';
import { sharedEncoder, encodeName, measureArgs, type Arg } from '../resp/encoder.js';
import { PushMessage } from '../resp/types.js';
import { CommandQueue } from './command-queue.js';
import type { InFlightBudget, WriteHold } from './in-flight-budget.js';
import { backoffDelay } from '../internal/backoff.js';
import { replyChunks } from '../internal/reply-clock.js';
import { PromisedCommand, INTERNAL, NO_DEADLINE, WANTS_STRINGS, type PendingCommand } from './pending-command.js';
import { handshake, type ServerInfo } from './handshake.js';
import { deferred, type Deferred } from '../internal/deferred.js';
import { openSocket, closedError, internalSpec, isPubSubFrame, isPermanentDialError, lostAfterWrite, expireCommands, writeChunks, settleInFlight } from './socket.js';
import type { ConnectionOwner, ConnectionSettings } from './settings.js';
import { dialStarted, settleDial, traceDial } from './dial-trace.js';
import { nowMs } from '../internal/clock.js';

export type { ConnectionOwner, ConnectionSettings } from './settings.js';

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'closing' | 'closed';

/** Above this many queued commands a flush happens at once instead of at the end of the tick. */
const FLUSH_EARLY = 1024;
/** Pause before re-sending commands the server refused with LOADING. */
const LOADING_RETRY_MS = 100;

/** The connection a socket belongs to, kept on the socket for the shared event listeners. */
const OWNER = Symbol('leanredis.connection');
type OwnedSocket = net.Socket & { [OWNER]?: Connection };

export class Connection {
  /** Process-unique number, for stats and diagnostics. */
  readonly id: number;
  #state: ConnectionState = 'idle';
  serverInfo: ServerInfo | undefined;
  /** Reconnect even with nothing queued (subscriber connections). */
  #keepConnected = false;
  /** Dial a new socket after a loss; false closes the connection instead. */
  #reconnect: boolean;
  /** Subscriber connection: RESP2 pub/sub arrays are routed as pushes (RESP3 marks its own). */
  #isPubSub = false;
  bytesIn = 0;
  bytesOut = 0;
  /** Sockets this connection lost (each one followed by a reconnect or the end). */
  losses = 0;
  /** performance.now() when the last reply arrived (or the socket became ready). */
  lastActiveAt = nowMs();

  readonly #settings: ConnectionSettings;
  readonly #owner: ConnectionOwner;
  readonly #queue = new CommandQueue();
  readonly #inFlight = new CommandQueue();
  readonly #budget: InFlightBudget;
  readonly #decoder: Decoder;
  #socket: net.Socket | undefined;
  #isTickScheduled = false; // a nextTick ends the current tick: counters reset, queue flushed
  #tickCount = 0; // commands accepted in the current tick (the caller's own synchronous run)
  #tickBytes = 0;
  #hold: WriteHold = 'none';
  #heldSince = 0;
  #wakeForRoom: (() => void) | undefined; // made on the first wait for client-wide room
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = NO_DEADLINE;
  #connectTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #locating: Promise<void> | undefined; // a topology is finding the server to dial
  #loading: PendingCommand[] | undefined; // answered LOADING: did not run, sent again after a pause
  #loadingTimer: NodeJS.Timeout | undefined;
  #socketError: Error | undefined;
  /** Why the last socket was lost or the last dial failed; cleared when a handshake succeeds. */
  #unreachable: Error | undefined;
  #finalError: Error | undefined;
  #ready: Deferred | undefined; // what connect() callers wait on; dropped once settled
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  /**
   * `reconnect`: dial a new socket after a loss (shared connections); false closes the
   * connection instead (a lease's state is gone with its socket). @default settings.reconnect
   */
  constructor(settings: ConnectionSettings, owner: ConnectionOwner, reconnect = settings.reconnect) {
    this.id = ++lastId;
    this.#settings = settings;
    this.#owner = owner;
    this.#reconnect = reconnect;
    this.#budget = owner.inFlightBudget;
    const DecoderClass = loadDecoder();
    this.#decoder = new DecoderClass(Connection.#onReply, Connection.#onDecodedPush, settings.limits, this);
    this.#decoder.returnBuffers = settings.returnBuffers;
  }

  /** Where the connection is in its life; only the connection changes it. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Makes this (leased) connection the client's subscriber connection, or stops keeping it
   * connected once its last subscription ended. A subscriber reconnects by itself even with
   * nothing queued (its owner subscribes again on 'ready'), and under RESP2 its pub/sub arrays
   * are routed as pushes.
   */
  setSubscriber(isSubscriber: boolean): void {
    this.#keepConnected = isSubscriber;
    if (!isSubscriber) return;
    this.#isPubSub = true;
    this.#reconnect = true;
  }

  /** Commands accepted but not yet written. */
  get queuedCount(): number {
    return this.#queue.length;
  }
  get queuedBytes(): number {
    return this.#queue.bytes;
  }
  /** Commands written and awaiting replies (including timed-out ones whose reply is still due). */
  get inFlightCount(): number {
    return this.#inFlight.length;
  }
  /** Estimated bytes of the commands in flight. */
  get inFlightBytes(): number {
    return this.#inFlight.bytes;
  }
  /** Bytes written to the socket that Node still buffers (the kernel has not taken them). */
  get writeBufferedBytes(): number {
    return this.#socket?.writableLength ?? 0;
  }
  /** Why writing is held now ('none' when it is not). */
  get writeHold(): WriteHold {
    return this.#hold;
  }
  /** Queued plus in flight: the load used to pick the least-busy connection. */
  get load(): number {
    return this.#queue.length + this.#inFlight.length;
  }
  get isReady(): boolean {
    return this.#state === 'ready';
  }
  /** Commands sent now are written at once (flushed early past 1024), not held in the queue. */
  get isWritingNow(): boolean {
    return this.#state === 'ready' && this.#hold === 'none' && this.#loadingTimer === undefined;
  }

  /** Dials (if needed) and resolves when ready; rejects with the error of the first failed attempt. */
  connect(): Promise<void> {
    if (this.#state === 'ready') return Promise.resolve();
    if (this.#state === 'closed' || this.#state === 'closing') return Promise.reject(new ClientClosedError('the connection is closed'));
    const ready = (this.#ready ??= deferred());
    if (this.#state === 'idle' || this.#state === 'reconnecting') this.#dial();
    return ready.promise;
  }

  /** Accepts a command. The caller owns validation; a closed connection rejects it. */
  send(cmd: PendingCommand): void {
    if (cmd.isSettled) return;
    const state = this.#state;
    if (state === 'closed' || state === 'closing') {
      cmd.fail(closedError(this.#finalError, this.#where(), cmd.name));
      return;
    }
    if (!this.#settings.offlineQueue && (state === 'reconnecting' || (state === 'connecting' && this.losses > 0))) {
      cmd.fail(new ConnectionError('ERR_CONNECTION_LOST', `not connected to ${this.#where()} and offlineQueue is off`, { command: cmd.name }));
      return;
    }
    this.#queue.push(cmd);
    this.#tickCount++;
    this.#tickBytes += cmd.bytes;
    if (!this.#isTickScheduled) {
      this.#isTickScheduled = true;
      process.nextTick(Connection.#endOfTick, this);
    }
    if (cmd.deadline < this.#timerAt) this.#armTimer(cmd.deadline);
    if (state === 'ready') {
      // Never inside a transaction: it is written whole, once its EXEC is queued.
      if (this.#hold === 'none' && this.#queue.length >= FLUSH_EARLY && !cmd.continuesTransaction) this.#flush();
    } else if (state === 'idle') this.#dial();
  }

  /**
   * Accepts a batch (a pipeline, a transaction): the same as send() for each command, with the
   * per-call work (the state, the tick, the timer, the early flush) done once for all of them.
   */
  sendBatch(cmds: readonly PendingCommand[]): void {
    const state = this.#state;
    if (state !== 'ready' || cmds.length === 0) {
      for (const cmd of cmds) this.send(cmd);
      return;
    }
    const queue = this.#queue;
    let bytes = 0;
    let accepted = 0;
    let deadline = NO_DEADLINE;
    for (const cmd of cmds) {
      if (cmd.isSettled) continue;
      queue.push(cmd);
      bytes += cmd.bytes;
      accepted++;
      if (cmd.deadline < deadline) deadline = cmd.deadline;
    }
    this.#tickCount += accepted;
    this.#tickBytes += bytes;
    if (!this.#isTickScheduled) {
      this.#isTickScheduled = true;
      process.nextTick(Connection.#endOfTick, this);
    }
    if (deadline < this.#timerAt) this.#armTimer(deadline);
    // Never inside a transaction: it is written whole, once its EXEC is queued (the batch ends
    // with it, or the next batch does).
    if (this.#hold === 'none' && queue.length >= FLUSH_EARLY && queue.at(queue.length - 1)?.continuesTransaction !== true) this.#flush();
  }

  /**
   * Queued commands left by earlier ticks (on a ready connection; otherwise every queued
   * command). The queue caps apply to this backlog: what a caller issues in one synchronous run
   * is written as fast as the in-flight caps allow, while what accumulates across ticks (a server
   * that stopped answering, an outage) is what the caps bound.
   */
  get backlogCount(): number {
    return this.#state === 'ready' ? Math.max(0, this.#queue.length - this.#tickCount) : this.#queue.length;
  }
  get backlogBytes(): number {
    return this.#state === 'ready' ? Math.max(0, this.#queue.bytes - this.#tickBytes) : this.#queue.bytes;
  }

  /** Writes a command that expects no reply in the FIFO (SUBSCRIBE family: replies arrive as pushes). */
  sendUnanswered(name: string, args: readonly Arg[]): void {
    if (this.#state !== 'ready') return;
    sharedEncoder.write(encodeName([name]), 1, args);
    this.#writeChunks(sharedEncoder.take());
  }

  /** Stops reading from the socket (pub/sub backpressure) or resumes. */
  setReading(isReading: boolean): void {
    if (isReading) this.#socket?.resume();
    else this.#socket?.pause();
  }

  /** Lets queued and in-flight commands finish, then closes the socket. */
  close(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    this.#closed ??= new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    if (this.#state === 'idle' || this.#state === 'reconnecting') this.#finish(undefined, new ClientClosedError());
    else if (this.#state === 'ready') {
      this.#state = 'closing';
      this.#endIfDrained();
    } // 'connecting': becomes 'closing' once ready (see #onHandshakeDone)
    return this.#closed;
  }

  /**
   * Drops the socket as if the network lost it (the server moved: leanredis/sentinel). A
   * reconnecting connection dials again (locating the server anew) and re-sends what a loss
   * re-sends (read-only commands); anything else written fails with
   * ERR_CONNECTION_LOST_AFTER_WRITE; a lease's connection closes.
   */
  drop(error: Error): void {
    const state = this.#state;
    // Waiting out a backoff for the old server: dial the new one now.
    if (state === 'reconnecting') {
      this.#dial();
      return;
    }
    // Still locating (the drop may come from that very discovery): it dials where it is told.
    if (state === 'connecting' && this.#locating !== undefined) return;
    if (state !== 'connecting' && state !== 'ready' && state !== 'closing') return;
    this.#socketError = error;
    this.#onSocketGone(error);
  }

  /**
   * Closes at once: everything in flight rejects with `error`; unsent commands go to the owner.
   * With a function, each command (queued ones too) gets an error of its own: `wasWritten`
   * says whether it reached the socket (close()'s deadline names each cancelled command).
   */
  destroy(error: Error | ((cmd: PendingCommand, wasWritten: boolean) => Error) = new ClientClosedError()): void {
    if (this.#state === 'closed') return;
    if (typeof error === 'function') {
      this.#settleInFlight((cmd) => error(cmd, true));
      this.#failQueue((cmd) => error(cmd, false));
      const closed = new ClientClosedError();
      this.#finish(closed, closed);
      return;
    }
    this.#settleInFlight(() => error);
    this.#finish(error, error);
  }

  /** Rejects every command not yet written with `error` (the circuit breaker opened). */
  failQueued(error: Error): void {
    this.#failQueue(() => error);
    for (const cmd of this.#loading ?? []) if (!cmd.isSettled) cmd.fail(error);
  }

  // ---- dialling and handshake -------------------------------------------------------------

  #where(): string {
    const s = this.#settings;
    return s.path ?? `${s.host}:${s.port}`;
  }

  #dial(): void {
    const s = this.#settings;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const located = s.locate?.(this.losses > 0);
    if (located !== undefined) {
      // A topology is finding the server (leanredis/sentinel): dial once it knows, or fail this
      // attempt like a refused dial (backoff, then locate again).
      this.#state = 'connecting';
      this.#locating = located;
      located.then(
        () => {
          if (this.#locating !== located) return; // dropped, closed or destroyed meanwhile
          this.#locating = undefined;
          if (this.#closed !== undefined) this.#finish(undefined, new ClientClosedError()); // close() while locating
          else this.#openSocket();
        },
        (err: Error) => {
          if (this.#locating !== located) return;
          this.#locating = undefined;
          this.#onSocketGone(err);
        },
      );
      return;
    }
    this.#openSocket();
  }

  #openSocket(): void {
    const s = this.#settings;
    const dial = traceDial(this, s, this.id, this.#attempt);
    this.#state = 'connecting';
    this.#socketError = undefined;
    this.#setHold('none');
    const socket = openSocket(s);
    this.#socket = socket;
    this.#connectTimer = setTimeout(() => {
      this.#socketError = new ConnectTimeoutError(`connecting to ${this.#where()} took longer than connectTimeoutMs (${s.connectTimeoutMs} ms)`);
      socket.destroy();
    }, s.connectTimeoutMs);
    socket.setNoDelay(true);
    if (s.keepAliveMs > 0) socket.setKeepAlive(true, s.keepAliveMs);
    // The listeners are shared functions (called with the socket as `this`) rather than closures
    // per socket: ~300 bytes less for every open connection.
    (socket as OwnedSocket)[OWNER] = this;
    socket.on('data', Connection.#onSocketData);
    socket.on('drain', Connection.#onSocketDrain);
    socket.on('error', Connection.#onSocketError);
    socket.on('close', Connection.#onSocketClose);
    socket.once(s.tls !== undefined ? 'secureConnect' : 'connect', Connection.#onSocketConnect);
    dialStarted(dial);
  }

  #settleReady(error: Error | undefined): void {
    const ready = this.#ready;
    this.#ready = undefined;
    if (error === undefined) ready?.resolve();
    else ready?.reject(error);
  }

  static #onDecodedPush(this: Connection, message: PushMessage): void {
    this.#owner.onPush(this, message);
  }

  static #endOfTick(conn: Connection): void {
    conn.#isTickScheduled = false;
    conn.#tickCount = 0;
    conn.#tickBytes = 0;
    if ((conn.#state === 'ready' || conn.#state === 'closing') && conn.#hold === 'none') conn.#flush();
  }

  /** The connection a socket event is for, or undefined when that socket was replaced. */
  static #ownerOf(socket: net.Socket): Connection | undefined {
    const conn = (socket as OwnedSocket)[OWNER];
    return conn !== undefined && conn.#socket === socket ? conn : undefined;
  }

  static #onSocketData(this: net.Socket, chunk: Buffer): void {
    const conn = Connection.#ownerOf(this);
    if (conn !== undefined) conn.#onData(chunk);
  }

  static #onSocketDrain(this: net.Socket): void {
    const conn = Connection.#ownerOf(this);
    if (conn === undefined || conn.#hold !== 'socket') return;
    conn.#setHold('none');
    conn.#flush();
  }

  static #onSocketError(this: net.Socket, err: NodeJS.ErrnoException): void {
    const conn = Connection.#ownerOf(this); // a replaced socket's errors are not ours any more
    if (conn === undefined) return;
    conn.#socketError ??= new ConnectionError(
      conn.#state === 'connecting' ? 'ERR_CONNECTION_FAILED' : 'ERR_CONNECTION_LOST',
      `connection to ${conn.#where()} failed: ${err.code ?? err.message}`,
      { cause: err },
    );
  }

  static #onSocketClose(this: net.Socket): void {
    const conn = Connection.#ownerOf(this);
    if (conn === undefined) return;
    conn.#onSocketGone(conn.#socketError ?? new ConnectionError('ERR_CONNECTION_LOST', `connection to ${conn.#where()} closed by the server`));
  }

  static #onSocketConnect(this: net.Socket): void {
    const conn = Connection.#ownerOf(this);
    if (conn === undefined) return;
    const socket = conn.#socket!;
    conn.#runHandshake().then(
      () => conn.#onHandshakeDone(socket),
      (err: Error) => {
        if (socket !== conn.#socket) return;
        conn.#socketError = err;
        socket.destroy();
      },
    );
  }

  async #runHandshake(): Promise<void> {
    const s = this.#settings;
    const credentials = s.credentials === undefined ? undefined : await s.credentials();
    this.serverInfo = await handshake((name, args) => this.#sendInternal(name, args), {
      protocol: s.protocol,
      database: s.database,
      clientName: s.clientName,
      credentials,
      readOnly: s.readOnly,
    });
    if (s.verify !== undefined) await s.verify(this.serverInfo, (name, args) => this.#sendInternal(name, args));
  }

  #onHandshakeDone(socket: net.Socket): void {
    if (socket !== this.#socket || this.#state !== 'connecting') return;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#state = 'ready';
    settleDial(this, undefined);
    this.#attempt = 0;
    this.#unreachable = undefined;
    this.lastActiveAt = nowMs();
    this.#settleReady(undefined);
    this.#owner.onReady(this);
    this.#flush();
    if (this.#closed !== undefined && this.#state === 'ready') {
      this.#state = 'closing';
      this.#endIfDrained();
    }
  }

  /** Writes a handshake command at once, ahead of the queue (the socket is not ready yet). */
  #sendInternal(name: string, args: (string | number)[]): Promise<unknown> {
    const cmd = new PromisedCommand(internalSpec(name), args, 0, measureArgs(name, args), INTERNAL | WANTS_STRINGS, undefined);
    sharedEncoder.write(cmd.spec.prefix!, cmd.spec.tokens, cmd.args);
    this.#markWritten(cmd);
    this.#budget.add(1, cmd.bytes);
    this.#writeChunks(sharedEncoder.take());
    return cmd.promise;
  }

  /** The socket closed or failed (dial error, handshake error, protocol error, timeout, peer). */
  #onSocketGone(error: Error): void {
    this.#locating = undefined;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#decoder.reset();
    this.#setHold('none');
    settleDial(this, error);
    this.losses++;
    this.#unreachable = error;
    if (this.#state === 'connecting') this.#owner.onDialFailed(this, error);
    const wasClosing = this.#state === 'closing' || this.#closed !== undefined;
    const canRetry = this.#reconnect && !wasClosing;
    // The decoder failed: what was in flight rejects with that ProtocolError itself, and nothing
    // is re-sent (the same server may answer the same way). A socket timeout is its own answer
    // too. Any other loss: ERR_CONNECTION_LOST_AFTER_WRITE, read-only commands re-sent.
    const isOwnAnswer = error instanceof ProtocolError || (error instanceof ConnectionError && error.code === 'ERR_SOCKET_TIMEOUT');
    const requeue = this.#settleInFlight((cmd) =>
      error instanceof ProtocolError ? error : canRetry && cmd.isRetryable ? undefined : isOwnAnswer ? error : lostAfterWrite(cmd, error),
    );
    for (let i = requeue.length - 1; i >= 0; i--) this.#queue.unshift(requeue[i]);
    if (this.#loadingTimer !== undefined) this.#resumeAfterLoading();
    this.#settleReady(error);
    if (!canRetry) {
      this.#finish(error, error);
      return;
    }
    this.#owner.onLost(this, error);
    // A rejected handshake (WRONGPASS, NOAUTH...) or a certificate that fails verification will
    // not fix itself by waiting: fail the queue now rather than at each command's deadline.
    // LOADING is the exception: the server is reading its dataset and will answer soon.
    const isPermanent = (error instanceof ReplyError && error.code !== 'LOADING') || isPermanentDialError(error);
    if (isPermanent || !this.#settings.offlineQueue) this.#failQueue(error);
    if (this.#state === 'closed') return;
    if (this.#queue.length > 0 || this.#keepConnected) {
      this.#state = 'reconnecting';
      const delay = backoffDelay(this.#attempt++, this.#settings.reconnectBaseDelayMs, this.#settings.reconnectMaxDelayMs);
      this.#reconnectTimer = setTimeout(() => this.#dial(), delay);
    } else {
      this.#state = 'idle';
    }
  }

  /** Empties the in-flight FIFO after its socket is gone (see settleInFlight), giving its room back to the client-wide budget. */
  #settleInFlight(decide: (cmd: PendingCommand) => Error | undefined): PendingCommand[] {
    this.#budget.remove(this.#inFlight.length, this.#inFlight.bytes);
    return settleInFlight(this.#inFlight, decide);
  }

  #failQueue(error: Error | ((cmd: PendingCommand) => Error)): void {
    for (const cmd of this.#queue.drain()) if (!cmd.isSettled) cmd.fail(typeof error === 'function' ? error(cmd) : error);
  }

  /** Final state: timers cleared, socket gone, unsent commands handed to the owner. */
  #finish(error: Error | undefined, pendingError: Error): void {
    this.#state = 'closed';
    this.#finalError = error;
    clearTimeout(this.#timer);
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#reconnectTimer);
    if (this.#loadingTimer !== undefined) this.#resumeAfterLoading();
    this.#timer = this.#connectTimer = this.#reconnectTimer = undefined;
    this.#timerAt = NO_DEADLINE;
    this.#locating = undefined;
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#decoder.reset();
    this.#setHold('none');
    settleDial(this, pendingError);
    this.#settleReady(pendingError);
    const unsent: PendingCommand[] = [];
    for (const cmd of this.#queue.drain()) if (!cmd.isSettled) unsent.push(cmd);
    this.#resolveClosed?.();
    this.#owner.onClosed(this, error, unsent);
  }

  // ---- writing -------------------------------------------------------------------------

  #retryWhenLoaded(cmd: PendingCommand): void {
    cmd.markQueued();
    (this.#loading ??= []).push(cmd);
    this.#loadingTimer ??= setTimeout(() => this.#resumeAfterLoading(), LOADING_RETRY_MS);
  }

  /** Puts LOADING-answered commands back at the head of the queue, in order, and writes again. */
  #resumeAfterLoading(): void {
    clearTimeout(this.#loadingTimer);
    this.#loadingTimer = undefined;
    const held = this.#loading ?? [];
    this.#loading = undefined;
    for (let i = held.length - 1; i >= 0; i--) {
      if (held[i].isSettled) continue;
      this.#queue.unshift(held[i]);
      if (held[i].deadline < this.#timerAt) this.#armTimer(held[i].deadline);
    }
    if (this.#state === 'ready' || this.#state === 'closing') this.#flush();
  }

  #flush(): void {
    if (this.#loadingTimer !== undefined) return; // the server is loading: wait, then retry
    if (this.#hold === 'socket' || this.#socket === undefined || (this.#state !== 'ready' && this.#state !== 'closing')) return;
    if (this.#queue.length === 0) {
      // What was held expired meanwhile: an in-flight hold with nothing behind it would outlive
      // the replies that lift it, and hold every later command until its deadline.
      this.#setHold('none');
      return;
    }
    const s = this.#settings;
    const inFlight = this.#inFlight;
    const budget = this.#budget;
    const queue = this.#queue;
    // The caps' figures, read once and counted here as commands are written: the per-command
    // checks compare local numbers, and the client-wide tally is updated once per flush.
    let count = inFlight.length;
    let bytes = inFlight.bytes;
    let clientCount = budget.commands;
    let clientBytes = budget.bytes;
    const startCount = count;
    const startBytes = bytes;
    let hold: WriteHold = 'none';
    let isClientHold = false;
    let cmd: PendingCommand | undefined;
    // One clock read per flush: a command already past its deadline is never written. The
    // expiry scan runs in the check phase and is spaced under a long queue, so a reconnect's
    // flush can come first; written, it would time out as "may have executed".
    const now = nowMs();
    // Taken from the queue first and put back if a cap holds it: a hold is rare, a peek per
    // command is not free.
    while ((cmd = queue.shift()) !== undefined) {
      // A transaction (MULTI ... EXEC) is one unit: its commands share one deadline and settle
      // together, so its head says for all of them whether it is dropped, expired or written.
      let unitCount = 1;
      let unitBytes = cmd.bytes;
      if (cmd.continuesTransaction) {
        // The rest of the unit is at the queue's head now (cmd is out of it). Its size was kept
        // by bindTransaction: a unit held for room is not walked again at every reply chunk.
        const unit = cmd.transactionUnit;
        let isWhole: boolean;
        if (unit !== undefined) {
          unitCount = unit.count;
          unitBytes = unit.bytes;
          const last = queue.at(unitCount - 2);
          isWhole = last !== undefined && last.isInTransaction && !last.continuesTransaction;
        } else {
          let last: PendingCommand | undefined = cmd;
          while (last.continuesTransaction && (last = queue.at(unitCount - 1)) !== undefined) {
            unitBytes += last.bytes;
            unitCount++;
          }
          isWhole = last !== undefined;
        }
        if (!isWhole) {
          queue.unshift(cmd);
          break; // its EXEC is not queued yet: wait for it (see send())
        }
      }
      if (!cmd.isQueued || cmd.deadline <= now) {
        if (cmd.isQueued) cmd.fail(new CommandTimeoutError(cmd.name, cmd.timeoutMs, false));
        for (let i = 1; i < unitCount; i++) {
          const dropped = queue.shift()!;
          if (dropped.isQueued) dropped.fail(new CommandTimeoutError(dropped.name, dropped.timeoutMs, false));
        }
        continue;
      }
      // With nothing in flight a command (or a transaction) is always written: one larger than
      // a cap goes alone rather than never.
      if (count > 0) {
        if (count + unitCount > s.maxInFlightCommands) hold = 'inFlightCommands';
        else if (bytes + unitBytes > s.maxInFlightBytes) hold = 'inFlightBytes';
      }
      if (hold === 'none' && clientCount > 0) {
        if (clientCount + unitCount > budget.maxCommands) hold = 'inFlightCommands';
        else if (clientBytes + unitBytes > budget.maxBytes) hold = 'inFlightBytes';
        isClientHold = hold !== 'none';
      }
      if (hold !== 'none') {
        queue.unshift(cmd);
        break;
      }
      sharedEncoder.write(cmd.spec.prefix!, cmd.spec.tokens, cmd.args);
      this.#markWritten(cmd);
      for (let i = 1; i < unitCount; i++) {
        cmd = queue.shift()!;
        sharedEncoder.write(cmd.spec.prefix!, cmd.spec.tokens, cmd.args);
        this.#markWritten(cmd);
      }
      count += unitCount;
      bytes += unitBytes;
      clientCount += unitCount;
      clientBytes += unitBytes;
    }
    const written = count - startCount;
    if (written > 0) {
      budget.add(written, bytes - startBytes);
      this.#writeChunks(sharedEncoder.take());
    }
    // (#writeChunks may have just set 'socket': that one only 'drain' lifts.)
    if ((this.#hold as WriteHold) !== 'socket') this.#setHold(hold);
    // Held by the client-wide cap: another connection's replies make the room.
    if (isClientHold) budget.waitForRoom((this.#wakeForRoom ??= () => this.#flush()));
    if (written === 0) this.#endIfDrained();
  }

  /** Records why writing is held, telling the owner on every change. */
  #setHold(hold: WriteHold): void {
    const was = this.#hold;
    if (hold === was) return;
    this.#hold = hold;
    if (hold !== 'none' && was === 'none') {
      this.#heldSince = nowMs();
      this.#owner.onWriteHold(this, hold, 0);
    } else if (hold === 'none') {
      if (this.#wakeForRoom !== undefined) this.#budget.stopWaiting(this.#wakeForRoom);
      this.#owner.onWriteHold(this, 'none', nowMs() - this.#heldSince);
    }
  }

  /** Moves a written command to the in-flight FIFO; the caller adds it to the client-wide budget (once per flush). */
  #markWritten(cmd: PendingCommand): void {
    // A blocking command's grace starts now: its deadline may come sooner than the timer's.
    if (cmd.markWritten() && cmd.deadline < this.#timerAt) this.#armTimer(cmd.deadline);
    // The decoder reads the next reply with the bulk type its command asked for.
    if (this.#inFlight.length === 0) this.#decoder.returnBuffers = cmd.returnBuffers ?? this.#settings.returnBuffers;
    this.#inFlight.push(cmd);
  }

  #writeChunks(chunks: Buffer[]): void {
    const socket = this.#socket!;
    this.bytesOut += writeChunks(socket, chunks);
    // Past the socket's high-water mark: keep commands in our bounded queue until 'drain'. (A
    // write of 16 KiB or more returns false even when the kernel took it all: only a real
    // backlog, bytes still buffered in the socket, stops writing.)
    if (socket.writableLength >= socket.writableHighWaterMark) this.#setHold('socket');
  }

  // ---- reading -------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    // Its replies settle inside: command observers read the clock once for all of them.
    const chunks = replyChunks;
    chunks.count++;
    chunks.depth++;
    try {
      this.#decoder.write(chunk);
      chunks.depth--;
    } catch (err) {
      chunks.depth--;
      this.#socketError = err instanceof ProtocolError ? err : new ProtocolError(String(err));
      this.#onSocketGone(this.#socketError);
      return;
    }
    // Replies made room under an in-flight cap: write what now fits (or lift a hold whose
    // commands expired meanwhile), once per chunk.
    const hold = this.#hold;
    if (hold === 'inFlightCommands' || hold === 'inFlightBytes') this.#flush();
  }

  /** The decoder's callback, with the connection as `this` (no closure per connection). */
  static #onReply(this: Connection, reply: unknown): void {
    if (this.#isPubSub && isPubSubFrame(reply)) {
      this.#owner.onPush(this, new PushMessage(reply as unknown[]));
      return;
    }
    const cmd = this.#inFlight.shift();
    if (cmd === undefined) throw new ProtocolError('received a reply with no command waiting for it');
    this.#budget.remove(1, cmd.bytes);
    if (!cmd.isSettled) {
      // typeof first: most replies are strings or numbers, and `instanceof` on a primitive still
      // looks up ReplyError's Symbol.hasInstance through the generic builtin (~210 instructions
      // per reply, callgrind; V8 does not fold it for a class imported from another module).
      if (typeof reply === 'object' && reply instanceof ReplyError) {
        // A command of a transaction answered LOADING made its EXEC abort: sent again, it would
        // run on its own, outside the transaction.
        if (reply.code === 'LOADING' && !cmd.isInternal && !cmd.isInTransaction) this.#retryWhenLoaded(cmd);
        else {
          reply.command = cmd.name;
          cmd.fail(reply);
        }
      } else cmd.succeed(reply);
    }
    const next = this.#inFlight.peek();
    if (next !== undefined) this.#decoder.returnBuffers = next.returnBuffers ?? this.#settings.returnBuffers;
    else {
      // Nothing awaits a reply: what arrives next unasked (pub/sub messages on a subscriber
      // connection, whose SUBSCRIBEs expect no reply) is read the client's way, not the way of
      // the last command (the handshake reads text: a returnBuffers client got its messages as
      // strings before, found by the compat tests, issue 10).
      this.#decoder.returnBuffers = this.#settings.returnBuffers;
      this.lastActiveAt = nowMs();
      if (this.#state === 'closing') this.#endIfDrained();
    }
  }

  #endIfDrained(): void {
    if (this.#state === 'closing' && this.#queue.length === 0 && this.#inFlight.length === 0) {
      const socket = this.#socket;
      this.#socket = undefined;
      socket?.end();
      this.#finish(undefined, new ClientClosedError());
    }
  }

  // ---- deadlines -----------------------------------------------------------------------

  #armTimer(at: number): void {
    if (at >= NO_DEADLINE) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(Connection.#onDeadline, Math.max(1, Math.ceil(at - nowMs())), this);
    // The socket keeps the process alive while there is work; the timer alone never should.
    this.#timer.unref();
  }

  static #onDeadline(conn: Connection): void {
    // Timers run before the event loop polls sockets: a reply that arrived in time but waits
    // unread behind a busy loop would lose to its own deadline. Expiring in the check phase,
    // after this turn's poll has read the sockets, delivers it instead (the short grace of a
    // blocking command makes this matter).
    setImmediate(Connection.#expireNow, conn);
  }

  static #expireNow(conn: Connection): void {
    conn.#expireOverdue();
  }

  /** Expires overdue commands, drops the socket if the server stopped answering, re-arms. */
  #expireOverdue(): void {
    clearTimeout(this.#timer); // one armed meanwhile (between the timer and this check) is redone below
    this.#timer = undefined;
    this.#timerAt = NO_DEADLINE;
    if (this.#state === 'closed') return;
    const now = nowMs();
    // Queued commands that expire while no socket is up say why: the last connection error.
    const unreachable = this.#state === 'ready' || this.#state === 'closing' ? undefined : this.#unreachable;
    const scan = expireCommands(this.#queue, this.#inFlight, now, this.#loading, unreachable);
    let next = scan.next;
    const oldestOverdue = scan.oldestOverdue;
    if (oldestOverdue !== NO_DEADLINE) {
      const socketDeadline = oldestOverdue + this.#settings.socketTimeoutMs;
      if (socketDeadline <= now) {
        const ms = this.#settings.socketTimeoutMs;
        this.#socketError = new ConnectionError('ERR_SOCKET_TIMEOUT', `a reply from ${this.#where()} is overdue by more than socketTimeoutMs (${ms} ms)`);
        this.#onSocketGone(this.#socketError);
        if ((this.#state as ConnectionState) === 'closed') return;
        // Retryable commands went back to the queue: their deadlines still count.
        next = expireCommands(this.#queue, this.#inFlight, now, this.#loading, this.#unreachable).next;
      } else if (socketDeadline < next) next = socketDeadline;
    }
    // A scan costs O(queued + in flight). With a long queue whose deadlines fall a millisecond
    // apart, the timer would fire every millisecond and scan it all: quadratic, it starved the
    // event loop at 50,000 queued commands. Scans are spaced by 1 µs per command instead (a few
    // per cent of a core at most); a deadline fires at most that late (3 ms at 3,000 queued).
    const spacing = (this.#queue.length + this.#inFlight.length) / 1000;
    if (spacing >= 1 && next !== NO_DEADLINE) next = Math.max(next, Math.ceil(now + spacing));
    this.#armTimer(next);
  }
}

let lastId = 0;
