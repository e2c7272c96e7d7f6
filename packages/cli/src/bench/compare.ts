/**
 * The before/after table: two runs compared figure by figure, with the change in percent and a
 * verdict from Welch's t-test on the runs' per-second samples (a second is one observation;
 * partial seconds shorter than 500 ms are left out). The shown figure is the run's total
 * where one exists (throughput, percentiles from the whole histogram, alloc/op, GC ms/s), else
 * the mean of its seconds; the test always runs on the seconds. When both runs made the same
 * ramp, each second is first centred on its step's level (the mean of both runs' seconds in that
 * step), so the steps' different levels do not count as noise.
 */
import type { SecondSample } from './bench-protocol.js';
import type { BenchRun } from './bench-result.js';
import { meanVariance, welchTest } from './welch.js';

/** Significance level of the verdicts. */
export const ALPHA = 0.05;

/** Which way is good. */
export type Better = 'higher' | 'lower';

/** The verdict on one figure. */
export type Verdict = 'better' | 'worse' | 'no significant change' | 'too few samples';

/** One row of the before/after table. */
export interface MetricComparison {
  readonly metric: string;
  /** `ops/s`, `ms`, `bytes`, `ms/s`. */
  readonly unit: string;
  readonly better: Better;
  readonly before: number;
  readonly after: number;
  /** (after − before) ÷ before; null when before is 0. */
  readonly change: number | null;
  /** Two-sided p of Welch's t-test on the per-second samples; null with too few samples. */
  readonly p: number | null;
  readonly samples: readonly [number, number];
  readonly verdict: Verdict;
}

/** Two runs compared. */
export interface Comparison {
  readonly before: string;
  readonly after: string;
  readonly alpha: number;
  /** True when both ran the same ramp and each second was centred on its step's level before the test. */
  readonly isStepAdjusted: boolean;
  readonly metrics: readonly MetricComparison[];
}

interface MetricSpec {
  readonly metric: string;
  readonly unit: string;
  readonly better: Better;
  readonly shown: (run: BenchRun, seconds: readonly SecondSample[]) => number;
  readonly perSecond: (s: SecondSample) => number | undefined;
}

const mean = (xs: readonly number[]) => meanVariance(xs).mean;

const METRICS: readonly MetricSpec[] = [
  { metric: 'throughput', unit: 'ops/s', better: 'higher', shown: (r) => r.totals.opsPerSec, perSecond: (s) => s.opsPerSec },
  { metric: 'latency p50', unit: 'ms', better: 'lower', shown: (r) => r.totals.latency.p50Ms, perSecond: (s) => (s.ops > 0 ? s.p50Ms : undefined) },
  { metric: 'latency p99', unit: 'ms', better: 'lower', shown: (r) => r.totals.latency.p99Ms, perSecond: (s) => (s.ops > 0 ? s.p99Ms : undefined) },
  { metric: 'latency max', unit: 'ms', better: 'lower', shown: (r) => r.totals.latency.maxMs, perSecond: (s) => (s.ops > 0 ? s.maxMs : undefined) },
  { metric: 'errors', unit: '/s', better: 'lower', shown: (_, ss) => mean(ss.map((s) => (s.errors * 1000) / s.intervalMs)) || 0, perSecond: (s) => (s.errors * 1000) / s.intervalMs },
  { metric: 'heap used', unit: 'bytes', better: 'lower', shown: (_, ss) => Math.round(mean(ss.map((s) => s.heapUsed))), perSecond: (s) => s.heapUsed },
  { metric: 'RSS', unit: 'bytes', better: 'lower', shown: (_, ss) => Math.round(mean(ss.map((s) => s.rss))), perSecond: (s) => s.rss },
  { metric: 'allocated per op', unit: 'bytes', better: 'lower', shown: (r) => r.totals.allocatedBytesPerOp, perSecond: (s) => (s.ops > 0 ? s.allocatedBytes / s.ops : undefined) },
  { metric: 'GC pause', unit: 'ms/s', better: 'lower', shown: (r) => r.totals.gcPauseMsPerSec, perSecond: (s) => (s.gcPauseMs * 1000) / s.intervalMs },
];

/** The seconds that count as observations. */
export function fullSeconds(run: BenchRun): SecondSample[] {
  return run.seconds.filter((s) => s.intervalMs >= 500);
}

/** Compares `after` against `before`. */
export function compareRuns(before: BenchRun, after: BenchRun, alpha = ALPHA): Comparison {
  const sb = fullSeconds(before);
  const sa = fullSeconds(after);
  // On the same ramp, each step has its own level (50 callers are not 1,000): centre every
  // second on its step's level over both runs, so the steps' differences are not taken for
  // noise while the runs' difference within each step stays whole.
  const isSameRamp = before.steps.length > 1 && before.steps.length === after.steps.length && before.steps.every((st, i) => st.load === after.steps[i].load);
  const values = (seconds: readonly SecondSample[], m: MetricSpec) =>
    seconds.flatMap((s) => {
      const v = m.perSecond(s);
      return v !== undefined && Number.isFinite(v) ? [{ step: s.step, v }] : [];
    });
  const metrics = METRICS.map((m): MetricComparison => {
    const vb = values(sb, m);
    const va = values(sa, m);
    let xb = vb.map((x) => x.v);
    let xa = va.map((x) => x.v);
    if (isSameRamp) {
      const level = new Map<number, number>();
      for (const step of new Set([...vb, ...va].map((x) => x.step))) {
        const mb = mean(vb.filter((x) => x.step === step).map((x) => x.v));
        const ma = mean(va.filter((x) => x.step === step).map((x) => x.v));
        level.set(step, Number.isNaN(mb) ? ma : Number.isNaN(ma) ? mb : (mb + ma) / 2);
      }
      xb = vb.map((x) => x.v - level.get(x.step)!);
      xa = va.map((x) => x.v - level.get(x.step)!);
    }
    const b = m.shown(before, sb);
    const a = m.shown(after, sa);
    const w = welchTest(xb, xa);
    let verdict: Verdict;
    if (Number.isNaN(w.p)) verdict = 'too few samples';
    else if (w.p >= alpha) verdict = 'no significant change';
    else {
      // The sign of the change in the seconds' means decides, as that is what was tested.
      const isHigher = mean(xa) > mean(xb);
      verdict = isHigher === (m.better === 'higher') ? 'better' : 'worse';
    }
    return {
      metric: m.metric,
      unit: m.unit,
      better: m.better,
      before: b,
      after: a,
      change: b === 0 ? null : (a - b) / b,
      p: Number.isNaN(w.p) ? null : w.p,
      samples: [xb.length, xa.length],
      verdict,
    };
  });
  return { before: before.name, after: after.name, alpha, isStepAdjusted: isSameRamp, metrics };
}

/** Every run after the first compared with the first. */
export function compareWithFirst(runs: readonly BenchRun[]): Comparison[] {
  return runs.slice(1).map((r) => compareRuns(runs[0], r));
}

/** The run named `candidate` (after) compared with every other run (before), in their order. */
export function compareCandidate(runs: readonly BenchRun[], candidate: string): Comparison[] {
  const after = runs.find((r) => r.name === candidate);
  if (after === undefined) return [];
  return runs.filter((r) => r !== after).map((r) => compareRuns(r, after));
}
