/**
 * Which package a loaded file belongs to. Under node_modules it is the folder after the LAST
 * `node_modules/` (one segment, or two for a @scope), and the version is that folder's
 * package.json: a nested package.json (a `lib/package.json` declaring `type`) can carry
 * another name or version. Elsewhere (a workspace, the project itself) the nearest
 * package.json that has a name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** A package as the cost report names it. */
export interface PackageId {
  readonly name: string;
  readonly version: string;
  /** Its root folder. */
  readonly dir: string;
}

const NM = `${sep}node_modules${sep}`;

/** Maps files to packages, reading each package.json once. */
export class PackageOfFile {
  readonly #byDir = new Map<string, PackageId | null>();

  #manifest(dir: string): { name?: unknown; version?: unknown } | undefined {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    } catch {
      return undefined;
    }
  }

  #at(dir: string, nameFallback: string | undefined): PackageId | null {
    let id = this.#byDir.get(dir);
    if (id === undefined) {
      const m = this.#manifest(dir);
      const name = typeof m?.name === 'string' ? m.name : nameFallback;
      id = name === undefined ? null : { name, version: typeof m?.version === 'string' ? m.version : '', dir };
      this.#byDir.set(dir, id);
    }
    return id;
  }

  /** The package of `file`, or undefined when no package.json with a name is above it. */
  of(file: string): PackageId | undefined {
    const at = file.lastIndexOf(NM);
    if (at !== -1) {
      const rest = file.slice(at + NM.length).split(sep);
      const segments = rest[0].startsWith('@') ? 2 : 1;
      const name = rest.slice(0, segments).join('/');
      const dir = file.slice(0, at + NM.length) + rest.slice(0, segments).join(sep);
      return this.#at(dir, name) ?? undefined;
    }
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      const id = this.#at(dir, undefined);
      if (id !== null) return id;
      if (dirname(dir) === dir) return undefined;
    }
  }
}
