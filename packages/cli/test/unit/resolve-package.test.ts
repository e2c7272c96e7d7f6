/**
 * `leanredis cost` resolves packages the way Node does. Node itself is the oracle: for each
 * specifier, require.resolve and import.meta.resolve run in a child process in the same
 * project must name the file resolvePackage picks for CommonJS and for ESM.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileFormat, resolvePackage } from '../../src/cost/resolve-package.ts';
import { PackageOfFile } from '../../src/cost/package-of-file.ts';
import { CliError } from '../../src/cli-error.ts';

let project: string;
const files: Record<string, string> = {
  'dual/package.json': JSON.stringify({
    name: 'dual',
    version: '2.0.0',
    exports: {
      '.': { import: './esm/index.mjs', require: './cjs/index.cjs' },
      './feature/*': { import: './esm/f/*.mjs', require: './cjs/f/*.cjs' },
      './feature/internal/*': null,
      './package.json': './package.json',
    },
  }),
  'dual/esm/index.mjs': 'export default 1;',
  'dual/cjs/index.cjs': 'module.exports = 1;',
  'dual/esm/f/x.mjs': 'export default 1;',
  'dual/cjs/f/x.cjs': 'module.exports = 1;',
  'legacy/package.json': JSON.stringify({ name: 'legacy', version: '0.1.0', main: 'lib/main' }),
  'legacy/lib/main.js': 'module.exports = 1;',
  'legacy/other.js': 'module.exports = 2;',
  'esm-only/package.json': JSON.stringify({ name: 'esm-only', version: '1.0.0', type: 'module', exports: './index.js' }),
  'esm-only/index.js': 'export default 1;',
  'nested/package.json': JSON.stringify({ name: 'nested', version: '1.0.0', exports: { '.': { node: { import: './a.mjs', default: './b.cjs' }, default: './c.cjs' } } }),
  'nested/a.mjs': 'export default 1;',
  'nested/b.cjs': 'module.exports = 1;',
  'nested/c.cjs': 'module.exports = 1;',
  'sync/package.json': JSON.stringify({ name: 'sync', version: '1.0.0', exports: { 'module-sync': './sync.mjs', default: './legacy.cjs' } }),
  'sync/sync.mjs': 'export default 1;',
  'sync/legacy.cjs': 'module.exports = 1;',
  '@scope/pkg/package.json': JSON.stringify({ name: '@scope/pkg', version: '3.0.0' }),
  '@scope/pkg/index.js': 'module.exports = 1;',
  // A nested package.json (declaring a type) inside a package: files still belong to it.
  '@scope/pkg/lib/package.json': JSON.stringify({ name: 'liar', version: '9.9.9', type: 'module' }),
  '@scope/pkg/lib/x.js': 'export default 1;',
};

before(() => {
  project = mkdtempSync(join(tmpdir(), 'leanredis-resolve-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'resolve-project', private: true }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, 'node_modules', file)), { recursive: true });
    writeFileSync(join(project, 'node_modules', file), text);
  }
});
after(() => rmSync(project, { recursive: true, force: true }));

function nodeResolves(spec: string): { require: string | null; import: string | null } {
  const script = `
    import { createRequire } from 'node:module';
    import { fileURLToPath } from 'node:url';
    const require = createRequire(process.cwd() + '/x.js');
    const out = {};
    try { out.require = require.resolve(${JSON.stringify(spec)}); } catch { out.require = null; }
    try { out.import = fileURLToPath(import.meta.resolve(${JSON.stringify(spec)})); } catch { out.import = null; }
    console.log(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' }));
}

test('each specifier resolves to the file Node resolves, for require() and for import()', () => {
  for (const spec of ['dual', 'dual/feature/x', 'dual/package.json', 'legacy', 'legacy/other', 'esm-only', 'nested', 'sync', '@scope/pkg']) {
    const node = nodeResolves(spec);
    const cjs = (() => {
      try {
        return resolvePackage(spec, project, 'cjs').entry;
      } catch {
        return null;
      }
    })();
    assert.equal(cjs, node.require, `${spec} by require()`);
    if (node.import !== null && !existsSync(node.import)) {
      // import.meta.resolve names a file import() would not find: resolvePackage refuses it.
      assert.throws(() => resolvePackage(spec, project, 'esm'), /adds no extension/, spec);
      continue;
    }
    assert.equal(resolvePackage(spec, project, 'esm').entry, node.import, `${spec} by import()`);
  }
});

test('auto mode loads a package as its users would: ESM when its import entry is ESM', () => {
  assert.deepEqual(pick(resolvePackage('dual', project, 'auto')), { format: 'module', entry: 'node_modules/dual/esm/index.mjs', name: 'dual', version: '2.0.0' });
  assert.deepEqual(pick(resolvePackage('legacy', project, 'auto')), { format: 'commonjs', entry: 'node_modules/legacy/lib/main.js', name: 'legacy', version: '0.1.0' });
  assert.deepEqual(pick(resolvePackage('esm-only', project, 'auto')), { format: 'module', entry: 'node_modules/esm-only/index.js', name: 'esm-only', version: '1.0.0' });
  // import() cannot load legacy/other (no extension search on subpaths); require() can.
  assert.deepEqual(pick(resolvePackage('legacy/other', project, 'auto')), { format: 'commonjs', entry: 'node_modules/legacy/other.js', name: 'legacy', version: '0.1.0' });
  assert.equal(resolvePackage('./node_modules/legacy', project, 'auto').entry, join(project, 'node_modules/legacy/lib/main.js'));
  assert.equal(resolvePackage(join(project, 'node_modules/legacy/other.js'), project, 'auto').name, 'legacy');
});

function pick(r: { format: string; entry: string; name: string; version: string }) {
  return { format: r.format, entry: r.entry.slice(project.length + 1), name: r.name, version: r.version };
}

test('what is not there or not exported is a CliError naming it (exit 3)', () => {
  const fails = (spec: string, re: RegExp) =>
    assert.throws(
      () => resolvePackage(spec, project, 'auto'),
      (err: unknown) => err instanceof CliError && err.exitCode === 3 && re.test(err.message),
      spec,
    );
  fails('nope', /nope is not installed/);
  fails('dual/feature/internal/y', /is not exported/);
  fails('dual/missing', /is not exported/);
  fails('./nowhere', /no such file or folder/);
});

test('files map to the package folder after the last node_modules, whatever nested package.json says', () => {
  const owners = new PackageOfFile();
  const id = owners.of(join(project, 'node_modules/@scope/pkg/lib/x.js'))!;
  assert.deepEqual({ name: id.name, version: id.version }, { name: '@scope/pkg', version: '3.0.0' });
  assert.equal(fileFormat(join(project, 'node_modules/@scope/pkg/lib/x.js')), 'module');
  assert.equal(owners.of(join(project, 'node_modules/dual/esm/f/x.mjs'))!.name, 'dual');
  assert.equal(owners.of(fileURLToPath(import.meta.url))!.name, 'leanredis-doctor');
});
