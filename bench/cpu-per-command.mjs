#!/usr/bin/env node
/**
 * The client's own CPU time per command, two builds of leanredis compared in one run: a
 * before/after measure that holds on a busy shared machine, where ops/s swings by 3x from one
 * round to the next (other processes take the cores; they do not add to this process's CPU time).
 *
 *   node bench/cpu-per-command.mjs --base=<dir of another build's index.js>[,<dir>...] [--rounds=15] [--ops=200000] [--observe]
 *                                  [--this-options='{"captureCallerStack":true}'] [--set-options='{"expireSeconds":60}']
 *                                  [--zrange-options='{"reverse":true}'] [--load=concurrent100|pipeline100] [--in-process] [--issue-only]
 *
 * Each round runs, in a fresh child process per build (rotating which goes first), 100
 * concurrent callers alternating SET and GET (as the concurrent100 scenario) for `--ops`
 * commands after a warm-up, and reports process.cpuUsage() (user + system) per command and
 * ops/s. `--load=pipeline100` runs the pipeline100 scenario's load instead: one caller, pipelines
 * of 100 commands (SET and GET alternating, 100-byte value), each awaited before the next.
 * `--observe` subscribes to every leanredis command channel (leanredis:command:end and the
 * leanredis:command tracing channel) in both children, to price an observer.
 * `--this-options` are client options for this build only (with --base at this build's own
 * dist/, it prices an option). Prints the medians, the median of the per-round ratios and their
 * spread. `--set-options` passes an options object to every SET (in both builds), to price the
 * options check (issue 10: against a build whose checkOptions returns at once). `--zrange-options`
 * replaces SET with ZRANGE key 0 10 and those options (an empty sorted set: the reply is short,
 * the check and the argument build weigh more). Several `--base` dirs, comma-separated, run in
 * the same rounds (a before and an after against one reference); every ratio is to the first.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { startServer } from './lib/server.mjs';
import { median, runLoad, VALUE_100 } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));

if (process.argv[2] === '--child') {
  // entries: one build's index.js URL, or several joined by '|' (--in-process: one client per
  // build in this process, taking turns in blocks of `ops` commands, `rounds` turns each).
  const [, , , entries, serverJson, opsText, observe, optionsJsons, setOptionsJson, zRangeOptionsJson, roundsText, issueOnly, loadName] = process.argv;
  const server = JSON.parse(serverJson);
  const ops = Number(opsText);
  if (observe === '1') {
    const dc = await import('node:diagnostics_channel');
    let seen = 0;
    const count = () => void seen++;
    dc.subscribe('leanredis:command:end', count);
    dc.tracingChannel('leanredis:command').subscribe({ start: count, end: count, asyncStart: count, asyncEnd: count, error: count });
  }
  // ZRANGE runs on keys no SET touches (else WRONGTYPE); they stay empty, so GET sees no key.
  const keys = Array.from({ length: 100 }, (_, i) => `bench:cpu:${zRangeOptionsJson === '' ? '' : 'z:'}${i}`);
  const setOptions = setOptionsJson === '' ? undefined : JSON.parse(setOptionsJson);
  const zRangeOptions = zRangeOptionsJson === '' ? undefined : JSON.parse(zRangeOptionsJson);
  const optionsList = JSON.parse(optionsJsons);
  const runs = [];
  for (const [i, entry] of entries.split('|').entries()) {
    const { createClient } = await import(entry);
    const client = createClient({ host: server.host, port: server.port, ...optionsList[i] });
    const op =
      zRangeOptions !== undefined
        ? (id, i) => (i & 1 ? client.get(keys[id]) : client.zRange(keys[id], 0, 10, zRangeOptions))
        : setOptions === undefined
          ? (id, i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100))
          : (id, i) => (i & 1 ? client.get(keys[id]) : client.set(keys[id], VALUE_100, setOptions));
    const pipeline = () => {
      const p = client.pipeline();
      for (let j = 0; j < 100; j++) {
        if (j & 1) p.get(keys[0]);
        else p.set(keys[0], VALUE_100);
      }
      return p.exec();
    };
    const load = loadName === 'pipeline100' ? { callers: 1, op: pipeline, opsPerCall: 100 } : { callers: 100, op };
    runs.push({ client, op, load });
  }
  for (const { load } of runs) await runLoad({ ...load, durationMs: 60_000, maxOps: 50_000 });
  /**
   * --issue-only: the time of calling the command methods alone (arguments checked and built,
   * encoded, queued for the socket), in bursts of 500 calls with the replies awaited outside the
   * measure: the part of the hot path the options check is on, without the socket's and the
   * reply's time, which a loaded machine makes swing far more than the check costs. One figure
   * per burst (~0.1 ms of synchronous work, wall clock: too short for the CPU clock's resolution,
   * and a burst the scheduler interrupts is an outlier the medians drop); bursts of the builds
   * are paired by their place in the turn.
   */
  async function issueCost(op, total) {
    const burst = 500;
    const pending = new Array(burst);
    /** @type {number[]} */
    const perBurst = [];
    for (let done = 0; done < total; done += burst) {
      const before = process.hrtime.bigint();
      for (let i = 0; i < burst; i++) pending[i] = op(i % 100, done + i);
      perBurst.push(Number(process.hrtime.bigint() - before) / burst);
      const replies = await Promise.allSettled(pending);
      for (const r of replies) if (r.status === 'rejected') errors++;
    }
    return perBurst;
  }
  const rounds = Number(roundsText);
  const nsPerOp = runs.map(() => /** @type {number[]} */ ([]));
  let errors = 0;
  let opsPerSec = 0;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < runs.length; k++) {
      const b = (k + round) % runs.length;
      if (issueOnly === '1') {
        nsPerOp[b].push(...(await issueCost(runs[b].op, ops)));
        continue;
      }
      const before = process.cpuUsage();
      const r = await runLoad({ ...runs[b].load, durationMs: 120_000, maxOps: ops });
      const used = process.cpuUsage(before);
      nsPerOp[b].push(((used.user + used.system) * 1000) / r.ops);
      errors += r.errors;
      opsPerSec = r.opsPerSec;
    }
  }
  for (const { client } of runs) await client.close();
  process.stdout.write(`@@RESULT ${JSON.stringify({ nsPerOp: runs.length === 1 ? nsPerOp[0][0] : nsPerOp, opsPerSec, errors })}\n`);
  process.exit(0);
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
for (const k of Object.keys(args)) if (!['base', 'rounds', 'ops', 'observe', 'this-options', 'set-options', 'zrange-options', 'in-process', 'issue-only', 'load'].includes(k)) throw new Error(`unknown option --${k}`);
const loadName = args.load ?? 'concurrent100';
if (!['concurrent100', 'pipeline100'].includes(loadName)) throw new Error(`--load must be concurrent100 or pipeline100, got ${loadName}`);
if (args['issue-only'] === 'true') args['in-process'] = 'true';
if (args.base === undefined) throw new Error('--base=<dir of the other build (its index.js)> is required');
const rounds = Number(args.rounds ?? 15);
const ops = Number(args.ops ?? 200_000);
const bases = args.base.split(',');
const builds = [
  { label: 'this build', entry: pathToFileURL(join(here, '..', 'packages', 'leanredis', 'dist', 'index.js')).href, options: args['this-options'] ?? '{}' },
  ...bases.map((dir, i) => ({ label: bases.length === 1 ? 'base' : `base ${i + 1}`, entry: pathToFileURL(join(resolve(dir), 'index.js')).href, options: '{}' })),
];
const reference = 1; // every ratio is to the first --base

function runChild(build, server, childRounds = 1) {
  return new Promise((done, fail) => {
    const argv = [build.entry, JSON.stringify(server), String(ops), args.observe === 'true' ? '1' : '0', `[${build.options}]`, args['set-options'] ?? '', args['zrange-options'] ?? '', String(childRounds), args['issue-only'] === 'true' ? '1' : '0', loadName];
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', ...argv], {
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
  if (args['in-process'] === 'true') {
    // One process, one client per build, turns of `ops` commands: paired blocks a fraction of a
    // second apart, so the machine's load drifts far less between them than between processes.
    const all = { label: 'all', entry: builds.map((b) => b.entry).join('|'), options: builds.map((b) => b.options).join(',') };
    const r = await runChild(all, server, rounds);
    if (r.errors > 0) throw new Error(`${r.errors} errors`);
    r.nsPerOp.forEach((list, i) => results[i].push(...list));
  } else {
    for (let round = 0; round < rounds; round++) {
      // The order rotates each round, so no build always runs first (or after the same one).
      const order = builds.map((_, i) => (i + round) % builds.length);
      for (const i of order) {
        const r = await runChild(builds[i], server);
        if (r.errors > 0) throw new Error(`${builds[i].label}: ${r.errors} errors`);
        results[i].push(r.nsPerOp);
        rates[i].push(r.opsPerSec);
        process.stderr.write(`round ${round + 1}/${rounds} ${builds[i].label.padEnd(10)} ${r.nsPerOp.toFixed(0)} ns CPU/command (${(r.opsPerSec / 1000).toFixed(1)}k ops/s)\n`);
      }
    }
  }
} finally {
  await server.stop();
}
const workload = args['zrange-options'] ? `ZRANGE ${args['zrange-options']}/GET` : `SET${args['set-options'] ? ` ${args['set-options']}` : ''}/GET`;
console.log(`CPU time per command, ${rounds} interleaved rounds of ${ops} commands (${loadName === 'pipeline100' ? '1 caller, pipelines of 100' : '100 callers'}, ${workload}${args['in-process'] === 'true' ? ', builds taking turns in one process' : ''}${args['issue-only'] === 'true' ? ', issuing calls only' : ''})${args.observe === 'true' ? ', every command channel subscribed' : ''}${args['this-options'] ? `, this build with ${args['this-options']}` : ''}; load average ${loadBefore} -> ${load()}`);
console.log(`  ${builds.map((b, i) => `${b.label}${bases.length > 1 && i > 0 ? ` (${bases[i - 1]})` : ''}: ${median(results[i]).toFixed(0)} ns`).join(', ')}`);
for (let b = 0; b < builds.length; b++) {
  if (b === reference) continue;
  const ratios = results[b].map((ns, i) => ns / results[reference][i]);
  const sorted = [...ratios].sort((x, y) => x - y);
  console.log(`  ratio ${builds[b].label}/${builds[reference].label}: median ${median(ratios).toFixed(3)}, quartiles ${sorted[Math.floor(sorted.length / 4)].toFixed(3)}..${sorted[Math.floor((3 * sorted.length) / 4)].toFixed(3)}`);
}
if (rates[0].length === results[0].length) {
  const rateRatios = rates[1].map((_, i) => rates[0][i] / rates[reference][i]).sort((x, y) => x - y);
  console.log(`  ops/s: ${builds.map((b, i) => `${b.label} ${(median(rates[i]) / 1000).toFixed(1)}k`).join(', ')}; ratio this build/${builds[reference].label}: median ${median(rateRatios).toFixed(3)}, quartiles ${rateRatios[Math.floor(rounds / 4)].toFixed(3)}..${rateRatios[Math.floor((3 * rounds) / 4)].toFixed(3)}`);
}
