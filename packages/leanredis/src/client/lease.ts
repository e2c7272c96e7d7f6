// @layer L6 client
/**
 * A leased connection: the full command API on a connection nobody else uses until it is
 * released. `await using conn = await client.acquire()` releases it at the end of the scope,
 * on normal exit and on throw. Releasing twice is harmless; using a released lease rejects
 * with ERR_LEASE_RELEASED.
 */
import { LeaseReleasedError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition } from '../commands/define.js';
import { blockingTimeoutMs } from '../commands/blocking.js';
import type { LeaseCommandMethods } from '../commands/index.js';
import type { PromiseKind } from '../commands/kinds.js';
import type { Connection } from '../connection/connection.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { isCommandObserved, type CommandContext } from '../internal/channels.js';
import type { DurationTable } from '../internal/duration-sink.js';
import type { Dispatcher } from './dispatcher.js';
import { BATCH_SENDER, Multi, Pipeline, type BatchSender, type LeaseMulti } from './pipeline.js';
import { RUN, Runner } from './runner.js';

/** The lease's own commands (SELECT, WATCH, CLIENT SETNAME...) besides every client command. */
export interface Lease<S = string> extends LeaseCommandMethods<PromiseKind<S>> {}

export class Lease<S = string> extends Runner<S> {
  readonly #dispatcher: Dispatcher;
  #conn: Connection | undefined;
  #isWatching = false;
  #isDirty = false;
  readonly #sendBatch: BatchSender;

  constructor(dispatcher: Dispatcher, conn: Connection) {
    super();
    this.#dispatcher = dispatcher;
    this.#conn = conn;
    this.#sendBatch = (cmds: PendingCommand[]) => {
      for (const cmd of cmds) this.#track(cmd.spec as CommandDefinition);
      const conn = this.#conn;
      if (conn === undefined) {
        for (const cmd of cmds) cmd.fail(new LeaseReleasedError(cmd.name));
        return undefined;
      }
      return this.#dispatcher.pool.sendBatchTo(conn, cmds)?.id;
    };
  }

  /** The server's id for this connection is in `client.stats()`; this is the pool's id. */
  get connectionId(): number | undefined {
    return this.#conn?.id;
  }

  get isReleased(): boolean {
    return this.#conn === undefined;
  }

  [RUN](definition: CommandDefinition, args: readonly Arg[]): Promise<unknown> {
    if (!isCommandObserved()) {
      const table = this.#dispatcher.durationTable();
      if (table === undefined) return this.#run(definition, args, undefined, undefined);
      // Timed into the duration sink, as Dispatcher.run does (a throw: a failure of no duration).
      try {
        return this.#run(definition, args, undefined, table);
      } catch (err) {
        table.record(definition.name, 0, err);
        throw err;
      }
    }
    // As Dispatcher.run: the command publishes its own settle events (observe.ts).
    const observer = this.#dispatcher.observer;
    const context = observer.begin(definition.name, args);
    context.connectionId = this.#conn?.id;
    let promise: Promise<unknown>;
    try {
      promise = this.#run(definition, args, context, undefined);
    } catch (err) {
      observer.thrown(context, err);
      throw err;
    }
    observer.sent(context);
    return promise;
  }

  #run(definition: CommandDefinition, args: readonly Arg[], context: CommandContext | undefined, table: DurationTable | undefined): Promise<unknown> {
    this.#track(definition);
    const blockMs = definition.block === undefined ? undefined : blockingTimeoutMs(definition, args);
    // Like the client: a bad argument throws ArgumentError synchronously.
    const cmd = this.#dispatcher.create(definition, args, undefined, blockMs, context, table);
    // The short grace past the block time starts when the command is written.
    const sentTimeoutMs = this.#dispatcher.sentTimeoutMs(undefined, blockMs);
    if (sentTimeoutMs > 0) cmd.setDeadlineOnWrite(sentTimeoutMs);
    this.#send(cmd);
    return cmd.promise;
  }

  #send(cmd: PendingCommand): void {
    if (this.#conn === undefined) cmd.fail(new LeaseReleasedError(cmd.name));
    else this.#dispatcher.pool.sendTo(this.#conn, cmd);
  }

  // What a command leaves on the connection, from its definition (the MULTI of a transaction
  // builder has none: it always goes with its EXEC).
  #track(definition: CommandDefinition): void {
    const state = definition.state;
    if (state === undefined) return;
    if (state === 'watch') this.#isWatching = true;
    else if (state === 'unwatch') this.#isWatching = false;
    else this.#isDirty = true;
  }

  /** A pipeline on this connection. */
  pipeline<T extends unknown[] = []>(): Pipeline<T, S> {
    return new Pipeline<T, S>(this.#dispatcher, this.#sendBatch, true);
  }

  /**
   * A MULTI/EXEC transaction on this connection (use after WATCH for optimistic locking): its
   * `exec()` resolves null when a watched key changed and the server aborted it.
   */
  multi<T extends unknown[] = []>(): LeaseMulti<T, S> {
    return new Multi<T, S>(this.#dispatcher, this.#sendBatch, true) as unknown as LeaseMulti<T, S>;
  }

  /** Whether `batch` was made by this lease (a transaction of another connection would ignore WATCH). */
  owns(batch: { readonly [BATCH_SENDER]: BatchSender }): boolean {
    return batch[BATCH_SENDER] === this.#sendBatch;
  }

  /** Returns the connection to the pool. Safe to call more than once. */
  release(): void {
    const conn = this.#conn;
    if (conn === undefined) return;
    this.#conn = undefined;
    this.#dispatcher.pool.release(conn, !this.#isDirty && !this.#isWatching && conn.inFlightCount === 0);
  }

  [Symbol.dispose](): void {
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }
}
