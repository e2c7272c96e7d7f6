// @layer L7 diagnostics
/**
 * L7 diagnostics: `writeHeapSnapshot()`, node:v8's writeHeapSnapshot behind a check that the
 * snapshot fits: it refuses (HeapSnapshotRefusedError, ERR_HEAP_SNAPSHOT_REFUSED) instead of
 * letting the OOM killer end the process it was meant to diagnose.
 *
 * What a snapshot costs, measured on Node 20 (x64, `node --expose-gc`, peak RSS from
 * process.resourceUsage().maxRSS; the process's own heap unchanged, so the cost lies outside
 * the JS heap and its limit):
 *
 *   heap of                               heapUsed   peak RSS added   file
 *   1M small objects {a: i}                43.5 MB       1,418 MB      97.7 MB
 *   1M objects + 1M short strings            74 MB       1,813 MB     162.6 MB
 *   1M 20-char strings                      173 MB       2,563 MB     369.9 MB
 *   4M small objects                        159 MB       5,599 MB     394.5 MB
 *   100 arrays of 100k doubles               79 MB          27 MB       4.2 MB
 *
 * The memory follows the number of objects (~1.4 KB per object), not their bytes; heapUsed is
 * the only cheap proxy, so the default factors (memory 40 x heapUsed, file 3 x heapUsed) cover
 * the small-object heaps of real services, and overestimate heaps of big arrays and buffers.
 * Node's own documentation says "about twice the size of the heap": far too low here.
 */
import type * as V8 from 'node:v8';
import type * as Fs from 'node:fs';
import type * as Os from 'node:os';
import type * as Path from 'node:path';
import type { LeanRedisError } from '../index.js';
import { booleanOption, checkOptions, numberOption } from './options.js';
import { loadCore } from './core-loader.js';

/** Options of `writeHeapSnapshot` and `estimateHeapSnapshot`. */
export interface WriteHeapSnapshotOptions {
  /** Where to write. @default `Heap.<date>.<pid>.<n>.heapsnapshot` in the working directory, named by Node */
  file?: string;
  /** Memory the snapshot needs per byte of heapUsed (peak RSS it adds; see the file comment). @default 40 */
  memoryFactor?: number;
  /** File bytes per byte of heapUsed. @default 3 */
  diskFactor?: number;
  /** Passed to node:v8: show V8's internal fields in the snapshot. @default false */
  exposeInternals?: boolean;
  /** Passed to node:v8: record numeric values of fields. @default false */
  exposeNumericValues?: boolean;
}

/** Why a snapshot would not fit. */
export type HeapSnapshotShortage = 'memory' | 'disk';

/** What a snapshot would need and what the process has. All figures in bytes. */
export interface HeapSnapshotEstimate {
  /** V8's heapUsed now (a full GC before the snapshot may shrink it: the estimate errs high). (bytes) */
  heapUsed: number;
  /** The JS heap's limit (--max-old-space-size). The snapshot's memory lies outside it; reported for context. (bytes) */
  heapSizeLimit: number;
  /** Memory the snapshot is expected to add: heapUsed x memoryFactor. (bytes) */
  memoryNeeded: number;
  /** Memory still available to the process: process.availableMemory() (the cgroup limit minus usage, or the system's free memory). (bytes) */
  memoryAvailable: number;
  /** Expected file size: heapUsed x diskFactor. (bytes) */
  diskNeeded: number;
  /** Free bytes for unprivileged users on the file system of `dir`. (bytes) */
  diskFree: number;
  /** The folder the snapshot goes to. */
  dir: string;
  /** Whether both fit. */
  fits: boolean;
  /** What does not fit (empty when `fits`). */
  shortages: HeapSnapshotShortage[];
}

/** What `writeHeapSnapshot` wrote. */
export interface HeapSnapshotResult {
  /** Path of the snapshot (open it in Chrome DevTools, Memory tab). */
  file: string;
  /** Size of the file. (bytes) */
  bytes: number;
  /** Time the process was blocked writing it. (ms) */
  durationMs: number;
  /** The estimate it was written under. */
  estimate: HeapSnapshotEstimate;
}

/** The refusal of `writeHeapSnapshot`: code ERR_HEAP_SNAPSHOT_REFUSED, with the estimate. */
export interface HeapSnapshotRefusedError extends LeanRedisError {
  readonly code: 'ERR_HEAP_SNAPSHOT_REFUSED';
  /** What does not fit. */
  readonly shortages: HeapSnapshotShortage[];
  readonly estimate: HeapSnapshotEstimate;
}

const KNOWN = ['file', 'memoryFactor', 'diskFactor', 'exposeInternals', 'exposeNumericValues'] as const;

interface Checked {
  file: string | undefined;
  dir: string;
  memoryFactor: number;
  diskFactor: number;
  exposeInternals: boolean;
  exposeNumericValues: boolean;
}

const builtin = <T>(name: string): T => process.getBuiltinModule(name) as T;
const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

function check(fn: string, options: unknown): Checked {
  const o = checkOptions(fn, options, KNOWN);
  const core = loadCore();
  const path = builtin<typeof Path>('node:path');
  const fs = builtin<typeof Fs>('node:fs');
  let file: string | undefined;
  if (o.file !== undefined) {
    if (typeof o.file !== 'string' || o.file === '') throw new core.ArgumentError(`${fn}: option "file" must be a non-empty path`);
    file = path.resolve(o.file);
  }
  const dir = file === undefined ? process.cwd() : path.dirname(file);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new core.ArgumentError(`${fn}: option "file": folder ${dir} does not exist`);
  return {
    file,
    dir,
    memoryFactor: numberOption(fn, o, 'memoryFactor', 40, 0, 1e6),
    diskFactor: numberOption(fn, o, 'diskFactor', 3, 0, 1e6),
    exposeInternals: booleanOption(fn, o, 'exposeInternals', false),
    exposeNumericValues: booleanOption(fn, o, 'exposeNumericValues', false),
  };
}

function availableMemory(): number {
  // process.availableMemory (Node >= 20.13) honours cgroup limits; os.freemem() is the fallback.
  const fromProcess = (process as { availableMemory?: () => number }).availableMemory?.();
  return typeof fromProcess === 'number' && fromProcess > 0 ? fromProcess : builtin<typeof Os>('node:os').freemem();
}

function estimate(c: Checked): HeapSnapshotEstimate {
  const v8 = builtin<typeof V8>('node:v8');
  const stats = v8.getHeapStatistics();
  const fs = builtin<typeof Fs>('node:fs');
  const disk = fs.statfsSync(c.dir);
  const heapUsed = stats.used_heap_size;
  const e: HeapSnapshotEstimate = {
    heapUsed,
    heapSizeLimit: stats.heap_size_limit,
    memoryNeeded: Math.ceil(heapUsed * c.memoryFactor),
    memoryAvailable: availableMemory(),
    diskNeeded: Math.ceil(heapUsed * c.diskFactor),
    diskFree: disk.bavail * disk.bsize,
    dir: c.dir,
    fits: true,
    shortages: [],
  };
  if (e.memoryNeeded > e.memoryAvailable) e.shortages.push('memory');
  if (e.diskNeeded > e.diskFree) e.shortages.push('disk');
  e.fits = e.shortages.length === 0;
  return e;
}

let RefusedClass: (new (e: HeapSnapshotEstimate) => HeapSnapshotRefusedError) | undefined;

/** The error class, made on first refusal: defining it at import would load the core. */
function refused(e: HeapSnapshotEstimate): HeapSnapshotRefusedError {
  RefusedClass ??= (() => {
    const cls = class extends loadCore().LeanRedisError {
      declare readonly code: 'ERR_HEAP_SNAPSHOT_REFUSED';
      readonly shortages: HeapSnapshotShortage[];
      readonly estimate: HeapSnapshotEstimate;
      constructor(est: HeapSnapshotEstimate) {
        const why: string[] = [];
        if (est.shortages.includes('memory')) why.push(`it would add ~${mb(est.memoryNeeded)} of memory (heapUsed ${mb(est.heapUsed)} x memoryFactor), ${mb(est.memoryAvailable)} available`);
        if (est.shortages.includes('disk')) why.push(`the file would take ~${mb(est.diskNeeded)} (heapUsed x diskFactor), ${mb(est.diskFree)} free in ${est.dir}`);
        super('ERR_HEAP_SNAPSHOT_REFUSED', `writeHeapSnapshot: refused, the snapshot would not fit: ${why.join('; ')}`);
        this.shortages = [...est.shortages];
        this.estimate = est;
      }
    };
    // The bundle is minified: name the class and its instances explicitly, as errors.ts does.
    Object.defineProperty(cls.prototype, 'name', { value: 'HeapSnapshotRefusedError', writable: true, configurable: true, enumerable: false });
    Object.defineProperty(cls, 'name', { value: 'HeapSnapshotRefusedError', configurable: true });
    return cls;
  })();
  return new RefusedClass(e);
}

/**
 * What a heap snapshot would need (memory and disk, estimated from heapUsed) against what the
 * process has; `fits` says whether `writeHeapSnapshot` would write it. Throws ArgumentError on
 * a bad option.
 */
export function estimateHeapSnapshot(options?: WriteHeapSnapshotOptions): HeapSnapshotEstimate {
  return estimate(check('estimateHeapSnapshot', options));
}

/**
 * Writes a V8 heap snapshot (node:v8 writeHeapSnapshot) after checking that it fits: throws
 * HeapSnapshotRefusedError (ERR_HEAP_SNAPSHOT_REFUSED, with `shortages` and `estimate`) when
 * the memory it would add exceeds the memory available to the process, or the file the free
 * disk; nothing is written then. Synchronous: the process is blocked while V8 walks the heap
 * (seconds for a heap of millions of objects). Throws ArgumentError on a bad option.
 *
 * ```ts
 * try {
 *   const { file } = writeHeapSnapshot({ file: '/tmp/app.heapsnapshot' });
 * } catch (err) {
 *   if (hasCode(err, 'ERR_HEAP_SNAPSHOT_REFUSED')) log.warn(err.message); // captureHeapProfile() instead
 *   else throw err;
 * }
 * ```
 */
export function writeHeapSnapshot(options?: WriteHeapSnapshotOptions): HeapSnapshotResult {
  const c = check('writeHeapSnapshot', options);
  const e = estimate(c);
  if (!e.fits) throw refused(e);
  const v8 = builtin<typeof V8>('node:v8');
  const start = performance.now();
  const file = v8.writeHeapSnapshot(c.file, { exposeInternals: c.exposeInternals, exposeNumericValues: c.exposeNumericValues });
  const durationMs = performance.now() - start;
  const path = builtin<typeof Path>('node:path');
  const written = path.resolve(file);
  return { file: written, bytes: builtin<typeof Fs>('node:fs').statSync(written).size, durationMs, estimate: e };
}
