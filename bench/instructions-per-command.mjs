#!/usr/bin/env node
/**
 * User-space instructions per command of two or more builds of leanredis, counted by valgrind's
 * callgrind: a before/after measure that does not move with the machine's load (CPU time per
 * command swings by 10-20% between rounds on a shared 2-core machine; this count by ~1%, by
 * ~0.1% for pipelines). It counts what the process executes (JavaScript, V8, Node, libc), not
 * the kernel's share (socket syscalls), and not time: a build with fewer instructions is not
 * faster by the same fraction. Use it to find and size a regression; confirm with
 * bench/cpu-per-command.mjs on an idle machine.
 *
 *   node bench/instructions-per-command.mjs [--base=<dir of a build's index.js>[,<dir>...]]
 *        [--observe=plain,listen,otel-producer,...] [--dist=<dir>]
 *        [--load=burst100|concurrent100|pipeline100] [--runs=2] [--warm=60000] [--ops=50000]
 *
 * Each run starts a child under `valgrind --tool=callgrind --instr-atstart=no` (counting off),
 * warms it up with `--warm` commands, switches counting on (callgrind_control -i on), runs
 * `--ops` commands and exits; instructions / ops is the figure. Loads: burst100 (100 SET/GET
 * issued at once, awaited together: the same batch every time, so the count is steady),
 * concurrent100 (100 callers each awaiting its own command, as the concurrent100 scenario;
 * batches vary with timing), pipeline100 (pipelines of 100 awaited in turn). The builds take
 * turns; medians per build and each build's ratio to the first --base are printed. Needs
 * valgrind (Debian `valgrind`); ~15 s per run. Starts its own redis-server on a free port.
 *
 * `--observe=<modes>` counts every build in each of these modes of bench/lib/observe-modes.mjs
 * (plain, listen, prometheus, otel-producer: the duration producer, connection gauges and
 * watchMemory...; default plain), set up in the child before the client is made, as
 * bench/observe-cost.mjs does: the same build counted plain and observed, a cost that does not
 * move with the machine's load. Each mode's row also gives its ratio to the same build's first
 * mode. The modes with watchMemory sample every `--watch-ms` (default 100000: valgrind runs the
 * client ~100 times slower, so this is about the 1 s of bench/observe-cost.mjs per command; the
 * watch's cost is per second, not per command, and is measured apart in "What
 * leanredis/diagnostics costs" of docs/BENCHMARKS.md). `--base` may then be left out. `--dist=<dir>` counts a copy of this build (keep copies
 * inside the repository: @opentelemetry/api must resolve from them).
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from './lib/server.mjs';
import { median, VALUE_100 } from './lib/measure.mjs';
import { setUpObserveMode } from './lib/observe-modes.mjs';

const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--child') {
  const [, , , dist, mode, watchMs, serverJson, loadName, warmText, opsText, goFile] = process.argv;
  const server = JSON.parse(serverJson);
  const { within } = await setUpObserveMode(mode, dist, { watchIntervalMs: Number(watchMs) });
  const { createClient } = await import(pathToFileURL(join(dist, 'index.js')).href);
  const client = createClient({ host: server.host, port: server.port });
  const keys = Array.from({ length: 100 }, (_, i) => `bench:instr:${i}`);
  const run = async (total) => {
    let done = 0;
    if (loadName === 'pipeline100') {
      while (done < total) {
        const p = client.pipeline();
        for (let j = 0; j < 100; j++) {
          if (j & 1) p.get(keys[0]);
          else p.set(keys[0], VALUE_100);
        }
        await p.exec();
        done += 100;
      }
    } else if (loadName === 'burst100') {
      const pending = new Array(100);
      while (done < total) {
        for (let j = 0; j < 100; j++) pending[j] = j & 1 ? client.get(keys[j]) : client.set(keys[j], VALUE_100);
        await Promise.all(pending);
        done += 100;
      }
    } else {
      const caller = async (id) => {
        for (let i = 0; done < total; i++) {
          done++;
          await (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100));
        }
      };
      await Promise.all(keys.map((_, id) => caller(id)));
    }
  };
  await within(() => run(Number(warmText)));
  // A one-off mark-compact of the start-up (the OpenTelemetry modes load the SDK) is not a
  // per-command cost: taken here, then a third of the warm-up again so that what follows a full
  // collection (heap and code settling) is not counted either (see bench/observe-cost.mjs).
  globalThis.gc?.();
  await within(() => run(Math.ceil(Number(warmText) / 3)));
  process.stdout.write(`WARM ${process.pid}\n`);
  // The parent switches counting on, then creates the file.
  while (!existsSync(goFile)) await new Promise((r) => setTimeout(r, 20));
  await within(() => run(Number(opsText)));
  process.exit(0); // before close(): counting stops with the process, the close is not counted
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
for (const k of Object.keys(args)) if (!['base', 'observe', 'dist', 'watch-ms', 'load', 'runs', 'warm', 'ops'].includes(k)) throw new Error(`unknown option --${k}`);
const modes = (args.observe ?? 'plain').split(',');
if (args.base === undefined && modes.length < 2) throw new Error('--base=<dir of another build (its index.js)>[,<dir>...] or --observe=<two modes or more> is required');
const loadName = args.load ?? 'burst100';
if (!['burst100', 'concurrent100', 'pipeline100'].includes(loadName)) throw new Error(`--load must be burst100, concurrent100 or pipeline100, got ${loadName}`);
const runs = Number(args.runs ?? 2);
const warm = Number(args.warm ?? 60_000);
const ops = Number(args.ops ?? 50_000);
const watchMs = Number(args['watch-ms'] ?? 100_000);
for (const tool of ['valgrind', 'callgrind_control']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    console.log(`skipped: ${tool} is not installed (Debian package valgrind)`);
    process.exit(0);
  }
}
const bases = args.base === undefined ? [] : args.base.split(',');
const dists = [
  { label: 'this build', dist: args.dist === undefined ? join(here, '..', 'packages', 'leanredis', 'dist') : resolve(args.dist) },
  ...bases.map((dir, i) => ({ label: bases.length === 1 ? 'base' : `base ${i + 1}`, dist: resolve(dir) })),
];
/** Every build in every mode; a row's `build` is its index in `dists`. */
const builds = dists.flatMap((d, build) => modes.map((mode) => ({ label: modes.length === 1 ? d.label : `${d.label} ${mode}`, dist: d.dist, mode, build })));

/** One counted run of one build: instructions per command. */
async function count(build, server) {
  const goFile = join(tmpdir(), `leanredis-instr-go-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const outFile = `${goFile}.callgrind`;
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`, '--smc-check=all-non-file', process.execPath, '--expose-gc', fileURLToPath(import.meta.url), '--child', build.dist, build.mode, String(watchMs), JSON.stringify(server), loadName, String(warm), String(ops), goFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', r));
  await /** @type {Promise<void>} */ (
    new Promise((resolveWarm, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/WARM (\d+)/);
        if (m === null) return;
        child.stdout.removeAllListeners('data');
        execFileSync('callgrind_control', ['-i', 'on', m[1]], { stdio: 'ignore' });
        writeFileSync(goFile, '');
        resolveWarm();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before warming up:\n${stderr.slice(-2000)}`)));
    })
  );
  await exited;
  rmSync(goFile, { force: true });
  rmSync(outFile, { force: true });
  const m = stderr.match(/Collected : (\d+)/);
  if (m === null) throw new Error(`no instruction count in valgrind's output:\n${stderr.slice(-2000)}`);
  return Number(m[1]) / ops;
}

const server = await startServer();
const perBuild = builds.map(() => /** @type {number[]} */ ([]));
try {
  for (let run = 0; run < runs; run++) {
    for (let k = 0; k < builds.length; k++) {
      const b = (k + run) % builds.length;
      const n = await count(builds[b], server);
      perBuild[b].push(n);
      console.log(`run ${run + 1}/${runs} ${builds[b].label.padEnd(28)} ${n.toFixed(0)} instructions/command`);
    }
  }
} finally {
  await server.stop();
}
const medians = perBuild.map((xs) => median(xs));
console.log(`User-space instructions per command (${loadName}, ${runs} run(s) of ${ops} commands after ${warm} of warm-up, valgrind callgrind):`);
for (const [i, b] of builds.entries()) {
  const dir = b.build === 0 ? '' : ` (${bases[b.build - 1]})`;
  const ratios = [];
  // The same mode on the first base; the same build's first mode.
  if (bases.length > 0 && b.build !== 1) ratios.push(`ratio to base${bases.length === 1 ? '' : ' 1'} ${(medians[i] / medians[modes.length + (i % modes.length)]).toFixed(3)}`);
  if (i % modes.length > 0) ratios.push(`ratio to ${modes[0]} ${(medians[i] / medians[i - (i % modes.length)]).toFixed(3)}`);
  console.log(`  ${b.label}${dir}: ${medians[i].toFixed(0)}${ratios.length === 0 ? '' : `, ${ratios.join(', ')}`}`);
}
