/**
 * `deps why <pkg>`: every installed copy of a package, the chain from each direct dependency
 * that reaches it, who requires it directly, whether it is exclusive to one direct dependency,
 * and what removing it would take away (the packages only it keeps in the tree) with sizes.
 */
import { attribute, exclusiveClosure } from './attribution.js';
import type { Lockfile, LockPackage } from './lockfile.js';
import { PackageSizes } from './package-sizes.js';
import { sizeAll } from './sizing.js';
import type { ReportedSize } from './lock-diff.js';
import { resultHeader, type ResultHeader } from '../report/json.js';
import { CliError } from '../cli-error.js';

/** One installed copy of the package asked about. */
export interface WhyCopy {
  readonly path: string;
  readonly version: string;
  readonly flavour: LockPackage['flavour'];
  readonly hasInstallScript: boolean;
  readonly isForThisPlatform: boolean;
  /** Declared directly by these roots/workspaces (empty when only transitive). */
  readonly declaredBy: readonly string[];
  readonly broughtBy: readonly string[];
  readonly isExclusive: boolean;
  /** Shortest chain from each direct dependency that reaches it: names with versions. */
  readonly chains: readonly (readonly string[])[];
  /** Packages (name@version) and roots that list it among their dependencies. */
  readonly requiredBy: readonly string[];
  readonly size: ReportedSize | null;
}

/** Everything `deps why` reports. */
export interface DepsWhyResult extends ResultHeader {
  readonly lockfile: string;
  readonly name: string;
  /** The version asked for, when the argument was name@version. */
  readonly version: string | null;
  readonly copies: readonly WhyCopy[];
  /** What removing every copy would remove: the copies and the packages only they keep. */
  readonly removal: {
    readonly packages: readonly string[];
    readonly bytes: number;
    readonly files: number;
    readonly unknownSizes: number;
  };
}

/** Splits `@scope/name@1.2.3` into name and version. */
export function parsePackageArgument(arg: string): { name: string; version: string | null } {
  const at = arg.lastIndexOf('@');
  return at > 0 ? { name: arg.slice(0, at), version: arg.slice(at + 1) } : { name: arg, version: null };
}

/** Explains why `spec` (name or name@version) is in `lock`. Throws ERR_CLI_NOT_FOUND when it is not. */
export async function explainPackage(lock: Lockfile, spec: string, options: { npmCacheDir: string | undefined; projectDir: string | undefined; onProgress?: (done: number, total: number) => void }): Promise<DepsWhyResult> {
  const { name, version } = parsePackageArgument(spec);
  const deps = lock.dependencies();
  const copies = deps.filter((p) => p.name === name && (version === null || p.version === version));
  if (copies.length === 0) {
    const versions = [...new Set(deps.filter((p) => p.name === name).map((p) => p.version))];
    const hint = versions.length > 0 ? ` (installed versions: ${versions.join(', ')})` : '';
    throw new CliError('ERR_CLI_NOT_FOUND', `${spec} is not in ${lock.file}${hint}`);
  }
  const attr = attribute(lock);
  const closure = [...exclusiveClosure(lock, new Set(copies))];
  const sizes = await sizeAll(new PackageSizes(options.projectDir, options.npmCacheDir), closure.filter((p) => p.isForThisPlatform), options.onProgress);
  const label = (p: LockPackage) => (p.isRoot ? p.name : `${p.name}@${p.version}`);
  const out: WhyCopy[] = copies.map((copy) => {
    const broughtBy = attr.broughtBy.get(copy) ?? [];
    const direct = attr.direct.filter((d) => broughtBy.includes(d.label));
    const size = sizes.get(copy);
    return {
      path: copy.path,
      version: copy.version,
      flavour: copy.flavour,
      hasInstallScript: copy.hasInstallScript,
      isForThisPlatform: copy.isForThisPlatform,
      declaredBy: attr.direct.find((d) => d.package === copy)?.declaredBy ?? [],
      broughtBy,
      isExclusive: broughtBy.length === 1,
      chains: direct.map((d) => (attr.chain(d, copy) ?? []).map(label)),
      requiredBy: [...lock.packages.values()].filter((p) => p.dependencies.includes(copy)).map(label).sort(),
      size: size === undefined ? null : { bytes: size.bytes, files: size.files, source: size.source },
    };
  });
  const here = closure.filter((p) => p.isForThisPlatform);
  return {
    ...resultHeader('deps-why'),
    lockfile: lock.file,
    name,
    version,
    // Shallowest copy first: the one a top-level require() finds.
    copies: out.sort((x, y) => x.path.split('/node_modules/').length - y.path.split('/node_modules/').length || x.path.localeCompare(y.path)),
    removal: {
      packages: [...new Set(here.map(label))].sort(),
      bytes: here.reduce((t, p) => t + (sizes.get(p)?.bytes ?? 0), 0),
      files: here.reduce((t, p) => t + (sizes.get(p)?.files ?? 0), 0),
      unknownSizes: here.filter((p) => !sizes.has(p)).length,
    },
  };
}
