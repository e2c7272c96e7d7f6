// @layer L6 client
/**
 * A command timed into the duration sink (internal/duration-sink.ts) while nobody observes
 * commands: a sibling of PromisedCommand (sharing its promise helpers, as the observed command
 * of observe.ts does) with two more fields, the client's table and the call's time. On its
 * outcome it adds its duration to the table: no context object, no channel, no subscriber.
 *
 * The call's time is the one clock read every command makes for its deadline (PendingCommand
 * takes it as `now`); the outcome's is shared by the replies of one chunk (reply-clock.ts).
 * What is recorded is what the observed path records for the same command: its name, the
 * milliseconds from the call to the outcome, the error it failed with (none for a fallback
 * answered by another command, eval's NOSCRIPT).
 */
import type { Arg } from '../resp/encoder.js';
import type { CommandDefinition } from '../commands/define.js';
import { PendingCommand, madeReject, madeResolve, newOwnPromise, settleOwnPromise } from '../connection/pending-command.js';
import type { DurationTable } from '../internal/duration-sink.js';
import { outcomeTime } from '../internal/reply-clock.js';
import { nowMs } from '../internal/clock.js';
import { ReplyError } from '../errors.js';
import type { BatchItem, BatchOutcome } from './observe.js';

export class TimedCommand extends PendingCommand {
  readonly promise: Promise<unknown>;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: Error) => void;
  readonly #table: DurationTable;
  /** performance.now() time of the call. (ms) */
  readonly #startedAt: number;

  constructor(table: DurationTable, definition: CommandDefinition, args: readonly Arg[], timeoutMs: number, bytes: number, flags: number, signal: AbortSignal | undefined) {
    const now = nowMs();
    super(definition, args, timeoutMs, bytes, flags, now);
    this.promise = newOwnPromise();
    this.#resolve = madeResolve();
    this.#reject = madeReject();
    this.#table = table;
    this.#startedAt = now;
    this.ownPromiseMade(signal);
  }

  protected deliver(value: unknown, isError: boolean): void {
    settleOwnPromise(this, this.flags, this.#resolve, this.#reject, value, isError);
    const startedAt = this.#startedAt;
    // Never before the call (a command made and refused while a chunk is decoded), as observe.ts.
    const at = outcomeTime();
    const durationMs = (at >= startedAt ? at : nowMs()) - startedAt;
    const spec = this.spec as CommandDefinition;
    // Answered by the sender with another command (eval's EVAL after NOSCRIPT): not a failure.
    const error = !isError || (value instanceof ReplyError && value.code === spec.fallbackOn) ? undefined : value;
    this.#table.record(spec.name, durationMs, error);
  }
}

/**
 * Times `send` (a command not made as a TimedCommand: pub/sub's SUBSCRIBE family) into
 * `table`; its promise is returned untouched. A synchronous throw is recorded and rethrown.
 */
export function timeSend<T>(table: DurationTable, name: string, send: () => Promise<T>): Promise<T> {
  const startedAt = nowMs();
  let promise: Promise<T>;
  try {
    promise = send();
  } catch (err) {
    table.record(name, nowMs() - startedAt, err);
    throw err;
  }
  promise.then(
    () => table.record(name, nowMs() - startedAt, undefined),
    (err: unknown) => table.record(name, nowMs() - startedAt, err),
  );
  return promise;
}

/**
 * Sends a pipeline or transaction through `send` and, once `settled`, adds it to `table` with
 * its commands' outcomes (`outcomes` reads them from the batch's results): what the batch
 * observer (observe.ts) reports for the same batch, timed from before the send to the
 * settlement, without a context or a publish. Used while nobody observes batches.
 */
export function timeBatch(table: DurationTable, mode: 'PIPELINE' | 'MULTI', items: readonly BatchItem[], send: () => number | undefined, settled: Promise<unknown[]>, outcomes: (results: unknown[]) => BatchOutcome): void {
  const names = items.map((item) => item.definition.name);
  const startedAt = nowMs();
  send();
  settled.then(
    (results) => {
      const o = outcomes(results);
      table.recordBatch(mode, names, nowMs() - startedAt, o.outcomes, o.error);
    },
    (error: unknown) => table.recordBatch(mode, names, nowMs() - startedAt, names.map(() => error), error),
  );
}
