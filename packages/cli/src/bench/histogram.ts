/**
 * A log-bucketed latency histogram in the manner of HdrHistogram, small enough to read in one
 * sitting. Values are non-negative integers (the bench records nanoseconds).
 *
 *   [0, 2^S)            one bucket per value (exact)
 *   [2^e, 2^(e+1)), e>=S  2^(S-1) buckets of width 2^(e-S+1)
 *
 * With S = 8 every recorded value lies within 1/128 (0.78%) of its bucket's bounds, whatever
 * its magnitude: 256 exact buckets, then 128 per power of two, 4,352 counters up to 2^40 ns
 * (18 minutes). Recording is an index computation and an increment: no allocation. Min, max
 * and the sum are kept exactly; percentiles are reported as the upper bound of the bucket
 * holding the rank (as HdrHistogram's "highest equivalent value": never under-reports).
 */

/** Linear buckets below 2^S; 2^(S-1) buckets per power of two above. */
const S = 8;
const LINEAR = 1 << S;
const HALF = 1 << (S - 1);
/** Largest exponent kept; bigger values land in the last bucket (their max stays exact). */
const MAX_EXPONENT = 40;
const BUCKETS = LINEAR + (MAX_EXPONENT - S + 1) * HALF;

/** Position of the highest set bit of a positive integer (floor(log2 v)). */
function exponentOf(v: number): number {
  if (v < 4294967296) return 31 - Math.clz32(v);
  let e = Math.floor(Math.log2(v));
  // log2 may round across an integer near powers of two: settle it exactly.
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  return e;
}

/** Bucket index of a value. */
export function bucketOf(value: number): number {
  if (value < LINEAR) return value;
  const e = Math.min(exponentOf(value), MAX_EXPONENT);
  const width = 2 ** (e - S + 1);
  const sub = Math.min(Math.floor(value / width), LINEAR - 1) - HALF;
  return LINEAR + (e - S) * HALF + sub;
}

/** Lowest value of a bucket. */
export function bucketLow(index: number): number {
  if (index < LINEAR) return index;
  const e = S + Math.floor((index - LINEAR) / HALF);
  const width = 2 ** (e - S + 1);
  return (HALF + ((index - LINEAR) % HALF)) * width;
}

/** Highest value of a bucket. */
export function bucketHigh(index: number): number {
  return index + 1 < BUCKETS ? bucketLow(index + 1) - 1 : Number.MAX_SAFE_INTEGER;
}

/** The histogram in JSON: non-empty buckets as [index, count] pairs, plus the exact figures. */
export interface HistogramJson {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly buckets: ReadonlyArray<readonly [number, number]>;
}

/** Latency histogram; see the file comment. */
export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #min = Infinity;
  #max = 0;
  #sum = 0;

  /** Records one value (rounded down, clamped at 0). */
  record(value: number): void {
    let v: number;
    let index: number;
    if (value < 4294967296) {
      // The hot path (under 4.3 s in ns): integer bit operations only, no Math calls.
      v = value > 0 ? value >>> 0 : 0;
      if (v < LINEAR) index = v;
      else {
        const e = 31 - Math.clz32(v);
        index = LINEAR + (e - S) * HALF + ((v >>> (e - S + 1)) - HALF);
      }
    } else {
      v = Math.floor(value);
      index = bucketOf(v);
    }
    this.#counts[index]++;
    this.#count++;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  get max(): number {
    return this.#max;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at quantile `q` (0..1): the upper bound of the bucket holding the rank
   * ceil(q * count), capped by the exact max. 0 when empty.
   */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(bucketHigh(i), this.#max);
    }
    return this.#max;
  }

  /** Adds every value of `other`. */
  add(other: Histogram | HistogramJson): void {
    if (other instanceof Histogram) {
      if (other.#count === 0) return;
      for (let i = 0; i < BUCKETS; i++) this.#counts[i] += other.#counts[i];
      this.#count += other.#count;
      this.#sum += other.#sum;
      if (other.#min < this.#min) this.#min = other.#min;
      if (other.#max > this.#max) this.#max = other.#max;
      return;
    }
    const json = other;
    if (json.count === 0) return;
    for (const [i, c] of json.buckets) this.#counts[i] += c;
    this.#count += json.count;
    this.#sum += json.sum;
    if (json.min < this.#min) this.#min = json.min;
    if (json.max > this.#max) this.#max = json.max;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#min = Infinity;
    this.#max = 0;
    this.#sum = 0;
  }

  toJSON(): HistogramJson {
    const buckets: Array<readonly [number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i] !== 0) buckets.push([i, this.#counts[i]]);
    return { count: this.#count, min: this.min, max: this.#max, sum: this.#sum, buckets };
  }

  /** A histogram holding what `json` describes. */
  static fromJSON(json: HistogramJson): Histogram {
    const h = new Histogram();
    h.add(json);
    return h;
  }
}

/** Latency figures of a histogram of nanoseconds, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** Summarizes a histogram of nanoseconds. */
export function summarizeLatency(h: Histogram): LatencySummary {
  const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
  return {
    count: h.count,
    minMs: ms(h.min),
    meanMs: ms(h.mean),
    p50Ms: ms(h.quantile(0.5)),
    p90Ms: ms(h.quantile(0.9)),
    p99Ms: ms(h.quantile(0.99)),
    p999Ms: ms(h.quantile(0.999)),
    maxMs: ms(h.max),
  };
}
