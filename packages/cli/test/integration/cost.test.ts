/**
 * `leanredis cost` against fixture packages whose costs are known by construction
 * (test/helpers/cost-fixtures.ts), through the built executable in fresh processes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CostResult, PackageCost } from '../../src/cost/import-cost.ts';
import { EXIT } from '../../src/exit-codes.ts';
import { CLI_BIN, ensureBuilt, runCli } from '../helpers/cli.ts';
import { MiB, writeCostFixtures } from '../helpers/cost-fixtures.ts';

let project: string;
let result: CostResult;
const get = (name: string): PackageCost => result.results.find((r) => r.name === name)!;
const within = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * expected, `${what}: ${(actual / MiB).toFixed(3)} MiB, expected ${(expected / MiB).toFixed(3)} MiB +/- ${tolerance * 100}%`);

before(async () => {
  await ensureBuilt();
  project = writeCostFixtures();
  // One invocation measures them all, interleaved run by run; two runs and one attribution
  // round keep the suite short (the retained heap is the same in every run). The machine is
  // shared while the suite runs, so the spread check is relaxed; the medians are asserted.
  const run = await runCli(['cost', 'heap4', 'buf8', 'files50', 'timer', 'quiet-timer', 'server', 'diamond', 'esm-heap', 'linked', '--runs', '2', '--attribution-runs', '1', '--max-spread', '100', '--json'], { cwd: project, timeoutMs: 300_000, nice: true });
  assert.equal(run.code, EXIT.ok, run.stderr);
  assert.equal(run.stderr, '', 'not a terminal: no progress drawn');
  result = JSON.parse(run.stdout) as CostResult;
});
after(() => rmSync(project, { recursive: true, force: true }));

test('a package retaining 4 MiB of heap reads 4 MiB +/- 15%, in heap and not in external', () => {
  const r = get('heap4');
  assert.equal(result.kind, 'cost');
  assert.equal(r.format, 'commonjs');
  within(r.figures.heapBytes.median, 4 * MiB, 0.15, 'heap4 retained heap');
  assert.ok(Math.abs(r.figures.externalBytes.median) < 256 * 1024, `external ${r.figures.externalBytes.median}`);
  assert.equal(r.figures.heapBytes.samples.length, 2);
  assert.deepEqual(r.handles, []);
  assert.equal(r.opensHandles, false);
});

test('an 8 MiB Buffer shows in external and arrayBuffers, not in heap', () => {
  const r = get('buf8');
  within(r.figures.externalBytes.median, 8 * MiB, 0.15, 'buf8 external');
  within(r.figures.arrayBuffersBytes.median, 8 * MiB, 0.15, 'buf8 arrayBuffers');
  assert.ok(r.figures.heapBytes.median < MiB / 4, `heap ${r.figures.heapBytes.median}`);
  // Buffer.alloc fills the memory, so it is resident.
  assert.ok(r.figures.rssBytes.median > 6 * MiB, `rss ${r.figures.rssBytes.median}`);
});

test('a 50-file package shows 50 files, all attributed to it', () => {
  const r = get('files50');
  assert.equal(r.files.count, 50);
  assert.deepEqual(r.files.byFormat, { commonjs: 50 });
  assert.equal(r.packages.length, 1);
  assert.equal(r.packages[0].files, 50);
});

test('a package that starts a timer at import is flagged, with the package and whether it keeps the process alive', () => {
  const timer = get('timer');
  assert.equal(timer.opensHandles, true);
  assert.equal(timer.keepsProcessAlive, true);
  assert.deepEqual(timer.handles.map((h) => ({ type: h.type, detail: h.detail, isRefed: h.isRefed, package: h.package })), [{ type: 'Timeout', detail: 'setInterval 60000 ms', isRefed: true, package: 'timer@1.0.0' }]);
  assert.equal(timer.handles[0].file, join(project, 'node_modules', 'timer', 'index.js'));
  const quiet = get('quiet-timer');
  assert.equal(quiet.opensHandles, true);
  assert.equal(quiet.keepsProcessAlive, false);
  assert.deepEqual(quiet.handles.map((h) => [h.type, h.detail, h.isRefed]), [['Timeout', 'setTimeout 60000 ms', false]]);
  const server = get('server');
  assert.ok(server.handles.some((h) => h.type === 'TCPSERVERWRAP' && h.package === 'server@1.0.0' && h.isRefed), JSON.stringify(server.handles));
  assert.ok(server.builtins.includes('net'), 'net is charged to the package that loads it, not to the probe');
  assert.ok(!get('heap4').builtins.includes('net'));
});

test('a diamond splits shared from exclusive: c is shared by a and b, a and b are exclusive', () => {
  const r = get('diamond');
  const pkg = (name: string) => r.packages.find((p) => p.name === name)!;
  assert.deepEqual(r.packages.map((p) => p.name).sort(), ['a', 'b', 'c', 'diamond']);
  assert.equal(pkg('diamond').isRoot, true);
  assert.deepEqual([pkg('a').broughtBy, pkg('a').isExclusive], [['a'], true]);
  assert.deepEqual([pkg('b').broughtBy, pkg('b').isExclusive], [['b'], true]);
  assert.deepEqual([pkg('c').broughtBy, pkg('c').isExclusive], [['a', 'b'], false]);
  within(r.figures.heapBytes.median, 7.5 * MiB, 0.15, 'diamond total');
  within(pkg('c').selfHeapBytes!.median, 4 * MiB, 0.15, 'c self');
  within(pkg('b').selfHeapBytes!.median, 2 * MiB, 0.15, 'b self');
  within(pkg('a').selfHeapBytes!.median, MiB, 0.2, 'a self');
  within(pkg('diamond').selfHeapBytes!.median, MiB / 2, 0.3, 'diamond self');
  within(r.attributedHeapBytes!, r.figures.heapBytes.median, 0.1, 'attributed vs total');
  const direct = Object.fromEntries(r.directDependencies.map((d) => [d.name, d]));
  assert.deepEqual(Object.keys(direct), ['a', 'b']);
  assert.equal(direct.a.exclusivePackages, 1);
  assert.equal(direct.a.sharedPackages, 1);
  within(direct.a.sharedHeapBytes, 4 * MiB, 0.15, 'a shared');
  within(direct.b.exclusiveHeapBytes, 2 * MiB, 0.15, 'b exclusive');
});

test('a workspace package symlinked into node_modules is one package, not two: its attribution adds up', () => {
  const r = get('linked');
  assert.deepEqual(r.packages.map((p) => [p.name, p.isRoot]).sort(), [['c', false], ['linked', true]]);
  assert.equal(r.files.count, 2);
  within(r.figures.heapBytes.median, 5 * MiB, 0.15, 'linked total');
  within(r.attributedHeapBytes!, r.figures.heapBytes.median, 0.1, 'attributed vs total');
});

test('an ESM package is loaded with import() and measured the same way', () => {
  const r = get('esm-heap');
  assert.equal(r.format, 'module');
  assert.deepEqual(r.files.byFormat, { module: 1 });
  within(r.figures.heapBytes.median, 2 * MiB, 0.15, 'esm-heap');
});

test('the baseline runs agree: retained heap within 16 KiB, V8 heapUsed near zero', () => {
  const floor = result.method.floor;
  assert.equal(floor.heapBytes.samples.length, 2);
  assert.ok(floor.heapBytes.max - floor.heapBytes.min < 16 * 1024, JSON.stringify(floor.heapBytes));
  assert.ok(Math.abs(floor.heapUsedBytes.median) < 64 * 1024, JSON.stringify(floor.heapUsedBytes));
  assert.equal(result.method.runs, 2);
  assert.equal(result.method.attributionRuns, 1);
});

test('runs that disagree exit 4 and say which figure, with the figures still printed', async () => {
  const run = await runCli(['cost', 'jitter', '--runs', '3', '--no-attribution', '--json'], { cwd: project, timeoutMs: 120_000, nice: true });
  assert.equal(run.code, EXIT.noisy, run.stderr);
  const r = (JSON.parse(run.stdout) as CostResult).results[0];
  assert.ok(r.noisy.includes('heapBytes'));
  assert.match(run.stderr, /jitter: heapBytes varies/);
});

test('a package that is not installed exits 3; one whose import throws exits 3 with its error', async () => {
  const missing = await runCli(['cost', 'not-installed-anywhere'], { cwd: project });
  assert.equal(missing.code, EXIT.unavailable);
  assert.match(missing.stderr, /not-installed-anywhere is not installed/);
  const broken = await runCli(['cost', 'broken', '--runs', '1'], { cwd: project });
  assert.equal(broken.code, EXIT.unavailable);
  assert.match(broken.stderr, /broken on purpose at import/);
  assert.equal(broken.stdout, '');
});

test('the terminal report shows the figures, the flag and the attribution; progress is drawn on a terminal', async () => {
  const text = await runCli(['cost', 'timer', 'diamond', '--runs', '1', '--max-spread', '100', '--settle', '20ms'], { cwd: project, timeoutMs: 120_000, nice: true });
  assert.equal(text.code, EXIT.ok, text.stderr);
  for (const s of ['retained heap', 'external', 'load time', 'files loaded: 1', 'FLAG: the import left 1 handle open (the process cannot exit on its own)', 'setInterval 60000 ms by timer@1.0.0', 'by package', 'a, b (shared)', 'by direct dependency', 'summary']) assert.ok(text.stdout.includes(s), s);
  // `script` gives the child a pseudo-terminal: the progress line appears there and only there.
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (script.status !== 0) {
    console.log('# skipped the terminal half: util-linux `script` is not installed');
    return;
  }
  const tty = execFileSync('script', ['-qec', `${process.execPath} ${CLI_BIN} cost heap4 --runs 1 --no-attribution`, '/dev/null'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  assert.match(tty, /\rcost: run 1\/1: /);
});

test('Ctrl-C stops the measurement: exit 130, no probe process left behind', async () => {
  const child = spawn(process.execPath, [CLI_BIN, 'cost', 'heap4', '--settle', '30s', '--runs', '1'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const probes = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('import-probe.js') && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(project);
        } catch {
          return false; // exited meanwhile
        }
      });
  const deadline = Date.now() + 60_000;
  while (probes().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(probes().length > 0, 'a probe process started');
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, EXIT.interrupted, stderr);
  assert.match(stderr, /interrupted/);
  const gone = Date.now() + 10_000;
  while (probes().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(probes(), []);
});
