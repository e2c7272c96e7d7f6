/*
 * One socket to one server, for its whole life (a reconnect is a new Connection).
 *
 *   idle --connect()--> connecting --handshake ok--> ready --close()--> closing --> closed
 *                            \______________ any failure / destroy() ______________/
 *
 * Commands wait in #queue until the socket is ready and writable. All commands queued in one
 * tick are encoded into the shared slab and leave in one socket write (auto-pipelining); they
 * then sit in #inFlight, a FIFO matched one-to-one with replies. A command that times out or
 * is aborted after being written keeps its slot, so its late reply is read and dropped rather
 * than handed to the next caller.
 *
 * Deadlines use one timer per connection, armed at the earliest deadline and re-armed lazily
 * when it fires, never per command. A connection whose oldest written command is overdue by
 * more than socketTimeoutMs is destroyed: the server or the network is not answering.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConnectionError, ConnectTimeoutError, CommandTimeoutError, ProtocolError, ReplyError, ClientClosedError } from '../errors.js';
import { Decoder, type DecoderLimits } from '../resp/decoder.js';
import { sharedEncoder, encodeName, measureArgs } from '../resp/encoder.js';
import type { PushMessage } from '../resp/types.js';
import { RingQueue } from '../internal/ring-queue.js';
import { PendingCommand } from './pending-command.js';
import { handshake, type Credentials, type ServerInfo } from './handshake.js';

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
  limits: DecoderLimits;
}

/** What a connection tells its owner (the pool). Plain callbacks: no EventEmitter per socket. */
export interface ConnectionOwner {
  onReady(conn: Connection): void;
  /**
   * The connection is gone. `unsent` were never written and may go elsewhere; `unanswered`
   * were written and may have executed. Both lists hold only unsettled commands.
   */
  onClosed(conn: Connection, error: Error | undefined, unsent: PendingCommand[], unanswered: PendingCommand[]): void;
  onPush(conn: Connection, message: PushMessage): void;
}

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed';

export class Connection {
  /** Process-unique number, for stats and diagnostics. */
  readonly id: number;
  state: ConnectionState = 'idle';
  serverInfo: ServerInfo | undefined;
  bytesIn = 0;
  bytesOut = 0;
  /** performance.now() when the socket became ready, and when a command last finished. */
  readyAt = 0;
  lastActiveAt = 0;

  readonly #settings: ConnectionSettings;
  readonly #owner: ConnectionOwner;
  readonly #queue = new RingQueue<PendingCommand>();
  readonly #inFlight = new RingQueue<PendingCommand>();
  readonly #decoder: Decoder;
  #socket: net.Socket | undefined;
  #queuedBytes = 0;
  #isFlushScheduled = false;
  #isWritable = true;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #connectTimer: NodeJS.Timeout | undefined;
  #closeError: Error | undefined;
  #ready: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  readonly #flushLater = (): void => this.#flush();

  constructor(settings: ConnectionSettings, owner: ConnectionOwner) {
    this.id = ++lastId;
    this.#settings = settings;
    this.#owner = owner;
    this.#decoder = new Decoder(
      (reply) => this.#onReply(reply),
      (message) => this.#owner.onPush(this, message),
      { ...settings.limits, returnBuffers: settings.returnBuffers },
    );
  }

  /** Commands accepted but not yet written. */
  get queuedCount(): number {
    return this.#queue.length;
  }
  get queuedBytes(): number {
    return this.#queuedBytes;
  }
  /** Commands written and awaiting replies (including timed-out ones whose reply is still due). */
  get inFlightCount(): number {
    return this.#inFlight.length;
  }
  /** Queued plus in flight: the load used to pick the least-busy connection. */
  get load(): number {
    return this.#queue.length + this.#inFlight.length;
  }

  /** Dials and runs the handshake. Resolves when ready; safe to call again. */
  connect(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#dial(resolve, reject);
    });
    // The owner learns of failures through onClosed; this keeps a failed warm-up from being unhandled.
    this.#ready.catch(noop);
    return this.#ready;
  }

  /** Accepts a command. The caller owns validation; a closed connection rejects it. */
  send(cmd: PendingCommand): void {
    if (this.state === 'closed' || this.state === 'closing') {
      cmd.fail(new ClientClosedError('the connection is closed', cmd.name));
      return;
    }
    this.#queue.push(cmd);
    this.#queuedBytes += cmd.bytes;
    if (cmd.deadline < this.#timerAt) this.#armTimer(cmd.deadline);
    if (this.state === 'idle') this.connect();
    else if (!this.#isFlushScheduled && this.state === 'ready' && this.#isWritable) {
      this.#isFlushScheduled = true;
      process.nextTick(this.#flushLater);
    }
  }

  /** Lets queued and in-flight commands finish, then closes the socket. */
  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.#closed ??= new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    if (this.state === 'idle') this.destroy();
    else {
      if (this.state === 'ready') this.state = 'closing';
      this.#endIfDrained();
    }
    return this.#closed;
  }

  /** Closes at once. Unsettled commands go back to the owner through onClosed. */
  destroy(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#closeError ??= error;
    clearTimeout(this.#timer);
    clearTimeout(this.#connectTimer);
    this.#timer = this.#connectTimer = undefined;
    this.#socket?.destroy();
    this.#decoder.reset();
    const unsent: PendingCommand[] = [];
    const unanswered: PendingCommand[] = [];
    for (const cmd of this.#queue.drain()) if (!cmd.isSettled) unsent.push(cmd);
    for (const cmd of this.#inFlight.drain()) {
      if (cmd.isSettled) continue;
      if (cmd.isInternal) cmd.fail(this.#closeError ?? new ConnectionError('ERR_CONNECTION_LOST', 'connection closed during handshake'));
      else unanswered.push(cmd);
    }
    this.#queuedBytes = 0;
    this.#resolveClosed?.();
    this.#owner.onClosed(this, this.#closeError, unsent, unanswered);
  }

  // ---- dialling and handshake -------------------------------------------------------------

  #dial(resolve: () => void, reject: (e: Error) => void): void {
    const s = this.#settings;
    this.state = 'connecting';
    const where = s.path ?? `${s.host}:${s.port}`;
    this.#connectTimer = setTimeout(() => {
      const err = new ConnectTimeoutError(`connecting to ${where} took longer than connectTimeoutMs (${s.connectTimeoutMs} ms)`);
      reject(err);
      this.destroy(err);
    }, s.connectTimeoutMs);
    this.#connectTimer.unref();
    let socket: net.Socket;
    if (s.tls !== undefined) {
      const servername = s.tls.servername ?? (s.path === undefined && net.isIP(s.host) === 0 ? s.host : undefined);
      socket = tls.connect({ ...s.tls, host: s.host, port: s.port, path: s.path, servername });
    } else {
      socket = s.path !== undefined ? net.connect({ path: s.path }) : net.connect({ host: s.host, port: s.port });
    }
    this.#socket = socket;
    socket.setNoDelay(true);
    if (s.keepAliveMs > 0) socket.setKeepAlive(true, s.keepAliveMs);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      this.#isWritable = true;
      this.#flush();
    });
    socket.on('error', (err) => {
      this.#closeError ??= new ConnectionError(
        this.state === 'connecting' && this.readyAt === 0 ? 'ERR_CONNECTION_FAILED' : 'ERR_CONNECTION_LOST',
        `connection to ${where} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`,
        { cause: err },
      );
    });
    socket.on('close', () => {
      const err = this.#closeError ?? new ConnectionError('ERR_CONNECTION_LOST', `connection to ${where} closed by the server`);
      if (this.state === 'connecting') reject(err);
      this.destroy(this.state === 'closing' ? undefined : err);
    });
    socket.once(s.tls !== undefined ? 'secureConnect' : 'connect', () => {
      this.#runHandshake().then(
        () => {
          if (this.state !== 'connecting') return;
          clearTimeout(this.#connectTimer);
          this.#connectTimer = undefined;
          this.state = 'ready';
          this.readyAt = this.lastActiveAt = performance.now();
          resolve();
          this.#owner.onReady(this);
          this.#flush();
          if (this.#closed !== undefined) {
            this.state = 'closing';
            this.#endIfDrained();
          }
        },
        (err: Error) => {
          reject(err);
          this.destroy(err);
        },
      );
    });
  }

  async #runHandshake(): Promise<void> {
    const s = this.#settings;
    const credentials = s.credentials === undefined ? undefined : await s.credentials();
    this.serverInfo = await handshake((name, args) => this.#sendInternal(name, args), {
      protocol: s.protocol,
      database: s.database,
      clientName: s.clientName,
      credentials,
    });
  }

  /** Writes a handshake command at once, ahead of the queue (the socket is not ready yet). */
  #sendInternal(name: string, args: (string | number)[]): Promise<unknown> {
    const cmd = new PendingCommand(name, encodeName([name]), 1, args, undefined, 0, measureArgs(name, args), false, false, undefined);
    cmd.isInternal = true;
    sharedEncoder.write(cmd.prefix, cmd.tokens, cmd.args);
    this.#markWritten(cmd);
    this.#writeChunks(sharedEncoder.take());
    return cmd.promise;
  }

  // ---- writing -------------------------------------------------------------------------

  #flush(): void {
    this.#isFlushScheduled = false;
    if (this.#queue.length === 0 || !this.#isWritable || (this.state !== 'ready' && this.state !== 'closing')) return;
    let written = 0;
    let cmd: PendingCommand | undefined;
    while ((cmd = this.#queue.shift()) !== undefined) {
      this.#queuedBytes -= cmd.bytes;
      if (cmd.state !== 'queued') continue; // settled while waiting: an expired command is never written
      sharedEncoder.write(cmd.prefix, cmd.tokens, cmd.args);
      this.#markWritten(cmd);
      written++;
    }
    if (written > 0) this.#writeChunks(sharedEncoder.take());
    else this.#endIfDrained();
  }

  #markWritten(cmd: PendingCommand): void {
    cmd.state = 'written';
    // The decoder reads the next reply with the bulk type its command asked for.
    if (this.#inFlight.length === 0) this.#decoder.returnBuffers = cmd.returnBuffers ?? this.#settings.returnBuffers;
    this.#inFlight.push(cmd);
  }

  #writeChunks(chunks: Buffer[]): void {
    const socket = this.#socket!;
    let ok: boolean;
    if (chunks.length === 1) {
      this.bytesOut += chunks[0].length;
      ok = socket.write(chunks[0]);
    } else {
      socket.cork();
      ok = true;
      for (const c of chunks) {
        this.bytesOut += c.length;
        ok = socket.write(c) && ok;
      }
      socket.uncork();
    }
    // Past the socket's high-water mark: keep commands in our bounded queue until 'drain'.
    if (!ok) this.#isWritable = false;
  }

  // ---- reading -------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    try {
      this.#decoder.write(chunk);
    } catch (err) {
      this.destroy(err instanceof ProtocolError ? err : new ProtocolError(String(err)));
    }
  }

  #onReply(reply: unknown): void {
    const cmd = this.#inFlight.shift();
    if (cmd === undefined) throw new ProtocolError('received a reply with no command waiting for it');
    if (!cmd.isSettled) {
      if (reply instanceof ReplyError) {
        reply.command = cmd.name;
        cmd.fail(reply);
      } else cmd.succeed(reply);
    }
    const next = this.#inFlight.peek();
    this.#decoder.returnBuffers = next?.returnBuffers ?? this.#settings.returnBuffers;
    if (this.#inFlight.length === 0) {
      this.lastActiveAt = performance.now();
      if (this.state === 'closing') this.#endIfDrained();
    }
  }

  #endIfDrained(): void {
    if (this.state === 'closing' && this.#queue.length === 0 && this.#inFlight.length === 0) this.#socket?.end();
  }

  // ---- deadlines -----------------------------------------------------------------------

  #armTimer(at: number): void {
    if (at === Infinity) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(onDeadline, Math.max(0, Math.ceil(at - performance.now())), this);
    // The socket keeps the process alive while there is work; the timer alone never should.
    this.#timer.unref();
  }

  /** Expires overdue commands, destroys the connection if the server stopped answering, re-arms. */
  expireOverdue(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.state === 'closed') return;
    const now = performance.now();
    let next = Infinity;
    for (const cmd of this.#queue) {
      if (cmd.isSettled) continue;
      if (cmd.deadline <= now) cmd.fail(new CommandTimeoutError(cmd.name, cmd.timeoutMs, false));
      else if (cmd.deadline < next) next = cmd.deadline;
    }
    let oldestOverdue = Infinity;
    for (const cmd of this.#inFlight) {
      if (cmd.deadline <= now) {
        if (cmd.deadline < oldestOverdue) oldestOverdue = cmd.deadline;
        cmd.fail(new CommandTimeoutError(cmd.name, cmd.timeoutMs, true));
      } else if (!cmd.isSettled && cmd.deadline < next) next = cmd.deadline;
    }
    if (oldestOverdue !== Infinity) {
      // A written command overdue by socketTimeoutMs means the peer stopped answering.
      const socketDeadline = oldestOverdue + this.#settings.socketTimeoutMs;
      if (socketDeadline <= now) {
        const ms = this.#settings.socketTimeoutMs;
        this.destroy(new ConnectionError('ERR_SOCKET_TIMEOUT', `a reply is overdue by more than socketTimeoutMs (${ms} ms); closing the connection`));
        return;
      }
      if (socketDeadline < next) next = socketDeadline;
    }
    this.#armTimer(next);
  }
}

let lastId = 0;

function noop(): void {}

function onDeadline(conn: Connection): void {
  conn.expireOverdue();
}
