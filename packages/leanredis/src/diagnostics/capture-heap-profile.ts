// @layer L7 diagnostics
/**
 * L7 diagnostics: `captureHeapProfile()`, a heap profile in pprof format through V8's sampling
 * heap profiler (node:inspector; no native addon, so nothing to build on musl or arm64).
 *
 * One sampling session reports either the sampled objects still alive (the default) or every
 * sampled allocation (`includeObjectsCollectedByMajorGC/MinorGC`), never both: V8's samples
 * carry no liveness bit. So the capture alternates windows (`windowMs`) between the two modes,
 * each window its own session: alloc windows give alloc_objects/alloc_space, live windows give
 * inuse_objects/inuse_space (objects allocated in the window and still reachable at its end).
 * Each figure is scaled by (capture length / time spent in its mode) so both estimate the
 * whole capture. Restarting sampling per window also bounds V8's buffer of samples, which in the
 * collected-objects mode otherwise grows with every sampled allocation.
 *
 * Node's inspector starts V8's sampler with kSamplingForceGC: every read of a profile
 * (getSamplingProfile, and stopSampling, which reads it too) runs a full GC first. So garbage
 * is never counted as live, and each read costs a full GC: a window is read once, by
 * stopSampling, and windows are long by default (5 s), because that GC is the capture's main
 * cost and grows with the heap (reading each window twice and collecting once more before the
 * inuse reads, as this file first did, made five full GCs per two seconds: +37% CPU per
 * command at concurrent100).
 *
 * Per sample, V8 reports `size × count`, where count = round(1 / (1 - exp(-size/interval))) is
 * its Poisson estimate of how many objects of that size the sample stands for: the *_space
 * figures are exactly V8's estimates; the *_objects figures need the count, which the product
 * does not always determine (see sampleCount).
 */
import type * as Inspector from 'node:inspector';
import type * as Url from 'node:url';
import type { findSourceMap, SourceMap, SourceMapping } from 'node:module';
import { HeapProfile, type HeapProfileWindows, type HeapSampleType } from './heap-profile.js';
import type { ProfileFrame, ProfileSample } from './pprof.js';
import { checkOptions, intOption } from './options.js';
import { loadCore } from './core-loader.js';

/** Options of `captureHeapProfile`. */
export interface CaptureHeapProfileOptions {
  /** How long to sample. @default 10000 (ms) */
  durationMs?: number;
  /** Average bytes allocated between two samples (V8's sampling interval). Smaller is more precise and costs more. @default 524288 (bytes) */
  samplingIntervalBytes?: number;
  /** Length of each alternating window; shorter windows interleave the two modes more finely, and each window ends with a full GC (V8 forces one before handing over a profile). @default 5000 (ms) */
  windowMs?: number;
  /** `both`: alloc_* and inuse_* (alternating windows); `alloc` or `inuse`: only those, for the whole capture. @default 'both' */
  mode?: 'both' | 'alloc' | 'inuse';
  /** Stops the capture: the promise rejects with AbortError (ABORT_ERR). */
  signal?: AbortSignal;
}

type Mode = 'alloc' | 'inuse';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface SamplingNode {
  id: number;
  callFrame: CallFrame;
  children: SamplingNode[];
}
interface SamplingProfile {
  head: SamplingNode;
  samples: { size: number; nodeId: number; ordinal: number }[];
}

const KNOWN = ['durationMs', 'samplingIntervalBytes', 'windowMs', 'mode', 'signal'] as const;

// One sampling heap profiler per isolate: a second capture (or the memory watch's growth
// attribution) while one runs would fail inside V8 with a less helpful message.
let busy = false;

/** Whether a heap profile capture is running in this process. */
export function isHeapProfilerBusy(): boolean {
  return busy;
}

// V8 objects are a whole number of tagged words (8 bytes on 64-bit builds), 16 bytes at least.
const WORD = process.arch === 'ia32' || process.arch === 'arm' ? 4 : 8;
const MIN_OBJECT = 2 * WORD;
const countCache = new Map<string, number>();

/**
 * Estimates how many objects one sample stands for. V8 reports only `size × count` per sample,
 * where count = round(1 / (1 - exp(-size / interval))) (SamplingHeapProfiler::ScaleSample).
 * For objects much smaller than the interval several (size, count) pairs give the same
 * product (8 B × 129 and 24 B × 43 both give 1032 at 1 KiB), so the count is an estimate: of
 * the pairs that reproduce the product exactly, the one whose size is nearest (in ratio) to
 * the continuous solution of size × scale(size) = product.
 */
export function sampleCount(product: number, intervalBytes: number): number {
  const cacheKey = `${product}/${intervalBytes}`;
  const cached = countCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const scale = (s: number): number => 1 / (1 - Math.exp(-s / intervalBytes));
  // size × scale(size) grows with size: bisect for the continuous solution.
  let lo = 0;
  let hi = product;
  for (let i = 0; i < 64 && hi - lo > 0.25; i++) {
    const mid = (lo + hi) / 2;
    if (mid * scale(mid) < product) lo = mid;
    else hi = mid;
  }
  const continuous = Math.max(MIN_OBJECT, hi);
  let best = continuous;
  let bestDistance = Infinity;
  for (let d = 1; d * d <= product; d++) {
    if (product % d !== 0) continue;
    for (const size of [d, product / d]) {
      if (size % WORD !== 0 || size < MIN_OBJECT || Math.round(scale(size)) !== product / size) continue;
      const distance = Math.abs(Math.log(size / continuous));
      if (distance < bestDistance) {
        best = size;
        bestDistance = distance;
      }
    }
  }
  const count = product / best;
  if (countCache.size >= 4096) countCache.clear();
  countCache.set(cacheKey, count);
  return count;
}

function post<T>(session: Inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

function waitFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    // Ref'd on purpose: the caller awaits the profile, so the process must live until it is done.
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Where a frame points, in the sources: a script with a source map (TypeScript through tsx, a
 * bundle run with --enable-source-maps) is mapped back to the original file, line and column;
 * otherwise file: URLs become paths. Positions in, 0-based (V8); out, 1-based (pprof).
 */
class FrameMapper {
  readonly #url = process.getBuiltinModule('node:url') as typeof Url;
  // Absent from Node's module API only in very old releases; then frames stay unmapped.
  readonly #find = (process.getBuiltinModule('node:module') as { findSourceMap?: typeof findSourceMap }).findSourceMap;
  readonly #maps = new Map<string, SourceMap | null>();

  #path(url: string): string {
    if (!url.startsWith('file:')) return url;
    try {
      return this.#url.fileURLToPath(url);
    } catch {
      return url;
    }
  }

  map(url: string, line0: number, column0: number): { file: string; line: number; column: number } {
    if (url === '' || line0 < 0) return { file: this.#path(url), line: 0, column: 0 };
    let map = this.#maps.get(url);
    if (map === undefined) {
      map = this.#find?.(url) ?? (url.startsWith('file:') ? this.#find?.(this.#path(url)) : undefined) ?? null;
      this.#maps.set(url, map);
    }
    if (map !== null) {
      const entry = map.findEntry(line0, column0) as Partial<SourceMapping>;
      if (typeof entry.originalSource === 'string' && typeof entry.originalLine === 'number') {
        return { file: this.#path(entry.originalSource), line: entry.originalLine + 1, column: (entry.originalColumn ?? -1) + 1 };
      }
    }
    return { file: this.#path(url), line: line0 + 1, column: column0 + 1 };
  }
}

/** Accumulates windows into stacks keyed by their frames (node ids differ between sessions). */
class StackTable {
  readonly #byKey = new Map<string, { stack: ProfileFrame[]; values: number[] }>();
  readonly #width: number;
  readonly #frames = new FrameMapper();

  constructor(width: number) {
    this.#width = width;
  }

  add(profile: SamplingProfile, interval: number, objectsAt: number, scale: number): void {
    // Node id -> [stack key, frames leaf first], built once per window by walking the tree.
    const stacks = new Map<number, { key: string; frames: ProfileFrame[] }>();
    const walk = (node: SamplingNode, parent: ProfileFrame[], parentKey: string): void => {
      const cf = node.callFrame;
      let frames = parent;
      let key = parentKey;
      if (cf.functionName !== '(root)' || cf.url !== '') {
        const frame: ProfileFrame = { functionName: cf.functionName === '' ? '(anonymous)' : cf.functionName, ...this.#frames.map(cf.url, cf.lineNumber, cf.columnNumber) };
        frames = [frame, ...parent];
        key = `${frame.functionName}\0${frame.file}\0${frame.line}\0${frame.column}\n${parentKey}`;
      }
      stacks.set(node.id, { key, frames });
      for (const child of node.children) walk(child, frames, key);
    };
    walk(profile.head, [], '');
    for (const sample of profile.samples) {
      const at = stacks.get(sample.nodeId);
      if (at === undefined || sample.size <= 0) continue;
      let entry = this.#byKey.get(at.key);
      if (entry === undefined) {
        entry = { stack: at.frames, values: new Array<number>(this.#width).fill(0) };
        this.#byKey.set(at.key, entry);
      }
      entry.values[objectsAt] += sampleCount(sample.size, interval) * scale;
      entry.values[objectsAt + 1] += sample.size * scale;
    }
  }

  samples(): ProfileSample[] {
    return [...this.#byKey.values()].map((e) => ({ stack: e.stack, values: e.values.map(Math.round) }));
  }
}

/**
 * Samples heap allocations for `durationMs` and returns a `HeapProfile` (pprof sample types
 * alloc_objects, alloc_space, inuse_objects, inuse_space; see the file comment for how each is
 * obtained). Loads node:inspector when called. Throws ArgumentError on a bad option; rejects
 * with LeanRedisError ERR_PROFILER_BUSY while another capture of this module runs, AbortError
 * when `signal` aborts. V8 has one sampling heap profiler per isolate and does not report a
 * session of someone else's (DevTools, an APM agent's addon) sampling at the same time: do not
 * run both. Frames are those of the code V8 runs: a function the optimizing compiler inlined is
 * not a frame, so its allocations are charged to its caller; run the process with
 * `--no-turbo-inlining` while hunting a leak (docs/DIAGNOSTICS.md, step 3).
 *
 * ```ts
 * const profile = await captureHeapProfile({ durationMs: 30_000 });
 * await writeFile('heap.pb.gz', profile.toPprof()); // go tool pprof -top heap.pb.gz
 * console.table(profile.top({ by: 'package', sampleType: 'alloc_space', n: 5 }));
 * ```
 */
export function captureHeapProfile(options?: CaptureHeapProfileOptions): Promise<HeapProfile> {
  const fn = 'captureHeapProfile';
  const o = checkOptions(fn, options, KNOWN);
  const durationMs = intOption(fn, o, 'durationMs', 10_000, 1, 86_400_000, ' (ms)');
  const intervalBytes = intOption(fn, o, 'samplingIntervalBytes', 524_288, 1, 2 ** 30, ' (bytes)');
  const windowMs = intOption(fn, o, 'windowMs', 5000, 1, 86_400_000, ' (ms)');
  const mode = o.mode ?? 'both';
  if (mode !== 'both' && mode !== 'alloc' && mode !== 'inuse') throw new (loadCore().ArgumentError)(`${fn}: option "mode" must be 'both', 'alloc' or 'inuse'`);
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new (loadCore().ArgumentError)(`${fn}: option "signal" must be an AbortSignal`);
  return capture({ durationMs, intervalBytes, windowMs, mode, signal });
}

async function capture(c: { durationMs: number; intervalBytes: number; windowMs: number; mode: 'both' | Mode; signal: AbortSignal | undefined }): Promise<HeapProfile> {
  const core = loadCore();
  if (c.signal?.aborted) throw new core.AbortError(undefined, c.signal.reason);
  if (busy) throw new core.LeanRedisError('ERR_PROFILER_BUSY', 'captureHeapProfile: a heap profile is already being captured in this process');
  busy = true;
  const types: HeapSampleType[] = c.mode === 'inuse' ? ['inuse_objects', 'inuse_space'] : c.mode === 'alloc' ? ['alloc_objects', 'alloc_space'] : ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'];
  const inspector = process.getBuiltinModule('node:inspector') as typeof Inspector;
  const session = new inspector.Session();
  const startedAt = Date.now();
  const start = performance.now();
  const spent: Record<Mode, number> = { alloc: 0, inuse: 0 };
  const counts: Record<Mode, number> = { alloc: 0, inuse: 0 };
  const windows: { mode: Mode; profile: SamplingProfile }[] = [];
  let sampling = false;
  try {
    session.connect();
    await post(session, 'HeapProfiler.enable');
    // With both modes, never fewer than one window of each: split short captures in two.
    const windowMs = c.mode === 'both' ? Math.min(c.windowMs, Math.max(1, Math.floor(c.durationMs / 2))) : c.windowMs;
    let next: Mode = c.mode === 'inuse' ? 'inuse' : 'alloc';
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= c.durationMs) break;
      const mode = next;
      const windowStart = performance.now();
      const isAlloc = mode === 'alloc';
      await post(session, 'HeapProfiler.startSampling', { samplingInterval: c.intervalBytes, includeObjectsCollectedByMajorGC: isAlloc, includeObjectsCollectedByMinorGC: isAlloc });
      sampling = true;
      await waitFor(Math.min(windowMs, c.durationMs - elapsed), c.signal);
      if (c.signal?.aborted) throw new core.AbortError(undefined, c.signal.reason);
      // One read per window: stopSampling returns the profile, after the full GC V8 forces.
      const { profile } = await post<{ profile: SamplingProfile }>(session, 'HeapProfiler.stopSampling');
      sampling = false;
      spent[mode] += performance.now() - windowStart;
      counts[mode]++;
      windows.push({ mode, profile });
      if (c.mode === 'both') next = mode === 'alloc' ? 'inuse' : 'alloc';
    }
    const durationMs = performance.now() - start;
    const table = new StackTable(types.length);
    for (const w of windows) {
      const objectsAt = types.indexOf(w.mode === 'alloc' ? 'alloc_objects' : 'inuse_objects');
      table.add(w.profile, c.intervalBytes, objectsAt, durationMs / spent[w.mode]);
    }
    const summary: HeapProfileWindows = { allocCount: counts.alloc, allocMs: spent.alloc, inuseCount: counts.inuse, inuseMs: spent.inuse, collectedGarbage: counts.inuse > 0 };
    return new HeapProfile({ sampleTypes: types, samples: table.samples(), samplingIntervalBytes: c.intervalBytes, startedAt, durationMs, windows: summary });
  } finally {
    if (sampling) await post(session, 'HeapProfiler.stopSampling').catch(() => undefined);
    session.disconnect();
    busy = false;
  }
}
