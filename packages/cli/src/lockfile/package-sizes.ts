/**
 * Unpacked size of a locked package, without the network. A lockfile records no sizes, so:
 *   1. `node_modules/<path>` beside the lockfile, when it holds the locked version: the files on
 *      disk (the package's own, not its nested node_modules);
 *   2. the npm cache (`_cacache/content-v2/<algo>/<hex>`), where npm keeps every tarball it
 *      fetched under its integrity hash: the sizes in the tar headers.
 * Neither found: the size is unknown, and the totals say how many are unknown.
 */
import { existsSync, readFileSync, readdirSync, lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LockPackage } from './lockfile.js';
import { tarballUnpackedSize } from './tarball-size.js';

/** A size and where it was read. */
export interface PackageSize {
  readonly bytes: number;
  readonly files: number;
  readonly source: 'node_modules' | 'npm-cache';
}

/** The npm cache folder npm itself would use: `npm_config_cache`, else `~/.npm`. */
export function defaultNpmCache(env: Readonly<Record<string, string | undefined>>): string {
  return env.npm_config_cache ?? env.NPM_CONFIG_CACHE ?? join(homedir(), '.npm');
}

function folderSize(dir: string, top: boolean): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Nested node_modules are other packages, sized on their own.
    if (top && entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(p, false);
      bytes += inner.bytes;
      files += inner.files;
    } else if (entry.isFile()) {
      bytes += lstatSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

/** Finds sizes for packages of one lockfile; each name@version is measured once. */
export class PackageSizes {
  readonly #projectDir: string | undefined;
  readonly #cacheDir: string | undefined;
  readonly #known = new Map<string, Promise<PackageSize | undefined>>();

  /**
   * @param projectDir folder holding the lockfile (its node_modules is looked at), or undefined to skip it.
   * @param npmCacheDir npm cache folder (holding `_cacache`), or undefined to skip it.
   */
  constructor(projectDir: string | undefined, npmCacheDir: string | undefined) {
    this.#projectDir = projectDir;
    this.#cacheDir = npmCacheDir;
  }

  /** The unpacked size of `pkg`, or undefined when neither source has it. */
  sizeOf(pkg: LockPackage): Promise<PackageSize | undefined> {
    const key = `${pkg.path}\0${pkg.name}@${pkg.version}\0${pkg.integrity ?? ''}`;
    let found = this.#known.get(key);
    if (found === undefined) {
      found = this.#find(pkg);
      this.#known.set(key, found);
    }
    return found;
  }

  async #find(pkg: LockPackage): Promise<PackageSize | undefined> {
    if (this.#projectDir !== undefined) {
      const dir = join(this.#projectDir, pkg.path);
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) {
        try {
          const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
          if (version === pkg.version) return { ...folderSize(dir, true), source: 'node_modules' };
        } catch {
          // An unreadable manifest: the folder is not the locked package; try the cache.
        }
      }
    }
    if (this.#cacheDir !== undefined && pkg.integrity !== undefined) {
      for (const tarball of cachePaths(this.#cacheDir, pkg.integrity)) {
        if (!existsSync(tarball)) continue;
        try {
          return { ...(await tarballUnpackedSize(tarball)), source: 'npm-cache' };
        } catch {
          // A truncated or foreign file in the cache: treat as absent.
        }
      }
    }
    return undefined;
  }
}

/** Where cacache keeps content with this integrity (one path per hash in the SRI string, strongest first). */
export function cachePaths(cacheDir: string, integrity: string): string[] {
  const order = ['sha512', 'sha384', 'sha256', 'sha1'];
  return integrity
    .split(/\s+/)
    .map((sri) => /^(sha\d+)-([A-Za-z0-9+/=]+)(\?.*)?$/.exec(sri))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => order.indexOf(a[1]) - order.indexOf(b[1]))
    .map((m) => {
      const hex = Buffer.from(m[2], 'base64').toString('hex');
      return join(cacheDir, '_cacache', 'content-v2', m[1], hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
    });
}
