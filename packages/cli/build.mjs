// Builds the `leanredis` doctor into dist/: ESM for Node 20, not minified (stack traces point
// at readable lines; start-up time is dominated by what gets loaded, not by its size).
//
//   dist/bin.js            the executable: the registry and dispatch (src/index.ts) and nothing else
//   dist/chunk-*.js        one per command, imported when that command runs
//   dist/measure/*.js      programs run in child processes (the import probe, load generators):
//                          standalone, so a child loads nothing of the doctor it does not use
import { build } from 'esbuild';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'dist');
const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const measureDir = join(here, 'src', 'measure');
const measure = existsSync(measureDir) ? readdirSync(measureDir).filter((f) => f.endsWith('.ts')) : [];

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: here,
  entryPoints: [
    { in: 'src/bin.ts', out: 'bin' },
    ...measure.map((f) => ({ in: `src/measure/${f}`, out: `measure/${f.slice(0, -3)}` })),
  ],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: { __DOCTOR_VERSION__: JSON.stringify(version) },
  legalComments: 'none',
  sourcemap: true,
  logLevel: 'warning',
});
chmodSync(join(outdir, 'bin.js'), 0o755);
// The import probe loads one file of each kind before its baseline (see import-probe.ts).
if (measure.includes('import-probe.ts')) {
  writeFileSync(join(outdir, 'measure', 'warm-up.cjs'), 'module.exports = 1;\n');
  writeFileSync(join(outdir, 'measure', 'warm-up.mjs'), 'export default 1;\n');
}
