// @layer L7 diagnostics
/**
 * L7 diagnostics: the batch half of `createCommandMetrics()`, fed by the core's duration sink
 * once a pipeline's or transaction's exec() settled (what the `leanredis:batch` tracing
 * channel's `asyncEnd` carries: mode, size, duration, error; command-metrics.ts): per mode
 * (PIPELINE, MULTI) a count, errors by code, a histogram of batch sizes (commands queued, MULTI
 * and EXEC not counted) and one of batch durations. Two modes; codes past `maxErrorCodes` per
 * mode count as `OTHER`, as for commands.
 *
 * Data structure: as for commands (command-metrics.ts), non-cumulative bucket counts in
 * Float64Arrays, label texts escaped once per entry.
 */
import { escapeLabelValue, formatBound } from './exposition.js';

/** Upper bounds of the batch-size histogram's buckets (commands); `+Inf` is implied. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000];

/** One batch mode's figures (`CommandMetrics.batchSnapshot()`). Plain data. */
export interface BatchFigures {
  /** 'PIPELINE' or 'MULTI' (a MULTI/EXEC transaction, watch() included). */
  mode: 'PIPELINE' | 'MULTI';
  /** Batches whose exec() settled. */
  count: number;
  /** Failed batches by error code (what exec() rejected with: a transport error, EXECABORT, a PipelineError's code...). */
  errors: Record<string, number>;
  /** Commands in them, summed. */
  commands: number;
  /** Cumulative counts: `sizes[i]` batches had at most `BATCH_SIZE_BUCKETS[i]` commands; the last is every batch (+Inf). */
  sizes: number[];
  /** Sum of their durations. (ms) */
  sumMs: number;
}

/** One mode's counters; `label` is `mode="PIPELINE"`. */
export interface BatchEntry {
  readonly mode: 'PIPELINE' | 'MULTI';
  readonly label: string;
  count: number;
  commands: number;
  sumMs: number;
  readonly sizes: Float64Array;
  readonly durations: Float64Array;
  readonly errors: Map<string, { readonly label: string; count: number }>;
}

/** `le="..."` per size bucket, precomputed. */
export const BATCH_SIZE_LABELS: readonly string[] = BATCH_SIZE_BUCKETS.map((n) => `le="${formatBound(n)}"`);

function bucketOf(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  return i;
}

/** The batches' counters, by mode. */
export class BatchRecorder {
  readonly #boundsMs: readonly number[];
  readonly #maxErrorCodes: number;
  readonly #codeOf: (error: unknown) => string;
  readonly #entries = new Map<string, BatchEntry>();

  constructor(boundsMs: readonly number[], maxErrorCodes: number, codeOf: (error: unknown) => string) {
    this.#boundsMs = boundsMs;
    this.#maxErrorCodes = maxErrorCodes;
    this.#codeOf = codeOf;
  }

  /** Records one settled batch: its mode, its size (commands), how long it took (ms), what it failed with (undefined on success). */
  record(mode: 'PIPELINE' | 'MULTI', size: number, durationMs: number, error: unknown): void {
    let e = this.#entries.get(mode);
    if (e === undefined) {
      e = { mode, label: `mode="${escapeLabelValue(mode)}"`, count: 0, commands: 0, sumMs: 0, sizes: new Float64Array(BATCH_SIZE_BUCKETS.length + 1), durations: new Float64Array(this.#boundsMs.length + 1), errors: new Map() };
      this.#entries.set(mode, e);
    }
    e.count++;
    e.commands += size;
    e.sumMs += durationMs;
    e.sizes[bucketOf(BATCH_SIZE_BUCKETS, size)]++;
    e.durations[bucketOf(this.#boundsMs, durationMs)]++;
    if (error === undefined) return;
    const code = this.#codeOf(error);
    let err = e.errors.get(code);
    if (err === undefined) {
      const name = e.errors.size >= this.#maxErrorCodes ? 'OTHER' : code;
      err = e.errors.get(name);
      if (err === undefined) e.errors.set(name, (err = { label: `${e.label},code="${escapeLabelValue(name)}"`, count: 0 }));
    }
    err.count++;
  }

  reset(): void {
    this.#entries.clear();
  }

  /** The entries sorted by mode (MULTI, then PIPELINE). */
  entries(): BatchEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.mode < b.mode ? -1 : 1));
  }

  /** The figures, one row per mode. */
  snapshot(): BatchFigures[] {
    const cumulative = (counts: Float64Array): number[] => {
      let sum = 0;
      return Array.from(counts, (n) => (sum += n));
    };
    return this.entries().map((e) => ({ mode: e.mode, count: e.count, errors: Object.fromEntries([...e.errors].map(([code, v]) => [code, v.count])), commands: e.commands, sizes: cumulative(e.sizes), sumMs: e.sumMs }));
  }
}
