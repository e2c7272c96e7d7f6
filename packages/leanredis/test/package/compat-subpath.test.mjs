/**
 * The compat subpaths as a consumer of the BUILT package sees them: `leanredis/compat/node-redis`
 * and `leanredis/compat/ioredis` have their own entries in the exports map; importing `leanredis`
 * loads none of their files; they bundle no core source (they reach it through the public entry,
 * so their errors are the core's classes); and a client wrapped by an adapter costs at most 1 KB
 * more heap than the bare client (issue 10), measured in a fresh process.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_DIR, PACKAGE_JSON, ensureBuilt } from './built-package.mjs';

const DIST = join(PACKAGE_DIR, 'dist');
const COMPAT_SRC = join(PACKAGE_DIR, 'src', 'compat');
const SUBPATHS = { './compat/node-redis': ['compat-node-redis.js', 'toNodeRedis'], './compat/ioredis': ['compat-ioredis.js', 'toIORedis'] };

before(async () => {
  await ensureBuilt();
});

function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function sourcesOf(file) {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  return map.sources.map((s) => resolve(dirname(file), map.sourceRoot ?? '', s));
}

test('package.json maps each compat subpath to its own file, types first', async () => {
  for (const [subpath, [file, name]] of Object.entries(SUBPATHS)) {
    const entry = PACKAGE_JSON.exports[subpath];
    assert.deepEqual(Object.keys(entry), ['types', 'default'], `${subpath}: the types condition must come first`);
    for (const target of Object.values(entry)) assert.ok(existsSync(join(PACKAGE_DIR, target)), `${target} exists`);
    const spec = `leanredis${subpath.slice(1)}`;
    assert.equal(import.meta.resolve(spec), pathToFileURL(join(DIST, file)).href);
    assert.equal(typeof (await import(spec))[name], 'function', `${spec} exports ${name}`);
  }
});

test("importing 'leanredis' loads no compat file, nor any file bundled from src/compat", () => {
  const { files } = run([join(PACKAGE_DIR, 'test', 'package', 'loaded-files-probe.mjs'), 'leanredis']);
  assert.ok(files.includes(join(DIST, 'index.js')));
  for (const file of files) {
    assert.ok(!basename(file).startsWith('compat'), `leanredis loaded ${basename(file)}`);
    assert.deepEqual(sourcesOf(file).filter((s) => s.startsWith(COMPAT_SRC)), [], `${basename(file)} holds compat code`);
  }
});

test('the compat bundles hold only src/compat code: the core is imported from the sibling entry', () => {
  for (const [file] of Object.values(SUBPATHS)) {
    const js = join(DIST, file);
    assert.deepEqual(sourcesOf(js).filter((s) => !s.startsWith(COMPAT_SRC)), [], `${file} bundles core sources`);
  }
  const shared = readFileSync(join(DIST, 'compat-node-redis.js'), 'utf8') + readFileSync(join(DIST, 'compat-ioredis.js'), 'utf8');
  assert.match(shared, /from"\.\/(index|compat-[A-Z0-9]+)\.js"/, 'the bundles import the entry (or their shared chunk)');
});

test('an adapter costs at most 1 KB of heap over the bare client', () => {
  const code = `
    const { createClient } = await import('leanredis');
    const { toNodeRedis } = await import('leanredis/compat/node-redis');
    const { toIORedis } = await import('leanredis/compat/ioredis');
    const N = 2000;
    const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
    const measure = (wrap) => {
      const keep = [];
      const base = heap();
      for (let i = 0; i < N; i++) keep.push(wrap(createClient({ port: 1, protocol: 2 })));
      const used = (heap() - base) / N;
      keep.length = 0;
      return used;
    };
    measure((c) => toNodeRedis(toIORedis(c).client)); // warm both up
    const bare = measure((c) => c);
    const nodeRedis = measure((c) => toNodeRedis(c));
    const ioredis = measure((c) => toIORedis(c));
    console.log(JSON.stringify({ bare, nodeRedis, ioredis }));
  `;
  const r = run(['--expose-gc', '--input-type=module', '-e', code]);
  for (const adapter of ['nodeRedis', 'ioredis']) {
    const extra = r[adapter] - r.bare;
    assert.ok(extra <= 1024, `${adapter}: ${Math.round(extra)} bytes more per client than the bare one (${Math.round(r.bare)} B)`);
  }
});
