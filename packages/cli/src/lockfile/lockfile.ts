/**
 * A package-lock.json (v2 or v3) as a graph. The `packages` map is keyed by install location
 * (`node_modules/a/node_modules/b`, `packages/cli` for a workspace, `""` for the root); an edge
 * `a -> b` is resolved as Node resolves `require('b')` from a's folder: the nearest
 * `node_modules/b` walking up, following workspace links. v1 lockfiles (npm 6) keep only the
 * nested `dependencies` tree and are rejected with a message saying how to upgrade them.
 */
import { readFileSync } from 'node:fs';
import { CliError } from '../cli-error.js';

/** How a package is reached from the roots, as npm marks it in the lockfile. */
export type DependencyFlavour = 'prod' | 'dev' | 'optional' | 'dev-optional' | 'peer';

/** One install location in the lockfile. */
export interface LockPackage {
  /** Install location, e.g. `node_modules/a/node_modules/b`; `""` for the root. */
  readonly path: string;
  /** Name as installed: the folder after the last `node_modules/` (the workspace's name for a workspace). */
  readonly name: string;
  readonly version: string;
  /** The project root (`""`) or one of its workspaces: not dependencies, where direct dependencies start. */
  readonly isRoot: boolean;
  readonly flavour: DependencyFlavour;
  /** npm ran or would run a preinstall/install/postinstall script (or node-gyp) for it. */
  readonly hasInstallScript: boolean;
  /** False when its `os`/`cpu` fields exclude this machine: an optional platform package npm skips here. */
  readonly isForThisPlatform: boolean;
  /** Subresource-integrity string of its tarball, used to find it in the npm cache. */
  readonly integrity: string | undefined;
  /** Names it depends on (dependencies, optionalDependencies and peerDependencies). */
  readonly requires: readonly string[];
  /** The resolved edges, filled by {@link Lockfile}. */
  readonly dependencies: LockPackage[];
}

interface RawEntry {
  name?: unknown;
  version?: unknown;
  link?: unknown;
  resolved?: unknown;
  integrity?: unknown;
  dev?: unknown;
  optional?: unknown;
  devOptional?: unknown;
  peer?: unknown;
  hasInstallScript?: unknown;
  os?: unknown;
  cpu?: unknown;
  dependencies?: unknown;
  optionalDependencies?: unknown;
  peerDependencies?: unknown;
  devDependencies?: unknown;
}

const NM = 'node_modules/';

/** The package name of an install location: what follows the last `node_modules/`. */
export function nameFromPath(path: string): string | undefined {
  const at = path.lastIndexOf(NM);
  return at === -1 ? undefined : path.slice(at + NM.length);
}

/** The location whose `node_modules` holds `path` (`node_modules/a/node_modules/b` -> `node_modules/a`), or undefined at the top. */
function parentLocation(path: string): string | undefined {
  if (path === '') return undefined;
  const at = path.lastIndexOf(`/${NM}`);
  if (at !== -1) return path.slice(0, at);
  return '';
}

// npm's os/cpu fields: a list of allowed values, or of `!value` exclusions.
function allows(list: unknown, value: string): boolean {
  if (!Array.isArray(list) || list.length === 0) return true;
  const names = list.filter((x): x is string => typeof x === 'string');
  const denied = names.filter((x) => x.startsWith('!')).map((x) => x.slice(1));
  if (denied.includes(value)) return false;
  const allowed = names.filter((x) => !x.startsWith('!'));
  return allowed.length === 0 || allowed.includes(value);
}

function names(...maps: unknown[]): string[] {
  const out = new Set<string>();
  for (const m of maps) if (m !== null && typeof m === 'object') for (const k of Object.keys(m)) out.add(k);
  return [...out];
}

/** A parsed lockfile with every dependency edge resolved. */
export class Lockfile {
  /** Where it was read from (for messages). */
  readonly file: string;
  readonly lockfileVersion: 2 | 3;
  /** Every install location, by path. Workspace links are followed, not listed. */
  readonly packages: ReadonlyMap<string, LockPackage>;
  /** The root and the workspaces. */
  readonly roots: readonly LockPackage[];
  readonly #links = new Map<string, string>();

  private constructor(file: string, lockfileVersion: 2 | 3, entries: Record<string, RawEntry>, platform: { os: string; cpu: string }) {
    this.file = file;
    this.lockfileVersion = lockfileVersion;
    const packages = new Map<string, LockPackage>();
    const rootEntry = entries[''] ?? {};
    const workspacePaths = new Set<string>();
    for (const [path, raw] of Object.entries(entries)) {
      if (raw === null || typeof raw !== 'object') throw new CliError('ERR_CLI_BAD_INPUT', `${file}: entry "${path}" is not an object`);
      if (raw.link === true) {
        if (typeof raw.resolved !== 'string') throw new CliError('ERR_CLI_BAD_INPUT', `${file}: link "${path}" has no "resolved" target`);
        this.#links.set(path, raw.resolved);
        workspacePaths.add(raw.resolved);
      }
    }
    for (const [path, raw] of Object.entries(entries)) {
      if (raw.link === true) continue;
      const installed = nameFromPath(path);
      const isRoot = path === '' || installed === undefined;
      const name = isRoot ? (typeof raw.name === 'string' ? raw.name : path === '' ? '(root)' : path) : installed;
      const version = typeof raw.version === 'string' ? raw.version : isRoot ? '' : undefined;
      if (version === undefined) throw new CliError('ERR_CLI_BAD_INPUT', `${file}: package "${path}" has no version`);
      const flavour: DependencyFlavour = raw.peer === true ? 'peer' : raw.devOptional === true ? 'dev-optional' : raw.dev === true && raw.optional === true ? 'dev-optional' : raw.dev === true ? 'dev' : raw.optional === true ? 'optional' : 'prod';
      packages.set(path, {
        path,
        name,
        version,
        isRoot,
        flavour,
        hasInstallScript: raw.hasInstallScript === true,
        isForThisPlatform: allows(raw.os, platform.os) && allows(raw.cpu, platform.cpu),
        integrity: typeof raw.integrity === 'string' ? raw.integrity : undefined,
        // A root's devDependencies are its own; a dependency's are never installed.
        requires: names(raw.dependencies, raw.optionalDependencies, raw.peerDependencies, isRoot ? raw.devDependencies : undefined),
        dependencies: [],
      });
    }
    if (!packages.has('')) packages.set('', { path: '', name: typeof rootEntry.name === 'string' ? rootEntry.name : '(root)', version: '', isRoot: true, flavour: 'prod', hasInstallScript: false, isForThisPlatform: true, integrity: undefined, requires: [], dependencies: [] });
    this.packages = packages;
    this.roots = [...packages.values()].filter((p) => p.isRoot);
    for (const pkg of packages.values()) {
      for (const dep of pkg.requires) {
        const target = this.resolve(pkg.path, dep);
        // Unresolved edges are optional or peer dependencies npm chose not to install.
        if (target !== undefined) pkg.dependencies.push(target);
      }
    }
  }

  /**
   * Reads and parses a lockfile; a missing or malformed file is a {@link CliError} (exit 3).
   * @param name how messages and reports name it. @default file
   */
  static read(file: string, name = file, platform = { os: process.platform as string, cpu: process.arch as string }): Lockfile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError('ERR_CLI_NOT_FOUND', code === 'ENOENT' ? `${name}: no such file` : `${name}: cannot read (${code ?? String(err)})`);
    }
    return Lockfile.parse(text, name, platform);
  }

  /** Parses lockfile text; `file` names it in error messages. */
  static parse(text: string, file: string, platform = { os: process.platform as string, cpu: process.arch as string }): Lockfile {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new CliError('ERR_CLI_BAD_INPUT', `${file}: not JSON (${(err as Error).message}); only npm's package-lock.json (v2, v3) is understood`);
    }
    if (doc === null || typeof doc !== 'object') throw new CliError('ERR_CLI_BAD_INPUT', `${file}: not a package-lock.json`);
    const { lockfileVersion, packages } = doc as { lockfileVersion?: unknown; packages?: unknown };
    if (lockfileVersion === 1) throw new CliError('ERR_CLI_BAD_INPUT', `${file}: lockfileVersion 1 (npm 6) is not supported; run \`npm install --package-lock-only\` with npm >= 7 to upgrade it`);
    if (lockfileVersion !== 2 && lockfileVersion !== 3) throw new CliError('ERR_CLI_BAD_INPUT', `${file}: lockfileVersion ${JSON.stringify(lockfileVersion)} is not understood (expected 2 or 3)`);
    if (packages === null || typeof packages !== 'object') throw new CliError('ERR_CLI_BAD_INPUT', `${file}: has no "packages" map`);
    return new Lockfile(file, lockfileVersion, packages as Record<string, RawEntry>, platform);
  }

  /** What `require(name)` from the package at `from` finds: the nearest `node_modules/name` up the tree. */
  resolve(from: string, name: string): LockPackage | undefined {
    for (let at: string | undefined = from; at !== undefined; at = parentLocation(at)) {
      const candidate = at === '' ? `${NM}${name}` : `${at}/${NM}${name}`;
      const link = this.#links.get(candidate);
      const hit = this.packages.get(link ?? candidate);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** Every dependency location (roots excluded). */
  dependencies(): LockPackage[] {
    return [...this.packages.values()].filter((p) => !p.isRoot);
  }
}
