#!/usr/bin/env node
/**
 * Issue 2's acceptance figure: importing `leanredis` (the built package) loads at most 12 of
 * its files and adds at most 300 KB of heap after GC, measured in fresh processes.
 * A measurement, not a test: prints the figures and exits 0 either way.
 *
 *   npm run bench:import            (root; builds the client first when its sources changed)
 *   node bench/import-cost.mjs [pkg] [--json]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { measureImport } from './lib/import-probe.mjs';
import { median } from './lib/measure.mjs';

const args = process.argv.slice(2);
const spec = args.find((a) => !a.startsWith('--')) ?? 'leanredis';
const r = measureImport(spec, { heapRuns: 5, wallRuns: 10, reachableRuns: 3 });
// The first createClient() of a process loads the command table (dist/extras.js): issue 13
// bounds its growth at +40%. Only for the core: other specs (leanredis/diagnostics) have no client.
const firstClient = [];
const firstClientRetained = [];
for (let i = 0; i < (spec === 'leanredis' ? 5 : 0); i++) {
  const probe = fileURLToPath(new URL('./lib/probes/first-client-heap.mjs', import.meta.url));
  const out = spawnSync(process.execPath, ['--expose-gc', probe, spec], { encoding: 'utf8', cwd: fileURLToPath(new URL('./lib/probes/', import.meta.url)) });
  if (out.status !== 0) throw new Error(`first-client probe failed: ${out.stderr.trim().split('\n').pop()}`);
  const figures = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
  firstClient.push(figures.heapBytes);
  firstClientRetained.push(figures.retainedBytes);
}
r.firstClientHeapBytes = median(firstClient);
r.firstClientRetainedBytes = median(firstClientRetained);
if (args.includes('--json')) {
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const mark = (ok) => (ok ? 'within goal' : 'OVER GOAL');
console.log(`import cost of ${spec} (${process.version}, fresh processes)`);
console.log(`  heap after GC     ${kb(r.heapBytes).padStart(10)}   goal <= 300 KB   ${mark(r.heapBytes <= 300 * 1024)}   (median of 5)`);
if (spec === 'leanredis') console.log(`  first client      ${kb(r.firstClientRetainedBytes).padStart(10)}   live objects (snapshot), ${kb(r.firstClientHeapBytes)} used heap: createClient() after the import, no command (loads the command table; median of 5)`);
console.log(`  heap reachable    ${kb(r.reachableBytes ?? 0).padStart(10)}   (cross-check: heap-snapshot bytes after minus before, less the probe's own ${kb(r.reachableFloorBytes ?? 0)}; median of 3)`);
console.log(`  files loaded      ${String(r.files).padStart(10)}   goal <= 12       ${mark(r.files <= 12)}   (${kb(r.fileBytes)} of source)`);
console.log(`  wall over bare    ${`${r.wallMs >= 0 ? '+' : ''}${r.wallMs.toFixed(1)} ms`.padStart(10)}   goal <= +20 ms   ${mark(r.wallMs <= 20)}   (bare node ${r.bareMs.toFixed(0)} ms; median of 10 back-to-back pair differences)`);
console.log(`  Node built-ins it loads: ${r.builtins.length ? r.builtins.join(', ') : 'none'} (+${r.builtinModules} modules incl. internal)`);
if (r.files <= 20) for (const f of r.fileList) console.log(`    ${f}`);
process.exit(0);
