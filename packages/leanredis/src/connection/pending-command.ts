/**
 * One command on its way to the server: what to send, how to read the reply, when it expires
 * and whom to tell. Besides its promise (and the promise's resolving functions) it is the only
 * object allocated per command, so it is kept small: what every command of a kind shares
 * (name, encoded name, transform) stays on the command's spec, booleans share one flags
 * integer, the deadline is an integer (a small integer is stored unboxed), and the promise
 * executor is one shared function rather than a closure per command.
 */
import { AbortError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';

/** Turns a raw reply into the value the caller receives. */
export type Transform = (reply: unknown) => unknown;

/** What a command shares with every command of its kind (a command definition fits). */
export interface CommandSpec {
  /** Display name, upper case ("GET", "CLIENT ID"): errors name this, never the arguments. */
  readonly name: string;
  /** The name tokens encoded as RESP bulk strings; set before the command is created. */
  readonly prefix: Buffer | undefined;
  readonly tokens: number;
  readonly transform: Transform | undefined;
}

/**
 * Where a command is: waiting to be written, written and awaiting its reply, or settled
 * (answered, timed out, aborted or failed). A settled command that was written keeps its place
 * in the in-flight FIFO until its reply arrives and is thrown away.
 */
export type CommandState = 'queued' | 'written' | 'settled';

/** Per-command options packed in `flags`. */
export const RETRYABLE = 1, // may be sent again after its connection died
  WANTS_BUFFERS = 2, // read this reply's bulk strings as Buffers
  WANTS_STRINGS = 4, // read them as strings (whatever the connection default)
  INTERNAL = 8; // a handshake command, answered to the connection

/** Deadline of a command without one (larger than any real deadline, still a small integer). */
export const NO_DEADLINE = 0x7fffffff;

// The promise executor is shared: it hands the resolving functions over through these two
// variables instead of a closure allocated per command.
let nextResolve: (value: unknown) => void = noop;
let nextReject: (error: Error) => void = noop;
function captureResolvers(resolve: (value: unknown) => void, reject: (error: Error) => void): void {
  nextResolve = resolve;
  nextReject = reject;
}
function noop(): void {}

interface Abortable {
  signal: AbortSignal;
  onAbort: () => void;
}

export class PendingCommand {
  readonly spec: CommandSpec;
  readonly args: readonly Arg[];
  readonly transform: Transform | undefined;
  /** Absolute deadline in whole ms on the performance.now() clock; NO_DEADLINE for none. */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Estimated encoded size, for maxQueuedBytes. */
  readonly bytes: number;
  readonly flags: number;
  state: CommandState = 'queued';
  readonly promise: Promise<unknown>;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: Error) => void;
  #abortable: Abortable | undefined;

  constructor(
    spec: CommandSpec,
    args: readonly Arg[],
    timeoutMs: number,
    bytes: number,
    flags: number,
    signal: AbortSignal | undefined,
    transform: Transform | undefined = spec.transform,
  ) {
    this.spec = spec;
    this.args = args;
    this.transform = transform;
    this.timeoutMs = timeoutMs;
    this.deadline = timeoutMs > 0 ? Math.ceil(performance.now()) + timeoutMs : NO_DEADLINE;
    this.bytes = bytes;
    this.flags = flags;
    this.promise = new Promise(captureResolvers);
    this.#resolve = nextResolve;
    this.#reject = nextReject;
    this.#abortable = undefined;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.fail(new AbortError(spec.name, signal.reason));
      } else {
        const onAbort = (): void => this.fail(new AbortError(spec.name, signal.reason));
        this.#abortable = { signal, onAbort };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get isSettled(): boolean {
    return this.state === 'settled';
  }

  /** May be re-sent after a lost connection (read-only command, or the caller opted in). */
  get isRetryable(): boolean {
    return (this.flags & RETRYABLE) !== 0;
  }

  get isInternal(): boolean {
    return (this.flags & INTERNAL) !== 0;
  }

  /** The reply's bulk type if this command asks for one, else undefined (connection default). */
  get returnBuffers(): boolean | undefined {
    return (this.flags & WANTS_BUFFERS) !== 0 ? true : (this.flags & WANTS_STRINGS) !== 0 ? false : undefined;
  }

  /** Delivers the reply (already checked not to be an error), applying the transform. */
  succeed(reply: unknown): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    if (this.#abortable !== undefined) this.#detach();
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
    if (this.#abortable !== undefined) this.#detach();
    this.#reject(error);
  }

  #detach(): void {
    const { signal, onAbort } = this.#abortable!;
    signal.removeEventListener('abort', onAbort);
    this.#abortable = undefined;
  }
}
