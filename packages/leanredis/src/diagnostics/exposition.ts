// @layer L7 diagnostics
/**
 * L7 diagnostics: writes the Prometheus text exposition format (0.0.4) or OpenMetrics 1.0 text,
 * one metric family at a time. The two differ in four places, all handled here:
 *   - a counter's family is named without `_total` in OpenMetrics (`# TYPE x counter`, sample
 *     `x_total`); Prometheus names the family and the sample `x_total`;
 *   - OpenMetrics has `# UNIT` (written when the family name ends with the unit) and ends with
 *     `# EOF`;
 *   - HELP escapes `\`, newline and (OpenMetrics only) `"`;
 *   - nothing else: label values escape `\`, `"` and newline in both, numbers are Go-parsable
 *     (`+Inf`, `-Inf`, `NaN`, JS decimal or exponent), `le` is written as a float (`1.0`).
 * Output is built as an array of lines joined once: 10,000 series render in a few ms (bench/
 * scenarios/prometheus.mjs).
 */

/** A metric family's type, as both formats name it. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NEEDS_ESCAPE = /[\\"\n]/;

/** Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
export function isMetricName(name: string): boolean {
  return NAME.test(name);
}

/** Whether `name` is a valid label name (not reserved: `__` prefixes are Prometheus's own). */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}

/** A label value escaped for the inside of `"..."`: backslash, double quote, newline. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * `{a="x",b="y"}` for the given pairs (already valid names), or '' when there are none. Callers
 * cache it per series: labels are escaped once, not per render.
 */
export function labelText(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  let out = '{';
  for (let i = 0; i < pairs.length; i++) out += `${i === 0 ? '' : ','}${pairs[i][0]}="${escapeLabelValue(pairs[i][1])}"`;
  return `${out}}`;
}

/** Adds `name="value"` to a label text made by labelText. */
export function withLabel(labels: string, name: string, value: string): string {
  const pair = `${name}="${escapeLabelValue(value)}"`;
  return labels === '' ? `{${pair}}` : `${labels.slice(0, -1)},${pair}}`;
}

/** A sample value: integers and decimals as JS prints them, infinities and NaN as Go parses them. */
export function formatNumber(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** A bucket bound for `le`: always a float (`1.0`, `0.005`, `+Inf`), OpenMetrics' canonical form. */
export function formatBound(value: number): string {
  if (value === Infinity) return '+Inf';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** Accumulates one exposition, family by family. */
export class ExpositionWriter {
  readonly #isOpenMetrics: boolean;
  readonly #lines: string[] = [];
  readonly #families = new Set<string>();
  /** Name the samples of the current family are written under (the counter's `_total` form). */
  #sampleName = '';

  constructor(isOpenMetrics: boolean) {
    this.#isOpenMetrics = isOpenMetrics;
  }

  /**
   * Opens a family: HELP, TYPE (and UNIT in OpenMetrics when `unit` is given). `name` is the
   * family's base name: a counter's samples get `_total`. A family is written once; its samples
   * must follow before the next family opens (neither format allows interleaving).
   */
  family(name: string, type: MetricType, help: string, unit?: 'bytes' | 'seconds'): void {
    if (this.#families.has(name)) throw new Error(`metric family ${name} written twice`);
    this.#families.add(name);
    const familyName = type === 'counter' && !this.#isOpenMetrics ? `${name}_total` : name;
    this.#sampleName = type === 'counter' ? `${name}_total` : name;
    this.#lines.push(`# HELP ${familyName} ${this.#escapeHelp(help)}`, `# TYPE ${familyName} ${type}`);
    if (unit !== undefined && this.#isOpenMetrics && name.endsWith(`_${unit}`)) this.#lines.push(`# UNIT ${familyName} ${unit}`);
  }

  /** One sample of the current family (`labels` from labelText). */
  sample(labels: string, value: number): void {
    this.#lines.push(`${this.#sampleName}${labels} ${formatNumber(value)}`);
  }

  /**
   * One histogram series of the current family: cumulative `_bucket` lines for `bounds` and
   * `+Inf`, then `_sum` and `_count`. `counts[i]` counts observations in (bounds[i-1], bounds[i]]
   * and `counts[bounds.length]` those above the last bound (not cumulative). `boundLabels[i]` is
   * `le="..."` for bounds[i] (precomputed by the caller).
   */
  histogram(labels: string, boundLabels: readonly string[], counts: ArrayLike<number>, sum: number): void {
    const name = this.#sampleName;
    const open = labels === '' ? '{' : `${labels.slice(0, -1)},`;
    let cumulative = 0;
    for (let i = 0; i < boundLabels.length; i++) {
      cumulative += counts[i];
      this.#lines.push(`${name}_bucket${open}${boundLabels[i]}} ${cumulative}`);
    }
    cumulative += counts[boundLabels.length];
    this.#lines.push(`${name}_bucket${open}le="+Inf"} ${cumulative}`, `${name}_sum${labels} ${formatNumber(sum)}`, `${name}_count${labels} ${cumulative}`);
  }

  /** The exposition text, with `# EOF` in OpenMetrics; always ends with a newline. */
  text(): string {
    if (this.#isOpenMetrics) this.#lines.push('# EOF');
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`;
  }

  #escapeHelp(help: string): string {
    const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    return this.#isOpenMetrics ? escaped.replace(/"/g, '\\"') : escaped;
  }
}
