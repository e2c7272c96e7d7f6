/**
 * `deps diff`: what changed between two lockfiles, by package name. A name only after is
 * added, only before removed, in both with other versions changed. For each, the direct
 * dependencies that bring it in (in the lockfile where it exists) and whether it is exclusive
 * to one of them; then the names that gained a second version, the packages that newly run an
 * install script, and unpacked sizes with totals. Packages whose os/cpu exclude this machine
 * are listed but kept out of sizes and totals: npm does not install them here.
 */
import { attribute, type Attribution } from './attribution.js';
import type { Lockfile, LockPackage } from './lockfile.js';
import { PackageSizes, type PackageSize } from './package-sizes.js';
import { sizeAll } from './sizing.js';
import { resultHeader, type ResultHeader } from '../report/json.js';

/** A size as reported: bytes and files of all installed copies, and where it was read. */
export interface ReportedSize {
  readonly bytes: number;
  readonly files: number;
  readonly source: PackageSize['source'];
}

/** One name@version added or removed. */
export interface PackageChange {
  readonly name: string;
  readonly version: string;
  /** Install locations of this version. */
  readonly paths: readonly string[];
  readonly flavour: LockPackage['flavour'];
  readonly hasInstallScript: boolean;
  readonly isForThisPlatform: boolean;
  /** Direct dependencies that reach it (in the lockfile it is in). */
  readonly broughtBy: readonly string[];
  /** Reached from exactly one direct dependency. */
  readonly isExclusive: boolean;
  /** Unpacked size of all its copies; null when unknown. */
  readonly size: ReportedSize | null;
}

/** A name present in both lockfiles with different versions. */
export interface VersionChange {
  readonly name: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly broughtBy: readonly string[];
  readonly isExclusive: boolean;
  readonly sizeBefore: ReportedSize | null;
  readonly sizeAfter: ReportedSize | null;
}

/** A name that has more versions installed after than before. */
export interface NewDuplicate {
  readonly name: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** For each version after: the direct dependencies that bring it. */
  readonly broughtBy: Readonly<Record<string, readonly string[]>>;
}

/** Added packages by the direct dependency that brings them in. */
export interface DirectShare {
  readonly dependency: string;
  /** Added packages only this dependency reaches, and their bytes. */
  readonly exclusive: number;
  readonly exclusiveBytes: number;
  /** Added packages it reaches along with other direct dependencies. */
  readonly shared: number;
  readonly sharedBytes: number;
}

/** Everything `deps diff` reports: the one result both the table and --json show. */
export interface DepsDiffResult extends ResultHeader {
  readonly before: LockSummary;
  readonly after: LockSummary;
  readonly directDependencies: { readonly added: readonly string[]; readonly removed: readonly string[] };
  readonly added: readonly PackageChange[];
  readonly removed: readonly PackageChange[];
  readonly changed: readonly VersionChange[];
  readonly newDuplicates: readonly NewDuplicate[];
  readonly newInstallScripts: readonly PackageChange[];
  readonly byDirectDependency: readonly DirectShare[];
  readonly totals: DiffTotals;
}

/** Which lockfile, and how many packages it installs here. */
export interface LockSummary {
  readonly file: string;
  readonly lockfileVersion: number;
  /** name@version installed on this platform. */
  readonly packages: number;
}

/** Counts and unpacked bytes of the change (packages for other platforms excluded). */
export interface DiffTotals {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly addedBytes: number;
  readonly removedBytes: number;
  /** Size after minus before, over changed packages whose both sizes are known. */
  readonly changedBytes: number;
  readonly netBytes: number;
  /** Packages of the diff whose size is unknown (neither node_modules nor the npm cache had them). */
  readonly unknownSizes: number;
  /** Added packages for other platforms, listed but not counted. */
  readonly otherPlatform: number;
}

/** Options of {@link diffLockfiles}. */
export interface DiffOptions {
  /** npm cache folder to read tarball sizes from; undefined to skip. */
  readonly npmCacheDir: string | undefined;
  /** Project folders whose node_modules hold the installed packages of each lockfile; undefined to skip. */
  readonly beforeDir: string | undefined;
  readonly afterDir: string | undefined;
  readonly onProgress?: (done: number, total: number) => void;
}

type Versions = Map<string, Map<string, LockPackage[]>>;

function byNameAndVersion(lock: Lockfile): Versions {
  const out: Versions = new Map();
  for (const pkg of lock.dependencies()) {
    let versions = out.get(pkg.name);
    if (versions === undefined) out.set(pkg.name, (versions = new Map()));
    const copies = versions.get(pkg.version);
    if (copies === undefined) versions.set(pkg.version, [pkg]);
    else copies.push(pkg);
  }
  return out;
}

function union<T>(lists: Iterable<readonly T[] | undefined>): T[] {
  const out = new Set<T>();
  for (const l of lists) for (const x of l ?? []) out.add(x);
  return [...out].sort();
}

function sumSizes(copies: readonly LockPackage[], sizes: ReadonlyMap<LockPackage, PackageSize>): ReportedSize | null {
  let bytes = 0;
  let files = 0;
  let source: PackageSize['source'] = 'node_modules';
  for (const c of copies) {
    const s = sizes.get(c);
    if (s === undefined) return null;
    bytes += s.bytes;
    files += s.files;
    if (s.source === 'npm-cache') source = 'npm-cache';
  }
  return { bytes, files, source };
}

function installedHere(versions: Versions): number {
  let n = 0;
  for (const v of versions.values()) for (const copies of v.values()) if (copies.some((c) => c.isForThisPlatform)) n++;
  return n;
}

/** Compares two lockfiles; sizes come from node_modules beside them and the npm cache. */
export async function diffLockfiles(before: Lockfile, after: Lockfile, options: DiffOptions): Promise<DepsDiffResult> {
  const b = byNameAndVersion(before);
  const a = byNameAndVersion(after);
  const attrB = attribute(before);
  const attrA = attribute(after);

  const change = (name: string, version: string, copies: LockPackage[], attr: Attribution): Omit<PackageChange, 'size'> & { copies: LockPackage[] } => {
    const broughtBy = union(copies.map((c) => attr.broughtBy.get(c)));
    return {
      name,
      version,
      paths: copies.map((c) => c.path),
      flavour: copies[0].flavour,
      hasInstallScript: copies.some((c) => c.hasInstallScript),
      isForThisPlatform: copies.some((c) => c.isForThisPlatform),
      broughtBy,
      isExclusive: broughtBy.length === 1,
      copies,
    };
  };

  const added: ReturnType<typeof change>[] = [];
  const removed: ReturnType<typeof change>[] = [];
  const changedNames: string[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const va = a.get(name);
    const vb = b.get(name);
    if (vb === undefined) for (const [version, copies] of va!) added.push(change(name, version, copies, attrA));
    else if (va === undefined) for (const [version, copies] of vb) removed.push(change(name, version, copies, attrB));
    else if ([...va.keys()].sort().join() !== [...vb.keys()].sort().join()) changedNames.push(name);
  }

  // Only what the report shows gets sized: a whole-tree walk of the npm cache would take minutes.
  const toSizeA = [...added.flatMap((c) => c.copies), ...changedNames.flatMap((n) => [...a.get(n)!.values()].flat())].filter((p) => p.isForThisPlatform);
  const toSizeB = [...removed.flatMap((c) => c.copies), ...changedNames.flatMap((n) => [...b.get(n)!.values()].flat())].filter((p) => p.isForThisPlatform);
  const total = toSizeA.length + toSizeB.length;
  const sizesA = await sizeAll(new PackageSizes(options.afterDir, options.npmCacheDir), toSizeA, (done) => options.onProgress?.(done, total));
  const sizesB = await sizeAll(new PackageSizes(options.beforeDir, options.npmCacheDir), toSizeB, (done) => options.onProgress?.(toSizeA.length + done, total));

  const finish = (c: ReturnType<typeof change>, sizes: ReadonlyMap<LockPackage, PackageSize>): PackageChange => {
    const { copies, ...rest } = c;
    return { ...rest, size: c.isForThisPlatform ? sumSizes(copies.filter((p) => p.isForThisPlatform), sizes) : null };
  };
  const byName = (x: { name: string; version?: string }, y: { name: string; version?: string }) => x.name.localeCompare(y.name) || (x.version ?? '').localeCompare(y.version ?? '');
  const addedOut = added.map((c) => finish(c, sizesA)).sort(byName);
  const removedOut = removed.map((c) => finish(c, sizesB)).sort(byName);
  const changed: VersionChange[] = changedNames.sort().map((name) => {
    const copiesA = [...a.get(name)!.values()].flat();
    const copiesB = [...b.get(name)!.values()].flat();
    const broughtBy = union(copiesA.map((c) => attrA.broughtBy.get(c)));
    return {
      name,
      before: [...b.get(name)!.keys()].sort(),
      after: [...a.get(name)!.keys()].sort(),
      broughtBy,
      isExclusive: broughtBy.length === 1,
      sizeBefore: sumSizes(copiesB.filter((p) => p.isForThisPlatform), sizesB),
      sizeAfter: sumSizes(copiesA.filter((p) => p.isForThisPlatform), sizesA),
    };
  });

  const newDuplicates: NewDuplicate[] = [];
  for (const [name, va] of a) {
    const installed = [...va].filter(([, copies]) => copies.some((c) => c.isForThisPlatform));
    const beforeVersions = [...(b.get(name) ?? new Map<string, LockPackage[]>())].filter(([, copies]) => copies.some((c) => c.isForThisPlatform)).map(([v]) => v);
    if (installed.length < 2 || installed.length <= beforeVersions.length) continue;
    newDuplicates.push({
      name,
      before: beforeVersions.sort(),
      after: installed.map(([v]) => v).sort(),
      broughtBy: Object.fromEntries(installed.map(([v, copies]) => [v, union(copies.map((c) => attrA.broughtBy.get(c)))])),
    });
  }
  newDuplicates.sort(byName);

  const hadScript = new Set(before.dependencies().filter((p) => p.hasInstallScript).map((p) => `${p.name}@${p.version}`));
  const newInstallScripts = [...addedOut, ...changed.flatMap((c) => c.after.map((version) => finish(change(c.name, version, a.get(c.name)!.get(version)!, attrA), sizesA)))]
    .filter((c) => c.hasInstallScript && !hadScript.has(`${c.name}@${c.version}`))
    .sort(byName);

  const shares = new Map<string, { exclusive: number; exclusiveBytes: number; shared: number; sharedBytes: number }>();
  for (const c of addedOut) {
    if (!c.isForThisPlatform) continue;
    for (const dep of c.broughtBy) {
      const s = shares.get(dep) ?? { exclusive: 0, exclusiveBytes: 0, shared: 0, sharedBytes: 0 };
      if (c.isExclusive) {
        s.exclusive++;
        s.exclusiveBytes += c.size?.bytes ?? 0;
      } else {
        s.shared++;
        s.sharedBytes += c.size?.bytes ?? 0;
      }
      shares.set(dep, s);
    }
  }

  const here = (list: readonly PackageChange[]) => list.filter((c) => c.isForThisPlatform);
  const sum = (list: readonly PackageChange[]) => here(list).reduce((t, c) => t + (c.size?.bytes ?? 0), 0);
  const changedBytes = changed.reduce((t, c) => t + (c.sizeBefore !== null && c.sizeAfter !== null ? c.sizeAfter.bytes - c.sizeBefore.bytes : 0), 0);
  const addedBytes = sum(addedOut);
  const removedBytes = sum(removedOut);
  const directA = new Set(attrA.direct.map((d) => d.label));
  const directB = new Set(attrB.direct.map((d) => d.label));
  return {
    ...resultHeader('deps-diff'),
    before: { file: before.file, lockfileVersion: before.lockfileVersion, packages: installedHere(b) },
    after: { file: after.file, lockfileVersion: after.lockfileVersion, packages: installedHere(a) },
    directDependencies: { added: [...directA].filter((d) => !directB.has(d)).sort(), removed: [...directB].filter((d) => !directA.has(d)).sort() },
    added: addedOut,
    removed: removedOut,
    changed,
    newDuplicates,
    newInstallScripts,
    byDirectDependency: [...shares].map(([dependency, s]) => ({ dependency, ...s })).sort((x, y) => y.exclusiveBytes + y.sharedBytes - (x.exclusiveBytes + x.sharedBytes) || x.dependency.localeCompare(y.dependency)),
    totals: {
      added: here(addedOut).length,
      removed: here(removedOut).length,
      changed: changed.length,
      addedBytes,
      removedBytes,
      changedBytes,
      netBytes: addedBytes - removedBytes + changedBytes,
      unknownSizes: here(addedOut).filter((c) => c.size === null).length + here(removedOut).filter((c) => c.size === null).length + changed.filter((c) => c.sizeBefore === null || c.sizeAfter === null).length,
      otherPlatform: addedOut.length - here(addedOut).length,
    },
  };
}
