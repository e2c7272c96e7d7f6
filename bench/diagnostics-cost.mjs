#!/usr/bin/env node
/**
 * What `leanredis/diagnostics` costs the process it watches (issue 14's goals), measured in one
 * run beside the plain client:
 *
 *   throughput  concurrent100 (100 callers alternating SET and GET on one client, as the
 *               scenario). Per round, two fresh child processes in alternating order:
 *                 plain     imports 'leanredis' only: `cycles` windows
 *                 imported  also imports 'leanredis/diagnostics', then `cycles` cycles of four
 *                           windows in rotating order: nothing started (unobserved; goal < 1%
 *                           against plain); nothing started again (the control: an A/A pair
 *                           that shows the noise floor); watchMemory({ intervalMs: 1000 }) with its default
 *                           alarms, the client watched; captureHeapProfile() at its defaults
 *                           (512 KiB interval, alternating 5 s alloc and inuse windows, each
 *                           ending with the full GC V8 forces before a profile read; goal < 5%)
 *               Each window: ops/s, and the process's own CPU time per command (process.cpuUsage,
 *               the watch's and the sampler's work included; a loaded machine moves it far less
 *               than ops/s). The watch and sampling windows are compared with the nothing-started
 *               window of the same cycle in the same process, so machine load drifts alike.
 *   pairs       side by side: two processes with the subpath imported run at the same time, one
 *               with nothing started, one with a mode on in every window; CPU per command of
 *               the second against the first, window by window (the control mode is the A/A pair)
 *   idle        CPU of an idle process holding one connected client, with and without
 *               watchMemory({ intervalMs: 1000 }), the two children side by side for `--idle-ms`:
 *               the watch's CPU as a share of one core (goal < 1%).
 *   import      bench/lib/import-probe.mjs on `leanredis/diagnostics` and on `leanredis`, as
 *               `node bench/import-cost.mjs` measures the core (plus the heap-snapshot cross-check).
 *
 *   node bench/diagnostics-cost.mjs [--parts=throughput,pairs,idle,import] [--modes=control,watch,sampling,sampling-<KiB>k-w<ms>] [--rounds=2] [--cycles=3]
 *                                   [--window-ms=2500] [--idle-ms=10000] [--json]
 *
 * Prints Markdown tables; writes bench/results/diagnostics.json for a run with every part at the
 * defaults, bench/results/tmp/diagnostics.json otherwise.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { median, runLoad, VALUE_100 } from './lib/measure.mjs';
import { measureImport } from './lib/import-probe.mjs';
import { BENCH_DIR, RESULTS_DIR, leanredisBuild, machineInfo } from './lib/harness.mjs';

/**
 * A sampling mode's captureHeapProfile options: `sampling` is the defaults; `sampling-32k` sets
 * samplingIntervalBytes (KiB), `sampling-w20000` windowMs, `sampling-32k-w20000` both.
 * @param {string} mode @returns {{ samplingIntervalBytes?: number, windowMs?: number } | undefined}
 */
function samplingSettings(mode) {
  const m = /^sampling(?:-(\d+)k)?(?:-w(\d+))?$/.exec(mode);
  if (m === null) return undefined;
  return { ...(m[1] === undefined ? {} : { samplingIntervalBytes: Number(m[1]) * 1024 }), ...(m[2] === undefined ? {} : { windowMs: Number(m[2]) }) };
}

/**
 * One throughput child: `plain` imports only the client and measures `cycles` windows; `imported`
 * also imports the subpath and measures cycles of three windows, in rotating order: nothing
 * started (off), a watch running (watch), a heap profile being captured (sampling). Each
 * window reports ops/s and CPU per command.
 * @param {string} variant @param {{ host: string, port: number }} server @param {number} windowMs @param {number} cycles @param {string[]} [measured]
 */
async function throughputChild(variant, server, windowMs, cycles, measured = ['control', 'watch', 'sampling']) {
  const { createClient } = await import('leanredis');
  const diagnostics = variant === 'plain' ? undefined : await import('leanredis/diagnostics');
  const client = createClient({ host: server.host, port: server.port });
  const keys = Array.from({ length: 100 }, (_, i) => `bench:diag:${i}`);
  const op = (/** @type {number} */ id, /** @type {number} */ i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100));
  // Long enough for the JIT to settle: the first windows would otherwise be the slowest.
  await runLoad({ callers: 100, durationMs: 3000, maxOps: 1_000_000, op });
  /** @type {Record<string, { opsPerSec: number, nsPerOp: number }[]>} */
  const windows = Object.fromEntries(['off', 'control', 'watch', ...measured].map((m) => [m, []]));
  // 'only': the measured modes alone, every window (the side-by-side pairs).
  const modes = diagnostics === undefined ? ['off'] : variant === 'only' ? measured : ['off', ...measured];
  let errors = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(cycle + k) % modes.length];
      /** @type {{ stop(): void } | undefined} */
      let watch;
      const controller = new AbortController();
      /** @type {Promise<unknown> | undefined} */
      let sampling;
      if (mode === 'watch') watch = diagnostics?.watchMemory({ intervalMs: 1000, clients: [client], onAlarm: () => undefined });
      const settings = samplingSettings(mode);
      if (settings !== undefined) sampling = diagnostics?.captureHeapProfile({ durationMs: 600_000, signal: controller.signal, ...settings }).catch(() => undefined);
      const before = process.cpuUsage();
      const r = await runLoad({ callers: 100, durationMs: windowMs, maxOps: 50_000_000, op });
      const used = process.cpuUsage(before);
      controller.abort();
      await sampling;
      watch?.stop();
      errors += r.errors;
      windows[mode].push({ opsPerSec: r.opsPerSec, nsPerOp: ((used.user + used.system) * 1000) / r.ops });
    }
  }
  await client.close();
  return { windows, errors };
}

/** @param {string} variant @param {{ host: string, port: number }} server @param {number} idleMs */
async function idleChild(variant, server, idleMs) {
  const { createClient } = await import('leanredis');
  const { watchMemory } = await import('leanredis/diagnostics');
  const client = createClient({ host: server.host, port: server.port });
  await client.ping();
  const watch = variant === 'watch' ? watchMemory({ intervalMs: 1000, clients: [client], onAlarm: () => undefined }) : undefined;
  // A ref'd timer keeps the process alive (the watch's are unref'd); one wake-up per idle window.
  await new Promise((r) => setTimeout(r, 1000));
  const before = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, idleMs));
  const used = process.cpuUsage(before);
  const ms = performance.now() - t0;
  const samples = watch?.history().length ?? 0;
  watch?.stop();
  await client.close();
  return { cpuPercent: ((used.user + used.system) / 1000 / ms) * 100, cpuMs: (used.user + used.system) / 1000, ms, samples };
}

if (process.argv[2] === '--child') {
  const [, , , part, variant, serverJson, lengthText, cyclesText, modesText] = process.argv;
  const server = JSON.parse(serverJson);
  const result = part === 'idle' ? await idleChild(variant, server, Number(lengthText)) : await throughputChild(variant, server, Number(lengthText), Number(cyclesText), modesText.split(','));
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
for (const k of Object.keys(args)) if (!['parts', 'modes', 'rounds', 'cycles', 'window-ms', 'idle-ms', 'json'].includes(k)) throw new Error(`unknown option --${k}`);
const parts = (args.parts ?? 'throughput,idle,import').split(',');
for (const p of parts) if (!['throughput', 'pairs', 'idle', 'import'].includes(p)) throw new Error(`unknown part ${p}`);
// The windows compared with the nothing-started one in the imported process.
const modes = (args.modes ?? 'control,watch,sampling').split(',');
for (const m of modes) if (!['control', 'watch'].includes(m) && samplingSettings(m) === undefined) throw new Error(`unknown mode ${m} (control, watch, sampling, sampling-<KiB>k, sampling-w<windowMs>, sampling-<KiB>k-w<windowMs>)`);
const rounds = Number(args.rounds ?? 2);
const cycles = Number(args.cycles ?? 3);
// A sampling window holds whole capture windows (each ending with its forced GC and profile
// read) only when it is at least 2 x the capture's windowMs (5 s): pass --window-ms=10000 to
// price the capture at its defaults; shorter windows price the sampling without the reads.
const windowMs = Number(args['window-ms'] ?? 2500);
const idleMs = Number(args['idle-ms'] ?? 10_000);
const here = fileURLToPath(import.meta.url);

/** @param {string} part @param {string} variant @param {object} server @param {number} length @param {number} [cycles] @param {string[]} [childModes] @returns {Promise<any>} */
function child(part, variant, server, length, cycles = 0, childModes = modes) {
  return new Promise((done, fail) => {
    const c = spawn(process.execPath, [here, '--child', part, variant, JSON.stringify(server), String(length), String(cycles), childModes.join(',')], { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || line === undefined) fail(new Error(`${part} ${variant}: exit ${code}: ${out}`));
      else done(JSON.parse(line.slice('@@RESULT '.length)));
    });
  });
}

const progress = (/** @type {string} */ s) => process.stderr.write(`${s}\n`);
const pct = (/** @type {number} */ ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
const loadBefore = loadavg()[0];
const server = await startServer();
/** @type {Record<string, unknown>} */
const doc = { machine: machineInfo(server), leanredisBuild: leanredisBuild(), command: `node bench/diagnostics-cost.mjs ${process.argv.slice(2).join(' ')}`.trim(), rounds, windowMs, idleMs };
const lines = [];
try {
  if (parts.includes('throughput')) {
    /** @type {{ plain: any[], imported: any[] }} */
    const raw = { plain: [], imported: [] };
    /** @type {Record<string, number[]>} */
    const ratios = Object.fromEntries(['imported', 'control', 'watch', 'sampling', ...modes].map((m) => [m, []]));
    /** @type {Record<string, number[]>} */
    const cpuRatios = Object.fromEntries(['imported', 'control', 'watch', 'sampling', ...modes].map((m) => [m, []]));
    const med = (/** @type {{ opsPerSec: number, nsPerOp: number }[]} */ ws, /** @type {'opsPerSec' | 'nsPerOp'} */ key) => median(ws.map((w) => w[key]));
    for (let round = 1; round <= rounds; round++) {
      // Alternate which process goes first, so neither always meets the same machine state.
      const order = round % 2 === 1 ? ['plain', 'imported'] : ['imported', 'plain'];
      /** @type {Record<string, any>} */
      const got = {};
      for (const v of order) got[v] = await child('throughput', v, { host: server.host, port: server.port }, windowMs, cycles);
      raw.plain.push(got.plain);
      raw.imported.push(got.imported);
      const p = got.plain.windows.off;
      const w = got.imported.windows;
      ratios.imported.push(med(w.off, 'opsPerSec') / med(p, 'opsPerSec'));
      cpuRatios.imported.push(med(w.off, 'nsPerOp') / med(p, 'nsPerOp'));
      // Within the process: each watch or sampling window against the off window of its cycle.
      for (let i = 0; i < w.off.length; i++) {
        for (const mode of modes) {
          ratios[mode].push(w[mode][i].opsPerSec / w.off[i].opsPerSec);
          cpuRatios[mode].push(w[mode][i].nsPerOp / w.off[i].nsPerOp);
        }
      }
      progress(`[throughput] round ${round}/${rounds}: plain ${(med(p, 'opsPerSec') / 1000).toFixed(1)}k ops/s; imported: ${['off', ...modes].map((m) => `${m} ${(med(w[m], 'opsPerSec') / 1000).toFixed(1)}k`).join(', ')}`);
    }
    const all = (/** @type {string} */ v, /** @type {string} */ mode) => raw[/** @type {'plain' | 'imported'} */ (v)].flatMap((r) => r.windows[mode]);
    const rows = [
      { variant: 'plain (import leanredis only)', windows: all('plain', 'off'), key: '' },
      { variant: 'leanredis/diagnostics imported, nothing started', windows: all('imported', 'off'), key: 'imported' },
      { variant: 'control: a second nothing-started window (the noise floor)', windows: all('imported', 'control'), key: 'control' },
      { variant: 'watchMemory({ intervalMs: 1000 }) running', windows: all('imported', 'watch'), key: 'watch' },
      { variant: 'captureHeapProfile() running (defaults)', windows: all('imported', 'sampling'), key: 'sampling' },
    ]
      .filter((r) => r.key === '' || r.key === 'imported' || modes.includes(r.key))
      .map((r) => ({
      variant: r.variant,
      opsPerSec: med(r.windows, 'opsPerSec'),
      nsPerOp: med(r.windows, 'nsPerOp'),
      opsRatio: r.key ? median(ratios[r.key]) : 1,
      opsRatioRange: r.key ? [Math.min(...ratios[r.key]), Math.max(...ratios[r.key])] : [1, 1],
      cpuRatio: r.key ? median(cpuRatios[r.key]) : 1,
      cpuRatioRange: r.key ? [Math.min(...cpuRatios[r.key]), Math.max(...cpuRatios[r.key])] : [1, 1],
      pairs: r.key ? ratios[r.key].length : 0,
    }));
    doc.throughput = { rows, raw, cycles };
    lines.push(`### concurrent100 with diagnostics (${rounds} rounds × ${cycles} cycles of ${windowMs} ms windows)`, '');
    lines.push('| variant | ops/s ↑ | ops/s vs baseline, median [range] ↑ | CPU per command ↓ | CPU vs baseline ↓ |', '|---|---:|---:|---:|---:|');
    for (const r of rows) {
      const vs = (/** @type {number} */ m, /** @type {number[]} */ range) => (r.pairs === 0 ? 'baseline' : `${pct(m)} [${pct(range[0])} .. ${pct(range[1])}] (${r.pairs} pairs)`);
      lines.push(`| ${r.variant} | ${(r.opsPerSec / 1000).toFixed(1)}k | ${vs(r.opsRatio, r.opsRatioRange)} | ${(r.nsPerOp / 1000).toFixed(2)} µs | ${vs(r.cpuRatio, r.cpuRatioRange)} |`);
    }
    lines.push('', 'Baselines: the imported row against the plain process of the same round; the watch and sampling rows against the nothing-started window of the same cycle in the same process; the control row is that comparison with nothing started in either window: what noise alone gives.', '');
  }
  if (parts.includes('pairs')) {
    // Side by side: two processes with the subpath imported run at the same time against the
    // same server, one with nothing started, one with each measured mode in every window. They
    // share the machine's load second by second, as the idle part's pair does.
    /** @type {Record<string, number[]>} */
    const cpu = {};
    for (const mode of modes) {
      cpu[mode] = [];
      for (let round = 1; round <= rounds; round++) {
        const [off, on] = await Promise.all([
          child('throughput', 'only', { host: server.host, port: server.port }, windowMs, cycles, ['control']),
          child('throughput', 'only', { host: server.host, port: server.port }, windowMs, cycles, [mode]),
        ]);
        for (let i = 0; i < cycles; i++) cpu[mode].push(on.windows[mode][i].nsPerOp / off.windows.control[i].nsPerOp);
        progress(`[pairs] ${mode} round ${round}/${rounds}: CPU per command ${cpu[mode].slice(-cycles).map((r) => pct(r)).join(' ')}`);
      }
    }
    doc.pairs = cpu;
    lines.push(`### Side by side: CPU per command with a mode on, against a process with nothing started running at the same time (${rounds} rounds × ${cycles} windows of ${windowMs} ms)`, '');
    lines.push('| mode | CPU per command vs nothing started, median [range] |', '|---|---:|');
    for (const [mode, r] of Object.entries(cpu)) lines.push(`| ${mode} | ${pct(median(r))} [${pct(Math.min(...r))} .. ${pct(Math.max(...r))}] (${r.length} windows) |`);
    lines.push('');
  }
  if (parts.includes('idle')) {
    /** @type {{ none: Record<string, number>[], watch: Record<string, number>[] }} */
    const raw = { none: [], watch: [] };
    for (let round = 1; round <= Math.min(rounds, 3); round++) {
      // Side by side: both children see the same machine load for the same seconds.
      const [none, watch] = await Promise.all([child('idle', 'none', { host: server.host, port: server.port }, idleMs), child('idle', 'watch', { host: server.host, port: server.port }, idleMs)]);
      raw.none.push(none);
      raw.watch.push(watch);
      progress(`[idle] round ${round}: without ${none.cpuPercent.toFixed(3)}% CPU, with the watch ${watch.cpuPercent.toFixed(3)}% (${watch.samples} samples)`);
    }
    const diffs = raw.watch.map((w, i) => w.cpuPercent - raw.none[i].cpuPercent);
    const perSample = raw.watch.map((w, i) => (w.cpuMs - raw.none[i].cpuMs) / Math.max(1, w.samples));
    doc.idle = { raw, watchCpuPercent: median(diffs), range: [Math.min(...diffs), Math.max(...diffs)], cpuMsPerSecond: median(perSample) };
    lines.push(`### watchMemory at a 1 s interval, idle process (${raw.none.length} rounds of ${idleMs / 1000} s, side by side)`, '');
    lines.push('| | CPU, share of one core |', '|---|---:|');
    lines.push(`| without the watch | ${median(raw.none.map((r) => r.cpuPercent)).toFixed(3)}% |`);
    lines.push(`| with the watch | ${median(raw.watch.map((r) => r.cpuPercent)).toFixed(3)}% |`);
    lines.push(`| the watch's own | **${median(diffs).toFixed(3)}%** [${Math.min(...diffs).toFixed(3)} .. ${Math.max(...diffs).toFixed(3)}] (${median(perSample).toFixed(2)} ms CPU per 1 s sample) |`, '');
  }
  if (parts.includes('import')) {
    /** @type {Record<string, ReturnType<typeof measureImport>>} */
    const imports = {};
    for (const spec of ['leanredis', 'leanredis/diagnostics']) {
      imports[spec] = measureImport(spec, { heapRuns: 5, wallRuns: 10, reachableRuns: 3 });
      progress(`[import] ${spec}: ${(imports[spec].heapBytes / 1024).toFixed(1)} KB heap after GC, ${imports[spec].files} files`);
    }
    doc.import = imports;
    lines.push('### Import cost (bench/lib/import-probe.mjs, fresh processes)', '');
    lines.push('| import | heap after GC ↓ | heap reachable (snapshot) ↓ | files ↓ | bytes of those files | wall over bare node ↓ | built-ins loaded |', '|---|---:|---:|---:|---:|---:|---|');
    for (const [spec, r] of Object.entries(imports)) {
      lines.push(`| \`${spec}\` | ${(r.heapBytes / 1024).toFixed(1)} KB | ${((r.reachableBytes ?? 0) / 1024).toFixed(1)} KB | ${r.files} | ${(r.fileBytes / 1024).toFixed(1)} KB | ${r.wallMs >= 0 ? "+" : ""}${r.wallMs.toFixed(1)} ms | ${r.builtins.length ? r.builtins.join(', ') : 'none'} |`);
    }
    lines.push('');
  }
} finally {
  await server.stop();
}
const loadAverage = { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) };
doc.loadAverage = loadAverage;
lines.push(`Load average ${loadAverage.before} → ${loadAverage.after}. Command: \`${doc.command}\`.`);
const isCanonical = parts.length === 3 && args.modes === undefined && args.rounds === undefined && args.cycles === undefined && args['window-ms'] === undefined && args['idle-ms'] === undefined;
const dir = isCanonical ? RESULTS_DIR : join(RESULTS_DIR, 'tmp');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'diagnostics.json'), `${JSON.stringify(doc, null, 2)}\n`);
if (args.json === 'true') console.log(JSON.stringify(doc, null, 2));
else console.log(lines.join('\n'));
