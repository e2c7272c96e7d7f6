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
import type { ArgumentsSanitizer } from './options.js';

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

function commandContext(destination: Destination, command: string, args: readonly string[] | undefined, batch: BatchContext | undefined): CommandContext {
  return {
    address: destination.address,
    serverAddress: destination.serverAddress,
    serverPort: destination.serverPort,
    database: destination.database,
    client: destination.client,
    command,
    args,
    connectionId: undefined,
    batch,
    durationMs: 0,
    error: undefined,
  };
}

function settleCommand(context: CommandContext, startedAt: number, error: unknown): void {
  const c = channels();
  publishSettled(c.command, context, startedAt, error);
  if (c.commandEnd.hasSubscribers) c.commandEnd.publish(context);
}

/** Describes one client's commands to observers. */
export class CommandObserver {
  readonly #destination: Destination;
  readonly #sanitize: ArgumentsSanitizer | undefined;

  constructor(destination: Destination, sanitize: ArgumentsSanitizer | undefined) {
    this.#destination = destination;
    this.#sanitize = sanitize;
  }

  #args(name: string, args: readonly Arg[]): readonly string[] | undefined {
    return this.#sanitize === undefined ? undefined : this.#sanitize(name, args);
  }

  /**
   * Runs `send` as command `name` and publishes its events. `send` receives the context to set
   * `connectionId` on; its promise is returned untouched (a rejection stays the caller's to handle).
   */
  command(name: string, args: readonly Arg[], send: (context: CommandContext) => Promise<unknown>): Promise<unknown> {
    const t = channels().command;
    const context = commandContext(this.#destination, name, this.#args(name, args), undefined);
    const startedAt = performance.now();
    if (t.start.hasSubscribers) t.start.publish(context);
    let promise: Promise<unknown>;
    try {
      promise = send(context);
    } catch (err) {
      // Thrown synchronously (an ArgumentError): `error` then `end`, and no async events, as
      // tracePromise does; `leanredis:command:end` still reports it.
      context.durationMs = performance.now() - startedAt;
      context.error = err;
      if (t.error.hasSubscribers) t.error.publish(context);
      if (t.end.hasSubscribers) t.end.publish(context);
      const end = channels().commandEnd;
      if (end.hasSubscribers) end.publish(context);
      throw err;
    }
    if (t.end.hasSubscribers) t.end.publish(context);
    promise.then(
      () => settleCommand(context, startedAt, undefined),
      (err: unknown) => settleCommand(context, startedAt, err),
    );
    return promise;
  }

  /**
   * Publishes a pipeline or transaction: `send` writes it and returns the connection's id;
   * `outcome` settles with each command's outcome. Each command is published too, its context
   * pointing at the batch's (`batch`), its duration the batch's.
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
    const commands = isCommandObserved() ? names.map((name, i) => commandContext(d, name, args?.[i], context)) : [];
    const startedAt = performance.now();
    if (c.batch.start.hasSubscribers) c.batch.start.publish(context);
    if (c.command.start.hasSubscribers) for (const command of commands) c.command.start.publish(command);
    const connectionId = send();
    context.connectionId = connectionId;
    for (const command of commands) {
      command.connectionId = connectionId;
      if (c.command.end.hasSubscribers) c.command.end.publish(command);
    }
    if (c.batch.end.hasSubscribers) c.batch.end.publish(context);
    outcome.then(
      ({ outcomes, error }) => {
        for (let i = 0; i < commands.length; i++) settleCommand(commands[i], startedAt, outcomes[i] instanceof Error ? outcomes[i] : undefined);
        publishSettled(c.batch, context, startedAt, error);
      },
      (error: unknown) => {
        for (const command of commands) settleCommand(command, startedAt, error);
        publishSettled(c.batch, context, startedAt, error);
      },
    );
  }
}
