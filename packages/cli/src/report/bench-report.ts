/**
 * The terminal view of a bench result: one row per run (whole-run figures), one row per step,
 * the client process's memory, and the doctor's own cost per operation. Drawn from the same
 * {@link BenchResult} that --json prints and the HTML report charts.
 */
import type { BenchResult, BenchRun } from '../bench/bench-result.js';
import type { MixEntry } from '../bench/bench-protocol.js';
import type { Comparison, MetricComparison } from '../bench/compare.js';
import { formatBytes, formatChange, formatCount, formatPercent } from './format.js';
import { renderTable } from './table.js';

/** `0.512` ms → `0.512 ms`, three significant figures below 10 ms. */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

/** `get:80,set:20`. */
export function formatMix(mix: readonly MixEntry[]): string {
  return mix.map((m) => `${m.command}:${m.weight}`).join(',');
}

/** `50 callers` or `20,000 ops/s planned`. */
export function formatLoad(run: BenchRun, load: number): string {
  return run.settings.mode === 'closed' ? `${formatCount(load)} callers` : `${formatCount(load)}/s planned`;
}

/** What the generator's own cost is against what the run achieved. */
export function overheadShare(run: BenchRun): number {
  // One event loop: each op of the run took 1e9 / opsPerSec ns of it; the generator's share.
  return run.totals.opsPerSec === 0 ? 0 : (run.facts.overheadNsPerOp * run.totals.opsPerSec) / 1e9;
}

function errorsCell(run: BenchRun): string {
  const { errors, errorRate } = run.totals;
  return errors === 0 ? '0' : `${formatCount(errors)} (${formatPercent(errorRate)})`;
}

/** A comparison figure in a table cell. */
export function formatMetric(m: Pick<MetricComparison, 'unit'>, v: number): string {
  if (m.unit === 'bytes') return formatBytes(v);
  if (m.unit === 'ms') return formatLatency(v);
  if (m.unit === 'ops/s') return formatCount(v);
  return `${Math.round(v * 10) / 10} ${m.unit}`;
}

/** `p < 0.001`, `p = 0.034`, `-` without a test. */
export function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** The before/after table of one comparison. */
export function renderComparison(c: Comparison): string {
  const rows = c.metrics.map((m) => [m.metric, formatMetric(m, m.before), formatMetric(m, m.after), m.change === null ? '-' : formatChange(m.change), m.verdict, formatP(m.p)]);
  return (
    `before: ${c.before}  ->  after: ${c.after}${c.isStepAdjusted ? '  (same ramp: each second centred on its step before the test)' : ''}\n` +
    renderTable([{ title: 'figure' }, { title: 'before', align: 'right' }, { title: 'after', align: 'right' }, { title: 'change', align: 'right' }, { title: `verdict (Welch, alpha ${c.alpha})` }, { title: 'p' }], rows, { indent: 2 })
  );
}

/** The whole terminal report. */
export function renderBenchReport(result: BenchResult): string {
  const first = result.runs[0];
  const s = first.settings;
  const lines: string[] = [];
  lines.push(
    `leanredis bench: ${s.mode} loop, ${formatMix(s.mix)}, ${formatBytes(s.valueSize)} values, ${formatCount(s.keys)} keys, ` +
      `redis ${result.server.version || '(version unknown)'} at ${result.server.address}${result.server.isPrivate ? ' (private)' : ''}` +
      ((first.rounds ?? 1) > 1 ? `; ${first.rounds} interleaved rounds per run` : ''),
  );
  lines.push(`machine: ${result.machine.cpuModel}, ${result.machine.cpus} cpus, load ${result.machine.loadAverageBefore.toFixed(2)} -> ${result.machine.loadAverageAfter.toFixed(2)}; Node ${result.node}`);
  lines.push('');
  const runRows = result.runs.map((r) => [
    `${r.name}${r.clientVersion ? ` ${r.clientVersion}` : ''}`,
    formatCount(r.totals.opsPerSec),
    formatLatency(r.totals.latency.p50Ms),
    formatLatency(r.totals.latency.p99Ms),
    formatLatency(r.totals.latency.p999Ms),
    formatLatency(r.totals.latency.maxMs),
    errorsCell(r),
    formatBytes(r.totals.allocatedBytesPerOp),
    `${r.totals.gcPauseMsPerSec.toFixed(1)}`,
    formatBytes(r.totals.heapPeak),
    formatBytes(r.totals.rssPeak),
  ]);
  lines.push(
    renderTable(
      [
        { title: 'run' },
        { title: 'ops/s', align: 'right' },
        { title: 'p50', align: 'right' },
        { title: 'p99', align: 'right' },
        { title: 'p99.9', align: 'right' },
        { title: 'max', align: 'right' },
        { title: 'errors', align: 'right' },
        { title: 'alloc/op', align: 'right' },
        { title: 'GC ms/s', align: 'right' },
        { title: 'heap peak', align: 'right' },
        { title: 'RSS peak', align: 'right' },
      ],
      runRows,
    ),
  );
  const hasSteps = result.runs.some((r) => r.steps.length > 1);
  if (hasSteps) {
    lines.push('per step:');
    const rows = result.runs.flatMap((r) =>
      r.steps.map((st) => [
        r.name,
        formatLoad(r, st.load),
        formatCount(st.opsPerSec),
        formatLatency(st.latency.p50Ms),
        formatLatency(st.latency.p99Ms),
        formatLatency(st.latency.p999Ms),
        formatLatency(st.latency.maxMs),
        formatCount(st.errors + st.dropped),
        formatBytes(st.allocatedBytesPerOp),
      ]),
    );
    lines.push(
      renderTable(
        [
          { title: 'run' },
          { title: 'load' },
          { title: 'ops/s', align: 'right' },
          { title: 'p50', align: 'right' },
          { title: 'p99', align: 'right' },
          { title: 'p99.9', align: 'right' },
          { title: 'max', align: 'right' },
          { title: 'errors', align: 'right' },
          { title: 'alloc/op', align: 'right' },
        ],
        rows,
        { indent: 2 },
      ),
    );
  }
  const errorLines = result.runs.filter((r) => r.totals.errors > 0 || r.totals.dropped > 0);
  for (const r of errorLines) {
    const codes = Object.entries(r.totals.errorsByCode)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${formatCount(n)}`);
    if (r.totals.dropped > 0) codes.push(`dropped (over --max-in-flight) ${formatCount(r.totals.dropped)}`);
    lines.push(`errors of ${r.name}: ${codes.join(', ')}`);
  }
  lines.push('client process memory (heap after GC): before import -> connected -> after the load');
  for (const r of result.runs) {
    lines.push(`  ${r.name}: ${formatBytes(r.facts.heapBaseline)} -> ${formatBytes(r.facts.heapReady)} -> ${formatBytes(r.facts.heapAfter)}; RSS after ${formatBytes(r.facts.rssAfter)}`);
  }
  for (const c of result.comparisons) lines.push(renderComparison(c));
  lines.push("doctor overhead (its timing and histograms, over the bare loop, against a client that answers at once):");
  for (const r of result.runs) {
    lines.push(
      `  ${r.name}: ${formatCount(r.facts.overheadNsPerOp)} ns/op, ${formatPercent(overheadShare(r))} of the run's time per op ` +
        `(the bare loop any harness runs: ${formatCount(r.facts.loopFloorNsPerOp ?? 0)} ns/op; instrumented, ${formatCount(r.facts.overheadOpsPerSec)} ops/s alone)`,
    );
  }
  return `${lines.join('\n')}\n`;
}
