// @layer L6 client
/**
 * Pipelines and MULTI/EXEC transactions: builders that collect commands with typed results
 * (`pipeline().get('k').incr('n').exec()` resolves `[string | null, number]`) and send them
 * together, in order, on one connection. A transaction is one unit, written in one write or not
 * at all; a pipeline may be written in parts under the in-flight caps (it is not atomic).
 *
 * `exec()` resolves the typed tuple, or rejects: with the transport error if the connection
 * failed, or with a PipelineError (holding every result) if some commands got error replies.
 * `execSettled()` never rejects for error replies: they are values in the result array.
 */
import { ArgumentError, LeanRedisError, PipelineError, ReplyError } from '../errors.js';
import { measureArgs, type Arg } from '../resp/encoder.js';
import { define, prefixOf, wireArgs, type CommandDefinition } from '../commands/define.js';
import { blockingTimeoutMs } from '../commands/blocking.js';
import { SEND, definitionFor, ensureCommands, installCommands, type CommandMethods } from '../commands/index.js';
import type { Kind, Reply } from '../commands/kinds.js';
import { BatchResults, PendingCommand } from '../connection/pending-command.js';
import { needsLease, type Dispatcher } from './dispatcher.js';
import { captureCaller, withCallerFrames } from '../connection/caller-frames.js';
import { isBatchObserved } from '../internal/channels.js';
import type { BatchItem, BatchOutcome } from './observe.js';
import { timeBatch } from './timed-command.js';
import { durationSlot } from '../internal/duration-sink.js';

/** A result tuple where any element may be the error its command got. */
export type Settled<T extends unknown[]> = { [K in keyof T]: T[K] | LeanRedisError };


/** Sends a batch's commands together, in order, on one connection (shared or leased); returns that connection's id, if it took them. */
export type BatchSender = (cmds: PendingCommand[]) => number | undefined;

/**
 * Where a batch is sent, read by a lease to refuse a batch of another connection. A symbol, not
 * a public getter: calling the sender with anything but PendingCommands broke the connection's
 * queue (found by the no-input-ignored sweep, which calls every method of a pipeline).
 */
export const BATCH_SENDER: unique symbol = Symbol('leanredis.batchSender');

abstract class Batch {
  // Private (not merely protected) so util.inspect of a pipeline cannot reach the client's
  // resolved options, which may hold TLS keys.
  readonly #dispatcher: Dispatcher;
  readonly #items: BatchItem[] = [];
  readonly #sender: BatchSender;
  readonly #isLeased: boolean;

  /** `isLeased`: the batch goes to a leased connection, so connection-state commands are allowed. */
  constructor(dispatcher: Dispatcher, sender: BatchSender, isLeased = false) {
    ensureCommands();
    this.#dispatcher = dispatcher;
    this.#sender = sender;
    this.#isLeased = isLeased;
  }

  protected get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  protected get items(): BatchItem[] {
    return this.#items;
  }

  /** Where the batch is sent; a lease checks this to refuse a batch of another connection. */
  get [BATCH_SENDER](): BatchSender {
    return this.#sender;
  }

  /** Number of commands queued so far. */
  get length(): number {
    return this.items.length;
  }

  [SEND](definition: CommandDefinition, args: unknown[]): this {
    return this.queue(definition, wireArgs(definition, args));
  }

  protected queueCall(command: string, args: Arg[]): this {
    return this.queue(definitionFor(command, args), args);
  }

  /** Whether a blocking command may be queued (inside MULTI the server never blocks). */
  protected abstract get allowsBlocking(): boolean;

  /** Queues a command; a bad argument throws ArgumentError here, when the method is called. */
  protected queue(definition: CommandDefinition, args: readonly Arg[]): this {
    if (!this.#isLeased) {
      if (definition.state !== undefined) throw needsLease(definition);
      // On a shared connection a blocking command would hold up every other caller's replies.
      if (definition.block !== undefined && !this.allowsBlocking && blockingTimeoutMs(definition, args) !== undefined) {
        const error = new ArgumentError(
          `${definition.method === 'call' ? definition.name : definition.method}: a blocking command cannot be pipelined on the client's shared connection; call it on the client (it gets a connection of its own) or pipeline it on a lease`,
          'ERR_INVALID_ARGUMENT',
        );
        error.command = definition.name;
        throw error;
      }
    }
    measureArgs(definition.name, args);
    this.#items.push({ definition, args });
    return this;
  }
}

// Pipeline and Multi share the command methods through their base class.
installCommands(Batch);

/**
 * Sends `cmds` through `send`, publishing the batch and its commands while someone observes,
 * else timing it into the duration sink when one is installed (internal/duration-sink.ts).
 * `outcomes` reads each command's outcome once the batch settled.
 */
function sendObserved(dispatcher: Dispatcher, mode: 'PIPELINE' | 'MULTI', items: readonly BatchItem[], send: () => number | undefined, settled: Promise<unknown[]>, outcomes: (results: unknown[]) => BatchOutcome): void {
  if (!isBatchObserved()) {
    if (durationSlot.sink === undefined) send();
    // Nobody observes batches, a duration sink is installed: the batch times itself into it.
    else timeBatch(dispatcher.durations.current()!, mode, items, send, settled, outcomes);
    return;
  }
  dispatcher.observer.batch(mode, items, send, settled.then(outcomes));
}

/** With captureCallerStack: the errors among a batch's outcomes get the frames of the code that sent it. */
function withCallers(dispatcher: Dispatcher, settled: Promise<unknown[]>, above: (...args: never[]) => unknown): Promise<unknown[]> {
  if (!dispatcher.options.captureCallerStack) return settled;
  const frames = captureCaller(above);
  return settled.then((outcomes) => {
    for (const o of outcomes) if (o instanceof Error) withCallerFrames(o, frames);
    return outcomes;
  });
}

/** A batch's error for observers: the first transport error, else the first error reply (what exec() rejects for). */
function firstError(outcomes: readonly unknown[]): unknown {
  let reply: unknown;
  for (const o of outcomes) {
    if (o instanceof ReplyError) reply ??= o;
    else if (o instanceof Error) return o;
  }
  return reply;
}

/** exec(): the first transport error, else a PipelineError if any reply was an error. */
function unwrap<T>(results: unknown[]): T {
  let replyErrors: LeanRedisError[] | undefined;
  for (const r of results) {
    if (r instanceof ReplyError) (replyErrors ??= []).push(r);
    else if (r instanceof Error) throw r;
  }
  if (replyErrors !== undefined) throw new PipelineError(results, replyErrors);
  return results as T;
}

/** Pipeline methods: each returns the pipeline with the command's reply type appended to `T`. */
export interface PipelineKind<T extends unknown[], S> extends Kind {
  readonly out: Pipeline<[...T, Reply<this['reply'], S>], S>;
}

/** Transaction methods: each returns the transaction with the command's reply type appended to `T`. */
export interface MultiKind<T extends unknown[], S> extends Kind {
  readonly out: Multi<[...T, Reply<this['reply'], S>], S>;
}

/** Lease transaction methods: each returns the transaction with the command's reply type appended to `T`. */
export interface LeaseMultiKind<T extends unknown[], S> extends Kind {
  readonly out: LeaseMulti<[...T, Reply<this['reply'], S>], S>;
}

// Variance stated, not measured: measuring it compares the ~300 methods of two instantiations
// structurally, 22,000 type instantiations the first time a user's code relates two Multi types
// (a watch() body returning tx.multi()...); stated, that file costs ~1,000 (issue 13's budget).
export interface Pipeline<out T extends unknown[] = [], in out S = string> extends CommandMethods<PipelineKind<T, S>> {}

/**
 * Commands sent together without MULTI: no atomicity, one round trip. On the client, commands
 * that change a connection's state and blocking commands are refused (they need a lease).
 */
export class Pipeline<out T extends unknown[] = [], in out S = string> extends Batch {
  protected get allowsBlocking(): boolean {
    return false;
  }

  /** Queues any command; its result is the raw reply. */
  call(command: string, ...args: Arg[]): Pipeline<[...T, unknown], S> {
    return this.queueCall(command, args) as unknown as Pipeline<[...T, unknown], S>;
  }

  /** Sends every queued command; resolves their typed results in order. */
  async exec(): Promise<T> {
    return unwrap<T>(await this.execSettled());
  }

  /** Like exec, but error replies are values in the array instead of a rejection. */
  execSettled(): Promise<Settled<T>> {
    const items = this.items;
    // One promise for the whole batch: each command writes its outcome into its slot.
    const batch = new BatchResults(items.length);
    const cmds: PendingCommand[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) cmds[i] = this.dispatcher.createBatched(items[i].definition, items[i].args, false, batch, i);
    if (cmds.length > 0) {
      sendObserved(this.dispatcher, 'PIPELINE', items, () => this[BATCH_SENDER](cmds), batch.promise, (results) => ({ outcomes: results, error: firstError(results) }));
    }
    return withCallers(this.dispatcher, batch.promise, Pipeline.prototype.execSettled) as Promise<Settled<T>>;
  }
}

/**
 * A transaction's outcome for observers, from its batch's slots (MULTI, each command's QUEUED or
 * error, EXEC): a command's outcome is its error while queueing, else its entry in EXEC's reply;
 * EXEC's error (EXECABORT, a transport error) is every command's. An aborted transaction (WATCH)
 * has no error.
 */
function multiOutcome(slots: unknown[]): BatchOutcome {
  const exec = slots[slots.length - 1];
  const queued = slots.slice(1, -1);
  if (exec instanceof Error) return { outcomes: queued.map((q) => (q instanceof Error ? q : exec)), error: exec };
  if (exec === null) return { outcomes: queued.map(() => undefined), error: undefined };
  const results = exec as unknown[];
  return { outcomes: results, error: firstError(results) };
}

// A transaction always sends MULTI with its EXEC: MULTI leaves no state behind, while EXEC
// ends any WATCH of a lease.
const MULTI = define('MULTI', { arity: 0, keys: [] });
const EXEC = define('EXEC', { arity: 0, keys: [], state: 'unwatch' });

export interface Multi<out T extends unknown[] = [], in out S = string> extends CommandMethods<MultiKind<T, S>> {}

/**
 * A MULTI/EXEC transaction, sent as one write, whole or not at all (see
 * PendingCommand.bindTransaction). On the client's shared connections WATCH is refused, so
 * EXEC always runs the commands: `exec()` is typed without `| null`. A lease's transaction,
 * which a WATCH can abort, is a {@link LeaseMulti}.
 */
export class Multi<out T extends unknown[] = [], in out S = string> extends Batch {
  protected get allowsBlocking(): boolean {
    return true;
  }

  /** Queues any command; its result is the raw reply. */
  call(command: string, ...args: Arg[]): Multi<[...T, unknown], S> {
    return this.queueCall(command, args) as unknown as Multi<[...T, unknown], S>;
  }

  /**
   * Sends MULTI, the queued commands and EXEC; resolves their typed results in order. Rejects
   * with a PipelineError when some commands got error replies, with EXECABORT when one was
   * refused while queueing (nothing ran). On a lease (LeaseMulti) it resolves null when a
   * watched key changed and the server aborted EXEC.
   */
  async exec(): Promise<T> {
    const results = await this.execSettled();
    // null only on a lease after WATCH: LeaseMulti's type says so.
    return (results === null ? null : unwrap<T>(results)) as T;
  }

  /** Like exec, but error replies inside EXEC are values in the array. */
  async execSettled(): Promise<Settled<T>> {
    const items = this.items;
    const transforms = items.map((q) => q.definition.transform);
    const readExec = (reply: unknown): unknown[] | null => {
      if (reply === null) return null;
      const list = reply as unknown[];
      for (let i = 0; i < list.length; i++) {
        const r = list[i];
        if (r instanceof ReplyError) r.command = items[i]?.definition.name;
        else if (transforms[i] !== undefined) list[i] = transforms[i]!(r);
      }
      return list;
    };
    // MULTI, the queued commands (each answers QUEUED, or an error) and EXEC, in one batch.
    const batch = new BatchResults(items.length + 2);
    const cmds: PendingCommand[] = [this.dispatcher.createBatched(MULTI, [], false, batch, 0)];
    for (let i = 0; i < items.length; i++) cmds.push(this.dispatcher.createBatched(items[i].definition, items[i].args, true, batch, i + 1));
    // EXEC's reply is read by this transaction's own transform: a definition made for it.
    cmds.push(this.dispatcher.createBatched({ ...EXEC, prefix: prefixOf(EXEC), transform: readExec }, [], false, batch, items.length + 1));
    // One unit: one deadline, written whole or not at all, never re-sent in part.
    PendingCommand.bindTransaction(cmds);
    sendObserved(this.dispatcher, 'MULTI', items, () => this[BATCH_SENDER](cmds), batch.promise, multiOutcome);
    const outcomes = await withCallers(this.dispatcher, batch.promise, Multi.prototype.execSettled);
    const exec = outcomes[outcomes.length - 1];
    if (exec instanceof Error) {
      // EXECABORT: a command was rejected while queueing; its own error is the useful one.
      const queued = outcomes.slice(1, -1).find((o) => o instanceof ReplyError);
      if (exec instanceof ReplyError && queued !== undefined) Object.defineProperty(exec, 'cause', { value: queued, enumerable: false, configurable: true });
      throw exec;
    }
    return exec as Settled<T>;
  }
}

/**
 * A lease's MULTI/EXEC transaction (`lease.multi()`, the `tx.multi()` of `client.watch`): a
 * Multi at run time, typed apart because a WATCH on its connection can abort it: `exec()`
 * then resolves null (EXEC's reply when a watched key changed after WATCH).
 */
export interface LeaseMulti<out T extends unknown[] = [], in out S = string> extends CommandMethods<LeaseMultiKind<T, S>> {
  /** Number of commands queued so far. */
  readonly length: number;
  /** Where the batch is sent (a lease checks it with `owns()`). */
  readonly [BATCH_SENDER]: BatchSender;
  /** Queues any command; its result is the raw reply. */
  call(command: string, ...args: Arg[]): LeaseMulti<[...T, unknown], S>;
  /**
   * Sends MULTI, the queued commands and EXEC; resolves their typed results in order, or null
   * when a key WATCHed on this connection changed and the server aborted EXEC (nothing ran).
   * Rejects as Multi's `exec()` does otherwise.
   */
  exec(): Promise<T | null>;
  /** Like exec, but error replies inside EXEC are values in the array; null when aborted by a WATCH. */
  execSettled(): Promise<Settled<T> | null>;
}
