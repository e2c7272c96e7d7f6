/**
 * A loopback TCP proxy that injects network faults between a client under test and a real
 * server. (Its two companions live apart: resp-frame-scanner.ts finds where RESP frames end,
 * raw-client.ts is a test's hand on a raw socket.)
 *
 * Every accepted client socket gets its own socket to the target and two pipes:
 *
 *   client ──up──▶ [drop bytes] [blackhole] [corrupt] [queue: delay, pause] ──▶ server
 *   client ◀─down─ [queue: delay, pause] [corrupt] [blackhole] [drop bytes] [drop replies] ◀── server
 *
 * A chunk read from a source runs through the filters once, in that order, when it arrives:
 * `dropNextReplies` works on the server's real byte stream (so frame boundaries are right), then
 * `dropNextBytes`, then `blackhole`, then `corrupt`. What is left is queued with a due time
 * (`now + delay`) and written when due, strictly in arrival order, unless the direction is
 * paused. Changing a fault affects chunks that arrive afterwards; `heal()` also makes every
 * queued chunk due at once.
 *
 * Bounds: each pipe queues at most `maxBufferedBytes` (plus one read chunk); past that the
 * source socket stops being read, so TCP backpressure reaches the sender and nothing is lost.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { RespFrameScanner } from './resp-frame-scanner.ts';

/** Which way bytes flow: 'up' is client → server, 'down' is server → client. */
export type Direction = 'up' | 'down';
/** A direction, or 'both' to apply a fault to each direction. */
export type DirectionOption = Direction | 'both';
/** Transforms one chunk of bytes; may return a chunk of any length (empty drops it). */
export type Corruptor = (chunk: Buffer, direction: Direction) => Uint8Array;

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** Port of the server to forward to. */
  targetPort: number;
  /** Address of the server; must be an IPv4 literal in 127.0.0.0/8. @default '127.0.0.1' */
  targetHost?: string;
  /** Port to listen on, e.g. to restart a proxy on the same port. @default a free port */
  port?: number;
  /** Bytes a pipe queues (while delayed or paused) before it stops reading its source. @default 4 MiB */
  maxBufferedBytes?: number;
}

/** Byte counters of one direction, summed over every connection. */
export interface DirectionStats {
  /** Bytes read from the source sockets. */
  received: number;
  /** Bytes written to the destination sockets. */
  forwarded: number;
  /** Bytes swallowed by dropNextBytes, dropNextReplies or blackhole. */
  dropped: number;
  /** Bytes waiting in queues right now (delayed or paused). */
  queued: number;
}

/** A snapshot of the proxy's counters. */
export interface TcpProxyStats {
  /** Client → server. */
  up: DirectionStats;
  /** Server → client. */
  down: DirectionStats;
  /** Complete RESP replies swallowed by dropNextReplies. */
  droppedReplies: number;
  /** Connections closed at once because refuse(true) was on. */
  refusedConnections: number;
}

/** A running proxy. Every fault method applies to live and future connections alike. */
export interface TcpProxy {
  /** The address the proxy listens on. */
  readonly host: '127.0.0.1';
  /** The port clients connect to. */
  readonly port: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** Client connections open right now. */
  readonly connections: number;
  /** Client connections accepted and forwarded since start (refused ones are not counted). */
  readonly totalConnections: number;
  /** A snapshot of byte counters. */
  readonly stats: TcpProxyStats;
  /** Holds every chunk arriving from now on for `ms` before forwarding it (0 removes the delay). Order is kept. */
  delay(ms: number, direction?: DirectionOption): void;
  /** Swallows every byte (and FIN or RST) arriving from now on; nothing is sent. Cleared by heal(). */
  blackhole(direction?: DirectionOption): void;
  /** Swallows the next `n` bytes arriving in a direction (shared by all connections; 'both' means n each way). */
  dropNextBytes(n: number, direction?: DirectionOption): void;
  /**
   * Swallows the next `count` complete RESP replies from the server, whole, starting with the
   * next reply that begins after this call. RESP3 pushes ('>') are forwarded and not counted.
   * To make the reply to exactly one command vanish: call this, then send that command.
   * Works on plain RESP only: on a connection whose stream is not RESP (TLS, or after garbage)
   * nothing is dropped and the count stays armed.
   */
  dropNextReplies(count?: number): void;
  /** Transforms every chunk arriving from now on; null removes the transform. */
  corrupt(fn: Corruptor | null, direction?: DirectionOption): void;
  /**
   * Destroys every connection with a TCP RST on both sides (client and server see ECONNRESET),
   * dropping queued bytes. Caveat: a Node socket that has unread bytes when the RST lands may
   * report a clean end instead (libuv reads the bytes, then takes the hang-up for EOF).
   */
  resetAll(): void;
  /** While on, a new connection is closed at once: with FIN ('close', the default) or with RST ('reset'). */
  refuse(on: boolean, mode?: 'close' | 'reset'): void;
  /** Stops forwarding without dropping: bytes queue (bounded) until resume(). */
  pause(direction?: DirectionOption): void;
  /** Forwards everything queued by pause(), in order, and what arrives after. */
  resume(direction?: DirectionOption): void;
  /** Clears every fault: no delay, blackhole, drops, corruption, refusal or pause; queued bytes are sent now. */
  heal(): void;
  /** Resolves when exactly `count` client connections are open; rejects after `timeoutMs`. @default 2000 (ms) */
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and destroys every connection and timer. */
  close(): Promise<void>;
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const RESP3_PUSH = 62; // '>'

/** Throws unless `host` is an IPv4 literal in 127.0.0.0/8: fault tests never touch another machine. */
export function assertLoopback(host: string): void {
  if (net.isIPv4(host) && host.split('.')[0] === '127') return;
  throw new Error(`refusing non-loopback address ${JSON.stringify(host)}: only 127.0.0.0/8 IPv4 literals are allowed`);
}

function directions(option: DirectionOption): Direction[] {
  if (option === 'both') return ['up', 'down'];
  if (option === 'up' || option === 'down') return [option];
  throw new Error(`direction must be 'up', 'down' or 'both', got ${JSON.stringify(option)}`);
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
}

/** Destroys a socket with a TCP RST where Node supports it (plain TCP handles), else plainly. */
export function resetSocket(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    // Not a TCP handle (a TLS socket wraps one): no RST from here.
    socket.destroy();
  }
}

interface DirectionFaults {
  delayMs: number;
  isBlackholed: boolean;
  isPaused: boolean;
  dropBytes: number;
  corrupt: Corruptor | null;
}

interface ProxyState {
  readonly faults: Record<Direction, DirectionFaults>;
  readonly stats: TcpProxyStats;
  readonly maxBufferedBytes: number;
  dropReplies: number;
}

interface Queued {
  data: Uint8Array;
  dueAt: number;
}

/** One direction of one connection. */
class Pipe {
  readonly #state: ProxyState;
  readonly #direction: Direction;
  readonly #src: net.Socket;
  readonly #dst: net.Socket;
  readonly #scanner: RespFrameScanner | undefined;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #isDroppingFrame = false;
  #isSrcPaused: boolean;
  #hasSrcEnded = false;
  #hasSentFin = false;

  constructor(state: ProxyState, direction: Direction, src: net.Socket, dst: net.Socket, isSrcPaused: boolean) {
    this.#state = state;
    this.#direction = direction;
    this.#src = src;
    this.#dst = dst;
    this.#isSrcPaused = isSrcPaused;
    this.#scanner = direction === 'down' ? new RespFrameScanner() : undefined;
    dst.on('drain', () => this.#updateFlow());
  }

  get #faults(): DirectionFaults {
    return this.#state.faults[this.#direction];
  }

  get #stats(): DirectionStats {
    return this.#state.stats[this.#direction];
  }

  /** Bytes read from the source. */
  onData(chunk: Buffer): void {
    this.#stats.received += chunk.length;
    if (this.#dst.destroyed) {
      // The other side is gone; a real peer would answer data with RST.
      if (!this.#faults.isBlackholed) resetSocket(this.#src);
      return;
    }
    let data: Uint8Array = this.#dropReplies(chunk);
    data = this.#dropBytes(data);
    if (data.length > 0 && this.#faults.isBlackholed) {
      this.#stats.dropped += data.length;
      data = data.subarray(data.length);
    }
    const corrupt = this.#faults.corrupt;
    if (data.length > 0 && corrupt !== null) data = corrupt(Buffer.from(data.buffer, data.byteOffset, data.length), this.#direction);
    if (data.length === 0) return;
    this.#queue.push({ data, dueAt: performance.now() + this.#faults.delayMs });
    this.#queuedBytes += data.length;
    this.#stats.queued += data.length;
    this.flush();
  }

  /** The source sent FIN: forward it after the queue, unless blackholed. */
  onEnd(): void {
    if (this.#faults.isBlackholed) return;
    this.#hasSrcEnded = true;
    this.flush();
  }

  /** True while this direction swallows everything, FIN and RST included. */
  get isBlackholed(): boolean {
    return this.#faults.isBlackholed;
  }

  /** Writes every due chunk, in order; arms one timer for the next one. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#dst.destroyed) {
      this.discard();
      return;
    }
    if (!this.#faults.isPaused) this.#writeDue();
    this.#updateFlow();
  }

  #writeDue(): void {
    const now = performance.now();
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.dueAt > now) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.flush();
        }, Math.max(1, Math.ceil(head.dueAt - now)));
        break;
      }
      this.#queue.shift();
      this.#queuedBytes -= head.data.length;
      this.#stats.queued -= head.data.length;
      this.#stats.forwarded += head.data.length;
      this.#dst.write(head.data);
    }
    if (this.#queue.length === 0 && this.#hasSrcEnded && !this.#hasSentFin) {
      this.#hasSentFin = true;
      this.#dst.end();
    }
  }

  /** Makes every queued chunk due now (heal). */
  expedite(): void {
    for (const item of this.#queue) item.dueAt = 0;
  }

  /** Forgets the queue and stops the timer (the destination is gone). */
  discard(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stats.queued -= this.#queuedBytes;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  /** Reads from the source only while the queue and the destination have room. */
  #updateFlow(): void {
    if (this.#src.destroyed) return;
    const isFull = this.#queuedBytes >= this.#state.maxBufferedBytes || this.#dst.writableNeedDrain;
    if (isFull && !this.#isSrcPaused) {
      this.#isSrcPaused = true;
      this.#src.pause();
    } else if (!isFull && this.#isSrcPaused) {
      this.#isSrcPaused = false;
      this.#src.resume();
    }
  }

  #dropReplies(chunk: Buffer): Uint8Array {
    const scanner = this.#scanner;
    if (scanner === undefined || scanner.isBroken) return chunk;
    if (this.#state.dropReplies === 0 && !this.#isDroppingFrame) {
      scanner.skip(chunk);
      return chunk;
    }
    const kept: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length && !scanner.isBroken) {
      if (!scanner.isInFrame) {
        // A reply starts here: decide now, so an armed drop takes the whole reply or none of it.
        this.#isDroppingFrame = this.#state.dropReplies > 0 && chunk[offset] !== RESP3_PUSH;
        if (this.#isDroppingFrame) this.#state.dropReplies--;
      }
      const end = scanner.scan(chunk, offset);
      const stop = end === -1 ? chunk.length : end;
      if (this.#isDroppingFrame) {
        this.#stats.dropped += stop - offset;
        if (end !== -1) {
          this.#state.stats.droppedReplies++;
          this.#isDroppingFrame = false;
        }
      } else {
        kept.push(chunk.subarray(offset, stop));
      }
      offset = stop;
    }
    // A stream the scanner cannot follow is forwarded untouched from the point it broke.
    if (offset < chunk.length) kept.push(chunk.subarray(offset));
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  }

  #dropBytes(data: Uint8Array): Uint8Array {
    const faults = this.#faults;
    if (faults.dropBytes === 0 || data.length === 0) return data;
    const n = Math.min(faults.dropBytes, data.length);
    faults.dropBytes -= n;
    this.#stats.dropped += n;
    return data.subarray(n);
  }
}

interface ProxyConnection {
  readonly client: net.Socket;
  readonly server: net.Socket;
  readonly up: Pipe;
  readonly down: Pipe;
}

/** Starts a fault-injecting TCP proxy on a free loopback port in front of `targetHost:targetPort`. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  assertLoopback(targetHost);
  const { targetPort } = options;
  if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) throw new Error(`targetPort must be 1..65535, got ${targetPort}`);
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  assertCount('maxBufferedBytes', maxBufferedBytes);

  const noFaults = (): DirectionFaults => ({ delayMs: 0, isBlackholed: false, isPaused: false, dropBytes: 0, corrupt: null });
  const emptyStats = (): DirectionStats => ({ received: 0, forwarded: 0, dropped: 0, queued: 0 });
  const state: ProxyState = {
    faults: { up: noFaults(), down: noFaults() },
    stats: { up: emptyStats(), down: emptyStats(), droppedReplies: 0, refusedConnections: 0 },
    maxBufferedBytes,
    dropReplies: 0,
  };
  const live = new Set<ProxyConnection>();
  const clients = new Set<net.Socket>();
  const waiters = new Set<() => void>();
  let refusal: 'close' | 'reset' | undefined;
  let totalConnections = 0;
  let isClosed = false;

  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    if (isClosed) {
      client.destroy();
      return;
    }
    if (refusal !== undefined) {
      state.stats.refusedConnections++;
      client.on('error', () => {});
      if (refusal === 'reset') resetSocket(client);
      else client.destroy();
      return;
    }
    totalConnections++;
    clients.add(client);
    const upstream = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    const connection: ProxyConnection = {
      client,
      server: upstream,
      // The client is paused (pauseOnConnect) until the target accepts: nothing is read early.
      up: new Pipe(state, 'up', client, upstream, true),
      down: new Pipe(state, 'down', upstream, client, false),
    };
    live.add(connection);
    wire(connection, client, upstream, connection.up, connection.down);
    wire(connection, upstream, client, connection.down, connection.up);
    upstream.once('connect', () => connection.up.flush());
    client.once('close', () => {
      clients.delete(client);
      notify();
    });
    notify();
  });

  /** Events of `socket`, whose bytes feed `from` and which `into` writes to. */
  function wire(connection: ProxyConnection, socket: net.Socket, peer: net.Socket, from: Pipe, into: Pipe): void {
    let error: NodeJS.ErrnoException | undefined;
    socket.on('data', (chunk: Buffer) => from.onData(chunk));
    socket.on('end', () => from.onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err));
    socket.on('close', () => {
      into.discard();
      // A reset (or a failed connect to the target) is passed on as a reset; a clean close
      // was already passed on as FIN by onEnd, after the queued bytes.
      if (error !== undefined && !from.isBlackholed) {
        from.discard();
        resetSocket(peer);
      }
      if (connection.client.destroyed && connection.server.destroyed) {
        from.discard();
        live.delete(connection);
      }
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const forEachPipe = (fn: (pipe: Pipe) => void): void => {
    for (const connection of live) {
      fn(connection.up);
      fn(connection.down);
    }
  };

  async function close(): Promise<void> {
    if (isClosed) return;
    isClosed = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of live) {
      connection.up.discard();
      connection.down.discard();
      connection.client.destroy();
      connection.server.destroy();
    }
    live.clear();
    await closed;
    notify();
  }

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return clients.size;
    },
    get totalConnections() {
      return totalConnections;
    },
    get stats(): TcpProxyStats {
      return structuredClone(state.stats);
    },
    delay(ms, direction = 'both') {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`delay must be a non-negative number of ms, got ${ms}`);
      for (const d of directions(direction)) state.faults[d].delayMs = ms;
    },
    blackhole(direction = 'both') {
      for (const d of directions(direction)) state.faults[d].isBlackholed = true;
    },
    dropNextBytes(n, direction = 'down') {
      assertCount('dropNextBytes count', n);
      for (const d of directions(direction)) state.faults[d].dropBytes = n;
    },
    dropNextReplies(count = 1) {
      assertCount('dropNextReplies count', count);
      state.dropReplies = count;
    },
    corrupt(fn, direction = 'both') {
      for (const d of directions(direction)) state.faults[d].corrupt = fn;
    },
    resetAll() {
      for (const connection of live) {
        connection.up.discard();
        connection.down.discard();
        resetSocket(connection.client);
        resetSocket(connection.server);
      }
    },
    refuse(on, mode = 'close') {
      refusal = on ? mode : undefined;
    },
    pause(direction = 'both') {
      for (const d of directions(direction)) state.faults[d].isPaused = true;
    },
    resume(direction = 'both') {
      for (const d of directions(direction)) state.faults[d].isPaused = false;
      forEachPipe((pipe) => pipe.flush());
    },
    heal() {
      for (const d of ['up', 'down'] as const) Object.assign(state.faults[d], noFaults());
      state.dropReplies = 0;
      refusal = undefined;
      forEachPipe((pipe) => {
        pipe.expedite();
        pipe.flush();
      });
    },
    waitForConnections(count, timeoutMs = 2000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (clients.size !== count && !isClosed) return;
          waiters.delete(check);
          clearTimeout(timer);
          if (clients.size === count) resolve();
          else reject(new Error('proxy closed while waiting for connections'));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} proxy connections within ${timeoutMs} ms, have ${clients.size}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
