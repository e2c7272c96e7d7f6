#!/usr/bin/env node
/**
 * Where the heap sampler's cost comes from (issue 14: "heap sampling at the default interval
 * < 5%"). Side by side, as diagnostics-cost.mjs --parts=pairs: two processes run concurrent100's
 * load (100 callers alternating SET and GET) at the same time, one with nothing on, one with a
 * mode on; CPU per command of the second over the first, window by window. Modes:
 *
 *   control          nothing on in either (A/A: the noise floor)
 *   session          a node:inspector session connected and HeapProfiler enabled per window
 *   restart[-<KiB>k] V8's sampler (HeapProfiler.startSampling, 512 KiB unless given) started at
 *                    each window and stopped (read: a forced full GC) after it
 *   kept             V8's sampler started once before the windows and never read
 *   capture-w<ms>    one captureHeapProfile() at the default interval running through every
 *                    window, its windows `windowMs` long (a read each)
 *
 *   crossover        a crossover of the two processes: in each window one of them runs one
 *                    captureHeapProfile() at its defaults from start to end (durationMs = the
 *                    window, so a 10 s window is the default capture: two 5 s windows, two reads),
 *                    the other nothing, and they swap every window. Each window's load runs 1 s
 *                    past the capture's planned end, so its last read and what follows are
 *                    measured too. The ratio (capturing / not) of two consecutive windows is
 *                    averaged (geometric mean) so that what differs between the two processes
 *                    (their cores, their neighbours) cancels; one figure per pair of windows.
 *   crossover-control the same with no capture on either side: the A/A of the crossover
 *
 *   node bench/heap-sampler-cost.mjs [--modes=control,restart,kept,capture-w5000] [--cycles=16] [--window-ms=2500] [--rounds=1]
 *   node bench/heap-sampler-cost.mjs --modes=crossover-control,crossover --cycles=16 --window-ms=10000 --rounds=2
 */
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startServer } from './lib/server.mjs';
import { median, runLoad, VALUE_100 } from './lib/measure.mjs';
import { BENCH_DIR } from './lib/harness.mjs';

/** Runs `cycles` windows with `mode` on and prints their CPU per command (ns). */
async function child(mode, port, windowMs, cycles) {
  const { createClient } = await import('leanredis');
  const { captureHeapProfile } = await import('leanredis/diagnostics');
  const client = createClient({ host: '127.0.0.1', port });
  const keys = Array.from({ length: 100 }, (_, i) => `bench:sampler:${i}`);
  const op = (/** @type {number} */ id, /** @type {number} */ i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100));
  await runLoad({ callers: 100, durationMs: 3000, maxOps: 1e9, op });
  /** @type {Session | undefined} */
  let session;
  const post = (/** @type {string} */ method, params = {}) => new Promise((resolve, reject) => session?.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  const open = async () => {
    session = new Session();
    session.connect();
    await post('HeapProfiler.enable');
  };
  const restart = /^restart(?:-(\d+)k)?$/.exec(mode);
  const interval = restart?.[1] === undefined ? 524_288 : Number(restart[1]) * 1024;
  const sample = () => post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const captureWindow = /^capture-w(\d+)$/.exec(mode);
  const stopCapture = new AbortController();
  /** @type {Promise<unknown> | undefined} */
  let capture;
  if (mode === 'kept') {
    await open();
    await sample();
  }
  if (captureWindow !== null) capture = captureHeapProfile({ durationMs: 86_400_000, windowMs: Number(captureWindow[1]), signal: stopCapture.signal }).catch(() => undefined);
  if (mode === 'kept' || captureWindow !== null) await runLoad({ callers: 100, durationMs: 1000, maxOps: 1e9, op });
  const out = [];
  const crossover = /^crossover(-control)?-([01])$/.exec(mode);
  if (crossover !== null) {
    // Capture in the windows of this side's phase (never, for the control); load a second past the window.
    for (let c = 0; c < cycles; c++) {
      const on = crossover[1] === undefined && c % 2 === Number(crossover[2]);
      const profile = on ? captureHeapProfile({ durationMs: windowMs }) : undefined;
      const before = process.cpuUsage();
      const r = await runLoad({ callers: 100, durationMs: windowMs + 1000, maxOps: 1e9, op });
      const used = process.cpuUsage(before);
      await profile;
      out.push(((used.user + used.system) * 1000) / r.ops);
    }
    await client.close();
    return out;
  }
  for (let c = 0; c < cycles; c++) {
    if (mode === 'session' || restart !== null) await open();
    if (restart !== null) await sample();
    const before = process.cpuUsage();
    const r = await runLoad({ callers: 100, durationMs: windowMs, maxOps: 1e9, op });
    const used = process.cpuUsage(before);
    if (restart !== null) await post('HeapProfiler.stopSampling');
    if (mode === 'session' || restart !== null) {
      await post('HeapProfiler.disable');
      session?.disconnect();
    }
    out.push(((used.user + used.system) * 1000) / r.ops);
  }
  stopCapture.abort();
  await capture;
  await client.close();
  return out;
}

if (process.argv[2] === '--child') {
  const [, , , mode, port, windowMs, cycles] = process.argv;
  const out = await child(mode, Number(port), Number(windowMs), Number(cycles));
  process.stdout.write(`@@RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
}

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
for (const k of Object.keys(args)) if (!['modes', 'cycles', 'window-ms', 'rounds'].includes(k)) throw new Error(`unknown option --${k}`);
const modes = (args.modes ?? 'control,restart,kept,capture-w5000').split(',');
for (const m of modes) if (!/^(control|session|kept|restart(-\d+k)?|capture-w\d+|crossover(-control)?)$/.test(m)) throw new Error(`unknown mode ${m}`);
const cycles = Number(args.cycles ?? 16);
const windowMs = Number(args['window-ms'] ?? 2500);
const rounds = Number(args.rounds ?? 1);
const here = fileURLToPath(import.meta.url);
/** @returns {Promise<number[]>} */
const run = (/** @type {string} */ mode, /** @type {number} */ port) =>
  new Promise((done, fail) => {
    const c = spawn(process.execPath, [here, '--child', mode, String(port), String(windowMs), String(cycles)], { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || line === undefined) fail(new Error(`${mode}: exit ${code}`));
      else done(JSON.parse(line.slice('@@RESULT '.length)));
    });
  });
const pct = (/** @type {number} */ x) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
const loadBefore = loadavg()[0].toFixed(1);
const server = await startServer();
/** @type {Record<string, number[]>} */
const ratios = Object.fromEntries(modes.map((m) => [m, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      if (mode.startsWith('crossover')) {
        // Side 0 captures in even windows, side 1 in odd ones: ratio = capturing side / the other.
        const [a, b] = await Promise.all([run(`${mode}-0`, server.port), run(`${mode}-1`, server.port)]);
        const perWindow = a.map((ns, i) => (i % 2 === 0 ? ns / b[i] : b[i] / ns));
        const pairs = [];
        for (let i = 0; i + 1 < perWindow.length; i += 2) pairs.push(Math.sqrt(perWindow[i] * perWindow[i + 1]));
        ratios[mode].push(...pairs);
        process.stderr.write(`${mode}: windows ${perWindow.map(pct).join(' ')}; pairs ${pairs.map(pct).join(' ')}\n`);
        continue;
      }
      const [off, on] = await Promise.all([run('control', server.port), run(mode, server.port)]);
      ratios[mode].push(...on.map((ns, i) => ns / off[i]));
      process.stderr.write(`${mode}: ${on.map((ns, i) => pct(ns / off[i])).join(' ')}\n`);
    }
  }
} finally {
  await server.stop();
}
console.log(`\nCPU per command with the mode on against a process with nothing on, side by side (${rounds} × ${cycles} windows of ${windowMs} ms); load average ${loadBefore} -> ${loadavg()[0].toFixed(1)}\n`);
console.log('| mode | median | p25 .. p75 | windows (crossover: pairs of windows) |', '\n|---|---:|---:|---:|');
for (const mode of modes) {
  const q = [...ratios[mode]].sort((a, b) => a - b);
  console.log(`| ${mode} | ${pct(median(q))} | ${pct(q[q.length >> 2])} .. ${pct(q[(3 * q.length) >> 2])} | ${q.length} |`);
}
