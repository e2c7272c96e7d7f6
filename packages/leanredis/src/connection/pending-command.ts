/**
 * One command on its way to the server: what to send, how to read the reply, when it expires
 * and whom to tell. It is the only object allocated per command besides its promise.
 */
import { AbortError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';

/** Turns a raw reply into the value the caller receives. */
export type Transform = (reply: unknown) => unknown;

/**
 * Where a command is: waiting to be written, written and awaiting its reply, or settled
 * (answered, timed out, aborted or failed). A settled command that was written keeps its place
 * in the in-flight FIFO until its reply arrives and is thrown away.
 */
export type CommandState = 'queued' | 'written' | 'settled';

export class PendingCommand {
  readonly name: string;
  readonly prefix: Buffer;
  readonly tokens: number;
  readonly args: readonly Arg[];
  readonly transform: Transform | undefined;
  /** Absolute deadline on the performance.now() clock; Infinity for none. */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Estimated encoded size, for maxQueuedBytes. */
  readonly bytes: number;
  /** May be sent again after its connection died (read-only command, or the caller opted in). */
  readonly isRetryable: boolean;
  /** Per-call override of the decoder's bulk type; undefined keeps the connection default. */
  readonly returnBuffers: boolean | undefined;
  state: CommandState = 'queued';
  /** Internal commands (handshake) are answered to the connection, not to a caller. */
  isInternal = false;
  readonly promise: Promise<unknown>;
  #resolve!: (value: unknown) => void;
  #reject!: (error: Error) => void;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  constructor(
    name: string,
    prefix: Buffer,
    tokens: number,
    args: readonly Arg[],
    transform: Transform | undefined,
    timeoutMs: number,
    bytes: number,
    isRetryable: boolean,
    returnBuffers: boolean | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.name = name;
    this.prefix = prefix;
    this.tokens = tokens;
    this.args = args;
    this.transform = transform;
    this.timeoutMs = timeoutMs;
    this.deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Infinity;
    this.bytes = bytes;
    this.isRetryable = isRetryable;
    this.returnBuffers = returnBuffers;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail(new AbortError(name, signal.reason));
      } else {
        this.#signal = signal;
        this.#onAbort = () => this.fail(new AbortError(name, signal.reason));
        signal.addEventListener('abort', this.#onAbort, { once: true });
      }
    }
  }

  get isSettled(): boolean {
    return this.state === 'settled';
  }

  /** Delivers the reply (already checked not to be an error), applying the transform. */
  succeed(reply: unknown): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.#detach();
    if (this.transform === undefined) {
      this.#resolve(reply);
      return;
    }
    let value: unknown;
    try {
      value = this.transform(reply);
    } catch (err) {
      this.#reject(err as Error);
      return;
    }
    this.#resolve(value);
  }

  fail(error: Error): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.#detach();
    this.#reject(error);
  }

  #detach(): void {
    if (this.#signal !== undefined) {
      this.#signal.removeEventListener('abort', this.#onAbort!);
      this.#signal = undefined;
      this.#onAbort = undefined;
    }
  }
}
