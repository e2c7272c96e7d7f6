/**
 * `leanredis bench` through the built executable, against a private redis-server it starts
 * itself and against one given by --url. Figures are checked for consistency (counts add up,
 * every second and step is there), never for speed: the machine may be loaded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/exit-codes.ts';
import type { BenchResult } from '../../src/bench/bench-result.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestRedis } from '../helpers/redis-server.ts';

test('closed-loop ramp over two clients: steps, seconds, histograms and memory figures add up', async () => {
  const run = await runCli(['bench', '--clients', 'leanredis,ioredis', '--candidate', 'leanredis', '--ramp', '4..8', '--steps', '2', '--duration', '2s', '--warmup', '0s', '--keys', '50', '--json'], { nice: true, timeoutMs: 120_000 });
  assert.equal(run.code, EXIT.ok, run.stderr);
  assert.equal(run.stderr, '', 'quiet when stderr is not a terminal');
  const r = JSON.parse(run.stdout) as BenchResult;
  assert.equal(r.kind, 'bench');
  assert.equal(r.server.isPrivate, true);
  assert.match(r.server.address, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(r.server.address, '127.0.0.1:6379');
  assert.deepEqual(r.runs.map((x) => x.name), ['leanredis', 'ioredis']);
  // --candidate: that run (after) against each other (before).
  assert.deepEqual(r.comparisons.map((c) => [c.before, c.after]), [['ioredis', 'leanredis']]);
  assert.equal(r.comparisons[0].metrics[0].metric, 'throughput');
  for (const x of r.runs) {
    assert.ok(x.clientVersion !== '', `${x.name} version`);
    assert.deepEqual(x.steps.map((s) => s.load), [4, 8]);
    assert.equal(x.settings.mode, 'closed');
    assert.ok(x.totals.ops > 0, `${x.name} completed operations`);
    assert.equal(x.totals.errors, 0);
    assert.equal(x.totals.ops, x.steps.reduce((n, s) => n + s.ops, 0));
    for (const s of x.steps) assert.equal(s.histogram.count, s.ops, 'every completed op is in the histogram once');
    assert.equal(x.seconds.reduce((n, s) => n + s.ops, 0), x.totals.ops, 'the seconds hold every op');
    assert.ok(x.seconds.some((s) => s.step === 1), 'seconds of the second step');
    const l = x.totals.latency;
    assert.ok(l.minMs <= l.p50Ms && l.p50Ms <= l.p99Ms && l.p99Ms <= l.p999Ms && l.p999Ms <= l.maxMs, JSON.stringify(l));
    assert.ok(x.totals.heapPeak > 0 && x.totals.rssPeak > x.totals.heapPeak);
    assert.ok(x.totals.allocatedBytesPerOp > 0, 'allocation is counted');
    assert.ok(x.facts.heapBaseline > 0 && x.facts.heapReady > x.facts.heapBaseline, 'importing and connecting the client costs heap');
    // The instrumentation's cost is the difference of two short timed loops, clamped at 0: on a
    // loaded machine it can come out 0, so only its presence and range are checked here.
    assert.ok(Number.isFinite(x.facts.overheadNsPerOp) && x.facts.overheadNsPerOp >= 0, `overheadNsPerOp ${x.facts.overheadNsPerOp}`);
    assert.ok(x.facts.overheadOpsPerSec > 0, `overheadOpsPerSec ${x.facts.overheadOpsPerSec}`);
  }
});

test('open loop against --url: the schedule sets the count, latency runs from the planned send time', async () => {
  const server = await startTestRedis();
  try {
    const run = await runCli(['bench', '--url', server.url, '--rate', '200', '--duration', '2s', '--warmup', '0s', '--mix', 'get:1,set:1,ping:1,incr:1', '--json'], { nice: true, timeoutMs: 120_000 });
    assert.equal(run.code, EXIT.ok, run.stderr);
    const r = JSON.parse(run.stdout) as BenchResult;
    assert.equal(r.server.isPrivate, false);
    assert.equal(r.server.address, `127.0.0.1:${server.port}`);
    const x = r.runs[0];
    assert.equal(x.settings.mode, 'open');
    // 200/s for 2 s: 400 planned; a starved timer may send the last few late or not at all.
    assert.ok(x.totals.ops + x.totals.dropped + x.totals.errors <= 401, String(x.totals.ops));
    assert.ok(x.totals.ops >= 300, `ops ${x.totals.ops}`);
  } finally {
    await server.stop();
  }
});

test('the terminal report names each run, the doctor overhead and the memory path', async () => {
  const run = await runCli(['bench', '--callers', '2', '--duration', '1s', '--warmup', '0s', '--keys', '10'], { nice: true, timeoutMs: 120_000 });
  assert.equal(run.code, EXIT.ok, run.stderr);
  for (const s of ['leanredis bench: closed loop, get:80,set:20', 'ops/s', 'p99.9', 'alloc/op', 'doctor overhead', 'ns/op', 'before import -> connected -> after the load']) assert.ok(run.stdout.includes(s), s);
});

test('a client missing from the project exits 3 naming it; bad options exit 2; an unreachable --url exits 3', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'leanredis-bench-empty-'));
  try {
    writeFileSync(join(empty, 'package.json'), '{"name":"empty","version":"1.0.0"}');
    const missing = await runCli(['bench', '--clients', 'ioredis', '--duration', '1s'], { cwd: empty });
    assert.equal(missing.code, EXIT.unavailable, missing.stderr);
    assert.match(missing.stderr, /ioredis is not installed/);
    const badConfig = await runCli(['bench', '--config', 'nope.json'], { cwd: empty });
    assert.equal(badConfig.code, EXIT.unavailable);
    writeFileSync(join(empty, 'bad.json'), '{"clinet":"leanredis"}');
    const unknownField = await runCli(['bench', '--config', 'bad.json'], { cwd: empty });
    assert.equal(unknownField.code, EXIT.unavailable);
    assert.match(unknownField.stderr, /unknown field "clinet"/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  for (const args of [['--mix', 'get:80,del:20'], ['--ramp', '500..50'], ['--callers', '5', '--rate', '100'], ['--clients', 'jedis'], ['--duration', 'forever'], ['--candidate', 'ioredis']]) {
    const bad = await runCli(['bench', ...args]);
    assert.equal(bad.code, EXIT.usage, `${args.join(' ')}: ${bad.stderr}`);
  }
  const down = await runCli(['bench', '--url', 'redis://127.0.0.1:1', '--duration', '1s'], { timeoutMs: 60_000 });
  assert.equal(down.code, EXIT.unavailable, down.stderr);
  assert.match(down.stderr, /127\.0\.0\.1:1|ECONNREFUSED|CONNECTION/);
});

test('two --config files: one run each, named by the files, the second compared with the first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-configs-'));
  try {
    writeFileSync(join(dir, 'before.json'), JSON.stringify({ name: 'reads', mix: 'get', callers: 3, keys: 20 }));
    writeFileSync(join(dir, 'after.json'), JSON.stringify({ name: 'writes', mix: 'set:1,incr:1', callers: 3, valueSize: 64, keys: 20, nodeOptions: ['--max-semi-space-size=4'] }));
    const run = await runCli(['bench', '--config', 'before.json', '--config', 'after.json', '--duration', '2s', '--warmup', '0s', '--json'], { cwd: dir, nice: true, timeoutMs: 120_000 });
    assert.equal(run.code, EXIT.ok, run.stderr);
    const r = JSON.parse(run.stdout) as BenchResult;
    assert.deepEqual(r.runs.map((x) => [x.name, x.configFile, x.settings.mix.map((m) => m.command).join(',')]), [
      ['reads', 'before.json', 'get'],
      ['writes', 'after.json', 'set,incr'],
    ]);
    assert.equal(r.runs[1].settings.valueSize, 64);
    assert.deepEqual(r.runs[1].settings.nodeOptions, ['--max-semi-space-size=4']);
    assert.deepEqual(r.comparisons.map((c) => [c.before, c.after]), [['reads', 'writes']]);
    for (const x of r.runs) assert.ok(x.totals.ops > 0 && x.totals.errors === 0, `${x.name}: ${JSON.stringify(x.totals.errorsByCode)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server that stops answering mid-step: the step gives up after its drain time and counts the lost replies', async () => {
  const server = await startTestRedis();
  const { createClient } = await import('leanredis');
  const watcher = createClient(server.url);
  try {
    const pending = runCli(['bench', '--url', server.url, '--clients', 'ioredis', '--callers', '4', '--mix', 'get', '--duration', '6s', '--warmup', '0s', '--keys', '10', '--json'], { timeoutMs: 120_000 });
    // Wait for the load to be under way (the server has answered GETs), then freeze the server.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stats = String(await watcher.call('INFO', 'commandstats'));
      const gets = Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
      if (gets > 2000) break;
      if (Date.now() > deadline) throw new Error('the bench never loaded the server');
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(server.pid, 'SIGSTOP');
    const run = await pending;
    process.kill(server.pid, 'SIGCONT');
    assert.equal(run.code, EXIT.ok, run.stderr);
    const x = (JSON.parse(run.stdout) as BenchResult).runs[0];
    assert.ok(x.totals.ops > 0);
    // ioredis has no command timeout: each of the 4 callers' last GET is given up on.
    assert.deepEqual(x.totals.errorsByCode, { ERR_BENCH_NO_REPLY: 4 });
  } finally {
    try {
      process.kill(server.pid, 'SIGCONT');
    } catch {
      // already gone
    }
    watcher.destroy();
    await server.stop();
  }
});

test('a --url password reaches the server and never the output, the HTML or an error; a wrong one exits 3 for every client', async () => {
  const secret = 'pw-9f3c1e77d2';
  const server = await startTestRedis(['--requirepass', secret]);
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-secret-'));
  try {
    const html = join(dir, 'report.html');
    const ok = await runCli(['bench', '--url', `redis://:${secret}@127.0.0.1:${server.port}`, '--clients', 'leanredis,ioredis', '--callers', '2', '--duration', '1s', '--warmup', '0s', '--keys', '10', '--json', '--html', html], { nice: true, timeoutMs: 120_000 });
    assert.equal(ok.code, EXIT.ok, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as BenchResult).server.address, `127.0.0.1:${server.port}`);
    for (const text of [ok.stdout, ok.stderr, readFileSync(html, 'utf8')]) assert.ok(!text.includes(secret), 'the password is not shown');
    // A wrong password is the user's input (exit 3) with the server's own code, for every client.
    for (const client of ['leanredis', 'ioredis', 'redis']) {
      const wrong = await runCli(['bench', '--url', `redis://:not-${secret}@127.0.0.1:${server.port}`, '--clients', client, '--duration', '1s'], { timeoutMs: 120_000 });
      assert.equal(wrong.code, EXIT.unavailable, `${client}: ${wrong.stderr}`);
      assert.ok(!wrong.stderr.includes(secret) && !wrong.stdout.includes(secret), client);
      assert.match(wrong.stderr, /WRONGPASS/, client);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
});

test('--rounds 2 interleaves the runs and merges each one\'s rounds: seconds on one clock, counts summed', async () => {
  const run = await runCli(['bench', '--clients', 'leanredis,ioredis', '--rounds', '2', '--callers', '2', '--duration', '1s', '--warmup', '0s', '--keys', '10', '--json'], { nice: true, timeoutMs: 120_000 });
  assert.equal(run.code, EXIT.ok, run.stderr);
  const r = JSON.parse(run.stdout) as BenchResult;
  for (const x of r.runs) {
    assert.equal(x.rounds, 2);
    assert.deepEqual([...new Set(x.seconds.map((s) => s.round))], [0, 1]);
    const times = x.seconds.map((s) => s.tMs);
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'one clock across the rounds');
    assert.equal(x.steps.length, 1);
    assert.equal(x.steps[0].histogram.count, x.totals.ops);
    assert.equal(x.seconds.reduce((n, s) => n + s.ops, 0), x.totals.ops);
    assert.ok(x.steps[0].durationMs >= 1800, 'both rounds\' time');
  }
});
