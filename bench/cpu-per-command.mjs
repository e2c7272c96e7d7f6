#!/usr/bin/env node
/**
 * The client's own CPU time per command, two builds of leanredis compared in one run: a
 * before/after measure that holds on a busy shared machine, where ops/s swings by 3x from one
 * round to the next (other processes take the cores; they do not add to this process's CPU time).
 *
 *   node bench/cpu-per-command.mjs --base=<dir of another build's index.js> [--rounds=15] [--ops=200000] [--observe]
 *                                  [--load=concurrent100|pipeline100]
 *                                  [--this-options='{"captureCallerStack":true}'] [--set-options='{"expireSeconds":60}']
 *
 * Each round runs, in a fresh child process per build (alternating which goes first), 100
 * concurrent callers alternating SET and GET (as the concurrent100 scenario) for `--ops`
 * commands after a warm-up, and reports process.cpuUsage() (user + system) per command and
 * ops/s. `--load=pipeline100` runs the pipeline100 scenario's load instead: one caller, pipelines
 * of 100 commands (SET and GET alternating, 100-byte value), each awaited before the next.
 * `--observe` subscribes to every leanredis command channel (leanredis:command:end and the
 * leanredis:command tracing channel) in both children, to price an observer.
 * `--this-options` are client options for this build only (with --base at this build's own
 * dist/, it prices an option). Prints the medians, the median of the per-round ratios and their
 * spread. `--set-options` passes an options object to every SET (in both builds), to price the
 * options check (issue 10: against a build whose checkOptions returns at once).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { startServer } from './lib/server.mjs';
import { median, runLoad, VALUE_100 } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--child') {
  const [, , , entry, serverJson, opsText, observe, optionsJson, setOptionsJson, loadName] = process.argv;
  const { createClient } = await import(entry);
  const server = JSON.parse(serverJson);
  const ops = Number(opsText);
  if (observe === '1') {
    const dc = await import('node:diagnostics_channel');
    let seen = 0;
    const count = () => void seen++;
    dc.subscribe('leanredis:command:end', count);
    dc.tracingChannel('leanredis:command').subscribe({ start: count, end: count, asyncStart: count, asyncEnd: count, error: count });
  }
  const client = createClient({ host: server.host, port: server.port, ...JSON.parse(optionsJson) });
  const keys = Array.from({ length: 100 }, (_, i) => `bench:cpu:${i}`);
  const setOptions = setOptionsJson === '' ? undefined : JSON.parse(setOptionsJson);
  const op = setOptions === undefined ? (id, i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100)) : (id, i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100, setOptions));
  const pipeline = () => {
    const p = client.pipeline();
    for (let j = 0; j < 100; j++) {
      if (j & 1) p.get(keys[0]);
      else p.set(keys[0], VALUE_100);
    }
    return p.exec();
  };
  const load = loadName === 'pipeline100' ? { callers: 1, op: pipeline, opsPerCall: 100 } : { callers: 100, op };
  await runLoad({ ...load, durationMs: 60_000, maxOps: 50_000 });
  const before = process.cpuUsage();
  const r = await runLoad({ ...load, durationMs: 120_000, maxOps: ops });
  const used = process.cpuUsage(before);
  await client.close();
  process.stdout.write(`@@RESULT ${JSON.stringify({ nsPerOp: ((used.user + used.system) * 1000) / r.ops, opsPerSec: r.opsPerSec, errors: r.errors })}\n`);
  process.exit(0);
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
for (const k of Object.keys(args)) if (!['base', 'rounds', 'ops', 'observe', 'this-options', 'set-options', 'load'].includes(k)) throw new Error(`unknown option --${k}`);
const loadName = args.load ?? 'concurrent100';
if (!['concurrent100', 'pipeline100'].includes(loadName)) throw new Error(`--load must be concurrent100 or pipeline100, got ${loadName}`);
if (args.base === undefined) throw new Error('--base=<dir of the other build (its index.js)> is required');
const rounds = Number(args.rounds ?? 15);
const ops = Number(args.ops ?? 200_000);
const builds = [
  { label: 'this build', entry: pathToFileURL(join(here, '..', 'packages', 'leanredis', 'dist', 'index.js')).href, options: args['this-options'] ?? '{}' },
  { label: 'base', entry: pathToFileURL(join(resolve(args.base), 'index.js')).href, options: '{}' },
];

function runChild(build, server) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', build.entry, JSON.stringify(server), String(ops), args.observe === 'true' ? '1' : '0', build.options, args['set-options'] ?? '', loadName], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (code !== 0 || line === undefined) fail(new Error(`${build.label}: exit ${code}: ${out}`));
      else done(JSON.parse(line.slice('@@RESULT '.length)));
    });
  });
}

const server = await startServer();
const load = () => (process.getBuiltinModule('node:os').loadavg()[0] ?? 0).toFixed(2);
const loadBefore = load();
/** @type {number[][]} */
const results = builds.map(() => []);
/** @type {number[][]} */
const rates = builds.map(() => []);
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      const r = await runChild(builds[i], server);
      if (r.errors > 0) throw new Error(`${builds[i].label}: ${r.errors} errors`);
      results[i].push(r.nsPerOp);
      rates[i].push(r.opsPerSec);
      process.stderr.write(`round ${round + 1}/${rounds} ${builds[i].label.padEnd(10)} ${r.nsPerOp.toFixed(0)} ns CPU/command (${(r.opsPerSec / 1000).toFixed(1)}k ops/s)\n`);
    }
  }
} finally {
  await server.stop();
}
const ratios = results[0].map((ns, i) => ns / results[1][i]);
const sorted = [...ratios].sort((a, b) => a - b);
const rateRatios = rates[0].map((r, i) => r / rates[1][i]).sort((a, b) => a - b);
const what = loadName === 'pipeline100' ? '1 caller, pipelines of 100, SET/GET' : '100 callers, SET/GET';
console.log(`CPU time per command, ${rounds} interleaved rounds of ${ops} commands (${what})${args.observe === 'true' ? ', every command channel subscribed' : ''}${args['this-options'] ? `, this build with ${args['this-options']}` : ''}; load average ${loadBefore} -> ${load()}`);
console.log(`  this build: ${median(results[0]).toFixed(0)} ns, base: ${median(results[1]).toFixed(0)} ns`);
console.log(`  ratio this/base: median ${median(ratios).toFixed(3)}, quartiles ${sorted[Math.floor(rounds / 4)].toFixed(3)}..${sorted[Math.floor((3 * rounds) / 4)].toFixed(3)}`);
console.log(`  ops/s: this build ${(median(rates[0]) / 1000).toFixed(1)}k, base ${(median(rates[1]) / 1000).toFixed(1)}k; ratio this/base: median ${median(rateRatios).toFixed(3)}, quartiles ${rateRatios[Math.floor(rounds / 4)].toFixed(3)}..${rateRatios[Math.floor((3 * rounds) / 4)].toFixed(3)}`);
