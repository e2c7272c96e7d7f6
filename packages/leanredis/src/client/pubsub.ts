// @layer L6 client
/*
 * Pub/sub. All of a client's subscriptions share one leased connection, taken from the pool
 * at the first subscribe and given back when the last subscription ends. That connection
 * reconnects on its own and re-subscribes to every channel, pattern and shard channel before
 * anything else is written on it.
 *
 * Backpressure: each Subscription has a bounded buffer (`bufferSize`). A listener that returns
 * a promise gets messages one at a time; an async iterator pulls them. When a buffer is full,
 * the policy decides: 'pause' stops reading the socket until the buffer is half empty (the
 * server then buffers, up to its client-output-buffer-limit for pubsub), 'drop' discards the
 * message and counts it. Memory never grows without bound on our side.
 */
import { ArgumentError, CommandTimeoutError } from '../errors.js';
import type { Connection } from '../connection/connection.js';
import type { PushMessage } from '../resp/types.js';
import { RingQueue } from '../internal/ring-queue.js';
import { isCommandObserved } from '../internal/channels.js';
import type { Dispatcher } from './dispatcher.js';

/** Plain channels (SUBSCRIBE), glob patterns (PSUBSCRIBE) or shard channels (SSUBSCRIBE). */
export type SubscriptionKind = 'channel' | 'pattern' | 'shard';

/** One message. `pattern` is set for pattern subscriptions. */
export interface PubSubMessage<S = string> {
  channel: string;
  message: S;
  pattern?: string;
}

/** Called per message; a returned promise makes the next message wait for it. */
export type MessageListener<S = string> = (message: S, channel: string, pattern?: string) => void | Promise<void>;

export interface SubscribeOptions {
  /** Messages buffered per subscription before the overflow policy applies. @default 1024 */
  bufferSize?: number;
  /** Full buffer: stop reading the socket ('pause') or discard and count ('drop'). @default "pause" */
  overflow?: 'pause' | 'drop';
}

const COMMANDS: Record<SubscriptionKind, { on: string; off: string; ack: string; ackOff: string; message: string }> = {
  channel: { on: 'SUBSCRIBE', off: 'UNSUBSCRIBE', ack: 'subscribe', ackOff: 'unsubscribe', message: 'message' },
  pattern: { on: 'PSUBSCRIBE', off: 'PUNSUBSCRIBE', ack: 'psubscribe', ackOff: 'punsubscribe', message: 'pmessage' },
  shard: { on: 'SSUBSCRIBE', off: 'SUNSUBSCRIBE', ack: 'ssubscribe', ackOff: 'sunsubscribe', message: 'smessage' },
};
const KIND_OF_PUSH = new Map<string, [SubscriptionKind, 'ack' | 'ackOff' | 'message']>();
for (const kind of Object.keys(COMMANDS) as SubscriptionKind[]) {
  const c = COMMANDS[kind];
  KIND_OF_PUSH.set(c.ack, [kind, 'ack']);
  KIND_OF_PUSH.set(c.ackOff, [kind, 'ackOff']);
  KIND_OF_PUSH.set(c.message, [kind, 'message']);
}

const text = (v: unknown): string => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString() : String(v));

/** A live subscription. End it with `unsubscribe()` or `await using`. */
export class Subscription<S = string> implements AsyncIterable<PubSubMessage<S>> {
  readonly kind: SubscriptionKind;
  readonly names: readonly string[];
  /** Messages discarded by the 'drop' policy. */
  dropped = 0;
  readonly #manager: PubSub<S>;
  readonly #listener: MessageListener<S> | undefined;
  readonly #bufferSize: number;
  readonly #overflow: 'pause' | 'drop';
  readonly #buffer = new RingQueue<PubSubMessage<S>>();
  #isDelivering = false;
  #isPausing = false;
  #isClosed = false;
  #wake: ((result: IteratorResult<PubSubMessage<S>>) => void) | undefined;

  constructor(manager: PubSub<S>, kind: SubscriptionKind, names: string[], listener: MessageListener<S> | undefined, options: Required<SubscribeOptions>) {
    this.#manager = manager;
    this.kind = kind;
    this.names = names;
    this.#listener = listener;
    this.#bufferSize = options.bufferSize;
    this.#overflow = options.overflow;
  }

  /** Messages waiting in this subscription's buffer. */
  get buffered(): number {
    return this.#buffer.length;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Called by the manager for every message on one of this subscription's names. */
  deliver(message: PubSubMessage<S>): void {
    if (this.#isClosed) return;
    if (this.#buffer.length >= this.#bufferSize && this.#overflow === 'drop') {
      this.dropped++;
      this.#manager.dropped++;
      return;
    }
    this.#buffer.push(message);
    if (this.#buffer.length >= this.#bufferSize && !this.#isPausing) {
      this.#isPausing = true;
      this.#manager.pause(this);
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#listener !== undefined) {
      while (!this.#isDelivering && this.#buffer.length > 0) {
        const m = this.#buffer.shift()!;
        let result: void | Promise<void>;
        try {
          result = this.#listener(m.message, m.channel, m.pattern);
        } catch (err) {
          this.#manager.reportError(err);
          continue;
        }
        if (result instanceof Promise) {
          this.#isDelivering = true;
          result.then(
            () => this.#resume(),
            (err: unknown) => {
              this.#manager.reportError(err);
              this.#resume();
            },
          );
        }
      }
    } else if (this.#wake !== undefined && this.#buffer.length > 0) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake({ value: this.#buffer.shift()!, done: false });
    }
    if (this.#isPausing && this.#buffer.length <= this.#bufferSize / 2) {
      this.#isPausing = false;
      this.#manager.resume(this);
    }
  }

  #resume(): void {
    this.#isDelivering = false;
    this.#pump();
  }

  /** Ends this subscription; the server is unsubscribed from names no other subscription uses. */
  async unsubscribe(): Promise<void> {
    if (this.#isClosed) return;
    this.end();
    await this.#manager.remove(this);
  }

  /** Marks the subscription ended and finishes a waiting iterator (the client is closing). */
  end(): void {
    this.#isClosed = true;
    this.#buffer.drain();
    if (this.#isPausing) this.#manager.resume(this);
    this.#isPausing = false;
    this.#wake?.({ value: undefined, done: true });
    this.#wake = undefined;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.unsubscribe();
  }

  /** Pulls messages one by one; breaking out of the loop unsubscribes. */
  [Symbol.asyncIterator](): AsyncIterator<PubSubMessage<S>> {
    if (this.#listener !== undefined) throw new ArgumentError('this subscription has a listener; iterate a subscription made without one', 'ERR_INVALID_ARGUMENT');
    return {
      next: () => {
        if (this.#buffer.length > 0) {
          const value = this.#buffer.shift()!;
          this.#pump();
          return Promise.resolve({ value, done: false });
        }
        if (this.#isClosed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.#wake = resolve));
      },
      return: async () => {
        await this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }
}

interface Ack {
  resolve: () => void;
}

/** The subscriptions of one client and their shared connection. */
export class PubSub<S = string> {
  dropped = 0;
  readonly #dispatcher: Dispatcher;
  readonly #onError: (err: unknown) => void;
  readonly #subs = new Map<string, Set<Subscription<S>>>(); // "kind:name" -> subscriptions
  readonly #acks = new Map<string, Ack[]>(); // "kind:name" -> waiting subscribe/unsubscribe calls
  readonly #pausedBy = new Set<Subscription<S>>();
  #conn: Connection | undefined;
  #connecting: Promise<Connection> | undefined;

  constructor(dispatcher: Dispatcher, onError: (err: unknown) => void) {
    this.#dispatcher = dispatcher;
    this.#onError = onError;
  }

  /** Subscriptions alive now. */
  get count(): number {
    const seen = new Set<Subscription<S>>();
    for (const set of this.#subs.values()) for (const sub of set) seen.add(sub);
    return seen.size;
  }

  get connection(): Connection | undefined {
    return this.#conn;
  }

  async subscribe(kind: SubscriptionKind, names: string[], listener: MessageListener<S> | undefined, options: SubscribeOptions | undefined): Promise<Subscription<S>> {
    if (names.length === 0) throw new ArgumentError(`${COMMANDS[kind].on.toLowerCase()}: at least one name is required`, 'ERR_INVALID_ARGUMENT');
    if (listener !== undefined && typeof listener !== 'function') throw new ArgumentError('subscribe: the listener must be a function', 'ERR_INVALID_ARGUMENT');
    const bufferSize = options?.bufferSize ?? 1024;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new ArgumentError('subscribe: option "bufferSize" must be a positive integer', 'ERR_INVALID_ARGUMENT');
    const overflow = options?.overflow ?? 'pause';
    if (overflow !== 'pause' && overflow !== 'drop') throw new ArgumentError('subscribe: option "overflow" must be "pause" or "drop"', 'ERR_INVALID_ARGUMENT');
    const sub = new Subscription<S>(this, kind, [...new Set(names.map(String))], listener, { bufferSize, overflow });
    const fresh: string[] = [];
    for (const name of sub.names) {
      const key = `${kind}:${name}`;
      let set = this.#subs.get(key);
      if (set === undefined) {
        this.#subs.set(key, (set = new Set()));
        fresh.push(name);
      }
      set.add(sub);
    }
    try {
      const conn = await this.#connection();
      if (fresh.length > 0) await this.#send(conn, kind, 'on', fresh);
    } catch (err) {
      await sub.unsubscribe().catch(() => {});
      throw err;
    }
    return sub;
  }

  async #connection(): Promise<Connection> {
    if (this.#conn !== undefined) return this.#conn;
    this.#connecting ??= this.#dispatcher.pool.acquire(undefined, true).then(
      (conn) => {
        conn.setSubscriber(true);
        this.#conn = conn;
        this.#connecting = undefined;
        return conn;
      },
      (err: unknown) => {
        this.#connecting = undefined;
        throw err;
      },
    );
    return this.#connecting;
  }

  /** Sends (P|S)(UN)SUBSCRIBE and waits for the server to confirm every name; observed like any command. */
  #send(conn: Connection, kind: SubscriptionKind, direction: 'on' | 'off', names: string[]): Promise<void> {
    const command = direction === 'on' ? COMMANDS[kind].on : COMMANDS[kind].off;
    if (!isCommandObserved()) return this.#sendNow(conn, kind, direction, command, names);
    return this.#dispatcher.observer.command(command, names, (context) => {
      context.connectionId = conn.id;
      return this.#sendNow(conn, kind, direction, command, names);
    }) as Promise<void>;
  }

  #sendNow(conn: Connection, kind: SubscriptionKind, direction: 'on' | 'off', command: string, names: string[]): Promise<void> {
    const ackType = direction === 'on' ? 'ack' : 'ackOff';
    const waits = names.map(
      (name) =>
        new Promise<void>((resolve) => {
          const key = `${ackType}:${kind}:${name}`;
          const list = this.#acks.get(key);
          if (list === undefined) this.#acks.set(key, [{ resolve }]);
          else list.push({ resolve });
        }),
    );
    // While reconnecting the names are sent by #resubscribe once the socket is ready.
    if (conn.isReady) conn.sendUnanswered(command, names);
    const timeoutMs = this.#dispatcher.options.commandTimeoutMs;
    if (timeoutMs === 0) return Promise.all(waits).then(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeoutError(command, timeoutMs, true)), timeoutMs);
    });
    return Promise.race([Promise.all(waits), timeout]).then(
      () => clearTimeout(timer),
      (err: unknown) => {
        clearTimeout(timer);
        throw err;
      },
    );
  }

  async remove(sub: Subscription<S>): Promise<void> {
    const gone: string[] = [];
    for (const name of sub.names) {
      const key = `${sub.kind}:${name}`;
      const set = this.#subs.get(key);
      if (set === undefined) continue;
      set.delete(sub);
      if (set.size === 0) {
        this.#subs.delete(key);
        gone.push(name);
      }
    }
    const conn = this.#conn;
    if (conn !== undefined && gone.length > 0 && conn.isReady) {
      await this.#send(conn, sub.kind, 'off', gone).catch(() => {});
    }
    if (this.#subs.size === 0 && this.#conn !== undefined) {
      const last = this.#conn;
      this.#conn = undefined;
      last.setSubscriber(false);
      this.#pausedBy.clear();
      this.#dispatcher.pool.release(last, false);
    }
  }

  /** Routes a push frame (or, under RESP2, a pub/sub array) from the subscriber connection. */
  onPush(conn: Connection, push: PushMessage): void {
    if (conn !== this.#conn) return;
    const items = push.items;
    const found = KIND_OF_PUSH.get(push.type);
    if (found === undefined) return;
    const [kind, what] = found;
    if (what === 'message') {
      const isPattern = kind === 'pattern';
      const name = text(items[1]);
      const message: PubSubMessage<S> = isPattern
        ? { pattern: name, channel: text(items[2]), message: items[3] as S }
        : { channel: name, message: items[2] as S };
      const set = this.#subs.get(`${kind}:${name}`);
      if (set !== undefined) for (const sub of set) sub.deliver(message);
      return;
    }
    const key = `${what}:${kind}:${text(items[1])}`;
    const list = this.#acks.get(key);
    if (list === undefined) return;
    const ack = list.shift();
    if (list.length === 0) this.#acks.delete(key);
    ack?.resolve();
  }

  /** After a reconnect: subscribe again to everything, before any queued command. */
  onReady(conn: Connection): void {
    if (conn !== this.#conn) return;
    if (this.#pausedBy.size > 0) conn.setReading(false);
    const byKind: Record<SubscriptionKind, string[]> = { channel: [], pattern: [], shard: [] };
    for (const key of this.#subs.keys()) {
      const colon = key.indexOf(':');
      byKind[key.slice(0, colon) as SubscriptionKind].push(key.slice(colon + 1));
    }
    for (const kind of Object.keys(byKind) as SubscriptionKind[]) {
      if (byKind[kind].length > 0) conn.sendUnanswered(COMMANDS[kind].on, byKind[kind]);
    }
  }

  /** The client is closing: every subscription ends (the connection closes with the pool). */
  shutdown(): void {
    for (const set of this.#subs.values()) for (const sub of set) sub.end();
    this.#subs.clear();
    for (const list of this.#acks.values()) for (const ack of list) ack.resolve();
    this.#acks.clear();
    this.#conn = undefined;
  }

  pause(sub: Subscription<S>): void {
    this.#pausedBy.add(sub);
    this.#conn?.setReading(false);
  }

  resume(sub: Subscription<S>): void {
    this.#pausedBy.delete(sub);
    if (this.#pausedBy.size === 0) this.#conn?.setReading(true);
  }

  reportError(err: unknown): void {
    this.#onError(err);
  }
}
