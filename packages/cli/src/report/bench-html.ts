/**
 * The HTML view of a bench result: one self-contained file (inline CSS and SVG, no script, no
 * font, no CDN) that opens offline, prints, and can be attached to an issue. It shows the
 * before/after table when the result compares runs, time series of throughput, latency, heap,
 * RSS and GC per second for every run, the latency-by-percentile curve, and the tables of the
 * terminal view. The result object itself is embedded as JSON (`<script type="application/json"
 * id="bench-result">`), so the report is also the data.
 */
import type { BenchResult, BenchRun } from '../bench/bench-result.js';
import type { Comparison } from '../bench/compare.js';
import { Histogram } from '../bench/histogram.js';
import { escapeHtml, renderLineChart, CHART_CSS, type ChartSeries } from './svg-chart.js';
import { formatBytes, formatChange, formatCount, formatPercent } from './format.js';
import { formatLatency, formatLoad, formatMetric, formatMix, formatP, overheadShare } from './bench-report.js';

function comparisonTable(c: Comparison): string {
  const rows = c.metrics
    .map((m) => {
      const cls = m.verdict === 'better' ? 'better' : m.verdict === 'worse' ? 'worse' : 'same';
      return `<tr class="${cls}"><td>${escapeHtml(m.metric)}</td><td class="n">${escapeHtml(formatMetric(m, m.before))}</td><td class="n">${escapeHtml(formatMetric(m, m.after))}</td><td class="n">${m.change === null ? '–' : escapeHtml(formatChange(m.change))}</td><td>${escapeHtml(m.verdict)}</td><td class="n">${escapeHtml(formatP(m.p))}</td><td class="n">${m.samples[0]} / ${m.samples[1]}</td></tr>`;
    })
    .join('');
  return `<h3>${escapeHtml(c.before)} → ${escapeHtml(c.after)}${c.isStepAdjusted ? ' <span class="dim">(same ramp: each second centred on its step before the test)</span>' : ''}</h3><table class="compare"><thead><tr><th>figure</th><th>before</th><th>after</th><th>change</th><th>verdict (Welch, α = ${c.alpha})</th><th>p</th><th>seconds</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function runsTable(result: BenchResult): string {
  const rows = result.runs
    .map((r) => {
      const t = r.totals;
      return `<tr><td>${escapeHtml(r.name)}${r.clientVersion ? ` <span class="dim">${escapeHtml(r.clientVersion)}</span>` : ''}</td><td class="n">${formatCount(t.opsPerSec)}</td><td class="n">${formatLatency(t.latency.p50Ms)}</td><td class="n">${formatLatency(t.latency.p99Ms)}</td><td class="n">${formatLatency(t.latency.p999Ms)}</td><td class="n">${formatLatency(t.latency.maxMs)}</td><td class="n">${t.errors === 0 ? '0' : `${formatCount(t.errors)} (${formatPercent(t.errorRate)})`}</td><td class="n">${formatBytes(t.allocatedBytesPerOp)}</td><td class="n">${t.gcPauseMsPerSec.toFixed(1)}</td><td class="n">${formatBytes(t.heapPeak)}</td><td class="n">${formatBytes(t.rssPeak)}</td><td class="n">${formatBytes(r.facts.heapBaseline)} → ${formatBytes(r.facts.heapReady)} → ${formatBytes(r.facts.heapAfter)}</td><td class="n">${formatCount(r.facts.overheadNsPerOp)} ns (${formatPercent(overheadShare(r))})</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>run</th><th>ops/s</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th><th>alloc/op</th><th>GC ms/s</th><th>heap peak</th><th>RSS peak</th><th>heap after GC: before import → connected → after load</th><th>doctor overhead/op</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function stepsTable(result: BenchResult): string {
  const rows = result.runs
    .flatMap((r) =>
      r.steps.map(
        (s) =>
          `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(formatLoad(r, s.load))}</td><td class="n">${formatCount(s.opsPerSec)}</td><td class="n">${formatLatency(s.latency.p50Ms)}</td><td class="n">${formatLatency(s.latency.p99Ms)}</td><td class="n">${formatLatency(s.latency.p999Ms)}</td><td class="n">${formatLatency(s.latency.maxMs)}</td><td class="n">${formatCount(s.errors + s.dropped)}</td><td class="n">${formatBytes(s.allocatedBytesPerOp)}</td></tr>`,
      ),
    )
    .join('');
  return `<table><thead><tr><th>run</th><th>load</th><th>ops/s</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th><th>alloc/op</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Per-second series of every run: x in seconds since the first step started. */
function seriesOf(runs: readonly BenchRun[], y: (s: BenchRun['seconds'][number]) => number, label = (r: BenchRun) => r.name): ChartSeries[] {
  return runs.map((r, i) => ({ name: label(r), colorIndex: i, points: r.seconds.map((s) => [Math.round(s.tMs / 100) / 10, y(s)] as const) }));
}

/** Where each step (and each round's first step) begins, on the first run's clock. */
function stepMarkers(runs: readonly BenchRun[]): Array<{ x: number; label: string }> {
  const r = runs[0];
  if (r === undefined || (r.steps.length < 2 && (r.rounds ?? 1) < 2)) return [];
  const markers: Array<{ x: number; label: string }> = [];
  let previous: { step: number; round: number; tMs: number } | undefined;
  for (const s of r.seconds) {
    if (previous === undefined || s.step !== previous.step || (s.round ?? 0) !== previous.round) {
      const load = r.steps[s.step]?.load ?? 0;
      markers.push({ x: Math.round((previous?.tMs ?? 0) / 100) / 10, label: `${(r.rounds ?? 1) > 1 && s.step === 0 ? `round ${(s.round ?? 0) + 1}: ` : ''}${formatLoad(r, load)}` });
    }
    previous = { step: s.step, round: s.round ?? 0, tMs: s.tMs };
  }
  return markers;
}

const PERCENTILES = [0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999];

function percentileChart(runs: readonly BenchRun[]): string {
  // x = "nines": -log10(1 - q), so p50 = 0.3, p99 = 2, p99.9 = 3.
  const series: ChartSeries[] = runs.map((r, i) => {
    const h = new Histogram();
    for (const s of r.steps) h.add(s.histogram);
    const qs = PERCENTILES.filter((q) => h.count * (1 - q) >= 1 || q === 0.5);
    return { name: r.name, colorIndex: i, points: qs.map((q) => [-Math.log10(1 - q), h.quantile(q) / 1e6] as const) };
  });
  const label = (x: number) => {
    const q = 1 - 10 ** -x;
    return `p${Math.round(q * 10000) / 100}`;
  };
  return renderLineChart({ title: 'Latency by percentile (whole run)', xLabel: 'percentile', yLabel: 'ms', series, formatY: (v) => formatLatency(v), formatX: label, xTicks: [Math.log10(2), 1, 2, 3, 4] });
}

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, -apple-system, Segoe UI, sans-serif; color: #222; margin: 24px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; } h3 { font-size: 14px; margin: 16px 0 6px; }
.dim, .meta { color: #666; } .meta { margin: 0 0 8px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 10px; text-align: left; white-space: nowrap; }
th { background: #f6f6f6; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.better td { background: #eaf7ee; } tr.worse td { background: #fdecea; }
.charts { display: flex; flex-wrap: wrap; }
.note { color: #555; font-size: 12px; max-width: 900px; }
${CHART_CSS}`;

/** The whole page. */
export function renderBenchHtml(result: BenchResult, options: { title?: string } = {}): string {
  const s = result.runs[0]?.settings;
  const title = options.title ?? 'leanredis bench';
  const markers = stepMarkers(result.runs);
  const runs = result.runs;
  const charts = [
    renderLineChart({ title: 'Throughput per second', xLabel: 'seconds', yLabel: 'ops/s', series: seriesOf(runs, (x) => x.opsPerSec), formatY: (v) => formatCount(v), markers }),
    renderLineChart({
      title: 'Latency per second: p99 (solid), p50 (dashed)',
      xLabel: 'seconds',
      yLabel: 'ms',
      series: [...seriesOf(runs, (x) => x.p99Ms, (r) => `${r.name} p99`), ...seriesOf(runs, (x) => x.p50Ms, (r) => `${r.name} p50`).map((x) => ({ ...x, isDashed: true }))],
      formatY: (v) => formatLatency(v),
      markers,
    }),
    renderLineChart({ title: 'JS heap used (client process)', xLabel: 'seconds', yLabel: 'heap', series: seriesOf(runs, (x) => x.heapUsed), formatY: (v) => formatBytes(v), markers }),
    renderLineChart({ title: 'RSS (client process)', xLabel: 'seconds', yLabel: 'RSS', series: seriesOf(runs, (x) => x.rss), formatY: (v) => formatBytes(v), markers }),
    renderLineChart({ title: 'Bytes allocated per operation', xLabel: 'seconds', yLabel: 'bytes/op', series: seriesOf(runs, (x) => (x.ops === 0 ? 0 : x.allocatedBytes / x.ops)), formatY: (v) => formatBytes(v), markers }),
    renderLineChart({ title: 'GC pause per second', xLabel: 'seconds', yLabel: 'ms/s', series: seriesOf(runs, (x) => (x.gcPauseMs * 1000) / x.intervalMs), formatY: (v) => `${Math.round(v * 10) / 10}`, markers }),
    percentileChart(runs),
  ];
  const comparisons = result.comparisons;
  // The JSON must not close the script element early: `<` is escaped, which JSON allows.
  const data = JSON.stringify(result).replace(/</g, '\\u003c');
  const loadText = s === undefined ? '' : `${s.mode} loop, ${s.steps.length > 1 ? `${s.steps.length} steps ` : ''}${s.steps.map((x) => formatCount(x)).join(' → ')} ${s.mode === 'closed' ? 'callers' : 'ops/s planned'}, ${formatMix(s.mix)}, ${formatBytes(s.valueSize)} values, ${formatCount(s.keys)} keys`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
${result.inputs !== undefined ? `<p class="meta">compared: ${result.inputs.map((f) => escapeHtml(f)).join(' (before) → ')} (after)</p>` : ''}
<p class="meta">${escapeHtml(loadText)}<br>redis ${escapeHtml(result.server.version || '(version unknown)')} at ${escapeHtml(result.server.address)}${result.server.isPrivate ? ' (private server)' : ''} · ${escapeHtml(result.machine.cpuModel)}, ${result.machine.cpus} cpus, load ${result.machine.loadAverageBefore.toFixed(2)} → ${result.machine.loadAverageAfter.toFixed(2)} · Node ${escapeHtml(result.node)} · ${escapeHtml(result.tool)} · ${escapeHtml(result.createdAt)}</p>
${comparisons.length > 0 ? `<h2>Before / after</h2>${comparisons.map(comparisonTable).join('')}<p class="note">Change = (after − before) ÷ before. Verdict: Welch's t-test on the per-second samples of the two runs (each full second is one observation), two-sided, at α = ${comparisons[0].alpha}; the sign of the difference decides better or worse. Throughput, percentiles, alloc/op and GC are whole-run figures; heap and RSS are means of the seconds.</p>` : ''}
<h2>Runs</h2>
${runsTable(result)}
<h2>Over time</h2>
<div class="charts">${charts.join('\n')}</div>
${runs.some((r) => r.steps.length > 1) ? `<h2>Per step</h2>${stepsTable(result)}` : ''}
<p class="note">Latency from a log-bucketed histogram (every value within 0.8%; percentiles are bucket upper bounds). Allocation = growth of the used JS heap plus what each GC freed (v8.GCProfiler). Doctor overhead = its instrumented loop minus the bare closed loop (the bench's own), both against a client that answers at once; its share = that cost × the run's ops/s. Each run is a fresh child process.</p>
<script type="application/json" id="bench-result">${data}</script>
</body></html>
`;
}
