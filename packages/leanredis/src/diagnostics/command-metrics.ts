// @layer L7 diagnostics
/**
 * L7 diagnostics: `createCommandMetrics()`, a recorder of every command's outcome
 * (docs/observability.md): a count, a latency histogram and errors by code, per command NAME
 * (never a key: keys are unbounded and may be personal data).
 *
 * It is fed by the core's duration sink (src/internal/duration-sink.ts), where start() installs
 * it beside any other recorder (an OpenTelemetry duration producer, another CommandMetrics):
 * each client adds its commands to it directly, timed by the command itself while nobody
 * observes commands, so recording costs no context object, publish or subscriber per command
 * (it was fed by `leanredis:command:end` and `leanredis:batch` before, ~+10% of a command's
 * instructions; docs/BENCHMARKS.md, fifth pass). What it records is what those channels carried:
 * a command of a pipeline or transaction under its own name, with the batch's duration and its
 * own outcome, and the batch itself (recordBatch below). Its table is one for every client: the
 * series are per command name, never per client.
 *
 * Data structure: a Map from command name to an entry holding the count, the sum of durations
 * and one counter per histogram bucket (non-cumulative; the writer accumulates), plus a small
 * Map of error code -> count. Recording is a Map lookup, a short linear bucket search (most
 * Redis commands land in the first buckets, so it stops early) and a few increments; the label
 * text of an entry is escaped once, when the entry is created. Cardinality is capped: past
 * `maxCommands` names (call() accepts any first token) commands count under `OTHER`, and past
 * `maxErrorCodes` codes per command (a server's error prefix) under `OTHER`.
 *
 * Pipelines and transactions are also recorded as batches (batch-metrics.ts), from the
 * `leanredis:batch` tracing channel: count, sizes and durations per mode.
 */
import type { DurationSink, DurationTable } from '../internal/duration-sink.js';
import { checkOptions, intOption } from './options.js';
import { loadCore } from './core-loader.js';
import { escapeLabelValue, formatBound } from './exposition.js';
import { BatchRecorder, type BatchEntry, type BatchFigures } from './batch-metrics.js';

/** Options of `createCommandMetrics`. */
export interface CommandMetricsOptions {
  /**
   * Upper bounds of the latency histogram's buckets, ascending; `+Inf` is implied. Prometheus
   * output is in seconds (`le="0.0001"` for 0.1 ms).
   * @default [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] (ms)
   */
  bucketsMs?: readonly number[];
  /** Distinct command names kept; later names count as `OTHER`. @default 1000 */
  maxCommands?: number;
  /** Distinct error codes kept per command; later codes count as `OTHER`. @default 32 */
  maxErrorCodes?: number;
}

/** One command's figures (`CommandMetrics.snapshot()`). Plain data. */
export interface CommandFigures {
  /** Upper-case command name (`GET`, `CLIENT KILL`), or `OTHER` past `maxCommands`. */
  command: string;
  /** Commands that settled, successes and failures. */
  count: number;
  /** Failures by error code (`WRONGTYPE`, `ERR_COMMAND_TIMEOUT`...; `UNKNOWN` for an error without one). */
  errors: Record<string, number>;
  /** Sum of the durations. (ms) */
  sumMs: number;
  /** Cumulative counts: `counts[i]` commands took at most `bucketsMs[i]`; the last is every command (+Inf). */
  cumulative: number[];
}

/** The default buckets: sub-millisecond first, since a loopback Redis answers in ~0.1 ms. (ms) */
export const DEFAULT_BUCKETS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const KNOWN = ['bucketsMs', 'maxCommands', 'maxErrorCodes'] as const;
const OTHER = 'OTHER';

/** An error's stable code (`LeanRedisError.code`, the server's prefix for a ReplyError), else `UNKNOWN`. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'UNKNOWN';
}

/** One command's counters; `label` is `command="GET"`, escaped once. */
export interface CommandEntry {
  readonly command: string;
  readonly label: string;
  count: number;
  sumMs: number;
  readonly buckets: Float64Array;
  readonly errors: Map<string, { readonly label: string; count: number }>;
}

/** Records command outcomes; see `createCommandMetrics`. */
export class CommandMetrics {
  readonly #boundsMs: readonly number[];
  readonly #maxCommands: number;
  readonly #maxErrorCodes: number;
  readonly #entries = new Map<string, CommandEntry>();
  readonly #batches: BatchRecorder;
  /** What the core's duration sink holds while this records: every client's table is this one. */
  readonly #sink: DurationSink;
  #isRecording = false;

  /** `le="..."` per bucket, in seconds, precomputed for rendering. */
  readonly boundLabels: readonly string[];

  constructor(boundsMs: readonly number[], maxCommands: number, maxErrorCodes: number) {
    this.#boundsMs = boundsMs;
    this.#maxCommands = maxCommands;
    this.#maxErrorCodes = maxErrorCodes;
    this.boundLabels = boundsMs.map((ms) => `le="${formatBound(Number((ms / 1000).toPrecision(12)))}"`);
    this.#batches = new BatchRecorder(boundsMs, maxErrorCodes, errorCodeOf);
    const table = new SinkTable(this);
    this.#sink = { tableFor: () => table };
  }

  /** Whether it records the process's commands (false after `stop()`). */
  get isRecording(): boolean {
    return this.#isRecording;
  }

  /** The histogram's bucket bounds. (ms) */
  get bucketsMs(): readonly number[] {
    return this.#boundsMs;
  }

  /** @internal Installs it in the core's duration sink (createCommandMetrics does). Idempotent. */
  start(): this {
    if (this.#isRecording) return this;
    loadCore().__internals.loadDurationSinks().install(this.#sink);
    this.#isRecording = true;
    return this;
  }

  /**
   * Stops recording and frees its place in the duration sink (the slot is free again when no
   * other recorder is installed); the figures so far stay readable. A command still in flight
   * at stop() is not counted. Idempotent.
   */
  stop(): void {
    if (!this.#isRecording) return;
    this.#isRecording = false;
    loadCore().__internals.loadDurationSinks().uninstall(this.#sink);
  }

  /** `using metrics = createCommandMetrics()` stops it at the end of the scope. */
  [Symbol.dispose](): void {
    this.stop();
  }

  /**
   * Records one outcome, as the duration sink does for every command: `command` is its
   * upper-case name, `durationMs` how long it took, `error` what it failed with (undefined on
   * success). Exposed for commands observed another way, and for tests.
   */
  record(command: string, durationMs: number, error?: unknown): void {
    const entry = this.#entries.get(command) ?? this.#entry(command);
    entry.count++;
    entry.sumMs += durationMs;
    const bounds = this.#boundsMs;
    let i = 0;
    while (i < bounds.length && durationMs > bounds[i]) i++;
    entry.buckets[i]++;
    if (error !== undefined) this.#error(entry, errorCodeOf(error));
  }

  /**
   * Records one settled pipeline or transaction, as the duration sink does (its commands are
   * recorded one by one apart, with `record`): `mode`, `size`
   * (commands queued, MULTI and EXEC not counted), how long its exec() took (ms) and what it
   * rejected with (undefined when it resolved). Exposed for batches observed another way, and for tests.
   */
  recordBatch(mode: 'PIPELINE' | 'MULTI', size: number, durationMs: number, error?: unknown): void {
    this.#batches.record(mode, size, durationMs, error);
  }

  /** Forgets every figure (a process that wants per-interval figures). */
  reset(): void {
    this.#entries.clear();
    this.#batches.reset();
  }

  /** The batch figures, one row per mode (MULTI, PIPELINE) that has settled at least once. */
  batchSnapshot(): BatchFigures[] {
    return this.#batches.snapshot();
  }

  /** @internal The batch entries sorted by mode (for rendering). */
  batchEntries(): BatchEntry[] {
    return this.#batches.entries();
  }

  /** The figures, one row per command name, sorted by name. */
  snapshot(): CommandFigures[] {
    return this.entries().map((e) => {
      const cumulative: number[] = [];
      let sum = 0;
      for (const n of e.buckets) cumulative.push((sum += n));
      return { command: e.command, count: e.count, errors: Object.fromEntries([...e.errors].map(([code, v]) => [code, v.count])), sumMs: e.sumMs, cumulative };
    });
  }

  /** @internal The entries sorted by command name (for rendering). */
  entries(): CommandEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
  }

  #entry(command: string): CommandEntry {
    const name = this.#entries.size >= this.#maxCommands ? OTHER : command;
    const known = this.#entries.get(name);
    if (known !== undefined) return known;
    const entry: CommandEntry = { command: name, label: `command="${escapeLabelValue(name)}"`, count: 0, sumMs: 0, buckets: new Float64Array(this.#boundsMs.length + 1), errors: new Map() };
    this.#entries.set(name, entry);
    return entry;
  }

  #error(entry: CommandEntry, code: string): void {
    let e = entry.errors.get(code);
    if (e === undefined) {
      const name = entry.errors.size >= this.#maxErrorCodes ? OTHER : code;
      e = entry.errors.get(name);
      if (e === undefined) entry.errors.set(name, (e = { label: `${entry.label},code="${escapeLabelValue(name)}"`, count: 0 }));
    }
    e.count++;
  }
}

/**
 * A CommandMetrics' table in the duration sink, the same for every client. What the channels
 * carried before: each command of a batch under its own name, with the batch's duration and
 * its own outcome (an Error, else a success), then the batch. Nothing once the metrics stopped
 * (a command in flight at stop() keeps the table it was made with).
 */
class SinkTable implements DurationTable {
  readonly #metrics: CommandMetrics;

  constructor(metrics: CommandMetrics) {
    this.#metrics = metrics;
  }

  record(operation: string, durationMs: number, error: unknown): void {
    const m = this.#metrics;
    if (m.isRecording) m.record(operation, durationMs, error);
  }

  recordBatch(mode: 'PIPELINE' | 'MULTI', commands: readonly string[], durationMs: number, outcomes: readonly unknown[], error: unknown): void {
    const m = this.#metrics;
    if (!m.isRecording) return;
    for (let i = 0; i < commands.length; i++) {
      const outcome = outcomes[i];
      m.record(commands[i], durationMs, outcome instanceof Error ? outcome : undefined);
    }
    m.recordBatch(mode, commands.length, durationMs, error);
  }
}

function checkBuckets(fn: string, value: unknown): readonly number[] {
  if (value === undefined) return DEFAULT_BUCKETS_MS;
  const ok = Array.isArray(value) && value.length > 0 && value.length <= 64 && value.every((v, i) => typeof v === 'number' && Number.isFinite(v) && v > 0 && (i === 0 || v > (value[i - 1] as number)));
  if (!ok) throw new (loadCore().ArgumentError)(`${fn}: option "bucketsMs" must be 1 to 64 finite numbers > 0 in ascending order (ms)`, 'ERR_INVALID_OPTION');
  return Object.freeze([...(value as number[])]);
}

/**
 * Starts recording every command of every leanredis client in this process (and of any copy
 * of the package: the channel is process-wide): counts, latency histogram and errors by code,
 * per command name; and every pipeline and transaction: counts, errors by code, sizes and
 * durations, per mode. Render it with `prometheusText(clients, { commands })`; `stop()` ends it.
 * Throws ArgumentError (ERR_INVALID_OPTION) on an unknown or invalid option.
 *
 * It is installed in the core's duration sink, beside any other recorder (an OpenTelemetry
 * `durationProducer`, another CommandMetrics: each counts every command once): clients add
 * their commands to it without being observed through the `leanredis:command` channels, so an
 * unobserved command pays a table lookup by name and a few increments (docs/observability.md,
 * "Cost"; docs/BENCHMARKS.md, fifth pass). `stop()` frees its place in the sink.
 *
 * ```ts
 * const commands = createCommandMetrics();
 * http.createServer((req, res) => {
 *   res.setHeader('Content-Type', prometheusContentType(false));
 *   res.end(prometheusText([client], { commands }));
 * });
 * ```
 */
export function createCommandMetrics(options?: CommandMetricsOptions): CommandMetrics {
  const fn = 'createCommandMetrics';
  const o = checkOptions(fn, options, KNOWN);
  const buckets = checkBuckets(fn, o.bucketsMs);
  return new CommandMetrics(buckets, intOption(fn, o, 'maxCommands', 1000, 1, 100_000), intOption(fn, o, 'maxErrorCodes', 32, 1, 1000)).start();
}
