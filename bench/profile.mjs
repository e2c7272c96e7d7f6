#!/usr/bin/env node
/**
 * Profiles one scenario for one client (default leanredis) and prints where the time or the
 * allocations go, by function and by file. Used to explain a missed goal.
 *
 *   node bench/profile.mjs <scenario> [client] [--quick]        CPU: node --cpu-prof
 *   node bench/profile.mjs <scenario> [client] --alloc          allocations: V8 sampling heap
 *        profiler through node:inspector, objects later collected by GC included
 *   node bench/profile.mjs <scenario> [client] --retained       the same, live objects only
 *
 * Raw profiles go to bench/results/tmp/prof/ (git-ignored); open a .cpuprofile in Chrome
 * DevTools for the full tree.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SourceMap } from 'node:module';
import { startServer } from './lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const [scenarioId, clientId = 'leanredis'] = args.filter((a) => !a.startsWith('--'));
const quick = args.includes('--quick');
const retained = args.includes('--retained');
const alloc = args.includes('--alloc') || retained;
if (!scenarioId) {
  console.log('usage: node bench/profile.mjs <scenario> [client] [--quick] [--alloc]');
  process.exit(0);
}
const dir = join(here, 'results', 'tmp', 'prof');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const file = pathToFileURL(join(here, 'scenarios', `${scenarioId}.mjs`)).href;
const scenario = (await import(file)).default;
const params = scenario.params({ quick });
const server = await startServer();
const flags = (scenario.nodeFlags ?? ['--expose-gc']).slice();
if (!alloc) flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=200');
else flags.push('--import', pathToFileURL(join(here, 'lib', 'probes', 'alloc-sampler.mjs')).href);
const child = spawn(process.execPath, [...flags, join(here, 'lib', 'worker.mjs'), file, clientId, JSON.stringify(server), JSON.stringify(params)], {
  cwd: here,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, BENCH_ALLOC_OUT: join(dir, 'alloc.json'), BENCH_ALLOC_RETAINED: retained ? '1' : '0' },
});
let out = '';
child.stdout.on('data', (d) => (out += d));
await new Promise((r) => child.on('exit', r));
await server.stop();
console.log(out.split('\n').find((l) => l.startsWith('@@RESULT')) ?? out);

// The built client is minified: map its frames back to source file:line through its source map.
const maps = new Map();
function original(cf) {
  if (!cf.url || !cf.url.includes('/dist/')) return undefined;
  if (!maps.has(cf.url)) {
    try {
      maps.set(cf.url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(cf.url)}.map`, 'utf8'))));
    } catch {
      maps.set(cf.url, null);
    }
  }
  const entry = maps.get(cf.url)?.findEntry(cf.lineNumber, cf.columnNumber);
  if (!entry?.originalSource) return undefined;
  const src = entry.originalSource.replace(/^.*\/src\//, 'leanredis/src/');
  return { fn: entry.name ?? cf.functionName, where: `${src}:${entry.originalLine + 1}`, file: src };
}
const frameName = (cf) => {
  const o = original(cf);
  if (o) return `${o.fn || '(anonymous)'}  ${o.where}`;
  return `${cf.functionName || '(anonymous)'}  ${short(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
};

const short = (url) => (url || '(native)').replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\/leanredis\//, 'leanredis/');

function printTop(title, entries, total, unit) {
  console.log(`\n${title}`);
  for (const [k, v] of entries.slice(0, 25)) console.log(`  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${unit(v).padStart(10)}  ${k}`);
}

if (!alloc) {
  const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (prof === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
  const p = JSON.parse(readFileSync(join(dir, prof), 'utf8'));
  const dt = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byFn = new Map();
  const byFile = new Map();
  let total = 0;
  for (const n of p.nodes) {
    const t = dt.get(n.id) ?? 0;
    if (!t) continue;
    total += t;
    const cf = n.callFrame;
    const fn = frameName(cf);
    byFn.set(fn, (byFn.get(fn) ?? 0) + t);
    const f = original(cf)?.file ?? (cf.url ? short(cf.url).replace(/^(leanredis\/[^:]+|[^/]+(\/[^/]+)?).*$/, '$1') : `(${cf.functionName})`);
    byFile.set(f, (byFile.get(f) ?? 0) + t);
  }
  const ms = (v) => `${(v / 1000).toFixed(1)} ms`;
  console.log(`\nCPU profile ${join(dir, prof)} — ${ms(total)} sampled`);
  printTop('self time by function', [...byFn].sort((a, b) => b[1] - a[1]), total, ms);
  printTop('self time by file / package', [...byFile].sort((a, b) => b[1] - a[1]), total, ms);
} else {
  const a = JSON.parse(readFileSync(join(dir, 'alloc.json'), 'utf8'));
  const byFn = new Map();
  let total = 0;
  const walk = (node) => {
    const cf = node.callFrame;
    const self = node.selfSize;
    if (self) {
      const k = frameName(cf);
      byFn.set(k, (byFn.get(k) ?? 0) + self);
      total += self;
    }
    for (const c of node.children) walk(c);
  };
  walk(a.head);
  const kb = (v) => `${(v / 1024).toFixed(0)} KB`;
  console.log(`\nSampled ${retained ? 'live objects at exit' : 'allocations (collected objects included)'}: ${kb(total)}`);
  printTop('allocated bytes by allocating function', [...byFn].sort((x, y) => y[1] - x[1]), total, kb);
}
