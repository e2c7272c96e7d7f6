// @layer L6 client
/**
 * The one way every command is observed, whatever path sent it (the client and its views,
 * blocking commands, leases and watch() bodies, pipelines, transactions, pub/sub commands): a
 * context object per command, published on the `leanredis:command` tracing channel and, once
 * settled, on `leanredis:command:end`; a context per pipeline or transaction on
 * `leanredis:batch`. Names, payloads and order: src/internal/channels.ts and
 * docs/observability.md.
 *
 * Callers check `isCommandObserved()` (or `isBatchObserved()`) first and come here only when
 * someone listens, so an unobserved client builds no context and no closure. This module is in
 * dist/extras.js, loaded by the first observed command (observe-loader.ts): an unobserved
 * process does not even load its code.
 *
 * The events follow diagnostics_channel's tracePromise: `start`, the synchronous part, `end`;
 * once settled `error` (on failure), `asyncStart`, `asyncEnd`; a synchronous throw publishes
 * `error` then `end`. No AsyncLocalStorage store is entered (bindStore has no effect): a
 * command's socket outlives it and must not carry its span; a span's parent is the context
 * active at `start`, which is the caller's.
 */
import { channels, isCommandObserved, publishSettled, type BatchContext, type CommandContext, type Destination } from '../internal/channels.js';
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition } from '../commands/define.js';
import { PendingCommand, madeReject, madeResolve, newOwnPromise, settleOwnPromise, type CommandWithPromise } from '../connection/pending-command.js';
import { outcomeTime } from '../internal/reply-clock.js';
import type { ArgumentsSanitizer } from './options.js';
import { ReplyError } from '../errors.js';
import { nowMs } from '../internal/clock.js';
import type { DurationTables } from '../internal/duration-sink.js';

/** A command of a batch, as the batch builders keep it. */
export interface BatchItem {
  readonly definition: CommandDefinition;
  readonly args: readonly Arg[];
}

/** How a batch ended: each command's outcome (a value or an Error) and the batch's error. */
export interface BatchOutcome {
  readonly outcomes: readonly unknown[];
  readonly error: unknown;
}

// A command's observation is one object: the context subscribers receive, plus (in #private
// fields, invisible to them) when it started and where it is in its life. Its settle events are
// published by the command itself when it delivers its outcome (ObservedCommand), so observing
// costs no closure, no extra promise and no microtask per command (issue 14: the previous
// `send` closure and `.then(ok, fail)` per command were most of the observed path's cost).
//   'calling': between `start` and `end` (the synchronous part); an outcome that arrives then
//              (a command refused at once) is kept (the state becomes `{ error }`, one field
//              for both) and published right after `end`
//   'sent':    `end` published; the outcome publishes error/asyncStart/asyncEnd/command:end
//   'settled': done
type RecordState = 'calling' | 'sent' | 'settled';

/** The context of one command (see CommandContext), with the observer's bookkeeping. */
class CommandRecord implements CommandContext {
  readonly address: string;
  readonly serverAddress: string;
  readonly serverPort: number | undefined;
  readonly database: number;
  readonly client: object;
  readonly command: string;
  readonly args: readonly string[] | undefined;
  connectionId: number | undefined = undefined;
  readonly batch: BatchContext | undefined;
  durationMs = 0;
  error: unknown = undefined;
  fallback: string | undefined = undefined;
  #startedAt: number;
  /** Where it is; while 'calling', an outcome that came early is kept here as `{ error }`. */
  #state: RecordState | { error: unknown } = 'calling';
  /** The client's duration-sink table handle; undefined for a command of a batch (the batch is the operation). */
  readonly #durations: DurationTables | undefined;

  constructor(d: Destination, command: string, args: readonly string[] | undefined, batch: BatchContext | undefined, startedAt: number, durations: DurationTables | undefined) {
    this.address = d.address;
    this.serverAddress = d.serverAddress;
    this.serverPort = d.serverPort;
    this.database = d.database;
    this.client = d.client;
    this.command = command;
    this.args = args;
    this.batch = batch;
    this.#startedAt = startedAt;
    this.#durations = durations;
  }

  /** When the command was called (performance.now() time): its command's deadline counts from it too, one clock read for both. */
  static startedAt(r: CommandRecord): number {
    return r.#startedAt;
  }

  /** Publishes `end` (the synchronous part is done), then an outcome that came meanwhile. */
  static sent(r: CommandRecord): void {
    const end = channels().command.end;
    if (end.hasSubscribers) end.publish(r);
    const early = r.#state;
    r.#state = 'sent';
    if (typeof early === 'object') CommandRecord.settle(r, early.error);
  }

  /** The command's outcome (error undefined on success): published now, or after `end`. */
  static settle(r: CommandRecord, error: unknown): void {
    const state = r.#state;
    if (state !== 'sent') {
      if (state !== 'settled') r.#state = { error }; // still calling: published by `sent`
      return;
    }
    r.#state = 'settled';
    const c = channels();
    // One clock read per chunk of replies (reply-clock.ts); never before the command's start
    // (a command made and refused inside a subscriber while a chunk is decoded).
    const at = outcomeTime();
    publishSettled(c.command, r, r.#startedAt, error, at >= r.#startedAt ? at : nowMs());
    if (c.commandEnd.hasSubscribers) c.commandEnd.publish(r);
    // A duration sink is fed here while commands are observed (no TimedCommand then): the
    // duration subscribers see is the one recorded (internal/duration-sink.ts).
    r.#durations?.current()?.record(r.command, r.durationMs, r.error);
  }

  /** Thrown synchronously (an ArgumentError): `error` then `end`, no async events (as tracePromise), and command:end. */
  static thrown(r: CommandRecord, error: unknown): void {
    r.#state = 'settled';
    r.durationMs = nowMs() - r.#startedAt;
    r.error = error;
    const c = channels();
    if (c.command.error.hasSubscribers) c.command.error.publish(r);
    if (c.command.end.hasSubscribers) c.command.end.publish(r);
    if (c.commandEnd.hasSubscribers) c.commandEnd.publish(r);
    r.#durations?.current()?.record(r.command, r.durationMs, error);
  }
}

/**
 * A command with a promise of its own (as PromisedCommand, whose helpers it shares) that
 * publishes its settle events when it delivers its outcome. A sibling of PromisedCommand rather
 * than a subclass: the third constructor level cost ~190 instructions per command (callgrind).
 */
class ObservedCommand extends PendingCommand {
  readonly promise: Promise<unknown>;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: Error) => void;
  readonly #record: CommandRecord;

  constructor(record: CommandRecord, definition: CommandDefinition, args: readonly Arg[], timeoutMs: number, bytes: number, flags: number, signal: AbortSignal | undefined) {
    super(definition, args, timeoutMs, bytes, flags, CommandRecord.startedAt(record));
    this.promise = newOwnPromise();
    this.#resolve = madeResolve();
    this.#reject = madeReject();
    this.#record = record;
    this.ownPromiseMade(signal);
  }

  protected deliver(value: unknown, isError: boolean): void {
    settleOwnPromise(this, this.flags, this.#resolve, this.#reject, value, isError);
    if (isError && value instanceof ReplyError && value.code === (this.spec as CommandDefinition).fallbackOn) {
      // Answered by the sender with another command (eval's EVAL after NOSCRIPT): not a failure.
      this.#record.fallback = value.code;
      CommandRecord.settle(this.#record, undefined);
      return;
    }
    CommandRecord.settle(this.#record, isError ? value : undefined);
  }
}

/** Describes one client's commands to observers. */
export class CommandObserver {
  readonly #destination: Destination;
  readonly #sanitize: ArgumentsSanitizer | undefined;
  readonly #durations: DurationTables;

  constructor(destination: Destination, sanitize: ArgumentsSanitizer | undefined, durations: DurationTables) {
    this.#destination = destination;
    this.#sanitize = sanitize;
    this.#durations = durations;
  }

  #args(name: string, args: readonly Arg[]): readonly string[] | undefined {
    return this.#sanitize === undefined ? undefined : this.#sanitize(name, args);
  }

  /**
   * The hot path's first half: makes command `name`'s context and publishes `start`. The caller
   * then creates the command with `newCommand` (or, if none is created, reports with `settle`),
   * and calls `sent` once the synchronous part is done, or `thrown` if it threw.
   */
  begin(name: string, args: readonly Arg[]): CommandContext {
    const record = new CommandRecord(this.#destination, name, this.#args(name, args), undefined, nowMs(), this.#durations);
    const start = channels().command.start;
    if (start.hasSubscribers) start.publish(record);
    return record;
  }

  /** A command with a promise of its own that publishes `context`'s settle events when it delivers its outcome. */
  newCommand(context: CommandContext, definition: CommandDefinition, args: readonly Arg[], timeoutMs: number, bytes: number, flags: number, signal: AbortSignal | undefined): CommandWithPromise {
    return new ObservedCommand(context as CommandRecord, definition, args, timeoutMs, bytes, flags, signal);
  }

  /** The synchronous part is done: publishes `end` (and an outcome that came meanwhile). */
  sent(context: CommandContext): void {
    CommandRecord.sent(context as CommandRecord);
  }

  /** Reports an outcome for a command that has no ObservedCommand (refused before one was made). */
  settle(context: CommandContext, error: unknown): void {
    CommandRecord.settle(context as CommandRecord, error);
  }

  /** The synchronous part threw (an ArgumentError): `error`, `end`, `leanredis:command:end`. */
  thrown(context: CommandContext, error: unknown): void {
    CommandRecord.thrown(context as CommandRecord, error);
  }

  /**
   * Runs `send` as command `name` and publishes its events (paths that do not make their
   * command through `newCommand`: pub/sub). `send` receives the context to set `connectionId`
   * on; its promise is returned untouched (a rejection stays the caller's to handle).
   */
  command(name: string, args: readonly Arg[], send: (context: CommandContext) => Promise<unknown>): Promise<unknown> {
    const record = this.begin(name, args) as CommandRecord;
    let promise: Promise<unknown>;
    try {
      promise = send(record);
    } catch (err) {
      CommandRecord.thrown(record, err);
      throw err;
    }
    CommandRecord.sent(record);
    promise.then(
      () => CommandRecord.settle(record, undefined),
      (err: unknown) => CommandRecord.settle(record, err),
    );
    return promise;
  }

  /**
   * Publishes a pipeline or transaction: `send` writes it and returns the connection's id;
   * `outcome` settles with each command's outcome. Each command is published too, its context
   * pointing at the batch's (`batch`), its duration the batch's. An installed duration sink gets
   * the settled batch with its commands' outcomes (`DurationTable.recordBatch`).
   */
  batch(batchMode: 'PIPELINE' | 'MULTI', items: readonly BatchItem[], send: () => number | undefined, outcome: Promise<BatchOutcome>): void {
    const c = channels();
    const d = this.#destination;
    const names = items.map((item) => item.definition.name);
    const args = this.#sanitize === undefined ? undefined : items.map((item) => this.#args(item.definition.name, item.args)!);
    const context: BatchContext = {
      address: d.address,
      serverAddress: d.serverAddress,
      serverPort: d.serverPort,
      database: d.database,
      client: d.client,
      batchMode,
      batchSize: items.length,
      commands: names,
      args,
      connectionId: undefined,
      durationMs: 0,
      error: undefined,
    };
    const startedAt = nowMs();
    const commands = isCommandObserved() ? names.map((name, i) => new CommandRecord(d, name, args?.[i], context, startedAt, undefined)) : [];
    if (c.batch.start.hasSubscribers) c.batch.start.publish(context);
    if (c.command.start.hasSubscribers) for (const command of commands) c.command.start.publish(command);
    const connectionId = send();
    context.connectionId = connectionId;
    for (const command of commands) {
      command.connectionId = connectionId;
      CommandRecord.sent(command);
    }
    if (c.batch.end.hasSubscribers) c.batch.end.publish(context);
    // The duration sink gets the batch with its commands' outcomes (their records above are
    // made without the sink's table: a command of a batch is not an operation of its own).
    const durations = this.#durations;
    outcome.then(
      ({ outcomes, error }) => {
        for (let i = 0; i < commands.length; i++) CommandRecord.settle(commands[i], outcomes[i] instanceof Error ? outcomes[i] : undefined);
        publishSettled(c.batch, context, startedAt, error);
        durations.current()?.recordBatch(batchMode, names, context.durationMs, outcomes, error);
      },
      (error: unknown) => {
        for (const command of commands) CommandRecord.settle(command, error);
        publishSettled(c.batch, context, startedAt, error);
        durations.current()?.recordBatch(batchMode, names, context.durationMs, names.map(() => error), error);
      },
    );
  }
}
