// @layer L7 otel
/**
 * L7 otel: `createDurationProducer()`, db.client.operation.duration aggregated by leanredis
 * itself and handed to the SDK as a MetricProducer (sdk-metrics >= 1.24: a MetricReader's
 * `metricProducers` option), instead of one `histogram.record()` per operation through the
 * API. Recording through the API costs the SDK an attribute hash (sorted keys, JSON) and a map
 * lookup per operation, about 1 us, as much as the command itself; here it is a WeakMap and a
 * Map lookup, a short bucket search and a few increments (bench/observe-cost.mjs).
 *
 * Data structure: per client (WeakMap, since one client is one destination) a Map from
 * operation name to its series (attributes built once, bucket counts, sum, count, min, max);
 * failures go to a second Map keyed by operation and error type. Every series is also in one
 * array that `collect()` walks. Points are CUMULATIVE from the producer's creation.
 */
import type { Destination } from '../internal/channels.js';
import type { OtelAttributes } from './otel-types.js';
import { loadCore } from './core-loader.js';
import { DB_RESPONSE_STATUS_CODE, ERROR_TYPE, describeError, destinationAttributes } from './semconv.js';

/** [seconds, nanoseconds] since the epoch, as the SDK's HrTime. */
type HrTime = [number, number];

/** What `collect()` resolves to: the SDK's CollectionResult shape (the resource is the reader's own; this one is never read). */
export interface DurationCollection {
  resourceMetrics: { resource: never; scopeMetrics: { scope: { name: string }; metrics: DurationMetricData[] }[] };
  errors: unknown[];
}

/** The histogram metric, in the SDK's MetricData shape (DataPointType.HISTOGRAM, CUMULATIVE). */
export interface DurationMetricData {
  descriptor: { name: string; description: string; unit: string; valueType: 1 };
  aggregationTemporality: 1;
  dataPointType: 0;
  dataPoints: {
    startTime: HrTime;
    endTime: HrTime;
    attributes: OtelAttributes;
    value: { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number; min: number; max: number };
  }[];
}

interface Series {
  readonly attributes: OtelAttributes;
  readonly counts: Float64Array;
  sum: number;
  count: number;
  min: number;
  max: number;
}

function hrTime(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** Aggregates operation durations; a MetricProducer for the SDK's readers. See `createDurationProducer`. */
export class DurationProducer {
  readonly #boundsMs: readonly number[];
  readonly #boundariesSeconds: number[];
  readonly #ok = new WeakMap<object, Map<string, Series>>();
  readonly #failed = new WeakMap<object, Map<string, Series>>();
  readonly #all: Series[] = [];
  readonly #startTime = hrTime();

  constructor(boundsMs: readonly number[]) {
    this.#boundsMs = boundsMs;
    this.#boundariesSeconds = boundsMs.map((ms) => Number((ms / 1000).toPrecision(12)));
  }

  /** Records one operation (what `instrument()` calls for every command and batch). */
  record(d: Destination, operation: string, durationMs: number, error: unknown): void {
    let series: Series | undefined;
    if (error === undefined) {
      let byOperation = this.#ok.get(d.client);
      if (byOperation === undefined) this.#ok.set(d.client, (byOperation = new Map()));
      series = byOperation.get(operation);
      if (series === undefined) byOperation.set(operation, (series = this.#series(destinationAttributes(d, operation))));
    } else {
      const { errorType, statusCode } = describeError(error);
      let byKey = this.#failed.get(d.client);
      if (byKey === undefined) this.#failed.set(d.client, (byKey = new Map()));
      const key = `${operation}\n${errorType}\n${statusCode ?? ''}`;
      series = byKey.get(key);
      if (series === undefined) {
        const attributes = destinationAttributes(d, operation);
        attributes[ERROR_TYPE] = errorType;
        if (statusCode !== undefined) attributes[DB_RESPONSE_STATUS_CODE] = statusCode;
        byKey.set(key, (series = this.#series(attributes)));
      }
    }
    const bounds = this.#boundsMs;
    let i = 0;
    while (i < bounds.length && durationMs > bounds[i]) i++;
    series.counts[i]++;
    series.count++;
    series.sum += durationMs;
    if (durationMs < series.min) series.min = durationMs;
    if (durationMs > series.max) series.max = durationMs;
  }

  /** The MetricProducer method the SDK's MetricReader calls at each collection. */
  collect(): Promise<DurationCollection> {
    const endTime = hrTime();
    const metric: DurationMetricData = {
      descriptor: { name: 'db.client.operation.duration', description: 'Duration of database client operations.', unit: 's', valueType: 1 },
      aggregationTemporality: 1,
      dataPointType: 0,
      dataPoints: this.#all.map((s) => ({
        startTime: this.#startTime,
        endTime,
        attributes: s.attributes,
        value: { buckets: { boundaries: this.#boundariesSeconds, counts: Array.from(s.counts) }, sum: s.sum / 1000, count: s.count, min: s.min / 1000, max: s.max / 1000 },
      })),
    };
    return Promise.resolve({ resourceMetrics: { resource: undefined as never, scopeMetrics: [{ scope: { name: 'leanredis' }, metrics: metric.dataPoints.length === 0 ? [] : [metric] }] }, errors: [] });
  }

  #series(attributes: OtelAttributes): Series {
    const s: Series = { attributes, counts: new Float64Array(this.#boundsMs.length + 1), sum: 0, count: 0, min: Infinity, max: -Infinity };
    this.#all.push(s);
    return s;
  }
}

/** Options of `createDurationProducer`. */
export interface DurationProducerOptions {
  /**
   * Bucket bounds, ascending; exported in seconds.
   * @default [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] (ms)
   */
  bucketsMs?: readonly number[];
}

/** The default buckets of db.client.operation.duration, sub-millisecond first. (ms) */
export const DEFAULT_DURATION_BUCKETS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Whether `b` is finite numbers > 0 in ascending order (1 to 64 of them). */
export function isBucketList(b: unknown): b is readonly number[] {
  return Array.isArray(b) && b.length > 0 && b.length <= 64 && b.every((v, i) => typeof v === 'number' && Number.isFinite(v) && v > 0 && (i === 0 || v > (b[i - 1] as number)));
}

/**
 * Makes the aggregating producer of db.client.operation.duration: give it to your MetricReader
 * (`metricProducers: [durations]`, @opentelemetry/sdk-metrics >= 1.24) and to
 * `instrument({ durationProducer: durations })`, which then records durations into it rather
 * than through the Meter API, at a fraction of the cost (docs/observability.md). Points are
 * cumulative. Throws ArgumentError (ERR_INVALID_OPTION) on an unknown or invalid option.
 *
 * ```ts
 * const durations = createDurationProducer();
 * const reader = new PeriodicExportingMetricReader({ exporter, metricProducers: [durations] });
 * const meterProvider = new MeterProvider({ readers: [reader] });
 * instrument({ meterProvider, durationProducer: durations });
 * ```
 */
export function createDurationProducer(options?: DurationProducerOptions): DurationProducer {
  const fail = (message: string): never => {
    throw new (loadCore().ArgumentError)(`createDurationProducer: ${message}`, 'ERR_INVALID_OPTION');
  };
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) fail('options must be an object');
  for (const key of Object.keys(options ?? {})) if (key !== 'bucketsMs') fail(`unknown option "${key}"; accepted: bucketsMs`);
  const buckets = options?.bucketsMs;
  if (buckets !== undefined && !isBucketList(buckets)) fail('option "bucketsMs" must be 1 to 64 finite numbers > 0 in ascending order (ms)');
  return new DurationProducer(buckets === undefined ? DEFAULT_DURATION_BUCKETS_MS : Object.freeze([...buckets]));
}
