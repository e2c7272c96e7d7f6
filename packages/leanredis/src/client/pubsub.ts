// @layer L6 client
/*
 * Pub/sub. Subscriptions (subscription.ts: one subscription's buffer and delivery) live on
 * subscriber connections ("links"), leased from the pool:
 *
 *   shared link      every subscription with overflow 'drop' (the default). Taken at the first
 *                    such subscribe, given back when the last one ends. It never stops reading,
 *                    so no subscription on it can stall another: a full buffer drops (and counts).
 *   dedicated link   one per subscription with overflow 'pause': a connection of its own, within
 *                    maxConnections. Pausing stops reading that socket only; the others go on.
 *
 * Every link reconnects on its own and re-subscribes to its channels, patterns and shard
 * channels before anything else is written on it; the time from the loss to the re-subscribe is
 * a "reconnect window", counted in stats (pubsubReconnects, pubsubReconnectMs).
 *
 * Bounds: a subscription's buffer holds at most `bufferSize` messages and `bufferBytes` bytes
 * (a single larger message is let through alone). When it is full, 'drop' discards the message
 * and counts it; 'pause' stops reading its link's socket until the buffer is half empty. The
 * messages already decoded from the last socket read wait on the link meanwhile, in order (at
 * most one read, ~64 KiB); the rest stays in the kernel and then in the server's output buffer
 * for that connection, up to client-output-buffer-limit pubsub (default 32 MB at once, or 8 MB
 * for 60 s), past which the server closes the connection: the link reconnects and re-subscribes,
 * and what was published meanwhile is lost (docs/RELIABILITY.md, "Pub/sub").
 */
import { ArgumentError, CommandTimeoutError } from '../errors.js';
import type { Connection } from '../connection/connection.js';
import type { PushMessage } from '../resp/types.js';
import { RingQueue } from '../internal/ring-queue.js';
import { isCommandObserved } from '../internal/channels.js';
import { timeSend } from './timed-command.js';
import type { Dispatcher } from './dispatcher.js';
import { Subscription, type MessageListener, type PubSubMessage, type SubscribeOptions, type SubscriptionKind, type SubscriptionManager } from './subscription.js';

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

const DEFAULT_BUFFER_SIZE = 1024;
const DEFAULT_BUFFER_BYTES = 1024 * 1024;

const text = (v: unknown): string => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString() : String(v));

interface Ack {
  resolve: () => void;
}

/** A message read while its link was paused, and the name it came on. */
interface HeldMessage<S> {
  key: string;
  message: PubSubMessage<S>;
}

/** One subscriber connection and the subscriptions it carries. */
class Link<S> {
  /** Shared by 'drop' subscriptions, or dedicated to one 'pause' subscription. */
  readonly isShared: boolean;
  conn: Connection | undefined;
  connecting: Promise<Connection> | undefined;
  readonly subs = new Map<string, Set<Subscription<S>>>(); // "kind:name" -> subscriptions
  readonly acks = new Map<string, Ack[]>(); // "ack:kind:name" -> waiting subscribe/unsubscribe calls
  /** Messages decoded after reading paused (the rest of that socket read), delivered first on resume. */
  readonly held = new RingQueue<HeldMessage<S>>();
  isPaused = false;
  isDraining = false;
  /** performance.now() when its socket was lost; 0 while connected. */
  lostAt = 0;
  constructor(isShared: boolean) {
    this.isShared = isShared;
  }
}

/** The subscriptions of one client and their subscriber connections. */
export class PubSub<S = string> implements SubscriptionManager<S> {
  dropped = 0;
  /** Reconnect windows: subscriber connections lost and subscribed again, and their total length. */
  reconnects = 0;
  reconnectMs = 0;
  readonly #dispatcher: Dispatcher;
  readonly #onError: (err: unknown) => void;
  readonly #shared = new Link<S>(true);
  readonly #dedicated = new Map<Subscription<S>, Link<S>>();
  readonly #byConn = new Map<Connection, Link<S>>();

  constructor(dispatcher: Dispatcher, onError: (err: unknown) => void) {
    this.#dispatcher = dispatcher;
    this.#onError = onError;
  }

  /** Subscriptions alive now. */
  get count(): number {
    const seen = new Set<Subscription<S>>();
    for (const set of this.#shared.subs.values()) for (const sub of set) seen.add(sub);
    return seen.size + this.#dedicated.size;
  }

  #linkOf(sub: Subscription<S>): Link<S> {
    return this.#dedicated.get(sub) ?? this.#shared;
  }

  async subscribe(kind: SubscriptionKind, names: string[], listener: MessageListener<S> | undefined, options: SubscribeOptions | undefined): Promise<Subscription<S>> {
    if (names.length === 0) throw new ArgumentError(`${COMMANDS[kind].on.toLowerCase()}: at least one name is required`, 'ERR_INVALID_ARGUMENT');
    const bufferSize = options?.bufferSize ?? DEFAULT_BUFFER_SIZE;
    const bufferBytes = options?.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    const overflow = options?.overflow ?? 'drop';
    const sub = new Subscription<S>(this, kind, [...new Set(names.map(String))], listener, { bufferSize, bufferBytes, overflow });
    let link = this.#shared;
    if (overflow === 'pause') this.#dedicated.set(sub, (link = new Link<S>(false)));
    const fresh: string[] = [];
    for (const name of sub.names) {
      const key = `${kind}:${name}`;
      let set = link.subs.get(key);
      if (set === undefined) {
        link.subs.set(key, (set = new Set()));
        fresh.push(name);
      }
      set.add(sub);
    }
    try {
      const conn = await this.#connection(link);
      if (fresh.length > 0) await this.#send(link, conn, kind, 'on', fresh);
    } catch (err) {
      await sub.unsubscribe().catch(() => {});
      throw err;
    }
    return sub;
  }

  #connection(link: Link<S>): Promise<Connection> {
    if (link.conn !== undefined) return Promise.resolve(link.conn);
    link.connecting ??= this.#dispatcher.pool.acquire(undefined, true).then(
      (conn) => {
        link.connecting = undefined;
        // Every subscription of the link ended while the lease was being granted.
        if (link.subs.size === 0) {
          this.#dispatcher.pool.release(conn);
          return conn;
        }
        conn.setSubscriber(true);
        link.conn = conn;
        this.#byConn.set(conn, link);
        return conn;
      },
      (err: unknown) => {
        link.connecting = undefined;
        throw err;
      },
    );
    return link.connecting;
  }

  /** Sends (P|S)(UN)SUBSCRIBE and waits for the server to confirm every name; observed like any command. */
  #send(link: Link<S>, conn: Connection, kind: SubscriptionKind, direction: 'on' | 'off', names: string[]): Promise<void> {
    const command = direction === 'on' ? COMMANDS[kind].on : COMMANDS[kind].off;
    if (!isCommandObserved()) {
      const table = this.#dispatcher.durationTable();
      if (table === undefined) return this.#sendNow(link, conn, kind, direction, command, names);
      return timeSend(table, command, () => this.#sendNow(link, conn, kind, direction, command, names));
    }
    return this.#dispatcher.observer.command(command, names, (context) => {
      context.connectionId = conn.id;
      return this.#sendNow(link, conn, kind, direction, command, names);
    }) as Promise<void>;
  }

  #sendNow(link: Link<S>, conn: Connection, kind: SubscriptionKind, direction: 'on' | 'off', command: string, names: string[]): Promise<void> {
    const ackType = direction === 'on' ? 'ack' : 'ackOff';
    const pending: [string, Ack][] = [];
    const waits = names.map(
      (name) =>
        new Promise<void>((resolve) => {
          const key = `${ackType}:${kind}:${name}`;
          const ack: Ack = { resolve };
          pending.push([key, ack]);
          const list = link.acks.get(key);
          if (list === undefined) link.acks.set(key, [ack]);
          else list.push(ack);
        }),
    );
    // While reconnecting the names are sent by onReady once the socket is ready.
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
        // A confirmation that never came must not wait in the map for ever.
        for (const [key, ack] of pending) {
          const list = link.acks.get(key);
          const at = list?.indexOf(ack) ?? -1;
          if (at === -1) continue;
          list!.splice(at, 1);
          if (list!.length === 0) link.acks.delete(key);
        }
        throw err;
      },
    );
  }

  async remove(sub: Subscription<S>): Promise<void> {
    const link = this.#linkOf(sub);
    const gone: string[] = [];
    for (const name of sub.names) {
      const key = `${sub.kind}:${name}`;
      const set = link.subs.get(key);
      if (set === undefined) continue;
      set.delete(sub);
      if (set.size === 0) {
        link.subs.delete(key);
        gone.push(name);
      }
    }
    const conn = link.conn;
    // A dedicated link is closed with its subscription: no UNSUBSCRIBE round trip needed.
    if (link.isShared && conn !== undefined && gone.length > 0 && conn.isReady) {
      await this.#send(link, conn, sub.kind, 'off', gone).catch(() => {});
    }
    if (link.subs.size === 0) {
      if (!link.isShared) this.#dedicated.delete(sub);
      if (link.conn !== undefined) {
        const last = link.conn;
        link.conn = undefined;
        this.#byConn.delete(last);
        last.setSubscriber(false);
        link.held.drain();
        link.isPaused = false;
        this.#dispatcher.pool.release(last, false);
      }
    }
  }

  /** Routes a push frame (or, under RESP2, a pub/sub array) from a subscriber connection. */
  onPush(conn: Connection, push: PushMessage): void {
    const link = this.#byConn.get(conn);
    if (link === undefined) return;
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
      const key = `${kind}:${name}`;
      // Read after the link paused (the rest of that socket read): kept in order for later.
      if (link.isPaused || link.held.length > 0) link.held.push({ key, message });
      else this.#route(link, key, message);
      return;
    }
    const key = `${what}:${kind}:${text(items[1])}`;
    const list = link.acks.get(key);
    if (list === undefined) return;
    const ack = list.shift();
    if (list.length === 0) link.acks.delete(key);
    ack?.resolve();
  }

  /** Hands a message to its subscriptions; one that is full (policy 'pause') keeps it held on the link. */
  #route(link: Link<S>, key: string, message: PubSubMessage<S>): boolean {
    const set = link.subs.get(key);
    if (set === undefined) return true;
    for (const sub of set) {
      if (!sub.deliver(message)) {
        // Only a dedicated link has a 'pause' subscription, and only that one: nobody else waits.
        link.held.unshift({ key, message });
        return false;
      }
    }
    return true;
  }

  /** A subscriber connection lost its socket: a reconnect window opens. */
  onLost(conn: Connection): void {
    const link = this.#byConn.get(conn);
    if (link !== undefined && link.lostAt === 0) link.lostAt = performance.now();
  }

  /** After a reconnect: subscribe again to everything, before any queued command. */
  onReady(conn: Connection): void {
    const link = this.#byConn.get(conn);
    if (link === undefined) return;
    if (link.lostAt > 0) {
      this.reconnects++;
      this.reconnectMs += performance.now() - link.lostAt;
      link.lostAt = 0;
    }
    if (link.isPaused) conn.setReading(false);
    // A new socket is subscribed to nothing: unsubscribes still waiting for their confirmation are done.
    for (const [key, list] of link.acks) {
      if (!key.startsWith('ackOff:')) continue;
      link.acks.delete(key);
      for (const ack of list) ack.resolve();
    }
    const byKind: Record<SubscriptionKind, string[]> = { channel: [], pattern: [], shard: [] };
    for (const key of link.subs.keys()) {
      const colon = key.indexOf(':');
      byKind[key.slice(0, colon) as SubscriptionKind].push(key.slice(colon + 1));
    }
    for (const kind of Object.keys(byKind) as SubscriptionKind[]) {
      if (byKind[kind].length > 0) conn.sendUnanswered(COMMANDS[kind].on, byKind[kind]);
    }
  }

  /** The client is closing: every subscription ends (the connections close with the pool). */
  shutdown(): void {
    for (const link of [this.#shared, ...this.#dedicated.values()]) {
      for (const set of link.subs.values()) for (const sub of set) sub.end();
      link.subs.clear();
      for (const list of link.acks.values()) for (const ack of list) ack.resolve();
      link.acks.clear();
      link.held.drain();
      link.conn = undefined;
    }
    this.#dedicated.clear();
    this.#byConn.clear();
  }

  pause(sub: Subscription<S>): void {
    const link = this.#linkOf(sub);
    if (link.isShared) return; // never: a shared link's subscriptions drop instead
    link.isPaused = true;
    link.conn?.setReading(false);
  }

  resume(sub: Subscription<S>): void {
    const link = this.#linkOf(sub);
    if (link.isShared || !link.isPaused) return;
    link.isPaused = false;
    // Called from inside a delivery (a listener that returned at once): the outer loop goes on.
    if (link.isDraining) return;
    link.isDraining = true;
    try {
      let held: HeldMessage<S> | undefined;
      while (!link.isPaused && (held = link.held.shift()) !== undefined) this.#route(link, held.key, held.message);
    } finally {
      link.isDraining = false;
    }
    if (!link.isPaused) link.conn?.setReading(true);
  }

  reportError(err: unknown): void {
    this.#onError(err);
  }
}
