#!/usr/bin/env node
/**
 * What observing costs: concurrent100's load (100 callers alternating SET and GET on one client)
 * with the diagnostics and OpenTelemetry features on, against the plain client, interleaved in one
 * run. Each row runs in a fresh child process per round (rotating the order); it reports the
 * client process's CPU time per command (process.cpuUsage, robust on a shared machine) and ops/s.
 *
 *   node bench/observe-cost.mjs [--rounds=7] [--ops=100000] [--modes=plain,watch,...] [--base=<dist dir>] [--dist=<dist dir>]
 *
 * Modes (bench/lib/observe-modes.mjs describes each): plain, watch, listen, prometheus, otel-metrics,
 * otel-producer, otel-producer-prometheus, otel, otel-traces-producer, otel-sampled, otel-unparented, otel-unsampled-parent,
 * otel-null-tracer, context-only.
 * `--alternate=<pairs>` instead runs, per round and mode, one process whose blocks of `--ops` commands
 * alternate the mode on (set up before the block, torn down after) and off (the plain client),
 * and reports the ratio of each on block to its neighbour: the process's own differences cancel
 * (separate processes per row differ by +-15% from round to round on a shared machine).
 * `--base=<dir>` also runs every mode against another build's dist/ (index.js, diagnostics.js,
 * otel.js), to compare a change of the core's observed path before/after in the same run; with
 * `--alternate`, each build gets its own alternating processes (its own ratios, labelled
 * `this <mode>` and `base <mode>`), in turns within each round.
 * Each child (not with --alternate) runs a full collection (`gc()`) between its warm-up and the measured commands, so
 * a one-off mark-compact of its start-up (the OpenTelemetry modes load the SDK, and their first
 * one otherwise fell inside the measured 80,000 commands) is not charged per command;
 * `--settle-gc=0` leaves it out, as runs before 2026-12-07 did.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { startServer } from './lib/server.mjs';
import { median, runLoad, VALUE_100 } from './lib/measure.mjs';
import { OBSERVE_MODES, setUpObserveMode as setUp } from './lib/observe-modes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MODES = OBSERVE_MODES;

/** The build's client on the bench server, and the SET/GET operation every mode runs. */
async function openLoad(dist, serverJson) {
  const { createClient } = await import(pathToFileURL(join(dist, 'index.js')).href);
  const server = JSON.parse(serverJson);
  const client = createClient({ host: server.host, port: server.port });
  const keys = Array.from({ length: 100 }, (_, i) => `bench:obs:${i}`);
  /** @type {(id: number, i: number) => Promise<unknown>} */
  const op = (id, i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100));
  return { client, op };
}

if (process.argv[2] === '--child-alternate') {
  // One process, blocks of `ops` commands taking turns with `mode` set up and torn down (off:
  // the plain client), the order flipped each pair: what differs between processes cancels.
  const [, , , mode, dist, serverJson, opsText, blocksText] = process.argv;
  const { client, op } = await openLoad(dist, serverJson);
  const ops = Number(opsText);
  /** @type {{ on: number[], off: number[] }} */
  const out = { on: [], off: [] };
  for (let b = -1; b < Number(blocksText); b++) {
    for (const on of b % 2 === 0 ? [true, false] : [false, true]) {
      const s = on ? await setUp(mode, dist) : undefined;
      const before = process.cpuUsage();
      const r = await runLoad({ callers: 100, durationMs: 120_000, maxOps: b < 0 ? 50_000 : ops, op });
      const used = process.cpuUsage(before);
      s?.stop();
      if (r.errors > 0) throw new Error(`${mode}: ${r.errors} errors`);
      if (b >= 0) out[on ? 'on' : 'off'].push(((used.user + used.system) * 1000) / r.ops);
    }
  }
  await client.close();
  process.stdout.write(`@@RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
}

if (process.argv[2] === '--child') {
  const [, , , mode, dist, serverJson, opsText, settleGc] = process.argv;
  const { stop, within } = await setUp(mode, dist);
  const { client, op } = await openLoad(dist, serverJson);
  const ops = Number(opsText);
  await within(() => runLoad({ callers: 100, durationMs: 60_000, maxOps: 50_000, op }));
  // A full collection before the measured commands: the OpenTelemetry modes load the SDK, whose
  // heap makes the process's first mark-compact (10-25 ms of CPU, once) fall inside them (+100
  // to +300 ns per command over 80,000 commands, none in plain or listen): a start-up cost,
  // not a per-command one. Then 20,000 commands more, so what follows a full collection (heap
  // and code settling) is not measured either.
  if (settleGc === '1') {
    globalThis.gc?.();
    await within(() => runLoad({ callers: 100, durationMs: 60_000, maxOps: 20_000, op }));
  }
  const before = process.cpuUsage();
  const r = await within(() => runLoad({ callers: 100, durationMs: 120_000, maxOps: ops, op }));
  const used = process.cpuUsage(before);
  await client.close();
  stop();
  process.stdout.write(`@@RESULT ${JSON.stringify({ nsPerOp: ((used.user + used.system) * 1000) / r.ops, opsPerSec: r.opsPerSec, errors: r.errors })}\n`);
  process.exit(0);
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
for (const k of Object.keys(args)) if (!['rounds', 'ops', 'modes', 'base', 'dist', 'alternate', 'settle-gc'].includes(k)) throw new Error(`unknown option --${k}`);
const settleGc = (args['settle-gc'] ?? '1') !== '0';
const rounds = Number(args.rounds ?? 7);
const ops = Number(args.ops ?? 100_000);
const modes = args.modes === undefined ? MODES : args.modes.split(',');
for (const m of modes) if (!MODES.includes(m)) throw new Error(`unknown mode ${m}; known: ${MODES.join(', ')}`);
// --dist: this build from a copy (a rebuild of packages/leanredis/dist during the run cannot mix builds).
const builds = [{ label: 'this', dist: args.dist === undefined ? join(here, '..', 'packages', 'leanredis', 'dist') : resolve(args.dist) }];
if (args.base !== undefined) builds.push({ label: 'base', dist: resolve(args.base) });
const rows = builds.flatMap((b) => modes.map((mode) => ({ label: builds.length > 1 ? `${b.label} ${mode}` : mode, mode, dist: b.dist, ns: /** @type {number[]} */ ([]), ops: /** @type {number[]} */ ([]) })));

function runChild(row, server) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', row.mode, row.dist, JSON.stringify(server), String(ops), settleGc ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'], cwd: here });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || line === undefined) fail(new Error(`${row.label}: exit ${code}: ${out}`));
      else done(JSON.parse(line.slice('@@RESULT '.length)));
    });
  });
}

if (args.alternate !== undefined) {
  // --alternate=<blocks>: per round and mode, one process alternating blocks with the mode on
  // and off (see --child-alternate); the ratio of each on block to its neighbouring off block.
  // With --base, every build runs its own alternating process per round and mode (in turns,
  // the order rotating by round), each on/off ratio within one build; the rows say which build.
  const blocks = Number(args.alternate);
  const server = await startServer();
  const loadAt = () => (process.getBuiltinModule('node:os').loadavg()[0] ?? 0).toFixed(2);
  const loadStart = loadAt();
  /** @type {Record<string, number[]>} */
  const ratios = {};
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        if (mode === 'plain' || mode === 'otel-unsampled-parent' || mode === 'context-only') continue; // the off blocks are plain; a context manager cannot be unset
        const shift = round % builds.length;
        for (const b of [...builds.slice(shift), ...builds.slice(0, shift)]) {
          const label = builds.length > 1 ? `${b.label} ${mode}` : mode;
          const r = await new Promise((done, fail) => {
            const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child-alternate', mode, b.dist, JSON.stringify(server), String(ops), String(blocks)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: here });
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.on('exit', (code) => {
              const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
              if (code !== 0 || line === undefined) fail(new Error(`${label}: exit ${code}: ${out}`));
              else done(JSON.parse(line.slice('@@RESULT '.length)));
            });
          });
          (ratios[label] ??= []).push(...r.on.map((ns, i) => ns / r.off[i]));
          process.stderr.write(`round ${round + 1}/${rounds} ${label}: ${r.on.map((ns, i) => `${((ns / r.off[i] - 1) * 100).toFixed(1)}%`).join(' ')}\n`);
        }
      }
    }
  } finally {
    await server.stop();
  }
  const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  console.log(`Observation cost in one process, blocks of ${ops} commands alternating the mode on and off (${rounds} rounds × ${blocks} pairs of blocks); load average ${loadStart} -> ${loadAt()}`);
  console.log(`| ${builds.length > 1 ? 'build and mode' : 'mode'} | CPU per command, on / off (median) | p25 .. p75 | pairs |\n|---|---:|---:|---:|`);
  for (const [label, v] of Object.entries(ratios)) {
    const q = [...v].sort((a, b) => a - b);
    console.log(`| ${label} | ${pct(median(q))} | ${pct(q[q.length >> 2])} .. ${pct(q[(3 * q.length) >> 2])} | ${q.length} |`);
  }
  process.exit(0);
}

const server = await startServer();
const load = () => (process.getBuiltinModule('node:os').loadavg()[0] ?? 0).toFixed(2);
const loadBefore = load();
try {
  for (let round = 0; round < rounds; round++) {
    const shift = round % rows.length;
    for (const row of [...rows.slice(shift), ...rows.slice(0, shift)]) {
      const r = await runChild(row, server);
      if (r.errors > 0) throw new Error(`${row.label}: ${r.errors} errors`);
      row.ns.push(r.nsPerOp);
      row.ops.push(r.opsPerSec);
      process.stderr.write(`round ${round + 1}/${rounds} ${row.label.padEnd(18)} ${r.nsPerOp.toFixed(0)} ns CPU/command (${(r.opsPerSec / 1000).toFixed(1)}k ops/s)\n`);
    }
  }
} finally {
  await server.stop();
}
const plainOf = (row) => rows.find((r) => r.dist === row.dist && r.mode === 'plain');
console.log(`Observation cost, concurrent100 load (100 callers, SET/GET), ${rounds} interleaved rounds of ${ops} commands${settleGc ? ', a full GC before them' : ''}; load average ${loadBefore} -> ${load()}`);
console.log('| row | CPU per command (median) | vs plain (median of per-round ratios) | p25 .. p75 | ops/s (median) | vs plain |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const plain = plainOf(row);
  const cpuRatios = plain ? row.ns.map((ns, i) => ns / plain.ns[i]).sort((a, b) => a - b) : [];
  const cpuRatio = plain ? median(cpuRatios) : NaN;
  const opsRatio = plain ? median(row.ops.map((o, i) => o / plain.ops[i])) : NaN;
  const pct = (r) => (r === undefined || Number.isNaN(r) ? '-' : `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`);
  const quartiles = cpuRatios.length === 0 ? '-' : `${pct(cpuRatios[cpuRatios.length >> 2])} .. ${pct(cpuRatios[(3 * cpuRatios.length) >> 2])}`;
  console.log(`| ${row.label} | ${(median(row.ns) / 1000).toFixed(2)} µs | ${pct(cpuRatio)} | ${quartiles} | ${(median(row.ops) / 1000).toFixed(1)}k | ${pct(opsRatio)} |`);
}
