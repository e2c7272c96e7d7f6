/**
 * Turns a command definition and its arguments into a PendingCommand (validating arguments
 * and applying per-call options) and hands it to the pool. Shared by the client, its per-call
 * views, pipelines and transactions.
 */
import { ArgumentError, ClientClosedError } from '../errors.js';
import { measureArgs, type Arg } from '../resp/encoder.js';
import { prefixOf, type CommandDefinition } from '../commands/define.js';
import { PendingCommand, type Transform } from '../connection/pending-command.js';
import { Pool } from '../pool/pool.js';
import type { ResolvedOptions } from './options.js';
import type { CallOptions } from './runner.js';

export class Dispatcher {
  readonly options: ResolvedOptions;
  readonly pool: Pool;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.pool = new Pool({ connection: options.connection, sharedConnections: 1 });
  }

  /** Builds a command. Throws ArgumentError (synchronously) on a bad argument. */
  create(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined, transform: Transform | undefined = definition.transform): PendingCommand {
    const bytes = measureArgs(definition.name, args);
    return new PendingCommand(
      definition.name,
      prefixOf(definition),
      definition.tokens,
      args,
      transform,
      call?.timeoutMs ?? this.options.commandTimeoutMs,
      bytes,
      definition.isReadOnly || call?.retryable === true,
      definition.returnBuffers ?? call?.returnBuffers,
      call?.signal,
    );
  }

  run(definition: CommandDefinition, args: readonly Arg[], call: CallOptions | undefined): Promise<unknown> {
    if (!this.pool.isOpen) return Promise.reject(new ClientClosedError(undefined, definition.name));
    const cmd = this.create(definition, args, call);
    this.pool.dispatch(cmd);
    return cmd.promise;
  }
}

/** Validates per-call options (thrown synchronously, naming the option). */
export function checkCallOptions(options: CallOptions): CallOptions {
  if (typeof options !== 'object' || options === null) throw new ArgumentError('with: expected an options object', 'ERR_INVALID_ARGUMENT');
  const { timeoutMs, signal } = options;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 2 ** 31 - 1)) {
    throw new ArgumentError(`with: option "timeoutMs" must be an integer from 0 to 2147483647 (ms), got ${String(timeoutMs)}`, 'ERR_INVALID_ARGUMENT');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ArgumentError('with: option "signal" must be an AbortSignal', 'ERR_INVALID_ARGUMENT');
  }
  return { ...options };
}
