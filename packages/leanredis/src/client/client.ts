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
import { ArgumentError, ClientClosedError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition, Key } from '../commands/define.js';
import type { PoolStats } from '../pool/stats.js';
import { Lease } from './lease.js';
import type { PubSub, MessageListener, SubscribeOptions, Subscription } from './pubsub.js';
import { loadPubSub } from './pubsub-loader.js';
import type { ServerInfo } from '../connection/handshake.js';
import { Dispatcher, checkCallOptions } from './dispatcher.js';
import { resolveOptions, type BufferClientOptions, type ClientOptions } from './options.js';
import { Multi, Pipeline, type BatchSender } from './pipeline.js';
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

/** `client.stats()`: the pool's figures plus pub/sub. */
export interface ClientStats extends PoolStats {
  /** Live subscriptions. */
  subscriptions: number;
  /** Pub/sub messages discarded by subscriptions with the 'drop' overflow policy. */
  messagesDropped: number;
}

function toList(names: string | string[]): string[] {
  return Array.isArray(names) ? names : [names];
}

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

  constructor(options?: string | ClientOptions | BufferClientOptions) {
    super();
    const dispatcher = new Dispatcher(resolveOptions(options));
    this.#dispatcher = dispatcher;
    dispatcher.pool.observer = new Client.#Observer(this as Client<unknown>);
  }

  /**
   * What the pool reports, turned into events and diagnostics_channel messages. One small object
   * per client whose methods are shared, rather than a closure per event (declared in the class
   * body so it may reach the client's private fields).
   */
  static readonly #Observer = class ClientObserver implements PoolObserver {
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
    leak(report: LeakReport): void {
      const client = this.#client;
      if (channels().poolLeak.hasSubscribers) channels().poolLeak.publish({ address: client.#dispatcher.options.address, ...report });
      client.#emit('leak', report);
    }
  };

  /** Sends a pipeline's or transaction's commands on a shared connection (made on first use). */
  get #batchSender(): BatchSender {
    const pool = this.#dispatcher.pool;
    return (this.#sendBatch ??= (cmds) => pool.dispatchBatch(cmds));
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

  /** What the handshake learned about the server; undefined before the first connection. */
  get serverInfo(): ServerInfo | undefined {
    return this.#dispatcher.pool.serverInfo;
  }

  /**
   * The same commands with per-call options: `client.with({ timeoutMs: 100, signal }).get('k')`.
   * The view is cheap and shares this client's connections.
   */
  with(options: CallOptions): Runner<S> {
    return new ScopedRunner<S>(this.#dispatcher, checkCallOptions(options));
  }

  /**
   * A pipeline: commands sent together in one write, results as a typed tuple. Built in a loop,
   * give the element type: `client.pipeline<number[]>()`.
   */
  pipeline<T extends unknown[] = []>(): Pipeline<T, S> {
    return new Pipeline<T, S>(this.#dispatcher, this.#batchSender);
  }

  /** A MULTI/EXEC transaction, sent in one write. */
  multi<T extends unknown[] = []>(): Multi<T, S> {
    return new Multi<T, S>(this.#dispatcher, this.#batchSender);
  }

  /**
   * A connection of your own, with the full command API, until you release it:
   * `await using conn = await client.acquire()`. Waits up to `timeoutMs` (default
   * acquireTimeoutMs) for a free connection, then rejects with ERR_POOL_TIMEOUT.
   */
  async acquire(options?: { timeoutMs?: number }): Promise<Lease<S>> {
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0)) {
      throw new ArgumentError('acquire: option "timeoutMs" must be a non-negative integer (ms)', 'ERR_INVALID_ARGUMENT');
    }
    const conn = await this.#dispatcher.pool.acquire(timeoutMs);
    return new Lease<S>(this.#dispatcher, conn);
  }

  /**
   * Optimistic transaction: WATCHes `keys` on a leased connection, runs `body` (read with the
   * lease it receives, then return `tx.multi()...` to commit, or undefined to give up) and
   * EXECs the returned transaction. Resolves the EXEC results, or null when a watched key
   * changed on every attempt (`retries` extra attempts are made on conflict).
   */
  async watch<T extends unknown[]>(
    keys: Key[],
    body: (tx: Lease<S>) => Promise<Multi<T, S> | undefined> | Multi<T, S> | undefined,
    options?: { retries?: number },
  ): Promise<T | null> {
    const retries = options?.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0) throw new ArgumentError('watch: option "retries" must be a non-negative integer', 'ERR_INVALID_ARGUMENT');
    if (keys.length === 0) throw new ArgumentError('watch: at least one key is required', 'ERR_INVALID_ARGUMENT');
    await using tx = await this.acquire();
    for (let attempt = 0; ; attempt++) {
      await tx.call('WATCH', ...keys);
      const multi = await body(tx);
      if (multi === undefined) {
        await tx.call('UNWATCH');
        return null;
      }
      if (!tx.owns(multi)) {
        await tx.call('UNWATCH');
        throw new ArgumentError('watch: return the transaction from tx.multi(), not from the client', 'ERR_INVALID_ARGUMENT');
      }
      const results = await multi.exec();
      if (results !== null || attempt >= retries) return results;
    }
  }

  /** Subscribes to channels (SUBSCRIBE). Without a listener, iterate the subscription: `for await (const m of sub)`. */
  subscribe(channels: string | string[], listener?: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#pubsubManager().subscribe('channel', toList(channels), listener, options);
  }

  /** Subscribes to glob patterns (PSUBSCRIBE); messages carry `pattern`. */
  pSubscribe(patterns: string | string[], listener?: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#pubsubManager().subscribe('pattern', toList(patterns), listener, options);
  }

  /** Subscribes to shard channels (SSUBSCRIBE, Redis 7). */
  sSubscribe(channels: string | string[], listener?: MessageListener<S>, options?: SubscribeOptions): Promise<Subscription<S>> {
    return this.#pubsubManager().subscribe('shard', toList(channels), listener, options);
  }

  #pubsubManager(): PubSub<S> {
    const PubSubClass = loadPubSub();
    return (this.#pubsub ??= new PubSubClass<S>(this.#dispatcher, (err) => this.#emit('error', err instanceof Error ? err : new Error(String(err)))));
  }

  /** A snapshot of the pool (connections, leases, waits, queues, bytes, reconnects) and of pub/sub. */
  stats(): ClientStats {
    return { ...this.#dispatcher.pool.stats(), subscriptions: this.#pubsub?.count ?? 0, messagesDropped: this.#pubsub?.dropped ?? 0 };
  }

  /** Dials now instead of on the first command (warm-up at start-up). Rejects if it cannot connect. */
  async connect(): Promise<this> {
    await this.#dispatcher.pool.connect();
    return this;
  }

  /** Lets every accepted command get its reply, then closes. New commands reject with ClientClosedError. */
  close(): Promise<void> {
    this.#pubsub?.shutdown();
    this.#closing ??= this.#dispatcher.pool.close();
    return this.#closing;
  }

  /** Closes every connection at once; everything pending rejects with ClientClosedError. */
  destroy(): void {
    this.#pubsub?.shutdown();
    this.#dispatcher.pool.destroy(new ClientClosedError('the client was destroyed'));
  }

  /** `await using client = createClient()` closes the client at the end of the scope. */
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
