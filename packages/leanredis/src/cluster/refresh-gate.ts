// @layer L5 cluster
/**
 * Single-flight, rate-limited slot-map refresh. However many commands fail at once (a dead
 * master fails every command sent to it), they share one refresh: a request while one runs gets
 * that one's promise, and a request within `minIntervalMs` of the last start gets one refresh
 * scheduled at the end of the interval, shared by every request meanwhile. So a refresh storm
 * (ioredis#203: every failed command scheduled its own) is at most 1000 / minIntervalMs per second.
 *
 * States: idle → running → idle, or idle → waiting (timer armed) → running → idle.
 */

export class RefreshGate {
  readonly #run: () => Promise<void>;
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  #running: Promise<void> | undefined;
  #waiting: Promise<void> | undefined;
  #lastStart = -Infinity;
  /** Refreshes started since the gate was made. */
  count = 0;

  constructor(run: () => Promise<void>, minIntervalMs: number, now: () => number = () => performance.now()) {
    this.#run = run;
    this.#minIntervalMs = minIntervalMs;
    this.#now = now;
  }

  /** True while a refresh runs or waits for its turn. */
  get isBusy(): boolean {
    return this.#running !== undefined || this.#waiting !== undefined;
  }

  /** Asks for a refresh; resolves when the one that serves this request has finished (never rejects). */
  request(): Promise<void> {
    if (this.#waiting !== undefined) return this.#waiting;
    if (this.#running !== undefined) return this.#running;
    const wait = this.#lastStart + this.#minIntervalMs - this.#now();
    if (wait <= 0) return this.#start();
    this.#waiting = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.#waiting = undefined;
        resolve(this.#start());
      }, Math.ceil(wait));
    });
    return this.#waiting;
  }

  #start(): Promise<void> {
    this.#lastStart = this.#now();
    this.count++;
    const running = this.#run().then(
      () => {},
      () => {},
    );
    this.#running = running.then(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
