/**
 * Line charts as inline SVG strings, for the self-contained HTML reports: axes with "nice"
 * ticks (1, 2, 5 × 10^k), one polyline per series with a dot per data point, optional
 * vertical markers (the steps of a ramp), a legend. No script and no external resource, so a
 * report opens offline and prints. Every series group carries `data-points` (its count) so a
 * test can check what was drawn.
 */

/** One line. */
export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Dashed line (a secondary figure of the same run, such as p50 beside p99). */
  readonly isDashed?: boolean;
  /** Colour index into the palette; defaults to the series' position. */
  readonly colorIndex?: number;
}

/** A chart. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Formats a y tick. */
  readonly formatY: (v: number) => string;
  /** Formats an x tick. @default String */
  readonly formatX?: (v: number) => string;
  /** Vertical markers at x with a label. */
  readonly markers?: ReadonlyArray<{ readonly x: number; readonly label: string }>;
  /** Log-scale x axis (base 10) for percentile curves, with the tick positions given. */
  readonly xTicks?: readonly number[];
}

/** Colours that stay apart for the colour-blind (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const W = 640;
const H = 260;
const M = { top: 28, right: 28, bottom: 40, left: 72 };

/** Escapes text for HTML and SVG content and attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Ticks from 0 (or min) to at least max at a 1-2-5 step, about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v < max + step * 0.999; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/** The chart as an `<svg>` element string. */
export function renderLineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points);
  const formatX = chart.formatX ?? ((v: number) => String(v));
  const xs = [...all.map((p) => p[0]), ...(chart.markers ?? []).map((m) => m.x)];
  const xMin = xs.length === 0 ? 0 : Math.min(...xs, ...(chart.xTicks ?? []));
  const ys = all.map((p) => p[1]);
  const xMax = xs.length === 0 ? 1 : Math.max(...xs, ...(chart.xTicks ?? []));
  const yTicks = niceTicks(0, ys.length === 0 ? 1 : Math.max(...ys));
  const yMax = yTicks[yTicks.length - 1];
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const sx = (x: number) => M.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number) => M.top + plotH - (y / yMax) * plotH;
  const xTicks = chart.xTicks ?? niceTicks(xMin, xMax, 8).filter((t) => t >= xMin && t <= xMax);
  const parts: string[] = [];
  parts.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(chart.title)}">`);
  parts.push(`<text class="title" x="${M.left}" y="16">${escapeHtml(chart.title)}</text>`);
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${fmt(sy(t))}" y2="${fmt(sy(t))}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${fmt(sy(t) + 4)}" text-anchor="end">${escapeHtml(chart.formatY(t))}</text>`);
  }
  for (const t of xTicks) parts.push(`<text class="tick" x="${fmt(sx(t))}" y="${H - M.bottom + 16}" text-anchor="middle">${escapeHtml(formatX(t))}</text>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}"/>`);
  parts.push(`<text class="label" x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(chart.xLabel)}</text>`);
  parts.push(`<text class="label" transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(chart.yLabel)}</text>`);
  for (const m of chart.markers ?? []) {
    const x = fmt(sx(m.x));
    parts.push(`<line class="marker" x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + plotH}"/><text class="marker-label" x="${fmt(sx(m.x) + 3)}" y="${M.top + 10}">${escapeHtml(m.label)}</text>`);
  }
  chart.series.forEach((s, i) => {
    const color = PALETTE[(s.colorIndex ?? i) % PALETTE.length];
    const pts = s.points.map(([x, y]) => `${fmt(sx(x))},${fmt(sy(y))}`);
    parts.push(`<g class="series" data-series="${escapeHtml(s.name)}" data-points="${s.points.length}">`);
    if (pts.length > 1) parts.push(`<polyline class="line" fill="none" stroke="${color}" stroke-width="2"${s.isDashed === true ? ' stroke-dasharray="5 4"' : ''} points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [x, y] = p.split(',');
      parts.push(`<circle class="point" cx="${x}" cy="${y}" r="2.5" fill="${color}"/>`);
    }
    parts.push('</g>');
  });
  // Legend, top right, one row per series.
  chart.series.forEach((s, i) => {
    const color = PALETTE[(s.colorIndex ?? i) % PALETTE.length];
    const y = M.top + 6 + i * 14;
    const x = W - M.right - 170;
    parts.push(`<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"${s.isDashed === true ? ' stroke-dasharray="5 4"' : ''}/><text class="legend" x="${x + 24}" y="${y + 4}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The CSS the charts need, for the page's `<style>`. */
export const CHART_CSS = `
svg.chart { background: #fff; border: 1px solid #ddd; border-radius: 4px; margin: 6px 12px 6px 0; max-width: 100%; height: auto; }
svg.chart .title { font: 600 13px system-ui, sans-serif; fill: #222; }
svg.chart .tick, svg.chart .legend, svg.chart .marker-label { font: 11px system-ui, sans-serif; fill: #555; }
svg.chart .label { font: 11px system-ui, sans-serif; fill: #333; }
svg.chart .grid { stroke: #eee; }
svg.chart .axis { stroke: #999; }
svg.chart .marker { stroke: #bbb; stroke-dasharray: 3 3; }
`;
