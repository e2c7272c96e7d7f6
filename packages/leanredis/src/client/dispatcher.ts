/**
 * Turns a command definition and its arguments into a PendingCommand (validating arguments
 * and applying per-call options) and hands it to the pool. Shared by the client, its per-call
 * views, pipelines and transactions.
 */
import { ArgumentError, ClientClosedError } from '../errors.js';
import { measureArgs, type Arg } from '../resp/encoder.js';
import { prefixOf, type CommandDefinition } from '../commands/define.js';
import { blockingTimeoutMs } from '../commands/blocking.js';
import { PendingCommand, RETRYABLE, WANTS_BUFFERS, WANTS_STRINGS, type Transform } from '../connection/pending-command.js';
import { Pool } from '../pool/pool.js';
import { channels } from '../internal/channels.js';
import type { ResolvedOptions } from './options.js';
import type { CallOptions } from './runner.js';

export class Dispatcher {
  readonly options: ResolvedOptions;
  readonly pool: Pool;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.pool = new Pool(options.pool);
  }

  /**
   * Builds a command. Throws ArgumentError (synchronously) on a bad argument. `blockMs` is the
   * server-side block time of a blocking command: its deadline is that plus commandTimeoutMs.
   */
  create(
    definition: CommandDefinition,
    args: readonly Arg[],
    call: CallOptions | undefined,
    transform: Transform | undefined = definition.transform,
    blockMs?: number,
  ): PendingCommand {
    const bytes = measureArgs(definition.name, args);
    const grace = this.options.commandTimeoutMs;
    const timeoutMs = call?.timeoutMs ?? (blockMs === undefined ? grace : blockMs === 0 || grace === 0 ? 0 : blockMs + grace);
    prefixOf(definition);
    let flags = definition.isReadOnly || call?.retryable === true ? RETRYABLE : 0;
    const buffers = definition.returnBuffers ?? call?.returnBuffers;
    if (buffers !== undefined) flags |= buffers ? WANTS_BUFFERS : WANTS_STRINGS;
    return new PendingCommand(definition, args, timeoutMs, bytes, flags, call?.signal, transform);
  }

  /** Sends on the shared connections, or on a lease of its own when the command blocks. */
  run(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined): Promise<unknown> {
    if (!this.pool.isOpen) return Promise.reject(new ClientClosedError(undefined, definition.name));
    const blockMs = definition.isBlocking ? blockingTimeoutMs(definition.name, args) : undefined;
    // Created (and so validated: ArgumentError is thrown) before anything asynchronous.
    const cmd = this.create(definition, args, call, definition.transform, blockMs);
    if (blockMs !== undefined) this.#runLeased(cmd);
    else this.pool.dispatch(cmd);
    if (channels().commandEnd.hasSubscribers) this.#observe(cmd);
    return cmd.promise;
  }

  /** Publishes the command's outcome on diagnostics_channel (only when someone subscribed). */
  #observe(cmd: PendingCommand): void {
    const start = performance.now();
    const address = this.options.address;
    const publish = (error: unknown): void => {
      channels().commandEnd.publish({ address, command: cmd.name, durationMs: performance.now() - start, error });
    };
    cmd.promise.then(() => publish(undefined), publish);
  }

  /** Runs a blocking command on a lease of its own, released (or closed) once it settles. */
  #runLeased(cmd: PendingCommand): void {
    this.pool.acquire().then(
      (conn) => {
        conn.send(cmd);
        // A timed-out blocking command's reply is still due: that connection is not reusable.
        const release = (): void => this.pool.release(conn, conn.inFlightCount === 0);
        cmd.promise.then(release, release);
      },
      (err: Error) => cmd.fail(err),
    );
  }
}

/** Validates per-call options (thrown synchronously, naming the option). */
const CALL_OPTIONS = new Set(['timeoutMs', 'signal', 'returnBuffers', 'retryable']);

export function checkCallOptions(options: CallOptions): CallOptions {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('with: expected an options object', 'ERR_INVALID_ARGUMENT');
  for (const key of Object.keys(options)) {
    if (!CALL_OPTIONS.has(key)) throw new ArgumentError(`with: unknown option "${key}" (expected timeoutMs, signal, returnBuffers or retryable)`, 'ERR_INVALID_ARGUMENT');
  }
  const { timeoutMs, signal } = options;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 2 ** 31 - 1)) {
    throw new ArgumentError(`with: option "timeoutMs" must be an integer from 0 to 2147483647 (ms), got ${String(timeoutMs)}`, 'ERR_INVALID_ARGUMENT');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ArgumentError('with: option "signal" must be an AbortSignal', 'ERR_INVALID_ARGUMENT');
  }
  return { ...options };
}
