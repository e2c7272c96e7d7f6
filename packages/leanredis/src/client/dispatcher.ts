// @layer L6 client
/**
 * Turns a command definition and its arguments into a PendingCommand (validating arguments
 * and applying per-call options) and hands it to the pool. Shared by the client, its per-call
 * views, pipelines and transactions.
 */
import { ArgumentError, ClientClosedError } from '../errors.js';
import { measureArgs, type Arg } from '../resp/encoder.js';
import { prefixOf, type CommandDefinition } from '../commands/define.js';
import { blockingTimeoutMs } from '../commands/blocking.js';
import {
  BatchedCommand,
  PromisedCommand,
  RAW,
  type CommandWithPromise,
  RETRYABLE,
  CAPTURE_CALLER,
  WANTS_BUFFERS,
  WANTS_STRINGS,
  type BatchResults,
} from '../connection/pending-command.js';
import { Pool, type ConnectionFactory } from '../pool/pool.js';
import { Connection } from '../connection/connection.js';
import { isCommandObserved, type CommandContext } from '../internal/channels.js';
import { DurationTables, durationSlot, type DurationTable } from '../internal/duration-sink.js';
import { TimedCommand } from './timed-command.js';
import type { ResolvedOptions } from './options.js';
import type { CommandObserver } from './observe.js';
import { loadCommandObserver } from './observe-loader.js';
import type { CallOptions } from './runner.js';

/** The pool's connections: real ones (the pool itself knows only PooledConnection). */
const newConnection: ConnectionFactory<Connection> = (settings, owner, reconnect) => new Connection(settings, owner, reconnect);

export class Dispatcher {
  readonly options: ResolvedOptions;
  readonly pool: Pool<Connection>;
  /** Where read-only commands go instead (a topology's replicas); undefined: here. */
  readRoute: (() => Dispatcher | undefined) | undefined;
  #observer: CommandObserver | undefined;
  #durations: DurationTables | undefined;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.pool = new Pool<Connection>(options.pool, newConnection);
  }

  /** Publishes every command of this client, whatever path sent it; made (and its code loaded) by the first observed command. */
  get observer(): CommandObserver {
    return (this.#observer ??= new (loadCommandObserver())(this.options.destination, this.options.observeArguments, this.durations));
  }

  /** This client's table in the duration sink (internal/duration-sink.ts), when one is installed. */
  get durations(): DurationTables {
    return (this.#durations ??= new DurationTables(this.options.destination));
  }

  /** The table to time an unobserved command into: undefined while no duration sink is installed (one property read). */
  durationTable(): DurationTable | undefined {
    return durationSlot.sink === undefined ? undefined : this.durations.current();
  }

  /**
   * Builds a command. Throws ArgumentError (synchronously) on a bad argument. `blockMs` is the
   * server-side block time of a blocking command: its deadline is that plus commandTimeoutMs.
   */
  create(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined, blockMs?: number, context?: CommandContext, table?: DurationTable): CommandWithPromise {
    const bytes = measureArgs(definition.name, args);
    prefixOf(definition);
    const flags = flagsOf(definition, call) | (this.options.captureCallerStack ? CAPTURE_CALLER : 0);
    const timeoutMs = this.#timeoutMs(call, blockMs);
    if (context !== undefined) return this.observer.newCommand(context, definition, args, timeoutMs, bytes, flags, call?.signal);
    if (table !== undefined) return new TimedCommand(table, definition, args, timeoutMs, bytes, flags, call?.signal);
    return new PromisedCommand(definition, args, timeoutMs, bytes, flags, call?.signal);
  }

  /**
   * Builds command `index` of a pipeline or transaction, reporting into `batch`. `isRaw`: the
   * reply is delivered untransformed (a command inside MULTI answers QUEUED; EXEC transforms).
   */
  createBatched(definition: CommandDefinition, args: readonly Arg[], isRaw: boolean, batch: BatchResults, index: number): BatchedCommand {
    const bytes = measureArgs(definition.name, args);
    prefixOf(definition);
    const flags = flagsOf(definition, undefined) | (isRaw ? RAW : 0);
    return new BatchedCommand(definition, args, this.options.commandTimeoutMs, bytes, flags, batch, index);
  }

  #timeoutMs(call: CallOptions | undefined, blockMs: number | undefined): number {
    const grace = this.options.commandTimeoutMs;
    // A blocking command's deadline at issue covers getting its lease too (blockMs +
    // commandTimeoutMs); once written, it is blockMs + the short grace (setDeadlineOnWrite).
    return call?.timeoutMs ?? (blockMs === undefined ? grace : blockMs === 0 || grace === 0 ? 0 : blockMs + grace);
  }

  /**
   * A blocking command's deadline counted from when it is written: its block time plus the short
   * grace of {@link blockingGraceMs}; 0 (keep the deadline set at issue) for a command that
   * does not block, blocks forever, or has a per-call timeout.
   */
  sentTimeoutMs(call: CallOptions | undefined, blockMs: number | undefined): number {
    const timeoutMs = this.options.commandTimeoutMs;
    if (call?.timeoutMs !== undefined || blockMs === undefined || blockMs === 0 || timeoutMs === 0) return 0;
    return blockMs + blockingGraceMs(blockMs, timeoutMs);
  }

  /** Sends on the shared connections, or on a lease of its own when the command blocks. */
  run(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined): Promise<unknown> {
    if (this.readRoute !== undefined && definition.isReadOnly && definition.block === undefined) {
      const reads = this.readRoute();
      if (reads !== undefined) return reads.run(definition, args, call);
    }
    if (isCommandObserved()) return this.#runObserved(definition, args, call);
    if (durationSlot.sink === undefined) return this.#run(definition, args, call, undefined, undefined);
    return this.#runTimed(definition, args, call);
  }

  /**
   * `run` while a duration sink is installed and nobody observes commands: the command times
   * itself into this client's table (timed-command.ts). A synchronous throw (an ArgumentError)
   * is recorded as a failure of no duration, as the observed path reports it.
   */
  #runTimed(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined): Promise<unknown> {
    const table = this.durations.current()!;
    try {
      return this.#run(definition, args, call, undefined, table);
    } catch (err) {
      table.record(definition.name, 0, err);
      throw err;
    }
  }

  /**
   * `run` for an observed command: the context is made and `start` published here; the command
   * publishes its settle events itself when it delivers (observe.ts), so no closure or promise
   * is added. A method of its own, so that `run` stays small enough for V8 to inline.
   */
  #runObserved(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined): Promise<unknown> {
    const observer = this.observer;
    const context = observer.begin(definition.name, args);
    let promise: Promise<unknown>;
    try {
      promise = this.#run(definition, args, call, context, undefined);
    } catch (err) {
      observer.thrown(context, err);
      throw err;
    }
    observer.sent(context);
    return promise;
  }

  #run(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined, context: CommandContext | undefined, table: DurationTable | undefined): Promise<unknown> {
    if (definition.state !== undefined) throw needsLease(definition);
    if (!this.pool.isOpen) {
      const error = new ClientClosedError(undefined, definition.name);
      if (context !== undefined) this.observer.settle(context, error);
      else table?.record(definition.name, 0, error);
      return Promise.reject(error);
    }
    const blockMs = definition.block === undefined ? undefined : blockingTimeoutMs(definition, args);
    // Created (and so validated: ArgumentError is thrown) before anything asynchronous.
    const cmd = this.create(definition, args, call, blockMs, context, table);
    if (blockMs !== undefined) this.#runLeased(cmd, context, this.#leaseWaitMs(call), this.sentTimeoutMs(call, blockMs));
    else {
      const conn = this.pool.dispatch(cmd);
      if (context !== undefined) context.connectionId = conn?.id;
    }
    return cmd.promise;
  }

  /**
   * How long a blocking command may wait for its lease: its own timeout (per call, else
   * commandTimeoutMs), at most acquireTimeoutMs; 0 waits as long as acquireTimeoutMs says. It
   * waited acquireTimeoutMs whatever the command's timeout: `with({ timeoutMs: 200 }).blPop(...)`
   * with every lease busy waited 5 s.
   */
  #leaseWaitMs(call: CallOptions | undefined): number {
    const own = call?.timeoutMs ?? this.options.commandTimeoutMs;
    const acquire = this.options.pool.acquireTimeoutMs;
    return own === 0 ? acquire : acquire === 0 ? own : Math.min(own, acquire);
  }

  /**
   * Runs a blocking command on a lease of its own, released (or closed) once it settles.
   * `waitMs` bounds the wait for the lease (ERR_POOL_TIMEOUT past it); `sentTimeoutMs` (0: none)
   * is its deadline counted from when it is written: block time + grace.
   */
  #runLeased(cmd: CommandWithPromise, context: CommandContext | undefined, waitMs: number, sentTimeoutMs: number): void {
    this.pool.acquire(waitMs, false, cmd.name).then(
      (conn) => {
        if (context !== undefined) context.connectionId = conn.id;
        // Counted from its write, so a dial for this lease (a cold TLS handshake, a busy machine)
        // does not eat the grace: a BLPOP that times out "may have executed" and lost an element.
        if (sentTimeoutMs > 0) cmd.setDeadlineOnWrite(sentTimeoutMs);
        this.pool.sendTo(conn, cmd);
        // A timed-out blocking command's reply is still due: that connection is not reusable.
        const release = (): void => this.pool.release(conn, conn.inFlightCount === 0);
        cmd.promise.then(release, release);
      },
      (err: Error) => cmd.fail(err),
    );
  }
}

/**
 * The least time a blocking command's reply may take past its block time. Redis checks blocked
 * clients' timeouts once per event loop turn, and an idle server turns every 1000/hz ms (100 ms
 * at the default hz 10): its nil reply comes up to that late, plus the round trip.
 */
const BLOCK_GRACE_FLOOR_MS = 150;

/**
 * How long past its server-side block time a blocking command's reply may come before it
 * fails with ERR_COMMAND_TIMEOUT: a tenth of the block time, at least 150 ms, at most
 * commandTimeoutMs. Later than that, the connection is dead or silently black-holed (issue 9
 * item 4: settle within block time + 20%); the lease is then closed, never reused (its reply is
 * still due).
 */
export function blockingGraceMs(blockMs: number, commandTimeoutMs: number): number {
  return Math.min(commandTimeoutMs, Math.max(BLOCK_GRACE_FLOOR_MS, Math.ceil(blockMs / 10)));
}

/** The error for a command that would change a shared connection's state (SELECT, WATCH, CLIENT TRACKING...). */
export function needsLease(definition: CommandDefinition): ArgumentError {
  const what = definition.method === 'call' || definition.method === '' ? definition.name : `${definition.method} (${definition.name})`;
  const error = new ArgumentError(
    `${what} changes the state of the connection it runs on, and the client's connections are shared: run it on a lease (await using conn = await client.acquire())`,
    'ERR_INVALID_ARGUMENT',
  );
  error.command = definition.name;
  return error;
}

function flagsOf(definition: CommandDefinition, call: CallOptions | undefined): number {
  let flags = definition.isReadOnly || call?.retryable === true ? RETRYABLE : 0;
  const buffers = definition.returnBuffers ?? call?.returnBuffers;
  if (buffers !== undefined) flags |= buffers ? WANTS_BUFFERS : WANTS_STRINGS;
  return flags;
}

/** Validates per-call options (thrown synchronously, naming the option). */
const CALL_OPTIONS = new Set(['timeoutMs', 'signal', 'returnBuffers', 'retryable']);

export function checkCallOptions(options: CallOptions): CallOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ArgumentError('with: expected an options object', 'ERR_INVALID_OPTION');
  for (const key of Object.keys(options)) {
    if (!CALL_OPTIONS.has(key)) {
      const hint = key.toLowerCase() === 'timeout' ? ' (use "timeoutMs")' : '';
      throw new ArgumentError(`with: unknown option "${key}"${hint}; accepted: timeoutMs, signal, returnBuffers, retryable`, 'ERR_INVALID_OPTION');
    }
  }
  const { timeoutMs, signal, returnBuffers, retryable } = options;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 2 ** 31 - 1)) {
    throw new ArgumentError(`with: option "timeoutMs" must be an integer from 0 to 2147483647 (ms), got ${typeof timeoutMs === 'number' ? timeoutMs : typeof timeoutMs}`, 'ERR_INVALID_OPTION');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ArgumentError('with: option "signal" must be an AbortSignal', 'ERR_INVALID_OPTION');
  for (const [name, value] of [['returnBuffers', returnBuffers], ['retryable', retryable]] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw new ArgumentError(`with: option "${name}" must be true or false, got ${typeof value}`, 'ERR_INVALID_OPTION');
  }
  return { ...options };
}
