/**
 * The client: typed commands over a lazily dialled, auto-pipelined pool. Constructing one
 * opens no socket and starts no timer; the first command (or `connect()`) dials.
 */
import { inspect } from 'node:util';
import { ClientClosedError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition } from '../commands/define.js';
import type { ServerInfo } from '../connection/handshake.js';
import { Dispatcher, checkCallOptions } from './dispatcher.js';
import { resolveOptions, type ClientOptions } from './options.js';
import { Multi, Pipeline } from './pipeline.js';
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

export class Client<S = string> extends Runner<S> {
  readonly #dispatcher: Dispatcher;
  #closing: Promise<void> | undefined;

  constructor(options?: string | ClientOptions) {
    super();
    this.#dispatcher = new Dispatcher(resolveOptions(options));
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

  /** A pipeline: commands sent together in one write, results as a typed tuple. */
  pipeline(): Pipeline<[], S> {
    return new Pipeline<[], S>(this.#dispatcher);
  }

  /** A MULTI/EXEC transaction, sent in one write. */
  multi(): Multi<[], S> {
    return new Multi<[], S>(this.#dispatcher);
  }

  /** Dials now instead of on the first command (warm-up at start-up). Rejects if it cannot connect. */
  async connect(): Promise<this> {
    await this.#dispatcher.pool.connect();
    return this;
  }

  /** Lets every accepted command get its reply, then closes. New commands reject with ClientClosedError. */
  close(): Promise<void> {
    this.#closing ??= this.#dispatcher.pool.close();
    return this.#closing;
  }

  /** Closes every connection at once; everything pending rejects with ClientClosedError. */
  destroy(): void {
    this.#dispatcher.pool.destroy(new ClientClosedError('the client was destroyed'));
  }

  /** `await using client = createClient()` closes the client at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspect.custom](): string {
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
export function createClient(options: ClientOptions & { returnBuffers: true }): Client<Buffer>;
export function createClient(options?: string | ClientOptions): Client<string>;
export function createClient(options?: string | ClientOptions): Client<string> | Client<Buffer> {
  return new Client<string>(options);
}
