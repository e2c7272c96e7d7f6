// @layer L0 internal
/**
 * The duration sink: where a client's commands add their durations when an aggregating
 * recorder is installed (leanredis/otel's `instrument({ durationProducer })`), so that durations
 * are counted without observing each command through the `leanredis:command` channels (issue 14:
 * a context object, the publishes and a subscriber per command were +7-9% of a command's
 * instructions before any recording; metrics only + the watch had to stay under 8%).
 *
 * One sink per process at a time, in a slot under a registered symbol on globalThis (like the
 * client-created hook of client.ts): one slot for every copy of the package, as the channels
 * are one per process. The recorder installs itself there; each client asks it once for its
 * table (a per-client object of the recorder's, by operation name) and keeps it while that sink
 * stays installed. The sink holds no client: a closed client and its table are collected.
 *
 * Who adds to the table (never both for one command):
 *   - nobody observes commands: the dispatcher, the lease and pub/sub time the command
 *     themselves (client/timed-command.ts): one clock read at the call, as for the deadline,
 *     one per chunk of replies at the outcome (reply-clock.ts);
 *   - someone observes commands (a span subscriber, a listener of leanredis:command:end): the
 *     observed path (client/observe.ts) adds each settled command's duration, the one it publishes.
 * Commands of a pipeline or transaction are not operations of their own: the batch is, and it is
 * recorded from `leanredis:batch` by the recorder.
 */
import type { Destination } from './channels.js';

/** One client's durations, by operation: what the sink hands a client. */
export interface DurationTable {
  /** Adds one operation: `error` undefined on success (a fallback such as eval's NOSCRIPT is a success). (ms) */
  record(operation: string, durationMs: number, error: unknown): void;
}

/** An aggregating recorder (leanredis/otel's DurationProducer). */
export interface DurationSink {
  /** The table of the client `destination` belongs to (made on first call; the same one after). */
  tableFor(destination: Destination): DurationTable;
}

/** The slot's registered key (leanredis/otel uses the same string; it does not import this file). */
export const DURATION_SINK_KEY = Symbol.for('leanredis.durationSink');

/** The process's slot; `sink` is undefined while no recorder is installed (then this costs one property read per command). */
export const durationSlot: { sink: DurationSink | undefined } = ((globalThis as Record<symbol, unknown>)[DURATION_SINK_KEY] ??= { sink: undefined }) as {
  sink: DurationSink | undefined;
};

/** A client's handle on its table in whichever sink is installed. */
export class DurationTables {
  readonly #destination: Destination;
  #sink: DurationSink | undefined;
  #table: DurationTable | undefined;

  constructor(destination: Destination) {
    this.#destination = destination;
  }

  /** The client's table in the installed sink; undefined while none is installed. */
  current(): DurationTable | undefined {
    const sink = durationSlot.sink;
    if (sink === undefined) {
      // Let go of an uninstalled sink's table (written only then: this runs per observed command).
      if (this.#sink !== undefined) this.#sink = this.#table = undefined;
      return undefined;
    }
    if (sink !== this.#sink) {
      this.#table = sink.tableFor(this.#destination);
      this.#sink = sink;
    }
    return this.#table;
  }
}
