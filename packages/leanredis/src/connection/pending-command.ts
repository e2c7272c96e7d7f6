// @layer L3 connection
/**
 * One command on its way to the server: what to send, how to read the reply, when it expires
 * and whom to tell. Besides its promise (and the promise's resolving functions) it is the only
 * object allocated per command, so it is kept small: what every command of a kind shares
 * (name, encoded name, transform) stays on the command's spec, booleans and the state share one
 * flags integer, the deadline is an integer (a small integer is stored unboxed), and the
 * promise executor is one shared function rather than a closure per command.
 */
import { AbortError, ProtocolError } from '../errors.js';
import type { Arg } from '../resp/encoder.js';
import { captureCaller, withCallerFrames, type CallerFrames } from './caller-frames.js';
import { nowMs } from '../internal/clock.js';

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

/** Per-command options packed in `flags`. */
export const RETRYABLE = 1, // may be sent again after its connection died
  WANTS_BUFFERS = 2, // read this reply's bulk strings as Buffers
  WANTS_STRINGS = 4, // read them as strings (whatever the connection default)
  INTERNAL = 8, // a handshake command, answered to the connection
  RAW = 16, // deliver the reply as is, without the spec's transform (commands inside MULTI)
  CAPTURE_CALLER = 256; // keep the caller's frames for the error's stack (captureCallerStack)

// Also in `flags`: where the command is (queued: neither bit; written and awaiting its reply;
// settled: answered, timed out, aborted or failed - a settled command that was written keeps its
// place in the in-flight FIFO until its reply arrives and is thrown away), whether an
// AbortSignal is attached, and whether it belongs to a transaction (MULTI ... EXEC, written as
// one unit: see PendingCommand.bindTransaction).
const WRITTEN = 32,
  SETTLED = 64,
  ABORTABLE = 128,
  IN_TRANSACTION = 512,
  ENDS_TRANSACTION = 1024,
  DEADLINE_ON_WRITE = 2048;

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

// Few commands carry an AbortSignal, so its listener lives here rather than in a field of every
// command (each field is 8 bytes on every command). Likewise the caller's frames, kept only
// with captureCallerStack.
const abortables = new WeakMap<PendingCommand, Abortable>();
const callers = new WeakMap<PendingCommand, CallerFrames>();
// Likewise a blocking command's deadline counted from its write: its block time plus the grace
// (ms), and the latest deadline it may have (the one set when it was issued).
const onWrite = new WeakMap<PendingCommand, { timeoutMs: number; latest: number }>();
// Likewise a transaction's size, kept for its first command (MULTI): the connection reads it
// at each flush while the unit waits for room, instead of walking the unit again.
const units = new WeakMap<PendingCommand, { count: number; bytes: number }>();

/**
 * A command in flight. Two kinds: a PromisedCommand settles its own promise (one per call), a
 * BatchedCommand writes its outcome into a slot of a BatchResults shared by a pipeline or
 * transaction (one promise for the whole batch, none per command). Kept to six fields: the
 * state and the options share `flags`, and the class has no private methods (V8 gives every
 * instance of a class with private methods an extra slot for its brand).
 */
export abstract class PendingCommand {
  readonly spec: CommandSpec;
  readonly args: readonly Arg[];
  /** Absolute deadline in whole ms on the performance.now() clock; NO_DEADLINE for none. Only {@link PendingCommand.setDeadlineOnWrite} and {@link PendingCommand.bindTransaction} move it. */
  deadline: number;
  /** The timeout the deadline was set from, for the error message. (ms) */
  timeoutMs: number;
  /** Estimated encoded size, for maxQueuedBytes. */
  readonly bytes: number;
  /** The options above, plus the state bits. */
  protected flags: number;

  /** `now`: the performance.now() time of the call when the caller has just read it (an observed command's start), so the clock is read once per command. */
  constructor(spec: CommandSpec, args: readonly Arg[], timeoutMs: number, bytes: number, flags: number, now?: number) {
    this.spec = spec;
    this.args = args;
    this.timeoutMs = timeoutMs;
    this.deadline = timeoutMs > 0 ? Math.ceil(now ?? nowMs()) + timeoutMs : NO_DEADLINE;
    this.bytes = bytes;
    this.flags = flags;
  }

  /**
   * Gives the command a deadline `timeoutMs` after each write to a socket, or its deadline as
   * issued if that is sooner. A blocking command's short grace past its block time counts from
   * when the server can start on it, not from the call: getting the lease may have needed a
   * dial and a handshake, and a LOADING answer sends it again later. Counted from the call or
   * from the first send, a BLPOP the server answered in time could time out as "written; it may
   * have executed", its popped element lost. Call before it is sent.
   */
  setDeadlineOnWrite(timeoutMs: number): void {
    onWrite.set(this, { timeoutMs, latest: this.deadline });
    this.flags |= DEADLINE_ON_WRITE;
  }

  /**
   * Makes `cmds` (MULTI, the queued commands, EXEC, in order) one unit. They share one deadline
   * (set at each creation they could differ by 1 ms, and a deadline passing between them would
   * expire MULTI and write what follows outside it); the connection writes them together or
   * not at all (an in-flight cap that held the rest of the queue between MULTI and EXEC left the
   * connection inside MULTI, or wrote the rest outside it on the next socket); none is sent
   * again on its own after a lost socket or a LOADING answer (outside its MULTI it would run
   * alone). Call before they are sent.
   */
  static bindTransaction(cmds: readonly PendingCommand[]): void {
    const deadline = cmds[0].deadline;
    const timeoutMs = cmds[0].timeoutMs;
    for (const cmd of cmds) {
      cmd.deadline = deadline;
      cmd.timeoutMs = timeoutMs;
      cmd.flags = (cmd.flags & ~RETRYABLE) | IN_TRANSACTION;
    }
    cmds[cmds.length - 1].flags |= ENDS_TRANSACTION;
    let bytes = 0;
    for (const cmd of cmds) bytes += cmd.bytes;
    units.set(cmds[0], { count: cmds.length, bytes });
  }

  /** For a transaction's first command: how many commands its unit has, and their bytes in all; undefined for any other command. */
  get transactionUnit(): { readonly count: number; readonly bytes: number } | undefined {
    return units.get(this);
  }

  /** Part of a transaction's unit (see {@link PendingCommand.bindTransaction}). */
  get isInTransaction(): boolean {
    return (this.flags & IN_TRANSACTION) !== 0;
  }

  /** A transaction's unit goes on after this command: it may not be written without the next one. */
  get continuesTransaction(): boolean {
    return (this.flags & (IN_TRANSACTION | ENDS_TRANSACTION)) === IN_TRANSACTION;
  }

  /** Settles the caller's side with a value or an error. */
  protected abstract deliver(value: unknown, isError: boolean): void;

  /** Rejects with AbortError when `signal` fires (call after construction). */
  protected watchSignal(signal: AbortSignal): void {
    if (signal.aborted) {
      this.fail(new AbortError(this.spec.name, signal.reason));
      return;
    }
    const onAbort = (): void => this.fail(new AbortError(this.spec.name, signal.reason));
    abortables.set(this, { signal, onAbort });
    this.flags |= ABORTABLE;
    signal.addEventListener('abort', onAbort, { once: true });
  }

  /**
   * For a command with a promise of its own, at the end of its constructor: keeps the caller's
   * frames (captureCallerStack; the constructor running is where they start), watches `signal`.
   */
  protected ownPromiseMade(signal: AbortSignal | undefined): void {
    if ((this.flags & CAPTURE_CALLER) !== 0) callers.set(this, captureCaller(this.constructor as abstract new (...args: never[]) => unknown));
    if (signal !== undefined) this.watchSignal(signal);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Accepted and not written yet (nor settled): the only state in which it may be written. */
  get isQueued(): boolean {
    return (this.flags & (WRITTEN | SETTLED)) === 0;
  }

  get isSettled(): boolean {
    return (this.flags & SETTLED) !== 0;
  }

  /**
   * Written to a socket; its reply is due (even once settled by a timeout). True when that set
   * its deadline (see {@link PendingCommand.setDeadlineOnWrite}): the connection's timer may
   * need to fire sooner.
   */
  markWritten(): boolean {
    const flags = (this.flags |= WRITTEN);
    if ((flags & DEADLINE_ON_WRITE) === 0) return false;
    const { timeoutMs, latest } = onWrite.get(this)!;
    const deadline = Math.ceil(nowMs()) + timeoutMs;
    if (deadline < latest) {
      this.deadline = deadline;
      this.timeoutMs = timeoutMs;
    } else this.deadline = latest;
    return true;
  }

  /** Back to the queue (its connection was lost before an answer, or the server was LOADING). */
  markQueued(): void {
    this.flags &= ~WRITTEN;
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
    if (!this.settle()) return;
    const transform = (this.flags & RAW) === 0 ? this.spec.transform : undefined;
    if (transform === undefined) {
      this.deliver(reply, false);
      return;
    }
    let value: unknown;
    try {
      value = transform(reply);
    } catch (err) {
      // The reply was valid RESP but not what this command returns (a broken or hostile server):
      // a typed error for this command only, never a raw TypeError.
      const error = new ProtocolError(`unexpected reply to ${this.spec.name}: ${(err as Error)?.message ?? String(err)}`);
      error.command = this.spec.name;
      Object.defineProperty(error, 'cause', { value: err, enumerable: false, configurable: true });
      this.deliver(error, true);
      return;
    }
    this.deliver(value, false);
  }

  fail(error: Error): void {
    if (this.settle()) this.deliver(error, true);
  }

  /** Marks the command settled; false if it already was. Detaches its AbortSignal listener. */
  protected settle(): boolean {
    const flags = this.flags;
    if ((flags & SETTLED) !== 0) return false;
    this.flags = flags | SETTLED;
    if ((flags & ABORTABLE) !== 0) {
      const abortable = abortables.get(this)!;
      abortables.delete(this);
      abortable.signal.removeEventListener('abort', abortable.onAbort);
    }
    return true;
  }
}

/** A command with a promise of its own: what a client method returns. */
export class PromisedCommand extends PendingCommand {
  readonly promise: Promise<unknown>;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (error: Error) => void;

  constructor(
    spec: CommandSpec,
    args: readonly Arg[],
    timeoutMs: number,
    bytes: number,
    flags: number,
    signal: AbortSignal | undefined,
    now?: number,
  ) {
    super(spec, args, timeoutMs, bytes, flags, now);
    this.promise = newOwnPromise();
    this.#resolve = nextResolve;
    this.#reject = nextReject;
    this.ownPromiseMade(signal);
  }

  protected deliver(value: unknown, isError: boolean): void {
    settleOwnPromise(this, this.flags, this.#resolve, this.#reject, value, isError);
  }
}

/** A command with a promise of its own: a PromisedCommand, or an observed one (client/observe.ts). */
export type CommandWithPromise = PendingCommand & { readonly promise: Promise<unknown> };

// What a command with a promise of its own does, shared by PromisedCommand and the observed
// command of client/observe.ts. That one is a sibling class, not a subclass: a third level of
// constructors cost an observed command ~190 instructions (valgrind callgrind; V8 did not inline
// the chain), issue 14.

/**
 * A command's own promise, made through the shared executor (no closure per command). Its
 * resolving functions are then {@link madeResolve} and {@link madeReject}, until the next one.
 */
export function newOwnPromise(): Promise<unknown> {
  return new Promise(captureResolvers);
}

/** The resolve function of the promise {@link newOwnPromise} made last. */
export function madeResolve(): (value: unknown) => void {
  return nextResolve;
}

/** The reject function of the promise {@link newOwnPromise} made last. */
export function madeReject(): (error: Error) => void {
  return nextReject;
}

/** Settles a command's own promise: an error gets the caller's frames under captureCallerStack. */
export function settleOwnPromise(cmd: PendingCommand, flags: number, resolve: (value: unknown) => void, reject: (error: Error) => void, value: unknown, isError: boolean): void {
  if (!isError) resolve(value);
  else if ((flags & CAPTURE_CALLER) === 0) reject(value as Error);
  else reject(withCallerFrames(value as Error, callers.get(cmd)!));
}

/**
 * The outcomes of a batch of commands (a pipeline or a transaction), in order, errors as
 * values. Its promise resolves once every command has settled.
 */
export class BatchResults {
  readonly results: unknown[];
  readonly promise: Promise<unknown[]>;
  #remaining: number;
  readonly #resolve: (results: unknown[]) => void;

  constructor(size: number) {
    this.results = new Array(size);
    this.#remaining = size;
    this.promise = new Promise<unknown>(captureResolvers) as Promise<unknown[]>;
    this.#resolve = nextResolve;
    if (size === 0) this.#resolve(this.results);
  }

  /** Records command `index`'s outcome. */
  set(index: number, value: unknown): void {
    this.results[index] = value;
    if (--this.#remaining === 0) this.#resolve(this.results);
  }
}

/** A command of a batch: writes its outcome into its slot instead of settling a promise. */
export class BatchedCommand extends PendingCommand {
  readonly #batch: BatchResults;
  readonly #index: number;

  constructor(spec: CommandSpec, args: readonly Arg[], timeoutMs: number, bytes: number, flags: number, batch: BatchResults, index: number) {
    super(spec, args, timeoutMs, bytes, flags);
    this.#batch = batch;
    this.#index = index;
  }

  protected deliver(value: unknown): void {
    this.#batch.set(this.#index, value);
  }
}
