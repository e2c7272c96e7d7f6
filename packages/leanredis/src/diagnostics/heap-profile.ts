// @layer L7 diagnostics
/**
 * L7 diagnostics: `HeapProfile`, the result of `captureHeapProfile`: aggregated stacks with one
 * value per sample type, a `top()` table by function, file or package, and the pprof encoding
 * (gzip'd profile.proto, what `go tool pprof` reads).
 */
import type * as Zlib from 'node:zlib';
import { encodePprof, type ProfileFrame, type ProfileSample } from './pprof.js';
import { checkOptions, intOption } from './options.js';
import { loadCore } from './core-loader.js';

/** pprof's heap sample types, named as Go names them. */
export type HeapSampleType = 'alloc_objects' | 'alloc_space' | 'inuse_objects' | 'inuse_space';

/** How `top()` groups frames. */
export type TopGrouping = 'function' | 'file' | 'package';

/** Options of `HeapProfile.top`. */
export interface TopOptions {
  /** Group by function (name, file and line), by file, or by package (the folder after the last `node_modules/`). @default 'function' */
  by?: TopGrouping;
  /** The figure to rank by. @default 'inuse_space' when captured, else 'alloc_space' */
  sampleType?: HeapSampleType;
  /** Rows returned. @default 10 */
  n?: number;
}

/** One row of `top()`, as `go tool pprof -top` prints it. */
export interface TopRow {
  /**
   * The group: `name file:line` for a function (V8 built-ins have no file), the file path, or
   * the package (`express`, `@scope/name`; `(app)` for code outside node_modules, `(node)` for
   * Node's own modules, `(native)` for V8 built-ins and code without a script).
   */
  name: string;
  /** Value of the samples whose leaf frame (the allocating function) is in the group. */
  flat: number;
  /** `flat` as a percentage of the profile's total for that sample type. */
  flatPercent: number;
  /** Value of the samples with the group anywhere in their stack (each sample counted once). */
  cum: number;
  cumPercent: number;
}

/** What the capture did, for the reader of the figures (also written as pprof comments). */
export interface HeapProfileWindows {
  /** Windows sampled with collected objects included (alloc_* figures), and their total time. (ms) */
  allocCount: number;
  allocMs: number;
  /** Windows sampled with live objects only (inuse_* figures), and their total time. (ms) */
  inuseCount: number;
  inuseMs: number;
  /** Whether a full GC ran before each inuse window was read: always, when there were inuse windows (Node's inspector forces one before each read). */
  collectedGarbage: boolean;
}

export interface HeapProfileData {
  sampleTypes: readonly HeapSampleType[];
  samples: readonly ProfileSample[];
  samplingIntervalBytes: number;
  /** Capture start (ms since the epoch) and length. (ms) */
  startedAt: number;
  durationMs: number;
  windows: HeapProfileWindows;
}

const UNITS: Record<HeapSampleType, string> = { alloc_objects: 'count', alloc_space: 'bytes', inuse_objects: 'count', inuse_space: 'bytes' };
const TOP_KNOWN = ['by', 'sampleType', 'n'] as const;

/** The package a file belongs to: the folder after the LAST `node_modules/` (nested installs). */
export function packageOf(file: string): string {
  if (file === '') return '(native)';
  if (file.startsWith('node:')) return '(node)';
  const path = file.replaceAll('\\', '/');
  const at = path.lastIndexOf('/node_modules/');
  if (at === -1) return '(app)';
  const parts = path.slice(at + '/node_modules/'.length).split('/');
  return parts[0].startsWith('@') && parts.length > 1 ? `${parts[0]}/${parts[1]}` : parts[0];
}

function keyOf(frame: ProfileFrame, by: TopGrouping): string {
  if (by === 'file') return frame.file === '' ? '(native)' : frame.file;
  if (by === 'package') return packageOf(frame.file);
  return frame.file === '' ? frame.functionName : `${frame.functionName} ${frame.file}:${frame.line}`;
}

/** A heap profile: stacks of the sampled allocations with their estimated counts and bytes. */
export class HeapProfile {
  readonly #data: HeapProfileData;

  constructor(data: HeapProfileData) {
    this.#data = data;
  }

  /** The sample types captured, in pprof order. */
  get sampleTypes(): readonly HeapSampleType[] {
    return this.#data.sampleTypes;
  }

  /** Aggregated stacks (leaf first) with one value per entry of `sampleTypes`. */
  get samples(): readonly ProfileSample[] {
    return this.#data.samples;
  }

  /** Bytes between samples (V8 samples one allocation per this many bytes on average). */
  get samplingIntervalBytes(): number {
    return this.#data.samplingIntervalBytes;
  }

  /** When the capture started. (ms since the epoch) */
  get startedAt(): number {
    return this.#data.startedAt;
  }

  /** Length of the capture. (ms) */
  get durationMs(): number {
    return this.#data.durationMs;
  }

  /** How the capture was split between allocation and live-object windows. */
  get windows(): HeapProfileWindows {
    return { ...this.#data.windows };
  }

  /** The total of each captured sample type. */
  totals(): Partial<Record<HeapSampleType, number>> {
    const out: Partial<Record<HeapSampleType, number>> = {};
    this.#data.sampleTypes.forEach((type, i) => {
      let sum = 0;
      for (const s of this.#data.samples) sum += s.values[i];
      out[type] = sum;
    });
    return out;
  }

  /**
   * The biggest groups by one sample type, like `go tool pprof -top`: sorted by flat, then cum.
   * Throws ArgumentError on a bad option or a sample type this profile did not capture.
   */
  top(options?: TopOptions): TopRow[] {
    const o = checkOptions('top', options, TOP_KNOWN);
    const by = o.by ?? 'function';
    if (by !== 'function' && by !== 'file' && by !== 'package') throw new (loadCore().ArgumentError)(`top: option "by" must be 'function', 'file' or 'package'`);
    const types = this.#data.sampleTypes;
    const sampleType = o.sampleType ?? (types.includes('inuse_space') ? 'inuse_space' : 'alloc_space');
    const index = types.indexOf(sampleType as HeapSampleType);
    if (index === -1) throw new (loadCore().ArgumentError)(`top: option "sampleType" must be one of ${types.join(', ')} (the types this profile captured)`);
    const n = intOption('top', o, 'n', 10, 1, 1_000_000);
    const flat = new Map<string, number>();
    const cum = new Map<string, number>();
    let total = 0;
    const seen = new Set<string>();
    for (const s of this.#data.samples) {
      const v = s.values[index];
      if (v === 0 || s.stack.length === 0) continue;
      total += v;
      const leaf = keyOf(s.stack[0], by);
      flat.set(leaf, (flat.get(leaf) ?? 0) + v);
      seen.clear();
      for (const frame of s.stack) {
        const k = keyOf(frame, by);
        if (seen.has(k)) continue;
        seen.add(k);
        cum.set(k, (cum.get(k) ?? 0) + v);
      }
    }
    const pct = (v: number): number => (total === 0 ? 0 : Math.round((v / total) * 10000) / 100);
    return [...cum.entries()]
      .map(([name, c]) => ({ name, flat: flat.get(name) ?? 0, cum: c }))
      .sort((a, b) => b.flat - a.flat || b.cum - a.cum || (a.name < b.name ? -1 : 1))
      .slice(0, n)
      .map((r) => ({ name: r.name, flat: r.flat, flatPercent: pct(r.flat), cum: r.cum, cumPercent: pct(r.cum) }));
  }

  /** The profile as an uncompressed profile.proto message. */
  encode(): Buffer {
    const d = this.#data;
    const w = d.windows;
    const comments = [
      `leanredis captureHeapProfile: ${d.durationMs} ms, one sample per ${d.samplingIntervalBytes} bytes on average (V8 sampling heap profiler through node:inspector)`,
    ];
    if (w.allocCount > 0) {
      comments.push(`alloc_*: every sampled allocation in ${w.allocCount} window(s) totalling ${Math.round(w.allocMs)} ms, scaled by V8 per sample and by ${(d.durationMs / w.allocMs).toFixed(3)} to cover the whole capture`);
    }
    if (w.inuseCount > 0) {
      comments.push(
        `inuse_*: sampled objects still live at the end of their window${w.collectedGarbage ? ' (after a full GC)' : ''}, ${w.inuseCount} window(s) totalling ${Math.round(w.inuseMs)} ms, scaled by V8 per sample and by ${(d.durationMs / w.inuseMs).toFixed(3)}`,
      );
    }
    return encodePprof({
      sampleTypes: d.sampleTypes.map((type) => ({ type, unit: UNITS[type] })),
      samples: d.samples,
      periodType: { type: 'space', unit: 'bytes' },
      period: d.samplingIntervalBytes,
      timeNanos: BigInt(Math.round(d.startedAt)) * 1_000_000n,
      durationNanos: Math.round(d.durationMs * 1e6),
      comments,
      defaultSampleType: d.sampleTypes.includes('inuse_space') ? 'inuse_space' : 'alloc_space',
    });
  }

  /** The gzip'd pprof profile: write it to a `.pb.gz` file for `go tool pprof`. */
  toPprof(): Buffer {
    const zlib = process.getBuiltinModule('node:zlib') as typeof Zlib;
    return zlib.gzipSync(this.encode());
  }
}
