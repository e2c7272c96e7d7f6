// Builds the published package: minified ESM, one file per entry point plus the chunks they
// share, and declaration files from tsc.
//
//   dist/index.js     what `import 'leanredis'` loads (with the chunk it shares with extras)
//   dist/extras.js    the command table (required synchronously by the first client), the
//                     decoder (first connection) and the pub/sub manager (first subscribe)
//   dist/diagnostics.js `leanredis/diagnostics` (a subpath: `leanredis` never loads it)
//   dist/compat-*.js  `leanredis/compat/node-redis` and `leanredis/compat/ioredis` (subpaths too)
//   dist/sentinel.js  `leanredis/sentinel` (a subpath over the public entry, ./index.js)
//   dist/otel.js      `leanredis/otel` (a subpath too)
//   dist/cluster.js   `leanredis/cluster` (likewise)
//
// extras.js is reached through the *-loader.ts files (table, decoder, pubsub, stream consumer),
// which import them statically in the sources (tests run there through tsx); here those
// loaders are replaced by a synchronous require() of the sibling file, so a process that only
// imports the package never reads it (about 60 KB less heap at import). Node >= 20.19 requires
// ESM synchronously; ESM loaded that way shares the module map with `import`, so the chunks
// (and error classes) exist once.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = process.env.LEANREDIS_OUTDIR ?? join(here, 'dist');

// One loader mechanism for every lazily loaded bundle. A `src/**/*-loader.ts` file is a seam of
// one shape: it imports one name (or `* as name`) and exports one function returning it (or
// calling it). In the sources that is a plain static import; here the file becomes a
// synchronous require() of the bundle holding the name, made on the function's first call:
// dist/extras.js for what src/extras.ts exports, dist/index.js for the public surface (the
// diagnostics subpath's core-loader.ts). A loader of another shape, or of a name extras.ts does
// not export, fails the build: a drifted loader must not silently bundle extras into index.js
// (test/package/extras-split.test.mjs checks the output too).
const EXTRAS_EXPORTS = new Set([...readFileSync(join(here, 'src', 'extras.ts'), 'utf8').matchAll(/^export \{ (\w+) \} from '[^']+';$/gm)].map((m) => m[1]));

function loaderContents(path, source) {
  const imported = /^import (?:\{ (\w+)(?:, type \w+)* \}|\* as (\w+)) from '([^']+)';$/m.exec(source);
  const exported = /^export function (\w+)\(\)[^{]*\{\s*return (\w+)(\(\))?;\s*\}$/m.exec(source);
  const name = imported?.[1] ?? imported?.[2];
  if (imported === null || exported === null || exported[2] !== name) {
    throw new Error(`${path}: a *-loader.ts file imports one name and exports one function that returns it (or its call); see build.mjs`);
  }
  const isSurface = imported[3].endsWith('/index.js');
  if (!isSurface && !EXTRAS_EXPORTS.has(name)) throw new Error(`${path}: ${name} is not exported by src/extras.ts, so dist/extras.js would not have it`);
  const value = imported[2] !== undefined ? 'required' : `required.${name}${exported[3] ?? ''}`;
  return `
    let loaded;
    export function ${exported[1]}() {
      if (loaded === undefined) {
        const required = process.getBuiltinModule('node:module').createRequire(import.meta.url)(${JSON.stringify(isSurface ? './index.js' : './extras.js')});
        loaded = ${value};
      }
      return loaded;
    }`;
}

const lazyLoaders = {
  name: 'lazy-loaders',
  setup(b) {
    // LEANREDIS_STATIC_LOADERS=1 builds without the seams (extras bundled into index.js): only
    // for the package test that proves it would notice.
    if (process.env.LEANREDIS_STATIC_LOADERS === '1') return;
    b.onLoad({ filter: /-loader\.ts$/ }, (args) => ({ loader: 'js', contents: loaderContents(args.path, readFileSync(args.path, 'utf8')) }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const common = {
  absWorkingDir: here,
  outdir,
  bundle: true,
  splitting: true, // code shared by the entry points lives in chunks, loaded once
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  // Minified because V8 keeps a module's source text (and a record per function) in the heap;
  // TSDoc lives in the .d.ts files, and the source maps (read with --enable-source-maps) give
  // readable stack traces back. Error names are set explicitly. LEANREDIS_MINIFY=0 builds
  // unminified, for heap snapshots whose functions and classes should read by name
  // (docs/RELIABILITY.md, the leak soak's censuses); never for the package.
  minify: process.env.LEANREDIS_MINIFY !== '0',
  // Short lines: an uncaught error prints the line it was thrown from, and a 50 KB line made
  // that ~19 KB of terminal (identifiers stay minified; the newlines cost next to nothing).
  lineLimit: 200,
  // The maps carry the sources' text: the package does not ship src/, and a debugger or
  // --enable-source-maps shows the TypeScript from the map alone.
  sourcemap: true,
  sourcesContent: true,
  plugins: [lazyLoaders],
  logLevel: 'warning',
};
await build({ ...common, entryPoints: { index: 'src/index.ts', extras: 'src/extras.ts' }, chunkNames: 'chunk-[hash]' });
// Subpaths that reach the core only through its public entry (src/diagnostics/core-loader.ts)
// are bundled apart: sharing chunks with `leanredis` would split the core's chunks further (one
// more file and ~5 KB more heap for every `import 'leanredis'`). A package test checks that no
// core source is bundled into them (test/package/diagnostics-subpath.test.mjs).
await build({ ...common, entryPoints: { diagnostics: 'src/diagnostics/index.ts' }, chunkNames: 'subpath-[hash]' });
// leanredis/sentinel is built over the public surface: its imports of src/index.ts stay an
// import of ./index.js (the same module `import 'leanredis'` loads, so one Client class and one
// set of error classes), and `leanredis` itself neither loads nor bundles any of it.
const surfaceExternal = {
  name: 'surface-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, () => ({ path: './index.js', external: true }));
  },
};
await build({ ...common, plugins: [lazyLoaders, surfaceExternal], entryPoints: { sentinel: 'src/sentinel/index.ts' }, chunkNames: 'sentinel-[hash]' });
// leanredis/otel: bundled apart like leanredis/diagnostics (test/package/otel-subpath.test.mjs); it reads the channels by
// name through node:diagnostics_channel and loads @opentelemetry/api (an optional peer) only when
// instrument() needs a global provider.
await build({ ...common, entryPoints: { otel: 'src/otel/index.ts' }, chunkNames: 'otel-[hash]' });
// leanredis/cluster likewise over the public surface: a static import of ./index.js (it needs the
// core when it loads: its client extends the core's command surface; a require() of it would
// load node:module's CJS loader, ~260 KB of heap).
await build({ ...common, plugins: [lazyLoaders, surfaceExternal], entryPoints: { cluster: 'src/cluster.ts' }, chunkNames: 'cluster-[hash]' });
// leanredis/compat/node-redis and leanredis/compat/ioredis (issue 10): adapters over the public
// surface, the same way as leanredis/sentinel; `leanredis` loads none of them.
await build({
  ...common,
  plugins: [lazyLoaders, surfaceExternal],
  entryPoints: { 'compat-node-redis': 'src/compat/node-redis.ts', 'compat-ioredis': 'src/compat/ioredis.ts' },
  chunkNames: 'compat-[hash]',
});
if (outdir === join(here, 'dist')) {
  const tsc = join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
}
