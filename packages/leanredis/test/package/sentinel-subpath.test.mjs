/**
 * The `leanredis/sentinel` subpath as a consumer of the BUILT package sees it: its own entry in
 * the exports map; importing `leanredis` loads none of its files (on the module graph a fresh
 * process loads, and on the sources each loaded file was bundled from); dist/sentinel.js bundles
 * no core source (it imports ./index.js, so Client and the error classes are the core's own);
 * and a sentinel client created but unused opens no socket and starts no timer.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_DIR, PACKAGE_JSON, ensureBuilt } from './built-package.mjs';

const DIST = join(PACKAGE_DIR, 'dist');
const SENTINEL_SRC = join(PACKAGE_DIR, 'src', 'sentinel');

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

test('package.json maps ./sentinel to dist/sentinel.js with its types first', () => {
  const entry = PACKAGE_JSON.exports['./sentinel'];
  assert.deepEqual(Object.keys(entry), ['types', 'default'], 'the types condition must come first');
  assert.deepEqual(entry, { types: './dist/types/sentinel/index.d.ts', default: './dist/sentinel.js' });
  for (const target of Object.values(entry)) assert.ok(existsSync(join(PACKAGE_DIR, target)), `${target} exists`);
  assert.equal(import.meta.resolve('leanredis/sentinel'), pathToFileURL(join(DIST, 'sentinel.js')).href);
});

test("importing 'leanredis' loads no sentinel file, nor any file bundled from src/sentinel", () => {
  const { files } = probe('leanredis');
  assert.ok(files.includes(join(DIST, 'index.js')), `the probe saw the core load: ${files.join(', ')}`);
  assert.ok(!files.some((f) => basename(f).startsWith('sentinel')), `leanredis loaded ${files.join(', ')}`);
  for (const file of files) {
    const fromSentinel = sourcesOf(file).filter((s) => s.startsWith(SENTINEL_SRC));
    assert.deepEqual(fromSentinel, [], `${basename(file)} holds sentinel code`);
  }
});

test('dist/sentinel.js is bundled only from src/sentinel and imports the core from ./index.js', () => {
  const js = join(DIST, 'sentinel.js');
  const foreign = sourcesOf(js).filter((s) => !s.startsWith(SENTINEL_SRC));
  assert.deepEqual(foreign, [], 'core sources bundled into the subpath would be a second copy of them');
  assert.match(readFileSync(js, 'utf8'), /from"\.\/index\.js"/, 'the core is imported from the sibling entry');
});

test('a sentinel client created but unused opens no socket and starts no timer; it is a core Client and throws core errors', () => {
  const script = `
    const { createSentinel, SentinelClient } = await import('leanredis/sentinel');
    const core = await import('leanredis');
    const before = process.getActiveResourcesInfo().slice().sort();
    const c = createSentinel({ sentinels: ['127.0.0.1:1', { host: '127.0.0.1', port: 2 }], masterName: 'm' });
    await new Promise((r) => setImmediate(r));
    const after = process.getActiveResourcesInfo().slice().sort();
    let thrown;
    try { createSentinel({ sentinels: ['127.0.0.1:1'], masterName: 'm', bogus: 1 }); } catch (err) { thrown = err; }
    console.log(JSON.stringify({
      before, after,
      isClient: c instanceof core.Client && c instanceof SentinelClient,
      stats: c.stats(),
      code: thrown?.code, message: thrown?.message, isCoreClass: thrown?.constructor === core.ArgumentError,
    }));
    await c.close();
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const added = out.after.filter((type) => {
    const i = out.before.indexOf(type);
    if (i === -1) return true;
    out.before.splice(i, 1);
    return false;
  });
  assert.deepEqual(added, [], 'no socket, no timer');
  assert.equal(out.isClient, true);
  assert.equal(out.stats.totalConns, 0);
  // (JSON leaves out the undefined master and watcher.)
  assert.deepEqual(out.stats.sentinel, { sentinels: 2, discoveries: 0, switches: 0, refusedReplicas: 0, readFrom: 'master', replicas: 0, refusedMasters: 0 });
  assert.equal(out.stats.replicaReads, undefined);
  assert.equal(out.code, 'ERR_INVALID_OPTION');
  assert.match(out.message, /^createSentinel: unknown option "bogus"/);
  assert.equal(out.isCoreClass, true, 'the same ArgumentError class as leanredis exports');
});
