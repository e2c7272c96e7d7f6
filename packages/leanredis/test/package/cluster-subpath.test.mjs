/**
 * The `leanredis/cluster` subpath as a consumer of the BUILT package sees it: its own entry in
 * the exports map; importing `leanredis` loads none of its files (module graph and the sources
 * each loaded file was bundled from); importing it starts no timer and opens no handle, and
 * neither does creating a cluster client; it bundles no core source (the core is required from
 * the sibling entry), so its errors are the core's classes.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLUSTER_EXPORTS, PACKAGE_DIR, PACKAGE_JSON, ensureBuilt } from './built-package.mjs';

const DIST = join(PACKAGE_DIR, 'dist');
const CLUSTER_SOURCES = [join(PACKAGE_DIR, 'src', 'cluster'), join(PACKAGE_DIR, 'src', 'cluster-client'), join(PACKAGE_DIR, 'src', 'cluster.ts')];
const isClusterSource = (s) => CLUSTER_SOURCES.some((p) => s === p || s.startsWith(`${p}/`));

before(async () => {
  await ensureBuilt();
});

function probe(...specs) {
  const r = spawnSync(process.execPath, [join(PACKAGE_DIR, 'test', 'package', 'loaded-files-probe.mjs'), ...specs], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function sourcesOf(file) {
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  return map.sources.map((s) => resolve(dirname(file), map.sourceRoot ?? '', s));
}

test('package.json maps ./cluster to dist/cluster.js with its types first', () => {
  assert.deepEqual(PACKAGE_JSON.exports['./cluster'], { types: './dist/types/cluster.d.ts', default: './dist/cluster.js' });
  assert.equal(import.meta.resolve('leanredis/cluster'), pathToFileURL(join(DIST, 'cluster.js')).href);
});

test("importing 'leanredis' loads no cluster file, nor any file bundled from the cluster sources", () => {
  const { files } = probe('leanredis');
  assert.ok(files.includes(join(DIST, 'index.js')), files.join(', '));
  assert.ok(!files.some((f) => basename(f).startsWith('cluster')), `leanredis loaded ${files.join(', ')}`);
  for (const file of files) assert.deepEqual(sourcesOf(file).filter(isClusterSource), [], `${basename(file)} holds cluster code`);
});

test('dist/cluster.js holds no core source: it imports the core from the sibling entry', () => {
  const js = join(DIST, 'cluster.js');
  const core = sourcesOf(js).filter((s) => !isClusterSource(s) && !s.endsWith('/internal/crc16.ts') && !s.endsWith('/commands/key-positions.ts'));
  assert.deepEqual(core, [], 'core sources bundled into the subpath would be a second copy of them');
  assert.match(readFileSync(js, "utf8"), /from"\.\/index\.js"/, "the core is imported from the sibling entry");
});

test('importing leanredis/cluster and creating a cluster client opens no handle and starts no timer; errors are the core classes', () => {
  const script = `
    const before = process.getActiveResourcesInfo().slice().sort();
    const names = JSON.parse(process.argv[1]);
    const cluster = await import('leanredis/cluster');
    const core = await import('leanredis');
    const client = cluster.createCluster({ rootNodes: ['127.0.0.1:1'] });
    await new Promise((r) => setImmediate(r));
    const after = process.getActiveResourcesInfo().slice().sort();
    let thrown;
    try { cluster.createCluster({ rootNodes: ['127.0.0.1:1'], bogus: 1 }); } catch (err) { thrown = err; }
    console.log(JSON.stringify({
      before, after,
      missing: names.filter((n) => cluster[n] === undefined),
      keys: Object.keys(cluster).sort(),
      code: thrown?.code, message: thrown?.message,
      isCoreClass: thrown instanceof core.ArgumentError && cluster.ClusterError === core.ClusterError,
      slot: cluster.keySlot('foo'),
      isOpen: client.isOpen,
    }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(CLUSTER_EXPORTS)], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.after, out.before, 'no socket, no timer');
  assert.deepEqual(out.missing, []);
  assert.deepEqual(out.keys, [...CLUSTER_EXPORTS].sort(), 'no undocumented export');
  assert.equal(out.code, 'ERR_INVALID_OPTION');
  assert.match(out.message, /createCluster: unknown option "bogus"/);
  assert.equal(out.isCoreClass, true);
  assert.equal(out.slot, 12182);
  assert.equal(out.isOpen, true);
});
