// @layer L4 pool
/**
 * The pool's circuit breaker (off unless circuitBreakerThreshold > 0):
 *
 *   closed --N failed connects in a row--> open --probe timer--> halfOpen --dial ok--> closed
 *                                           ^                        |
 *                                           +------ dial failed -----+
 *
 * While open or half-open, commands and lease requests fail at once with ERR_CIRCUIT_OPEN
 * (the probe is a dial, whose handshake proves the server answers). Any successful handshake
 * closes the circuit. It counts failed connects over every connection of the pool, and keeps
 * the last connect error for the messages of commands that time out meanwhile.
 */
import { CircuitOpenError } from '../errors.js';

/** The circuit breaker's state (see the diagram above). */
export type CircuitState = 'closed' | 'open' | 'halfOpen';

/** What the breaker asks of its pool. */
export interface CircuitOwner {
  /** The circuit just opened: fail what waits with `error`. */
  onCircuitOpen(error: CircuitOpenError): void;
  /** The circuit just closed. */
  onCircuitClosed(): void;
  /** Half-open: dial once; its handshake or its failure is reported back. */
  probe(): void;
}

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #probeIntervalMs: number;
  readonly #address: string;
  readonly #owner: CircuitOwner;
  #state: CircuitState = 'closed';
  #failedConnects = 0; // in a row, over every connection; a handshake that succeeds resets it
  #lastConnectError: Error | undefined;
  #opens = 0;
  #probeTimer: NodeJS.Timeout | undefined;

  constructor(threshold: number, probeIntervalMs: number, address: string, owner: CircuitOwner) {
    this.#threshold = threshold;
    this.#probeIntervalMs = probeIntervalMs;
    this.#address = address;
    this.#owner = owner;
  }

  get state(): CircuitState {
    return this.#state;
  }

  /** Times the circuit opened. */
  get opens(): number {
    return this.#opens;
  }

  /** Connects that failed in a row. */
  get failedConnects(): number {
    return this.#failedConnects;
  }

  /** The error of the last connect that failed, kept until one succeeds. */
  get lastConnectError(): Error | undefined {
    return this.#lastConnectError;
  }

  /** The error a command (or lease request) gets while the circuit is not closed. */
  error(command: string | undefined): CircuitOpenError {
    const cause = this.#lastConnectError;
    const why = cause === undefined ? '' : ` (last: ${cause.message})`;
    return new CircuitOpenError(
      `the server at ${this.#address} could not be reached: ${this.#failedConnects} connects failed in a row${why}; ` +
        `failing fast until a probe (every ${this.#probeIntervalMs} ms) connects`,
      cause,
      command,
    );
  }

  /** A handshake succeeded. */
  connected(): void {
    this.#failedConnects = 0;
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.stop();
    this.#owner.onCircuitClosed();
  }

  /** A connect failed; `mayOpen` is false once the pool is closing. */
  connectFailed(error: Error, mayOpen: boolean): void {
    this.#lastConnectError = error;
    this.#failedConnects++;
    if (this.#threshold === 0 || !mayOpen) return;
    if (this.#state === 'closed' && this.#failedConnects >= this.#threshold) {
      this.#state = 'open';
      this.#opens++;
      this.#owner.onCircuitOpen(this.error(undefined));
      this.#armProbe();
    } else if (this.#state === 'halfOpen') {
      this.#state = 'open';
      this.#armProbe();
    }
  }

  /** Stops the probe timer (the pool closes, or the circuit closed). */
  stop(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  #armProbe(): void {
    if (this.#probeTimer !== undefined) return;
    this.#probeTimer = setTimeout(CircuitBreaker.#onProbe, this.#probeIntervalMs, this);
    // An idle process with an open circuit may exit: the probe is not work of its own.
    this.#probeTimer.unref();
  }

  static #onProbe(breaker: CircuitBreaker): void {
    breaker.#probeTimer = undefined;
    if (breaker.#state !== 'open') return;
    breaker.#state = 'halfOpen';
    breaker.#owner.probe();
  }
}
