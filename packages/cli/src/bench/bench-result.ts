/**
 * The result object of `leanredis bench`: what was measured, nothing about how it is shown.
 * `--json` prints it, the terminal table and the HTML report are drawn from it, and
 * `leanredis bench compare` reads two of them back. Totals are derived here from the steps and
 * the per-second samples the load generator sent, so every view agrees.
 */
import type { ResultHeader } from '../report/json.js';
import { Histogram, summarizeLatency, type LatencySummary } from './histogram.js';
import type { ClientId, LoadMode, MixEntry, RunFacts, SecondSample, StepResult } from './bench-protocol.js';
import type { Comparison } from './compare.js';

/** How one run was asked for. */
export interface RunSettings {
  readonly mode: LoadMode;
  /** Callers (closed) or planned operations per second (open), per step. */
  readonly steps: readonly number[];
  readonly stepMs: number;
  readonly warmupMs: number;
  readonly mix: readonly MixEntry[];
  readonly valueSize: number;
  readonly keys: number;
  readonly clientOptions: Readonly<Record<string, unknown>>;
  /** Extra flags of the child's `node`. */
  readonly nodeOptions: readonly string[];
}

/** Whole-run figures. */
export interface RunTotals {
  readonly ops: number;
  readonly durationMs: number;
  readonly opsPerSec: number;
  readonly errors: number;
  /** errors ÷ (ops + errors). */
  readonly errorRate: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly dropped: number;
  readonly latency: LatencySummary;
  /** JS heap bytes allocated per completed operation (the client and the generator). */
  readonly allocatedBytesPerOp: number;
  readonly gcCount: number;
  readonly gcPauseMs: number;
  readonly gcMaxPauseMs: number;
  /** GC pause per second of load. (ms/s) */
  readonly gcPauseMsPerSec: number;
  readonly heapPeak: number;
  readonly rssPeak: number;
}

/** One client (or one configuration) under load. */
export interface BenchRun {
  /** The config file's `name`, else the client id. */
  readonly name: string;
  readonly client: ClientId;
  readonly clientVersion: string;
  /** The --config file it came from, when any. */
  readonly configFile?: string;
  readonly settings: RunSettings;
  readonly steps: readonly StepResult[];
  readonly seconds: readonly SecondSample[];
  readonly totals: RunTotals;
  /** Medians over the rounds when there were several. */
  readonly facts: RunFacts;
  /** Interleaved rounds merged into this run (--rounds); 1 when absent. */
  readonly rounds?: number;
}

/** The server the load ran against. */
export interface BenchServer {
  /** host:port, never credentials. */
  readonly address: string;
  /** True when the doctor started it (no --url). */
  readonly isPrivate: boolean;
  readonly version: string;
}

/** The machine, so a reader can judge figures from elsewhere. */
export interface BenchMachine {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly platform: string;
  /** 1-minute load average before and after. */
  readonly loadAverageBefore: number;
  readonly loadAverageAfter: number;
}

/** `leanredis bench --json` (kind `bench`) and `leanredis bench compare --json` (kind `bench-compare`). */
export interface BenchResult extends ResultHeader {
  readonly kind: 'bench' | 'bench-compare';
  readonly server: BenchServer;
  readonly machine: BenchMachine;
  readonly runs: readonly BenchRun[];
  /** Every run after the first against the first (bench), or the pairs of two files (compare). */
  readonly comparisons: readonly Comparison[];
  /** bench compare: the files compared, before then after. */
  readonly inputs?: readonly string[];
}

/** Fills in per-step allocation and GC figures from the samples and sums the run. */
export function finishRun(run: Omit<BenchRun, 'totals' | 'steps'> & { steps: readonly StepResult[] }): BenchRun {
  const steps = run.steps.map((step) => {
    const own = run.seconds.filter((s) => s.step === step.index);
    const allocated = own.reduce((sum, s) => sum + s.allocatedBytes, 0);
    return { ...step, allocatedBytesPerOp: step.ops === 0 ? 0 : Math.round(allocated / step.ops), gcPauseMs: round3(own.reduce((sum, s) => sum + s.gcPauseMs, 0)) };
  });
  const merged = new Histogram();
  for (const s of steps) merged.add(s.histogram);
  const ops = steps.reduce((sum, s) => sum + s.ops, 0);
  const errors = steps.reduce((sum, s) => sum + s.errors, 0);
  const durationMs = steps.reduce((sum, s) => sum + s.durationMs, 0);
  const errorsByCode: Record<string, number> = {};
  for (const s of steps) for (const [code, n] of Object.entries(s.errorsByCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
  const allocated = run.seconds.reduce((sum, s) => sum + s.allocatedBytes, 0);
  const gcPauseMs = run.seconds.reduce((sum, s) => sum + s.gcPauseMs, 0);
  const totals: RunTotals = {
    ops,
    durationMs,
    opsPerSec: durationMs === 0 ? 0 : Math.round((ops * 1000) / durationMs),
    errors,
    errorRate: ops + errors === 0 ? 0 : errors / (ops + errors),
    errorsByCode,
    dropped: steps.reduce((sum, s) => sum + s.dropped, 0),
    latency: summarizeLatency(merged),
    allocatedBytesPerOp: ops === 0 ? 0 : Math.round(allocated / ops),
    gcCount: run.seconds.reduce((sum, s) => sum + s.gcCount, 0),
    gcPauseMs: round3(gcPauseMs),
    gcMaxPauseMs: run.seconds.reduce((max, s) => Math.max(max, s.gcMaxPauseMs), 0),
    gcPauseMsPerSec: durationMs === 0 ? 0 : round3((gcPauseMs * 1000) / durationMs),
    heapPeak: run.seconds.reduce((max, s) => Math.max(max, s.heapUsed), 0),
    rssPeak: run.seconds.reduce((max, s) => Math.max(max, s.rss), 0),
  };
  return { ...run, steps, totals };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One run made of interleaved rounds (--rounds): the seconds one after the other on one clock
 * (each tagged with its round), each step's counts and histograms summed over the rounds, the
 * facts (memory path, overhead) as medians over the rounds.
 */
export function mergeRounds(rounds: readonly BenchRun[]): BenchRun {
  if (rounds.length === 1) return rounds[0];
  const first = rounds[0];
  const seconds: SecondSample[] = [];
  let offset = 0;
  rounds.forEach((r, round) => {
    for (const s of r.seconds) seconds.push({ ...s, tMs: s.tMs + offset, round });
    offset += r.seconds.at(-1)?.tMs ?? 0;
  });
  const steps = first.steps.map((st): StepResult => {
    const all = rounds.map((r) => r.steps[st.index]).filter((x): x is StepResult => x !== undefined);
    const h = new Histogram();
    const errorsByCode: Record<string, number> = {};
    for (const x of all) {
      h.add(x.histogram);
      for (const [code, n] of Object.entries(x.errorsByCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
    }
    const sum = (f: (x: StepResult) => number) => all.reduce((n, x) => n + f(x), 0);
    const ops = sum((x) => x.ops);
    const durationMs = sum((x) => x.durationMs);
    return { index: st.index, load: st.load, durationMs, ops, opsPerSec: durationMs === 0 ? 0 : Math.round((ops * 1000) / durationMs), errors: sum((x) => x.errors), errorsByCode, dropped: sum((x) => x.dropped), latency: summarizeLatency(h), histogram: h.toJSON(), allocatedBytesPerOp: 0, gcPauseMs: 0 };
  });
  const med = (f: (x: RunFacts) => number) => Math.round(median(rounds.map((r) => f(r.facts))));
  const facts: RunFacts = {
    clientVersion: first.facts.clientVersion,
    heapBaseline: med((f) => f.heapBaseline),
    heapReady: med((f) => f.heapReady),
    heapAfter: med((f) => f.heapAfter),
    rssAfter: med((f) => f.rssAfter),
    overheadNsPerOp: med((f) => f.overheadNsPerOp),
    loopFloorNsPerOp: med((f) => f.loopFloorNsPerOp),
    overheadOpsPerSec: med((f) => f.overheadOpsPerSec),
  };
  const { totals: _totals, steps: _steps, seconds: _seconds, facts: _facts, ...rest } = first;
  return finishRun({ ...rest, steps, seconds, facts, rounds: rounds.length });
}
