/**
 * What the doctor and its load generator (measure/load-generator.ts, one child process per
 * client and configuration) say to each other. The config goes in as argv[2] (JSON); the
 * child answers with JSON lines on fd 3: one `second` per second of measurement, one `step`
 * per step of the ramp, then `done` (or `error`). Nothing else of the doctor runs in the child.
 */
import type { HistogramJson, LatencySummary } from './histogram.js';

/** Environment variable carrying the child's {@link LoadConfig}. */
export const LOAD_CONFIG_ENV = 'LEANREDIS_LOAD_CONFIG';

/** The commands a mix may hold. */
export type MixCommand = 'get' | 'set' | 'ping' | 'incr';

/** One entry of `--mix get:80,set:20`. */
export interface MixEntry {
  readonly command: MixCommand;
  readonly weight: number;
}

/** `closed`: N callers, each sends its next command when the previous one answered. `open`: commands leave at a fixed rate whatever the answers (latency counted from the planned send time). */
export type LoadMode = 'closed' | 'open';

/** Everything the child needs. */
export interface LoadConfig {
  /** `leanredis`, `ioredis` or `redis`. */
  readonly client: ClientId;
  /** The client's entry file, resolved in the user's project (null: the doctor's own leanredis). */
  readonly entry: string | null;
  /** `commonjs` or `module`: how to load `entry`. */
  readonly format: 'commonjs' | 'module';
  readonly url: string;
  /** Extra options for the client's constructor (from a --config file). */
  readonly clientOptions: Readonly<Record<string, unknown>>;
  readonly mode: LoadMode;
  /** Callers (closed) or operations per second (open), one per step. */
  readonly steps: readonly number[];
  /** Length of each step. (ms) */
  readonly stepMs: number;
  /** Load before the first step, not recorded. (ms) */
  readonly warmupMs: number;
  readonly mix: readonly MixEntry[];
  /** Bytes of each SET value. */
  readonly valueSize: number;
  /** Distinct keys, each written once before the load. */
  readonly keys: number;
  readonly keyPrefix: string;
  /** Open loop: most commands in flight; beyond, planned sends are dropped and counted. */
  readonly maxInFlight: number;
  /** How long the generator runs against a fake client to measure its own cost per op. (ms) */
  readonly overheadMs: number;
}

/** The clients the bench knows how to drive. */
export type ClientId = 'leanredis' | 'ioredis' | 'redis';

/** Memory and GC figures of one interval in the child. */
export interface ProcessSample {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly gcCount: number;
  /** Sum of GC pauses in the interval. (ms) */
  readonly gcPauseMs: number;
  readonly gcMaxPauseMs: number;
  /** Bytes the JS heap allocated in the interval (used-heap growth plus what each GC freed). */
  readonly allocatedBytes: number;
}

/** One second of measurement. */
export interface SecondSample extends ProcessSample {
  /** Time since the first step started, at the end of this second. (ms) */
  readonly tMs: number;
  /** Index of the step it belongs to. */
  readonly step: number;
  /** Index of the round it belongs to (--rounds), when there were several. */
  readonly round?: number;
  /** Actual length of the interval. (ms) */
  readonly intervalMs: number;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly errors: number;
  /** Open loop: planned sends dropped because maxInFlight commands were waiting. */
  readonly dropped: number;
  readonly inFlight: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One step of the ramp. */
export interface StepResult {
  readonly index: number;
  /** Callers (closed loop) or planned operations per second (open loop). */
  readonly load: number;
  readonly durationMs: number;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly errors: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  readonly dropped: number;
  readonly latency: LatencySummary;
  readonly histogram: HistogramJson;
  readonly allocatedBytesPerOp: number;
  readonly gcPauseMs: number;
}

/** The client and the heap around the load. */
export interface RunFacts {
  readonly clientVersion: string;
  /** Heap after GC before the client was imported. */
  readonly heapBaseline: number;
  /** Heap after GC once the client was imported, connected and the keys written. */
  readonly heapReady: number;
  /** Heap after GC after the load, the client still open. */
  readonly heapAfter: number;
  readonly rssAfter: number;
  /**
   * The doctor's own cost per operation: its instrumented loop (a clock read and a histogram
   * record per op) minus the bare closed loop any harness runs, both against a fake client
   * that answers at once. (ns)
   */
  readonly overheadNsPerOp: number;
  /** The bare closed loop's cost per operation (promise, `.then`, count): paid by any harness. (ns) */
  readonly loopFloorNsPerOp: number;
  /** Operations per second the instrumented loop reaches against that fake client. */
  readonly overheadOpsPerSec: number;
}

/** A line from the child on fd 3. */
export type LoadMessage =
  | { readonly type: 'ready'; readonly clientVersion: string }
  | { readonly type: 'second'; readonly sample: SecondSample }
  | { readonly type: 'step'; readonly step: StepResult }
  | { readonly type: 'done'; readonly facts: RunFacts }
  | { readonly type: 'error'; readonly message: string; readonly code?: string };
