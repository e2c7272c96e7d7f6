/**
 * What `leanredis cost` and its import probe (a child process) exchange: the config goes in
 * as argv[2] (JSON), the result comes back on fd 3 (one JSON line).
 */

/** A file to load, and how: `module` by import(), anything else by require(). */
export interface ProbeFile {
  readonly path: string;
  readonly format: string;
}

/** What the probe is asked to do. */
export interface ProbeConfig {
  /** Loaded before the baseline: their cost is not measured. */
  readonly preload: readonly ProbeFile[];
  /** Loaded after the baseline, in order: what is measured. */
  readonly load: readonly ProbeFile[];
  /** Wait after loading before the second measurement. (ms) */
  readonly settleMs: number;
  /** Record files, edges and handles (memory figures are then not meaningful). */
  readonly instrument: boolean;
  /** Load a tiny CommonJS and ESM file before the baseline (false only to measure what that changes). @default true */
  readonly warmUp?: boolean;
}

/** process.memoryUsage() figures. (bytes) */
export interface ProbeSample {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

/** An async resource created during the import and still alive after it settled. */
export interface ProbeHandle {
  /** async_hooks type: Timeout, TCPSERVERWRAP, TCPWRAP, ... */
  readonly type: string;
  /** File whose code created it (first stack frame outside the probe), or null. */
  readonly createdBy: string | null;
  /** Keeps the process alive (not unref()ed). */
  readonly isRefed: boolean;
  readonly detail: string;
}

/** What one probe run measured. */
export interface ProbeResult {
  readonly before: ProbeSample;
  readonly after: ProbeSample;
  /** Bytes of all objects reachable at the end (heap snapshot); 0 in instrumented runs. (bytes) */
  readonly reachableBytes: number;
  /** Time to load the files (resolve, read, compile, evaluate). (ms) */
  readonly loadMs: number;
  /** Public built-in modules the import loaded (net, tls, ...). */
  readonly builtins: string[];
  /** Count of built-in modules loaded, internal ones included. */
  readonly internalModules: number;
  /** Instrumented runs: every file loaded and its format. */
  files?: { path: string; format: string }[];
  /** Instrumented runs: [importer, imported]; importer null when it is the probe. */
  edges?: [string | null, string][];
  /** Instrumented runs: async resources still alive. */
  handles?: ProbeHandle[];
}
