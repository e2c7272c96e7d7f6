/**
 * Fixture packages with known import costs, written by the tests into a temporary project's
 * node_modules: what `leanredis cost` must find in them is known by construction.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;

/** JS that retains about `bytes` of V8 heap: one packed double array (8 bytes per element). */
export const retainHeap = (bytes: number): string => `Array.from({ length: ${bytes / 8} }, (_, i) => i + 0.5)`;

interface FixturePackage {
  readonly version?: string;
  readonly type?: 'module' | 'commonjs';
  readonly dependencies?: Record<string, string>;
  /** Files by path inside the package; index.js is the entry. */
  readonly files: Record<string, string>;
}

const PACKAGES: Record<string, FixturePackage> = {
  heap4: { files: { 'index.js': `module.exports = ${retainHeap(4 * MiB)};\n` } },
  buf8: { files: { 'index.js': 'module.exports = Buffer.alloc(8 * 1024 * 1024, 1);\n' } },
  files50: {
    files: {
      'index.js': `module.exports = [${Array.from({ length: 49 }, (_, i) => `require('./lib/f${i + 1}.js')`).join(', ')}];\n`,
      ...Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`lib/f${i + 1}.js`, `module.exports = function f${i + 1}() { return ${i + 1}; };\n`])),
    },
  },
  timer: { files: { 'index.js': 'setInterval(() => {}, 60_000);\nmodule.exports = 1;\n' } },
  'quiet-timer': { files: { 'index.js': 'setTimeout(() => {}, 60_000).unref();\nmodule.exports = 1;\n' } },
  server: { files: { 'index.js': "const server = require('node:net').createServer();\nserver.listen(0, '127.0.0.1');\nmodule.exports = server;\n" } },
  // A diamond: diamond -> a, b; a -> c; b -> c.
  diamond: { dependencies: { a: '1.0.0', b: '1.0.0' }, files: { 'index.js': `require('a');\nrequire('b');\nmodule.exports = ${retainHeap(MiB / 2)};\n` } },
  a: { dependencies: { c: '1.0.0' }, files: { 'index.js': `module.exports = [require('c'), ${retainHeap(MiB)}];\n` } },
  b: { dependencies: { c: '1.0.0' }, files: { 'index.js': `module.exports = [require('c'), ${retainHeap(2 * MiB)}];\n` } },
  c: { files: { 'index.js': `module.exports = ${retainHeap(4 * MiB)};\n` } },
  'esm-heap': { type: 'module', files: { 'index.js': `import { sep } from 'node:path';\nexport const data = ${retainHeap(2 * MiB)};\nexport { sep };\n` } },
  // Retains 1 MiB more at each import than at the one before (a counter in a file beside it):
  // its runs can never agree.
  jitter: {
    files: {
      'index.js': `const fs = require('node:fs');\nconst file = require('node:path').join(__dirname, 'count');\nconst n = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) + 1 : 1;\nfs.writeFileSync(file, String(n));\nmodule.exports = Array.from({ length: n * ${MiB / 8} }, (_, i) => i + 0.5);\n`,
    },
  },
  broken: { files: { 'index.js': "throw new Error('broken on purpose at import');\n" } },
};

/** Writes a project whose node_modules holds every fixture package; returns its folder. */
export function writeCostFixtures(): string {
  const project = mkdtempSync(join(tmpdir(), 'leanredis-cost-fixtures-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'cost-fixture-project', version: '1.0.0', private: true }));
  for (const [name, pkg] of Object.entries(PACKAGES)) {
    const dir = join(project, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: pkg.version ?? '1.0.0', type: pkg.type ?? 'commonjs', main: 'index.js', dependencies: pkg.dependencies }));
    for (const [file, text] of Object.entries(pkg.files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  }
  // A workspace package: its folder lives outside node_modules and node_modules holds a
  // symlink to it, as npm workspaces install it. Node loads its files by their real path.
  const linked = join(project, 'packages', 'linked');
  mkdirSync(linked, { recursive: true });
  writeFileSync(join(linked, 'package.json'), JSON.stringify({ name: 'linked', version: '2.0.0', type: 'commonjs', main: 'index.js', dependencies: { c: '1.0.0' } }));
  writeFileSync(join(linked, 'index.js'), `module.exports = [require('c'), ${retainHeap(MiB)}];\n`);
  symlinkSync(join('..', 'packages', 'linked'), join(project, 'node_modules', 'linked'), 'dir');
  return project;
}
