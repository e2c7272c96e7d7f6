// @layer L7 otel
/**
 * L7 otel: `createDurationProducer()`, db.client.operation.duration aggregated by leanredis
 * itself and handed to the SDK as a MetricProducer (sdk-metrics >= 1.24: a MetricReader's
 * `metricProducers` option), instead of one `histogram.record()` per operation through the
 * API. Recording through the API costs the SDK an attribute hash (sorted keys, JSON) and a map
 * lookup per operation, about 1 us, as much as the command itself; here it is a WeakMap and a
 * Map lookup, a short bucket search and a few increments (bench/observe-cost.mjs).
 *
 * Data structure: per client a table (ClientDurations; found through a WeakMap keyed by the
 * client, since one client is one destination) with a Map from operation name to its series
 * (attributes built once, bucket counts, sum, count, min, max); failures go to a second Map
 * keyed by operation and error type. Every series is also in one array that `collect()` walks.
 * Points are CUMULATIVE from the producer's creation.
 *
 * It is also a duration sink (src/internal/duration-sink.ts): `instrument()` installs it in the
 * core's slot (beside other recorders: a Prometheus one, another producer), and each client then
 * holds its own table and adds its commands to it directly, without being observed through the
 * channels (no WeakMap lookup per command either). One producer is installed by one running
 * instrumentation at a time: a second instrument() with it is refused (it would count twice). The
 * producer holds no client but through that WeakMap, which lets go of a collected one (its
 * series stay, as cumulative points do).
 */
import type { Destination } from '../internal/channels.js';
import type { DurationSink, DurationTable } from '../internal/duration-sink.js';
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

/**
 * One client's series (a DurationTable of the core's duration sink). It reads the client's
 * destination when it makes a series (a sentinel client's address is known only once it
 * dialled); it holds the client through it, which the producer's WeakMap allows (a WeakMap's
 * value may refer to its key and still let go of it).
 */
class ClientDurations implements DurationTable {
  readonly #boundsMs: readonly number[];
  readonly #all: Series[];
  readonly #destination: Destination;
  readonly #ok = new Map<string, Series>();
  readonly #failed = new Map<string, Series>();

  constructor(boundsMs: readonly number[], all: Series[], d: Destination) {
    this.#boundsMs = boundsMs;
    this.#all = all;
    this.#destination = d;
  }

  record(operation: string, durationMs: number, error: unknown): void {
    let series: Series | undefined;
    if (error === undefined) {
      series = this.#ok.get(operation);
      if (series === undefined) this.#ok.set(operation, (series = this.#series(destinationAttributes(this.#destination, operation))));
    } else {
      const { errorType, statusCode } = describeError(error);
      const key = `${operation}\n${errorType}\n${statusCode ?? ''}`;
      series = this.#failed.get(key);
      if (series === undefined) {
        const attributes = destinationAttributes(this.#destination, operation);
        attributes[ERROR_TYPE] = errorType;
        if (statusCode !== undefined) attributes[DB_RESPONSE_STATUS_CODE] = statusCode;
        this.#failed.set(key, (series = this.#series(attributes)));
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

  /** Batches are recorded from `leanredis:batch` by instrument(), which subscribes to it for their spans anyway. */
  recordBatch(): void {}

  #series(attributes: OtelAttributes): Series {
    const s: Series = { attributes, counts: new Float64Array(this.#boundsMs.length + 1), sum: 0, count: 0, min: Infinity, max: -Infinity };
    this.#all.push(s);
    return s;
  }
}

/** Aggregates operation durations; a MetricProducer for the SDK's readers. See `createDurationProducer`. */
export class DurationProducer implements DurationSink {
  readonly #boundsMs: readonly number[];
  readonly #boundariesSeconds: number[];
  readonly #tables = new WeakMap<object, ClientDurations>();
  readonly #all: Series[] = [];
  readonly #startTime = hrTime();

  constructor(boundsMs: readonly number[]) {
    this.#boundsMs = boundsMs;
    this.#boundariesSeconds = boundsMs.map((ms) => Number((ms / 1000).toPrecision(12)));
  }

  /** Records one operation of the client `d` belongs to (what `instrument()` calls for each batch, and for each command when it is not the installed duration sink). (ms) */
  record(d: Destination, operation: string, durationMs: number, error: unknown): void {
    this.tableFor(d).record(operation, durationMs, error);
  }

  /** The table of the client `d` belongs to (the duration sink's method: the core calls it once per client). */
  tableFor(d: Destination): DurationTable {
    let table = this.#tables.get(d.client);
    if (table === undefined) this.#tables.set(d.client, (table = new ClientDurations(this.#boundsMs, this.#all, d)));
    return table;
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
 * than through the Meter API, at a fraction of the cost (docs/observability.md). There it is
 * installed as the process's duration sink: clients add their commands to it without being
 * observed through the channels. Points are cumulative. Throws ArgumentError
 * (ERR_INVALID_OPTION) on an unknown or invalid option.
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
