/**
 * The `leanredis/otel` subpath as a consumer of the BUILT package sees it: its own entry in the
 * exports map; importing `leanredis` loads none of its files (module graph of a fresh process,
 * and the sources each loaded file was bundled from); importing it loads one file, no built-in
 * module and no @opentelemetry package, starts nothing; it bundles only src/otel (the core is
 * reached through the public entry, the channels by name); `@opentelemetry/api` is an optional
 * peer; unknown options are refused with the core's ArgumentError.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_DIR, PACKAGE_JSON, ensureBuilt } from './built-package.mjs';

const DIST = join(PACKAGE_DIR, 'dist');
const OTEL_SRC = join(PACKAGE_DIR, 'src', 'otel');
const OTEL_EXPORTS = ['instrument', 'Instrumentation', 'createDurationProducer', 'DurationProducer'];

before(async () => {
  await ensureBuilt();
});

function probe(...specs) {
  const r = spawnSync(process.execPath, [join(PACKAGE_DIR, 'test', 'package', 'loaded-files-probe.mjs'), ...specs], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warnings');
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

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

test('package.json maps ./otel to dist/otel.js with its types first; @opentelemetry/api is an optional peer', () => {
  const entry = PACKAGE_JSON.exports['./otel'];
  assert.deepEqual(entry, { types: './dist/types/otel/index.d.ts', default: './dist/otel.js' });
  for (const target of Object.values(entry)) assert.ok(existsSync(join(PACKAGE_DIR, target)), `${target} exists`);
  assert.equal(import.meta.resolve('leanredis/otel'), pathToFileURL(join(DIST, 'otel.js')).href);
  assert.ok(PACKAGE_JSON.peerDependencies['@opentelemetry/api']);
  assert.equal(PACKAGE_JSON.peerDependenciesMeta['@opentelemetry/api'].optional, true);
  assert.equal(PACKAGE_JSON.dependencies, undefined, 'still zero runtime dependencies');
});

test("importing 'leanredis' loads no otel file, nor any file bundled from src/otel", () => {
  const { files } = probe('leanredis');
  assert.ok(files.includes(join(DIST, 'index.js')));
  assert.ok(!files.some((f) => basename(f).startsWith('otel')), `leanredis loaded ${files.join(', ')}`);
  for (const file of files) assert.deepEqual(sourcesOf(file).filter((s) => s.startsWith(OTEL_SRC)), [], `${basename(file)} holds otel code`);
});

test("importing 'leanredis/otel' loads one file, no built-in module and no @opentelemetry package", () => {
  const r = probe('leanredis/otel');
  assert.deepEqual(r.files, [join(DIST, 'otel.js')], 'neither the core nor @opentelemetry/api until needed');
  assert.deepEqual(r.builtins, [], 'no built-in module at import');
  assert.deepEqual(added(r.before, r.resourcesAfterImport), [], 'no resource right after the import');
  assert.deepEqual(added(r.before, r.resourcesAfterTurn), [], 'no resource a macrotask later');
});

test('dist/otel.js is bundled only from src/otel and requires the core from the sibling entry', () => {
  const js = join(DIST, 'otel.js');
  assert.deepEqual(sourcesOf(js).filter((s) => !s.startsWith(OTEL_SRC)), []);
  const text = readFileSync(js, 'utf8');
  assert.match(text, /\("\.\/index\.js"\)/, 'the core is required from the sibling entry');
  assert.doesNotMatch(text, /from\s*"@opentelemetry/, 'no static import of the OpenTelemetry API');
});

test('the subpath exposes instrument, in ESM and through require(); unknown options throw the core ArgumentError', () => {
  const script = `
    const names = JSON.parse(process.argv[1]);
    const otel = await import('leanredis/otel');
    const core = await import('leanredis');
    const required = process.getBuiltinModule('node:module').createRequire(process.cwd() + '/')('leanredis/otel');
    let thrown;
    try { otel.instrument({ tracerProvider: { getTracer() {} }, metrics: false, bogus: 1 }); } catch (err) { thrown = err; }
    console.log(JSON.stringify({
      keys: Object.keys(otel).sort(),
      sameAsRequired: names.every((n) => required[n] === otel[n]),
      code: thrown?.code,
      message: thrown?.message,
      isCoreClass: thrown?.constructor === core.ArgumentError,
    }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(OTEL_EXPORTS)], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.keys, [...OTEL_EXPORTS].sort(), 'no undocumented export');
  assert.equal(out.sameAsRequired, true);
  assert.equal(out.code, 'ERR_INVALID_OPTION');
  assert.match(out.message, /unknown option "bogus"/);
  assert.equal(out.isCoreClass, true);
  const dts = readFileSync(join(DIST, 'types', 'otel', 'index.d.ts'), 'utf8');
  for (const name of [...OTEL_EXPORTS, 'InstrumentOptions']) assert.match(dts, new RegExp(`\\b${name}\\b`));
});
