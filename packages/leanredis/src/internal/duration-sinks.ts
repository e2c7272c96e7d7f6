// @layer L0 internal
/**
 * Installing and removing the recorders of the process's duration-sink slot
 * (duration-sink.ts): what leanredis/otel's instrument() and leanredis/diagnostics'
 * createCommandMetrics() call, through the core's `__internals` (so that the slot's rules live
 * in one place whichever subpath installs). In dist/extras.js: a process that installs nothing
 * never loads it.
 *
 * Why a fan-out rather than a list the clients walk: the clients read one field per command,
 * `slot.sink`, and with one recorder installed (the common case) that field is the recorder, so
 * a command adds to the recorder's own table with no loop and no indirection, and with none it
 * is undefined, so an unobserved command still pays one property read. Several recorders cost
 * one more call per recorder per command, paid only by the processes that install several.
 * (One shared table that every exporter reads was the other design: it would have to keep each
 * duration in the finest form any exporter wants, but OpenTelemetry's series are per client and
 * error type, Prometheus's per command name and error code, with their own buckets.)
 */
import type { DurationSink, DurationSlot, DurationTable } from './duration-sink.js';
import type { Destination } from './channels.js';

// The slot by its registered key (DURATION_SINK_KEY) rather than duration-sink.ts's
// `durationSlot`: importing any value of that module from extras.js would move it into the chunk
// index.js shares with extras.js, and the dispatcher would read the slot through an imported
// binding on every command. The core made the slot when it loaded (it loads this file).
const durationSlot = (globalThis as Record<symbol, unknown>)[Symbol.for('leanredis.durationSink')] as DurationSlot;

/** One client's tables in several recorders: each command is added to each. */
class FanOutTable implements DurationTable {
  readonly #tables: readonly DurationTable[];

  constructor(tables: readonly DurationTable[]) {
    this.#tables = tables;
  }

  record(operation: string, durationMs: number, error: unknown): void {
    for (const t of this.#tables) t.record(operation, durationMs, error);
  }

  recordBatch(mode: 'PIPELINE' | 'MULTI', commands: readonly string[], durationMs: number, outcomes: readonly unknown[], error: unknown): void {
    for (const t of this.#tables) t.recordBatch(mode, commands, durationMs, outcomes, error);
  }
}

/** The slot's sink while several recorders are installed. */
class FanOutSink implements DurationSink {
  readonly #sinks: readonly DurationSink[];

  constructor(sinks: readonly DurationSink[]) {
    this.#sinks = sinks;
  }

  tableFor(destination: Destination): DurationTable {
    return new FanOutTable(this.#sinks.map((s) => s.tableFor(destination)));
  }
}

function publish(sinks: readonly DurationSink[]): void {
  durationSlot.sinks = sinks;
  durationSlot.sink = sinks.length === 0 ? undefined : sinks.length === 1 ? sinks[0] : new FanOutSink(sinks);
}

/** The slot's recorders: install, remove, ask. */
export const DurationSinks = {
  /**
   * Installs `sink` beside those installed. Returns false, changing nothing, when it is
   * installed already: installed twice it would count every command twice (the caller refuses).
   */
  install(sink: DurationSink): boolean {
    const sinks = durationSlot.sinks;
    if (sinks.includes(sink)) return false;
    publish([...sinks, sink]);
    return true;
  },

  /** Removes `sink`; the slot is free again once none is left. Idempotent. */
  uninstall(sink: DurationSink): void {
    const sinks = durationSlot.sinks;
    if (sinks.includes(sink)) publish(sinks.filter((s) => s !== sink));
  },

  /** Whether `sink` is installed. */
  isInstalled(sink: DurationSink): boolean {
    return durationSlot.sinks.includes(sink);
  },
};
