/**
 * The harness: runs a scenario for every client, interleaved (A, B, C, then A, B, C again) for
 * `rounds` rounds, each run in a fresh child process; then reduces every metric to its median
 * over rounds, computes the ratio of each rival to leanredis, checks the goals, prints a
 * Markdown table and writes bench/results/<scenario>.json.
 *
 * A scenario module (bench/scenarios/*.mjs) exports default {
 *   id, title, method,                     names and how the figures are taken (for docs)
 *   clients?,                              client ids it runs (default: every client)
 *   nodeFlags?,                            flags of the child process (default --expose-gc)
 *   params(opts) -> object,                knobs, from { quick }
 *   run({ client, server, params })        in the child: returns { metric: number, ... }
 *   measure?(clientId, ctx)                in the parent instead of a child (probes, tools)
 *   extras?: [{ id, label, measure(ctx) }] non-client rows (redis-benchmark); `child: true` runs
 *                                          the scenario in a child with that id (the loop floor)
 *   metrics: [{ key, label, unit, better: 'higher' | 'lower', digits? }]
 *   goals?: [(table) => { text, met, detail }]
 * }
 */
import { spawn, execFileSync } from 'node:child_process';
import { cpus, totalmem, platform, release, arch, loadavg } from 'node:os';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { CLIENTS, CLIENT_IDS } from './clients.mjs';
import { median } from './measure.mjs';
import { rawCommand } from './server.mjs';
import { formatValue, renderTable } from './format.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = join(here, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
const WORKER = join(here, 'worker.mjs');

/** Which build of leanredis ran: the repo commit and a hash of dist/index.js (sources move fast). */
export function leanredisBuild() {
  try {
    const file = createRequire(import.meta.url).resolve('leanredis');
    const bytes = readFileSync(file);
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages/leanredis/src'], { cwd: BENCH_DIR, encoding: 'utf8' }).trim();
      if (dirty) commit += '+uncommitted';
    } catch {
      /* not a git checkout */
    }
    return { commit, dist: createHash('sha256').update(bytes).digest('hex').slice(0, 12), distBytes: bytes.length };
  } catch (e) {
    return { error: String(e) };
  }
}

export function machineInfo(server) {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
    redisServer: server.version,
    redisServerExternal: server.external,
    date: new Date().toISOString(),
  };
}

export function clientVersions(ids = CLIENT_IDS) {
  const out = {};
  for (const id of ids) {
    try {
      out[id] = `${CLIENTS[id].pkg}@${CLIENTS[id].version()}`;
    } catch {
      out[id] = `${CLIENTS[id].pkg}@?`;
    }
  }
  try {
    out['redis-benchmark'] = execFileSync('redis-benchmark', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* optional */
  }
  return out;
}

/** Runs the worker for one (scenario, client) in a fresh process; resolves its result object. */
export function runChild(scenario, clientId, server, params, { timeoutMs = 300_000 } = {}) {
  // BENCH_NODE_FLAGS adds V8/Node flags to every child (experiments: heap sizing and so on).
  const flags = [...(scenario.nodeFlags ?? ['--expose-gc']), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const args = [...flags, WORKER, scenario.file, clientId, JSON.stringify({ host: server.host, port: server.port, url: server.url }), JSON.stringify(params)];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT '));
      if (line) resolve(JSON.parse(line.slice(9)));
      else resolve({ error: `child exited ${signal ?? code}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

/** Progress lines go to stderr so stdout stays a clean Markdown report. */
export const progress = (s) => process.stderr.write(`${s}\n`);

/**
 * Runs one scenario over every client and round. Returns the result document (also written).
 */
export async function runScenario(scenario, { server, rounds, quick, clients: only, write = true, index = 0, total = 0 }) {
  const params = scenario.params({ quick });
  const ids = (scenario.clients ?? CLIENT_IDS).filter((id) => !only || only.includes(id));
  const extras = (scenario.extras ?? []).filter((x) => !only || only.includes(x.id));
  const rows = [...ids.map((id) => ({ id, label: CLIENTS[id].label })), ...extras.map((x) => ({ id: x.id, label: x.label }))];
  const raw = Object.fromEntries(rows.map((r) => [r.id, []]));
  const tag = `[${index}/${total} ${scenario.id}]`;
  const t0 = Date.now();
  const loadBefore = loadavg()[0];
  const ctx = { server, params, quick };
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) {
      // Only our own server is flushed between runs; with REDIS_URL the scenarios touch their
      // own `bench:*` keys and nothing else.
      if (scenario.flush !== false && !server.external) await rawCommand(server.host, server.port, 'FLUSHALL').catch(() => {});
      const extra = extras.find((x) => x.id === row.id);
      let result;
      try {
        result = extra?.child ? await runChild(scenario, extra.id, server, params) : extra ? await extra.measure(ctx) : scenario.measure ? await scenario.measure(row.id, ctx) : await runChild(scenario, row.id, server, params);
      } catch (e) {
        result = { error: e instanceof Error ? e.message : String(e) };
      }
      raw[row.id].push(result);
      const shown = result.error ? `FAILED: ${result.error.slice(0, 160)}` : scenario.metrics.map((m) => `${m.label} ${formatValue(result[m.key], m)}`).join(', ');
      progress(`${tag} round ${round}/${rounds} ${row.label.padEnd(15)} ${shown}`);
    }
  }
  const medians = {};
  const errors = {};
  for (const row of rows) {
    const ok = raw[row.id].filter((r) => !r.error);
    if (ok.length === 0) errors[row.id] = raw[row.id][0]?.error ?? 'no result';
    medians[row.id] = Object.fromEntries(scenario.metrics.map((m) => [m.key, median(ok.map((r) => r[m.key]))]));
    // Non-numeric facts (resource lists, notes) from the last good round.
    const last = ok[ok.length - 1];
    if (last?.notes) medians[row.id].notes = last.notes;
  }
  const ratios = {};
  const base = medians.leanredis;
  for (const row of rows) {
    if (row.id === 'leanredis' || !base || extras.find((x) => x.id === row.id)?.noRatio) continue;
    ratios[row.id] = Object.fromEntries(
      scenario.metrics.map((m) => {
        const a = medians[row.id][m.key];
        const b = base[m.key];
        return [m.key, typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : undefined];
      }),
    );
  }
  const doc = {
    scenario: scenario.id,
    title: scenario.title,
    method: scenario.method,
    command: `npm run bench -- --scenarios=${scenario.id}${quick ? ' --quick' : ''}${rounds !== 3 ? ` --rounds=${rounds}` : ''}${only ? ` --clients=${only.join(',')}` : ''}`,
    machine: machineInfo(server),
    clients: clientVersions([...ids]),
    leanredisBuild: leanredisBuild(),
    rounds,
    quick,
    params,
    metrics: scenario.metrics,
    rows,
    medians,
    ratios,
    errors,
    raw,
    seconds: Math.round((Date.now() - t0) / 1000),
    // 1-minute load average before and after: above ~2 on this 2-core machine, something else
    // competed for the CPU and throughput figures are pessimistic for every client.
    loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
  };
  doc.goals = (medians.leanredis && !errors.leanredis ? scenario.goals ?? [] : []).map((g) => {
    try {
      return g(doc);
    } catch (e) {
      return { text: 'goal check failed', met: false, detail: String(e) };
    }
  });
  if (write) {
    // Only a full run (all rows, full length) replaces the results the docs are built from;
    // --quick and --clients runs go to results/tmp/, so experiments never overwrite them.
    const isCanonical = !quick && !only;
    const dir = isCanonical ? RESULTS_DIR : join(RESULTS_DIR, 'tmp');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${scenario.id}.json`), `${JSON.stringify(doc, null, 2)}\n`);
    progress(`${tag} wrote ${isCanonical ? '' : 'tmp/'}${scenario.id}.json`);
  }
  progress(`${tag} done in ${doc.seconds} s`);
  return doc;
}

export { renderTable };
