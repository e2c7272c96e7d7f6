#!/usr/bin/env node
/**
 * Method check of the doctor's load generator (issue 8): is `leanredis bench` as fast a
 * harness as the bench's own loop? On one redis-server, for --rounds rounds, alternately:
 *
 *   doctor     leanredis bench --clients leanredis --callers 50 --mix get --duration 4s
 *              --warmup 2s --keys 50 --json          (packages/cli/dist/bin.js)
 *   bench      the get50 scenario's child for leanredis (bench/scenarios/get50.mjs: 50 callers,
 *              GET only, 20,000 warm-up GETs, a 4 s window), as `npm run bench` runs it
 *   redis-benchmark -t get -d 100, -c 50 -P 1 and -c 1 -P 50
 *
 * and prints the medians, the doctor's throughput as a share of the scenario's (goal: within
 * 10%), and the doctor's own cost per operation as it measures it. Usage:
 *   node bench/doctor-check.mjs [--rounds=3]
 * REDIS_URL uses that server instead of starting one.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from './lib/server.mjs';
import { runChild, machineInfo, progress } from './lib/harness.mjs';
import { median } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const doctor = join(here, '..', 'packages', 'cli', 'dist', 'bin.js');
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 3);
const file = join(here, 'scenarios', 'get50.mjs');
const scenario = { ...(await import(pathToFileURL(file).href)).default, file: pathToFileURL(file).href };
const params = scenario.params({ quick: false });

const loadBefore = loadavg()[0];
const server = await startServer();
const info = machineInfo(server);
progress(`doctor-check: ${info.cpu}, ${info.cores} cores, Node ${info.node}, redis-server ${info.redisServer} at ${server.host}:${server.port}, ${rounds} rounds`);
/** @type {Record<'doctor' | 'bench' | 'overheadNs' | 'floorNs' | 'doctorP50' | 'doctorP99' | 'rbConnections' | 'rbPipelined', number[]>} */
const rows = { doctor: [], bench: [], overheadNs: [], floorNs: [], doctorP50: [], doctorP99: [], rbConnections: [], rbPipelined: [] };
try {
  for (let round = 1; round <= rounds; round++) {
    const out = execFileSync(process.execPath, [doctor, 'bench', '--url', server.url, '--clients', 'leanredis', '--callers', '50', '--mix', 'get', '--duration', '4s', '--warmup', '2s', '--keys', '50', '--json'], { encoding: 'utf8' });
    const run = JSON.parse(out).runs[0];
    rows.doctor.push(run.totals.opsPerSec);
    rows.overheadNs.push(run.facts.overheadNsPerOp);
    rows.floorNs.push(run.facts.loopFloorNsPerOp);
    rows.doctorP50.push(run.totals.latency.p50Ms);
    rows.doctorP99.push(run.totals.latency.p99Ms);
    const b = await runChild(scenario, 'leanredis', server, params);
    if (b.error) throw new Error(`get50 child: ${b.error}`);
    rows.bench.push(b.opsPerSec);
    const c50 = await scenario.extras[0].measure({ server, params });
    const p50 = await scenario.extras[1].measure({ server, params });
    rows.rbConnections.push(c50.opsPerSec);
    rows.rbPipelined.push(p50.opsPerSec);
    progress(`round ${round}: doctor ${Math.round(run.totals.opsPerSec)} ops/s (overhead ${run.facts.overheadNsPerOp} ns/op), get50 scenario ${Math.round(b.opsPerSec)} ops/s, redis-benchmark -c 50 ${Math.round(c50.opsPerSec)}, -c 1 -P 50 ${Math.round(p50.opsPerSec)}`);
  }
} finally {
  await server.stop();
}
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
const share = m.doctor / m.bench;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`| harness (50 callers, GET, 100 B values) | GET ops/s (median of ${rounds}) |`);
console.log('|---|---:|');
console.log(`| \`npm run bench\` get50 scenario (the client's own loop) | ${fmt(m.bench)} |`);
console.log(`| \`leanredis bench --callers 50 --mix get\` | ${fmt(m.doctor)} (${(share * 100).toFixed(1)}% of the scenario; p50 ${m.doctorP50} ms, p99 ${m.doctorP99} ms) |`);
console.log(`| redis-benchmark -c 50 -P 1 (50 connections) | ${fmt(m.rbConnections)} |`);
console.log(`| redis-benchmark -c 1 -P 50 (one connection, 50 in flight) | ${fmt(m.rbPipelined)} |`);
console.log('');
console.log(`doctor overhead: ${fmt(m.overheadNs)} ns per operation (its clock reads and histograms over the bare loop, against a client that answers at once; the bare loop: ${fmt(m.floorNs)} ns/op), ${((m.overheadNs * m.doctor) / 1e7).toFixed(1)}% of its run's time per op`);
console.log(`goal: the doctor within 10% of the scenario: ${Math.abs(1 - share) <= 0.1 ? 'met' : 'missed'} (${(share * 100).toFixed(1)}%); load average ${loadBefore.toFixed(2)} -> ${loadavg()[0].toFixed(2)}`);
