// Builds the published package: minified ESM, one file per entry point plus the chunks they
// share, and declaration files from tsc.
//
//   dist/index.js     what `import 'leanredis'` loads (with the chunk it shares with extras)
//   dist/extras.js    the command table (required synchronously by the first client), the
//                     decoder (first connection) and the pub/sub manager (first subscribe)
//   dist/diagnostics.js `leanredis/diagnostics` (a subpath: `leanredis` never loads it)
//
// extras.js is reached through the *-loader.ts files (table, decoder, pubsub), which import
// them statically in the sources (tests run there through tsx); here those loaders are
// replaced by a synchronous require() of the sibling file, so a process that only imports the
// package never reads it (about 60 KB less heap at import). Node >= 20.19 requires ESM synchronously; ESM loaded that way shares the
// module map with `import`, so the chunks (and error classes) exist once.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = process.env.LEANREDIS_OUTDIR ?? join(here, 'dist');

const LAZY = {
  'table-loader.ts': { file: './extras.js', fn: 'loadTable', member: 'buildTable', call: true },
  'pubsub-loader.ts': { file: './extras.js', fn: 'loadPubSub', member: 'PubSub', call: false },
  'decoder-loader.ts': { file: './extras.js', fn: 'loadDecoder', member: 'Decoder', call: false },
  // diagnostics reaches the public surface lazily (see src/diagnostics/core-loader.ts)
  'core-loader.ts': { file: './index.js', fn: 'loadCore', member: '', call: false },
  'stream-consumer-loader.ts': { file: './extras.js', fn: 'loadStreamConsumer', member: 'StreamConsumer', call: false },
};

const lazyLoaders = {
  name: 'lazy-loaders',
  setup(b) {
    b.onLoad({ filter: /[\\/](table|pubsub|decoder|core|stream-consumer)-loader\.ts$/ }, (args) => {
      const lazy = LAZY[args.path.split(/[\\/]/).pop()];
      const value = lazy.member === '' ? 'required' : `required.${lazy.member}${lazy.call ? '()' : ''}`;
      return {
        loader: 'js',
        contents: `
          let loaded;
          export function ${lazy.fn}() {
            if (loaded === undefined) {
              const required = process.getBuiltinModule('node:module').createRequire(import.meta.url)(${JSON.stringify(lazy.file)});
              loaded = ${value};
            }
            return loaded;
          }`,
      };
    });
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
  // readable stack traces back. Error names are set explicitly.
  minify: true,
  sourcemap: true,
  plugins: [lazyLoaders],
  logLevel: 'warning',
};
await build({ ...common, entryPoints: { index: 'src/index.ts', extras: 'src/extras.ts' }, chunkNames: 'chunk-[hash]' });
// Subpaths that reach the core only through its public entry (src/diagnostics/core-loader.ts)
// are bundled apart: sharing chunks with `leanredis` would split the core's chunks further (one
// more file and ~5 KB more heap for every `import 'leanredis'`). A package test checks that no
// core source is bundled into them (test/package/diagnostics-subpath.test.mjs).
await build({ ...common, entryPoints: { diagnostics: 'src/diagnostics/index.ts' }, chunkNames: 'subpath-[hash]' });
if (outdir === join(here, 'dist')) {
  const tsc = join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
}
