/**
 * Finds what `import '<spec>'` or `require('<spec>')` loads from a project, the way Node does
 * (node_modules walked upward, the `exports` map with its conditions and `*` patterns, else
 * `main` and index files), and whether the package declares itself ESM or CommonJS. The probe
 * then loads that absolute file: the cost is the same, and no file is written into the
 * project to resolve from.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { CliError } from '../cli-error.js';

/** How the entry is loaded: `module` by import(), `commonjs` by require(). */
export type LoadFormat = 'module' | 'commonjs';

/** A resolved package entry. */
export interface ResolvedEntry {
  /** The argument as given. */
  readonly spec: string;
  readonly name: string;
  readonly version: string;
  /** Folder holding its package.json. */
  readonly packageDir: string;
  /** Absolute path of the file loaded. */
  readonly entry: string;
  readonly format: LoadFormat;
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  type?: unknown;
  main?: unknown;
  exports?: unknown;
}

function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** The format Node gives a file: by extension, else the nearest package.json's `type`. */
export function fileFormat(file: string): LoadFormat | 'json' | 'addon' {
  if (file.endsWith('.mjs')) return 'module';
  if (file.endsWith('.cjs')) return 'commonjs';
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.node')) return 'addon';
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const m = readManifest(dir);
    if (m !== undefined) return m.type === 'module' ? 'module' : 'commonjs';
    if (dirname(dir) === dir) return 'commonjs';
  }
}

// CommonJS file resolution: exact, with an extension, or a folder's main/index.
function resolveFile(base: string): string | undefined {
  for (const candidate of [base, `${base}.js`, `${base}.json`, `${base}.node`]) if (isFile(candidate)) return candidate;
  if (existsSync(base) && statSync(base).isDirectory()) {
    const m = readManifest(base);
    if (typeof m?.main === 'string') {
      const main = resolveFile(join(base, m.main));
      if (main !== undefined) return main;
    }
    for (const index of ['index.js', 'index.json', 'index.node']) if (isFile(join(base, index))) return join(base, index);
  }
  return undefined;
}

type Target = string | null | Target[] | { [condition: string]: Target };

function resolveTarget(pkgDir: string, target: Target, match: string | undefined, conditions: readonly string[]): string | null | undefined {
  if (typeof target === 'string') {
    if (!target.startsWith('./')) return undefined;
    return join(pkgDir, match === undefined ? target : target.replaceAll('*', match));
  }
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveTarget(pkgDir, t, match, conditions);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (target === null) return null;
  if (typeof target === 'object') {
    // Conditions are tried in the object's key order; the first one that applies wins.
    for (const [condition, value] of Object.entries(target)) {
      if (condition !== 'default' && !conditions.includes(condition)) continue;
      const r = resolveTarget(pkgDir, value, match, conditions);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

/** Resolves `subpath` (`.` or `./x`) through an `exports` field; null when it is not exported. */
export function resolveExports(pkgDir: string, exports: unknown, subpath: string, conditions: readonly string[]): string | null {
  const isSubpathMap = exports !== null && typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  const map = (isSubpathMap ? exports : { '.': exports }) as Record<string, Target>;
  if (Object.hasOwn(map, subpath) && !subpath.includes('*')) return resolveTarget(pkgDir, map[subpath], undefined, conditions) ?? null;
  // Pattern keys ("./features/*.js"): the longest prefix before the star wins, as Node orders them.
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star === -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (!subpath.startsWith(prefix) || subpath === prefix || !subpath.endsWith(suffix) || subpath.length < key.length) continue;
    if (best === undefined || prefix.length > best.key.indexOf('*') || (prefix.length === best.key.indexOf('*') && key.length > best.key.length)) {
      best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  if (best === undefined) return null;
  return resolveTarget(pkgDir, map[best.key], best.match, conditions) ?? null;
}

function splitSpec(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  if (parts.length < n || parts.slice(0, n).some((p) => p === '')) throw new CliError('ERR_CLI_USAGE', `"${spec}" is not a package name`);
  return { name: parts.slice(0, n).join('/'), subpath: parts.length > n ? `./${parts.slice(n).join('/')}` : '.' };
}

function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    // A package may import itself by name (self-reference) when it has exports.
    const own = readManifest(dir);
    if (own?.name === name && own.exports !== undefined) return dir;
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const ESM_CONDITIONS = ['node', 'import', 'module-sync'];
const CJS_CONDITIONS = ['node', 'require', 'module-sync'];

function resolveIn(pkgDir: string, manifest: Manifest, subpath: string, conditions: readonly string[], spec: string): string {
  const isEsm = conditions.includes('import');
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const file = resolveExports(pkgDir, manifest.exports, subpath, conditions);
    if (file === null) throw new CliError('ERR_CLI_NOT_FOUND', `${spec}: "${subpath}" is not exported by ${join(pkgDir, 'package.json')} under the conditions ${conditions.join(', ')}`);
    if (!isFile(file)) throw new CliError('ERR_CLI_NOT_FOUND', `${spec}: its exports point at ${file}, which does not exist`);
    return file;
  }
  // import() searches extensions only for a package's main entry, never for a subpath.
  if (isEsm && subpath !== '.') {
    const exact = join(pkgDir, subpath);
    if (!isFile(exact)) throw new CliError('ERR_CLI_NOT_FOUND', `${spec}: ${exact} does not exist (import() adds no extension to a subpath)`);
    return exact;
  }
  const file = resolveFile(subpath === '.' ? pkgDir : join(pkgDir, subpath));
  if (file === undefined) throw new CliError('ERR_CLI_NOT_FOUND', `${spec}: no entry file in ${pkgDir} (no exports, main or index.js)`);
  return file;
}

/**
 * Resolves `spec` (a package name, `name/subpath`, or a path to a package folder or file)
 * from `cwd`. `mode` auto loads it as ESM when its import entry is ESM, else by require().
 */
export function resolvePackage(spec: string, cwd: string, mode: 'auto' | 'esm' | 'cjs'): ResolvedEntry {
  let pkgDir: string;
  let subpath = '.';
  let explicitFile: string | undefined;
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(cwd, spec);
    if (!existsSync(path)) throw new CliError('ERR_CLI_NOT_FOUND', `${spec}: no such file or folder`);
    if (statSync(path).isDirectory()) pkgDir = path;
    else {
      explicitFile = path;
      let dir = dirname(path);
      while (readManifest(dir) === undefined && dirname(dir) !== dir) dir = dirname(dir);
      pkgDir = dir;
    }
  } else {
    const { name, subpath: sub } = splitSpec(spec);
    const found = findPackageDir(name, cwd);
    if (found === undefined) throw new CliError('ERR_CLI_NOT_FOUND', `${name} is not installed in ${cwd} or above it (no node_modules/${name}); install it first`);
    pkgDir = found;
    subpath = sub;
  }
  const manifest = readManifest(pkgDir) ?? {};
  const name = typeof manifest.name === 'string' ? manifest.name : pkgDir.split(sep).pop()!;
  const version = typeof manifest.version === 'string' ? manifest.version : '';
  const pick = (conditions: readonly string[]) => explicitFile ?? resolveIn(pkgDir, manifest, subpath, conditions, spec);
  let entry: string;
  let format: LoadFormat;
  if (mode === 'cjs') [entry, format] = [pick(CJS_CONDITIONS), 'commonjs'];
  else if (mode === 'esm') [entry, format] = [pick(ESM_CONDITIONS), 'module'];
  else {
    // What an ESM user cannot import, a CommonJS user may still require.
    let esm: string | undefined;
    try {
      esm = pick(ESM_CONDITIONS);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
    }
    if (esm !== undefined && fileFormat(esm) === 'module') [entry, format] = [esm, 'module'];
    else [entry, format] = [pick(CJS_CONDITIONS), 'commonjs'];
  }
  return { spec, name, version, packageDir: pkgDir, entry, format };
}
