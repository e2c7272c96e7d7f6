/**
 * `leanredis cost`: what importing a package costs, measured in fresh processes (the probe,
 * measure/import-probe.ts), and attributed to each package it loads.
 *
 * Method, per package asked about:
 *   - one instrumented run lists the files loaded, which file loaded which, and the async
 *     resources (timers, sockets, servers) the import left alive, with the file that made each;
 *   - `runs` measured runs, interleaved with as many baseline runs doing the same steps without
 *     loading anything: retained heap (bytes reachable at the end, from a heap snapshot, over
 *     the baseline's median), V8's heapUsed, external, arrayBuffers and RSS (after full GC,
 *     after minus before the import, over the baseline's median delta) and load time;
 *   - attribution: for each package P in the tree, `attributionRuns` runs that preload the files
 *     of the packages P depends on and then load P's entry files, over a baseline run that only
 *     preloads: what P's own modules retain ("self"). A package reached from one direct
 *     dependency of the root is exclusive to it, from several, shared.
 * Figures are medians with min and max; a retained-heap or external spread wider than
 * `maxSpread` of the median (and than `spreadFloorBytes`) marks the result noisy.
 */
import { realpathSync, statSync } from 'node:fs';
import type { ProbeConfig, ProbeFile, ProbeResult } from './probe-protocol.js';
import { resultHeader, type ResultHeader } from '../report/json.js';
import { PackageOfFile, type PackageId } from './package-of-file.js';
import type { ResolvedEntry } from './resolve-package.js';
import { runProbe, type ProbeRunner } from './run-probe.js';
import { isNoisy, median, spreadOf, type Spread } from './stats.js';

/** How to measure. */
export interface CostOptions extends ProbeRunner {
  /** Measured runs per figure. */
  readonly runs: number;
  /** Wait after the import before measuring. (ms) */
  readonly settleMs: number;
  /** Largest accepted (max - min) / median of heap and external. (ratio) */
  readonly maxSpread: number;
  /** Spreads below this are accepted whatever the ratio. (bytes) */
  readonly spreadFloorBytes: number;
  /** Measure each package's own heap (one or two more probes per package per attribution run). */
  readonly attribution: boolean;
  /** Rounds of attribution runs. */
  readonly attributionRuns: number;
  readonly onProgress?: (text: string) => void;
}

/** Memory and time figures of one import, baseline (the same steps loading nothing) subtracted. */
export interface CostFigures {
  /** Retained heap: bytes of the objects reachable after the import (heap snapshot), over the baseline's. (bytes) */
  readonly heapBytes: Spread;
  /** V8's heapUsed counter after full GC, after minus before: moves by some 100 KB with V8's internal state; shown for reference. (bytes) */
  readonly heapUsedBytes: Spread;
  /** Memory outside the V8 heap owned by JS objects (Buffers, native addons). (bytes) */
  readonly externalBytes: Spread;
  /** The part of external held by ArrayBuffers and Buffers. (bytes) */
  readonly arrayBuffersBytes: Spread;
  /** Resident set size of the process. (bytes) */
  readonly rssBytes: Spread;
  /** Resolve, read, compile and evaluate. (ms) */
  readonly loadMs: Spread;
}

/** One package loaded by the import. */
export interface CostPackage {
  readonly name: string;
  readonly version: string;
  /** Its folder. */
  readonly dir: string;
  /** The package asked about. */
  readonly isRoot: boolean;
  readonly files: number;
  readonly sourceBytes: number;
  /** Direct dependencies of the root that reach it (empty for the root). */
  readonly broughtBy: readonly string[];
  /** Reached from exactly one direct dependency. */
  readonly isExclusive: boolean;
  /** Heap its own modules retain, its dependencies preloaded; null without attribution. (bytes) */
  readonly selfHeapBytes: Spread | null;
  /** External memory its own modules hold. (bytes) */
  readonly selfExternalBytes: Spread | null;
  /** Why its own figures are missing, when a preloaded run failed. */
  readonly attributionError: string | null;
}

/** An async resource the import left alive. */
export interface CostHandle {
  readonly type: string;
  readonly detail: string;
  /** Keeps the process from exiting. */
  readonly isRefed: boolean;
  /** name@version of the package whose code created it, or null when no stack frame says. */
  readonly package: string | null;
  readonly file: string | null;
}

/** Heap of the root's direct dependencies: what they alone bring, and what they share. */
export interface DirectCost {
  readonly name: string;
  readonly exclusivePackages: number;
  readonly exclusiveHeapBytes: number;
  readonly sharedPackages: number;
  readonly sharedHeapBytes: number;
}

/** Everything measured for one package asked about. */
export interface PackageCost {
  readonly spec: string;
  readonly name: string;
  readonly version: string;
  readonly entry: string;
  /** `module` (loaded by import()) or `commonjs` (by require()). */
  readonly format: string;
  readonly figures: CostFigures;
  readonly files: { readonly count: number; readonly bytes: number; readonly byFormat: Readonly<Record<string, number>> };
  /** Public built-in modules the import loaded. */
  readonly builtins: readonly string[];
  /** Built-in modules loaded, internal ones included. */
  readonly builtinModuleLoads: number;
  readonly handles: readonly CostHandle[];
  /** A timer, socket or server was left alive by the import. */
  readonly opensHandles: boolean;
  /** One of them keeps the process alive (not unref()ed). */
  readonly keepsProcessAlive: boolean;
  readonly packages: readonly CostPackage[];
  readonly directDependencies: readonly DirectCost[];
  /** Sum of the packages' self heap medians. (bytes) */
  readonly attributedHeapBytes: number | null;
  /** Figures whose spread exceeds the threshold. */
  readonly noisy: readonly string[];
}

/** The result of `leanredis cost`. */
export interface CostResult extends ResultHeader {
  readonly method: {
    readonly runs: number;
    readonly settleMs: number;
    readonly maxSpread: number;
    readonly spreadFloorBytes: number;
    /** Rounds of per-package runs; 0 without attribution. */
    readonly attributionRuns: number;
    /** The empty runs as measured (the baseline subtracted from every figure). */
    readonly floor: CostFigures;
  };
  readonly results: readonly PackageCost[];
  /** Some figure of some package is noisy: exit 4. */
  readonly isNoisy: boolean;
}

interface Tree {
  readonly files: { path: string; format: string; pkg: PackageId; bytes: number }[];
  readonly packages: Map<string, PackageId>; // by dir
  readonly deps: Map<string, Set<string>>; // dir -> dirs it loads
  readonly entries: Map<string, ProbeFile[]>; // dir -> its files loaded from outside it
  readonly rootDir: string;
  readonly handles: CostHandle[];
}

function buildTree(target: ResolvedEntry, probe: ProbeResult, owners: PackageOfFile): Tree {
  const packages = new Map<string, PackageId>();
  const files: Tree['files'] = [];
  const byPath = new Map<string, Tree['files'][number]>();
  // Node loads a symlinked package (an npm workspace, `npm link`) by its real path, so the
  // probe's files are real paths: the root must be found by the entry's real path too, or the
  // package is counted twice (once by the link, once by its files).
  const rootPkg = owners.of(realPath(target.entry)) ?? { name: target.name, version: target.version, dir: realPath(target.packageDir) };
  for (const f of probe.files ?? []) {
    const pkg = owners.of(f.path) ?? rootPkg;
    packages.set(pkg.dir, pkg);
    let bytes = 0;
    try {
      bytes = statSync(f.path).size;
    } catch {
      // Deleted since: counted with no size.
    }
    const entry = { path: f.path, format: f.format, pkg, bytes };
    files.push(entry);
    byPath.set(f.path, entry);
  }
  packages.set(rootPkg.dir, rootPkg);
  const deps = new Map<string, Set<string>>([...packages.keys()].map((d) => [d, new Set<string>()]));
  const entries = new Map<string, ProbeFile[]>();
  const addEntry = (dir: string, f: { path: string; format: string }) => {
    const list = entries.get(dir) ?? [];
    if (!list.some((x) => x.path === f.path)) list.push({ path: f.path, format: f.format });
    entries.set(dir, list);
  };
  for (const [from, to] of probe.edges ?? []) {
    const child = byPath.get(to);
    if (child === undefined) continue;
    const parent = from === null ? undefined : byPath.get(from);
    if (parent === undefined) {
      if (from === null) addEntry(child.pkg.dir, child);
      continue;
    }
    if (parent.pkg.dir === child.pkg.dir) continue;
    deps.get(parent.pkg.dir)!.add(child.pkg.dir);
    addEntry(child.pkg.dir, child);
  }
  if (!entries.has(rootPkg.dir)) entries.set(rootPkg.dir, [{ path: target.entry, format: target.format }]);
  const handles = (probe.handles ?? []).map((h) => {
    const pkg = h.createdBy === null ? undefined : byPath.get(h.createdBy)?.pkg ?? owners.of(h.createdBy);
    return { type: h.type, detail: h.detail, isRefed: h.isRefed, package: pkg === undefined ? null : `${pkg.name}@${pkg.version}`, file: h.createdBy };
  });
  return { files, packages, deps, entries, rootDir: rootPkg.dir, handles };
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function reach(deps: Map<string, Set<string>>, from: string, stop: string | undefined): Set<string> {
  const seen = new Set<string>([from]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const next of deps.get(queue[i]) ?? []) {
      if (next === stop || seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
}

/** The probe config that measures package `dir`'s own modules: its dependencies preloaded. */
function selfConfig(tree: Tree, dir: string, settleMs: number): ProbeConfig {
  const below = reach(tree.deps, dir, undefined);
  below.delete(dir);
  // A package in a cycle with `dir` would load it while preloading: keep it out.
  for (const d of [...below]) if (reach(tree.deps, d, undefined).has(dir)) below.delete(d);
  const preload = tree.files.filter((f) => below.has(f.pkg.dir)).map((f) => ({ path: f.path, format: f.format }));
  return { preload, load: tree.entries.get(dir) ?? [], settleMs, instrument: false };
}

/** Raw figures of a series of runs of one probe config. */
interface Samples {
  readonly reachable: number[];
  readonly heapUsed: number[];
  readonly external: number[];
  readonly arrayBuffers: number[];
  readonly rss: number[];
  readonly loadMs: number[];
}
const emptySamples = (): Samples => ({ reachable: [], heapUsed: [], external: [], arrayBuffers: [], rss: [], loadMs: [] });
function record(s: Samples, r: ProbeResult): void {
  s.reachable.push(r.reachableBytes);
  s.heapUsed.push(r.after.heapUsed - r.before.heapUsed);
  s.external.push(r.after.external - r.before.external);
  s.arrayBuffers.push(r.after.arrayBuffers - r.before.arrayBuffers);
  s.rss.push(r.after.rss - r.before.rss);
  s.loadMs.push(r.loadMs);
}
/** Figures of `s` over the `baseline` runs: the same steps without the measured files. */
function figures(s: Samples, baseline: Samples | undefined): CostFigures {
  const base = (values: number[] | undefined) => (values === undefined ? 0 : median(values));
  return {
    heapBytes: spreadOf(s.reachable, base(baseline?.reachable)),
    heapUsedBytes: spreadOf(s.heapUsed, base(baseline?.heapUsed)),
    externalBytes: spreadOf(s.external, base(baseline?.external)),
    arrayBuffersBytes: spreadOf(s.arrayBuffers, base(baseline?.arrayBuffers)),
    rssBytes: spreadOf(s.rss, base(baseline?.rss)),
    loadMs: spreadOf(s.loadMs, base(baseline?.loadMs)),
  };
}

/** Measures every target; see the file comment for the method. */
export async function measureCost(targets: readonly ResolvedEntry[], options: CostOptions): Promise<CostResult> {
  const progress = options.onProgress ?? (() => {});
  const owners = new PackageOfFile();
  const trees: Tree[] = [];
  for (const t of targets) {
    progress(`cost: ${t.spec}: listing files and handles`);
    const probe = await runProbe(options, { preload: [], load: [{ path: t.entry, format: t.format }], settleMs: options.settleMs, instrument: true }, t.spec);
    trees.push(buildTree(t, probe, owners));
  }

  const floorSamples = emptySamples();
  const samples = targets.map(emptySamples);
  const builtins = targets.map(() => new Set<string>());
  const builtinLoads = targets.map(() => [] as number[]);
  const plain = (load: ProbeFile[]): ProbeConfig => ({ preload: [], load, settleMs: options.settleMs, instrument: false });
  for (let run = 0; run < options.runs; run++) {
    progress(`cost: run ${run + 1}/${options.runs}: empty (baseline)`);
    record(floorSamples, await runProbe(options, plain([]), 'the empty probe'));
    for (let i = 0; i < targets.length; i++) {
      progress(`cost: run ${run + 1}/${options.runs}: ${targets[i].spec}`);
      const r = await runProbe(options, plain([{ path: targets[i].entry, format: targets[i].format }]), targets[i].spec);
      record(samples[i], r);
      for (const b of r.builtins) builtins[i].add(b);
      builtinLoads[i].push(r.internalModules);
    }
  }
  const floor = figures(floorSamples, undefined);

  // Attribution: for every package of every tree, a run with its dependencies preloaded and
  // its own files loaded, and (when something is preloaded) a baseline run preloading only.
  const selfSamples = new Map<string, { self: Samples; base: Samples | undefined }>();
  const selfErrors = new Map<string, string>();
  if (options.attribution) {
    const jobs = trees.flatMap((tree, i) => [...tree.packages.keys()].map((dir) => ({ key: `${i}\0${dir}`, config: selfConfig(tree, dir, options.settleMs), name: tree.packages.get(dir)!.name, spec: targets[i].spec })));
    for (let run = 0; run < options.attributionRuns; run++) {
      for (const [j, job] of jobs.entries()) {
        if (selfErrors.has(job.key)) continue;
        progress(`cost: attribution run ${run + 1}/${options.attributionRuns}: ${job.spec}: package ${j + 1}/${jobs.length} (${job.name})`);
        try {
          let entry = selfSamples.get(job.key);
          if (entry === undefined) selfSamples.set(job.key, (entry = { self: emptySamples(), base: job.config.preload.length > 0 ? emptySamples() : undefined }));
          if (entry.base !== undefined) record(entry.base, await runProbe(options, { ...job.config, load: [] }, `${job.spec} (the dependencies of ${job.name})`));
          record(entry.self, await runProbe(options, job.config, `${job.spec} (${job.name} over its dependencies)`));
        } catch (err) {
          if (options.signal.aborted) throw err;
          // A package that cannot be loaded apart from its parent: said in the report, the rest stands.
          selfErrors.set(job.key, err instanceof Error ? err.message.split('\n')[0] : String(err));
          selfSamples.delete(job.key);
        }
      }
    }
  }

  const results = targets.map((t, i): PackageCost => {
    const tree = trees[i];
    const fig = figures(samples[i], floorSamples);
    const direct = [...(tree.deps.get(tree.rootDir) ?? [])];
    const reachedBy = new Map<string, Set<string>>();
    for (const d of direct) {
      const label = tree.packages.get(d)!.name;
      for (const dir of reach(tree.deps, d, tree.rootDir)) reachedBy.set(dir, (reachedBy.get(dir) ?? new Set()).add(label));
    }
    const packages = [...tree.packages.values()].map((p): CostPackage => {
      const own = tree.files.filter((f) => f.pkg.dir === p.dir);
      const self = selfSamples.get(`${i}\0${p.dir}`);
      const selfFig = self === undefined ? undefined : figures(self.self, self.base ?? floorSamples);
      const broughtBy = p.dir === tree.rootDir ? [] : [...(reachedBy.get(p.dir) ?? [])].sort();
      return {
        name: p.name,
        version: p.version,
        dir: p.dir,
        isRoot: p.dir === tree.rootDir,
        files: own.length,
        sourceBytes: own.reduce((s, f) => s + f.bytes, 0),
        broughtBy,
        isExclusive: broughtBy.length === 1,
        selfHeapBytes: selfFig?.heapBytes ?? null,
        selfExternalBytes: selfFig?.externalBytes ?? null,
        attributionError: selfErrors.get(`${i}\0${p.dir}`) ?? null,
      };
    });
    packages.sort((a, b) => Number(b.isRoot) - Number(a.isRoot) || (b.selfHeapBytes?.median ?? 0) - (a.selfHeapBytes?.median ?? 0) || a.name.localeCompare(b.name));
    const directCosts = direct
      .map((d) => tree.packages.get(d)!.name)
      .sort()
      .map((name): DirectCost => {
        const mine = packages.filter((p) => p.broughtBy.includes(name));
        const exclusive = mine.filter((p) => p.isExclusive);
        const shared = mine.filter((p) => !p.isExclusive);
        const heap = (list: CostPackage[]) => list.reduce((s, p) => s + (p.selfHeapBytes?.median ?? 0), 0);
        return { name, exclusivePackages: exclusive.length, exclusiveHeapBytes: heap(exclusive), sharedPackages: shared.length, sharedHeapBytes: heap(shared) };
      });
    const byFormat: Record<string, number> = {};
    for (const f of tree.files) byFormat[f.format] = (byFormat[f.format] ?? 0) + 1;
    const noisy = (['heapBytes', 'externalBytes'] as const).filter((k) => isNoisy(fig[k], options.maxSpread, options.spreadFloorBytes));
    return {
      spec: t.spec,
      name: t.name,
      version: t.version,
      entry: t.entry,
      format: t.format,
      figures: fig,
      files: { count: tree.files.length, bytes: tree.files.reduce((s, f) => s + f.bytes, 0), byFormat },
      builtins: [...builtins[i]].sort(),
      builtinModuleLoads: Math.max(...builtinLoads[i]),
      handles: tree.handles,
      opensHandles: tree.handles.length > 0,
      keepsProcessAlive: tree.handles.some((h) => h.isRefed),
      packages,
      directDependencies: directCosts,
      attributedHeapBytes: options.attribution ? packages.reduce((s, p) => s + (p.selfHeapBytes?.median ?? 0), 0) : null,
      noisy,
    };
  });

  return {
    ...resultHeader('cost'),
    method: { runs: options.runs, attributionRuns: options.attribution ? options.attributionRuns : 0, settleMs: options.settleMs, maxSpread: options.maxSpread, spreadFloorBytes: options.spreadFloorBytes, floor },
    results,
    isNoisy: results.some((r) => r.noisy.length > 0),
  };
}
