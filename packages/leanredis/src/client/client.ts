// @layer L6 client
/**
 * The client: typed commands over a lazily dialled, auto-pipelined pool. Constructing one
 * opens no socket and starts no timer; the first command (or `connect()`) dials.
 */
import type { EventEmitter } from 'node:events';
import { channels } from '../internal/channels.js';
import { lazyEvents } from '../internal/builtins.js';
import type { LeakReport, PoolObserver } from '../pool/pool.js';
import type { Connection } from '../connection/connection.js';
import type { PushMessage } from '../resp/types.js';
import { ArgumentError, ClientClosedError, WatchConflictError, type QueueFullReason } from '../errors.js';
import type { WriteHold } from '../connection/in-flight-budget.js';
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition, Key, Keys } from '../commands/define.js';
import type { PoolStats } from '../pool/stats.js';
import { Lease } from './lease.js';
import type { PubSub } from './pubsub.js';
import type { MessageListener, SubscribeOptions, Subscription, SubscriptionKind } from './subscription.js';
import { loadPubSub } from './pubsub-loader.js';
import type { StreamConsumer, StreamConsumerOptions } from './stream-consumer.js';
import { loadStreamConsumer } from './stream-consumer-loader.js';
import type { ServerInfo } from '../connection/handshake.js';
import { Dispatcher, checkCallOptions } from './dispatcher.js';
import { TOPOLOGY, applyTopology, resolveOptions, type BufferClientOptions, type ClientOptions, type Topology } from './options.js';
import { Multi, Pipeline, type BatchSender, type LeaseMulti } from './pipeline.js';
import { RUN, Runner, type CallOptions } from './runner.js';

/** The client's command surface with per-call options applied (see `client.with`). */
class ScopedRunner<S> extends Runner<S> {
  readonly #dispatcher: Dispatcher;
  readonly #call: CallOptions;
  constructor(dispatcher: Dispatcher, call: CallOptions) {
    super();
    this.#dispatcher = dispatcher;
    this.#call = call;
  }
  [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown> {
    return this.#dispatcher.run(definition, args, this.#call);
  }
}

// util.inspect's hook, by its registered name: importing node:util just for it costs heap.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

// leanredis/diagnostics' memory watch learns of each new client, and of where it was created
// (its listener runs inside the constructor, so it can capture the caller's stack), through a
// set of listeners under this registered symbol. It costs one property read per client and
// loads nothing: a diagnostics_channel check would load node:diagnostics_channel (~27 KB) at
// the first createClient of a process that has not dialled yet. Symbol.for makes it one hook
// for every copy of the package. See src/diagnostics/client-registry.ts.
const CLIENT_CREATED = Symbol.for('leanredis.client.created');

/** `client.stats()`: the pool's figures plus pub/sub. */
export interface ClientStats extends PoolStats {
  /** Live subscriptions. */
  subscriptions: number;
  /** Pub/sub messages discarded by subscriptions with the 'drop' overflow policy. */
  messagesDropped: number;
  /** Reconnect windows of subscriber connections: each loss followed by a re-subscribe. */
  pubsubReconnects: number;
  /** Their total length, from the loss to the re-subscribe (ms); messages published meanwhile are not delivered. */
  pubsubReconnectMs: number;
}

/**
 * Channel or pattern names by the one `Keys` rule: a string is one name, an array the list; an
 * empty list, a non-string name (`undefined` would subscribe to "undefined") and unknown options
 * are refused: thrown synchronously, as every argument error (docs/errors.md).
 */
function subscribeArgs(method: string, command: string, names: unknown, listener: unknown, options: unknown): string[] {
  const fail = (message: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): never => {
    const error = new ArgumentError(`${method}: ${message}`, code);
    error.command = command;
    throw error;
  };
  const list = Array.isArray(names) ? (names as unknown[]) : [names];
  if (list.length === 0) fail('expected at least one name, got an empty array');
  for (const name of list) if (typeof name !== 'string') fail(`names must be strings, got ${name === null ? 'null' : typeof name}`);
  if (listener !== undefined && typeof listener !== 'function') fail('the listener must be a function (options go third)');
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options must be an object', 'ERR_INVALID_OPTION');
    for (const key of Object.keys(options as object)) {
      if (key !== 'bufferSize' && key !== 'bufferBytes' && key !== 'overflow') {
        fail(`unknown option "${key}"${key.toLowerCase().startsWith('buffer') ? ' (use "bufferSize" or "bufferBytes")' : ''}; accepted: bufferSize, bufferBytes, overflow`, 'ERR_INVALID_OPTION');
      }
    }
    const { bufferSize, bufferBytes, overflow } = options as SubscribeOptions;
    if (bufferSize !== undefined && (!Number.isSafeInteger(bufferSize) || bufferSize < 1)) fail('option "bufferSize" must be an integer >= 1', 'ERR_INVALID_OPTION');
    if (bufferBytes !== undefined && (!Number.isSafeInteger(bufferBytes) || bufferBytes < 1)) fail('option "bufferBytes" must be an integer >= 1 (bytes)', 'ERR_INVALID_OPTION');
    if (overflow !== undefined && overflow !== 'pause' && overflow !== 'drop') fail('option "overflow" must be "pause" or "drop"', 'ERR_INVALID_OPTION');
  }
  return list as string[];
}

const WATCH_OPTIONS = new Set(['retries']);

/** Options of `client.watch()`. */
export interface WatchOptions {
  /** More attempts after a watched key changed before EXEC (the body runs again each time). @default 0 */
  retries?: number;
}

/** The client's dispatcher, for the cluster client that composes one client per node (not exported by the package). */
export const DISPATCHER: unique symbol = Symbol('leanredis.dispatcher');

/** Events a client emits (`client.on(name, listener)`). */
export interface ClientEvents {
  /** A connection finished its handshake (first connect or reconnect). */
  ready: [info: { connectionId: number }];
  /** A shared connection lost its socket; it re-dials with backoff while it has work. */
  reconnecting: [info: { connectionId: number; error: Error }];
  /** A connection error. Emitted only when someone listens (never an unhandled 'error'). */
  error: [error: Error];
  /** A lease was held longer than leakDetectionThresholdMs; `stack` shows where it was acquired. */
  leak: [report: LeakReport];
}

export class Client<S = string> extends Runner<S> {
  readonly #dispatcher: Dispatcher;
  #sendBatch: BatchSender | undefined;
  #closing: Promise<void> | undefined;
  #events: EventEmitter | undefined;
  #pubsub: PubSub<S> | undefined;
  // What the caller passed, for duplicate(): kept private (a #field), as it may hold a password.
  readonly #input: string | ClientOptions | BufferClientOptions | undefined;

  constructor(options?: string | ClientOptions | BufferClientOptions) {
    super();
    this.#input = options;
    const resolved = resolveOptions(options, this);
    const dispatcher = new Dispatcher(resolved);
    this.#dispatcher = dispatcher;
    const topology = typeof options === 'object' && options !== null ? (options as { [TOPOLOGY]?: Topology })[TOPOLOGY] : undefined;
    if (topology !== undefined) {
      applyTopology(resolved, topology, {
        dropConnections: (error) => dispatcher.pool.dropConnections(error),
        routeReads: (pick) => {
          dispatcher.readRoute = pick === undefined ? undefined : () => Client.#dispatcherOf(pick());
        },
      });
    }
    dispatcher.pool.observer = new Client.#Observer(this as Client<unknown>);
    const created = (globalThis as { [CLIENT_CREATED]?: Set<(client: Client<unknown>) => void> })[CLIENT_CREATED];
    if (created !== undefined) for (const listener of created) listener(this as Client<unknown>);
  }

  /** The dispatcher of a client (a topology's replica client), for read routing. */
  static #dispatcherOf(client: object | undefined): Dispatcher | undefined {
    return client instanceof Client ? client.#dispatcher : undefined;
  }

  /**
   * What the pool reports, turned into events and diagnostics_channel messages. One small object
   * per client whose methods are shared, rather than a closure per event (declared in the class
   * body so it may reach the client's private fields).
   */
  static readonly #Observer = class ClientObserver implements PoolObserver<Connection> {
    readonly #client: Client<unknown>;
    constructor(client: Client<unknown>) {
      this.#client = client;
    }
    ready(conn: Connection): void {
      const client = this.#client;
      client.#pubsub?.onReady(conn);
      if (channels().poolReady.hasSubscribers) channels().poolReady.publish({ address: client.#dispatcher.options.address, connectionId: conn.id });
      client.#emit('ready', { connectionId: conn.id });
    }
    lost(conn: Connection, error: Error): void {
      const client = this.#client;
      client.#pubsub?.onLost(conn);
      if (channels().poolLost.hasSubscribers) channels().poolLost.publish({ address: client.#dispatcher.options.address, connectionId: conn.id, error });
      client.#emit('reconnecting', { connectionId: conn.id, error });
      client.#emit('error', error);
    }
    push(conn: Connection, message: PushMessage): void {
      this.#client.#pubsub?.onPush(conn, message);
    }
    closed(conn: Connection, error: Error | undefined): void {
      if (channels().poolClose.hasSubscribers) channels().poolClose.publish({ address: this.#client.#dispatcher.options.address, connectionId: conn.id, error });
    }
    rejected(command: string | undefined, reason: QueueFullReason, conn: Connection | undefined): void {
      const c = channels().commandRejected;
      if (c.hasSubscribers) c.publish({ address: this.#client.#dispatcher.options.address, connectionId: conn?.id, command, reason });
    }
    writeHold(conn: Connection, hold: WriteHold, heldMs: number): void {
      const c = channels().poolBackpressure;
      if (!c.hasSubscribers) return;
      c.publish({
        address: this.#client.#dispatcher.options.address,
        connectionId: conn.id,
        hold,
        heldMs,
        inFlight: conn.inFlightCount,
        inFlightBytes: conn.inFlightBytes,
        queuedCommands: conn.queuedCount,
        writeBufferedBytes: conn.writeBufferedBytes,
      });
    }
    leak(report: LeakReport): void {
      const client = this.#client;
      if (channels().poolLeak.hasSubscribers) channels().poolLeak.publish({ address: client.#dispatcher.options.address, ...report });
      client.#emit('leak', report);
    }
  };

  /** Sends a pipeline's or transaction's commands on a shared connection (made on first use). */
  get #batchSender(): BatchSender {
    const pool = this.#dispatcher.pool;
    return (this.#sendBatch ??= (cmds) => pool.dispatchBatch(cmds)?.id);
  }

  get [DISPATCHER](): Dispatcher {
    return this.#dispatcher;
  }

  /** Adds an event listener (see ClientEvents). */
  on<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this {
    (this.#events ??= new (lazyEvents().EventEmitter)()).on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Adds a listener called at most once. */
  once<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this {
    (this.#events ??= new (lazyEvents().EventEmitter)()).once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Removes a listener. */
  off<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this {
    this.#events?.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  #emit<E extends keyof ClientEvents>(event: E, ...args: ClientEvents[E]): void {
    const events = this.#events;
    if (events === undefined || events.listenerCount(event) === 0) return;
    events.emit(event, ...args);
  }

  [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown> {
    return this.#dispatcher.run(definition, args, undefined);
  }

  /** False once close() or destroy() was called. */
  get isOpen(): boolean {
    return this.#dispatcher.pool.isOpen;
  }

  /** The RESP version this client speaks (`protocol` option). */
  get protocol(): 2 | 3 {
    return this.#dispatcher.options.connection.protocol;
  }

  /** Whether bulk replies and pub/sub messages are Buffers (`createClient({ returnBuffers: true })`). */
  get returnsBuffers(): boolean {
    return this.#dispatcher.options.connection.returnBuffers;
  }

  /**
   * A new client with this one's options, and `overrides` on top: its own pool, nothing dialled
   * until used. `client.duplicate({ returnBuffers: true })` reads the same server as Buffers.
   */
  duplicate(overrides?: ClientOptions): Client<S>;
  duplicate(overrides: BufferClientOptions): Client<Buffer>;
  duplicate(overrides?: Omit<ClientOptions, 'returnBuffers'> & { returnBuffers?: boolean }): Client<S> | Client<Buffer> {
    if (overrides !== undefined && (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))) {
      throw new ArgumentError('duplicate: overrides must be an options object', 'ERR_INVALID_OPTION');
    }
    const input = this.#input;
    const base = typeof input === 'string' ? { url: input } : input;
    return new Client<S>({ ...base, ...overrides } as ClientOptions);
  }

  /** What the handshake learned about the server; undefined before the first connection. */
  get serverInfo(): ServerInfo | undefined {
    return this.#dispatcher.pool.serverInfo;
  }

  /**
   * The same commands with per-call options: `client.with({ timeoutMs: 100, signal }).get('k')`.
   * The view is cheap and shares this client's connections. `returnBuffers: true` reads bulk
   * strings as Buffers, and the view is typed so: `get()` resolves `Buffer | null`.
   */
  with(options: CallOptions & { returnBuffers: true }): Runner<Buffer>;
  /** The same commands with per-call options; `returnBuffers: false` reads bulk strings as strings, typed so. */
  with(options: CallOptions & { returnBuffers: false }): Runner<string>;
  /** The same commands with per-call options: `client.with({ timeoutMs: 100, signal }).get('k')`. */
  with(options: CallOptions & { returnBuffers?: undefined }): Runner<S>;
  /** The same commands with per-call options; `returnBuffers` not known until run time: either kind of reply. */
  with(options: CallOptions): Runner<S | Buffer | string>;
  with(options: CallOptions): Runner<S | Buffer | string> {
    return new ScopedRunner<S | Buffer | string>(this.#dispatcher, checkCallOptions(options));
  }

  /**
   * A pipeline: commands sent together, in order, on one connection, results as a typed tuple.
   * Not atomic: under the in-flight caps (maxInFlightCommands, maxInFlightBytes) a large one is
   * written in parts as replies make room. Built in a loop, give the element type:
   * `client.pipeline<number[]>()`.
   */
  pipeline<T extends unknown[] = []>(): Pipeline<T, S> {
    return new Pipeline<T, S>(this.#dispatcher, this.#batchSender, false);
  }

  /**
   * A MULTI/EXEC transaction, sent in one write: written whole or not at all (the in-flight caps
   * hold it back as a unit; at its deadline it expires unwritten, whole).
   */
  multi<T extends unknown[] = []>(): Multi<T, S> {
    return new Multi<T, S>(this.#dispatcher, this.#batchSender, false);
  }

  /**
   * A connection of your own, with the full command API, until you release it:
   * `await using conn = await client.acquire()`. Waits up to `timeoutMs` (default
   * acquireTimeoutMs) for a free connection, then rejects with ERR_POOL_TIMEOUT.
   */
  acquire(options?: { timeoutMs?: number }): Promise<Lease<S>> {
    // Arguments are checked here, synchronously (docs/errors.md: argument errors are thrown).
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ArgumentError('acquire: options must be an object', 'ERR_INVALID_OPTION');
      for (const key of Object.keys(options)) if (key !== 'timeoutMs') throw new ArgumentError(`acquire: unknown option "${key}"; accepted: timeoutMs`, 'ERR_INVALID_OPTION');
    }
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0)) {
      throw new ArgumentError('acquire: option "timeoutMs" must be a non-negative integer (ms)', 'ERR_INVALID_OPTION');
    }
    return this.#dispatcher.pool.acquire(timeoutMs).then((conn) => new Lease<S>(this.#dispatcher, conn));
  }

  /**
   * Optimistic transaction: WATCHes `keys` on a leased connection, runs `body` (read with the
   * lease it receives, then return `tx.multi()...` to commit, or undefined to give up) and
   * EXECs the returned transaction. When a watched key changed before EXEC, the server aborts
   * it and the body runs again, up to `retries` more times.
   *
   * Resolves the EXEC results; null only when the body gave up (returned undefined), and then
   * the type says so (`Promise<T | null>` only for a body that may return undefined). Rejects
   * with WatchConflictError (`ERR_WATCH_CONFLICT`, `.attempts`) when a watched key changed on
   * every attempt: nothing was committed.
   */
  watch<T extends unknown[]>(keys: Keys, body: (tx: Lease<S>) => Promise<LeaseMulti<T, S>> | LeaseMulti<T, S>, options?: WatchOptions): Promise<T>;
  /**
   * Optimistic transaction (see the first signature); this body may give up by returning
   * undefined, and watch() then resolves null. Retries that run out reject with
   * WatchConflictError (`ERR_WATCH_CONFLICT`), never resolve null.
   */
  watch<T extends unknown[]>(keys: Keys, body: (tx: Lease<S>) => Promise<LeaseMulti<T, S> | undefined> | LeaseMulti<T, S> | undefined, options?: WatchOptions): Promise<T | null>;
  watch<T extends unknown[]>(keys: Keys, body: (tx: Lease<S>) => Promise<LeaseMulti<T, S> | undefined> | LeaseMulti<T, S> | undefined, options?: WatchOptions): Promise<T | null> {
    const fail = (message: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): never => {
      const error = new ArgumentError(`watch: ${message}`, code);
      error.command = 'WATCH';
      throw error;
    };
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options must be an object', 'ERR_INVALID_OPTION');
      for (const key of Object.keys(options)) if (!WATCH_OPTIONS.has(key)) fail(`unknown option "${key}"${key.toLowerCase().startsWith('retr') ? ' (use "retries")' : ''}; accepted: retries`, 'ERR_INVALID_OPTION');
    }
    const retries = options?.retries ?? 0;
    if (!Number.isSafeInteger(retries) || retries < 0) fail('option "retries" must be an integer >= 0', 'ERR_INVALID_OPTION');
    // The one Keys rule: 'acct:balance' is one key, never the characters of it.
    const list = Array.isArray(keys) ? keys : [keys];
    if (list.length === 0) fail('expected at least one key, got an empty array');
    if (typeof body !== 'function') fail('the body must be a function');
    // Checked above, synchronously; what follows is asynchronous.
    return this.#watch(list, body, retries, fail);
  }

  async #watch<T extends unknown[]>(
    list: Key[],
    body: (tx: Lease<S>) => Promise<LeaseMulti<T, S> | undefined> | LeaseMulti<T, S> | undefined,
    retries: number,
    fail: (message: string) => never,
  ): Promise<T | null> {
    await using tx = await this.acquire();
    for (let attempt = 1; ; attempt++) {
      await tx.watch(list);
      const multi = await body(tx);
      // The body gave up: null, told apart from a conflict (which rejects below).
      if (multi === undefined) {
        await tx.unwatch();
        return null;
      }
      if (!tx.owns(multi)) {
        await tx.unwatch();
        fail('return the transaction from tx.multi(), not from the client');
      }
      const results = await multi.exec();
      if (results !== null) return results;
      // EXEC aborted: a watched key changed after WATCH. Retries ran out: say so, not null.
      if (attempt > retries) throw new WatchConflictError(attempt);
    }
  }

  /** Subscribes to channels (SUBSCRIBE). Without a listener, iterate the subscription: `for await (const m of sub)`. */
  subscribe(channels: string | readonly string[], listener?: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#subscribe('channel', 'subscribe', 'SUBSCRIBE', channels, listener, options);
  }

  /** Subscribes to glob patterns (PSUBSCRIBE); messages carry `pattern`. */
  pSubscribe(patterns: string | readonly string[], listener?: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#subscribe('pattern', 'pSubscribe', 'PSUBSCRIBE', patterns, listener, options);
  }

  /** Subscribes to shard channels (SSUBSCRIBE, Redis 7). */
  sSubscribe(channels: string | readonly string[], listener?: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#subscribe('shard', 'sSubscribe', 'SSUBSCRIBE', channels, listener, options);
  }

  #subscribe(kind: SubscriptionKind, method: string, command: string, names: unknown, listener: MessageListener<S> | undefined, options: SubscribeOptions | undefined): Promise<Subscription<S>> {
    const list = subscribeArgs(method, command, names, listener, options); // throws synchronously
    return this.#pubsubManager().subscribe(kind, list, listener, options);
  }

  /**
   * A consumer group member as an async iterator, reading in bounded batches, re-reading its own
   * pending entries after a restart or a lost connection and claiming those other consumers left
   * idle; acknowledge each entry with `await message.ack()`. Blocking reads run on a leased
   * connection; `close()`, breaking out of the loop or the `signal` stop it.
   *
   * ```ts
   * for await (const m of client.streamConsumer({ stream: 'jobs', group: 'workers', consumer: 'w1' })) {
   *   await handle(m.fields);
   *   await m.ack();
   * }
   * ```
   */
  streamConsumer(options: StreamConsumerOptions): StreamConsumer<S> {
    const Consumer = loadStreamConsumer();
    return new Consumer<S>(this, (signal) => this.with({ signal }), options);
  }

  #pubsubManager(): PubSub<S> {
    const PubSubClass = loadPubSub();
    return (this.#pubsub ??= new PubSubClass<S>(this.#dispatcher, (err) => this.#emit('error', err instanceof Error ? err : new Error(String(err)))));
  }

  /** A snapshot of the pool (connections, leases, waits, queues, bytes, reconnects) and of pub/sub. */
  stats(): ClientStats {
    const pubsub = this.#pubsub;
    return {
      ...this.#dispatcher.pool.stats(),
      subscriptions: pubsub?.count ?? 0,
      messagesDropped: pubsub?.dropped ?? 0,
      pubsubReconnects: pubsub?.reconnects ?? 0,
      pubsubReconnectMs: Math.round(pubsub?.reconnectMs ?? 0),
    };
  }

  /** Dials now instead of on the first command (warm-up at start-up). Rejects if it cannot connect. */
  async connect(): Promise<this> {
    await this.#dispatcher.pool.connect();
    return this;
  }

  /**
   * Lets every accepted command get its reply, then closes; new commands reject with
   * ClientClosedError. Past `timeoutMs` (default closeTimeoutMs; 0: no deadline) every
   * connection is destroyed: each command still pending, a `blPop(key, 0)` say, rejects with
   * ERR_CLIENT_CLOSED naming it, and close() resolves. The first call's deadline applies;
   * `destroy()` ends it at once.
   */
  close(options?: { timeoutMs?: number }): Promise<void> {
    // Checked here, synchronously (docs/errors.md: argument errors are thrown).
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ArgumentError('close: options must be an object', 'ERR_INVALID_OPTION');
      for (const key of Object.keys(options)) {
        if (key !== 'timeoutMs') throw new ArgumentError(`close: unknown option "${key}"${key.toLowerCase() === 'timeout' ? ' (use "timeoutMs")' : ''}; accepted: timeoutMs`, 'ERR_INVALID_OPTION');
      }
      const ms = options.timeoutMs;
      if (ms !== undefined && (!Number.isInteger(ms) || ms < 0 || ms > 2 ** 31 - 1)) {
        throw new ArgumentError('close: option "timeoutMs" must be an integer from 0 to 2147483647 (ms)', 'ERR_INVALID_OPTION');
      }
    }
    this.#pubsub?.shutdown();
    this.#closing ??= this.#dispatcher.pool.close(options?.timeoutMs);
    return this.#closing;
  }

  /** Closes every connection at once; everything pending rejects with ClientClosedError. */
  destroy(): void {
    this.#pubsub?.shutdown();
    this.#dispatcher.pool.destroy(new ClientClosedError('the client was destroyed'));
  }

  /** `await using client = createClient()` closes the client at the end of the scope (within closeTimeoutMs). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [INSPECT](): string {
    const o = this.#dispatcher.options;
    return `Client { address: '${o.address}', database: ${o.connection.database}, protocol: ${o.connection.protocol}, open: ${this.isOpen} }`;
  }

  toJSON(): object {
    const o = this.#dispatcher.options;
    return { address: o.address, database: o.connection.database, protocol: o.connection.protocol, open: this.isOpen };
  }
}

/**
 * Creates a client. Nothing is dialled and no timer starts until the first command or
 * `connect()`. Throws ArgumentError naming the option when an option is invalid.
 */
export function createClient(options: BufferClientOptions): Client<Buffer>;
export function createClient(options?: string | ClientOptions): Client<string>;
export function createClient(options?: string | ClientOptions | BufferClientOptions): Client<string> | Client<Buffer> {
  return new Client<string>(options);
}
