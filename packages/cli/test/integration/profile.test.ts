/**
 * `leanredis profile` on a small leaky program (test/fixtures/leaky-app.mjs): the pprof file,
 * the top tables naming the leaking function, the growth alarm, the HTML summary, and the
 * program stopped at the end. Counts and names are checked, never speeds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EXIT } from '../../src/exit-codes.ts';
import type { ProfileResult } from '../../src/report/profile-report.ts';
import { CLI_DIR, runCli } from '../helpers/cli.ts';

const LEAKY = join(CLI_DIR, 'test', 'fixtures', 'leaky-app.mjs');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'leanredis-profile-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a leaky program: pprof file, the leaking function first in the live heap, a growth alarm, the HTML summary', async () => {
  const out = join(dir, 'leaky');
  const run = await runCli(['profile', '--duration', '6s', '--out', out, '--json', '--', process.execPath, LEAKY], { timeoutMs: 120_000 });
  assert.equal(run.code, EXIT.ok, run.stderr);
  assert.equal(run.stderr, '');
  const r = JSON.parse(run.stdout) as ProfileResult;
  assert.equal(r.kind, 'profile');
  assert.deepEqual(r.program, [process.execPath, LEAKY]);
  assert.equal(r.error, undefined);
  assert.ok(r.durationMs >= 6000);
  // The pprof file is gzip'd protobuf.
  const pprof = readFileSync(join(out, 'heap.pb.gz'));
  assert.equal(pprof[0], 0x1f);
  assert.equal(pprof[1], 0x8b);
  assert.ok(gunzipSync(pprof).length > 100);
  assert.match(r.tops.inuseByFunction[0]?.name ?? '', /leakSomeMore .*leaky-app\.mjs:\d+/, JSON.stringify(r.tops.inuseByFunction.slice(0, 3)));
  assert.equal(r.tops.inuseByPackage[0]?.name, '(app)');
  assert.ok(r.tops.allocByFunction.length > 0 && r.tops.allocByPackage.length > 0);
  assert.ok(r.samples.length >= 6, `${r.samples.length} samples`);
  assert.ok(r.samples[r.samples.length - 1].heapUsed > r.samples[0].heapUsed + 4 * 1024 * 1024, 'the leak shows in the samples');
  const growth = r.alarms.find((a) => a.kind === 'growth' && a.series === 'heapUsed');
  assert.ok(growth, `a heapUsed growth alarm among ${JSON.stringify(r.alarms.map((a) => `${a.kind} ${a.series}`))}`);
  assert.equal(r.programExit.stoppedByDoctor, true);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.equal((html.match(/<svg class="chart"/g) ?? []).length, 2);
  assert.match(html, /leakSomeMore/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')), r);
  assert.match(readFileSync(join(out, 'program.log'), 'utf8'), /leaky app started/);
  assert.equal(existsSync(join(out, 'profile-data.json')), false, 'the preload hand-over file is removed');
});

test('the terminal view prints the alarm and the top tables; bad uses exit 1, 2 or 3', async () => {
  const out = join(dir, 'tables');
  const run = await runCli(['profile', '--duration', '3s', '--out', out, '--top', '3', '--', process.execPath, LEAKY], { timeoutMs: 120_000 });
  assert.equal(run.code, EXIT.ok, run.stderr);
  for (const s of ['leanredis profile:', 'live heap by function', 'live heap by package', 'allocations by function', 'heap.pb.gz', 'report.html']) assert.ok(run.stdout.includes(s), s);

  const none = await runCli(['profile', '--duration', '3s']);
  assert.equal(none.code, EXIT.usage);
  const missing = await runCli(['profile', '--duration', '1s', '--out', join(dir, 'missing'), '--', join(dir, 'no-such-program')]);
  assert.equal(missing.code, EXIT.unavailable, missing.stderr);
  const quick = join(dir, 'quick.mjs');
  writeFileSync(quick, 'process.exit(3);\n');
  const early = await runCli(['profile', '--duration', '5s', '--out', join(dir, 'early'), '--', process.execPath, quick], { timeoutMs: 120_000 });
  assert.equal(early.code, EXIT.failure, early.stderr);
  assert.match(early.stderr, /exited \(code 3\)/);
});
