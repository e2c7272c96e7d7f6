// @layer L0 internal
/**
 * The duration sink: where a client's commands add their durations when an aggregating
 * recorder is installed (leanredis/otel's `instrument({ durationProducer })`, leanredis/diagnostics'
 * `createCommandMetrics()`), so that durations are counted without observing each command
 * through the `leanredis:command` channels (issue 14: a context object, the publishes and a
 * subscriber per command were +7-9% of a command's instructions before any recording; metrics
 * only + the watch had to stay under 8%).
 *
 * One slot per process, under a registered symbol on globalThis (like the client-created hook of
 * client.ts): one slot for every copy of the package, as the channels are one per process. It
 * holds the installed recorders (`sinks`, managed by duration-sinks.ts) and the one sink the
 * clients read (`sink`):
 *   - none installed: undefined, so an unobserved command pays one property read, as before
 *     there could be several;
 *   - one installed: that recorder itself, so a client's table is the recorder's own and a
 *     command adds to it directly (no indirection for the common case);
 *   - several (an OTel producer and a Prometheus recorder, or two registries): a fan-out sink
 *     whose table for a client holds each recorder's table and adds to each in turn.
 * Each client asks the slot's sink once for its table (a per-client object of the recorder's)
 * and keeps it while that sink stays in the slot; installing or removing a recorder puts a new
 * sink there, so every client asks again at its next command. The slot holds no client: a
 * closed client and its table are collected.
 *
 * Who adds to the table (never both for one command):
 *   - nobody observes commands: the dispatcher, the lease and pub/sub time the command
 *     themselves (client/timed-command.ts): one clock read at the call, as for the deadline,
 *     one per chunk of replies at the outcome (reply-clock.ts);
 *   - someone observes commands (a span subscriber, a listener of leanredis:command:end): the
 *     observed path (client/observe.ts) adds each settled command's duration, the one it publishes.
 * Commands of a pipeline or transaction are not operations of their own: `record` never sees
 * them; `recordBatch` gets each settled batch with its commands' outcomes, from the batch
 * observer (client/observe.ts) when someone observes batches, else from the pipeline itself.
 */
import type { Destination } from './channels.js';

/** One client's durations, by operation: what the sink hands a client. */
export interface DurationTable {
  /**
   * Adds one command that is not part of a batch: its upper-case name, the milliseconds from
   * its call to its outcome, the error it failed with (undefined on success; a fallback such
   * as eval's NOSCRIPT is a success). (ms)
   */
  record(operation: string, durationMs: number, error: unknown): void;
  /**
   * Adds one settled pipeline or transaction: its mode, its commands' names in order (MULTI and
   * EXEC not counted), the milliseconds from exec() to its outcome, each command's outcome (an
   * Error, else anything) and what exec() rejects with (undefined if it resolves). A recorder
   * that takes batches from `leanredis:batch` instead does nothing here. (ms)
   */
  recordBatch(mode: 'PIPELINE' | 'MULTI', commands: readonly string[], durationMs: number, outcomes: readonly unknown[], error: unknown): void;
}

/** An aggregating recorder (leanredis/otel's DurationProducer, leanredis/diagnostics' CommandMetrics). */
export interface DurationSink {
  /** The table of the client `destination` belongs to (made on first call; the same one after). */
  tableFor(destination: Destination): DurationTable;
}

/** The slot's registered key (the subpaths reach the slot through the core's duration-sinks.ts). */
export const DURATION_SINK_KEY = Symbol.for('leanredis.durationSink');

/** The process's slot (see the file comment); duration-sinks.ts writes it, the clients read `sink`. */
export interface DurationSlot {
  /** What the clients read: undefined (none installed), the one installed, or a fan-out over several. */
  sink: DurationSink | undefined;
  /** The installed recorders, in installation order. */
  sinks: readonly DurationSink[];
}

/** The process's slot; `sink` is undefined while no recorder is installed (then this costs one property read per command). */
export const durationSlot: DurationSlot = ((globalThis as Record<symbol, unknown>)[DURATION_SINK_KEY] ??= { sink: undefined, sinks: [] }) as DurationSlot;

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
