// @layer L7 compat
/**
 * What the two adapters share: argument errors (the core's own class: the build keeps
 * `../index.js` an import of the package's entry, as for leanredis/sentinel), options checks,
 * and the pub/sub bookkeeping that turns a listener per (name, listener) into a leanredis
 * Subscription.
 */
import { ArgumentError, type Client, type MessageListener, type Subscription } from '../index.js';

/** Any leanredis client (string or Buffer replies). */
export type AnyClient = Client<string> | Client<Buffer>;

/** Throws the ArgumentError an adapter raises for a call shape it cannot honour. */
export function refuse(method: string, message: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): never {
  const error = new ArgumentError(`${method}: ${message}`, code);
  error.command = method.toUpperCase();
  throw error;
}

/** A value for a message: its type only (values may be secrets). */
export function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : Buffer.isBuffer(value) ? 'a Buffer' : typeof value;
}

/** Refuses keys of `options` outside `accepted` (nothing another client would read may be dropped). */
export function checkKeys(method: string, options: unknown, accepted: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) refuse(method, `options must be an object, got ${typeOf(options)}`, 'ERR_INVALID_OPTION');
  for (const key of Object.keys(options)) {
    if (!accepted.includes(key)) refuse(method, `unknown option "${key}"; accepted: ${accepted.join(', ')}`, 'ERR_INVALID_OPTION');
  }
  return options as Record<string, unknown>;
}

/** A pub/sub kind as the adapters name it. */
export type Kind = 'channel' | 'pattern' | 'shard';

interface Entry {
  readonly kind: Kind;
  readonly name: string;
  readonly listener: unknown;
  readonly subscription: Promise<Subscription<string> | Subscription<Buffer>>;
}

/**
 * Subscriptions made through an adapter: one leanredis Subscription per (kind, name, listener),
 * so that unsubscribing one listener or one name leaves the others. The server sees each name
 * once (the client's pub/sub manager counts its users). Messages arrive as Buffers when the
 * listener asked for them: from the client itself if it returns Buffers, else from a twin
 * (`client.duplicate({ returnBuffers: true })`, made at the first such subscription and closed
 * with the adapter), since text decoding would corrupt binary payloads such as msgpack.
 */
export class Subscriptions {
  readonly #client: AnyClient;
  #entries: Entry[] = [];
  #bufferTwin: Client<Buffer> | undefined;

  constructor(client: AnyClient) {
    this.#client = client;
  }

  /** Subscriptions made (one per name and listener). */
  get size(): number {
    return this.#entries.length;
  }

  /** Whether `name` has a subscription of `kind`. */
  has(kind: Kind, name: string): boolean {
    return this.#entries.some((e) => e.kind === kind && e.name === name);
  }

  /** Subscribes `listener(message, channel, pattern)` to each name; resolves when the server confirmed all. */
  add(kind: Kind, names: readonly string[], listener: (message: string | Buffer, channel: string, pattern: string | undefined) => void, wantsBuffers: boolean, key: unknown): Promise<void> {
    const client = this.#client;
    const source: AnyClient = wantsBuffers && !client.returnsBuffers ? (this.#bufferTwin ??= client.duplicate({ returnBuffers: true })) : client;
    const convert = !wantsBuffers && client.returnsBuffers;
    const deliver: MessageListener<string | Buffer> = convert
      ? (message, channel, pattern) => listener(String(message), channel, pattern)
      : (message, channel, pattern) => listener(message, channel, pattern);
    const made: Promise<unknown>[] = [];
    for (const name of names) {
      const subscribe = kind === 'channel' ? source.subscribe : kind === 'pattern' ? source.pSubscribe : source.sSubscribe;
      const subscription = (subscribe as (this: AnyClient, n: string, l: MessageListener<string | Buffer>) => Promise<Subscription<string> | Subscription<Buffer>>).call(source, name, deliver);
      // A failed subscribe leaves no entry behind (and is reported to the caller, once).
      subscription.catch(() => this.#drop((e) => e.subscription === subscription));
      this.#entries.push({ kind, name, listener: key, subscription });
      made.push(subscription);
    }
    return Promise.all(made).then(() => undefined);
  }

  /** Ends the subscriptions of `kind` to `names` (all when undefined) made with `key` (any when undefined). */
  remove(kind: Kind, names: readonly string[] | undefined, key: unknown): Promise<void> {
    const gone = this.#drop((e) => e.kind === kind && (names === undefined || names.includes(e.name)) && (key === undefined || e.listener === key));
    return Promise.all(gone.map((e) => e.subscription.then((s) => s.unsubscribe(), () => undefined))).then(() => undefined);
  }

  #drop(match: (e: Entry) => boolean): Entry[] {
    const gone = this.#entries.filter(match);
    if (gone.length > 0) this.#entries = this.#entries.filter((e) => !match(e));
    return gone;
  }

  /** Ends every subscription and closes the Buffer twin, if one was made. */
  close(): Promise<void> {
    const all = this.#drop(() => true);
    const twin = this.#bufferTwin;
    this.#bufferTwin = undefined;
    return Promise.all(all.map((e) => e.subscription.then((s) => s.unsubscribe(), () => undefined))).then(() => twin?.close());
  }

  /** Drops everything at once (destroy). */
  destroy(): void {
    this.#entries = [];
    this.#bufferTwin?.destroy();
    this.#bufferTwin = undefined;
  }
}
