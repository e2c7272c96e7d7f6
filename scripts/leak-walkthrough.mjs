#!/usr/bin/env node
/**
 * The leak hunt of docs/DIAGNOSTICS.md, run for real: a small "service" with four deliberate
 * leaks, and the steps that find each with `leanredis/diagnostics`. Its output is what the doc
 * shows (paths shortened: the repository root to `.`, the temporary folder to `<tmp>`).
 *
 *   node scripts/leak-walkthrough.mjs                         (needs the built package: node scripts/ensure-ready.mjs)
 *   node --no-turbo-inlining scripts/leak-walkthrough.mjs     (V8's sampling heap profiler charges an
 *                                                              inlined function's allocations to its caller;
 *                                                              the doc shows both runs)
 *
 * The leaks: an audit array nobody trims (recordAudit), a session cache in a dependency that
 * never evicts (node_modules/session-store, written to a temporary folder), a retry timer armed
 * per request and never cleared (scheduleRetry), and a lease taken and never released
 * (reserveStock). Starts its own redis-server on a free loopback port (REDIS_SERVER overrides the
 * binary). Alarm windows are shortened (seconds, not minutes) so the run takes ~30 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from 'leanredis';
import { captureHeapProfile, estimateHeapSnapshot, watchMemory } from 'leanredis/diagnostics';

// --- the leaky service --------------------------------------------------------------------

/** @type {object[]} */
const audit = [];
/** Leak 1: every request appends to an array nobody trims. */
function recordAudit(/** @type {number} */ id) {
  audit.push({ id, path: `/cart/${id}`, at: Date.now(), trail: [id, id + 1, id + 2, id + 3] });
}

/** @type {ReturnType<typeof setTimeout>[]} */
const retries = [];
/** Leak 3: a retry timer per request, never cleared when the request succeeds. */
function scheduleRetry(/** @type {number} */ id) {
  retries.push(setTimeout(() => recordAudit(-id), 600_000));
}

/** @type {import('leanredis').Lease[]} */
const held = [];
/** Leak 4: a lease taken to reserve stock, never released. */
async function reserveStock(/** @type {import('leanredis').Client} */ client, /** @type {string} */ sku) {
  const lease = await client.acquire();
  held.push(lease);
  await lease.set(`stock:${sku}:reserved`, '1');
}

/** One request of the service. */
function handleRequest(/** @type {number} */ id, /** @type {{ remember(id: number, user: object): void }} */ sessions) {
  recordAudit(id);
  sessions.remember(id, { user: `user-${id}`, cart: [id, id * 2], seenAt: Date.now() });
  if (id % 40 === 0) scheduleRetry(id);
}

// --- plumbing -----------------------------------------------------------------------------

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'leanredis-leak-'));
const short = (/** @type {string} */ text) => text.replaceAll(`${root}/`, './').replaceAll(tmp, '<tmp>');
const mb = (/** @type {number} */ bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
const say = (/** @type {string} */ text) => console.log(short(text));

/** Leak 2 lives in a dependency: a session cache that never evicts. */
function writeDependency() {
  const dir = join(tmp, 'node_modules', 'session-store');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "name": "session-store", "type": "module" }\n');
  writeFileSync(join(dir, 'index.mjs'), 'const sessions = new Map();\nexport function remember(id, user) {\n  sessions.set(id, { ...user, token: `tok-${id}-${Math.random()}` });\n}\n');
  return join(dir, 'index.mjs');
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** @param {() => boolean} condition @param {number} timeoutMs */
async function until(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

// --- the walkthrough ----------------------------------------------------------------------

const port = await freePort();
const server = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
/** @type {import('leanredis/diagnostics').MemoryAlarm[]} */
const alarms = [];
/** @type {ReturnType<typeof setInterval> | undefined} */
let traffic;
/** @type {import('leanredis').Client | undefined} */
let client;
try {
  const sessions = await import(pathToFileURL(writeDependency()).href);

  say('## Step 1: watchMemory raises alarms that name the call site\n');
  const watch = watchMemory({
    intervalMs: 200,
    warmupMs: 2000,
    alarms: {
      growth: { windowMs: 4000, minBytesPerSecond: 256 * 1024, series: ['heapUsed'], attributionMs: 1500 },
      doubling: { minCount: 16, attributionMs: 1000 },
      saturation: { windowMs: 1000 },
      leaseLeak: {},
    },
    onAlarm: (a) => alarms.push(a),
  });
  // Created after the watch: it is watched, with the line that created it.
  client = createClient({ url: `redis://127.0.0.1:${port}`, maxConnections: 4, leakDetectionThresholdMs: 2000 });
  await until(() => false, 300);
  await client.ping();
  await reserveStock(client, 'sku-1');
  await reserveStock(client, 'sku-2');
  let id = 0;
  traffic = setInterval(() => {
    for (let i = 0; i < 25; i++) handleRequest(++id, sessions);
  }, 5);
  const kinds = ['growth', 'doubling', 'lease-leak'];
  await until(() => kinds.every((k) => alarms.some((a) => a.kind === k)), 40_000);
  for (const a of alarms) {
    say(`[${a.kind}] ${a.message}`);
    for (const s of a.callSites.slice(0, 3)) say(`    ${s.count} × ${s.bytes !== undefined ? `${mb(s.bytes)} ` : ''}at ${s.site}`);
    if (a.note !== undefined) say(`    note: ${a.note}`);
  }
  watch.stop();

  say('\n## Step 2: a heap profile says which functions and which packages hold the memory\n');
  const profile = await captureHeapProfile({ durationMs: 4000 });
  const w = profile.windows;
  say(`captured ${(profile.durationMs / 1000).toFixed(1)} s: ${w.allocCount} alloc windows (${(w.allocMs / 1000).toFixed(1)} s), ${w.inuseCount} inuse windows (${(w.inuseMs / 1000).toFixed(1)} s), interval ${profile.samplingIntervalBytes} B`);
  /** @param {import('leanredis/diagnostics').TopRow[]} rows */
  const table = (rows) => rows.map((r) => `  ${mb(r.flat).padStart(9)} ${r.flatPercent.toFixed(1).padStart(5)}%  ${mb(r.cum).padStart(9)} ${r.cumPercent.toFixed(1).padStart(5)}%  ${r.name}`).join('\n');
  const header = '       flat  flat%        cum   cum%  name';
  say(`\nprofile.top({ by: 'function', sampleType: 'inuse_space', n: 5 })\n${header}\n${table(profile.top({ by: 'function', sampleType: 'inuse_space', n: 5 }))}`);
  say(`\nprofile.top({ by: 'package', sampleType: 'inuse_space', n: 4 })\n${header}\n${table(profile.top({ by: 'package', sampleType: 'inuse_space', n: 4 }))}`);
  say(`\nprofile.top({ by: 'function', sampleType: 'alloc_space', n: 5 })\n${header}\n${table(profile.top({ by: 'function', sampleType: 'alloc_space', n: 5 }))}`);

  say('\n## Step 3: the same profile in go tool pprof\n');
  const file = join(tmp, 'heap.pb.gz');
  writeFileSync(file, profile.toPprof());
  const go = spawnSync('go', ['tool', 'pprof', '-top', '-nodecount=8', '-sample_index=inuse_space', file], {
    encoding: 'utf8',
    env: { ...process.env, HOME: tmp, GOCACHE: join(tmp, 'gocache'), PPROF_TMPDIR: tmp },
    timeout: 120_000,
  });
  if (go.error !== undefined) say(`(go is not installed: ${go.error.message})`);
  else say(`$ go tool pprof -top -nodecount=8 -sample_index=inuse_space heap.pb.gz\n${go.stdout.trim()}`);

  say('\n## Step 4: a full heap snapshot, only if it fits\n');
  const e = estimateHeapSnapshot({ file: join(tmp, 'app.heapsnapshot') });
  say(`estimateHeapSnapshot(): heapUsed ${mb(e.heapUsed)}; needs ~${mb(e.memoryNeeded)} of memory (${mb(e.memoryAvailable)} available) and ~${mb(e.diskNeeded)} of disk (${mb(e.diskFree)} free): fits = ${e.fits}`);
} finally {
  if (traffic !== undefined) clearInterval(traffic);
  for (const t of retries) clearTimeout(t);
  for (const lease of held) lease.release();
  await client?.close();
  server.kill();
  rmSync(tmp, { recursive: true, force: true });
}
