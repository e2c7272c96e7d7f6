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
 *
 * This file is the per-command path (accept, write, read a reply). The transitions between
 * sockets (dial, handshake, loss, redial, close, deadline expiry) are in socket-lifecycle.ts,
 * which reaches this class's state through the hooks made in its static block.
 */
import type * as net from 'node:net';
import { ConnectionError, ProtocolError, ReplyError, ClientClosedError, CommandTimeoutError } from '../errors.js';
import type { Decoder } from '../resp/decoder.js';
import { loadDecoder } from '../resp/decoder-loader.js';
import { sharedEncoder, encodeName, measureArgs, type Arg } from '../resp/encoder.js';
import { PushMessage } from '../resp/types.js';
import { CommandQueue } from './command-queue.js';
import type { InFlightBudget, WriteHold } from './in-flight-budget.js';
import { replyChunks } from '../internal/reply-clock.js';
import { PromisedCommand, INTERNAL, NO_DEADLINE, WANTS_STRINGS, type PendingCommand } from './pending-command.js';
import type { ServerInfo } from './handshake.js';
import { openSocket, closedError, internalSpec, isPubSubFrame, writeChunks, settleInFlight, where } from './socket.js';
import type { ConnectionOwner, ConnectionSettings } from './settings.js';
import { SocketLifecycle, setConnectionHooks } from './socket-lifecycle.js';
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
  #timer: NodeJS.Timeout | undefined;
  #timerAt = NO_DEADLINE;
  #loading: PendingCommand[] | undefined; // answered LOADING: did not run, sent again after a pause
  #loadingTimer: NodeJS.Timeout | undefined;
  #socketError: Error | undefined;
  #finalError: Error | undefined;
  /** Dialling, losses and the end: socket-lifecycle.ts. */
  readonly #life: SocketLifecycle;

  /**
   * `reconnect`: dial a new socket after a loss (shared connections); false closes the
   * connection instead (a lease's state is gone with its socket). @default settings.reconnect
   */
  constructor(settings: ConnectionSettings, owner: ConnectionOwner, reconnect = settings.reconnect) {
    this.id = ++lastId;
    this.#settings = settings;
    this.#owner = owner;
    this.#life = new SocketLifecycle(this, reconnect);
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
    this.#life.setSubscriber(isSubscriber);
    if (isSubscriber) this.#isPubSub = true;
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
    return this.#life.connect();
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
    return this.#life.close();
  }

  /**
   * Drops the socket as if the network lost it (the server moved: leanredis/sentinel). A
   * reconnecting connection dials again (locating the server anew) and re-sends what a loss
   * re-sends (read-only commands); anything else written fails with
   * ERR_CONNECTION_LOST_AFTER_WRITE; a lease's connection closes.
   */
  drop(error: Error): void {
    this.#life.drop(error);
  }

  /**
   * Closes at once: everything in flight rejects with `error`; unsent commands go to the owner.
   * With a function, each command (queued ones too) gets an error of its own: `wasWritten`
   * says whether it reached the socket (close()'s deadline names each cancelled command).
   */
  destroy(error: Error | ((cmd: PendingCommand, wasWritten: boolean) => Error) = new ClientClosedError()): void {
    this.#life.destroy(error);
  }

  /** Rejects every command not yet written with `error` (the circuit breaker opened). */
  failQueued(error: Error): void {
    this.#life.failQueued(error);
  }

  // ---- entry points into socket-lifecycle.ts -------------------------------------------------

  #where(): string {
    return where(this.#settings);
  }

  #dial(): void {
    this.#life.dial();
  }

  #onSocketGone(error: Error): void {
    this.#life.socketGone(error);
  }

  #finish(error: Error | undefined, pendingError: Error): void {
    this.#life.finish(error, pendingError);
  }

  // ---- the socket's per-command events -------------------------------------------------------

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

  /** Writes a handshake command at once, ahead of the queue (the socket is not ready yet). */
  #sendInternal(name: string, args: (string | number)[]): Promise<unknown> {
    const cmd = new PromisedCommand(internalSpec(name), args, 0, measureArgs(name, args), INTERNAL | WANTS_STRINGS, undefined);
    sharedEncoder.write(cmd.spec.prefix!, cmd.spec.tokens, cmd.args);
    this.#markWritten(cmd);
    this.#budget.add(1, cmd.bytes);
    this.#writeChunks(sharedEncoder.take());
    return cmd.promise;
  }

  /** Empties the in-flight FIFO after its socket is gone (see settleInFlight), giving its room back to the client-wide budget. */
  #settleInFlight(decide: (cmd: PendingCommand) => Error | undefined): PendingCommand[] {
    this.#budget.remove(this.#inFlight.length, this.#inFlight.bytes);
    return settleInFlight(this.#inFlight, decide);
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
    conn.#life.expireOverdue();
  }

  // socket-lifecycle.ts works on this state through these (see ConnectionHooks): made here,
  // the one place its #fields are visible, once for every connection.
  static {
    setConnectionHooks({
      lifecycle: (conn) => conn.#life,
      settings: (conn) => conn.#settings,
      owner: (conn) => conn.#owner,
      setState: (conn, state) => void (conn.#state = state),
      socket: (conn) => conn.#socket,
      ownerOf: (socket) => Connection.#ownerOf(socket),
      openSocket: (conn) => {
        conn.#state = 'connecting';
        conn.#socketError = undefined;
        conn.#setHold('none');
        const socket = openSocket(conn.#settings);
        conn.#socket = socket;
        // The listeners are shared functions (called with the socket as `this`) rather than
        // closures per socket: ~300 bytes less for every open connection.
        (socket as OwnedSocket)[OWNER] = conn;
        socket.on('data', Connection.#onSocketData);
        socket.on('drain', Connection.#onSocketDrain);
        return socket;
      },
      dropSocket: (conn) => {
        conn.#socket?.destroy();
        conn.#socket = undefined;
        conn.#decoder.reset();
        conn.#setHold('none');
      },
      socketError: (conn) => conn.#socketError,
      setSocketError: (conn, error) => void (conn.#socketError = error),
      setFinalError: (conn, error) => void (conn.#finalError = error),
      queue: (conn) => conn.#queue,
      inFlight: (conn) => conn.#inFlight,
      loading: (conn) => conn.#loading,
      endLoadingPause: (conn) => (conn.#loadingTimer !== undefined ? conn.#resumeAfterLoading() : undefined),
      settleInFlight: (conn, decide) => conn.#settleInFlight(decide),
      sendInternal: (conn, name, args) => conn.#sendInternal(name, args),
      flush: (conn) => conn.#flush(),
      endIfDrained: (conn) => conn.#endIfDrained(),
      armTimer: (conn, at) => conn.#armTimer(at),
      clearTimer: (conn) => {
        clearTimeout(conn.#timer);
        conn.#timer = undefined;
        conn.#timerAt = NO_DEADLINE;
      },
    });
  }
}

let lastId = 0;
