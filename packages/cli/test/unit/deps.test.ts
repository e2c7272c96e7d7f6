/**
 * `leanredis deps diff|why` against real lockfiles npm wrote (test/fixtures/lockfiles, see its
 * README), run in-process; sizes against node_modules folders and npm-cache tarballs the tests
 * build (the cache tarball with `npm pack`, whose tar writer is not ours).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command } from '../../src/commands/deps.ts';
import { main } from '../../src/index.ts';
import { EXIT } from '../../src/exit-codes.ts';
import { Lockfile } from '../../src/lockfile/lockfile.ts';
import { diffLockfiles, type DepsDiffResult } from '../../src/lockfile/lock-diff.ts';
import type { DepsWhyResult } from '../../src/lockfile/lock-why.ts';
import { cachePaths } from '../../src/lockfile/package-sizes.ts';
import { tarballUnpackedSize } from '../../src/lockfile/tarball-size.ts';
import { captureIo } from '../helpers/cli.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lockfiles');
let tmp: string;
let emptyCache: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'leanredis-deps-'));
  emptyCache = join(tmp, 'empty-cache');
  mkdirSync(emptyCache);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `deps <args>` in-process with no size sources unless the args give some. */
async function deps<T>(args: string[], options: { cwd?: string; tty?: boolean; sizes?: boolean } = {}): Promise<{ code: number; result: T; stderr: string }> {
  const extra = options.sizes === true ? [] : ['--npm-cache', emptyCache, '--no-node-modules'];
  const io = captureIo([...args, ...extra, '--json'], { cwd: options.cwd ?? FIXTURES, tty: options.tty });
  const code = await command.run(io);
  return { code, result: JSON.parse(io.stdout.text) as T, stderr: io.stderr.text };
}

const IOREDIS_TREE = ['@ioredis/commands@1.10.0', 'cluster-key-slot@1.1.1', 'denque@2.1.0', 'ioredis@5.11.1', 'redis-errors@1.2.0', 'redis-parser@3.0.0', 'standard-as-callback@2.1.0'];
const NODE_REDIS_TREE = ['@redis/bloom@5.12.4', '@redis/client@5.12.4', '@redis/json@5.12.4', '@redis/search@5.12.4', '@redis/time-series@5.12.4', 'cluster-key-slot@1.1.2', 'redis@5.12.4'];
const ids = (list: readonly { name: string; version: string }[]) => list.map((c) => `${c.name}@${c.version}`);

test('diff of a project before and after adding ioredis: its seven packages, all exclusive to it (lockfile v2 -> v3)', async () => {
  const { code, result } = await deps<DepsDiffResult>(['diff', 'app-before', 'app-ioredis']);
  assert.equal(code, EXIT.ok);
  assert.equal(result.kind, 'deps-diff');
  assert.equal(result.before.lockfileVersion, 2);
  assert.equal(result.after.lockfileVersion, 3);
  assert.equal(result.after.packages - result.before.packages, 7);
  assert.deepEqual(result.directDependencies, { added: ['ioredis'], removed: [] });
  assert.deepEqual(ids(result.added), IOREDIS_TREE);
  for (const c of result.added) {
    assert.deepEqual(c.broughtBy, ['ioredis'], c.name);
    assert.equal(c.isExclusive, true);
    assert.equal(c.size, null); // no node_modules, empty cache: unknown, never guessed
  }
  assert.deepEqual(result.removed, []);
  assert.deepEqual(result.changed, []);
  assert.deepEqual(result.newDuplicates, []);
  assert.deepEqual(result.newInstallScripts, []);
  assert.deepEqual(result.byDirectDependency, [{ dependency: 'ioredis', exclusive: 7, exclusiveBytes: 0, shared: 0, sharedBytes: 0 }]);
  assert.deepEqual({ ...result.totals }, { added: 7, removed: 0, changed: 0, addedBytes: 0, removedBytes: 0, changedBytes: 0, netBytes: 0, unknownSizes: 7, otherPlatform: 0 });
});

test("diff to node-redis: redis and its five @redis packages plus cluster-key-slot; switching from ioredis removes ioredis's own", async () => {
  const { result: added } = await deps<DepsDiffResult>(['diff', 'app-before', 'app-redis']);
  assert.deepEqual(ids(added.added), NODE_REDIS_TREE);
  assert.ok(added.added.every((c) => c.broughtBy.join() === 'redis' && c.isExclusive));

  const { result: swap } = await deps<DepsDiffResult>(['diff', 'app-ioredis/package-lock.json', 'app-redis/package-lock.json']);
  assert.deepEqual(swap.directDependencies, { added: ['redis'], removed: ['ioredis'] });
  assert.deepEqual(ids(swap.added), NODE_REDIS_TREE.filter((p) => !p.startsWith('cluster-key-slot')));
  assert.deepEqual(ids(swap.removed), IOREDIS_TREE.filter((p) => !p.startsWith('cluster-key-slot')));
  assert.ok(swap.removed.every((c) => c.broughtBy.join() === 'ioredis'), 'removed packages are attributed in the lockfile they were in');
  assert.deepEqual(swap.changed.map((c) => ({ name: c.name, before: c.before, after: c.after, broughtBy: c.broughtBy })), [
    { name: 'cluster-key-slot', before: ['1.1.1'], after: ['1.1.2'], broughtBy: ['redis'] },
  ]);
});

test('diff flags new duplicate versions, new install scripts and platform packages (esbuild, debug@2)', async () => {
  const platform = { os: 'linux', cpu: 'x64' };
  const before = Lockfile.read(join(FIXTURES, 'app-ioredis', 'package-lock.json'), 'before', platform);
  const afterLock = Lockfile.read(join(FIXTURES, 'app-tools', 'package-lock.json'), 'after', platform);
  const r = await diffLockfiles(before, afterLock, { npmCacheDir: undefined, beforeDir: undefined, afterDir: undefined });
  assert.deepEqual(r.directDependencies.added, ['debug', 'esbuild']);
  assert.deepEqual(ids(r.added.filter((c) => c.isForThisPlatform)), ['@esbuild/linux-x64@0.25.12', 'esbuild@0.25.12']);
  assert.equal(r.added.filter((c) => !c.isForThisPlatform).length, 25);
  assert.equal(r.totals.otherPlatform, 25);
  assert.equal(r.totals.added, 2);
  assert.deepEqual(
    r.newDuplicates.map((d) => ({ ...d })),
    [
      { name: 'debug', before: ['4.4.3'], after: ['2.6.9', '4.4.3'], broughtBy: { '2.6.9': ['debug'], '4.4.3': ['express', 'ioredis'] } },
      { name: 'ms', before: ['2.1.3'], after: ['2.0.0', '2.1.3'], broughtBy: { '2.0.0': ['debug'], '2.1.3': ['express', 'ioredis'] } },
    ],
  );
  assert.deepEqual(ids(r.newInstallScripts), ['esbuild@0.25.12']);
  assert.equal(r.newInstallScripts[0].isForThisPlatform, true);

  // On another platform the same lockfile installs a different esbuild binary package.
  const mac = { os: 'darwin', cpu: 'arm64' };
  const arm = await diffLockfiles(Lockfile.read(join(FIXTURES, 'app-ioredis', 'package-lock.json'), 'b', mac), Lockfile.read(join(FIXTURES, 'app-tools', 'package-lock.json'), 'a', mac), { npmCacheDir: undefined, beforeDir: undefined, afterDir: undefined });
  assert.deepEqual(ids(arm.added.filter((c) => c.isForThisPlatform)), ['@esbuild/darwin-arm64@0.25.12', 'esbuild@0.25.12']);
});

test('diff checks exit 5 when violated and 0 when met, and report in --json', async () => {
  const scripts = await deps<DepsDiffResult & { checks: { name: string; passed: boolean }[] }>(['diff', 'app-ioredis', 'app-tools', '--no-new-install-scripts', '--no-new-duplicates']);
  assert.equal(scripts.code, EXIT.checkFailed);
  assert.deepEqual(scripts.result.checks.map((c) => [c.name, c.passed]), [['no-new-install-scripts', false], ['no-new-duplicates', false]]);
  assert.match(scripts.stderr, /check no-new-install-scripts failed: esbuild@0\.25\.12/);
  const clean = await deps<DepsDiffResult & { checks: { name: string; passed: boolean }[] }>(['diff', 'app-before', 'app-ioredis', '--no-new-install-scripts', '--no-new-duplicates', '--max-growth', '1MiB']);
  assert.equal(clean.code, EXIT.ok);
  assert.deepEqual(clean.result.checks.map((c) => c.passed), [true, true, true]);
});

test('why: a package shared by two direct dependencies, with the chain from each and what requires it', async () => {
  const { code, result } = await deps<DepsWhyResult>(['why', 'debug', '--lock', 'app-ioredis']);
  assert.equal(code, EXIT.ok);
  assert.equal(result.copies.length, 1);
  const [copy] = result.copies;
  assert.equal(copy.version, '4.4.3');
  assert.deepEqual(copy.broughtBy, ['express', 'ioredis']);
  assert.equal(copy.isExclusive, false);
  assert.deepEqual(copy.chains, [['express@5.3.0', 'debug@4.4.3'], ['ioredis@5.11.1', 'debug@4.4.3']]);
  assert.ok(copy.requiredBy.includes('ioredis@5.11.1') && copy.requiredBy.includes('express@5.3.0'));
});

test("why: node-redis's client, reached through redis, takes cluster-key-slot with it", async () => {
  const { result } = await deps<DepsWhyResult>(['why', '@redis/client', '--lock', 'app-redis']);
  const [copy] = result.copies;
  assert.deepEqual(copy.chains, [['redis@5.12.4', '@redis/client@5.12.4']]);
  assert.equal(copy.isExclusive, true);
  // The four module packages name it as a peer dependency.
  assert.deepEqual(copy.requiredBy, ['@redis/bloom@5.12.4', '@redis/json@5.12.4', '@redis/search@5.12.4', '@redis/time-series@5.12.4', 'redis@5.12.4']);
  assert.deepEqual(result.removal.packages, ['@redis/client@5.12.4', 'cluster-key-slot@1.1.2']);
  assert.equal(result.removal.unknownSizes, 2);
  const deep = await deps<DepsWhyResult>(['why', 'cluster-key-slot@1.1.2', '--lock', 'app-redis']);
  assert.deepEqual(deep.result.copies[0].chains, [['redis@5.12.4', '@redis/client@5.12.4', 'cluster-key-slot@1.1.2']]);
});

test('why in a workspace: each workspace declares its direct dependencies; two copies of ms are told apart', async () => {
  const { result } = await deps<DepsWhyResult>(['why', 'ms', '--lock', 'workspace']);
  assert.deepEqual(
    result.copies.map((c) => ({ path: c.path, version: c.version, declaredBy: c.declaredBy, broughtBy: c.broughtBy })),
    [
      { path: 'node_modules/ms', version: '2.0.0', declaredBy: ['ws-b'], broughtBy: ['ms'] },
      { path: 'node_modules/debug/node_modules/ms', version: '2.1.3', declaredBy: [], broughtBy: ['debug'] },
    ],
  );
  // From inside a workspace folder, the nearest lockfile upward is found.
  const { result: found } = await deps<DepsWhyResult>(['why', 'debug'], { cwd: join(FIXTURES, 'workspace', 'packages', 'a') });
  assert.equal(found.copies[0].declaredBy.join(), 'ws-a');
});

test('sizes come from node_modules when it holds the locked version, and from the npm cache by integrity', async () => {
  // A project: app-ioredis's lockfile with two of its packages "installed".
  const project = join(tmp, 'project');
  mkdirSync(project);
  cpSync(join(FIXTURES, 'app-ioredis', 'package-lock.json'), join(project, 'package-lock.json'));
  const install = (name: string, version: string, files: Record<string, number>) => {
    const dir = join(project, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version }));
    for (const [file, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), 'x'.repeat(bytes));
    }
    return readFileSync(join(dir, 'package.json')).length + Object.values(files).reduce((a, b) => a + b, 0);
  };
  const denque = install('denque', '2.1.0', { 'index.js': 10_000, 'lib/a.js': 2_000 });
  install('ioredis', '4.0.0', { 'index.js': 5_000 }); // another version than locked: not used
  mkdirSync(join(project, 'node_modules', 'denque', 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(project, 'node_modules', 'denque', 'node_modules', 'x', 'big.js'), 'y'.repeat(50_000)); // another package's files

  // A cache holding a tarball that npm packed, under the integrity a lockfile entry names.
  const pkgDir = join(tmp, 'packed');
  mkdirSync(join(pkgDir, 'lib'), { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'packed-dep', version: '1.0.0', license: 'MIT' }));
  writeFileSync(join(pkgDir, 'index.js'), 'z'.repeat(30_000));
  writeFileSync(join(pkgDir, 'lib', `${'long-name-'.repeat(12)}.js`), 'w'.repeat(700));
  const packedBytes = [join(pkgDir, 'package.json'), join(pkgDir, 'index.js')].reduce((t, f) => t + readFileSync(f).length, 700);
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: pkgDir, encoding: 'utf8', env: { ...process.env, npm_config_cache: join(tmp, 'npm-cache-for-pack') } })) as { filename: string; integrity: string; unpackedSize: number; entryCount: number }[];
  assert.equal(packed.unpackedSize, packedBytes);
  const cache = join(tmp, 'cache');
  const [target] = cachePaths(cache, packed.integrity);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(join(tmp, packed.filename), target);
  assert.equal(createHash('sha512').update(readFileSync(target)).digest('base64'), packed.integrity.slice('sha512-'.length));
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  lock.packages[''].dependencies['packed-dep'] = '1.0.0';
  lock.packages['node_modules/packed-dep'] = { version: '1.0.0', integrity: packed.integrity, license: 'MIT' };
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));

  const { result } = await deps<DepsDiffResult>(['diff', join(FIXTURES, 'app-before'), project, '--npm-cache', cache], { sizes: true });
  const size = (name: string) => result.added.find((c) => c.name === name)!.size;
  assert.deepEqual(size('denque'), { bytes: denque, files: 3, source: 'node_modules' });
  assert.equal(size('ioredis'), null);
  assert.deepEqual(size('packed-dep'), { bytes: packedBytes, files: packed.entryCount, source: 'npm-cache' });
  assert.equal(result.totals.addedBytes, denque + packedBytes);
  assert.equal(result.totals.unknownSizes, IOREDIS_TREE.length - 1);
  const share = result.byDirectDependency.find((d) => d.dependency === 'packed-dep')!;
  assert.deepEqual({ ...share }, { dependency: 'packed-dep', exclusive: 1, exclusiveBytes: packedBytes, shared: 0, sharedBytes: 0 });

  const grow = await deps<unknown>(['diff', join(FIXTURES, 'app-before'), project, '--npm-cache', cache, '--max-growth', '20KiB'], { sizes: true });
  assert.equal(grow.code, EXIT.checkFailed);

  // Progress goes to stderr only when stderr is a terminal.
  const tty = await deps<unknown>(['diff', join(FIXTURES, 'app-before'), project, '--npm-cache', cache], { sizes: true, tty: true });
  assert.match(tty.stderr, /\rdeps diff: sizing \d+\/8 packages/);
  const quiet = await deps<unknown>(['diff', join(FIXTURES, 'app-before'), project, '--npm-cache', cache], { sizes: true });
  assert.equal(quiet.stderr, '');
});

test('a git revision and path reads the lockfile as committed', async () => {
  const repo = join(tmp, 'repo');
  mkdirSync(repo);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  cpSync(join(FIXTURES, 'app-before', 'package-lock.json'), join(repo, 'package-lock.json'));
  git('add', 'package-lock.json');
  git('commit', '-qm', 'before');
  cpSync(join(FIXTURES, 'app-ioredis', 'package-lock.json'), join(repo, 'package-lock.json'));
  const { result } = await deps<DepsDiffResult>(['diff', 'HEAD:package-lock.json', 'package-lock.json'], { cwd: repo });
  assert.equal(result.before.file, 'HEAD:package-lock.json');
  assert.deepEqual(ids(result.added), IOREDIS_TREE);
  const missing = captureIo(['diff', 'HEAD~5:package-lock.json', 'package-lock.json'], { cwd: repo });
  assert.equal(await main(['deps', ...missing.argv], missing), EXIT.unavailable);
  assert.match(missing.stderr.text, /HEAD~5:package-lock.json: no such file, and git cannot show it/);
});

test('bad input: a clear message and exit 2 or 3, nothing on stdout', async () => {
  const v1 = join(tmp, 'v1.json');
  writeFileSync(v1, JSON.stringify({ name: 'x', lockfileVersion: 1, dependencies: {} }));
  const notJson = join(tmp, 'yarn.lock');
  writeFileSync(notJson, '# yarn lockfile v1\n');
  const cases: [string[], number, RegExp][] = [
    [['deps'], EXIT.usage, /missing subcommand/],
    [['deps', 'diffs'], EXIT.usage, /unknown subcommand "diffs"/],
    [['deps', 'diff', 'app-before'], EXIT.usage, /missing lockfiles/],
    [['deps', 'diff', 'app-before', 'app-redis', '--max-growth', 'lots'], EXIT.usage, /--max-growth takes a size/],
    [['deps', 'diff', 'app-before', 'app-redis', '--frobnicate'], EXIT.usage, /--frobnicate/],
    [['deps', 'diff', 'app-before', 'nowhere.json'], EXIT.unavailable, /nowhere\.json: no such file/],
    [['deps', 'diff', v1, 'app-redis'], EXIT.unavailable, /lockfileVersion 1 \(npm 6\) is not supported/],
    [['deps', 'diff', notJson, 'app-redis'], EXIT.unavailable, /not JSON/],
    [['deps', 'why', 'nope', '--lock', 'app-redis'], EXIT.unavailable, /nope is not in app-redis\/package-lock\.json/],
    [['deps', 'why', 'debug@9', '--lock', 'app-tools'], EXIT.unavailable, /installed versions: 4\.4\.3, 2\.6\.9/],
    [['deps', 'why', 'debug', '--lock', 'app-tools', '--max-growth', '1'], EXIT.usage, /--max-growth is for `deps diff`/],
  ];
  for (const [argv, exit, message] of cases) {
    const io = captureIo([], { cwd: FIXTURES });
    assert.equal(await main(argv, io), exit, argv.join(' '));
    assert.match(io.stderr.text, message, argv.join(' '));
    assert.equal(io.stdout.text, '', argv.join(' '));
  }
});

test('the terminal report names the sections and totals, and --json is the same result', async () => {
  const io = captureIo(['diff', 'app-ioredis', 'app-tools', '--npm-cache', emptyCache, '--no-node-modules'], { cwd: FIXTURES });
  assert.equal(await command.run(io), EXIT.ok);
  const text = io.stdout.text;
  for (const heading of ['direct dependencies added: debug, esbuild', 'changed (2)', 'new duplicate versions (2)', 'new install scripts (1)', 'added packages by direct dependency', 'total: +']) assert.ok(text.includes(heading), heading);
  assert.match(text, /debug {4}4\.4\.3 {3}2\.6\.9 <- debug; 4\.4\.3 <- express, ioredis/);
  const why = captureIo(['why', 'debug', '--lock', 'app-ioredis', '--npm-cache', emptyCache, '--no-node-modules'], { cwd: FIXTURES });
  await command.run(why);
  assert.match(why.stdout.text, /express@5\.3\.0 > debug@4\.4\.3\n {4}ioredis@5\.11\.1 > debug@4\.4\.3\n/);
});

test('tarball sizes match what GNU tar packed, in gnu and pax formats, long names included', async () => {
  const src = join(tmp, 'tar-src');
  const deep = join(src, 'package', 'a'.repeat(120), 'b'.repeat(120));
  mkdirSync(deep, { recursive: true });
  const files: [string, number][] = [[join(src, 'package', 'index.js'), 1234], [join(deep, `${'c'.repeat(150)}.js`), 70_000], [join(src, 'package', 'empty.txt'), 0]];
  for (const [f, n] of files) writeFileSync(f, 'q'.repeat(n));
  const expected = { bytes: files.reduce((t, [, n]) => t + n, 0), files: files.length };
  for (const format of ['gnu', 'pax', 'ustar']) {
    const out = join(tmp, `t-${format}.tgz`);
    try {
      execFileSync('tar', ['-czf', out, `--format=${format}`, '-C', src, 'package'], { stdio: 'pipe' });
    } catch (err) {
      // ustar cannot hold the long path: GNU tar refuses, which is the format's limit, not ours.
      assert.equal(format, 'ustar', String(err));
      continue;
    }
    assert.deepEqual(await tarballUnpackedSize(out), expected, format);
  }
});
