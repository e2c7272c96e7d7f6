/**
 * The `leanredis/diagnostics` subpath as a consumer of the BUILT package sees it: its own entry
 * in the exports map; importing `leanredis` loads none of its files (checked on the module
 * graph a fresh process loads, and on the sources each loaded file was bundled from); importing
 * it starts no timer, opens no handle and loads no built-in module; it bundles no core source
 * (it reaches the core only through the public entry), so its errors are the core's classes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIAGNOSTICS_EXPORTS, PACKAGE_DIR, PACKAGE_JSON, ensureBuilt } from './built-package.mjs';

const DIST = join(PACKAGE_DIR, 'dist');
const DIAGNOSTICS_SRC = join(PACKAGE_DIR, 'src', 'diagnostics');

before(async () => {
  await ensureBuilt();
});

/** Runs loaded-files-probe.mjs on the specifiers in a fresh plain-Node process. */
function probe(...specs) {
  const r = spawnSync(process.execPath, [join(PACKAGE_DIR, 'test', 'package', 'loaded-files-probe.mjs'), ...specs], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warnings');
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Absolute paths of the sources a built file was bundled from (its source map). */
function sourcesOf(file) {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  return map.sources.map((s) => resolve(dirname(file), map.sourceRoot ?? '', s));
}

/** Resources present after that were not present before (counted by type). */
function added(before, after) {
  const left = [...before];
  return after.filter((type) => {
    const i = left.indexOf(type);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

test('package.json maps ./diagnostics to dist/diagnostics.js with its types first', () => {
  const entry = PACKAGE_JSON.exports['./diagnostics'];
  assert.deepEqual(Object.keys(entry), ['types', 'default'], 'the types condition must come first');
  assert.deepEqual(entry, { types: './dist/types/diagnostics/index.d.ts', default: './dist/diagnostics.js' });
  for (const target of Object.values(entry)) assert.ok(existsSync(join(PACKAGE_DIR, target)), `${target} exists`);
  assert.equal(import.meta.resolve('leanredis/diagnostics'), pathToFileURL(join(DIST, 'diagnostics.js')).href);
});

test("importing 'leanredis' loads no diagnostics file, nor any file bundled from src/diagnostics", () => {
  const { files } = probe('leanredis');
  assert.ok(files.includes(join(DIST, 'index.js')), `the probe saw the core load: ${files.join(', ')}`);
  assert.ok(!files.some((f) => basename(f).startsWith('diagnostics')), `leanredis loaded ${files.join(', ')}`);
  for (const file of files) {
    const fromDiagnostics = sourcesOf(file).filter((s) => s.startsWith(DIAGNOSTICS_SRC));
    assert.deepEqual(fromDiagnostics, [], `${basename(file)} holds diagnostics code`);
  }
});

test("importing 'leanredis/diagnostics' starts no timer, opens no handle and loads no built-in module", () => {
  const r = probe('leanredis/diagnostics');
  assert.deepEqual(r.files, [join(DIST, 'diagnostics.js')], 'one file, the core untouched until needed');
  assert.deepEqual(added(r.before, r.resourcesAfterImport), [], 'no resource right after the import');
  assert.deepEqual(added(r.before, r.resourcesAfterTurn), [], 'no resource a macrotask later');
  assert.deepEqual(r.builtins, [], 'no built-in module (node:inspector, async_hooks...) at import');
});

test('dist/diagnostics.js is bundled only from src/diagnostics: it reaches the core through the public entry', () => {
  const js = join(DIST, 'diagnostics.js');
  const foreign = sourcesOf(js).filter((s) => !s.startsWith(DIAGNOSTICS_SRC));
  assert.deepEqual(foreign, [], 'core sources bundled into the subpath would be a second copy of them');
  assert.match(readFileSync(js, 'utf8'), /\("\.\/index\.js"\)/, 'the core is required from the sibling entry');
});

test('the subpath exposes its functions, in ESM and through require(), and throws the core ArgumentError', () => {
  const script = `
    const names = JSON.parse(process.argv[1]);
    const diagnostics = await import('leanredis/diagnostics');
    const core = await import('leanredis');
    const required = process.getBuiltinModule('node:module').createRequire(process.cwd() + '/')('leanredis/diagnostics');
    let thrown;
    try { await diagnostics.healthCheck({}, { timeoutMs: 100, bogus: 1 }); } catch (err) { thrown = err; }
    console.log(JSON.stringify({
      missing: names.filter((n) => typeof diagnostics[n] !== 'function'),
      sameAsRequired: names.every((n) => required[n] === diagnostics[n]),
      keys: Object.keys(diagnostics).sort(),
      code: thrown?.code,
      message: thrown?.message,
      isCoreClass: thrown?.constructor === core.ArgumentError,
    }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(DIAGNOSTICS_EXPORTS)], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.missing, []);
  assert.equal(out.sameAsRequired, true, 'require() and import() give the same functions');
  assert.deepEqual(out.keys, [...DIAGNOSTICS_EXPORTS].sort(), 'no undocumented export');
  assert.equal(out.code, 'ERR_INVALID_OPTION');
  assert.match(out.message, /unknown option "bogus"/);
  assert.equal(out.isCoreClass, true, 'the same ArgumentError class as leanredis exports');
});

test('the subpath declarations name every export', () => {
  const dts = readFileSync(join(DIST, 'types', 'diagnostics', 'index.d.ts'), 'utf8');
  for (const name of DIAGNOSTICS_EXPORTS) assert.match(dts, new RegExp(`\\b${name}\\b`), `index.d.ts mentions ${name}`);
});
