// @layer L6 client
/*
 * One subscription: its bounded buffer and how messages leave it, to a listener (one at a time:
 * a listener's promise makes the next message wait) or to an async iterator.
 *
 *   full, 'drop'    the message is discarded and counted (here and in the client's stats).
 *   full, 'pause'   deliver() answers false: the manager keeps the message and stops reading the
 *                   subscription's own connection, until the buffer is half empty (resume).
 *
 * Links, subscriber connections and the server round trips are the manager's (pubsub.ts).
 */
import { ArgumentError } from '../errors.js';
import { RingQueue } from '../internal/ring-queue.js';

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
  /** Most messages waiting in this subscription's buffer. @default 1024 */
  bufferSize?: number;
  /** Most bytes of messages waiting in this subscription's buffer (one larger message passes alone). @default 1048576 (bytes, 1 MiB) */
  bufferBytes?: number;
  /**
   * A full buffer: discard the message and count it ('drop'), or stop reading until the buffer
   * is half empty ('pause'). A 'pause' subscription gets a connection of its own (within
   * maxConnections), so pausing it never stalls the client's other subscriptions; the server
   * buffers for it meanwhile, up to its client-output-buffer-limit for pubsub. @default "drop"
   */
  overflow?: 'pause' | 'drop';
}

/** What a message weighs in a buffer: its payload's length (a Buffer's bytes, a string's characters). */
function sizeOf(message: unknown): number {
  return typeof message === 'string' || Buffer.isBuffer(message) ? message.length : 0;
}

/** What a subscription needs of the client's pub/sub manager (PubSub, pubsub.ts). */
export interface SubscriptionManager<S> {
  /** Messages dropped by every subscription of the client. */
  dropped: number;
  /** `sub`'s buffer is full under 'pause': stop reading its connection. */
  pause(sub: Subscription<S>): void;
  /** `sub`'s buffer is half empty again (or it ended): read its connection again. */
  resume(sub: Subscription<S>): void;
  /** `sub` ended: unsubscribe the server from names nothing else uses. */
  remove(sub: Subscription<S>): Promise<void>;
  /** A listener threw or rejected. */
  reportError(err: unknown): void;
}

/** A live subscription. End it with `unsubscribe()` or `await using`. */
export class Subscription<S = string> implements AsyncIterable<PubSubMessage<S>> {
  readonly kind: SubscriptionKind;
  readonly names: readonly string[];
  /** Messages discarded by the 'drop' policy. */
  dropped = 0;
  /** The most messages its buffer held at once. */
  peakBuffered = 0;
  readonly #manager: SubscriptionManager<S>;
  readonly #listener: MessageListener<S> | undefined;
  readonly #bufferSize: number;
  readonly #bufferBytes: number;
  readonly #overflow: 'pause' | 'drop';
  readonly #buffer = new RingQueue<PubSubMessage<S>>();
  #bytes = 0;
  #isDelivering = false;
  #isPausing = false;
  #isClosed = false;
  #wake: ((result: IteratorResult<PubSubMessage<S>>) => void) | undefined;

  constructor(manager: SubscriptionManager<S>, kind: SubscriptionKind, names: string[], listener: MessageListener<S> | undefined, options: Required<SubscribeOptions>) {
    this.#manager = manager;
    this.kind = kind;
    this.names = names;
    this.#listener = listener;
    this.#bufferSize = options.bufferSize;
    this.#bufferBytes = options.bufferBytes;
    this.#overflow = options.overflow;
  }

  /** Messages waiting in this subscription's buffer. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Bytes of the messages waiting in this subscription's buffer. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** 'pause' or 'drop' (see SubscribeOptions). */
  get overflow(): 'pause' | 'drop' {
    return this.#overflow;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /**
   * Called by the manager for every message on one of this subscription's names. False: the
   * buffer is full and the policy is 'pause': the caller keeps the message and stops reading.
   */
  deliver(message: PubSubMessage<S>): boolean {
    if (this.#isClosed) return true;
    const size = sizeOf(message.message);
    const length = this.#buffer.length;
    if (length >= this.#bufferSize || (length > 0 && this.#bytes + size > this.#bufferBytes)) {
      if (this.#overflow === 'pause') {
        this.#pauseOnce();
        return false;
      }
      this.dropped++;
      this.#manager.dropped++;
      return true;
    }
    this.#buffer.push(message);
    this.#bytes += size;
    if (this.#buffer.length > this.peakBuffered) this.peakBuffered = this.#buffer.length;
    // Full now: stop reading before the next message is even decoded, where possible.
    if (this.#overflow === 'pause' && (this.#buffer.length >= this.#bufferSize || this.#bytes >= this.#bufferBytes)) this.#pauseOnce();
    this.#pump();
    return true;
  }

  #pauseOnce(): void {
    if (this.#isPausing) return;
    this.#isPausing = true;
    this.#manager.pause(this);
  }

  #take(): PubSubMessage<S> {
    const m = this.#buffer.shift()!;
    this.#bytes -= sizeOf(m.message);
    return m;
  }

  #pump(): void {
    if (this.#listener !== undefined) {
      while (!this.#isDelivering && this.#buffer.length > 0) {
        const m = this.#take();
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
      wake({ value: this.#take(), done: false });
    }
    if (this.#isPausing && this.#buffer.length <= this.#bufferSize / 2 && this.#bytes <= this.#bufferBytes / 2) {
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
    this.#bytes = 0;
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
          const value = this.#take();
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
